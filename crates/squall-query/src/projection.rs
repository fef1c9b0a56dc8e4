//! Projections: inclusion or exclusion of dotted paths (`1/0/true/false`),
//! `_id` included by default, nested paths projected into every element of
//! arrays, output in the document's own field order.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::error::{err, join};
use crate::sort::check_field_path;
use crate::value::{Num, num};
use crate::{Document, QueryError};

#[derive(Debug, Clone, Default)]
struct Node {
    leaf: bool,
    children: HashMap<String, Node>,
}

impl Node {
    fn insert(&mut self, parts: &[&str], at: &str) -> Result<(), QueryError> {
        let Some((first, rest)) = parts.split_first() else {
            return Ok(());
        };
        let child = self.children.entry((*first).to_string()).or_default();
        if child.leaf || (rest.is_empty() && !child.children.is_empty()) {
            return err(at, "path collision with another projected path");
        }
        if rest.is_empty() {
            child.leaf = true;
            Ok(())
        } else {
            child.insert(rest, at)
        }
    }
}

/// A parsed projection.
///
/// Supports inclusion (`1`, `true`, any non-zero number) and exclusion (`0`,
/// `false`) of dotted paths. `$slice`, `$elemMatch`, `$meta`, positional
/// `a.$` and expression values are rejected as unsupported.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    /// `None`: identity (empty projection).
    inclusion: Option<bool>,
    root: Node,
}

fn parse_flag(v: &Value, at: &str) -> Result<bool, QueryError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => Ok(match num(n) {
            Num::Int(i) => i != 0,
            Num::Float(f) => f != 0.0,
        }),
        Value::Object(_) => err(at, "projection operators ($slice, $elemMatch, $meta) are not supported"),
        _ => err(at, "projection values must be 1, 0, true or false (expressions are not supported)"),
    }
}

impl Projection {
    /// Parses a projection object. Mixing inclusion and exclusion (other than
    /// `_id`) is an error naming the offending field under `prefix`.
    pub fn parse(v: &Value, prefix: &str) -> Result<Projection, QueryError> {
        let Value::Object(map) = v else {
            return err(prefix, "projection must be an object");
        };
        let mut mode: Option<bool> = None;
        let mut id_flag: Option<bool> = None;
        let mut id_sub = false;
        let mut fields = Vec::new();
        for (k, val) in map {
            let at = join(prefix, k);
            check_field_path(k, &at)?;
            let include = parse_flag(val, &at)?;
            if k == "_id" {
                id_flag = Some(include);
                continue;
            }
            if k.starts_with("_id.") {
                id_sub = true;
            }
            match mode {
                Some(m) if m != include => {
                    let what = if include { "inclusion" } else { "exclusion" };
                    let other = if m { "inclusion" } else { "exclusion" };
                    return err(&at, format!("cannot do {what} on field {k} in {other} projection"));
                }
                _ => mode = Some(include),
            }
            fields.push((k.clone(), at));
        }
        let inclusion = match (mode, id_flag) {
            (Some(m), _) => m,
            (None, Some(f)) => f,
            (None, None) => return Ok(Projection::default()),
        };
        let mut root = Node::default();
        for (k, at) in &fields {
            let parts: Vec<&str> = k.split('.').collect();
            root.insert(&parts, at)?;
        }
        let id_leaf = match id_flag {
            Some(f) => f == inclusion,
            None => inclusion && !id_sub,
        };
        if id_leaf {
            root.insert(&["_id"], &join(prefix, "_id"))?;
        }
        Ok(Projection { inclusion: Some(inclusion), root })
    }

    /// Applies the projection, keeping the document's field order.
    pub fn apply(&self, doc: &Document) -> Document {
        match self.inclusion {
            None => doc.clone(),
            Some(true) => include(&self.root, doc),
            Some(false) => exclude(&self.root, doc),
        }
    }

    /// Whether the projection returns documents unchanged.
    pub fn is_empty(&self) -> bool {
        self.inclusion.is_none()
    }
}

fn include(node: &Node, m: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in m {
        let Some(child) = node.children.get(k) else {
            continue;
        };
        if child.leaf {
            out.insert(k.clone(), v.clone());
            continue;
        }
        match v {
            Value::Object(inner) => {
                out.insert(k.clone(), Value::Object(include(child, inner)));
            }
            Value::Array(a) => {
                out.insert(k.clone(), Value::Array(include_arr(child, a)));
            }
            _ => {}
        }
    }
    out
}

fn include_arr(node: &Node, a: &[Value]) -> Vec<Value> {
    a.iter()
        .filter_map(|e| match e {
            Value::Object(m) => Some(Value::Object(include(node, m))),
            Value::Array(inner) => Some(Value::Array(include_arr(node, inner))),
            _ => None,
        })
        .collect()
}

fn exclude(node: &Node, m: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in m {
        match node.children.get(k) {
            None => {
                out.insert(k.clone(), v.clone());
            }
            Some(child) if child.leaf => {}
            Some(child) => {
                out.insert(k.clone(), exclude_val(child, v));
            }
        }
    }
    out
}

fn exclude_val(node: &Node, v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(exclude(node, m)),
        Value::Array(a) => Value::Array(a.iter().map(|e| exclude_val(node, e)).collect()),
        other => other.clone(),
    }
}
