//! The HTTP edge: merges each domain's router and applies the one layer
//! stack, outermost first: credentials marked sensitive → edge (request id, span, panics, metrics,
//! problem+json) → CORS (preflights answered before authentication) →
//! compression → body limit (413) → guard (authentication and roles, rate
//! limit, deadline 504) → handler.

pub mod access;
pub mod auth;
pub mod collections;
pub mod documents;
pub mod error;
pub mod extract;
pub mod find_params;
pub mod health;
pub mod middleware;
pub mod openapi;
pub mod problem;
pub mod rate_limit;

mod cors;

use axum::http::header;
use axum::{Router, extract::DefaultBodyLimit};
use tower::ServiceBuilder;
use tower_http::{compression::CompressionLayer, sensitive_headers::SetSensitiveRequestHeadersLayer};

use crate::context::AppContext;

/// squall's own routes, without layers or state.
pub fn routes() -> Router<AppContext> {
    Router::new().merge(health::router()).merge(openapi::router()).merge(collections::router())
}

/// The complete service: squall's routes plus `extra` (a library user's),
/// behind the layer stack.
pub fn router(ctx: AppContext, extra: Router<AppContext>) -> Router {
    let body_limit = usize::try_from(ctx.config().limits.body_bytes).unwrap_or(usize::MAX);
    let cors = cors::layer(&ctx.config().cors);
    // One composed layer (outermost first) rather than six `Router::layer`
    // calls, each of which boxes every route's service once more.
    let stack = ServiceBuilder::new()
        // Marks credentials so that any Debug print of a request shows
        // "Sensitive" instead of the key.
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
            header::PROXY_AUTHORIZATION,
        ]))
        .layer(middleware::AroundLayer(middleware::Edge(ctx.clone())))
        .layer(cors)
        .layer(CompressionLayer::new().gzip(true).br(true))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::AroundLayer(middleware::Guard(ctx.clone())));
    routes().merge(extra).fallback(middleware::not_found).layer(stack).with_state(ctx)
}
