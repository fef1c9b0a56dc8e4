//! A cache of what reads need to plan: each collection's id, index version
//! and indexes. Reads check the cached version against the database in the
//! same snapshot as their candidate query (SQLite: one read transaction;
//! PostgreSQL: one statement), so an index created or dropped by any
//! instance is noticed at once and never silently used stale.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use super::model::LoadedIndex;

/// Entries kept at most; past it the cache starts over (collections are
/// usually few; this only bounds memory against a client creating many).
const MAX_ENTRIES: usize = 4096;

/// One collection's planning metadata.
#[derive(Debug)]
pub(crate) struct CollectionMeta {
    pub(crate) id: i64,
    pub(crate) version: i64,
    pub(crate) indexes: Vec<LoadedIndex>,
}

/// Collection name → metadata, shared by every request of one process.
#[derive(Debug, Default)]
pub struct MetaCache {
    map: RwLock<HashMap<String, Arc<CollectionMeta>>>,
}

impl MetaCache {
    /// The cached metadata of `name` if it is still `(id, version)`.
    pub(crate) fn get(&self, name: &str, id: i64, version: i64) -> Option<Arc<CollectionMeta>> {
        let map = self.map.read().ok()?;
        map.get(name).filter(|m| m.id == id && m.version == version).cloned()
    }

    /// Whatever is cached for `name`, fresh or not (to plan optimistically).
    pub(crate) fn any(&self, name: &str) -> Option<Arc<CollectionMeta>> {
        self.map.read().ok()?.get(name).cloned()
    }

    pub(crate) fn put(&self, name: &str, meta: Arc<CollectionMeta>) {
        if let Ok(mut map) = self.map.write() {
            if map.len() >= MAX_ENTRIES && !map.contains_key(name) {
                map.clear();
            }
            map.insert(name.to_owned(), meta);
        }
    }

    pub(crate) fn forget(&self, name: &str) {
        if let Ok(mut map) = self.map.write() {
            map.remove(name);
        }
    }
}
