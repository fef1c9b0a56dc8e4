//! The filter: MongoDB query documents parsed once into a typed expression
//! tree (`Expr`/`Pred`) and evaluated exactly in Rust. Parsing lives in
//! `parse`, evaluation in `eval`; the planner (`crate::plan`) reads the tree.

pub(crate) mod eval;
pub(crate) mod parse;

use regex::Regex;
use serde_json::Value;

use crate::{Document, QueryError};

/// How deeply logical operators, `$elemMatch` and `$not` may nest.
pub(crate) const MAX_FILTER_DEPTH: usize = 100;
/// How deeply a literal operand (e.g. the value of `$eq`) may nest.
pub(crate) const MAX_VALUE_DEPTH: usize = 150;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Gt,
    Gte,
    Lt,
    Lte,
}

/// A `$type` selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeSel {
    /// "number": any numeric type.
    Number,
    /// A BSON type code (types JSON cannot hold never match).
    Code(i64),
}

/// A predicate on the values found at one path.
#[derive(Debug, Clone)]
pub(crate) enum Pred {
    Eq(Value),
    Cmp(CmpOp, Value),
    In(Vec<Value>),
    Exists(bool),
    Type(Vec<TypeSel>),
    Regex(Box<Regex>),
    Size(usize),
    /// `$all` of plain values: every value equals the field or an element.
    All(Vec<Value>),
    /// `$elemMatch` with operators: some element satisfies all of them.
    ElemMatchValue(Vec<Pred>),
    /// `$elemMatch` with a query: some object (or array) element matches it.
    ElemMatchObj(Vec<Expr>),
    /// `$mod: [divisor, remainder]`.
    Mod(i64, i64),
    /// `$not`, `$ne`, `$nin`: none of the conjunction holds.
    Not(Vec<Pred>),
}

/// A node of the filter's expression tree.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Nor(Vec<Expr>),
    /// All predicates hold at `path` (split into `parts`).
    Path {
        path: String,
        parts: Vec<String>,
        preds: Vec<Pred>,
    },
}

/// A parsed MongoDB filter (query document).
///
/// Supports implicit equality, `$eq $ne $gt $gte $lt $lte $in $nin $exists
/// $type $and $or $nor $not $regex $options $size $all $elemMatch $mod` and
/// `$comment` (ignored). `$expr`, `$where`, `$text`, geo and bitwise
/// operators and any other `$` operator are rejected with an error.
#[derive(Debug, Clone)]
pub struct Filter {
    pub(crate) clauses: Vec<Expr>,
}

impl Filter {
    /// Parses `filter`, which must be an object (`{}` matches every
    /// document). Errors name the offending path under `path_prefix`, e.g.
    /// `filter.$or[1].age.$gt`.
    pub fn parse(filter: &Value, path_prefix: &str) -> Result<Filter, QueryError> {
        let clauses = parse::parse_clauses(filter, path_prefix, 0)?;
        Ok(Filter { clauses })
    }

    /// Whether `doc` matches the filter.
    pub fn matches(&self, doc: &Document) -> bool {
        self.clauses.iter().all(|e| eval::eval(e, doc))
    }

    /// Whether the filter has no conditions (matches everything).
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// If every matching document must have `path` equal to one value (an
    /// implicit equality, `$eq`, or a one-element `$in`, at the top level or
    /// inside a top-level `$and`), returns it.
    pub fn equality_on(&self, path: &str) -> Option<&Value> {
        equality_in(&self.clauses, path)
    }

    /// If the whole filter is one string equality on one top-level field
    /// (`{"name": "John"}` or `{"name": {"$eq": "John"}}`), its field and
    /// string. A document matches it exactly when the field is that string
    /// or an array holding it as an element, i.e. exactly when a
    /// single-field index on the field has an entry for the string.
    pub fn string_equality(&self) -> Option<(&str, &str)> {
        match self.clauses.as_slice() {
            [Expr::Path { path, parts, preds }] if parts.len() == 1 => match preds.as_slice() {
                [Pred::Eq(Value::String(s))] => Some((path.as_str(), s.as_str())),
                _ => None,
            },
            _ => None,
        }
    }

    /// Every top-level equality `(path, value)`, in filter order, looking
    /// inside top-level `$and`s (used for upsert seeds).
    pub(crate) fn equalities(&self) -> Vec<(&str, &Value)> {
        let mut out = Vec::new();
        collect_equalities(&self.clauses, &mut out);
        out
    }
}

fn pred_equality(p: &Pred) -> Option<&Value> {
    match p {
        Pred::Eq(v) => Some(v),
        Pred::In(vs) if vs.len() == 1 => vs.first(),
        _ => None,
    }
}

fn equality_in<'a>(clauses: &'a [Expr], path: &str) -> Option<&'a Value> {
    for c in clauses {
        match c {
            Expr::Path { path: p, preds, .. } if p == path => {
                if let Some(v) = preds.iter().find_map(pred_equality) {
                    return Some(v);
                }
            }
            Expr::And(inner) => {
                if let Some(v) = equality_in(inner, path) {
                    return Some(v);
                }
            }
            _ => {}
        }
    }
    None
}

fn collect_equalities<'a>(clauses: &'a [Expr], out: &mut Vec<(&'a str, &'a Value)>) {
    for c in clauses {
        match c {
            Expr::Path { path, preds, .. } => {
                if let Some(v) = preds.iter().find_map(pred_equality) {
                    out.push((path.as_str(), v));
                }
            }
            Expr::And(inner) => collect_equalities(inner, out),
            Expr::Or(inner) if inner.len() == 1 => collect_equalities(inner, out),
            _ => {}
        }
    }
}
