//! Names, ids and stored documents: the rules every write is checked
//! against before any SQL runs.

use std::sync::OnceLock;

use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use squall_query::{Document, IndexSpec, QueryError, check_integer_range, validate_document_at};

use super::error::{DocumentsError, Result};

/// A valid collection name (`^[A-Za-z0-9_-]{1,64}$`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CollectionName(String);

fn is_valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl CollectionName {
    /// Checks a name.
    ///
    /// # Errors
    /// [`DocumentsError::InvalidCollectionName`].
    pub fn parse(name: &str) -> Result<Self> {
        if is_valid_name(name) {
            Ok(Self(name.to_owned()))
        } else {
            Err(DocumentsError::InvalidCollectionName(name.into()))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks an index name (same rule as collections).
///
/// # Errors
/// [`DocumentsError::InvalidIndexName`].
pub fn check_index_name(name: &str) -> Result<()> {
    if is_valid_name(name) { Ok(()) } else { Err(DocumentsError::InvalidIndexName(name.into())) }
}

/// The built-in index on `_id`.
pub(crate) const ID_INDEX: &str = "_id_";

/// The `_id` index's spec: its key of a document is the document's id key.
/// Built once: every plan consults it.
pub(crate) fn id_index_spec() -> &'static IndexSpec {
    static SPEC: std::sync::LazyLock<IndexSpec> = std::sync::LazyLock::new(|| {
        // {"_id": 1} always parses; the fallback is unreachable but panics are not allowed.
        IndexSpec::parse(&serde_json::json!({"_id": 1})).unwrap_or_else(|_| IndexSpec { fields: Vec::new() })
    });
    &SPEC
}

/// The id key of an `_id` value (equal ids, such as 1 and 1.0, share it).
pub(crate) fn id_key(id: &Value) -> Vec<u8> {
    let mut key = Vec::with_capacity(16);
    squall_query::encode_key(id, &mut key);
    key
}

/// Checks an `_id` given in a path or body.
///
/// # Errors
/// An `_id` that is not a string or number.
pub(crate) fn check_id(id: &Value, path: &str) -> Result<()> {
    match id {
        Value::String(_) | Value::Number(_) => Ok(()),
        _ => Err(DocumentsError::InvalidDocument(QueryError::new(
            path,
            "_id must be a string or a number (never an object, array, boolean or null)",
        ))),
    }
}

/// A document as stored: its JSON, insertion sequence and ETag.
///
/// Holds the stored JSON text, the parsed document, or both: a read whose
/// index lookup alone decides the answer (see `exec`) never parses what it
/// only sends back; [`doc`](Self::doc) parses on first use.
#[derive(Debug, Clone)]
pub struct StoredDocument {
    /// The parsed document (`_id` first), once needed.
    doc: OnceLock<Document>,
    /// Its ETag (quoted), which changes when the content changes.
    pub etag: String,
    pub(crate) seq: i64,
    /// The stored JSON text when the document is exactly it (no projection
    /// applied): answers send it as is instead of serialising it again.
    text: Option<String>,
}

impl PartialEq for StoredDocument {
    fn eq(&self, other: &Self) -> bool {
        self.etag == other.etag && self.doc() == other.doc()
    }
}

impl StoredDocument {
    /// A document with its stored text, both already at hand.
    pub(crate) fn new(doc: Document, etag: String, seq: i64, text: Option<String>) -> Self {
        Self { doc: OnceLock::from(doc), etag, seq, text }
    }

    /// A stored text known to be one JSON object, parsed only if asked.
    pub(crate) fn unparsed(text: String, etag: String, seq: i64) -> Self {
        Self { doc: OnceLock::new(), etag, seq, text: Some(text) }
    }

    /// The document (`_id` first).
    pub fn doc(&self) -> &Document {
        self.doc.get_or_init(|| {
            // `unparsed` texts were checked to be one JSON object, so this
            // parse cannot fail; an empty document is the safe fallback.
            match self.text.as_deref().map(serde_json::from_str::<Value>) {
                Some(Ok(Value::Object(doc))) => doc,
                _ => {
                    tracing::error!(seq = self.seq, "corrupt stored document: its text is not a JSON object");
                    Document::new()
                }
            }
        })
    }

    /// The document, owned.
    pub fn into_doc(mut self) -> Document {
        self.doc();
        self.doc.take().unwrap_or_default()
    }

    /// Replaces the document (a projection): the stored text no longer applies.
    pub(crate) fn set_doc(&mut self, doc: Document) {
        self.doc = OnceLock::from(doc);
        self.text = None;
    }

    /// The document as JSON text: the stored text when it is the document
    /// as read (the common case), otherwise the document serialised.
    pub fn into_json(self) -> String {
        match self.text {
            Some(text) => text,
            None => Value::Object(self.into_doc()).to_string(),
        }
    }

    /// Appends the document's JSON text to `out`.
    pub fn write_json(&self, out: &mut String) {
        match &self.text {
            Some(text) => out.push_str(text),
            // A map of JSON values always serialises; no clone to get a Value.
            None => out.push_str(&serde_json::to_string(self.doc()).unwrap_or_default()),
        }
    }

    /// The `_id`.
    pub fn id(&self) -> Option<&Value> {
        self.doc().get("_id")
    }
}

/// A document ready to be written: validated, `_id` first, serialized.
#[derive(Debug, Clone)]
pub(crate) struct PreparedDoc {
    pub(crate) doc: Document,
    pub(crate) body: String,
    pub(crate) etag: String,
    pub(crate) id_key: Vec<u8>,
}

/// The ETag of a document's text: a content hash, so an update that changes
/// nothing keeps it and a re-created document never reuses an old one.
pub(crate) fn etag_of(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    format!("\"{}\"", hex::encode(&digest[..16]))
}

/// The limits a document is checked against.
#[derive(Debug, Clone, Copy)]
pub struct DocLimits {
    /// `limits.max_document_bytes`.
    pub max_bytes: u64,
    /// `limits.max_document_depth`.
    pub max_depth: usize,
}

/// Moves `_id` to the front (MongoDB stores it first), generating a
/// UUIDv7 string when absent.
pub(crate) fn with_id_first(mut doc: Document) -> Document {
    let id = doc.shift_remove("_id").unwrap_or_else(|| Value::String(uuid::Uuid::now_v7().to_string()));
    let mut out = Map::with_capacity(doc.len() + 1);
    out.insert("_id".to_owned(), id);
    out.extend(doc);
    out
}

/// Validates and serializes a document to store. `path` names it in errors
/// (`body`, `body[3]`).
pub(crate) fn prepare(doc: Document, limits: DocLimits, path: &str) -> Result<PreparedDoc> {
    let doc = with_id_first(doc);
    let value = Value::Object(doc);
    validate_document_at(&value, limits.max_depth, path).map_err(DocumentsError::InvalidDocument)?;
    let Value::Object(doc) = value else {
        return Err(DocumentsError::InvalidDocument(QueryError::new(path, "a document must be a JSON object")));
    };
    let id = doc.get("_id").cloned().unwrap_or(Value::Null);
    check_id(&id, &format!("{path}._id"))?;
    let body = serde_json::to_string(&doc)
        .map_err(|e| DocumentsError::InvalidDocument(QueryError::new(path, e.to_string())))?;
    if body.len() as u64 > limits.max_bytes {
        return Err(DocumentsError::DocumentTooLarge { path: path.into(), size: body.len(), limit: limits.max_bytes });
    }
    let etag = etag_of(&body);
    Ok(PreparedDoc { id_key: id_key(&id), doc, body, etag })
}

/// Checks that a query part (filter, sort, projection, update) nests at most
/// `max_depth` levels (`limits.max_document_depth` covers queries too),
/// counting the value itself as level 1 as for documents.
///
/// # Errors
/// An invalid query naming `path`.
pub fn check_query_depth(value: &Value, max_depth: usize, path: &str) -> Result<()> {
    let mut stack: Vec<(&Value, usize)> = vec![(value, 1)];
    while let Some((v, level)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Object(m) => Box::new(m.values()),
            Value::Array(a) => Box::new(a.iter()),
            _ => continue,
        };
        if level > max_depth {
            return Err(DocumentsError::query(
                path,
                format!("nested deeper than {max_depth} levels (limits.max_document_depth)"),
            ));
        }
        stack.extend(children.filter(|c| c.is_object() || c.is_array()).map(|c| (c, level + 1)));
    }
    Ok(())
}

/// Parses a JSON body into one document or an array of documents, refusing
/// integers outside [-2^63, 2^64-1] (serde_json would turn them into floats).
///
/// # Errors
/// A 400 naming what is wrong.
pub fn parse_body(raw: &[u8]) -> Result<Value> {
    check_integer_range(raw).map_err(DocumentsError::InvalidDocument)?;
    serde_json::from_slice(raw).map_err(|e| {
        let message = if e.to_string().contains("recursion limit") {
            "the body is nested too deeply".to_owned()
        } else {
            format!("not valid JSON: {e}")
        };
        DocumentsError::InvalidDocument(QueryError::new("body", message))
    })
}

/// The document at `path`, which must be a JSON object.
///
/// # Errors
/// Anything but an object.
pub fn expect_object(value: Value, path: &str) -> Result<Document> {
    match value {
        Value::Object(doc) => Ok(doc),
        other => Err(DocumentsError::InvalidDocument(QueryError::new(
            path,
            format!("a document must be a JSON object, not {}", kind_of(&other)),
        ))),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An index as stored.
#[derive(Debug, Clone)]
pub(crate) struct LoadedIndex {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) keys: Value,
    pub(crate) spec: IndexSpec,
    pub(crate) unique: bool,
}

/// One entry to write: (index id, key, unique).
pub(crate) type Entry = (i64, Vec<u8>, bool);

/// The entries of `doc` in every index.
pub(crate) fn entries_for(indexes: &[LoadedIndex], doc: &Document) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for index in indexes {
        let keys = index.spec.keys(doc).map_err(|e| {
            DocumentsError::InvalidDocument(QueryError::new(format!("index {}", index.name), e.to_string()))
        })?;
        entries.extend(keys.into_iter().map(|key| (index.id, key, index.unique)));
    }
    Ok(entries)
}

/// Parses a stored index's keys.
pub(crate) fn load_index(id: i64, name: String, keys_text: &str, unique: bool) -> Result<LoadedIndex> {
    let keys: Value = serde_json::from_str(keys_text).map_err(|e| StoreCorrupt(format!("index {name}: {e}")))?;
    let spec = IndexSpec::parse(&keys).map_err(|e| StoreCorrupt(format!("index {name}: {e}")))?;
    Ok(LoadedIndex { id, name, keys, spec, unique })
}

/// Parses a stored document's text.
pub(crate) fn load_doc(seq: i64, body: String, etag: String) -> Result<StoredDocument> {
    match serde_json::from_str(&body) {
        Ok(Value::Object(doc)) => Ok(StoredDocument::new(doc, etag, seq, Some(body))),
        _ => Err(StoreCorrupt(format!("document #{seq} is not a JSON object")).into()),
    }
}

/// Whether `text` is one JSON object, checked without building it (much
/// cheaper than parsing: no allocation).
pub(crate) fn is_json_object(text: &str) -> bool {
    struct ObjectOnly;
    impl<'de> Visitor<'de> for ObjectOnly {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(())
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_map(ObjectOnly).and_then(|()| de.end()).is_ok()
}

/// Stored data that does not parse: a bug or tampering, never client input.
#[derive(Debug, thiserror::Error)]
#[error("corrupt stored data: {0}")]
pub struct StoreCorrupt(pub String);

impl From<StoreCorrupt> for DocumentsError {
    fn from(e: StoreCorrupt) -> Self {
        DocumentsError::Store(crate::store::StoreError::Corrupt(e.0))
    }
}

/// Now, as RFC 3339 UTC text (collection creation times).
pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// A duplicate `_id`.
pub(crate) fn duplicate_id(doc: &PreparedDoc) -> DocumentsError {
    let id = doc.doc.get("_id").map(ToString::to_string).unwrap_or_default();
    DocumentsError::DuplicateKey(format!("a document with _id {id} already exists"))
}

/// A unique index violation, naming the index.
pub(crate) fn duplicate_in(indexes: &[LoadedIndex], index: i64) -> DocumentsError {
    let name = indexes.iter().find(|i| i.id == index).map_or("?", |i| i.name.as_str());
    DocumentsError::DuplicateKey(format!("the unique index {name:?} already holds this key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collection_names_follow_the_pattern() {
        for ok in ["a", "people", "A-b_9", &"x".repeat(64)] {
            assert!(CollectionName::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a.b", "a b", "é", &"x".repeat(65), "a/b", "$x"] {
            assert!(CollectionName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn id_goes_first_and_is_generated_when_absent() {
        let doc = expect_object(serde_json::json!({"b": 1, "_id": 7, "a": 2}), "body").unwrap_or_default();
        let keys: Vec<String> = with_id_first(doc).keys().cloned().collect();
        assert_eq!(keys, ["_id", "b", "a"]);
        let generated = with_id_first(Document::new());
        assert!(generated.get("_id").and_then(Value::as_str).is_some_and(|s| uuid::Uuid::parse_str(s).is_ok()));
    }

    #[test]
    fn equal_ids_share_a_key_and_different_types_do_not() {
        assert_eq!(id_key(&serde_json::json!(1)), id_key(&serde_json::json!(1.0)));
        assert_ne!(id_key(&serde_json::json!(1)), id_key(&serde_json::json!("1")));
    }

    #[test]
    fn query_depth_counts_the_value_as_level_one() {
        let nest = |n: usize| (0..n).fold(serde_json::json!(1), |v, _| serde_json::json!({"a": v}));
        assert!(check_query_depth(&nest(100), 100, "filter").is_ok());
        assert!(check_query_depth(&nest(101), 100, "filter").is_err());
        assert!(check_query_depth(&serde_json::json!([[1]]), 2, "sort").is_ok());
        assert!(check_query_depth(&serde_json::json!([[[1]]]), 2, "sort").is_err());
    }

    #[test]
    fn out_of_range_integers_and_too_deep_bodies_are_refused() {
        assert!(parse_body(b"{\"a\": 18446744073709551616}").is_err());
        assert!(parse_body(b"{\"a\": 18446744073709551615, \"b\": -9223372036854775808}").is_ok());
        let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
        assert!(parse_body(deep.as_bytes()).is_err());
    }
}
