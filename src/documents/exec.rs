//! Query execution shared by both backends: candidates arrive in insertion
//! order (from a full scan or an index range); the one matcher decides; a
//! bounded top-k keeps only `skip + limit` documents when sorting; without
//! a sort the scan stops as soon as enough documents matched.

use std::{cmp::Ordering, ops::ControlFlow};

use squall_query::{Filter, Projection, Sort};

use super::{
    error::Result,
    model::{StoredDocument, load_doc},
};

/// A parsed `find`: filter, sort, projection, skip and limit.
#[derive(Debug)]
pub struct FindQuery {
    /// Which documents.
    pub filter: Filter,
    /// In which order (insertion order when `None`).
    pub sort: Option<Sort>,
    /// Which fields.
    pub projection: Option<Projection>,
    /// How many matches to pass over.
    pub skip: u64,
    /// How many to return (`None`: all, for internal scans).
    pub limit: Option<u64>,
}

impl FindQuery {
    /// Every document matching `filter`, no sort, skip or limit.
    pub fn all(filter: Filter) -> Self {
        Self { filter, sort: None, projection: None, skip: 0, limit: None }
    }
}

/// Collects matching documents from rows fed in insertion order.
pub(crate) struct Collector<'q> {
    query: &'q FindQuery,
    /// skip + limit: how many documents the answer depends on.
    keep: Option<usize>,
    found: Vec<StoredDocument>,
    count_only: bool,
    counted: u64,
}

impl<'q> Collector<'q> {
    pub(crate) fn new(query: &'q FindQuery) -> Self {
        let keep = query.limit.map(|l| usize::try_from(l.saturating_add(query.skip)).unwrap_or(usize::MAX));
        Self { query, keep, found: Vec::new(), count_only: false, counted: 0 }
    }

    /// An empty collector for the same query and mode (a retried read).
    pub(crate) fn fresh(&self) -> Self {
        Self { query: self.query, keep: self.keep, found: Vec::new(), count_only: self.count_only, counted: 0 }
    }

    /// Counts matches without keeping them.
    pub(crate) fn counting(query: &'q FindQuery) -> Self {
        Self { count_only: true, ..Self::new(query) }
    }

    fn order(&self, a: &StoredDocument, b: &StoredDocument) -> Ordering {
        match &self.query.sort {
            Some(sort) => sort.compare(&a.doc, &b.doc).then(a.seq.cmp(&b.seq)),
            None => a.seq.cmp(&b.seq),
        }
    }

    /// Offers one stored row; `Break` when no later row can change the answer.
    pub(crate) fn push(&mut self, seq: i64, body: String, etag: String) -> Result<ControlFlow<()>> {
        let doc = load_doc(seq, body, etag)?;
        Ok(self.push_doc(doc))
    }

    /// Offers one parsed document.
    pub(crate) fn push_doc(&mut self, doc: StoredDocument) -> ControlFlow<()> {
        if !self.query.filter.matches(&doc.doc) {
            return ControlFlow::Continue(());
        }
        if self.count_only {
            self.counted += 1;
            return ControlFlow::Continue(());
        }
        self.found.push(doc);
        match (self.keep, &self.query.sort) {
            (Some(keep), None) if self.found.len() >= keep => ControlFlow::Break(()),
            (Some(keep), Some(_)) if self.found.len() >= keep.saturating_mul(2).max(64) => {
                // Amortised top-k: sort and drop the tail whenever the buffer
                // doubles, so memory stays O(skip + limit).
                self.prune(keep);
                ControlFlow::Continue(())
            }
            _ => ControlFlow::Continue(()),
        }
    }

    fn prune(&mut self, keep: usize) {
        let mut found = std::mem::take(&mut self.found);
        found.sort_by(|a, b| self.order(a, b));
        found.truncate(keep);
        self.found = found;
    }

    /// How many matched (counting mode).
    pub(crate) fn count(&self) -> u64 {
        self.counted
    }

    /// The answer: ordered, skipped, limited and projected.
    pub(crate) fn finish(mut self) -> Vec<StoredDocument> {
        if self.query.sort.is_some() {
            let mut found = std::mem::take(&mut self.found);
            found.sort_by(|a, b| self.order(a, b));
            self.found = found;
        } else {
            // Index candidates may arrive out of insertion order.
            self.found.sort_by_key(|d| d.seq);
        }
        let skip = usize::try_from(self.query.skip).unwrap_or(usize::MAX);
        let mut out: Vec<StoredDocument> = self.found.into_iter().skip(skip).collect();
        if let Some(limit) = self.query.limit {
            out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        if let Some(projection) = &self.query.projection {
            for doc in &mut out {
                doc.doc = projection.apply(&doc.doc);
                doc.text = None;
            }
        }
        out
    }
}
