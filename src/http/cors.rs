//! CORS: off unless `cors.allowed_origins` lists origins. tower-http
//! answers preflight requests itself, and this layer sits outside
//! authentication, so a preflight never needs a key.

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower::util::Either;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::CorsConfig;

/// Headers a browser may send.
const ALLOWED_HEADERS: [HeaderName; 7] = [
    header::AUTHORIZATION,
    header::CONTENT_TYPE,
    header::IF_MATCH,
    header::IF_NONE_MATCH,
    header::ACCEPT,
    HeaderName::from_static("prefer"),
    HeaderName::from_static("x-request-id"),
];

/// Headers a browser script may read.
const EXPOSED_HEADERS: [HeaderName; 8] = [
    header::ETAG,
    header::LOCATION,
    header::RETRY_AFTER,
    HeaderName::from_static("x-request-id"),
    HeaderName::from_static("preference-applied"),
    HeaderName::from_static("x-squall-cache"),
    HeaderName::from_static("x-squall-attempts"),
    header::WWW_AUTHENTICATE,
];

/// The CORS layer, or a no-op when no origin is configured (then no CORS
/// header is ever sent).
pub(super) fn layer(config: &CorsConfig) -> Either<CorsLayer, tower::layer::util::Identity> {
    if config.allowed_origins.is_empty() {
        return Either::Right(tower::layer::util::Identity::new());
    }
    let origins = if config.allowed_origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(config.allowed_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    Either::Left(
        CorsLayer::new()
            .allow_origin(origins)
            .allow_methods([Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
            .allow_headers(ALLOWED_HEADERS)
            .expose_headers(EXPOSED_HEADERS)
            .max_age(std::time::Duration::from_secs(600)),
    )
}
