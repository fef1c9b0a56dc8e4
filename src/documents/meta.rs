//! A cache of what reads need to plan: each collection's id, index version
//! and indexes. A stale entry must never give a wrong answer:
//!
//! - SQLite reads check the cached version in the same read transaction as
//!   their candidate query.
//! - PostgreSQL reads without an index (full scans, `_id` lookups) get the
//!   version back in the same statement. Reads through an index skip the
//!   check while they find something: an index is created and dropped in one
//!   transaction (its entries with it) and its id is never reused, so any
//!   entry seen proves the index whole in that snapshot, and its answer
//!   exact. When nothing is found, the version is checked before answering.
//!   This rests on three facts of the write path: index ids are never
//!   reused, entries are only written with their index, and collections
//!   are never renamed. An index created by another instance is therefore
//!   used from this instance's next miss, or at the latest after the
//!   periodic re-check ([`MetaCache::recheck_due`]); one created or dropped
//!   through this instance, from its next read (the entry is forgotten).

use std::{
    collections::HashMap,
    sync::{
        Arc, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use super::model::LoadedIndex;

/// Entries kept at most; past it the cache starts over (collections are
/// usually few; this only bounds memory against a client creating many).
const MAX_ENTRIES: usize = 4096;

/// How long a PostgreSQL reader may plan with an entry before one request
/// re-reads its version (to pick up indexes created by another instance).
pub(crate) const RECHECK_EVERY: Duration = Duration::from_secs(1);

/// One collection's planning metadata.
#[derive(Debug)]
pub(crate) struct CollectionMeta {
    pub(crate) id: i64,
    pub(crate) version: i64,
    pub(crate) indexes: Vec<LoadedIndex>,
    /// When the version was last confirmed, in ms since the cache's epoch.
    checked_ms: AtomicU64,
}

impl CollectionMeta {
    pub(crate) fn new(id: i64, version: i64, indexes: Vec<LoadedIndex>) -> Self {
        Self { id, version, indexes, checked_ms: AtomicU64::new(u64::MAX) }
    }
}

/// Collection name → metadata, shared by every request of one process.
#[derive(Debug)]
pub struct MetaCache {
    map: RwLock<HashMap<String, Arc<CollectionMeta>>>,
    epoch: Instant,
}

impl Default for MetaCache {
    fn default() -> Self {
        Self { map: RwLock::default(), epoch: Instant::now() }
    }
}

impl MetaCache {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1)
    }

    /// Whether `meta` was last confirmed more than `every` ago; `true` for
    /// exactly one caller per period (it claims the re-check), so concurrent
    /// readers do not all re-read the same row.
    pub(crate) fn recheck_due(&self, meta: &CollectionMeta, every: Duration) -> bool {
        let now = self.now_ms();
        let every = u64::try_from(every.as_millis()).unwrap_or(u64::MAX);
        let last = meta.checked_ms.load(Ordering::Relaxed);
        if last != u64::MAX && now.saturating_sub(last) < every {
            return false;
        }
        meta.checked_ms.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }

    /// Records that `meta` was confirmed current just now.
    pub(crate) fn confirmed(&self, meta: &CollectionMeta) {
        meta.checked_ms.store(self.now_ms(), Ordering::Relaxed);
    }

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
        self.confirmed(&meta);
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
