//! Property: for random documents and filters, a collection with indexes
//! (so the planner pushes ranges down to the index entries) answers exactly
//! as a collection without any index (a full scan through the matcher).

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app};

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-3i64..4).prop_map(Value::from),
        prop_oneof![Just(1.5f64), Just(-0.5), Just(2.0), Just(0.0)].prop_map(Value::from),
        prop_oneof![Just("a"), Just("b"), Just("ab"), Just("")].prop_map(Value::from),
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
    ]
}

/// An array element: mostly scalars, also objects with or without `c`
/// and nested arrays (MongoDB's path and null rules differ for each).
fn element() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => scalar(),
        1 => scalar().prop_map(|v| json!({"c": v})),
        1 => Just(json!({})),
        1 => prop::collection::vec(scalar(), 0..2).prop_map(Value::Array),
    ]
}

fn field_value() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        3 => scalar().prop_map(Some),
        1 => prop::collection::vec(element(), 0..3).prop_map(|v| Some(Value::Array(v))),
        1 => scalar().prop_map(|v| Some(json!({"c": v}))),
        1 => Just(None),
    ]
}

fn document() -> impl Strategy<Value = Value> {
    // b is never an array: a compound index over two arrays is refused
    // ("cannot index parallel arrays"), as MongoDB does.
    let b = prop_oneof![3 => scalar().prop_map(Some), 1 => Just(None)];
    (field_value(), b).prop_map(|(a, b)| {
        let mut doc = serde_json::Map::new();
        if let Some(a) = a {
            doc.insert("a".into(), a);
        }
        if let Some(b) = b {
            doc.insert("b".into(), b);
        }
        Value::Object(doc)
    })
}

fn condition() -> impl Strategy<Value = Value> {
    prop_oneof![
        scalar(),
        scalar().prop_map(|v| json!({"$eq": v})),
        scalar().prop_map(|v| json!({"$gt": v})),
        scalar().prop_map(|v| json!({"$gte": v})),
        scalar().prop_map(|v| json!({"$lt": v})),
        scalar().prop_map(|v| json!({"$lte": v})),
        (scalar(), scalar()).prop_map(|(x, y)| json!({"$gte": x, "$lt": y})),
        prop::collection::vec(scalar(), 0..4).prop_map(|v| json!({"$in": v})),
        prop::collection::vec(scalar(), 0..3).prop_map(|v| json!({"$nin": v})),
        scalar().prop_map(|v| json!({"$ne": v})),
        any::<bool>().prop_map(|b| json!({"$exists": b})),
        scalar().prop_map(|v| json!({"$elemMatch": {"$eq": v}})),
    ]
}

fn filter() -> impl Strategy<Value = Value> {
    prop_oneof![
        condition().prop_map(|c| json!({"a": c})),
        (condition(), condition()).prop_map(|(x, y)| json!({"a": x, "b": y})),
        (condition(), condition()).prop_map(|(x, y)| json!({"$or": [{"a": x}, {"b": y}]})),
        condition().prop_map(|c| json!({"a.c": c})),
        (condition(), condition()).prop_map(|(x, y)| json!({"$and": [{"a": x}, {"a": y}]})),
    ]
}

fn ids(docs: &[squall::documents::StoredDocument]) -> Vec<Value> {
    docs.iter().filter_map(|d| d.id().cloned()).collect()
}

fn check(backend: Backend, name: &'static str) {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64u32);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let Some(app) = runtime.block_on(spawn_app(backend, name)) else { return };
    let round = std::sync::atomic::AtomicU32::new(0);
    let config = ProptestConfig { cases: cases.min(128), ..ProptestConfig::default() };
    proptest!(config, |(docs in prop::collection::vec(document(), 1..25), filters in prop::collection::vec(filter(), 1..6))| {
        let round = round.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let plain = app.ctx.documents(&format!("plain{round}")).expect("name");
        let indexed = app.ctx.documents(&format!("indexed{round}")).expect("name");
        runtime.block_on(async {
            indexed.create_index("by_a", &json!({"a": 1}), false).await.expect("index a");
            indexed.create_index("by_ab", &json!({"a": -1, "b": 1}), false).await.expect("index ab");
            indexed.create_index("by_ac", &json!({"a.c": 1}), false).await.expect("index a.c");
            let docs: Vec<Value> = docs.iter().enumerate().map(|(i, d)| {
                let mut d = d.clone();
                d["_id"] = json!(i);
                d
            }).collect();
            plain.insert_many(docs.clone()).await.expect("insert plain");
            indexed.insert_many(docs).await.expect("insert indexed");
            for filter in &filters {
                let query = |f: &Value| squall::documents::FindQuery::all(squall::query::Filter::parse(f, "filter").expect("filter"));
                let expected = ids(&plain.find(query(filter)).await.expect("scan"));
                let got = ids(&indexed.find(query(filter)).await.expect("indexed"));
                assert_eq!(got, expected, "filter {filter} on {backend:?}");
                // A page of it too: where the plan decides the filter alone,
                // skip and limit reach the store's own query.
                let page = |f: &Value| squall::documents::FindQuery { skip: 1, limit: Some(2), ..query(f) };
                let got = ids(&indexed.find(page(filter)).await.expect("indexed page"));
                let expected_page: Vec<Value> = expected.iter().skip(1).take(2).cloned().collect();
                assert_eq!(got, expected_page, "filter {filter}, skip 1, limit 2, on {backend:?}");
            }
            plain.drop_collection().await.expect("drop");
            indexed.drop_collection().await.expect("drop");
        });
    });
}

#[test]
fn index_pushdown_never_changes_the_answer_on_sqlite() {
    check(Backend::Sqlite, "pushdown::sqlite");
}

#[test]
fn index_pushdown_never_changes_the_answer_on_postgres() {
    check(Backend::Postgres, "pushdown::postgres");
}
