//! Query execution shared by both backends: candidates arrive in insertion
//! order (from a full scan or an index range); the one matcher decides; a
//! bounded top-k keeps only `skip + limit` documents when sorting; without
//! a sort the scan stops as soon as enough documents matched.

use std::{cmp::Ordering, ops::ControlFlow};

use squall_query::{Filter, Projection, Sort};

use super::{
    error::Result,
    model::{StoreCorrupt, StoredDocument, is_json_object, load_doc},
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
    /// The candidates are exactly the matches (`plan::decides`): no
    /// matcher, and no parsing unless sort or projection need the document.
    decided: bool,
}

impl<'q> Collector<'q> {
    pub(crate) fn new(query: &'q FindQuery) -> Self {
        let keep = query.limit.map(|l| usize::try_from(l.saturating_add(query.skip)).unwrap_or(usize::MAX));
        Self { query, keep, found: Vec::new(), count_only: false, counted: 0, decided: false }
    }

    /// An empty collector for the same query and mode (a retried read).
    pub(crate) fn fresh(&self) -> Self {
        Self { found: Vec::new(), counted: 0, decided: false, ..*self }
    }

    /// How many rows the store may stop after: `skip + limit` when the plan
    /// decides the filter and no sort needs every match; `None` otherwise.
    pub(crate) fn row_limit(&self) -> Option<i64> {
        if !self.decided || self.count_only || self.query.sort.is_some() {
            return None;
        }
        self.keep.map(|keep| i64::try_from(keep).unwrap_or(i64::MAX))
    }

    /// Says whether the plan about to feed rows decides the filter alone.
    pub(crate) fn set_decided(&mut self, decided: bool) {
        self.decided = decided;
    }

    /// Counts matches without keeping them.
    pub(crate) fn counting(query: &'q FindQuery) -> Self {
        Self { count_only: true, ..Self::new(query) }
    }

    fn order(&self, a: &StoredDocument, b: &StoredDocument) -> Ordering {
        match &self.query.sort {
            Some(sort) => sort.compare(a.doc(), b.doc()).then(a.seq.cmp(&b.seq)),
            None => a.seq.cmp(&b.seq),
        }
    }

    /// Offers one stored row; `Break` when no later row can change the answer.
    pub(crate) fn push(&mut self, seq: i64, body: String, etag: String) -> Result<ControlFlow<()>> {
        if self.decided && self.count_only {
            self.counted += 1;
            return Ok(ControlFlow::Continue(()));
        }
        if self.decided && self.query.sort.is_none() && self.query.projection.is_none() {
            if !is_json_object(&body) {
                return Err(StoreCorrupt(format!("document #{seq} is not a JSON object")).into());
            }
            return Ok(self.accept(StoredDocument::unparsed(body, etag, seq)));
        }
        let doc = load_doc(seq, body, etag)?;
        Ok(self.push_doc(doc))
    }

    /// Offers one parsed document.
    pub(crate) fn push_doc(&mut self, doc: StoredDocument) -> ControlFlow<()> {
        if !self.decided && !self.query.filter.matches(doc.doc()) {
            return ControlFlow::Continue(());
        }
        self.accept(doc)
    }

    /// Keeps (or counts) one match.
    fn accept(&mut self, doc: StoredDocument) -> ControlFlow<()> {
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
                let projected = projection.apply(doc.doc());
                doc.set_doc(projected);
            }
        }
        out
    }
}
