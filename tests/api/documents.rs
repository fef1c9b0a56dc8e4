//! Documents over HTTP: every endpoint of SPEC.md's Documents table with its
//! success status and body shape, on SQLite and PostgreSQL.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    both_backends,
    documents_support::{all, coll, count, expect_json, find, ids, insert, insert_many, keys, send},
    helpers::assert_problem,
};

fn etag_of(response: &reqwest::Response) -> String {
    response.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

both_backends!(inserting_one_document_answers_201_with_a_generated_uuidv7_id_first_an_etag_and_a_location, |app| {
    let response =
        send(&app, Method::POST, &coll("people", "documents"), Some(&json!({"name": "John", "age": 31}))).await;
    let etag = etag_of(&response);
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let doc = expect_json(response, StatusCode::CREATED, "insert").await;
    assert_eq!(keys(&doc), ["_id", "name", "age"]);
    let id = doc["_id"].as_str().expect("generated _id is a string");
    let uuid = uuid::Uuid::parse_str(id).expect("generated _id is a UUID");
    assert_eq!(uuid.get_version_num(), 7, "UUIDv7: {id}");
    assert!(etag.starts_with('"') && etag.len() > 2, "ETag: {etag:?}");
    assert_eq!(location, format!("/v1/collections/people/documents/{id}"));
    let fetched = app.get(&location).await;
    assert_eq!(etag_of(&fetched), etag, "GET gives the same ETag");
    assert_eq!(expect_json(fetched, StatusCode::OK, "get").await, doc);
});

both_backends!(the_location_of_a_string_id_with_reserved_characters_leads_back_to_the_document, |app| {
    for id in ["a b", "a+b", "x/y", "q?r#s", "100%", "é😀", "a..b", "-._~"] {
        let response = send(&app, Method::POST, &coll("loc", "documents"), Some(&json!({"_id": id}))).await;
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert_eq!(response.status(), StatusCode::CREATED, "{id}");
        assert!(location.starts_with("/v1/collections/loc/documents/"), "{id}: {location}");
        let fetched = app.get(&location).await;
        assert_eq!(expect_json(fetched, StatusCode::OK, id).await, json!({"_id": id}), "{id}: {location}");
    }
});

both_backends!(inserting_an_array_answers_201_with_the_documents_in_order, |app| {
    let stored = insert_many(&app, "people", json!([{"_id": "a", "n": 1}, {"n": 2}, {"_id": 3, "n": 3}])).await;
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[0], json!({"_id": "a", "n": 1}));
    assert!(stored[1]["_id"].is_string(), "generated id: {}", stored[1]);
    assert_eq!(stored[2], json!({"_id": 3, "n": 3}));
    assert_eq!(all(&app, "people").await, stored);
});

both_backends!(a_bulk_insert_with_a_bad_third_document_stores_nothing, |app| {
    insert(&app, "people", json!({"_id": "existing"})).await;
    let cases = [
        (
            "a duplicate of an earlier element",
            json!([{"_id": "x1"}, {"_id": "x2"}, {"_id": "x1"}]),
            StatusCode::CONFLICT,
        ),
        (
            "a duplicate of a stored document",
            json!([{"_id": "x1"}, {"_id": "x2"}, {"_id": "existing"}]),
            StatusCode::CONFLICT,
        ),
        ("a key starting with $", json!([{"_id": "x1"}, {"_id": "x2"}, {"$bad": 1}]), StatusCode::BAD_REQUEST),
        ("a non-object element", json!([{"_id": "x1"}, {"_id": "x2"}, [1]]), StatusCode::BAD_REQUEST),
        ("an _id that is a boolean", json!([{"_id": "x1"}, {"_id": "x2"}, {"_id": true}]), StatusCode::BAD_REQUEST),
    ];
    for (case, body, status) in cases {
        let response = send(&app, Method::POST, &coll("people", "documents"), Some(&body)).await;
        assert_eq!(response.status(), status, "{case}");
        assert_eq!(ids(&all(&app, "people").await), [json!("existing")], "{case}: nothing stored");
    }
    // A unique index violated by the third element.
    let index = json!({"keys": {"email": 1}, "unique": true});
    send(&app, Method::PUT, &coll("people", "indexes/by_email"), Some(&index)).await;
    let body = json!([{"email": "a@x"}, {"email": "b@x"}, {"email": "a@x"}]);
    let response = send(&app, Method::POST, &coll("people", "documents"), Some(&body)).await;
    assert_problem(response, StatusCode::CONFLICT, "duplicate-key").await;
    assert_eq!(count(&app, "people", json!({})).await, 1, "unique violation: nothing stored");
});

both_backends!(get_answers_the_document_with_an_etag_and_304_on_a_matching_if_none_match, |app| {
    insert(&app, "people", json!({"_id": "john", "name": "John"})).await;
    let response = app.get(&coll("people", "documents/john")).await;
    let etag = etag_of(&response);
    assert_eq!(expect_json(response, StatusCode::OK, "get").await, json!({"_id": "john", "name": "John"}));
    for header in [etag.clone(), format!("\"nope\", {etag}"), "*".to_owned(), format!("W/{etag}")] {
        let response =
            app.client.get(app.url(&coll("people", "documents/john"))).header("if-none-match", &header).send().await;
        let response = response.expect("request");
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "If-None-Match: {header}");
        assert_eq!(etag_of(&response), etag, "304 carries the ETag");
    }
    let response = app.client.get(app.url(&coll("people", "documents/john"))).header("if-none-match", "\"other\"");
    assert_eq!(response.send().await.expect("request").status(), StatusCode::OK, "a different ETag gives 200");
    assert_problem(app.get(&coll("people", "documents/nobody")).await, StatusCode::NOT_FOUND, "document-not-found")
        .await;
});

both_backends!(put_replaces_with_200_creates_with_201_and_honours_if_match, |app| {
    let path = coll("people", "documents/p1");
    let created = send(&app, Method::PUT, &path, Some(&json!({"name": "A"}))).await;
    let first_etag = etag_of(&created);
    assert_eq!(expect_json(created, StatusCode::CREATED, "create").await, json!({"_id": "p1", "name": "A"}));
    let replaced = send(&app, Method::PUT, &path, Some(&json!({"_id": "p1", "other": true}))).await;
    let etag = etag_of(&replaced);
    assert_ne!(etag, first_etag, "the ETag changes with the content");
    assert_eq!(expect_json(replaced, StatusCode::OK, "replace").await, json!({"_id": "p1", "other": true}));

    let put_if = |if_match: &str, path: &str| {
        app.client.put(app.url(path)).header("if-match", if_match).json(&json!({"v": 2})).send()
    };
    let stale = put_if(&first_etag, &path).await.expect("request");
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition-failed").await;
    let missing = put_if("*", &coll("people", "documents/nobody")).await.expect("request");
    assert_problem(missing, StatusCode::PRECONDITION_FAILED, "precondition-failed").await;
    assert_problem(app.get(&coll("people", "documents/nobody")).await, StatusCode::NOT_FOUND, "document-not-found")
        .await;
    let fresh = put_if(&etag, &path).await.expect("request");
    assert_eq!(expect_json(fresh, StatusCode::OK, "matching If-Match").await, json!({"_id": "p1", "v": 2}));

    let differing = send(&app, Method::PUT, &path, Some(&json!({"_id": "p2", "v": 3}))).await;
    let body = crate::documents_support::assert_names_path(differing, StatusCode::BAD_REQUEST, "_id", "PUT _id").await;
    assert_eq!(body["status"], 400);
    assert_eq!(expect_json(app.get(&path).await, StatusCode::OK, "unchanged").await, json!({"_id": "p1", "v": 2}));
    assert_problem(app.get(&coll("people", "documents/p2")).await, StatusCode::NOT_FOUND, "document-not-found").await;
});

both_backends!(patch_applies_update_operators_and_keeps_the_document_unchanged_on_any_error, |app| {
    insert(&app, "people", json!({"_id": "p", "name": "A", "age": 30, "tags": ["x"], "gone": 1})).await;
    let path = coll("people", "documents/p");
    let update = json!({
        "$set": {"name": "B"}, "$inc": {"age": 2}, "$unset": {"gone": ""}, "$push": {"tags": {"$each": ["y", "z"]}},
        "$mul": {"score": 3}, "$max": {"best": 5}, "$setOnInsert": {"ignored": true}
    });
    let response = send(&app, Method::PATCH, &path, Some(&update)).await;
    let etag = etag_of(&response);
    let doc = expect_json(response, StatusCode::OK, "patch").await;
    assert_eq!(doc, json!({"_id": "p", "name": "B", "age": 32, "tags": ["x", "y", "z"], "best": 5, "score": 0}));
    assert_eq!(keys(&doc), ["_id", "name", "age", "tags", "best", "score"], "added fields appended in name order");
    assert_eq!(expect_json(app.get(&path).await, StatusCode::OK, "read back").await, doc);

    let more = json!({"$rename": {"name": "full_name"}, "$pull": {"tags": "y"}, "$min": {"best": 1}});
    let doc = expect_json(send(&app, Method::PATCH, &path, Some(&more)).await, StatusCode::OK, "patch 2").await;
    assert_eq!(doc["tags"], json!(["x", "z"]));
    let pop = json!({"$pop": {"tags": 1}});
    let doc = expect_json(send(&app, Method::PATCH, &path, Some(&pop)).await, StatusCode::OK, "$pop").await;
    assert_eq!(doc, json!({"_id": "p", "age": 32, "tags": ["x"], "best": 1, "score": 0, "full_name": "B"}));
    let add = json!({"$addToSet": {"tags": {"$each": ["x", "w"]}}});
    let response = send(&app, Method::PATCH, &path, Some(&add)).await;
    let etag_now = etag_of(&response);
    assert_ne!(etag_now, etag, "a change gives a new ETag");
    let doc = expect_json(response, StatusCode::OK, "addToSet").await;
    assert_eq!(doc["tags"], json!(["x", "w"]));

    let noop = send(&app, Method::PATCH, &path, Some(&json!({"$set": {"age": 32}}))).await;
    assert_eq!(etag_of(&noop), etag_now, "a no-op update keeps the ETag");
    assert_eq!(expect_json(noop, StatusCode::OK, "no-op").await, doc);

    let bad = [
        ("a body without $ operator", json!({"name": "C"}), "update"),
        ("$inc on a string", json!({"$inc": {"full_name": 1}}), "full_name"),
        ("conflicting paths", json!({"$set": {"age": 1}, "$inc": {"age": 1}}), "age"),
        ("changing _id", json!({"$set": {"_id": "other"}}), "_id"),
        ("a positional $ path", json!({"$set": {"tags.$": "q"}}), "tags.$"),
    ];
    for (case, update, path_named) in bad {
        let response = send(&app, Method::PATCH, &path, Some(&update)).await;
        crate::documents_support::assert_names_path(response, StatusCode::BAD_REQUEST, path_named, case).await;
        assert_eq!(expect_json(app.get(&path).await, StatusCode::OK, case).await, doc, "{case}: unchanged");
    }
    let same_id = send(&app, Method::PATCH, &path, Some(&json!({"$set": {"_id": "p"}}))).await;
    assert_eq!(expect_json(same_id, StatusCode::OK, "setting _id to itself").await, doc);

    let stale = app.client.patch(app.url(&path)).header("if-match", &etag).json(&json!({"$set": {"a": 1}}));
    assert_problem(stale.send().await.expect("request"), StatusCode::PRECONDITION_FAILED, "precondition-failed").await;
    let fresh = app.client.patch(app.url(&path)).header("if-match", &etag_now).json(&json!({"$set": {"a": 1}}));
    assert_eq!(fresh.send().await.expect("request").status(), StatusCode::OK, "matching If-Match");
    let set_a = json!({"$set": {"a": 1}});
    let missing = send(&app, Method::PATCH, &coll("people", "documents/nobody"), Some(&set_a)).await;
    assert_problem(missing, StatusCode::NOT_FOUND, "document-not-found").await;
    let missing_if = app.client.patch(app.url(&coll("people", "documents/nobody"))).header("if-match", "*");
    let missing_if = missing_if.json(&json!({"$set": {"a": 1}})).send().await.expect("request");
    assert_problem(missing_if, StatusCode::PRECONDITION_FAILED, "precondition-failed").await;
});

both_backends!(delete_answers_204_then_404_and_honours_if_match, |app| {
    insert(&app, "people", json!({"_id": "p"})).await;
    let path = coll("people", "documents/p");
    let etag = etag_of(&app.get(&path).await);
    let stale = app.client.delete(app.url(&path)).header("if-match", "\"stale\"").send().await.expect("request");
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition-failed").await;
    let ok = app.client.delete(app.url(&path)).header("if-match", &etag).send().await.expect("request");
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_problem(send(&app, Method::DELETE, &path, None).await, StatusCode::NOT_FOUND, "document-not-found").await;
    let gone = app.client.delete(app.url(&path)).header("if-match", &etag).send().await.expect("request");
    assert_problem(gone, StatusCode::PRECONDITION_FAILED, "precondition-failed").await;
});

both_backends!(list_and_find_take_filter_sort_projection_limit_and_skip, |app| {
    let docs: Vec<Value> = (1..=6).map(|i| json!({"_id": i, "n": i % 3, "name": format!("d{i}")})).collect();
    insert_many(&app, "items", Value::Array(docs)).await;
    let query = "filter=%7B%22n%22%3A%7B%22%24gte%22%3A1%7D%7D&sort=%7B%22n%22%3A-1%7D\
                 &projection=%7B%22name%22%3A1%7D&limit=3&skip=1";
    let listed =
        expect_json(app.get(&format!("{}?{query}", coll("items", "documents"))).await, StatusCode::OK, "list").await;
    // n: 1→1, 2→2, 3→0, 4→1, 5→2, 6→0; n>=1 sorted by n desc, ties by insertion: 2,5,1,4; skip 1, limit 3.
    let expected = json!({"documents": [{"_id": 5, "name": "d5"}, {"_id": 1, "name": "d1"}, {"_id": 4, "name": "d4"}]});
    assert_eq!(listed, expected);
    let body =
        json!({"filter": {"n": {"$gte": 1}}, "sort": {"n": -1}, "projection": {"name": 1}, "limit": 3, "skip": 1});
    assert_eq!(find(&app, "items", body).await, expected["documents"].as_array().cloned().unwrap_or_default());
    let everything = expect_json(app.get(&coll("items", "documents")).await, StatusCode::OK, "list all").await;
    assert_eq!(
        ids(everything["documents"].as_array().expect("documents")),
        (1..=6).map(|i| json!(i)).collect::<Vec<_>>()
    );
});

both_backends!(find_one_answers_the_first_match_or_404_by_get_and_post, |app| {
    insert_many(
        &app,
        "people",
        json!([{"_id": 1, "name": "Ann"}, {"_id": 2, "name": "John"}, {"_id": 3, "name": "John"}]),
    )
    .await;
    let got = app.get(&format!("{}?filter=%7B%22name%22%3A%22John%22%7D", coll("people", "find_one"))).await;
    assert!(got.headers().contains_key("etag"), "find_one carries an ETag");
    assert_eq!(expect_json(got, StatusCode::OK, "GET find_one").await, json!({"_id": 2, "name": "John"}));
    let body = json!({"filter": {"name": "John"}, "sort": {"_id": -1}});
    let post = send(&app, Method::POST, &coll("people", "find_one"), Some(&body)).await;
    assert_eq!(expect_json(post, StatusCode::OK, "POST find_one").await, json!({"_id": 3, "name": "John"}));
    let none = send(&app, Method::POST, &coll("people", "find_one"), Some(&json!({"filter": {"name": "Zed"}}))).await;
    assert_problem(none, StatusCode::NOT_FOUND, "document-not-found").await;
    let none = app.get(&format!("{}?filter=%7B%22name%22%3A%22Zed%22%7D", coll("people", "find_one"))).await;
    assert_problem(none, StatusCode::NOT_FOUND, "document-not-found").await;
});

both_backends!(count_update_many_and_delete_many_answer_their_shapes, |app| {
    insert_many(&app, "t", json!([{"_id": 1, "s": "new"}, {"_id": 2, "s": "new"}, {"_id": 3, "s": "old"}])).await;
    assert_eq!(count(&app, "t", json!({"s": "new"})).await, 2);
    assert_eq!(count(&app, "t", json!({})).await, 3);
    let update = async |body: Value| send(&app, Method::POST, &coll("t", "update_many"), Some(&body)).await;
    let result = update(json!({"filter": {"s": "new"}, "update": {"$set": {"s": "seen"}}})).await;
    assert_eq!(expect_json(result, StatusCode::OK, "update_many").await, json!({"matched": 2, "modified": 2}));
    let result = update(json!({"filter": {}, "update": {"$set": {"s": "seen"}}})).await;
    assert_eq!(expect_json(result, StatusCode::OK, "partly no-op").await, json!({"matched": 3, "modified": 1}));
    let upsert =
        json!({"filter": {"_id": 9, "k": "v"}, "update": {"$set": {"a": 1}, "$setOnInsert": {"b": 2}}, "upsert": true});
    let result = expect_json(update(upsert.clone()).await, StatusCode::OK, "upsert").await;
    assert_eq!(result, json!({"matched": 0, "modified": 0, "upserted_id": 9}));
    let stored = expect_json(app.get(&coll("t", "documents/9?id_type=number")).await, StatusCode::OK, "upserted").await;
    assert_eq!(stored, json!({"_id": 9, "k": "v", "a": 1, "b": 2}));
    assert_eq!(keys(&stored), ["_id", "k", "a", "b"]);
    let again = expect_json(update(upsert).await, StatusCode::OK, "upsert matching").await;
    assert_eq!(again, json!({"matched": 1, "modified": 0}), "$setOnInsert ignored on a match");
    let generated = expect_json(
        update(json!({"filter": {"k": "w"}, "update": {"$set": {"a": 1}}, "upsert": true})).await,
        StatusCode::OK,
        "upsert with a generated id",
    )
    .await;
    assert!(generated["upserted_id"].is_string(), "{generated}");

    let before = all(&app, "t").await;
    // Documents 1-3 lack k (so $inc would set it); document 9 has the string "v": the update fails there.
    for (case, body) in [
        ("$inc on a string in a later match", json!({"filter": {}, "update": {"$inc": {"k": 1}}})),
        ("an unknown filter operator", json!({"filter": {"s": {"$foo": 1}}, "update": {"$set": {"x": 1}}})),
        ("an update without operators", json!({"filter": {}, "update": {"x": 1}})),
    ] {
        let response = update(body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
        assert_eq!(all(&app, "t").await, before, "{case}: nothing changed");
    }

    let deleted = send(&app, Method::POST, &coll("t", "delete_many"), Some(&json!({"filter": {"s": "seen"}}))).await;
    assert_eq!(expect_json(deleted, StatusCode::OK, "delete_many").await, json!({"deleted": 3}));
    assert_eq!(count(&app, "t", json!({})).await, 2);
    let none = send(&app, Method::POST, &coll("nothing", "delete_many"), Some(&json!({"filter": {}}))).await;
    assert_eq!(expect_json(none, StatusCode::OK, "delete_many on a missing collection").await, json!({"deleted": 0}));
});

both_backends!(collections_are_listed_with_counts_and_dropped_by_anyone_without_keys, |app| {
    insert_many(&app, "b", json!([{}, {}])).await;
    insert(&app, "a", json!({})).await;
    let listed = expect_json(app.get("/v1/collections").await, StatusCode::OK, "list").await;
    assert_eq!(listed, json!({"collections": [{"name": "a", "count": 1}, {"name": "b", "count": 2}]}));
    assert_eq!(send(&app, Method::DELETE, &coll("b", ""), None).await.status(), StatusCode::NO_CONTENT);
    let listed = expect_json(app.get("/v1/collections").await, StatusCode::OK, "list").await;
    assert_eq!(listed, json!({"collections": [{"name": "a", "count": 1}]}));
    assert_eq!(all(&app, "b").await, Vec::<Value>::new());
    assert_eq!(send(&app, Method::DELETE, &coll("never", ""), None).await.status(), StatusCode::NO_CONTENT);
});

both_backends!(a_missing_collection_reads_as_empty, |app| {
    let listed = expect_json(app.get(&coll("ghost", "documents")).await, StatusCode::OK, "list").await;
    assert_eq!(listed, json!({"documents": []}));
    assert_eq!(count(&app, "ghost", json!({"a": 1})).await, 0);
    assert_eq!(count(&app, "ghost", json!({})).await, 0);
    let one = send(&app, Method::POST, &coll("ghost", "find_one"), Some(&json!({}))).await;
    assert_problem(one, StatusCode::NOT_FOUND, "document-not-found").await;
    assert_problem(app.get(&coll("ghost", "documents/x")).await, StatusCode::NOT_FOUND, "document-not-found").await;
    let indexes = expect_json(app.get(&coll("ghost", "indexes")).await, StatusCode::OK, "indexes").await;
    assert_eq!(indexes, json!({"indexes": [{"name": "_id_", "keys": {"_id": 1}, "unique": true}]}));
    let collections = expect_json(app.get("/v1/collections").await, StatusCode::OK, "collections").await;
    assert_eq!(collections, json!({"collections": []}), "reads do not create collections");
});

both_backends!(an_upsert_seeds_the_new_document_from_the_filter_equalities_including_dotted_paths, |app| {
    let body = json!({
        "filter": {"a.b": 1, "c": {"$eq": "x"}, "d": {"$gt": 5}, "$and": [{"e": 2}]},
        "update": {"$set": {"z": true}, "$setOnInsert": {"m": 0}},
        "upsert": true
    });
    let response = send(&app, Method::POST, &coll("ups", "update_many"), Some(&body)).await;
    let result = expect_json(response, StatusCode::OK, "upsert").await;
    assert_eq!((result["matched"].clone(), result["modified"].clone()), (json!(0), json!(0)));
    let id = result["upserted_id"].as_str().expect("a generated string _id").to_owned();
    let stored = find(&app, "ups", json!({})).await;
    assert_eq!(stored, [json!({"_id": id, "a": {"b": 1}, "c": "x", "e": 2, "m": 0, "z": true})]);
    assert_eq!(keys(&stored[0]), ["_id", "a", "c", "e", "m", "z"], "seeded fields first, then updates by name");
});
