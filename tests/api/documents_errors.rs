//! Bad input to the documents endpoints: a 4xx problem+json naming the
//! offending path, and nothing written.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    both_backends,
    documents_support::{all, assert_names_path, coll, count, expect_json, find, insert, send, send_raw},
    helpers::{Backend, assert_problem, spawn_app_with},
};

both_backends!(unsupported_or_malformed_filters_are_400_naming_the_path, |app| {
    insert(&app, "q", json!({"_id": 1, "age": 3, "tags": ["a"]})).await;
    let cases = [
        ("an unknown operator", json!({"age": {"$foo": 1}}), "age"),
        ("an unknown top-level operator", json!({"$where": "1"}), "$where"),
        ("$in with a non-array", json!({"age": {"$in": 5}}), "$in"),
        ("$nin with a non-array", json!({"age": {"$nin": "x"}}), "$nin"),
        ("a negative $size", json!({"tags": {"$size": -1}}), "$size"),
        ("a fractional $size", json!({"tags": {"$size": 1.5}}), "$size"),
        ("a $regex that does not compile", json!({"name": {"$regex": "("}}), "$regex"),
        ("a $regex only PCRE accepts", json!({"name": {"$regex": "(?=a)"}}), "$regex"),
        ("a backreference", json!({"name": {"$regex": "(a)\\1"}}), "$regex"),
        ("an unknown $options letter", json!({"name": {"$regex": "a", "$options": "q"}}), "$options"),
        ("$mod with one number", json!({"age": {"$mod": [2]}}), "$mod"),
        ("$mod by zero", json!({"age": {"$mod": [0, 1]}}), "$mod"),
        ("$and with a non-array", json!({"$and": {"a": 1}}), "$and"),
        ("$or with an empty array", json!({"$or": []}), "$or"),
        ("$not with a number", json!({"age": {"$not": 5}}), "$not"),
        ("$elemMatch with a number", json!({"tags": {"$elemMatch": 5}}), "$elemMatch"),
        ("$type with an unknown name", json!({"age": {"$type": "integer"}}), "$type"),
        ("$type with an unknown code", json!({"age": {"$type": 99}}), "$type"),
        ("$all with a non-array", json!({"tags": {"$all": "a"}}), "$all"),
        ("a filter that is not an object", json!([1]), "filter"),
    ];
    for (case, filter, path) in cases {
        let response = send(&app, Method::POST, &coll("q", "find"), Some(&json!({"filter": filter}))).await;
        assert_names_path(response, StatusCode::BAD_REQUEST, path, &format!("find: {case}")).await;
        let response = send(&app, Method::POST, &coll("q", "count"), Some(&json!({"filter": filter}))).await;
        assert_names_path(response, StatusCode::BAD_REQUEST, path, &format!("count: {case}")).await;
        let body = json!({"filter": filter, "update": {"$set": {"hit": true}}, "upsert": true});
        let response = send(&app, Method::POST, &coll("q", "update_many"), Some(&body)).await;
        assert_names_path(response, StatusCode::BAD_REQUEST, path, &format!("update_many: {case}")).await;
        let response = send(&app, Method::POST, &coll("q", "delete_many"), Some(&json!({"filter": filter}))).await;
        assert_names_path(response, StatusCode::BAD_REQUEST, path, &format!("delete_many: {case}")).await;
        let encoded = url::form_urlencoded::byte_serialize(filter.to_string().as_bytes()).collect::<String>();
        let response = app.get(&format!("{}?filter={encoded}", coll("q", "documents"))).await;
        assert_names_path(response, StatusCode::BAD_REQUEST, path, &format!("list: {case}")).await;
        assert_eq!(all(&app, "q").await, [json!({"_id": 1, "age": 3, "tags": ["a"]})], "{case}: nothing written");
    }
    for (case, field, value, path) in [
        ("a sort direction of 2", "sort", json!({"age": 2}), "age"),
        ("a mixed projection", "projection", json!({"a": 1, "b": 0}), "projection"),
        ("a $ key in a projection", "projection", json!({"$a": 1}), "$a"),
    ] {
        let response = send(&app, Method::POST, &coll("q", "find"), Some(&json!({field: value}))).await;
        assert_names_path(response, StatusCode::BAD_REQUEST, path, case).await;
    }
});

both_backends!(update_many_refuses_positional_and_conflicting_updates_changing_nothing, |app| {
    insert(&app, "u", json!({"_id": 1, "tags": ["a"], "n": 1})).await;
    for (case, update, path) in [
        ("a positional $ path", json!({"$set": {"tags.$": "b"}}), "tags.$"),
        ("an all-positional $[] path", json!({"$set": {"tags.$[]": "b"}}), "tags.$[]"),
        ("an unknown update operator", json!({"$frobnicate": {"n": 1}}), "$frobnicate"),
        ("a $ key set inside a value", json!({"$set": {"x": {"$bad": 1}}}), "$bad"),
        ("a parent and child path", json!({"$set": {"a": {}, "a.b": 1}}), "a"),
        ("$inc with a string amount", json!({"$inc": {"n": "1"}}), "n"),
        ("$push to a non-array", json!({"$push": {"n": 1}}), "n"),
        ("an empty update", json!({}), "update"),
    ] {
        let body = json!({"filter": {}, "update": update});
        let response = send(&app, Method::POST, &coll("u", "update_many"), Some(&body)).await;
        assert_names_path(response, StatusCode::BAD_REQUEST, path, case).await;
        let response = send(&app, Method::PATCH, &coll("u", "documents/1?id_type=number"), Some(&update)).await;
        assert_names_path(response, StatusCode::BAD_REQUEST, path, &format!("PATCH: {case}")).await;
        assert_eq!(all(&app, "u").await, [json!({"_id": 1, "tags": ["a"], "n": 1})], "{case}: nothing changed");
    }
});

both_backends!(documents_breaking_the_key_and_id_rules_are_400_with_nothing_written, |app| {
    let cases = [
        ("a key starting with $", json!({"$a": 1}), "$a"),
        ("a key containing a dot", json!({"a.b": 1}), "a.b"),
        ("a nested $ key", json!({"x": {"y": {"$z": 1}}}), "$z"),
        ("a dotted key in an array element", json!({"x": [{"p.q": 1}]}), "p.q"),
        ("an _id object", json!({"_id": {"a": 1}}), "_id"),
        ("an _id array", json!({"_id": [1]}), "_id"),
        ("an _id boolean", json!({"_id": true}), "_id"),
        ("an _id null", json!({"_id": null}), "_id"),
        ("a number", json!(5), "body"),
        ("a string", json!("x"), "body"),
        ("null", json!(null), "body"),
        ("an array inside the bulk array", json!([{"_id": 1}, [1]]), "body[1]"),
        ("a number inside the bulk array", json!([{"_id": 1}, 5]), "body[1]"),
        ("a bad key in the second bulk element", json!([{"_id": 1}, {"a.b": 1}]), "body[1]"),
    ];
    for (case, body, path) in cases {
        let response = send(&app, Method::POST, &coll("k", "documents"), Some(&body)).await;
        assert_names_path(response, StatusCode::BAD_REQUEST, path, &format!("insert {case}")).await;
        if body.is_object() {
            let response = send(&app, Method::PUT, &coll("k", "documents/p"), Some(&body)).await;
            assert_names_path(response, StatusCode::BAD_REQUEST, path, &format!("PUT {case}")).await;
        }
        assert_eq!(count(&app, "k", json!({})).await, 0, "{case}: nothing written");
    }
    let collections = expect_json(app.get("/v1/collections").await, StatusCode::OK, "collections").await;
    assert_eq!(collections, json!({"collections": []}), "a refused insert creates no collection");
    insert(&app, "k", json!({"_id": "p", "n": 1})).await;
    for (case, update, path) in [
        ("$set of a $ key", json!({"$set": {"$x": 1}}), "$x"),
        ("$set of an object with a dotted key", json!({"$set": {"o": {"a.b": 1}}}), "a.b"),
        ("$set of _id to null", json!({"$set": {"_id": null}}), "_id"),
    ] {
        let response = send(&app, Method::PATCH, &coll("k", "documents/p"), Some(&update)).await;
        assert_names_path(response, StatusCode::BAD_REQUEST, path, case).await;
        assert_eq!(all(&app, "k").await, [json!({"_id": "p", "n": 1})], "{case}: unchanged");
    }
});

both_backends!(invalid_collection_and_index_names_are_400, |app| {
    let long = "x".repeat(65);
    for name in ["a.b", long.as_str(), "a%20b", "%C3%A9"] {
        let response = send(&app, Method::POST, &coll(name, "documents"), Some(&json!({}))).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "collection-name-invalid").await;
        assert_problem(app.get(&coll(name, "documents")).await, StatusCode::BAD_REQUEST, "collection-name-invalid")
            .await;
    }
    let ok = "y".repeat(64);
    insert(&app, &ok, json!({})).await;
    let spec = json!({"keys": {"a": 1}});
    for name in ["a.b", long.as_str(), "a%20b"] {
        let response = send(&app, Method::PUT, &coll("c", &format!("indexes/{name}")), Some(&spec)).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "index-name-invalid").await;
    }
    let collections = expect_json(app.get("/v1/collections").await, StatusCode::OK, "collections").await;
    assert_eq!(collections, json!({"collections": [{"name": ok, "count": 1}]}));
});

both_backends!(sql_looking_names_and_values_are_stored_and_queried_as_plain_data, |app| {
    let nasty = ["a'; DROP TABLE documents; --", "data->>'x'", "\") OR 1=1 --", "$1", "?1", "%", "_"];
    let mut doc = serde_json::Map::new();
    doc.insert("_id".into(), json!("a'; DROP TABLE documents; --"));
    for (i, text) in nasty.iter().enumerate() {
        doc.insert(format!("{text} {i}").replace('.', "·").replace('$', "S"), json!(text));
    }
    let doc = Value::Object(doc);
    insert(&app, "sql", doc.clone()).await;
    insert(&app, "sql", json!({"_id": 2, "x": "plain"})).await;
    send(&app, Method::PUT, &coll("sql", "indexes/by_field"), Some(&json!({"keys": {"data->>'x' 1": 1}}))).await;
    for (key, value) in doc.as_object().into_iter().flatten() {
        let found = find(&app, "sql", json!({"filter": {key: value}})).await;
        assert_eq!(found, std::slice::from_ref(&doc), "equality on {key:?}");
        let found = find(&app, "sql", json!({"filter": {key: {"$regex": "^.*$"}}})).await;
        assert_eq!(found.len(), 1, "regex on {key:?}");
    }
    let fetched = app.get(&coll("sql", "documents/a'%3B%20DROP%20TABLE%20documents%3B%20--")).await;
    assert_eq!(expect_json(fetched, StatusCode::OK, "get by a nasty _id").await, doc);
    assert_eq!(count(&app, "sql", json!({})).await, 2, "both documents still there");
});

#[tokio::test]
async fn bodies_over_the_body_limit_are_413_and_documents_over_max_document_bytes_400() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let adjust = |c: &mut squall::Config| {
            c.limits.body_bytes = 4096;
            c.limits.max_document_bytes = 200;
        };
        let Some(app) = spawn_app_with(backend, "documents_errors::limits", adjust).await else { continue };
        let big = json!({"a": "x".repeat(5000)});
        let response = send(&app, Method::POST, &coll("b", "documents"), Some(&big)).await;
        assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "body-too-large").await;
        let large = json!({"_id": 1, "a": "x".repeat(300)});
        let response = send(&app, Method::POST, &coll("b", "documents"), Some(&large)).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "document-too-large").await;
        let bulk = json!([{"_id": 2}, {"_id": 3, "a": "x".repeat(300)}]);
        let response = send(&app, Method::POST, &coll("b", "documents"), Some(&bulk)).await;
        assert_names_path(response, StatusCode::BAD_REQUEST, "body[1]", &format!("{backend:?}: bulk")).await;
        let response = send(&app, Method::PUT, &coll("b", "documents/p"), Some(&large)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{backend:?}: PUT too large");
        insert(&app, "b", json!({"_id": "small", "a": "x"})).await;
        let grow = json!({"$set": {"a": "x".repeat(300)}});
        let response = send(&app, Method::PATCH, &coll("b", "documents/small"), Some(&grow)).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "document-too-large").await;
        let response =
            send(&app, Method::POST, &coll("b", "update_many"), Some(&json!({"filter": {}, "update": grow}))).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "document-too-large").await;
        assert_eq!(all(&app, "b").await, [json!({"_id": "small", "a": "x"})], "{backend:?}: nothing else written");
    }
}

both_backends!(a_20000_deep_body_is_400_and_the_server_stays_healthy, |app| {
    let deep_array = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let deep_object = format!("{}1{}", r#"{"a":"#.repeat(20_000), "}".repeat(20_000));
    for (case, path, body) in [
        ("a deep array document", coll("d", "documents"), format!("[{{\"x\": {deep_array}}}]")),
        ("a deep object document", coll("d", "documents"), deep_object.clone()),
        ("a deep filter", coll("d", "find"), format!("{{\"filter\": {deep_object}}}")),
        (
            "a deep update",
            coll("d", "update_many"),
            format!("{{\"filter\": {{}}, \"update\": {{\"$set\": {deep_object}}}}}"),
        ),
    ] {
        let response = send_raw(&app, Method::POST, &path, body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
    }
    // Just past max_document_depth (100) is refused too, in a document and in a filter.
    let nest = |n: usize| format!("{}1{}", r#"{"a":"#.repeat(n), "}".repeat(n));
    let response = send_raw(&app, Method::POST, &coll("d", "documents"), nest(101)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "101 levels");
    let response = send_raw(&app, Method::POST, &coll("d", "find"), format!("{{\"filter\": {}}}", nest(101))).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "a 101-level filter");
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    assert_eq!(count(&app, "d", json!({})).await, 0, "nothing written");
    insert(&app, "d", json!({"ok": true})).await;
    assert_eq!(count(&app, "d", json!({})).await, 1, "still serving writes");
});
