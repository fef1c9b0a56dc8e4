//! Every document write, written once over [`Tx`]: bulk insert,
//! replace, patch, delete, update_many (with upsert), delete_many, drop,
//! and index builds. Each runs inside one transaction that the backend
//! commits only if this returns `Ok`: all-or-nothing, nothing partial.

use std::{ops::ControlFlow, sync::Arc};

use serde_json::Value;
use squall_query::{Document, Filter, Update};

use super::{
    error::{DocumentsError, Result},
    exec::{Collector, FindQuery},
    model::{DocLimits, ID_INDEX, LoadedIndex, PreparedDoc, StoredDocument, entries_for, id_key, load_index, prepare},
    plan::{Plan, if_match_allows, plan},
    tx::Tx,
};

/// A write to perform.
#[derive(Debug)]
pub(crate) enum WriteOp {
    /// Insert documents (already prepared).
    Insert(Vec<PreparedDoc>),
    /// Replace (or create) the document with this `_id`.
    Replace { doc: PreparedDoc, if_match: Option<String> },
    /// Apply an update document to the document with this `_id`.
    Patch { id: Value, update: Arc<Update>, if_match: Option<String> },
    /// Delete the document with this `_id`.
    Delete { id: Value, if_match: Option<String> },
    /// Apply an update to every match; insert a seeded document if none and `upsert`.
    UpdateMany { filter: Arc<Filter>, update: Arc<Update>, upsert: bool },
    /// Delete every match.
    DeleteMany { filter: Arc<Filter> },
    /// Drop the collection.
    DropCollection,
    /// Create an index (or find the identical one).
    CreateIndex { name: String, keys: Value, unique: bool },
    /// Drop an index.
    DropIndex { name: String },
}

/// What a write did.
#[derive(Debug)]
pub(crate) enum WriteOutcome {
    Inserted(Vec<StoredDocument>),
    Replaced { doc: StoredDocument, created: bool },
    Patched(StoredDocument),
    Deleted,
    Updated(UpdateResult),
    DeletedMany(u64),
    Dropped,
    IndexCreated { created: bool },
    IndexDropped,
}

/// The answer of `update_many`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct UpdateResult {
    /// Documents the filter matched.
    pub matched: u64,
    /// Documents actually changed (no-op updates are not counted).
    pub modified: u64,
    /// The `_id` of the document inserted by an upsert.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub upserted_id: Option<Value>,
}

fn stored(doc: &PreparedDoc, seq: i64) -> StoredDocument {
    StoredDocument::new(doc.doc.clone(), doc.etag.clone(), seq, Some(doc.body.clone()))
}

fn not_found(collection: &str, id: &Value) -> DocumentsError {
    DocumentsError::NotFound { collection: collection.to_owned(), id: id.to_string() }
}

/// Every match of `filter` (locked for update), in insertion order.
fn matches(tx: &mut dyn Tx, collection: i64, filter: Filter, indexes: &[LoadedIndex]) -> Result<Vec<StoredDocument>> {
    let query = FindQuery::all(filter);
    let plan = plan(&query.filter, indexes);
    let mut collector = Collector::new(&query);
    tx.scan(collection, &plan, &mut |seq, body, etag| collector.push(seq, body, etag))?;
    Ok(collector.finish())
}

/// The document with `id`, locked for update.
fn by_id(tx: &mut dyn Tx, collection: i64, id: &Value) -> Result<Option<StoredDocument>> {
    let key = id_key(id);
    let plan = Plan::Ids(vec![squall_query::KeyRange {
        start: squall_query::KeyBound::Included(key.clone()),
        end: squall_query::KeyBound::Included(key),
    }]);
    let mut found = None;
    tx.scan(collection, &plan, &mut |seq, body, etag| {
        found = Some(super::model::load_doc(seq, body, etag)?);
        Ok(ControlFlow::Break(()))
    })?;
    Ok(found)
}

fn insert(tx: &mut dyn Tx, collection: i64, indexes: &[LoadedIndex], doc: &PreparedDoc) -> Result<i64> {
    let entries = entries_for(indexes, &doc.doc)?;
    let seq = tx.insert_doc(collection, doc)?;
    tx.insert_entries(seq, &entries, indexes)?;
    Ok(seq)
}

fn rewrite(tx: &mut dyn Tx, seq: i64, indexes: &[LoadedIndex], doc: &PreparedDoc) -> Result<()> {
    let entries = entries_for(indexes, &doc.doc)?;
    tx.update_doc(seq, doc)?;
    tx.delete_entries(seq)?;
    tx.insert_entries(seq, &entries, indexes)
}

/// Applies `update` to `current`; `None` when nothing changed. `_id` may not change.
fn updated(current: &Document, update: &Update, limits: DocLimits, path: &str) -> Result<Option<PreparedDoc>> {
    let mut doc = current.clone();
    let changed = update.apply(&mut doc, false).map_err(DocumentsError::InvalidQuery)?;
    if !changed {
        return Ok(None);
    }
    if doc.get("_id") != current.get("_id") {
        return Err(DocumentsError::query(format!("{path}._id"), "_id cannot change"));
    }
    prepare(doc, limits, "document").map(Some)
}

/// Runs `op` on `collection` inside `tx`.
pub(crate) fn execute(tx: &mut dyn Tx, collection: &str, op: WriteOp, limits: DocLimits) -> Result<WriteOutcome> {
    let existing = tx.collection_id(collection)?;
    match op {
        WriteOp::Insert(docs) => {
            let coll = tx.ensure_collection(collection)?;
            tx.lock_collection(coll, false)?;
            let indexes = tx.indexes(coll)?;
            let mut out = Vec::with_capacity(docs.len());
            for doc in &docs {
                let seq = insert(tx, coll, &indexes, doc)?;
                out.push(stored(doc, seq));
            }
            Ok(WriteOutcome::Inserted(out))
        }
        WriteOp::Replace { doc, if_match } => {
            let coll = tx.ensure_collection(collection)?;
            tx.lock_collection(coll, false)?;
            let indexes = tx.indexes(coll)?;
            let id = doc.doc.get("_id").cloned().unwrap_or(Value::Null);
            let current = by_id(tx, coll, &id)?;
            if !if_match_allows(if_match.as_deref(), current.as_ref().map(|c| c.etag.as_str())) {
                return Err(precondition(current.is_some()));
            }
            match current {
                Some(current) => {
                    if current.etag != doc.etag {
                        rewrite(tx, current.seq, &indexes, &doc)?;
                    }
                    Ok(WriteOutcome::Replaced { doc: stored(&doc, current.seq), created: false })
                }
                None => {
                    let seq = insert(tx, coll, &indexes, &doc)?;
                    Ok(WriteOutcome::Replaced { doc: stored(&doc, seq), created: true })
                }
            }
        }
        WriteOp::Patch { id, update, if_match } => {
            let coll = existing.ok_or_else(|| missing_or_precondition(collection, &id, if_match.as_deref()))?;
            tx.lock_collection(coll, false)?;
            let indexes = tx.indexes(coll)?;
            let current =
                by_id(tx, coll, &id)?.ok_or_else(|| missing_or_precondition(collection, &id, if_match.as_deref()))?;
            if !if_match_allows(if_match.as_deref(), Some(&current.etag)) {
                return Err(precondition(true));
            }
            match updated(current.doc(), &update, limits, "update")? {
                None => Ok(WriteOutcome::Patched(current)),
                Some(doc) => {
                    rewrite(tx, current.seq, &indexes, &doc)?;
                    Ok(WriteOutcome::Patched(stored(&doc, current.seq)))
                }
            }
        }
        WriteOp::Delete { id, if_match } => {
            let coll = existing.ok_or_else(|| missing_or_precondition(collection, &id, if_match.as_deref()))?;
            tx.lock_collection(coll, false)?;
            let current =
                by_id(tx, coll, &id)?.ok_or_else(|| missing_or_precondition(collection, &id, if_match.as_deref()))?;
            if !if_match_allows(if_match.as_deref(), Some(&current.etag)) {
                return Err(precondition(true));
            }
            tx.delete_doc(current.seq)?;
            Ok(WriteOutcome::Deleted)
        }
        WriteOp::UpdateMany { filter, update, upsert } => {
            let coll = tx.ensure_collection(collection)?;
            tx.lock_collection(coll, false)?;
            let indexes = tx.indexes(coll)?;
            let found = matches(tx, coll, Filter::clone(&filter), &indexes)?;
            let mut result = UpdateResult { matched: found.len() as u64, modified: 0, upserted_id: None };
            for current in &found {
                if let Some(doc) = updated(current.doc(), &update, limits, "update")? {
                    rewrite(tx, current.seq, &indexes, &doc)?;
                    result.modified += 1;
                }
            }
            if found.is_empty() && upsert {
                let mut seed = Update::upsert_seed(&filter);
                update.apply(&mut seed, true).map_err(DocumentsError::InvalidQuery)?;
                let doc = prepare(seed, limits, "upsert")?;
                result.upserted_id = doc.doc.get("_id").cloned();
                insert(tx, coll, &indexes, &doc)?;
            }
            Ok(WriteOutcome::Updated(result))
        }
        WriteOp::DeleteMany { filter } => {
            let Some(coll) = existing else { return Ok(WriteOutcome::DeletedMany(0)) };
            tx.lock_collection(coll, false)?;
            let indexes = tx.indexes(coll)?;
            let found = matches(tx, coll, Filter::clone(&filter), &indexes)?;
            for doc in &found {
                tx.delete_doc(doc.seq)?;
            }
            Ok(WriteOutcome::DeletedMany(found.len() as u64))
        }
        WriteOp::DropCollection => {
            if let Some(coll) = existing {
                tx.lock_collection(coll, true)?;
                tx.drop_collection(coll)?;
            }
            Ok(WriteOutcome::Dropped)
        }
        WriteOp::CreateIndex { name, keys, unique } => {
            if name == ID_INDEX {
                return Err(DocumentsError::IdIndexIsBuiltIn);
            }
            let coll = tx.ensure_collection(collection)?;
            tx.lock_collection(coll, true)?;
            let indexes = tx.indexes(coll)?;
            if let Some(same_name) = indexes.iter().find(|i| i.name == name) {
                if same_keys(&same_name.keys, &keys) && same_name.unique == unique {
                    return Ok(WriteOutcome::IndexCreated { created: false });
                }
                return Err(DocumentsError::IndexConflict(format!(
                    "an index named {name:?} already exists with keys {} and unique {}; drop it first to change it",
                    same_name.keys, same_name.unique
                )));
            }
            let keys_text = keys.to_string();
            let id = tx.insert_index(coll, &name, &keys_text, unique)?;
            tx.bump_version(coll)?;
            let index = load_index(id, name, &keys_text, unique)?;
            let everything =
                Filter::parse(&Value::Object(Default::default()), "filter").map_err(DocumentsError::InvalidQuery)?;
            let all = matches(tx, coll, everything, &[])?;
            let new = [index];
            for doc in &all {
                let entries = entries_for(&new, doc.doc())?;
                tx.insert_entries(doc.seq, &entries, &new)?;
            }
            Ok(WriteOutcome::IndexCreated { created: true })
        }
        WriteOp::DropIndex { name } => {
            if name == ID_INDEX {
                return Err(DocumentsError::IdIndexIsBuiltIn);
            }
            let not_found = || DocumentsError::IndexNotFound { collection: collection.to_owned(), name: name.clone() };
            let coll = existing.ok_or_else(not_found)?;
            tx.lock_collection(coll, true)?;
            let index = tx.indexes(coll)?.into_iter().find(|i| i.name == name).ok_or_else(not_found)?;
            tx.drop_index(index.id)?;
            tx.bump_version(coll)?;
            Ok(WriteOutcome::IndexDropped)
        }
    }
}

/// Index keys are the same when they list the same fields in the same
/// order with equal directions (`serde_json`'s map equality ignores order,
/// but `{"a": 1, "b": 1}` and `{"b": 1, "a": 1}` are different indexes).
fn same_keys(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter().zip(b).all(|((ka, va), (kb, vb))| ka == kb && squall_query::values_equal(va, vb))
        }
        _ => a == b,
    }
}

fn precondition(exists: bool) -> DocumentsError {
    DocumentsError::PreconditionFailed(if exists {
        "If-Match does not match the document's current ETag: read it again and retry".into()
    } else {
        "If-Match was given but the document does not exist".into()
    })
}

fn missing_or_precondition(collection: &str, id: &Value, if_match: Option<&str>) -> DocumentsError {
    if if_match.is_some() { precondition(false) } else { not_found(collection, id) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_keys_differ_by_order_and_direction_not_by_number_type() {
        assert!(same_keys(&serde_json::json!({"a": 1, "b": -1}), &serde_json::json!({"a": 1, "b": -1})));
        assert!(same_keys(&serde_json::json!({"a": 1}), &serde_json::json!({"a": 1.0})));
        assert!(!same_keys(&serde_json::json!({"a": 1, "b": -1}), &serde_json::json!({"b": -1, "a": 1})));
        assert!(!same_keys(&serde_json::json!({"a": 1}), &serde_json::json!({"a": -1})));
        assert!(!same_keys(&serde_json::json!({"a": 1}), &serde_json::json!({"a": 1, "b": 1})));
    }
}
