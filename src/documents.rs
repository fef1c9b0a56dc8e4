//! Documents: JSON collections queried with MongoDB's language.
//!
//! [`Collection`] is the library API (`ctx.documents("people")?.find_one(json!({"name": "John"}))`)
//! and the HTTP handlers are a thin shell over it. Queries are parsed once
//! by `squall-query` (the one source of truth for semantics); the planner
//! ([`plan`]) narrows candidates with index ranges; the matcher decides.
//! Writes are written once over [`tx::Tx`] and run in one transaction
//! on either backend.

mod error;
mod exec;
mod meta;
mod model;
mod plan;
mod postgres;
mod sqlite;
mod tx;
mod write;

use std::sync::Arc;

use serde_json::Value;
use squall_query::{Filter, IndexSpec, Update};

pub use error::{DocumentsError, Result};
pub use exec::FindQuery;
pub use meta::MetaCache;
pub use model::{
    CollectionName, DocLimits, StoredDocument, check_index_name, check_query_depth, expect_object, parse_body,
};
pub use write::UpdateResult;

use crate::{
    context::AppContext,
    store::{BackendRef, Store},
};
use model::{ID_INDEX, prepare};
use write::{WriteOp, WriteOutcome};

/// An index as listed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct IndexInfo {
    /// Its name.
    pub name: String,
    /// `{"field": 1 | -1, ...}`.
    #[schema(value_type = Object)]
    pub keys: Value,
    /// Whether a key may appear once only.
    pub unique: bool,
}

/// A collection as listed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct CollectionInfo {
    /// Its name.
    pub name: String,
    /// How many documents it holds.
    pub count: u64,
}

/// One collection: every document operation. Cheap to create and clone.
#[derive(Debug, Clone)]
pub struct Collection {
    store: Store,
    name: CollectionName,
    limits: DocLimits,
    meta: Arc<MetaCache>,
}

impl AppContext {
    /// The collection `name`.
    ///
    /// # Errors
    /// An invalid collection name.
    pub fn documents(&self, name: &str) -> Result<Collection> {
        let limits = &self.config().limits;
        Ok(Collection {
            store: self.store().clone(),
            name: CollectionName::parse(name)?,
            meta: Arc::clone(self.doc_meta()),
            limits: DocLimits { max_bytes: limits.max_document_bytes, max_depth: limits.max_document_depth as usize },
        })
    }

    /// Every collection with its document count, by name.
    ///
    /// # Errors
    /// A storage failure.
    pub async fn collections(&self) -> Result<Vec<CollectionInfo>> {
        let rows = match self.store().backend_ref() {
            BackendRef::Sqlite(s) => sqlite::collections(s).await?,
            BackendRef::Postgres(p) => postgres::collections(p).await?,
        };
        Ok(rows.into_iter().map(|(name, count)| CollectionInfo { name, count }).collect())
    }
}

fn parse_filter(filter: &Value, limits: DocLimits) -> Result<Filter> {
    check_query_depth(filter, limits.max_depth, "filter")?;
    Filter::parse(filter, "filter").map_err(DocumentsError::InvalidQuery)
}

fn parse_update(update: &Value, limits: DocLimits) -> Result<Update> {
    check_query_depth(update, limits.max_depth, "update")?;
    Update::parse(update, "update").map_err(DocumentsError::InvalidQuery)
}

impl Collection {
    /// The collection's name.
    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    async fn write(&self, op: WriteOp) -> Result<WriteOutcome> {
        let name = self.name.as_str().to_owned();
        let changes_indexes =
            matches!(op, WriteOp::CreateIndex { .. } | WriteOp::DropIndex { .. } | WriteOp::DropCollection);
        let outcome = match self.store.backend_ref() {
            BackendRef::Sqlite(s) => sqlite::write(s, name, op, self.limits).await,
            BackendRef::Postgres(p) => postgres::write(p, name, op, self.limits).await,
        };
        if changes_indexes {
            // This instance's next read plans with the new index list at once.
            self.meta.forget(self.name.as_str());
        }
        outcome
    }

    /// Inserts one document (`_id` generated as a UUIDv7 string when absent).
    ///
    /// # Errors
    /// An invalid document; [`DocumentsError::DuplicateKey`] for an existing
    /// `_id` or a unique index violation.
    pub async fn insert_one(&self, doc: Value) -> Result<StoredDocument> {
        let mut docs = self.insert_values(vec![doc], false).await?;
        docs.pop()
            .ok_or_else(|| DocumentsError::Store(crate::store::StoreError::Corrupt("insert returned nothing".into())))
    }

    /// Inserts documents, all or none.
    ///
    /// # Errors
    /// As [`Collection::insert_one`], for any of them; then none is stored.
    pub async fn insert_many(&self, docs: Vec<Value>) -> Result<Vec<StoredDocument>> {
        self.insert_values(docs, true).await
    }

    async fn insert_values(&self, docs: Vec<Value>, bulk: bool) -> Result<Vec<StoredDocument>> {
        let mut prepared = Vec::with_capacity(docs.len());
        for (i, doc) in docs.into_iter().enumerate() {
            let path = if bulk { format!("body[{i}]") } else { "body".to_owned() };
            prepared.push(prepare(expect_object(doc, &path)?, self.limits, &path)?);
        }
        let mut seen = std::collections::HashSet::new();
        for doc in &prepared {
            if !seen.insert(doc.id_key.clone()) {
                return Err(model::duplicate_id(doc));
            }
        }
        match self.write(WriteOp::Insert(prepared)).await? {
            WriteOutcome::Inserted(docs) => Ok(docs),
            other => Err(unexpected(&other)),
        }
    }

    /// The document with `_id` = `id`.
    ///
    /// # Errors
    /// A storage failure.
    pub async fn get(&self, id: &Value) -> Result<Option<StoredDocument>> {
        model::check_id(id, "id")?;
        let filter =
            Filter::parse(&serde_json::json!({"_id": {"$eq": id}}), "id").map_err(DocumentsError::InvalidQuery)?;
        Ok(self.find(FindQuery { limit: Some(1), ..FindQuery::all(filter) }).await?.pop())
    }

    /// Replaces (or creates) the document with `_id` = `id`; `true` when created.
    ///
    /// # Errors
    /// A body `_id` different from `id`; a failed `If-Match`; a unique index violation.
    pub async fn replace(&self, id: &Value, doc: Value, if_match: Option<&str>) -> Result<(StoredDocument, bool)> {
        model::check_id(id, "id")?;
        let mut doc = expect_object(doc, "body")?;
        match doc.get("_id") {
            Some(body_id) if !squall_query::values_equal(body_id, id) => {
                return Err(DocumentsError::query(
                    "body._id",
                    format!("_id cannot change: the path says {id}, the body {body_id}"),
                ));
            }
            _ => {
                doc.insert("_id".to_owned(), id.clone());
            }
        }
        let prepared = prepare(doc, self.limits, "body")?;
        match self.write(WriteOp::Replace { doc: prepared, if_match: if_match.map(str::to_owned) }).await? {
            WriteOutcome::Replaced { doc, created } => Ok((doc, created)),
            other => Err(unexpected(&other)),
        }
    }

    /// Applies a MongoDB update document to the document with `_id` = `id`.
    ///
    /// # Errors
    /// A body with no `$` operator or one MongoDB rejects; a missing
    /// document; a failed `If-Match`; a unique index violation.
    pub async fn patch(&self, id: &Value, update: &Value, if_match: Option<&str>) -> Result<StoredDocument> {
        model::check_id(id, "id")?;
        let update = parse_update(update, self.limits)?;
        let op = WriteOp::Patch { id: id.clone(), update: Arc::new(update), if_match: if_match.map(str::to_owned) };
        match self.write(op).await? {
            WriteOutcome::Patched(doc) => Ok(doc),
            other => Err(unexpected(&other)),
        }
    }

    /// Deletes the document with `_id` = `id`.
    ///
    /// # Errors
    /// A missing document; a failed `If-Match`.
    pub async fn delete(&self, id: &Value, if_match: Option<&str>) -> Result<()> {
        model::check_id(id, "id")?;
        match self.write(WriteOp::Delete { id: id.clone(), if_match: if_match.map(str::to_owned) }).await? {
            WriteOutcome::Deleted => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    /// Documents matching a parsed query.
    ///
    /// # Errors
    /// A storage failure.
    pub async fn find(&self, query: FindQuery) -> Result<Vec<StoredDocument>> {
        let name = self.name.as_str().to_owned();
        match self.store.backend_ref() {
            BackendRef::Sqlite(s) => sqlite::find(s, &self.meta, name, query).await,
            BackendRef::Postgres(p) => postgres::find(p, &self.meta, name, query).await,
        }
    }

    /// The first document (in insertion order) matching `filter`.
    ///
    /// # Errors
    /// An invalid filter; a storage failure.
    pub async fn find_one(&self, filter: Value) -> Result<Option<StoredDocument>> {
        let query = FindQuery { limit: Some(1), ..FindQuery::all(parse_filter(&filter, self.limits)?) };
        Ok(self.find(query).await?.pop())
    }

    /// How many documents match `filter`.
    ///
    /// # Errors
    /// An invalid filter; a storage failure.
    pub async fn count(&self, filter: &Value) -> Result<u64> {
        let query = FindQuery::all(parse_filter(filter, self.limits)?);
        let name = self.name.as_str().to_owned();
        match self.store.backend_ref() {
            BackendRef::Sqlite(s) => sqlite::count(s, &self.meta, name, query).await,
            BackendRef::Postgres(p) => postgres::count(p, &self.meta, name, query).await,
        }
    }

    /// Applies `update` to every match; with `upsert`, inserts a document
    /// seeded from the filter's equalities when nothing matches. All or nothing.
    ///
    /// # Errors
    /// A bad filter or update (nothing changed); a unique index violation.
    pub async fn update_many(&self, filter: &Value, update: &Value, upsert: bool) -> Result<UpdateResult> {
        let filter = parse_filter(filter, self.limits)?;
        let update = parse_update(update, self.limits)?;
        match self.write(WriteOp::UpdateMany { filter: Arc::new(filter), update: Arc::new(update), upsert }).await? {
            WriteOutcome::Updated(result) => Ok(result),
            other => Err(unexpected(&other)),
        }
    }

    /// Deletes every match; returns how many.
    ///
    /// # Errors
    /// A bad filter; a storage failure.
    pub async fn delete_many(&self, filter: &Value) -> Result<u64> {
        let filter = parse_filter(filter, self.limits)?;
        match self.write(WriteOp::DeleteMany { filter: Arc::new(filter) }).await? {
            WriteOutcome::DeletedMany(n) => Ok(n),
            other => Err(unexpected(&other)),
        }
    }

    /// Drops the collection with its documents and indexes.
    ///
    /// # Errors
    /// A storage failure.
    pub async fn drop_collection(&self) -> Result<()> {
        match self.write(WriteOp::DropCollection).await? {
            WriteOutcome::Dropped => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    /// Creates an index over existing documents; `false` when the identical
    /// index already exists.
    ///
    /// # Errors
    /// Bad keys or name; [`DocumentsError::IndexConflict`] for a different
    /// index of that name; [`DocumentsError::DuplicateKey`] when `unique`
    /// is violated by existing documents.
    pub async fn create_index(&self, name: &str, keys: &Value, unique: bool) -> Result<bool> {
        check_index_name(name)?;
        IndexSpec::parse(keys).map_err(|e| DocumentsError::query(format!("keys{}", suffix(&e.path)), e.message))?;
        match self.write(WriteOp::CreateIndex { name: name.to_owned(), keys: keys.clone(), unique }).await? {
            WriteOutcome::IndexCreated { created } => Ok(created),
            other => Err(unexpected(&other)),
        }
    }

    /// The indexes, the built-in `_id_` first.
    ///
    /// # Errors
    /// A storage failure.
    pub async fn indexes(&self) -> Result<Vec<IndexInfo>> {
        let name = self.name.as_str().to_owned();
        let loaded = match self.store.backend_ref() {
            BackendRef::Sqlite(s) => sqlite::list_indexes(s, name).await?,
            BackendRef::Postgres(p) => postgres::list_indexes(p, name).await?,
        };
        let builtin = IndexInfo { name: ID_INDEX.to_owned(), keys: serde_json::json!({"_id": 1}), unique: true };
        Ok(std::iter::once(builtin)
            .chain(loaded.into_iter().map(|i| IndexInfo { name: i.name, keys: i.keys, unique: i.unique }))
            .collect())
    }

    /// Drops an index.
    ///
    /// # Errors
    /// `_id_`; a missing index.
    pub async fn drop_index(&self, name: &str) -> Result<()> {
        check_index_name(name)?;
        match self.write(WriteOp::DropIndex { name: name.to_owned() }).await? {
            WriteOutcome::IndexDropped => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    /// The plan chosen for `filter` and, on SQLite, `EXPLAIN QUERY PLAN`'s
    /// lines for its candidate query; on PostgreSQL, `EXPLAIN`'s. For tests
    /// and operators checking that an index is used.
    ///
    /// # Errors
    /// A bad filter; a storage failure.
    pub async fn explain(&self, filter: &Value) -> Result<String> {
        let filter = parse_filter(filter, self.limits)?;
        let name = self.name.as_str().to_owned();
        match self.store.backend_ref() {
            BackendRef::Sqlite(s) => sqlite::explain(s, name, filter).await,
            BackendRef::Postgres(p) => postgres::explain(p, name, filter).await,
        }
    }
}

/// `keys.a` from an IndexSpec error path that may or may not start with a segment.
fn suffix(path: &str) -> String {
    if path.is_empty() { String::new() } else { format!(".{}", path.trim_start_matches('.')) }
}

fn unexpected(outcome: &WriteOutcome) -> DocumentsError {
    DocumentsError::Store(crate::store::StoreError::Corrupt(format!("unexpected write outcome {outcome:?}")))
}
