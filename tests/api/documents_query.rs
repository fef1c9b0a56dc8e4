//! A conformance table for MongoDB's query operators over HTTP, on both
//! backends, run once on a collection without indexes (every candidate goes
//! through the matcher) and once on one with indexes on the queried fields
//! (so the planner's pushdown must give the same answers). Most documents
//! and filters follow the MongoDB manual's examples (`inventory`, `results`).
//! Then sort in the cross-type order and projections.

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    both_backends,
    documents_support::{coll, find, ids, insert_many, send},
};

fn documents() -> Value {
    json!([
        {"_id": 1, "item": "journal", "qty": 25, "tags": ["blank", "red"], "dim_cm": [14, 21],
         "size": {"h": 14, "w": 21, "uom": "cm"}, "status": "A"},
        {"_id": 2, "item": "notebook", "qty": 50, "tags": ["red", "blank"], "dim_cm": [14, 21],
         "size": {"h": 8.5, "w": 11, "uom": "in"}, "status": "A"},
        {"_id": 3, "item": "paper", "qty": 100, "tags": ["red", "blank", "plain"], "dim_cm": [14, 21],
         "size": {"h": 8.5, "w": 11, "uom": "in"}, "status": "D"},
        {"_id": 4, "item": "planner", "qty": 75, "tags": ["blank", "red"], "dim_cm": [22.85, 30],
         "size": {"h": 22.85, "w": 30, "uom": "cm"}, "status": "D"},
        {"_id": 5, "item": "postcard", "qty": 45, "tags": ["blue"], "dim_cm": [10, 15.25],
         "size": {"h": 10, "w": 15.25, "uom": "cm"}, "status": "A"},
        {"_id": 6, "item": null},
        {"_id": 7},
        {"_id": 8, "item": "Journal", "qty": 25.0, "tags": [], "status": "a"},
        {"_id": 9, "qty": "25", "item": "line1\nline2"},
        {"_id": 10, "qty": [25, 200], "results": [{"product": "abc", "score": 10}, {"product": "xyz", "score": 5}]},
        {"_id": 11, "qty": 9223372036854775807_i64, "item": "abc",
         "results": [{"product": "abc", "score": 8}, {"product": "xyz", "score": 7}]},
        {"_id": 12, "qty": 2.5, "tags": [["blank", "red"]], "flag": true},
        {"_id": "s13", "qty": -3, "flag": false, "size": {"h": 14},
         "instock": [{"warehouse": "A", "qty": 5}, {"warehouse": "C", "qty": 15}]},
        {"_id": 14, "qty": 18446744073709551615_u64, "instock": [{"warehouse": "C", "qty": 5}], "item": {"a": 1}}
    ])
}

/// (filter, the expected `_id`s in insertion order).
fn cases() -> Vec<(Value, Value)> {
    vec![
        (json!({}), json!([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, "s13", 14])),
        (json!({"status": "A"}), json!([1, 2, 5])),
        (json!({"qty": 25}), json!([1, 8, 10])),
        (json!({"qty": "25"}), json!([9])),
        (json!({"tags": "red"}), json!([1, 2, 3, 4])),
        (json!({"tags": ["red", "blank"]}), json!([2])),
        (json!({"tags": ["blank", "red"]}), json!([1, 4, 12])),
        (json!({"tags": []}), json!([8])),
        (json!({"size": {"h": 14, "w": 21, "uom": "cm"}}), json!([1])),
        (json!({"size": {"w": 21, "h": 14, "uom": "cm"}}), json!([])),
        (json!({"size.uom": "in"}), json!([2, 3])),
        (json!({"size.h": {"$lt": 15}}), json!([1, 2, 3, 5, "s13"])),
        (json!({"size.h": 14}), json!([1, "s13"])),
        (json!({"status": "A", "qty": {"$lt": 30}}), json!([1])),
        (json!({"$or": [{"status": "A"}, {"qty": {"$lt": 30}}]}), json!([1, 2, 5, 8, 10, 12, "s13"])),
        (json!({"$nor": [{"status": "A"}, {"qty": {"$lt": 30}}]}), json!([3, 4, 6, 7, 9, 11, 14])),
        (json!({"qty": {"$eq": 25}}), json!([1, 8, 10])),
        (json!({"qty": {"$gt": 50}}), json!([3, 4, 10, 11, 14])),
        (json!({"qty": {"$gte": 50}}), json!([2, 3, 4, 10, 11, 14])),
        (json!({"qty": {"$lte": 25}}), json!([1, 8, 10, 12, "s13"])),
        (json!({"qty": {"$gt": "2"}}), json!([9])),
        (json!({"qty": {"$ne": 25}}), json!([2, 3, 4, 5, 6, 7, 9, 11, 12, "s13", 14])),
        (json!({"qty": {"$in": [25, 50]}}), json!([1, 2, 8, 10])),
        (json!({"qty": {"$nin": [25, 50]}}), json!([3, 4, 5, 6, 7, 9, 11, 12, "s13", 14])),
        (json!({"qty": {"$in": [null, "25"]}}), json!([6, 7, 9])),
        (json!({"qty": {"$gte": null}}), json!([6, 7])),
        (json!({"qty": {"$eq": 9223372036854775807_i64}}), json!([11])),
        (json!({"qty": 9223372036854775806_i64}), json!([])),
        (json!({"qty": {"$gt": 9223372036854775807_i64}}), json!([14])),
        (json!({"qty": {"$lt": 18446744073709551615_u64, "$gt": 9.2e18}}), json!([11])),
        (json!({"qty": {"$all": [25]}}), json!([1, 8, 10])),
        (json!({"item": null}), json!([6, 7, 10, 12, "s13"])),
        (json!({"item": {"$exists": false}}), json!([7, 10, 12, "s13"])),
        (json!({"item": {"$exists": true}}), json!([1, 2, 3, 4, 5, 6, 8, 9, 11, 14])),
        (json!({"item": {"$type": "null"}}), json!([6])),
        (json!({"item": {"$type": 10}}), json!([6])),
        (json!({"item": {"$type": "object"}}), json!([14])),
        (json!({"item.a": 1}), json!([14])),
        (json!({"qty": {"$type": "int"}}), json!([1, 2, 3, 4, 5, 10, "s13"])),
        (json!({"qty": {"$type": 16}}), json!([1, 2, 3, 4, 5, 10, "s13"])),
        (json!({"qty": {"$type": "long"}}), json!([11])),
        (json!({"qty": {"$type": 18}}), json!([11])),
        (json!({"qty": {"$type": "decimal"}}), json!([14])),
        (json!({"qty": {"$type": "double"}}), json!([8, 12])),
        (json!({"qty": {"$type": 1}}), json!([8, 12])),
        (json!({"qty": {"$type": "number"}}), json!([1, 2, 3, 4, 5, 8, 10, 11, 12, "s13", 14])),
        (json!({"qty": {"$type": 2}}), json!([9])),
        (json!({"qty": {"$type": ["string", "double"]}}), json!([8, 9, 12])),
        (json!({"tags": {"$type": "array"}}), json!([1, 2, 3, 4, 5, 8, 12])),
        (json!({"tags": {"$type": 4}}), json!([1, 2, 3, 4, 5, 8, 12])),
        (json!({"flag": {"$type": "bool"}}), json!([12, "s13"])),
        (json!({"flag": {"$type": 8}}), json!([12, "s13"])),
        (json!({"_id": {"$type": "string"}}), json!(["s13"])),
        (json!({"flag": false}), json!(["s13"])),
        (json!({"flag": {"$ne": true}}), json!([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, "s13", 14])),
        (json!({"$and": [{"qty": {"$gt": 20}}, {"qty": {"$lt": 60}}]}), json!([1, 2, 5, 8, 10])),
        (json!({"qty": {"$gt": 20, "$lt": 60}}), json!([1, 2, 5, 8, 10])),
        (json!({"qty": {"$elemMatch": {"$gt": 20, "$lt": 60}}}), json!([10])),
        (json!({"qty": {"$elemMatch": {"$gt": 30, "$lt": 60}}}), json!([])),
        (json!({"qty": {"$not": {"$gt": 50}}}), json!([1, 2, 5, 6, 7, 8, 9, 12, "s13"])),
        (json!({"item": {"$regex": "^j", "$options": "i"}}), json!([1, 8])),
        (json!({"item": {"$regex": "^J"}}), json!([8])),
        (json!({"item": {"$regex": "^line2"}}), json!([])),
        (json!({"item": {"$regex": "^line2", "$options": "m"}}), json!([9])),
        (json!({"item": {"$regex": "line1.line2"}}), json!([])),
        (json!({"item": {"$regex": "line1.line2", "$options": "s"}}), json!([9])),
        (json!({"item": {"$regex": "p a p e r", "$options": "x"}}), json!([3])),
        (json!({"item": {"$not": {"$regex": "^p"}}}), json!([1, 2, 6, 7, 8, 9, 10, 11, 12, "s13", 14])),
        (json!({"tags": {"$size": 2}}), json!([1, 2, 4])),
        (json!({"tags": {"$size": 0}}), json!([8])),
        (json!({"tags": {"$all": ["red", "blank"]}}), json!([1, 2, 3, 4])),
        (json!({"tags": {"$all": [["blank", "red"]]}}), json!([1, 4, 12])),
        (json!({"$and": [{"tags": "blank"}, {"tags": {"$nin": ["plain"]}}]}), json!([1, 2, 4])),
        // tags.0 of document 12 is the array ["blank", "red"], whose elements are matched too.
        (json!({"tags.0": "red"}), json!([2, 3, 12])),
        (json!({"tags.0": ["blank", "red"]}), json!([12])),
        (json!({"dim_cm.1": {"$gt": 25}}), json!([4])),
        (json!({"dim_cm": {"$gt": 15, "$lt": 20}}), json!([1, 2, 3, 5])),
        (json!({"dim_cm": {"$elemMatch": {"$gt": 22, "$lt": 30}}}), json!([4])),
        (json!({"results": {"$elemMatch": {"product": "xyz", "score": {"$gte": 7}}}}), json!([11])),
        (json!({"results": {"$elemMatch": {"score": {"$gt": 9}}}}), json!([10])),
        (json!({"results.product": "xyz", "results.score": {"$gte": 8}}), json!([10, 11])),
        (json!({"instock": {"$elemMatch": {"qty": 5, "warehouse": "A"}}}), json!(["s13"])),
        (json!({"instock": {"warehouse": "A", "qty": 5}}), json!(["s13"])),
        (json!({"instock": {"qty": 5, "warehouse": "A"}}), json!([])),
        (json!({"instock.qty": 5}), json!(["s13", 14])),
        (json!({"instock.0.qty": {"$lte": 5}}), json!(["s13", 14])),
        (json!({"instock.1.warehouse": "C"}), json!(["s13"])),
        (json!({"qty": {"$mod": [4, 1]}}), json!([1, 5, 8, 10])),
        (json!({"qty": {"$mod": [4, -3]}}), json!(["s13"])),
        (json!({"_id": {"$gt": 10}}), json!([11, 12, 14])),
        (json!({"_id": {"$in": [3, "s13", 99]}}), json!([3, "s13"])),
        (json!({"_id": 5.0}), json!([5])),
        (json!({"_id": {"$gte": 2, "$lt": 4}, "status": {"$ne": "A"}}), json!([3])),
        (json!({"$or": [{"_id": 1}, {"item": "paper"}, {"qty": {"$type": "decimal"}}]}), json!([1, 3, 14])),
    ]
}

/// The indexes of the second run: one per queried field, some compound.
fn indexes() -> Vec<(&'static str, Value)> {
    vec![
        ("by_status", json!({"status": 1})),
        ("by_qty", json!({"qty": 1})),
        ("by_qty_desc_status", json!({"qty": -1, "status": 1})),
        ("by_item", json!({"item": 1})),
        ("by_item_a", json!({"item.a": -1})),
        ("by_tags", json!({"tags": 1})),
        ("by_tags0", json!({"tags.0": 1})),
        ("by_size", json!({"size": 1})),
        ("by_size_uom_h", json!({"size.uom": 1, "size.h": 1})),
        ("by_size_h", json!({"size.h": -1})),
        ("by_dim", json!({"dim_cm": 1})),
        ("by_results", json!({"results.product": 1, "results.score": -1})),
        ("by_instock", json!({"instock.qty": 1})),
        ("by_instock_wh", json!({"instock.warehouse": 1})),
        ("by_flag", json!({"flag": 1})),
    ]
}

async fn create_indexes(app: &crate::helpers::TestApp, c: &str) {
    for (name, keys) in indexes() {
        let response = send(app, Method::PUT, &coll(c, &format!("indexes/{name}")), Some(&json!({"keys": keys}))).await;
        assert_eq!(response.status(), reqwest::StatusCode::CREATED, "index {name}");
    }
}

async fn run_table(app: &crate::helpers::TestApp, c: &str, how: &str) {
    let mut failures = Vec::new();
    for (filter, expected) in cases() {
        let got = Value::Array(ids(&find(app, c, json!({"filter": filter, "limit": 10000})).await));
        if got != expected {
            failures.push(format!("{how}: filter {filter}: expected {expected}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} filters wrong:\n{}", failures.len(), cases().len(), failures.join("\n"));
}

both_backends!(query_operators_follow_mongodb_without_indexes, |app| {
    insert_many(&app, "plain", documents()).await;
    run_table(&app, "plain", "no index").await;
});

both_backends!(query_operators_give_the_same_answers_with_indexes_on_the_queried_fields, |app| {
    create_indexes(&app, "indexed").await;
    insert_many(&app, "indexed", documents()).await;
    run_table(&app, "indexed", "indexes built before the inserts").await;
    // Built over existing documents, too.
    insert_many(&app, "later", documents()).await;
    create_indexes(&app, "later").await;
    run_table(&app, "later", "indexes built over existing documents").await;
});

/// (sort, expected `_id`s).
fn sorts() -> Vec<(Value, Value)> {
    vec![
        (json!({"qty": 1}), json!([6, 7, "s13", 12, 1, 8, 10, 5, 2, 4, 3, 11, 14, 9])),
        (json!({"qty": -1}), json!([9, 14, 11, 10, 3, 4, 2, 5, 1, 8, 12, "s13", 6, 7])),
        (json!({"item": 1}), json!([6, 7, 10, 12, "s13", 8, 11, 1, 9, 2, 3, 4, 5, 14])),
        (json!({"flag": 1}), json!([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, "s13", 12])),
        (json!({"dim_cm": 1}), json!([6, 7, 8, 9, 10, 11, 12, "s13", 14, 5, 1, 2, 3, 4])),
        (json!({"dim_cm": -1}), json!([4, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, "s13", 14])),
        (json!({"status": 1, "qty": -1}), json!([9, 14, 11, 10, 12, "s13", 6, 7, 2, 5, 1, 3, 4, 8])),
        (json!({"_id": -1}), json!(["s13", 14, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1])),
        (json!({"size.h": 1, "_id": 1}), json!([6, 7, 8, 9, 10, 11, 12, 14, 2, 3, 5, 1, "s13", 4])),
    ]
}

both_backends!(sort_follows_the_cross_type_order_with_arrays_by_min_or_max_element, |app| {
    insert_many(&app, "s", documents()).await;
    for (with_index, label) in [(false, "no index"), (true, "with indexes")] {
        if with_index {
            create_indexes(&app, "s").await;
        }
        for (sort, expected) in sorts() {
            let got = Value::Array(ids(&find(&app, "s", json!({"sort": sort})).await));
            assert_eq!(got, expected, "{label}: sort {sort}");
            let expected_page: Vec<Value> =
                expected.as_array().into_iter().flatten().skip(3).take(4).cloned().collect();
            let page = ids(&find(&app, "s", json!({"sort": sort, "skip": 3, "limit": 4})).await);
            assert_eq!(page, expected_page, "{label}: sort {sort} skip 3 limit 4");
        }
    }
});

both_backends!(projections_include_or_exclude_fields_with_the_id_rules, |app| {
    insert_many(&app, "p", documents()).await;
    let cases = [
        (
            json!({"_id": {"$in": [1, 6, 7]}}),
            json!({"item": 1}),
            json!([{"_id": 1, "item": "journal"}, {"_id": 6, "item": null}, {"_id": 7}]),
        ),
        (
            json!({"_id": {"$in": [1, 6, 7]}}),
            json!({"item": 1, "_id": 0}),
            json!([{"item": "journal"}, {"item": null}, {}]),
        ),
        (
            json!({"_id": 1}),
            json!({"size": 0, "tags": 0, "dim_cm": 0, "qty": 0}),
            json!([{"_id": 1, "item": "journal", "status": "A"}]),
        ),
        (json!({"_id": 1}), json!({"size.uom": 1}), json!([{"_id": 1, "size": {"uom": "cm"}}])),
        (
            json!({"_id": 1}),
            json!({"size.uom": 0, "tags": 0, "dim_cm": 0}),
            json!([{"_id": 1, "item": "journal", "qty": 25, "size": {"h": 14, "w": 21}, "status": "A"}]),
        ),
        (
            json!({"_id": 10}),
            json!({"results.score": 1}),
            json!([{"_id": 10, "results": [{"score": 10}, {"score": 5}]}]),
        ),
        (
            json!({"_id": 14}),
            json!({"_id": 0}),
            json!([{"qty": 18446744073709551615_u64, "instock": [{"warehouse": "C", "qty": 5}], "item": {"a": 1}}]),
        ),
        (json!({"_id": 1}), json!({"status": 1, "item": 1}), json!([{"_id": 1, "item": "journal", "status": "A"}])),
        (json!({"_id": 1}), json!({"_id": 1}), json!([{"_id": 1}])),
    ];
    for (filter, projection, expected) in cases {
        let got = Value::Array(find(&app, "p", json!({"filter": filter, "projection": projection})).await);
        assert_eq!(got, expected, "projection {projection} on {filter}");
        for (doc, want) in got.as_array().into_iter().flatten().zip(expected.as_array().into_iter().flatten()) {
            assert_eq!(
                crate::documents_support::keys(doc),
                crate::documents_support::keys(want),
                "order: {projection}"
            );
        }
    }
});
