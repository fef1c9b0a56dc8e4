//! Graceful shutdown: readiness turns 503 at once, in-flight requests
//! finish, new connections are still served while draining.

use reqwest::StatusCode;

use crate::helpers::{Backend, assert_problem, spawn_app};

#[tokio::test]
async fn an_in_flight_request_completes_during_shutdown() {
    let mut app = spawn_app(Backend::Sqlite, "shutdown").await.expect("app");
    let in_flight = tokio::spawn({
        let client = app.client.clone();
        let url = app.url("/test/wait");
        async move {
            let response = client.get(url).send().await?;
            Ok::<_, reqwest::Error>((response.status(), response.text().await?))
        }
    });
    while app.ctx.lifecycle().in_flight() == 0 {
        tokio::task::yield_now().await;
    }
    app.begin_shutdown();
    while !app.ctx.lifecycle().is_shutting_down() {
        tokio::task::yield_now().await;
    }
    // A new connection is still served while draining, and says not ready.
    let fresh = reqwest::Client::new();
    let ready = fresh.get(app.url("/readyz")).send().await.expect("served while draining");
    assert_problem(ready, StatusCode::SERVICE_UNAVAILABLE, "not-ready").await;
    let server = app.server.take().expect("server task");
    assert!(!server.is_finished(), "the server must wait for the in-flight request");

    app.release.notify_waiters();
    let (status, body) = in_flight.await.expect("join").expect("the in-flight request completes");
    assert_eq!((status, body.as_str()), (StatusCode::OK, "released"));
    let result = server.await.expect("join");
    assert!(result.is_ok(), "clean exit: {result:?}");
}
