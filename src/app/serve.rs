//! The accept loop: hyper connections with a header-read timeout and
//! header-size caps, at most `limits.max_connections` sockets at once, and
//! the graceful drain on shutdown.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{Router, extract::ConnectInfo};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use tokio::{net::TcpListener, sync::Semaphore};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tower::ServiceExt;

use super::AppError;
use crate::{context::AppContext, telemetry::names};

/// Largest request head (request line plus headers) accepted over HTTP/1;
/// bigger is answered 431 by hyper. Generous for bearer tokens and cookies.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Descriptors kept for everything that is not a client socket (database
/// files, upstream connections, logs).
const RESERVED_FDS: u64 = 256;

/// Raises the soft open-files limit so `max_connections` sockets fit, and
/// returns how many connections actually fit (lowered, with a warning, when
/// the hard limit is too small).
pub(super) fn raise_open_files_limit(max_connections: u32) -> u32 {
    let wanted = u64::from(max_connections) + RESERVED_FDS;
    match rlimit::increase_nofile_limit(wanted) {
        Ok(got) if got >= wanted => max_connections,
        Ok(got) => {
            let fits = u32::try_from(got.saturating_sub(RESERVED_FDS).max(1)).unwrap_or(u32::MAX);
            tracing::warn!(
                wanted = max_connections,
                allowed = fits,
                open_files_limit = got,
                "the hard open-files limit is too small for limits.max_connections: serving fewer connections"
            );
            fits
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not raise the open-files limit");
            max_connections
        }
    }
}

pub(super) async fn run(
    listener: TcpListener,
    router: Router,
    ctx: AppContext,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    let limits = &ctx.config().limits;
    let grace = Duration::from_secs(limits.shutdown_grace_s);
    let slots = Arc::new(Semaphore::new(usize::try_from(limits.max_connections).unwrap_or(usize::MAX)));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(limits.header_read_timeout_ms))
        .max_buf_size(MAX_HEAD_BYTES);
    builder.http2().timer(TokioTimer::new()).max_header_list_size(MAX_HEAD_BYTES as u32);

    let tracker = TaskTracker::new();
    let graceful = GracefulShutdown::new();
    let abort = CancellationToken::new();
    let stopped = CancellationToken::new();
    tracker.spawn(maintain(ctx.clone(), stopped.clone()));

    // Resolves, with the drain deadline, once shutdown was asked for and
    // nothing is in flight (or the grace period ran out).
    let lifecycle = Arc::clone(ctx.lifecycle());
    let stop = async move {
        shutdown.await;
        let deadline = Instant::now() + grace;
        lifecycle.begin_shutdown();
        tracing::info!(in_flight = lifecycle.in_flight(), grace_s = grace.as_secs(), "shutting down: draining");
        if tokio::time::timeout(grace, lifecycle.wait_idle()).await.is_err() {
            tracing::warn!(in_flight = lifecycle.in_flight(), "grace period over with requests still in flight");
        }
        deadline
    };
    tokio::pin!(stop);

    let deadline = loop {
        let permit = tokio::select! {
            deadline = &mut stop => break deadline,
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break Instant::now(),
            },
        };
        let (stream, peer) = tokio::select! {
            deadline = &mut stop => break deadline,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Typically EMFILE/ENFILE: back off briefly instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = router.clone().map_request(move |mut request: axum::http::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        let abort = abort.clone();
        tracker.spawn(async move {
            let _permit = permit;
            metrics::gauge!(names::CONNECTIONS_OPEN).increment(1.0);
            tokio::select! {
                result = connection => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, %peer, "connection ended with an error");
                    }
                }
                () = abort.cancelled() => {}
            }
            metrics::gauge!(names::CONNECTIONS_OPEN).decrement(1.0);
        });
    };
    drop(listener);
    stopped.cancel();

    // Idle keep-alive connections close at once; busy ones finish their
    // request, within what is left of the grace period.
    let remaining = deadline.saturating_duration_since(Instant::now());
    if tokio::time::timeout(remaining.max(Duration::from_millis(100)), graceful.shutdown()).await.is_err() {
        tracing::warn!("closing connections that outlived the grace period");
        abort.cancel();
    }
    tracker.close();
    tracker.wait().await;
    ctx.store().close().await;
    tracing::info!("stopped");
    Ok(())
}

/// How often histograms are drained and idle rate-limit buckets forgotten.
const MAINTENANCE_EVERY: Duration = Duration::from_secs(5);

/// Periodic upkeep: the Prometheus recorder buffers histogram samples until
/// they are drained (without this its memory grows with every request), and
/// governor keeps a bucket per client until told to forget full ones.
async fn maintain(ctx: AppContext, stopped: CancellationToken) {
    let mut tick = tokio::time::interval(MAINTENANCE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stopped.cancelled() => return,
            _ = tick.tick() => {
                ctx.metrics().run_upkeep();
                if let Some(limiter) = ctx.limiter() {
                    limiter.forget_idle();
                }
            }
        }
    }
}
