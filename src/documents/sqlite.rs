//! Documents on SQLite: reads on the reader threads, writes on the writer
//! thread inside `BEGIN IMMEDIATE` transactions. Matching and sorting run
//! on those threads too, never on the async reactor.

use std::sync::Arc;

use rusqlite::{Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior, params, params_from_iter};

use super::{
    error::Result,
    exec::{Collector, FindQuery},
    meta::{CollectionMeta, MetaCache},
    model::{
        DocLimits, Entry, LoadedIndex, PreparedDoc, StoredDocument, duplicate_id, duplicate_in, load_index, now_rfc3339,
    },
    plan::{Plan, decides, numbered_range_sql, plan},
    tx::{RowSink, Tx},
    write::{WriteOp, WriteOutcome, execute},
};
use crate::store::SqliteStore;

fn collection_id(conn: &Connection, name: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM collections WHERE name = ?1")?
        .query_row([name], |row| row.get(0))
        .optional()?)
}

fn indexes(conn: &Connection, collection: i64) -> Result<Vec<LoadedIndex>> {
    let mut stmt =
        conn.prepare_cached("SELECT id, name, keys, is_unique FROM indexes WHERE collection_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([collection], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?, row.get::<_, bool>(3)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, keys, unique) = row?;
        out.push(load_index(id, name, &keys, unique)?);
    }
    Ok(out)
}

/// The candidate query of `plan` with its binds (the collection id first):
/// the one SQL both [`scan`] and [`explain`] run, so EXPLAIN shows the real plan.
fn candidates_sql(collection: i64, plan: &Plan) -> (String, Vec<rusqlite::types::Value>) {
    let mut binds: Vec<rusqlite::types::Value> = vec![collection.into()];
    let sql = match plan {
        Plan::FullScan => "SELECT seq, body, etag FROM documents WHERE collection_id = ?1 ORDER BY seq".to_owned(),
        Plan::Ids(ranges) => {
            let (cond, keys) = numbered_range_sql("id_key", ranges, '?', 2);
            binds.extend(keys.into_iter().map(Into::into));
            format!("SELECT seq, body, etag FROM documents WHERE collection_id = ?1 AND {cond} ORDER BY seq")
        }
        Plan::Index { id, ranges, .. } => {
            binds.push((*id).into());
            let (cond, keys) = numbered_range_sql("e.key", ranges, '?', 3);
            binds.extend(keys.into_iter().map(Into::into));
            // A join, not `seq IN (subquery)`: two index searches and, for
            // one key, no sort (the primary key orders doc_seq within a
            // key). A document under several keys comes back once per key,
            // next to itself: `scan` skips the repeats.
            format!(
                "SELECT d.seq, d.body, d.etag FROM index_entries e JOIN documents d ON d.seq = e.doc_seq \
                 WHERE e.index_id = ?2 AND {cond} AND d.collection_id = ?1 ORDER BY e.doc_seq"
            )
        }
    };
    (sql, binds)
}

/// Feeds `plan`'s candidates in insertion order.
fn scan(conn: &Connection, collection: i64, plan: &Plan, sink: &mut RowSink<'_>) -> Result<()> {
    let (sql, binds) = candidates_sql(collection, plan);
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(binds))?;
    let mut last = None;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        if last.replace(seq) == Some(seq) {
            continue;
        }
        let body: String = row.get(1)?;
        if sink(seq, body, row.get(2)?)?.is_break() {
            break;
        }
    }
    Ok(())
}

/// The collection's `(id, version)`, if it exists.
fn head(conn: &Connection, name: &str) -> Result<Option<(i64, i64)>> {
    Ok(conn
        .prepare_cached("SELECT id, version FROM collections WHERE name = ?1")?
        .query_row([name], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

/// The planning metadata of `name` as of this snapshot, from the cache
/// when its version is current.
fn meta_for(conn: &Connection, cache: &MetaCache, name: &str) -> Result<Option<Arc<CollectionMeta>>> {
    let Some((id, version)) = head(conn, name)? else {
        cache.forget(name);
        return Ok(None);
    };
    if let Some(meta) = cache.get(name, id, version) {
        return Ok(Some(meta));
    }
    let meta = Arc::new(CollectionMeta::new(id, version, indexes(conn, id)?));
    cache.put(name, Arc::clone(&meta));
    Ok(Some(meta))
}

/// Runs `query` in one read transaction (one snapshot: the metadata and
/// the candidates agree even if an index is dropped meanwhile).
fn run(
    conn: &Connection,
    cache: &MetaCache,
    name: &str,
    collector: &mut Collector<'_>,
    query: &FindQuery,
) -> Result<bool> {
    let tx = conn.unchecked_transaction()?;
    let Some(meta) = meta_for(&tx, cache, name)? else { return Ok(false) };
    let plan = plan(&query.filter, &meta.indexes);
    collector.set_decided(decides(&plan, &query.filter, &meta.indexes));
    scan(&tx, meta.id, &plan, &mut |seq, body, etag| collector.push(seq, body, etag))?;
    drop(tx); // read-only: nothing to commit
    Ok(true)
}

/// `find` on a reader thread.
pub(crate) async fn find(
    store: &SqliteStore,
    cache: &Arc<MetaCache>,
    collection: String,
    query: FindQuery,
) -> Result<Vec<StoredDocument>> {
    let cache = Arc::clone(cache);
    store
        .pool()
        .read(move |conn| {
            let mut collector = Collector::new(&query);
            run(conn, &cache, &collection, &mut collector, &query)?;
            Ok(collector.finish())
        })
        .await
}

/// `count` on a reader thread.
pub(crate) async fn count(
    store: &SqliteStore,
    cache: &Arc<MetaCache>,
    collection: String,
    query: FindQuery,
) -> Result<u64> {
    let cache = Arc::clone(cache);
    store
        .pool()
        .read(move |conn| {
            if query.filter.is_empty() {
                let n: i64 = conn
                    .prepare_cached(
                        "SELECT count(*) FROM documents WHERE collection_id = (SELECT id FROM collections WHERE name = ?1)",
                    )?
                    .query_row([&collection], |row| row.get(0))?;
                return Ok(n.max(0) as u64);
            }
            let mut collector = Collector::counting(&query);
            run(conn, &cache, &collection, &mut collector, &query)?;
            Ok(collector.count())
        })
        .await
}

/// Collections and their sizes.
pub(crate) async fn collections(store: &SqliteStore) -> Result<Vec<(String, u64)>> {
    store
        .pool()
        .read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT c.name, (SELECT count(*) FROM documents d WHERE d.collection_id = c.id) FROM collections c ORDER BY c.name",
            )?;
            let rows = stmt.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?.max(0) as u64)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
}

/// The secondary indexes of a collection.
pub(crate) async fn list_indexes(store: &SqliteStore, collection: String) -> Result<Vec<LoadedIndex>> {
    store
        .pool()
        .read(move |conn| match collection_id(conn, &collection)? {
            Some(coll) => indexes(conn, coll),
            None => Ok(Vec::new()),
        })
        .await
}

/// A write, in one transaction on the writer thread.
pub(crate) async fn write(
    store: &SqliteStore,
    collection: String,
    op: WriteOp,
    limits: DocLimits,
) -> Result<WriteOutcome> {
    store
        .pool()
        .write(move |conn| {
            let mut tx = SqliteTx(conn.transaction_with_behavior(TransactionBehavior::Immediate)?);
            let outcome = execute(&mut tx, &collection, op, limits)?;
            tx.0.commit()?;
            Ok(outcome)
        })
        .await
}

/// The plan chosen for `filter`, then SQLite's `EXPLAIN QUERY PLAN` lines
/// for the very candidate query (SQL and binds) a `find` runs (tests).
pub(crate) async fn explain(store: &SqliteStore, collection: String, filter: squall_query::Filter) -> Result<String> {
    store
        .pool()
        .read(move |conn| {
            let Some(coll) = collection_id(conn, &collection)? else { return Ok(String::new()) };
            let plan = plan(&filter, &indexes(conn, coll)?);
            let mut details = format!("{plan:?}\n");
            let (sql, binds) = candidates_sql(coll, &plan);
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
            let rows = stmt.query_map(params_from_iter(binds), |row| row.get::<_, String>(3))?;
            for row in rows {
                details.push_str(&row?);
                details.push('\n');
            }
            Ok(details)
        })
        .await
}

struct SqliteTx<'c>(Transaction<'c>);

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation)
}

impl Tx for SqliteTx<'_> {
    fn collection_id(&mut self, name: &str) -> Result<Option<i64>> {
        collection_id(&self.0, name)
    }

    fn ensure_collection(&mut self, name: &str) -> Result<i64> {
        if let Some(id) = collection_id(&self.0, name)? {
            return Ok(id);
        }
        self.0
            .prepare_cached("INSERT INTO collections (name, created_at) VALUES (?1, ?2)")?
            .execute(params![name, now_rfc3339()])?;
        Ok(self.0.last_insert_rowid())
    }

    fn lock_collection(&mut self, _id: i64, _exclusive: bool) -> Result<()> {
        Ok(()) // one writer thread: every write is already serialised
    }

    fn indexes(&mut self, collection: i64) -> Result<Vec<LoadedIndex>> {
        indexes(&self.0, collection)
    }

    fn scan(&mut self, collection: i64, plan: &Plan, sink: &mut RowSink<'_>) -> Result<()> {
        scan(&self.0, collection, plan, sink)
    }

    fn insert_doc(&mut self, collection: i64, doc: &PreparedDoc) -> Result<i64> {
        let inserted = self
            .0
            .prepare_cached("INSERT INTO documents (collection_id, id_key, body, etag) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![collection, doc.id_key, doc.body, doc.etag]);
        match inserted {
            Ok(_) => Ok(self.0.last_insert_rowid()),
            Err(e) if is_unique_violation(&e) => Err(duplicate_id(doc)),
            Err(e) => Err(e.into()),
        }
    }

    fn update_doc(&mut self, seq: i64, doc: &PreparedDoc) -> Result<()> {
        self.0
            .prepare_cached("UPDATE documents SET body = ?1, etag = ?2 WHERE seq = ?3")?
            .execute(params![doc.body, doc.etag, seq])?;
        Ok(())
    }

    fn delete_doc(&mut self, seq: i64) -> Result<()> {
        self.0.prepare_cached("DELETE FROM index_entries WHERE doc_seq = ?1")?.execute([seq])?;
        self.0.prepare_cached("DELETE FROM documents WHERE seq = ?1")?.execute([seq])?;
        Ok(())
    }

    fn insert_entries(&mut self, seq: i64, entries: &[Entry], indexes: &[LoadedIndex]) -> Result<()> {
        let mut stmt = self.0.prepare_cached(
            "INSERT OR IGNORE INTO index_entries (index_id, key, doc_seq, unique_key) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut unique_stmt = self
            .0
            .prepare_cached("INSERT INTO index_entries (index_id, key, doc_seq, unique_key) VALUES (?1, ?2, ?3, ?4)")?;
        for (index, key, unique) in entries {
            if *unique {
                if let Err(e) = unique_stmt.execute(params![index, key, seq, key]) {
                    return Err(if is_unique_violation(&e) { duplicate_in(indexes, *index) } else { e.into() });
                }
            } else {
                stmt.execute(params![index, key, seq, Option::<Vec<u8>>::None])?;
            }
        }
        Ok(())
    }

    fn delete_entries(&mut self, seq: i64) -> Result<()> {
        self.0.prepare_cached("DELETE FROM index_entries WHERE doc_seq = ?1")?.execute([seq])?;
        Ok(())
    }

    fn drop_collection(&mut self, collection: i64) -> Result<()> {
        self.0.execute(
            "DELETE FROM index_entries WHERE index_id IN (SELECT id FROM indexes WHERE collection_id = ?1)",
            [collection],
        )?;
        self.0.execute("DELETE FROM indexes WHERE collection_id = ?1", [collection])?;
        self.0.execute("DELETE FROM documents WHERE collection_id = ?1", [collection])?;
        self.0.execute("DELETE FROM collections WHERE id = ?1", [collection])?;
        Ok(())
    }

    fn insert_index(&mut self, collection: i64, name: &str, keys: &str, unique: bool) -> Result<i64> {
        self.0.execute(
            "INSERT INTO indexes (collection_id, name, keys, is_unique) VALUES (?1, ?2, ?3, ?4)",
            params![collection, name, keys, unique],
        )?;
        Ok(self.0.last_insert_rowid())
    }

    fn drop_index(&mut self, index: i64) -> Result<()> {
        self.0.execute("DELETE FROM index_entries WHERE index_id = ?1", [index])?;
        self.0.execute("DELETE FROM indexes WHERE id = ?1", [index])?;
        Ok(())
    }

    fn bump_version(&mut self, collection: i64) -> Result<()> {
        self.0.execute("UPDATE collections SET version = version + 1 WHERE id = ?1", [collection])?;
        Ok(())
    }
}
