//! Shutdown: the OS signals that start it, and the [`Lifecycle`] that lets
//! `/readyz` report it and the server wait for in-flight requests to drain.

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

use tokio::sync::Notify;

use crate::telemetry::names;

/// Resolves on ctrl-c or SIGTERM: what the binary passes to
/// [`crate::App::run_until_stopped`].
pub async fn signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("ctrl-c received: shutting down"),
        () = terminate => tracing::info!("SIGTERM received: shutting down"),
    }
}

/// Whether the server is shutting down, and how many requests are in flight.
#[derive(Debug)]
pub struct Lifecycle {
    shutting_down: AtomicBool,
    in_flight: AtomicUsize,
    idle: Notify,
    /// Registered once: looking the gauge up per request is not free.
    gauge: metrics::Gauge,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self {
            shutting_down: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            idle: Notify::new(),
            gauge: metrics::gauge!(names::HTTP_IN_FLIGHT),
        }
    }
}

impl Lifecycle {
    /// Marks the start of shutdown: `/readyz` answers 503 from now on.
    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }

    /// Whether shutdown has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }

    /// Requests being handled now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Counts a request until the guard (kept until its response body ends) drops.
    pub fn track(self: &Arc<Self>) -> InFlightGuard {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.gauge.set(now as f64);
        InFlightGuard(Arc::clone(self))
    }

    /// Resolves once no request is in flight.
    pub async fn wait_idle(&self) {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.in_flight() == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// Decrements the in-flight count on drop.
#[derive(Debug)]
pub struct InFlightGuard(Arc<Lifecycle>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        let now = self.0.in_flight.fetch_sub(1, Ordering::SeqCst).saturating_sub(1);
        self.0.gauge.set(now as f64);
        if now == 0 {
            self.0.idle.notify_waiters();
        }
    }
}
