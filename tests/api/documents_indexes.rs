//! Indexes over HTTP: create (201/200/409), list (`_id_` first), drop
//! (204/400/404), MongoDB's unique-index rules on every write path, and
//! proof from the database's own plans that an indexed `find_one` does not
//! scan the collection.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    both_backends,
    documents_support::{all, assert_names_path, coll, count, expect_json, find, ids, insert, insert_many, send},
    helpers::{Backend, assert_problem, spawn_app},
};

async fn put_index(app: &crate::helpers::TestApp, c: &str, name: &str, body: Value) -> reqwest::Response {
    send(app, Method::PUT, &coll(c, &format!("indexes/{name}")), Some(&body)).await
}

both_backends!(indexes_are_created_listed_and_dropped_with_their_statuses, |app| {
    insert(&app, "people", json!({"_id": 1, "name": "Ann", "email": "a@x"})).await;
    let spec = json!({"keys": {"name": 1, "age": -1}, "unique": false});
    let created = put_index(&app, "people", "by_name", spec.clone()).await;
    let body = expect_json(created, StatusCode::CREATED, "new index").await;
    assert_eq!(body, json!({"name": "by_name", "keys": {"name": 1, "age": -1}, "unique": false}));
    let same = put_index(&app, "people", "by_name", spec).await;
    assert_eq!(expect_json(same, StatusCode::OK, "identical index").await["name"], "by_name");
    let same_default = put_index(&app, "people", "by_name", json!({"keys": {"name": 1, "age": -1}})).await;
    assert_eq!(same_default.status(), StatusCode::OK, "unique defaults to false");
    for (case, body) in [
        ("other keys", json!({"keys": {"name": -1, "age": -1}})),
        ("other key order", json!({"keys": {"age": -1, "name": 1}})),
        ("other uniqueness", json!({"keys": {"name": 1, "age": -1}, "unique": true})),
    ] {
        let response = put_index(&app, "people", "by_name", body).await;
        assert_eq!(response.status(), StatusCode::CONFLICT, "{case}");
        assert_problem(response, StatusCode::CONFLICT, "index-conflict").await;
    }
    let unique = put_index(&app, "people", "by_email", json!({"keys": {"email": 1}, "unique": true})).await;
    assert_eq!(unique.status(), StatusCode::CREATED);
    let listed = expect_json(app.get(&coll("people", "indexes")).await, StatusCode::OK, "list").await;
    assert_eq!(
        listed,
        json!({"indexes": [
            {"name": "_id_", "keys": {"_id": 1}, "unique": true},
            {"name": "by_name", "keys": {"name": 1, "age": -1}, "unique": false},
            {"name": "by_email", "keys": {"email": 1}, "unique": true},
        ]})
    );
    assert_eq!(
        send(&app, Method::DELETE, &coll("people", "indexes/by_name"), None).await.status(),
        StatusCode::NO_CONTENT
    );
    let missing = send(&app, Method::DELETE, &coll("people", "indexes/by_name"), None).await;
    assert_problem(missing, StatusCode::NOT_FOUND, "index-not-found").await;
    let missing = send(&app, Method::DELETE, &coll("nowhere", "indexes/by_name"), None).await;
    assert_problem(missing, StatusCode::NOT_FOUND, "index-not-found").await;
    let builtin = send(&app, Method::DELETE, &coll("people", "indexes/_id_"), None).await;
    assert_problem(builtin, StatusCode::BAD_REQUEST, "id-index-builtin").await;
    let redefine = put_index(&app, "people", "_id_", json!({"keys": {"_id": 1}})).await;
    assert_eq!(redefine.status(), StatusCode::BAD_REQUEST, "_id_ cannot be redefined");
    for (case, body, path) in [
        ("a direction of 2", json!({"keys": {"a": 2}}), "keys"),
        ("no keys", json!({"keys": {}}), "keys"),
        ("keys not an object", json!({"keys": "a"}), "keys"),
        ("a $ field", json!({"keys": {"$a": 1}}), "keys"),
        ("keys missing", json!({"unique": true}), "keys"),
        ("unique not a boolean", json!({"keys": {"a": 1}, "unique": "yes"}), "unique"),
        ("an unknown field", json!({"keys": {"a": 1}, "sparse": true}), "sparse"),
    ] {
        assert_names_path(put_index(&app, "people", "bad", body).await, StatusCode::BAD_REQUEST, path, case).await;
    }
    let listed = expect_json(app.get(&coll("people", "indexes")).await, StatusCode::OK, "list").await;
    let names: Vec<&str> =
        listed["indexes"].as_array().into_iter().flatten().filter_map(|i| i["name"].as_str()).collect();
    assert_eq!(names, ["_id_", "by_email"]);
    // Dropping the collection drops its indexes.
    assert_eq!(send(&app, Method::DELETE, &coll("people", ""), None).await.status(), StatusCode::NO_CONTENT);
    let listed = expect_json(app.get(&coll("people", "indexes")).await, StatusCode::OK, "list").await;
    assert_eq!(listed["indexes"].as_array().map(Vec::len), Some(1));
});

both_backends!(a_unique_index_over_violating_documents_is_409_and_not_created, |app| {
    insert_many(&app, "u", json!([{"_id": 1, "e": "a"}, {"_id": 2, "e": "b"}, {"_id": 3, "e": "a"}])).await;
    let response = put_index(&app, "u", "by_e", json!({"keys": {"e": 1}, "unique": true})).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let listed = expect_json(app.get(&coll("u", "indexes")).await, StatusCode::OK, "list").await;
    assert_eq!(listed["indexes"].as_array().map(Vec::len), Some(1), "not created: {listed}");
    insert(&app, "u", json!({"_id": 4, "e": "a"})).await;
    let response = put_index(&app, "u", "by_e", json!({"keys": {"e": 1}, "unique": false})).await;
    assert_eq!(response.status(), StatusCode::CREATED, "the same name is free for a non-unique index");
    assert_eq!(ids(&find(&app, "u", json!({"filter": {"e": "a"}})).await), [json!(1), json!(3), json!(4)]);
});

both_backends!(unique_indexes_follow_mongodb_on_every_write_path_and_a_violation_changes_nothing, |app| {
    let response = put_index(&app, "u", "by_e", json!({"keys": {"e": 1}, "unique": true})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    insert_many(&app, "u", json!([{"_id": 1, "e": 1}, {"_id": 2, "e": ["x", "y", "x"]}, {"_id": 3}])).await;
    let before = all(&app, "u").await;
    let conflicts = [
        ("1.0 collides with 1", Method::POST, coll("u", "documents"), json!({"e": 1.0})),
        ("an array element collides", Method::POST, coll("u", "documents"), json!({"e": "y"})),
        ("an array holding a used key", Method::POST, coll("u", "documents"), json!({"e": ["z", 1]})),
        ("a second document lacking the field", Method::POST, coll("u", "documents"), json!({"other": 1})),
        ("null collides with missing", Method::POST, coll("u", "documents"), json!({"e": null})),
        ("PUT creating", Method::PUT, coll("u", "documents/new"), json!({"e": "x"})),
        ("PUT replacing", Method::PUT, coll("u", "documents/1?id_type=number"), json!({"e": "y"})),
        ("PATCH", Method::PATCH, coll("u", "documents/1?id_type=number"), json!({"$set": {"e": "x"}})),
        ("PATCH unsetting", Method::PATCH, coll("u", "documents/1?id_type=number"), json!({"$unset": {"e": ""}})),
        ("update_many", Method::POST, coll("u", "update_many"), json!({"filter": {}, "update": {"$set": {"e": 5}}})),
        (
            "upsert",
            Method::POST,
            coll("u", "update_many"),
            json!({"filter": {"_id": 9}, "update": {"$set": {"e": 1}}, "upsert": true}),
        ),
    ];
    for (case, method, path, body) in conflicts {
        assert_problem(send(&app, method, &path, Some(&body)).await, StatusCode::CONFLICT, "duplicate-key").await;
        assert_eq!(all(&app, "u").await, before, "{case}: nothing changed");
    }
    // A document may repeat its own key; rewriting a document keeps its own keys free.
    let push = json!({"$push": {"e": "y"}});
    let same = send(&app, Method::PATCH, &coll("u", "documents/2?id_type=number"), Some(&push)).await;
    assert_eq!(same.status(), StatusCode::OK, "a document repeating its own key");
    let moved = send(&app, Method::PUT, &coll("u", "documents/1?id_type=number"), Some(&json!({"e": 1.0}))).await;
    assert_eq!(moved.status(), StatusCode::OK, "replacing 1 by 1.0 in the same document");
    insert(&app, "u", json!({"_id": 4, "e": 2})).await;
    assert_eq!(ids(&find(&app, "u", json!({"filter": {"e": null}})).await), [json!(3)]);
    assert_eq!(send(&app, Method::DELETE, &coll("u", "indexes/by_e"), None).await.status(), StatusCode::NO_CONTENT);
    insert(&app, "u", json!({"_id": 5, "e": 2})).await;
    assert_eq!(count(&app, "u", json!({"e": 2})).await, 2, "after the drop, duplicates are allowed");
    // A deleted document frees its keys.
    let response = put_index(&app, "v", "by_k", json!({"keys": {"k": 1}, "unique": true})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    insert(&app, "v", json!({"_id": "a", "k": 1})).await;
    assert_eq!(send(&app, Method::DELETE, &coll("v", "documents/a"), None).await.status(), StatusCode::NO_CONTENT);
    insert(&app, "v", json!({"_id": "b", "k": 1})).await;
});

fn search_lines(explain: &str) -> Vec<&str> {
    explain.lines().skip(1).collect()
}

#[tokio::test]
async fn an_indexed_find_one_searches_the_index_entries_and_never_scans_documents_on_sqlite() {
    let app = spawn_app(Backend::Sqlite, "documents_indexes::explain_sqlite").await.expect("sqlite");
    let docs: Vec<Value> = (0..500).map(|i| json!({"name": format!("n{i}"), "i": i})).collect();
    insert_many(&app, "people", Value::Array(docs)).await;
    insert(&app, "people", json!({"name": "John"})).await;
    let before = app.ctx.documents("people").expect("name").explain(&json!({"name": "John"})).await.expect("explain");
    assert!(before.starts_with("FullScan"), "no index yet: {before}");
    assert_eq!(put_index(&app, "people", "by_name", json!({"keys": {"name": 1}})).await.status(), StatusCode::CREATED);
    let explain = app.ctx.documents("people").expect("name").explain(&json!({"name": "John"})).await.expect("explain");
    assert!(explain.starts_with("Index {") && explain.contains("name: \"by_name\""), "plan: {explain}");
    let lines = search_lines(&explain);
    assert!(
        lines.iter().any(|l| l.starts_with("SEARCH e USING PRIMARY KEY (index_id=? AND key")),
        "the index entries are searched by (index_id, key): {explain}"
    );
    assert!(!lines.iter().any(|l| l.starts_with("SCAN")), "no SCAN at all: {explain}");
    let one = send(&app, Method::POST, &coll("people", "find_one"), Some(&json!({"filter": {"name": "John"}}))).await;
    assert_eq!(expect_json(one, StatusCode::OK, "find_one").await["name"], "John");
    let by_id = app
        .ctx
        .documents("people")
        .expect("name")
        .explain(&json!({"_id": "x", "name": "John"}))
        .await
        .expect("explain");
    assert!(by_id.starts_with("Ids("), "an _id equality uses the _id index: {by_id}");
    assert!(!search_lines(&by_id).iter().any(|l| l.starts_with("SCAN")), "no SCAN by _id: {by_id}");
    let people = app.ctx.documents("people").expect("name");
    let range = people.explain(&json!({"name": {"$gte": "n7", "$lt": "n8"}})).await.expect("explain");
    assert!(range.contains("by_name") && !search_lines(&range).iter().any(|l| l.starts_with("SCAN")), "{range}");
}

#[tokio::test]
async fn an_indexed_find_one_uses_the_index_and_no_seq_scan_on_documents_on_postgres() {
    let Some(app) = spawn_app(Backend::Postgres, "documents_indexes::explain_postgres").await else { return };
    let docs: Vec<Value> = (0..2000).map(|i| json!({"name": format!("n{i}"), "i": i})).collect();
    insert_many(&app, "people", Value::Array(docs)).await;
    insert(&app, "people", json!({"name": "John"})).await;
    insert_many(&app, "other", json!([{"name": "John"}])).await;
    assert_eq!(put_index(&app, "people", "by_name", json!({"keys": {"name": 1}})).await.status(), StatusCode::CREATED);
    {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&app.database_url).await.expect("connect to the test database");
        sqlx::query("ANALYZE").execute(&mut conn).await.expect("ANALYZE");
    }
    let explain = app.ctx.documents("people").expect("name").explain(&json!({"name": "John"})).await.expect("explain");
    assert!(explain.starts_with("Index {") && explain.contains("name: \"by_name\""), "plan: {explain}");
    assert!(!explain.contains("Seq Scan on documents"), "no sequential scan of documents: {explain}");
    assert!(!explain.contains("Seq Scan on index_entries"), "no sequential scan of index entries: {explain}");
    assert!(explain.contains("index_entries"), "the plan reads the index entries: {explain}");
    let by_id = app.ctx.documents("people").expect("name").explain(&json!({"_id": "x"})).await.expect("explain");
    assert!(by_id.starts_with("Ids(") && !by_id.contains("Seq Scan on documents"), "{by_id}");
    let one = send(&app, Method::POST, &coll("people", "find_one"), Some(&json!({"filter": {"name": "John"}}))).await;
    assert_eq!(expect_json(one, StatusCode::OK, "find_one").await["name"], "John");
}

// A lone string equality served by a single-field index (or `_id`) is
// answered from the index alone, without the matcher: the answers must be
// exactly MongoDB's, arrays, near misses and lookalikes included, for
// find, find_one, count and GET by id.
both_backends!(string_equalities_answered_from_an_index_alone_are_exact, |app| {
    let docs = json!([
        {"_id": "a", "name": "John"},
        {"_id": "b", "name": ["x", "John"]},
        {"_id": "c", "name": [["John"]]},
        {"_id": "d", "name": {"first": "John"}},
        {"_id": "e"},
        {"_id": "f", "name": null},
        {"_id": "g", "name": "john"},
        {"_id": "h", "name": "John "},
        {"_id": "i", "name": ["John", "John"]},
        {"_id": "j", "name": "Joh"},
        {"_id": "k", "name": "John\u{0}"},
        {"_id": "l", "name": 1},
        {"_id": "m", "name": "John", "more": true}
    ]);
    insert_many(&app, "eq", docs).await;
    for stage in ["before the index", "with the index"] {
        let found = find(&app, "eq", json!({"filter": {"name": "John"}})).await;
        assert_eq!(ids(&found), vec![json!("a"), json!("b"), json!("i"), json!("m")], "{stage}");
        assert_eq!(found[1], json!({"_id": "b", "name": ["x", "John"]}), "{stage}: stored text as written");
        let explicit = find(&app, "eq", json!({"filter": {"name": {"$eq": "John"}}})).await;
        assert_eq!(ids(&explicit), ids(&found), "{stage}: $eq");
        assert_eq!(count(&app, "eq", json!({"name": "John"})).await, 4, "{stage}: count");
        let first = send(&app, Method::POST, &coll("eq", "find_one"), Some(&json!({"filter": {"name": "John"}}))).await;
        assert_eq!(expect_json(first, StatusCode::OK, "find_one").await, json!({"_id": "a", "name": "John"}));
        let skipped = find(&app, "eq", json!({"filter": {"name": "John"}, "skip": 1, "limit": 2})).await;
        assert_eq!(ids(&skipped), vec![json!("b"), json!("i")], "{stage}: skip and limit");
        let projected = find(&app, "eq", json!({"filter": {"name": "John"}, "projection": {"name": 0}})).await;
        assert_eq!(projected[3], json!({"_id": "m", "more": true}), "{stage}: projection");
        let sorted = find(&app, "eq", json!({"filter": {"name": "John"}, "sort": {"_id": -1}})).await;
        assert_eq!(ids(&sorted), vec![json!("m"), json!("i"), json!("b"), json!("a")], "{stage}: sort");
        let none = send(&app, Method::POST, &coll("eq", "find_one"), Some(&json!({"filter": {"name": "Jo"}}))).await;
        assert_eq!(none.status(), StatusCode::NOT_FOUND, "{stage}: no match");
        let by_id = find(&app, "eq", json!({"filter": {"_id": "c"}})).await;
        assert_eq!(by_id, vec![json!({"_id": "c", "name": [["John"]]})], "{stage}: by _id");
        assert!(find(&app, "eq", json!({"filter": {"_id": "C"}})).await.is_empty(), "{stage}: _id is case-sensitive");
        let response = put_index(&app, "eq", "by_name", json!({"keys": {"name": 1}})).await;
        assert!(response.status().is_success(), "index");
    }
});
