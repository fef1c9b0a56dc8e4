//! The planner: picks the index (the built-in `_id_` or a secondary one)
//! whose key ranges narrow a filter the most, and renders ranges as SQL
//! conditions with bound parameters. The matcher re-checks every candidate,
//! so a plan only has to be a superset of the answer.

use squall_query::{Filter, KeyBound, KeyRange, key_successor};

use super::model::{LoadedIndex, id_index_spec};

/// How to find the candidates of a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Every document of the collection.
    FullScan,
    /// Documents whose `_id` key is in these ranges.
    Ids(Vec<KeyRange>),
    /// Documents with an entry of this index in these ranges.
    Index {
        /// The index row id.
        id: i64,
        /// The index name (for logs and EXPLAIN tests).
        name: String,
        /// Its ranges.
        ranges: Vec<KeyRange>,
    },
}

fn is_point(range: &KeyRange) -> bool {
    matches!((&range.start, &range.end), (KeyBound::Included(a), KeyBound::Included(b)) if a == b)
}

/// The key of `ranges` when they are one point (an equality).
pub(crate) fn single_point(ranges: &[KeyRange]) -> Option<&[u8]> {
    match ranges {
        [range] if is_point(range) => match &range.start {
            KeyBound::Included(key) => Some(key),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a range holds one whole key of a single-field index: the planner
/// renders an equality as `[key, successor(key))`, and a single field's
/// encoding is prefix-free, so that range is exactly one key.
fn is_exact(range: &KeyRange) -> bool {
    match (&range.start, &range.end) {
        (KeyBound::Included(a), KeyBound::Included(b)) => a == b,
        (KeyBound::Included(a), KeyBound::Excluded(b)) => key_successor(a).as_ref() == Some(b),
        _ => false,
    }
}

/// A rough selectivity score: point lookups on unique keys first.
fn score(ranges: &[KeyRange], unique: bool, single_field: bool) -> u8 {
    let points = single_field && ranges.iter().all(is_exact);
    match (points, unique) {
        (true, true) => 4,
        (true, false) => 3,
        (false, true) => 2,
        (false, false) => 1,
    }
}

/// Chooses how to find `filter`'s candidates among `indexes`.
pub(crate) fn plan(filter: &Filter, indexes: &[LoadedIndex]) -> Plan {
    if filter.is_empty() {
        return Plan::FullScan;
    }
    if let Some(ranges) = filter.index_ranges(id_index_spec())
        && ranges.iter().all(is_exact)
    {
        return Plan::Ids(points(ranges, true));
    }
    let mut best: Option<(u8, Plan)> = None;
    for index in indexes {
        if let Some(ranges) = filter.index_ranges(&index.spec) {
            let single_field = index.spec.fields.len() == 1;
            let s = score(&ranges, index.unique, single_field);
            if best.as_ref().is_none_or(|(b, _)| s > *b) {
                let ranges = points(ranges, single_field);
                best = Some((s, Plan::Index { id: index.id, name: index.name.clone(), ranges }));
            }
        }
    }
    if let Some((_, plan)) = best {
        return plan;
    }
    match filter.index_ranges(id_index_spec()) {
        Some(ranges) => Plan::Ids(points(ranges, true)),
        None => Plan::FullScan,
    }
}

/// Whether `plan`'s candidates are exactly the documents `filter` matches,
/// so the matcher need not see them: an empty filter, or a lone string
/// equality on `_id` or on a top-level field through a single-field index
/// on it. Strings only: a
/// string's key is its UTF-8 bytes, so equal keys are equal strings, and an
/// array holding the string has an entry for it, as MongoDB's equality
/// matches it. (Numbers are left to the matcher: 1 and 1.0 share a key.)
pub(crate) fn decides(plan: &Plan, filter: &Filter, indexes: &[LoadedIndex]) -> bool {
    if filter.is_empty() {
        return true; // every document matches
    }
    let Some((path, _)) = filter.string_equality() else { return false };
    match plan {
        Plan::FullScan => false,
        Plan::Ids(_) => path == "_id",
        Plan::Index { id, .. } => indexes
            .iter()
            .find(|index| index.id == *id)
            .is_some_and(|index| matches!(index.spec.fields.as_slice(), [(field, _)] if field == path)),
    }
}

/// Rewrites ranges that hold exactly one key of a single-field index as
/// points, so the SQL says `key = $n`: besides being clearer, PostgreSQL
/// then caches a generic plan instead of re-planning a range every time.
fn points(ranges: Vec<KeyRange>, single_field: bool) -> Vec<KeyRange> {
    if !single_field {
        return ranges;
    }
    ranges
        .into_iter()
        .map(|range| match (&range.start, is_exact(&range)) {
            (KeyBound::Included(key), true) => {
                KeyRange { start: KeyBound::Included(key.clone()), end: KeyBound::Included(key.clone()) }
            }
            _ => range,
        })
        .collect()
}

/// [`range_sql`] with numbered placeholders `{sigil}{first}`, `{sigil}{first+1}`,
/// ... (`$3` for PostgreSQL, `?3` for SQLite).
pub(crate) fn numbered_range_sql(
    column: &str,
    ranges: &[KeyRange],
    sigil: char,
    first: usize,
) -> (String, Vec<Vec<u8>>) {
    let mut n = first;
    range_sql(column, ranges, &mut || {
        let placeholder = format!("{sigil}{n}");
        n += 1;
        placeholder
    })
}

/// `(col >= ? AND col < ?) OR ...` for `ranges`, with the byte strings to
/// bind in order. Column names come from squall's code, never from input.
pub(crate) fn range_sql(
    column: &str,
    ranges: &[KeyRange],
    placeholder: &mut dyn FnMut() -> String,
) -> (String, Vec<Vec<u8>>) {
    let mut parts = Vec::with_capacity(ranges.len());
    let mut binds = Vec::new();
    for range in ranges {
        let mut conds = Vec::with_capacity(2);
        if is_point(range) {
            if let KeyBound::Included(key) = &range.start {
                conds.push(format!("{column} = {}", placeholder()));
                binds.push(key.clone());
            }
        } else {
            for (bound, incl, excl) in [(&range.start, ">=", ">"), (&range.end, "<=", "<")] {
                match bound {
                    KeyBound::Unbounded => {}
                    KeyBound::Included(key) => {
                        conds.push(format!("{column} {incl} {}", placeholder()));
                        binds.push(key.clone());
                    }
                    KeyBound::Excluded(key) => {
                        conds.push(format!("{column} {excl} {}", placeholder()));
                        binds.push(key.clone());
                    }
                }
            }
        }
        parts.push(if conds.is_empty() { "TRUE".to_owned() } else { format!("({})", conds.join(" AND ")) });
    }
    if parts.is_empty() { ("FALSE".to_owned(), binds) } else { (format!("({})", parts.join(" OR ")), binds) }
}

/// Whether a caller-supplied `If-Match` value allows writing over `etag`
/// (`None` when the document does not exist).
pub(crate) fn if_match_allows(if_match: Option<&str>, etag: Option<&str>) -> bool {
    match (if_match, etag) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(header), Some(etag)) => {
            header.split(',').map(str::trim).any(|t| t == "*" || t == etag || t.strip_prefix("W/") == Some(etag))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_follows_rfc_9110() {
        assert!(if_match_allows(None, None));
        assert!(!if_match_allows(Some("*"), None), "If-Match on a missing document fails");
        assert!(if_match_allows(Some("*"), Some("\"a\"")));
        assert!(if_match_allows(Some("\"x\", \"a\""), Some("\"a\"")));
        assert!(!if_match_allows(Some("\"x\""), Some("\"a\"")));
    }

    #[test]
    fn an_id_equality_is_planned_on_the_id_index_even_beside_a_usable_secondary_index() {
        let by_name = super::super::model::load_index(1, "by_name".into(), r#"{"name": 1}"#, false);
        let Ok(by_name) = by_name else { panic!("index") };
        let filter = Filter::parse(&serde_json::json!({"_id": "x", "name": "John"}), "filter");
        let Ok(filter) = filter else { panic!("filter") };
        assert!(
            matches!(plan(&filter, std::slice::from_ref(&by_name)), Plan::Ids(_)),
            "{:?}",
            plan(&filter, std::slice::from_ref(&by_name))
        );
        let Ok(filter) = Filter::parse(&serde_json::json!({"_id": {"$gt": "a"}, "name": "John"}), "filter") else {
            panic!("filter")
        };
        assert!(matches!(plan(&filter, &[by_name]), Plan::Index { .. }), "an _id range loses to an equality");
    }

    #[test]
    fn ranges_render_with_placeholders_only() {
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        let ranges = vec![
            KeyRange { start: KeyBound::Included(vec![1]), end: KeyBound::Included(vec![1]) },
            KeyRange { start: KeyBound::Excluded(vec![2]), end: KeyBound::Unbounded },
        ];
        let (sql, binds) = range_sql("e.key", &ranges, &mut next);
        assert_eq!(sql, "((e.key = $1) OR (e.key > $2))");
        assert_eq!(binds, vec![vec![1], vec![2]]);
    }
}
