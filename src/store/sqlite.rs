//! The embedded SQLite backend: the data directory, its lock, migrations.

use std::{fs::File, path::PathBuf};

use rusqlite::{Connection, OptionalExtension};

use super::{
    Result, StoreError,
    migrate::{self, Migration},
    sqlite_pool::SqlitePool,
};

/// Reader threads: queries mostly wait on memory or disk, so a few more
/// than the cores keeps them busy without thrashing.
const READERS: usize = 4;

/// SQLite behind its thread pool, holding the data directory's lock.
#[derive(Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Held for the life of the process: a second squall on the same data
    /// directory fails to take it. The OS releases it if the process dies.
    _lock: File,
}

impl SqliteStore {
    /// Creates the directory if absent, takes its lock, opens the database
    /// and applies migrations, all on a blocking thread.
    pub(crate) async fn open(path: PathBuf) -> Result<Self> {
        tokio::task::spawn_blocking(move || Self::open_blocking(path))
            .await
            .map_err(|e| StoreError::Io(std::io::Error::other(e)))?
    }

    fn open_blocking(path: PathBuf) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut lock_path = path.clone().into_os_string();
        lock_path.push(".lock");
        let lock_path = PathBuf::from(lock_path);
        let lock = File::options().create(true).truncate(false).write(true).open(&lock_path)?;
        if let Err(e) = lock.try_lock() {
            return Err(match e {
                std::fs::TryLockError::WouldBlock => {
                    StoreError::Locked { path: path.display().to_string(), lock: lock_path.display().to_string() }
                }
                std::fs::TryLockError::Error(io) => StoreError::Io(io),
            });
        }
        let pool = SqlitePool::open(&path, READERS, |conn| apply_migrations(conn, migrate::SQLITE))?;
        Ok(Self { pool, _lock: lock })
    }

    pub(crate) async fn ping(&self) -> Result<()> {
        self.pool.read(|conn| Ok::<_, StoreError>(conn.query_row("SELECT 1", [], |row| row.get::<_, i64>(0))?)).await?;
        Ok(())
    }

    /// The thread pool, for the modules that query SQLite.
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}

fn apply_migrations(conn: &mut Connection, migrations: &[Migration]) -> Result<()> {
    conn.execute_batch(migrate::TABLE_DDL)?;
    for migration in migrations {
        let tx = conn.transaction()?;
        let applied: Option<i64> = tx
            .query_row("SELECT version FROM squall_migrations WHERE version = ?1", [migration.version], |r| r.get(0))
            .optional()?;
        if applied.is_some() {
            continue;
        }
        let failed = |e: rusqlite::Error| StoreError::Migration {
            version: migration.version,
            name: migration.name,
            message: e.to_string(),
        };
        tx.execute_batch(migration.sql).map_err(failed)?;
        tx.execute(
            "INSERT INTO squall_migrations (version, name, applied_at) VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            rusqlite::params![migration.version, migration.name],
        )?;
        tx.commit()?;
        tracing::info!(version = migration.version, name = migration.name, "applied SQLite migration");
    }
    Ok(())
}
