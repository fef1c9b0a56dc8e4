//! SQLite on its own threads: one writer connection and a few readers, each
//! on a dedicated OS thread, fed through channels from async code.
//!
//! Why not sqlx's SQLite driver: it also runs every query on a worker thread
//! but adds ~90 µs of hand-off per query on this class of machine (see
//! CRATES.md); here a query is one channel send and one oneshot reply.
//! Why one writer: SQLite allows one writer at a time anyway; funnelling
//! writes through one connection replaces lock contention and `SQLITE_BUSY`
//! retries with a queue. Readers use WAL snapshots and never wait for it.
//!
//! Cancellation: when the future awaiting a job is dropped (the client went
//! away), the job is skipped if it has not started, and stopped if it is
//! running: each connection has a progress handler that aborts its current
//! statement once the job's stop flag is set. (`sqlite3_interrupt` was used
//! before, but an interrupt that lands between the job's start and its
//! first statement is lost, and the query then runs to its end.)

use std::{
    path::Path,
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicBool, Ordering},
    },
    thread,
};

use crossbeam_channel::{Receiver, Sender};
use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;

use super::StoreError;

/// A job, given its connection and that connection's stop flag.
type Job = Box<dyn FnOnce(&mut Connection, &Arc<AtomicBool>) + Send>;

/// VM instructions between two looks at the stop flag (a point lookup runs
/// a few hundred; a scan of 100,000 rows, millions).
const PROGRESS_OPS: i32 = 1000;

/// Shared between a job's awaiting future and the thread running it.
#[derive(Default)]
struct JobControl {
    cancelled: AtomicBool,
    /// The running connection's stop flag, set while this job runs (under
    /// the lock), so a cancellation only ever stops this job's statements.
    running: Mutex<Option<Arc<AtomicBool>>>,
}

/// Cancels its job when dropped before the job reported back.
struct CancelOnDrop(Option<Arc<JobControl>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(control) = self.0.take() {
            control.cancelled.store(true, Ordering::SeqCst);
            if let Ok(running) = control.running.lock()
                && let Some(stop) = running.as_ref()
            {
                stop.store(true, Ordering::SeqCst);
            }
        }
    }
}

/// A writer thread and reader threads over one database file. The readers
/// share one multi-consumer queue: a job wakes one idle reader, and no lock
/// is taken around the receiving end (a `Mutex<mpsc::Receiver>` would make
/// every job wake a second thread waiting on the lock).
pub(crate) struct SqlitePool {
    /// `None` once closing: dropping the senders stops the threads.
    writer: RwLock<Option<Sender<Job>>>,
    readers: RwLock<Option<Sender<Job>>>,
    /// Reader threads first, the writer last: the last connection to close
    /// checkpoints and removes the WAL, and only the writer can.
    threads: Mutex<Vec<thread::JoinHandle<()>>>,
}

impl std::fmt::Debug for SqlitePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlitePool").finish_non_exhaustive()
    }
}

/// How much of the database file each connection maps (1 GiB; beyond it,
/// reads fall back to pread).
const MMAP_BYTES: i64 = 1 << 30;

/// Settings every connection gets. `synchronous = NORMAL` in WAL mode: a
/// committed transaction survives the process being killed (the WAL is
/// written before the commit returns); only an OS crash or power loss may
/// lose the last transactions.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -16_000)?; // 16 MB per connection
    // Pages read through a memory map instead of a pread and a copy each
    // (find_one on 100,000 documents: 1.56x -> 1.82x of bare sqlx, see
    // bench/BENCHMARKS.md). Safe here: one process owns the file (lock
    // file), and Linux's page cache is unified. Address space, not memory:
    // RSS grows only by the pages touched, which the OS may drop.
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

fn spawn_worker(name: String, mut conn: Connection, jobs: Receiver<Job>) -> Result<thread::JoinHandle<()>, StoreError> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    conn.progress_handler(PROGRESS_OPS, Some(move || flag.load(Ordering::Relaxed)))?;
    thread::Builder::new()
        .name(name)
        .spawn(move || {
            // Ends when every sender is dropped (shutting down).
            while let Ok(job) = jobs.recv() {
                job(&mut conn, &stop);
            }
        })
        .map_err(StoreError::Io)
}

impl SqlitePool {
    /// Opens (creating if needed) the database at `path`, runs `init` on the
    /// writer connection (migrations), then starts `readers` reader threads.
    pub(crate) fn open(
        path: &Path,
        readers: usize,
        init: impl FnOnce(&mut Connection) -> Result<(), StoreError>,
    ) -> Result<Self, StoreError> {
        let mut writer = Connection::open(path)?;
        let mode: String = writer.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Unsupported(format!("SQLite refused WAL mode (got {mode})")));
        }
        configure(&writer)?;
        init(&mut writer)?;

        let (write_tx, write_rx) = crossbeam_channel::unbounded::<Job>();
        let (read_tx, read_rx) = crossbeam_channel::unbounded::<Job>();
        let writer_thread = spawn_worker("sqlite-writer".into(), writer, write_rx)?;
        let mut threads = Vec::new();
        for i in 0..readers.max(1) {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
            let conn = Connection::open_with_flags(path, flags)?;
            configure(&conn)?;
            threads.push(spawn_worker(format!("sqlite-reader-{i}"), conn, read_rx.clone())?);
        }
        threads.push(writer_thread);
        Ok(Self {
            writer: RwLock::new(Some(write_tx)),
            readers: RwLock::new(Some(read_tx)),
            threads: Mutex::new(threads),
        })
    }

    /// Runs `f` on a reader connection (a consistent snapshot).
    pub(crate) async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        self.run(&self.readers, move |conn| f(conn)).await
    }

    /// Runs `f` on the writer connection; `f` opens its own transaction.
    pub(crate) async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        self.run(&self.writer, f).await
    }

    async fn run<T, E, F>(&self, queue: &RwLock<Option<Sender<Job>>>, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        let control = Arc::new(JobControl::default());
        let (reply_tx, reply_rx) = oneshot::channel();
        let job_control = Arc::clone(&control);
        let job: Job = Box::new(move |conn: &mut Connection, stop: &Arc<AtomicBool>| {
            {
                let Ok(mut running) = job_control.running.lock() else { return };
                if job_control.cancelled.load(Ordering::SeqCst) {
                    return; // the caller is gone: skip the work entirely
                }
                *running = Some(Arc::clone(stop));
            }
            let result = f(conn);
            if let Ok(mut running) = job_control.running.lock() {
                *running = None;
                stop.store(false, Ordering::SeqCst); // ready for the next job
            }
            let _ = reply_tx.send(result); // the caller may have gone meanwhile
        });
        {
            let queue = queue.read().map_err(|_| StoreError::Closed)?;
            queue.as_ref().ok_or(StoreError::Closed)?.send(job).map_err(|_| StoreError::Closed)?;
        }
        let mut guard = CancelOnDrop(Some(control));
        let result = reply_rx.await.map_err(|_| StoreError::Closed)?;
        guard.0 = None; // finished: nothing to cancel
        result
    }

    /// Stops accepting jobs, lets queued ones finish and joins the threads
    /// (on a blocking thread, so the reactor is not held up).
    pub(crate) async fn close(&self) {
        let readers = self.readers.write().ok().and_then(|mut sender| sender.take());
        let writer = self.writer.write().ok().and_then(|mut sender| sender.take());
        let threads = self.threads.lock().map(|mut t| std::mem::take(&mut *t)).unwrap_or_default();
        let _ = tokio::task::spawn_blocking(move || {
            drop(readers);
            let mut threads = threads.into_iter();
            // Join the readers (every thread but the last) before letting the writer go.
            let writer_thread = threads.next_back();
            threads.for_each(|t| drop(t.join()));
            drop(writer);
            if let Some(t) = writer_thread {
                drop(t.join());
            }
        })
        .await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// A query that would run for minutes: counts to ten billion.
    const ENDLESS: &str =
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000000) SELECT count(*) FROM n";

    /// A pool with one reader thread, in `dir`.
    fn one_reader(dir: &tempfile::TempDir) -> Arc<SqlitePool> {
        let Ok(pool) = SqlitePool::open(&dir.path().join("t.db"), 1, |_| Ok(())) else { panic!("open") };
        Arc::new(pool)
    }

    /// Runs [`ENDLESS`] on the reader after `before` (on the reader thread);
    /// the receiver hears when the job has started.
    fn start_endless(
        pool: &Arc<SqlitePool>,
        before: impl FnOnce() + Send + 'static,
    ) -> (tokio::task::JoinHandle<Result<i64, StoreError>>, tokio::sync::oneshot::Receiver<()>) {
        let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
        let pool = Arc::clone(pool);
        let task = tokio::spawn(async move {
            pool.read(move |conn| {
                let _ = started_tx.send(());
                before();
                Ok::<i64, StoreError>(conn.query_row(ENDLESS, [], |r| r.get(0))?)
            })
            .await
        });
        (task, started_rx)
    }

    /// The reader's next answer: with one reader thread, it only comes once
    /// the endless query stopped.
    async fn next_answer(pool: &SqlitePool) -> Result<Result<i64, StoreError>, tokio::time::error::Elapsed> {
        tokio::time::timeout(
            Duration::from_secs(60),
            pool.read(|conn| Ok::<i64, StoreError>(conn.query_row("SELECT 42", [], |r| r.get(0))?)),
        )
        .await
    }

    #[tokio::test]
    async fn a_dropped_caller_interrupts_its_running_query() {
        let Ok(dir) = tempfile::tempdir() else { return };
        let pool = one_reader(&dir);
        let (slow, started) = start_endless(&pool, || {});
        let _ = started.await;
        slow.abort(); // the client went away
        let next = next_answer(&pool).await;
        assert!(matches!(next, Ok(Ok(42))), "the reader is still busy with the abandoned query: {next:?}");
    }

    /// The race `sqlite3_interrupt` loses: the caller goes away after the
    /// job started but before its first statement ran.
    #[tokio::test]
    async fn a_caller_dropped_before_the_first_statement_still_stops_it() {
        let Ok(dir) = tempfile::tempdir() else { return };
        let pool = one_reader(&dir);
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let (slow, started) = start_endless(&pool, move || {
            let _ = go_rx.recv(); // held until the caller is gone
        });
        let _ = started.await;
        slow.abort();
        let _ = slow.await; // the caller's future is dropped: cancelled
        let _ = go_tx.send(());
        let next = next_answer(&pool).await;
        assert!(matches!(next, Ok(Ok(42))), "the abandoned query was not stopped: {next:?}");
    }
}
