//! The seed blog post's Tornado handlers, written with squall as a library.
//!
//! ```text
//! cargo run --example tornado_patterns
//! curl localhost:8080/long                          # "Long operation completed" after 5 s, server never blocked
//! curl -XPOST localhost:8080/v1/collections/mycollection/documents \
//!      -H 'content-type: application/json' -d '{"name": "John"}'
//! curl localhost:8080/john                          # find_one({"name": "John"})
//! ```
//!
//! Pattern 3 (`AsyncHTTPClient().fetch(url)`) arrives with squall's
//! Upstreams capability; pattern 1 as a tracked, cancellable resource
//! arrives with Operations. Until then this example writes pattern 1 as the
//! plain awaiting handler Tornado has, and pattern 2 on squall's store.

use std::time::Duration;

use axum::{Json, Router, extract::State, http::Method, routing::get};
use serde_json::{Value, json};
use squall::{App, AppContext, Config, config::Role, http::error::ApiResult};

/// `await asyncio.sleep(5); return "Long operation completed"`.
async fn long_operation() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "Long operation completed"
}

/// `await collection.find_one({"name": "John"})`.
async fn find_john(State(ctx): State<AppContext>) -> ApiResult<Json<Value>> {
    let john = ctx.documents("mycollection")?.find_one(json!({"name": "John"})).await?;
    Ok(Json(john.map_or(Value::Null, |d| Value::Object(d.into_doc()))))
}

#[tokio::main]
async fn main() -> Result<(), squall::AppError> {
    squall::telemetry::init_logging(squall::config::LogFormat::Text, None);
    let app = App::builder(Config::default())
        .routes(Router::new().route("/long", get(long_operation)).route("/john", get(find_john)))
        .route_access(Method::GET, "/long", Some(Role::Read))
        .route_access(Method::GET, "/john", Some(Role::Read))
        .build()
        .await?;
    println!("listening on http://{}", app.local_addr());
    app.run_until_stopped(squall::shutdown::signal()).await
}
