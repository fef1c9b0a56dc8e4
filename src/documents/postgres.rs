//! Documents on PostgreSQL. Reads are async sqlx queries; matching runs on
//! the reactor for small candidate sets and moves to a blocking thread in
//! batches for large scans. Writes run the shared write logic on a
//! blocking thread that drives its transaction's queries with
//! `Handle::block_on`, so both backends share one implementation of every
//! rule. Concurrent writers are serialised per document by `FOR UPDATE`,
//! and against index builds by a lock on the collection's row.

use std::ops::ControlFlow;

use futures::TryStreamExt;
use sqlx::{Postgres, Row, postgres::PgArguments, query::Query};
use tokio::runtime::Handle;

use super::{
    error::{DocumentsError, Result},
    exec::{Collector, FindQuery},
    model::{DocLimits, Entry, LoadedIndex, PreparedDoc, StoredDocument, load_doc, load_index},
    plan::{Plan, plan, range_sql},
    sqlite::{duplicate_id, duplicate_in},
    tx::{RowSink, Tx},
    write::{WriteOp, WriteOutcome, execute},
};
use crate::store::PostgresStore;

/// Rows matched on the reactor before moving to a blocking thread.
const INLINE_ROWS: usize = 256;

fn now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// The candidate query of `plan`, its `FOR UPDATE` variant for writes.
fn candidates_sql(plan: &Plan, for_update: bool) -> (String, Vec<Vec<u8>>, Option<i64>) {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    match plan {
        Plan::FullScan => (
            format!("SELECT seq, body, etag FROM documents WHERE collection_id = $1 ORDER BY seq{lock}"),
            Vec::new(),
            None,
        ),
        Plan::Ids(ranges) => {
            let mut n = 1;
            let (cond, binds) = range_sql("id_key", ranges, &mut || {
                n += 1;
                format!("${n}")
            });
            (
                format!("SELECT seq, body, etag FROM documents WHERE collection_id = $1 AND {cond} ORDER BY seq{lock}"),
                binds,
                None,
            )
        }
        Plan::Index { id, ranges, .. } => {
            let mut n = 2;
            let (cond, binds) = range_sql("e.key", ranges, &mut || {
                n += 1;
                format!("${n}")
            });
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

fn bind_all<'q>(
    sql: &'q str,
    collection: i64,
    index: Option<i64>,
    binds: Vec<Vec<u8>>,
) -> Query<'q, Postgres, PgArguments> {
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

/// Feeds candidates to `collector`: the first rows inline, the rest in
/// batches on a blocking thread (parsing and matching is CPU work).
async fn run_query(
    store: &PostgresStore,
    collection: &str,
    query: FindQuery,
    counting: bool,
) -> Result<(Vec<StoredDocument>, u64)> {
    let pool = store.pool();
    let Some(coll) = collection_id(pool, collection).await? else { return Ok((Vec::new(), 0)) };
    let plan = plan(&query.filter, &indexes(pool, coll).await?);
    let (sql, binds, index) = candidates_sql(&plan, false);
    let mut rows = bind_all(&sql, coll, index, binds).fetch(pool);
    let mut batch: Vec<(i64, String, String)> = Vec::new();
    let mut done = false;
    let mut collector_state: Option<Collector<'_>> =
        Some(if counting { Collector::counting(&query) } else { Collector::new(&query) });
    let mut inline = 0usize;
    while !done {
        let row = rows.try_next().await?;
        let Some(row) = row else { break };
        let seq: i64 = row.try_get(0)?;
        let body: String = row.try_get(1)?;
        let etag: String = row.try_get(2)?;
        if inline < INLINE_ROWS {
            inline += 1;
            if let Some(collector) = collector_state.as_mut() {
                done = collector.push(seq, &body, etag)?.is_break();
            }
            continue;
        }
        batch.push((seq, body, etag));
        if batch.len() >= INLINE_ROWS {
            let docs = std::mem::take(&mut batch);
            let parsed = tokio::task::spawn_blocking(move || {
                docs.into_iter().map(|(s, b, e)| load_doc(s, &b, e)).collect::<Vec<_>>()
            })
            .await
            .map_err(|e| DocumentsError::Store(crate::store::StoreError::Io(std::io::Error::other(e))))?;
            if let Some(collector) = collector_state.as_mut() {
                for doc in parsed {
                    if collector.push_doc(doc?).is_break() {
                        done = true;
                        break;
                    }
                }
            }
        }
    }
    drop(rows);
    let mut collector = collector_state.take().ok_or_else(|| DocumentsError::query("query", "internal state lost"))?;
    if !done {
        for (seq, body, etag) in batch {
            if collector.push(seq, &body, etag)?.is_break() {
                break;
            }
        }
    }
    let count = collector.count();
    Ok((if counting { Vec::new() } else { collector.finish() }, count))
}

pub(crate) async fn find(store: &PostgresStore, collection: String, query: FindQuery) -> Result<Vec<StoredDocument>> {
    Ok(run_query(store, &collection, query, false).await?.0)
}

pub(crate) async fn count(store: &PostgresStore, collection: String, query: FindQuery) -> Result<u64> {
    if query.filter.is_empty() {
        let n: Option<i64> = sqlx::query_scalar(
            "SELECT count(*) FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = $1",
        )
        .bind(&collection)
        .fetch_one(store.pool())
        .await?;
        return Ok(n.unwrap_or(0).max(0) as u64);
    }
    Ok(run_query(store, &collection, query, true).await?.1)
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
    let (sql, binds, index) = candidates_sql(&plan, false);
    let explain = format!("EXPLAIN {sql}");
    let rows = bind_all(&explain, coll, index, binds).fetch_all(pool).await?;
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
                .bind(now())
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
        let (sql, binds, index) = candidates_sql(plan, true);
        let rows = self.run(async |c| Ok(bind_all(&sql, collection, index, binds).fetch_all(c).await?))?;
        for row in rows {
            let body: &str = row.try_get(1)?;
            if sink(row.try_get(0)?, body, row.try_get(2)?)? == ControlFlow::Break(()) {
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
                Err(e) if constraint_of(&e).is_some() => return Err(duplicate_in(indexes, *index, key)),
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
}
