//! The edge middleware every request passes first and last: request id,
//! request span and access log, panic capture, in-flight tracking, metrics,
//! and making sure every error response is problem+json. Also the request
//! deadline (504).

use std::{
    convert::Infallible,
    future::Future,
    panic::AssertUnwindSafe,
    pin::Pin,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::{
    body::{Body, Bytes},
    extract::{MatchedPath, Request},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures::{FutureExt, future::BoxFuture};
use tower::{Layer, Service};
use tracing::Instrument;

use super::{error::ApiError, problem::ProblemKind};
use crate::{context::AppContext, shutdown::InFlightGuard};

/// The request id header.
pub const REQUEST_ID: &str = "x-request-id";

/// The id of the current request, in its extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Keeps a client's id when it is 1–128 visible ASCII characters.
fn request_id_of(request: &Request) -> String {
    request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(new_request_id, str::to_owned)
}

/// A UUIDv7 from the thread's userspace RNG: `Uuid::now_v7` asks the OS
/// for randomness on every call (a `getrandom` syscall per request).
fn new_request_id() -> String {
    use rand::Rng;
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let random: [u8; 10] = rand::rng().random();
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid().to_string()
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic with a non-string payload")
}

/// The rest of the stack, as a middleware sees it.
pub(crate) trait Inner: Service<Request, Response: IntoResponse, Error = Infallible> + Send + 'static
where
    Self::Future: Send + 'static,
{
}

impl<S> Inner for S
where
    S: Service<Request, Response: IntoResponse, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
{
}

/// Runs the rest of the stack (readied by [`AroundService::poll_ready`]).
async fn run<S: Inner>(mut inner: S, request: Request) -> Response
where
    S::Future: Send + 'static,
{
    match inner.call(request).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    }
}

/// A middleware: what it does around the rest of the stack.
pub(crate) trait Around: Clone + Send + Sync + 'static {
    /// Handles `request`, passing it on to `inner` (or not).
    fn around<S: Inner>(self, request: Request, inner: S) -> impl Future<Output = Response> + Send + 'static
    where
        S::Future: Send + 'static;
}

/// A tower layer for an [`Around`]. Unlike axum's `from_fn`, which boxes a
/// clone of the whole inner stack on every request, this keeps the inner
/// service's type: one boxed future per request and layer.
#[derive(Debug, Clone)]
pub(crate) struct AroundLayer<A>(pub(crate) A);

impl<A: Around, S> Layer<S> for AroundLayer<A> {
    type Service = AroundService<A, S>;

    fn layer(&self, inner: S) -> Self::Service {
        AroundService { around: self.0.clone(), inner }
    }
}

/// The service of an [`AroundLayer`].
#[derive(Debug, Clone)]
pub(crate) struct AroundService<A, S> {
    around: A,
    inner: S,
}

impl<A, S> Service<Request> for AroundService<A, S>
where
    A: Around,
    S: Inner + Clone,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The readied service goes with the request; a clone stays behind.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(self.around.clone().around(request, inner).map(Ok))
    }
}

/// The outermost middleware ([`edge`]).
#[derive(Debug, Clone)]
pub(crate) struct Edge(pub(crate) AppContext);

impl Around for Edge {
    fn around<S: Inner>(self, request: Request, inner: S) -> impl Future<Output = Response> + Send + 'static
    where
        S::Future: Send + 'static,
    {
        edge(self.0, request, inner)
    }
}

/// The middleware in front of every handler ([`guard`]).
#[derive(Debug, Clone)]
pub(crate) struct Guard(pub(crate) AppContext);

impl Around for Guard {
    fn around<S: Inner>(self, request: Request, inner: S) -> impl Future<Output = Response> + Send + 'static
    where
        S::Future: Send + 'static,
    {
        guard(self.0, request, inner).map(IntoResponse::into_response)
    }
}

/// Middleware: the outermost layer.
async fn edge<S: Inner>(ctx: AppContext, mut request: Request, next: S) -> Response
where
    S::Future: Send + 'static,
{
    let started = Instant::now();
    let request_id = request_id_of(&request);
    request.extensions_mut().insert(RequestId(request_id.clone()));
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let span = tracing::info_span!(
        "request",
        %method,
        route = %route,
        request_id = %request_id,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    let guard = ctx.lifecycle().track();

    let outcome = AssertUnwindSafe(run(next, request)).catch_unwind().instrument(span.clone()).await;
    let mut response = outcome.unwrap_or_else(|panic| {
        let message = panic_message(&*panic).to_owned();
        tracing::error!(parent: &span, panic = %message, "handler panicked");
        ApiError::new(ProblemKind::Internal, "internal error").to_response(None)
    });

    if let Some(error) = response.extensions().get::<ApiError>().cloned() {
        if error.status().is_server_error() {
            tracing::error!(parent: &span, error = %error.cause_chain(), "request failed");
            // Rendered again (uncompressed: the edge sits outside compression)
            // so the body carries the request id.
            response = error.to_response(Some(&request_id));
        } else {
            tracing::debug!(parent: &span, error = %error.cause_chain(), "request refused");
        }
    } else if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        let allow = response.headers().get(header::ALLOW).cloned();
        let detail = match allow.as_ref().and_then(|a| a.to_str().ok()) {
            Some(allowed) => format!("{method} is not allowed here; allowed: {allowed}"),
            None => format!("{method} is not allowed here"),
        };
        response = ApiError::new(ProblemKind::MethodNotAllowed, detail).to_response(None);
        if let Some(allow) = allow {
            response.headers_mut().insert(header::ALLOW, allow);
        }
    }

    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let status = response.status().as_u16();
    let latency = started.elapsed();
    ctx.request_metrics().record(&method, &route, status, latency.as_secs_f64());
    span.record("status", status);
    span.record("latency_ms", latency.as_secs_f64() * 1000.0);
    tracing::info!(parent: &span, "request completed");
    response.map(|body| Body::new(Tracked { inner: body, _guard: guard }))
}

pin_project_lite::pin_project! {
    /// A response body that holds its request's in-flight guard until the
    /// last byte is sent (or the client goes away), so shutdown waits for
    /// streaming responses too.
    struct Tracked {
        #[pin]
        inner: Body,
        _guard: InFlightGuard,
    }
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        self.project().inner.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Marks a request as exempt from `limits.request_timeout_ms` (it has its
/// own bound, e.g. `Prefer: wait` or an event stream).
#[derive(Debug, Clone, Copy)]
pub struct NoDeadline;

/// Middleware, one layer for what every request must pass before its
/// handler: authentication and role ([`super::auth::authorize`]), the rate
/// limit ([`super::rate_limit::admit`]) and the deadline: a handler still
/// running after `limits.request_timeout_ms` is dropped (its queries and
/// calls cancelled) and the client gets a 504. One layer rather than three
/// saves two boxed futures per request.
async fn guard<S: Inner>(ctx: AppContext, mut request: Request, next: S) -> Result<Response, ApiError>
where
    S::Future: Send + 'static,
{
    let caller = super::auth::authorize(&ctx, &request)?;
    super::rate_limit::admit(&ctx, &request, &caller)?;
    request.extensions_mut().insert(caller);
    let limit = Duration::from_millis(ctx.config().limits.request_timeout_ms);
    if request.extensions().get::<NoDeadline>().is_some() {
        return Ok(run(next, request).await);
    }
    tokio::time::timeout(limit, run(next, request)).await.map_err(|_| {
        ApiError::new(
            ProblemKind::RequestTimeout,
            format!("the request did not finish within limits.request_timeout_ms ({} ms)", limit.as_millis()),
        )
    })
}

/// Unknown paths.
pub async fn not_found(request: Request) -> ApiError {
    ApiError::new(ProblemKind::RouteNotFound, format!("no endpoint at {}; see /docs for the API", request.uri().path()))
}
