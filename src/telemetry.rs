//! Logs and metrics: the tracing subscriber, the Prometheus recorder, and
//! every metric name in one place.

use std::{
    collections::HashMap,
    sync::{OnceLock, RwLock},
};

use axum::http::Method;
use metrics::{Counter, Histogram};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::{EnvFilter, fmt, layer::SubscriberExt, util::SubscriberInitExt};

use crate::config::LogFormat;

/// Metric names: one constant each, so dashboards and code agree.
pub mod names {
    /// Counter: HTTP requests by `method`, `route` (template) and `status`.
    pub const HTTP_REQUESTS: &str = "squall_http_requests_total";
    /// Histogram: request latency in seconds, by `method`, `route`, `status`.
    pub const HTTP_DURATION: &str = "squall_http_request_duration_seconds";
    /// Gauge: requests being handled now.
    pub const HTTP_IN_FLIGHT: &str = "squall_http_requests_in_flight";
    /// Gauge: open client connections.
    pub const CONNECTIONS_OPEN: &str = "squall_connections_open";
    /// Gauge: 1, labelled with `version`.
    pub const BUILD_INFO: &str = "squall_build_info";
    /// Counter: requests refused by the rate limiter.
    pub const RATE_LIMITED: &str = "squall_rate_limited_total";
}

/// Latency buckets (seconds): sub-millisecond to the 30 s default deadline.
const LATENCY_BUCKETS: &[f64] =
    &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

/// Starts logging to stderr. `level` (from `--log-level`) wins over
/// `RUST_LOG`; without either the filter is `info`. Calling it twice is
/// harmless (the second call is ignored).
pub fn init_logging(format: LogFormat, level: Option<&str>) {
    let filter = match level {
        Some(level) => EnvFilter::new(level),
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
    };
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Text => registry.with(fmt::layer().with_writer(std::io::stderr)).try_init(),
    };
    drop(result);
}

/// The process-wide Prometheus recorder, installed on first use (metrics
/// are per process: every `App` in one process shares them).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(names::HTTP_DURATION.to_owned()), LATENCY_BUCKETS)
                .map(PrometheusBuilder::build_recorder)
                .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
            let handle = recorder.handle();
            // Fails only if another recorder is installed (a library user's):
            // then squall's metrics go there and /metrics renders what it can.
            let _ = metrics::set_global_recorder(recorder);
            metrics::describe_counter!(names::HTTP_REQUESTS, "HTTP requests answered");
            metrics::describe_histogram!(names::HTTP_DURATION, metrics::Unit::Seconds, "HTTP request latency");
            metrics::describe_gauge!(names::HTTP_IN_FLIGHT, "HTTP requests being handled");
            metrics::describe_gauge!(names::CONNECTIONS_OPEN, "open client connections");
            metrics::describe_gauge!(names::BUILD_INFO, "build information");
            metrics::describe_counter!(names::RATE_LIMITED, "requests refused by the rate limiter");
            metrics::gauge!(names::BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            handle
        })
        .clone()
}

/// Per-request counters and latency histograms, with their handles cached
/// by route template, then (method, status): building a metric key and
/// looking it up in the recorder on every request costs more than
/// answering `/healthz`.
#[derive(Debug, Default)]
pub struct RequestMetrics {
    handles: RwLock<HashMap<String, Vec<RouteHandles>>>,
}

/// The handles of one (method, status) under a route.
type RouteHandles = (&'static str, u16, Counter, Histogram);

/// A method's label; extension methods share one so labels stay bounded.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

impl RequestMetrics {
    /// Counts one answered request and records its latency.
    pub fn record(&self, method: &Method, route: &str, status: u16, seconds: f64) {
        let method = method_label(method);
        let cached = self.handles.read().ok().and_then(|map| {
            map.get(route)?
                .iter()
                .find(|(m, s, _, _)| *m == method && *s == status)
                .map(|(_, _, c, h)| (c.clone(), h.clone()))
        });
        let (counter, histogram) = cached.unwrap_or_else(|| {
            let labels = [("method", method.to_owned()), ("route", route.to_owned()), ("status", status.to_string())];
            let counter = metrics::counter!(names::HTTP_REQUESTS, &labels);
            let histogram = metrics::histogram!(names::HTTP_DURATION, &labels);
            if let Ok(mut map) = self.handles.write() {
                map.entry(route.to_owned()).or_default().push((method, status, counter.clone(), histogram.clone()));
            }
            (counter, histogram)
        });
        counter.increment(1);
        histogram.record(seconds);
    }
}
