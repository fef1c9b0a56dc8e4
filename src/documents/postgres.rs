//! Documents on PostgreSQL. Reads are async sqlx queries; matching runs on
//! the reactor for small candidate sets and moves to a blocking thread in
//! batches for large scans. Writes run the shared write logic on a
//! blocking thread that drives its transaction's queries with
//! `Handle::block_on`, so both backends share one implementation of every
//! rule. Concurrent writers are serialised per document by `FOR UPDATE`,
//! and against index builds by a lock on the collection's row.

use std::{borrow::Cow, ops::ControlFlow, sync::Arc};

use futures::{FutureExt, TryStreamExt};
use sqlx::{PgConnection, Postgres, Row, postgres::PgArguments, query::Query};
use tokio::runtime::Handle;

use super::{
    error::{DocumentsError, Result},
    exec::{Collector, FindQuery},
    meta::{CollectionMeta, MetaCache, RECHECK_EVERY},
    model::{
        DocLimits, Entry, LoadedIndex, PreparedDoc, StoredDocument, duplicate_id, duplicate_in, load_doc, load_index,
        now_rfc3339,
    },
    plan::{Plan, decides, numbered_range_sql, plan, single_point},
    tx::{RowSink, Tx},
    write::{WriteOp, WriteOutcome, execute},
};
use crate::store::PostgresStore;

/// Rows matched on the reactor before moving to a blocking thread.
const INLINE_ROWS: usize = 256;

/// Rows already received that a read which stopped early still reads to
/// reach the end of its result, before leaving that to a background drain.
const MAX_LEFTOVER_ROWS: usize = 16;

/// The candidate query of `plan` inside a write: rows locked `FOR UPDATE`
/// (reads use [`read_sql`]).
fn candidates_sql(plan: &Plan) -> (String, Vec<Vec<u8>>, Option<i64>) {
    let lock = " FOR UPDATE";
    match plan {
        Plan::FullScan => (
            format!("SELECT seq, body, etag FROM documents WHERE collection_id = $1 ORDER BY seq{lock}"),
            Vec::new(),
            None,
        ),
        Plan::Ids(ranges) => {
            let (cond, binds) = numbered_range_sql("id_key", ranges, '$', 2);
            (
                format!("SELECT seq, body, etag FROM documents WHERE collection_id = $1 AND {cond} ORDER BY seq{lock}"),
                binds,
                None,
            )
        }
        Plan::Index { id, ranges, .. } => {
            let (cond, binds) = numbered_range_sql("e.key", ranges, '$', 3);
            (
                format!(
                    "SELECT d.seq, d.body, d.etag FROM documents d WHERE d.collection_id = $1 AND d.seq IN \
                     (SELECT e.doc_seq FROM index_entries e WHERE e.index_id = $2 AND {cond}) ORDER BY d.seq{lock}"
                ),
                binds,
                Some(*id),
            )
        }
    }
}

/// Binds a candidate query's parameters in order: the collection (its id,
/// or its name for reads), the index id if any, then the keys.
fn bind_all<'q, C>(
    sql: &'q str,
    collection: C,
    index: Option<i64>,
    binds: Vec<Vec<u8>>,
) -> Query<'q, Postgres, PgArguments>
where
    C: 'q + Send + sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres>,
{
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(collection);
    if let Some(index) = index {
        query = query.bind(index);
    }
    for key in binds {
        query = query.bind(key);
    }
    query
}

async fn collection_id<'e>(executor: impl sqlx::PgExecutor<'e>, name: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM collections WHERE name = $1").bind(name).fetch_optional(executor).await?)
}

async fn indexes<'e>(executor: impl sqlx::PgExecutor<'e>, collection: i64) -> Result<Vec<LoadedIndex>> {
    let rows = sqlx::query("SELECT id, name, keys, is_unique FROM indexes WHERE collection_id = $1 ORDER BY id")
        .bind(collection)
        .fetch_all(executor)
        .await?;
    rows.into_iter()
        .map(|row| {
            load_index(
                row.try_get("id")?,
                row.try_get("name")?,
                row.try_get::<&str, _>("keys")?,
                row.try_get("is_unique")?,
            )
        })
        .collect()
}

/// A read's SQL and keys. Without an index, the candidates in the
/// collection named `$1`, each row led by the collection's id and index
/// version so a stale cache is noticed in the same statement. Through an
/// index, the entries of index `$1` alone: `meta.rs` says why that needs
/// the version only when nothing is found. A document under several keys
/// comes back once per key, next to itself, and `read_once` skips repeats.
/// A `limit` (given only when the plan decides the filter alone) is used
/// where the statement can take one: a full scan, or one indexed key. It
/// then ends with `LIMIT $n`, its last parameter, and is returned for
/// [`bind_read`]; other statements never have one, so their cached generic
/// plans are never built around an unknown limit.
fn read_sql(plan: &Plan, limit: Option<i64>) -> (Cow<'static, str>, Vec<Vec<u8>>, Option<i64>) {
    match plan {
        Plan::FullScan => (
            Cow::Borrowed(if limit.is_some() {
                "SELECT c.id, c.version, d.seq, d.body, d.etag FROM collections c \
                 JOIN documents d ON d.collection_id = c.id WHERE c.name = $1 ORDER BY d.seq LIMIT $2"
            } else {
                "SELECT c.id, c.version, d.seq, d.body, d.etag FROM collections c \
                 JOIN documents d ON d.collection_id = c.id WHERE c.name = $1 ORDER BY d.seq"
            }),
            Vec::new(),
            limit,
        ),
        // The common lookups (one `_id`, one indexed value) need no SQL built.
        Plan::Ids(ranges) if let Some(key) = single_point(ranges) => (
            Cow::Borrowed(
                "SELECT c.id, c.version, d.seq, d.body, d.etag FROM collections c \
                 JOIN documents d ON d.collection_id = c.id WHERE c.name = $1 AND d.id_key = $2",
            ),
            vec![key.to_vec()],
            None, // one row at most
        ),
        Plan::Index { ranges, .. } if let Some(key) = single_point(ranges) => (
            Cow::Borrowed(if limit.is_some() {
                "SELECT d.seq, d.body, d.etag FROM index_entries e JOIN documents d ON d.seq = e.doc_seq \
                 WHERE e.index_id = $1 AND e.key = $2 ORDER BY e.doc_seq LIMIT $3"
            } else {
                "SELECT d.seq, d.body, d.etag FROM index_entries e JOIN documents d ON d.seq = e.doc_seq \
                 WHERE e.index_id = $1 AND e.key = $2 ORDER BY e.doc_seq"
            }),
            vec![key.to_vec()],
            limit,
        ),
        Plan::Ids(ranges) => {
            let (cond, binds) = numbered_range_sql("d.id_key", ranges, '$', 2);
            (
                Cow::Owned(format!(
                    "SELECT c.id, c.version, d.seq, d.body, d.etag FROM collections c \
                     JOIN documents d ON d.collection_id = c.id WHERE c.name = $1 AND {cond} ORDER BY d.seq"
                )),
                binds,
                None,
            )
        }
        Plan::Index { ranges, .. } => {
            let (cond, binds) = numbered_range_sql("e.key", ranges, '$', 2);
            (
                Cow::Owned(format!(
                    "SELECT d.seq, d.body, d.etag FROM index_entries e JOIN documents d ON d.seq = e.doc_seq \
                     WHERE e.index_id = $1 AND {cond} ORDER BY e.doc_seq"
                )),
                binds,
                None,
            )
        }
    }
}

/// Binds [`read_sql`]'s parameters: the index id or the collection's name,
/// the keys, then the row limit when the statement was built with one.
fn bind_read<'q>(
    sql: &'q str,
    plan: &Plan,
    name: &'q str,
    binds: Vec<Vec<u8>>,
    limit: Option<i64>,
) -> Query<'q, Postgres, PgArguments> {
    let query = match plan {
        Plan::Index { id, .. } => bind_all(sql, *id, None, binds),
        Plan::FullScan | Plan::Ids(_) => bind_all(sql, name, None, binds),
    };
    match limit {
        Some(limit) => query.bind(limit),
        None => query,
    }
}

/// The collection's `(id, version)`, if it exists.
async fn head(conn: &mut PgConnection, name: &str) -> Result<Option<(i64, i64)>> {
    Ok(sqlx::query_as("SELECT id, version FROM collections WHERE name = $1").bind(name).fetch_optional(conn).await?)
}

/// Loads a collection's planning metadata (on a cache miss).
async fn load_meta(conn: &mut PgConnection, name: &str) -> Result<Option<Arc<CollectionMeta>>> {
    let Some((id, version)) = head(conn, name).await? else { return Ok(None) };
    Ok(Some(Arc::new(CollectionMeta::new(id, version, indexes(conn, id).await?))))
}

/// What a finished read leaves its connection needing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    /// The result was read to its end: the connection is idle.
    Idle,
    /// Rows are still coming: read them in the background first.
    Drain,
    /// The rest of the result failed: close the connection.
    Close,
}

/// How a read ended.
enum Read {
    Done(After),
    /// The cached index list was stale for a plan that depends on it.
    Stale,
}

/// Feeds one attempt's candidates to `collector`: the first rows inline,
/// the rest parsed in batches on a blocking thread (CPU work).
async fn read_once(
    conn: &mut PgConnection,
    cache: &MetaCache,
    name: &str,
    meta: &CollectionMeta,
    plan: &Plan,
    collector: &mut Collector<'_>,
) -> Result<Read> {
    let (sql, binds, limit) = read_sql(plan, collector.row_limit());
    // Column of `seq`: rows without an index lead with the collection's id and version.
    let first = if matches!(plan, Plan::Index { .. }) { 0 } else { 2 };
    let mut rows = bind_read(&sql, plan, name, binds, limit).fetch(&mut *conn);
    let mut seen_head = false;
    let mut last = None;
    let mut inline = 0usize;
    let mut batch: Vec<(i64, String, String)> = Vec::new();
    let mut done = false;
    let mut after = After::Drain;
    while !done {
        let Some(row) = rows.try_next().await? else {
            after = After::Idle;
            break;
        };
        if first > 0 && !seen_head {
            seen_head = true;
            let (id, version): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
            if (id, version) == (meta.id, meta.version) {
                cache.confirmed(meta);
            } else {
                cache.forget(name); // this plan does not depend on it; the next one re-plans
            }
        }
        let Some(seq) = row.try_get::<Option<i64>, _>(first)? else { continue };
        if last.replace(seq) == Some(seq) {
            continue;
        }
        let body: String = row.try_get(first + 1)?;
        let etag: String = row.try_get(first + 2)?;
        if inline < INLINE_ROWS {
            inline += 1;
            done = collector.push(seq, body, etag)?.is_break();
            continue;
        }
        batch.push((seq, body, etag));
        if batch.len() >= INLINE_ROWS {
            done = Box::pin(push_batch(collector, std::mem::take(&mut batch))).await?;
        }
    }
    // Stopped early: read what has already arrived (often the end of the
    // result, in the same packet as the last row needed), without waiting.
    for _ in 0..if after == After::Drain { MAX_LEFTOVER_ROWS } else { 0 } {
        match rows.try_next().now_or_never() {
            Some(Ok(Some(_))) => {}
            Some(Ok(None)) => {
                after = After::Idle;
                break;
            }
            // The answer is complete; the rest of the result ended in an
            // error (a statement timeout, say): not this caller's failure,
            // but the connection is not trusted again.
            Some(Err(_)) => {
                after = After::Close;
                break;
            }
            None => break,
        }
    }
    drop(rows);
    if first > 0 && !seen_head {
        cache.forget(name); // the collection is gone
    }
    if first == 0 && last.is_none() {
        // Nothing under the index: an answer only if the index still exists.
        // Boxed here and below: cold paths whose futures would otherwise
        // enlarge every read's (large futures are copied as they move).
        if Box::pin(head(conn, name)).await? != Some((meta.id, meta.version)) {
            cache.forget(name);
            return Ok(Read::Stale);
        }
        cache.confirmed(meta);
    }
    if !done {
        Box::pin(push_batch(collector, batch)).await?;
    }
    Ok(Read::Done(after))
}

/// Parses a batch on a blocking thread, then offers it; `true` when done.
async fn push_batch(collector: &mut Collector<'_>, batch: Vec<(i64, String, String)>) -> Result<bool> {
    if batch.is_empty() {
        return Ok(false);
    }
    let parsed =
        tokio::task::spawn_blocking(move || batch.into_iter().map(|(s, b, e)| load_doc(s, b, e)).collect::<Vec<_>>())
            .await
            .map_err(|e| DocumentsError::Store(crate::store::StoreError::Io(std::io::Error::other(e))))?;
    for doc in parsed {
        if collector.push_doc(doc?).is_break() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Runs `query`, re-planning if another instance changed the indexes.
async fn run_query(
    store: &PostgresStore,
    cache: &MetaCache,
    name: &str,
    query: &FindQuery,
    collector: &mut Collector<'_>,
) -> Result<()> {
    let mut read = store.read_connection().await?;
    match run_query_on(read.conn()?, cache, name, query, collector).await {
        Ok(After::Idle) => read.release(),
        Ok(After::Drain) => read.release_after_drain(),
        Ok(After::Close) => drop(read), // closed, not returned
        Err(e) => return Err(e),        // likewise
    }
    Ok(())
}

/// [`run_query`] on one connection; what the connection needs afterwards.
async fn run_query_on(
    conn: &mut PgConnection,
    cache: &MetaCache,
    name: &str,
    query: &FindQuery,
    collector: &mut Collector<'_>,
) -> Result<After> {
    for _ in 0..3 {
        let meta = match cache.any(name).filter(|meta| !cache.recheck_due(meta, RECHECK_EVERY)) {
            Some(meta) => meta,
            None => match Box::pin(load_meta(conn, name)).await? {
                Some(meta) => {
                    cache.put(name, Arc::clone(&meta));
                    meta
                }
                None => return Ok(After::Idle),
            },
        };
        let plan = plan(&query.filter, &meta.indexes);
        collector.set_decided(decides(&plan, &query.filter, &meta.indexes));
        match read_once(conn, cache, name, &meta, &plan, collector).await? {
            Read::Done(after) => return Ok(after),
            Read::Stale => *collector = collector.fresh(),
        }
    }
    Err(DocumentsError::Store(crate::store::StoreError::Unsupported(format!(
        "the indexes of {name} kept changing during the query; retry"
    ))))
}

pub(crate) async fn find(
    store: &PostgresStore,
    cache: &Arc<MetaCache>,
    collection: String,
    query: FindQuery,
) -> Result<Vec<StoredDocument>> {
    let mut collector = Collector::new(&query);
    run_query(store, cache, &collection, &query, &mut collector).await?;
    Ok(collector.finish())
}

pub(crate) async fn count(
    store: &PostgresStore,
    cache: &Arc<MetaCache>,
    collection: String,
    query: FindQuery,
) -> Result<u64> {
    if query.filter.is_empty() {
        let n: Option<i64> = sqlx::query_scalar(
            "SELECT count(*) FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = $1",
        )
        .bind(&collection)
        .fetch_one(store.pool())
        .await?;
        return Ok(n.unwrap_or(0).max(0) as u64);
    }
    let mut collector = Collector::counting(&query);
    run_query(store, cache, &collection, &query, &mut collector).await?;
    Ok(collector.count())
}

pub(crate) async fn collections(store: &PostgresStore) -> Result<Vec<(String, u64)>> {
    let rows = sqlx::query(
        "SELECT c.name, (SELECT count(*) FROM documents d WHERE d.collection_id = c.id) AS n FROM collections c ORDER BY c.name COLLATE \"C\"",
    )
    .fetch_all(store.pool())
    .await?;
    rows.into_iter().map(|row| Ok((row.try_get(0)?, row.try_get::<i64, _>(1)?.max(0) as u64))).collect()
}

pub(crate) async fn list_indexes(store: &PostgresStore, collection: String) -> Result<Vec<LoadedIndex>> {
    match collection_id(store.pool(), &collection).await? {
        Some(coll) => indexes(store.pool(), coll).await,
        None => Ok(Vec::new()),
    }
}

pub(crate) async fn explain(store: &PostgresStore, collection: String, filter: squall_query::Filter) -> Result<String> {
    let pool = store.pool();
    let Some(coll) = collection_id(pool, &collection).await? else { return Ok(String::new()) };
    let plan = plan(&filter, &indexes(pool, coll).await?);
    let (sql, binds, limit) = read_sql(&plan, None);
    let explain = format!("EXPLAIN {sql}");
    let rows = bind_read(&explain, &plan, &collection, binds, limit).fetch_all(pool).await?;
    let mut out = format!("{plan:?}\n");
    for row in rows {
        out.push_str(row.try_get::<&str, _>(0)?);
        out.push('\n');
    }
    Ok(out)
}

/// A write: the shared logic on a blocking thread, one transaction.
pub(crate) async fn write(
    store: &PostgresStore,
    collection: String,
    op: WriteOp,
    limits: DocLimits,
) -> Result<WriteOutcome> {
    let pool = store.pool().clone();
    let handle = Handle::current();
    tokio::task::spawn_blocking(move || {
        let tx = handle.block_on(pool.begin())?;
        let mut tx = PgTx { tx, handle };
        let outcome = execute(&mut tx, &collection, op, limits)?;
        let PgTx { tx, handle } = tx;
        handle.block_on(tx.commit())?;
        Ok(outcome)
    })
    .await
    .map_err(|e| DocumentsError::Store(crate::store::StoreError::Io(std::io::Error::other(e))))?
}

struct PgTx {
    tx: sqlx::Transaction<'static, Postgres>,
    handle: Handle,
}

fn constraint_of(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => {
            Some(db.constraint().unwrap_or_default().to_owned())
        }
        _ => None,
    }
}

impl PgTx {
    fn run<T>(&mut self, f: impl AsyncFnOnce(&mut sqlx::PgConnection) -> Result<T>) -> Result<T> {
        let conn: &mut sqlx::PgConnection = &mut self.tx;
        self.handle.block_on(f(conn))
    }
}

impl Tx for PgTx {
    fn collection_id(&mut self, name: &str) -> Result<Option<i64>> {
        self.run(async |c| collection_id(c, name).await)
    }

    fn ensure_collection(&mut self, name: &str) -> Result<i64> {
        self.run(async |c| {
            sqlx::query("INSERT INTO collections (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(name)
                .bind(now_rfc3339())
                .execute(&mut *c)
                .await?;
            collection_id(&mut *c, name)
                .await?
                .ok_or_else(|| DocumentsError::query("collection", "dropped concurrently; retry"))
        })
    }

    fn lock_collection(&mut self, id: i64, exclusive: bool) -> Result<()> {
        let sql = if exclusive {
            "SELECT id FROM collections WHERE id = $1 FOR UPDATE"
        } else {
            "SELECT id FROM collections WHERE id = $1 FOR SHARE"
        };
        self.run(async |c| {
            sqlx::query(sql).bind(id).fetch_optional(c).await?;
            Ok(())
        })
    }

    fn indexes(&mut self, collection: i64) -> Result<Vec<LoadedIndex>> {
        self.run(async |c| indexes(c, collection).await)
    }

    fn scan(&mut self, collection: i64, plan: &Plan, sink: &mut RowSink<'_>) -> Result<()> {
        let (sql, binds, index) = candidates_sql(plan);
        let rows = self.run(async |c| Ok(bind_all(&sql, collection, index, binds).fetch_all(c).await?))?;
        for row in rows {
            if sink(row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)? == ControlFlow::Break(()) {
                break;
            }
        }
        Ok(())
    }

    fn insert_doc(&mut self, collection: i64, doc: &PreparedDoc) -> Result<i64> {
        let inserted = self.run(async |c| {
            Ok(sqlx::query_scalar::<_, i64>(
                "INSERT INTO documents (collection_id, id_key, body, etag) VALUES ($1, $2, $3, $4) RETURNING seq",
            )
            .bind(collection)
            .bind(&doc.id_key)
            .bind(&doc.body)
            .bind(&doc.etag)
            .fetch_one(c)
            .await)
        })?;
        match inserted {
            Ok(seq) => Ok(seq),
            Err(e) if constraint_of(&e).is_some() => Err(duplicate_id(doc)),
            Err(e) => Err(e.into()),
        }
    }

    fn update_doc(&mut self, seq: i64, doc: &PreparedDoc) -> Result<()> {
        self.run(async |c| {
            sqlx::query("UPDATE documents SET body = $1, etag = $2 WHERE seq = $3")
                .bind(&doc.body)
                .bind(&doc.etag)
                .bind(seq)
                .execute(c)
                .await?;
            Ok(())
        })
    }

    fn delete_doc(&mut self, seq: i64) -> Result<()> {
        self.run(async |c| {
            sqlx::query("DELETE FROM documents WHERE seq = $1").bind(seq).execute(c).await?;
            Ok(())
        })
    }

    fn insert_entries(&mut self, seq: i64, entries: &[Entry], indexes: &[LoadedIndex]) -> Result<()> {
        for (index, key, unique) in entries {
            let result = self.run(async |c| {
                Ok(sqlx::query(
                    "INSERT INTO index_entries (index_id, key, doc_seq, unique_key) VALUES ($1, $2, $3, $4) ON CONFLICT (index_id, key, doc_seq) DO NOTHING",
                )
                .bind(index)
                .bind(key)
                .bind(seq)
                .bind(unique.then_some(key))
                .execute(c)
                .await)
            })?;
            match result {
                Ok(_) => {}
                Err(e) if constraint_of(&e).is_some() => return Err(duplicate_in(indexes, *index)),
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn delete_entries(&mut self, seq: i64) -> Result<()> {
        self.run(async |c| {
            sqlx::query("DELETE FROM index_entries WHERE doc_seq = $1").bind(seq).execute(c).await?;
            Ok(())
        })
    }

    fn drop_collection(&mut self, collection: i64) -> Result<()> {
        self.run(async |c| {
            sqlx::query("DELETE FROM collections WHERE id = $1").bind(collection).execute(c).await?;
            Ok(())
        })
    }

    fn insert_index(&mut self, collection: i64, name: &str, keys: &str, unique: bool) -> Result<i64> {
        self.run(async |c| {
            Ok(sqlx::query_scalar(
                "INSERT INTO indexes (collection_id, name, keys, is_unique) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(collection)
            .bind(name)
            .bind(keys)
            .bind(unique)
            .fetch_one(c)
            .await?)
        })
    }

    fn drop_index(&mut self, index: i64) -> Result<()> {
        self.run(async |c| {
            sqlx::query("DELETE FROM indexes WHERE id = $1").bind(index).execute(c).await?;
            Ok(())
        })
    }

    fn bump_version(&mut self, collection: i64) -> Result<()> {
        self.run(async |c| {
            sqlx::query("UPDATE collections SET version = version + 1 WHERE id = $1")
                .bind(collection)
                .execute(c)
                .await?;
            Ok(())
        })
    }
}
