//! `GET /healthz`, `GET /readyz` and `GET /metrics`.

use std::time::Duration;

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{error::ApiError, problem::ProblemKind};
use crate::context::AppContext;

/// How long `/readyz` waits for the database before calling it down.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// The body of a healthy probe.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `ok` or `ready`.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The health routes.
pub fn router() -> Router<AppContext> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
}

/// Liveness: the process is up and serving.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Status)))]
pub async fn healthz() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// Readiness: the database answers and the server is not shutting down.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses(
        (status = 200, body = Status),
        (status = 503, description = "Shutting down or the database does not answer (`not-ready`)", content_type = "application/problem+json", body = crate::http::openapi::Problem),
    )
)]
pub async fn readyz(State(ctx): State<AppContext>) -> Result<Json<Status>, ApiError> {
    if ctx.lifecycle().is_shutting_down() {
        return Err(ApiError::new(ProblemKind::NotReady, "shutting down").with_retry_after(1));
    }
    match tokio::time::timeout(PING_TIMEOUT, ctx.store().ping()).await {
        Ok(Ok(())) => Ok(Json(Status { status: "ready" })),
        Ok(Err(e)) => Err(ApiError::new(ProblemKind::NotReady, "the database does not answer").with_source(e)),
        Err(_) => Err(ApiError::new(ProblemKind::NotReady, "the database did not answer within 2 s")),
    }
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "health",
    security(("api_key" = ["metrics"])),
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String))
)]
pub async fn metrics(State(ctx): State<AppContext>) -> Response {
    let handle = ctx.metrics();
    handle.run_upkeep();
    let mut response = handle.render().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    response
}
