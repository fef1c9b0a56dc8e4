//! The store: one async API over both backends.
//!
//! SQLite (the embedded default) runs on dedicated threads
//! ([`sqlite_pool`]); PostgreSQL goes through an sqlx pool. Both keep their
//! schema in versioned migrations under `migrations/<dialect>/` applied at
//! start. Everything above this module talks to [`Store`] and never sees
//! which backend is behind it.

mod migrate;
mod pg_reads;
mod postgres;
mod sqlite;
mod sqlite_pool;

use std::{sync::Arc, time::Duration};

use crate::config::DatabaseUrl;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An SQLite call failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A PostgreSQL call failed.
    #[error("postgres: {0}")]
    Postgres(#[from] sqlx::Error),
    /// Filesystem trouble (creating the data directory, the lock file).
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// Another process holds the SQLite data directory.
    #[error(
        "the database {path} is in use by another squall process (lock file {lock}); two processes never share one SQLite database: stop the other one, or use PostgreSQL to run several instances"
    )]
    Locked {
        /// The database file.
        path: String,
        /// The lock file held by the other process.
        lock: String,
    },
    /// PostgreSQL did not answer within `limits.database_connect_timeout_s`.
    #[error("could not connect to {url} within {waited_s} s ({attempts} attempts): {last}")]
    ConnectTimeout {
        /// The URL, password redacted.
        url: String,
        /// Seconds spent trying.
        waited_s: u64,
        /// How many attempts were made.
        attempts: u32,
        /// The last attempt's error.
        last: String,
    },
    /// A migration failed to apply.
    #[error("migration {version} ({name}) failed: {message}")]
    Migration {
        /// Its version.
        version: i64,
        /// Its file name.
        name: &'static str,
        /// The database's error.
        message: String,
    },
    /// Stored data does not parse (a bug or outside tampering).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The store is shut down.
    #[error("the store is closed")]
    Closed,
    /// The database lacks something squall needs.
    #[error("unsupported database: {0}")]
    Unsupported(String),
}

/// Result alias of this layer.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which backend a [`Store`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The backend behind a [`Store`], for the modules that speak its dialect.
#[derive(Debug, Clone, Copy)]
pub(crate) enum BackendRef<'a> {
    Sqlite(&'a SqliteStore),
    Postgres(&'a PostgresStore),
}

#[derive(Debug)]
enum Inner {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

/// A handle to the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl Store {
    /// Opens the database `url` names and brings its schema up to date.
    ///
    /// # Errors
    /// [`StoreError::Locked`] when another process has the SQLite data
    /// directory; [`StoreError::ConnectTimeout`] when PostgreSQL does not
    /// answer within `connect_timeout`; any database error.
    ///
    /// `statement_timeout` bounds every PostgreSQL statement server-side, so
    /// a query whose client went away cannot run on for ever.
    pub async fn open(url: &DatabaseUrl, connect_timeout: Duration, statement_timeout: Duration) -> Result<Self> {
        let inner = match url {
            DatabaseUrl::Sqlite { path } => Inner::Sqlite(SqliteStore::open(path.clone()).await?),
            DatabaseUrl::Postgres { .. } => {
                Inner::Postgres(PostgresStore::connect(url, connect_timeout, statement_timeout).await?)
            }
        };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match &*self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Postgres(_) => Backend::Postgres,
        }
    }

    pub(crate) fn backend_ref(&self) -> BackendRef<'_> {
        match &*self.inner {
            Inner::Sqlite(s) => BackendRef::Sqlite(s),
            Inner::Postgres(p) => BackendRef::Postgres(p),
        }
    }

    /// Checks that the database answers (`/readyz`).
    ///
    /// # Errors
    /// The database's error when it does not.
    pub async fn ping(&self) -> Result<()> {
        match &*self.inner {
            Inner::Sqlite(s) => s.ping().await,
            Inner::Postgres(p) => p.ping().await,
        }
    }

    /// Closes connections cleanly (SQLite checkpoints its WAL). Calls made
    /// afterwards fail with [`StoreError::Closed`].
    pub async fn close(&self) {
        match &*self.inner {
            Inner::Sqlite(s) => s.close().await,
            Inner::Postgres(p) => p.close().await,
        }
    }
}
