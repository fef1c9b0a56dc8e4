//! [`AppContext`]: what every handler (squall's and a library user's)
//! reaches through axum's `State`: the configuration, the store, the
//! server's lifecycle. Cheap to clone (one `Arc`).

use std::sync::Arc;

use axum::http::Method;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::{
    config::Config,
    documents::MetaCache,
    http::{access::Access, auth::Authenticator, rate_limit::Limiter},
    shutdown::Lifecycle,
    store::Store,
    telemetry::RequestMetrics,
};

/// The shared state of one running squall.
#[derive(Debug, Clone)]
pub struct AppContext {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Arc<Config>,
    store: Store,
    lifecycle: Arc<Lifecycle>,
    metrics: PrometheusHandle,
    auth: Authenticator,
    limiter: Option<Limiter>,
    route_access: Vec<(Method, String, Access)>,
    doc_meta: Arc<MetaCache>,
    request_metrics: RequestMetrics,
}

impl AppContext {
    pub(crate) fn new(
        config: Arc<Config>,
        store: Store,
        metrics: PrometheusHandle,
        route_access: Vec<(Method, String, Access)>,
    ) -> Self {
        let auth = Authenticator::new(&config);
        let limiter = Limiter::new(config.rate_limit.as_ref());
        let lifecycle = Arc::new(Lifecycle::default());
        let doc_meta = Arc::default();
        let request_metrics = RequestMetrics::default();
        Self {
            inner: Arc::new(Inner {
                config,
                store,
                lifecycle,
                metrics,
                auth,
                limiter,
                route_access,
                doc_meta,
                request_metrics,
            }),
        }
    }

    /// The configuration the server runs with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Shutdown state and in-flight requests.
    pub fn lifecycle(&self) -> &Arc<Lifecycle> {
        &self.inner.lifecycle
    }

    /// The Prometheus handle `/metrics` renders.
    pub fn metrics(&self) -> &PrometheusHandle {
        &self.inner.metrics
    }

    pub(crate) fn auth(&self) -> &Authenticator {
        &self.inner.auth
    }

    pub(crate) fn limiter(&self) -> Option<&Limiter> {
        self.inner.limiter.as_ref()
    }

    pub(crate) fn request_metrics(&self) -> &RequestMetrics {
        &self.inner.request_metrics
    }

    pub(crate) fn doc_meta(&self) -> &Arc<MetaCache> {
        &self.inner.doc_meta
    }

    pub(crate) fn route_access(&self) -> &[(Method, String, Access)] {
        &self.inner.route_access
    }
}
