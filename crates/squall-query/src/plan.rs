//! The planner: which encoded-key ranges of an index can hold every document
//! a filter matches (a superset; the caller re-checks with `Filter::matches`).

use crate::Filter;
use crate::IndexSpec;

/// One end of a key range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyBound {
    /// No bound.
    Unbounded,
    /// Keys >= (start) or <= (end) these bytes.
    Included(Vec<u8>),
    /// Keys > (start) or < (end) these bytes.
    Excluded(Vec<u8>),
}

/// A range of encoded keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    /// The lower end.
    pub start: KeyBound,
    /// The upper end.
    pub end: KeyBound,
}

impl Filter {
    /// The key ranges of `index` that hold every matching document, sorted
    /// and non-overlapping; `None` when this index cannot narrow the filter.
    pub fn index_ranges(&self, _index: &IndexSpec) -> Option<Vec<KeyRange>> {
        None
    }
}
