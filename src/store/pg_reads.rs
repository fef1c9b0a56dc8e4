//! Connections for reads, without a round trip when they go back.
//!
//! sqlx's pool sends a `Sync` and waits for PostgreSQL's answer every time a
//! connection is returned (to test it, and to finish a result the caller
//! stopped reading). On a point lookup that is a second round trip beside
//! the query itself: measured on the find_one benchmark, dropping it raised
//! squall's throughput by about 12% (bench/BENCHMARKS.md). Reads therefore
//! take their connections from this pool (deadpool, nothing done on return):
//!
//! - a connection whose read ran to the end of its result goes back as it
//!   is ([`ReadConnection::release`]): no round trip;
//! - one whose reader stopped before the end (the rows it needed came
//!   first) is drained by a background task that sends a `Sync` and reads
//!   up to its answer, then goes back, or is closed if that fails
//!   ([`ReadConnection::release_after_drain`]; a drain longer than
//!   [`DRAIN_LIMIT`] closes it instead): the next user never waits for, or
//!   receives an error from, someone else's query;
//! - a connection whose user was cancelled mid-query, or saw an error, is
//!   closed instead of returned: its protocol state is not trusted;
//! - connections are replaced after [`MAX_LIFETIME`], or when taken after
//!   [`MAX_IDLE`] unused (a server restart or an idle timeout may have
//!   closed them), like sqlx's defaults.
//!
//! Writes keep sqlx's pool and its transactions.

use std::{future::Future, time::Duration};

use deadpool::managed::{self, Metrics, Object, PoolError, RecycleError, RecycleResult};
use sqlx::{Connection, PgConnection, postgres::PgConnectOptions};

use super::{Result, StoreError};

/// How long one connection serves before it is replaced.
const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// The longest a background drain may read a stopped result before the
/// connection is closed instead.
const DRAIN_LIMIT: Duration = Duration::from_millis(250);

/// How long a connection may sit unused before it is replaced when taken.
const MAX_IDLE: Duration = Duration::from_secs(10 * 60);

/// Opens connections with the store's options; hands them back unchecked.
#[derive(Debug)]
struct Manager {
    options: PgConnectOptions,
}

impl managed::Manager for Manager {
    type Type = PgConnection;
    type Error = sqlx::Error;

    fn create(&self) -> impl Future<Output = std::result::Result<PgConnection, sqlx::Error>> + Send {
        // Boxed: connecting (TLS included) is a large future, and deadpool's
        // `get` would otherwise carry it inline on every read.
        Box::pin(PgConnection::connect_with(&self.options))
    }

    async fn recycle(&self, _conn: &mut PgConnection, metrics: &Metrics) -> RecycleResult<sqlx::Error> {
        if metrics.age() > MAX_LIFETIME {
            return Err(RecycleError::message("past its lifetime"));
        }
        if metrics.last_used() > MAX_IDLE {
            return Err(RecycleError::message("idle too long"));
        }
        Ok(())
    }
}

/// The pool of read connections.
#[derive(Debug)]
pub(crate) struct ReadPool {
    pool: managed::Pool<Manager>,
}

impl ReadPool {
    /// A lazy pool of at most `max` connections; `get` waits at most `wait`
    /// for a free one and for a new one to connect.
    pub(crate) fn new(options: PgConnectOptions, max: usize, wait: Duration) -> Result<Self> {
        let pool = managed::Pool::builder(Manager { options })
            .max_size(max)
            .wait_timeout(Some(wait))
            .create_timeout(Some(wait))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Unsupported(format!("read pool: {e}")))?;
        Ok(Self { pool })
    }

    /// A connection for one read; call [`ReadConnection::release`] when the
    /// read ended normally, or it is closed.
    pub(crate) async fn get(&self) -> Result<ReadConnection> {
        let object = self.pool.get().await.map_err(|e| match e {
            PoolError::Backend(e) => StoreError::Postgres(e),
            PoolError::Timeout(_) => StoreError::Postgres(sqlx::Error::PoolTimedOut),
            PoolError::Closed => StoreError::Postgres(sqlx::Error::PoolClosed),
            PoolError::NoRuntimeSpecified | PoolError::PostCreateHook(_) => {
                StoreError::Unsupported(format!("read pool: {e}"))
            }
        })?;
        Ok(ReadConnection { object: Some(object) })
    }

    /// Closes idle connections and refuses new reads (at shutdown).
    pub(crate) fn close(&self) {
        self.pool.close();
    }
}

/// A read's connection: back to the pool on [`release`](Self::release),
/// closed when dropped without it (cancelled or failed use).
#[derive(Debug)]
pub(crate) struct ReadConnection {
    object: Option<Object<Manager>>,
}

impl ReadConnection {
    /// The connection itself.
    pub(crate) fn conn(&mut self) -> Result<&mut PgConnection> {
        match self.object.as_mut() {
            Some(object) => Ok(object),
            None => Err(StoreError::Postgres(sqlx::Error::PoolClosed)),
        }
    }

    /// The read ran to the end of its result: the connection may serve the
    /// next one as it is.
    pub(crate) fn release(mut self) {
        drop(self.object.take());
    }

    /// The read ended normally but left rows unread: a background task
    /// reads up to the end of that result (a `Sync` and its answer), then
    /// returns the connection, or closes it if the result ended in an error.
    pub(crate) fn release_after_drain(mut self) {
        tokio::spawn(async move {
            // A long tail is not worth a pooled connection for long: past
            // DRAIN_LIMIT, closing (PostgreSQL then stops the query) is cheaper.
            let drained = match self.conn() {
                Ok(conn) => matches!(tokio::time::timeout(DRAIN_LIMIT, conn.ping()).await, Ok(Ok(()))),
                Err(_) => false,
            };
            if drained {
                self.release();
            }
        });
    }
}

impl Drop for ReadConnection {
    fn drop(&mut self) {
        if let Some(object) = self.object.take() {
            // Not released: leave the pool (its size shrinks, the next
            // `get` opens a fresh connection) and close the socket.
            drop(Object::take(object));
        }
    }
}
