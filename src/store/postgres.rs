//! The PostgreSQL backend: a pool, start-up retries, migrations that are
//! safe when several instances start at once.

use std::time::{Duration, Instant};

use sqlx::{
    Connection, PgConnection, PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

use super::{
    Result, StoreError, migrate,
    pg_reads::{ReadConnection, ReadPool},
};
use crate::config::DatabaseUrl;

/// Connections per instance for reads, and for writes and everything else:
/// enough for 2-core request handling, 24 in all, so four instances fit in
/// PostgreSQL's default of 100 connections.
const READ_CONNECTIONS: usize = 16;
const OTHER_CONNECTIONS: u32 = 8;

/// Longest wait for a free connection (or a new one).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest wait for one connection attempt at start.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// PostgreSQL behind two pools: [`ReadPool`] for document reads, sqlx's for
/// the rest.
#[derive(Debug)]
pub struct PostgresStore {
    pool: PgPool,
    reads: ReadPool,
}

impl PostgresStore {
    /// Connects, retrying with backoff for up to `timeout` (each failed
    /// attempt logged with the password redacted), then migrates.
    pub(crate) async fn connect(url: &DatabaseUrl, timeout: Duration, statement_timeout: Duration) -> Result<Self> {
        let DatabaseUrl::Postgres { url: raw } = url else {
            return Err(StoreError::Unsupported("not a PostgreSQL URL".into()));
        };
        let options: PgConnectOptions = raw.parse()?;
        let options = options
            .application_name("squall")
            .options([("statement_timeout", format!("{}ms", statement_timeout.as_millis().max(1)))]);
        let started = Instant::now();
        let mut delay = Duration::from_millis(100);
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let remaining = timeout.saturating_sub(started.elapsed()).max(Duration::from_millis(100));
            let attempt =
                tokio::time::timeout(remaining.min(ATTEMPT_TIMEOUT), PgConnection::connect_with(&options)).await;
            let error = match attempt {
                Ok(Ok(conn)) => {
                    let _ = conn.close().await;
                    break;
                }
                Ok(Err(e)) => e.to_string(),
                Err(_) => format!("no answer within {} s", remaining.min(ATTEMPT_TIMEOUT).as_secs_f32()),
            };
            let waited = started.elapsed();
            if waited + delay > timeout {
                return Err(StoreError::ConnectTimeout {
                    url: url.redacted(),
                    waited_s: waited.as_secs(),
                    attempts,
                    last: error,
                });
            }
            tracing::warn!(url = %url.redacted(), attempt = attempts, %error, retry_in_ms = delay.as_millis() as u64, "database not reachable yet");
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
        // No ping before every acquire (sqlx's default): it is one more
        // round trip per query. A connection that died is closed on its
        // first error and replaced; that one request gets a 503.
        let reads = ReadPool::new(options.clone(), READ_CONNECTIONS, ACQUIRE_TIMEOUT)?;
        let pool = PgPoolOptions::new()
            .max_connections(OTHER_CONNECTIONS)
            .test_before_acquire(false)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_lazy_with(options);
        migrate_postgres(&pool).await?;
        Ok(Self { pool, reads })
    }

    /// A connection for one read (see [`ReadPool`]).
    pub(crate) async fn read_connection(&self) -> Result<ReadConnection> {
        self.reads.get().await
    }

    /// The sqlx pool, for the modules that query PostgreSQL.
    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub(crate) async fn ping(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        conn.ping().await?;
        Ok(())
    }

    pub(crate) async fn close(&self) {
        self.reads.close();
        self.pool.close().await;
    }
}

/// Applies missing migrations in one transaction holding an advisory lock:
/// a second instance starting at the same moment waits, then finds them
/// applied.
async fn migrate_postgres(pool: &PgPool) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(migrate::PG_LOCK_KEY).execute(&mut *tx).await?;
    sqlx::raw_sql(migrate::TABLE_DDL).execute(&mut *tx).await?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM squall_migrations").fetch_all(&mut *tx).await?;
    for migration in migrate::POSTGRES {
        if applied.contains(&migration.version) {
            continue;
        }
        sqlx::raw_sql(migration.sql).execute(&mut *tx).await.map_err(|e| StoreError::Migration {
            version: migration.version,
            name: migration.name,
            message: e.to_string(),
        })?;
        sqlx::query(
            "INSERT INTO squall_migrations (version, name, applied_at) VALUES ($1, $2, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))",
        )
        .bind(migration.version)
        .bind(migration.name)
        .execute(&mut *tx)
        .await?;
        tracing::info!(version = migration.version, name = migration.name, "applied PostgreSQL migration");
    }
    tx.commit().await?;
    Ok(())
}
