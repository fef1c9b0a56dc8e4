//! Concurrent writes through HTTP: no lost update, no duplicate `_id`.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{
    both_backends,
    documents_support::{all, coll, count, expect_json, find, insert, send},
};

both_backends!(eight_tasks_each_incrementing_a_counter_100_times_give_exactly_800, |app| {
    insert(&app, "c", json!({"_id": "counter", "n": 0})).await;
    let app = std::sync::Arc::new(app);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let app = std::sync::Arc::clone(&app);
            tokio::spawn(async move {
                for _ in 0..100 {
                    let inc = json!({"$inc": {"n": 1}});
                    let response = send(&app, Method::PATCH, &coll("c", "documents/counter"), Some(&inc)).await;
                    assert_eq!(response.status(), StatusCode::OK);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    let doc = expect_json(app.get(&coll("c", "documents/counter")).await, StatusCode::OK, "counter").await;
    assert_eq!(doc, json!({"_id": "counter", "n": 800}));
});

both_backends!(concurrent_inserts_of_one_id_give_exactly_one_201_and_the_rest_409, |app| {
    let app = std::sync::Arc::new(app);
    for round in 0..3 {
        let id = format!("dup{round}");
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let app = std::sync::Arc::clone(&app);
                let body = json!({"_id": id, "writer": i});
                // A fresh collection in round 0: its creation races too.
                tokio::spawn(
                    async move { send(&app, Method::POST, &coll("ids", "documents"), Some(&body)).await.status() },
                )
            })
            .collect();
        let mut statuses = Vec::new();
        for task in tasks {
            statuses.push(task.await.expect("task"));
        }
        let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
        let conflicts = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
        assert_eq!((created, conflicts), (1, 15), "round {round}: {statuses:?}");
    }
    assert_eq!(all(&app, "ids").await.len(), 3);
});

// Reads that stop before the end of their result (a `find_one` among many
// matches) hand their connection back with rows unread; every later read
// on it must still get exactly its own answer.
both_backends!(reads_that_stop_early_leave_their_connection_ready_for_the_next, |app| {
    // Large documents, so what a stopped read leaves unsent overflows the
    // socket buffers and has to be drained.
    let pad = "p".repeat(2000);
    let docs: Vec<_> = (0..400)
        .map(|i| {
            let name = if i % 2 == 0 { "same".to_owned() } else { format!("n{i}") };
            json!({"_id": i, "name": name, "pad": pad})
        })
        .collect();
    let response = send(&app, Method::POST, &coll("early", "documents"), Some(&json!(docs))).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let index = json!({"keys": {"name": 1}});
    assert_eq!(
        send(&app, Method::PUT, &coll("early", "indexes/by_name"), Some(&index)).await.status(),
        StatusCode::CREATED
    );
    let app = std::sync::Arc::new(app);
    // More rounds than there are pooled connections, from several tasks at once.
    let tasks: Vec<_> = (0..4)
        .map(|t| {
            let app = std::sync::Arc::clone(&app);
            tokio::spawn(async move {
                for round in 0..12 {
                    // Answered from the index alone, and one that the matcher must
                    // check (so the store cannot be told to stop after one row).
                    for filter in [json!({"name": "same"}), json!({"name": "same", "_id": {"$gte": 0}})] {
                        let one = json!({"filter": filter, "projection": {"pad": 0}});
                        let first = expect_json(
                            send(&app, Method::POST, &coll("early", "find_one"), Some(&one)).await,
                            StatusCode::OK,
                            "find_one",
                        )
                        .await;
                        assert_eq!(first, json!({"_id": 0, "name": "same"}), "task {t} round {round} {filter}");
                    }
                    let odd = 2 * (t * 12 + round) + 1;
                    let only =
                        find(&app, "early", json!({"filter": {"name": format!("n{odd}")}, "projection": {"pad": 0}}))
                            .await;
                    assert_eq!(only, vec![json!({"_id": odd, "name": format!("n{odd}")})], "task {t} round {round}");
                    let some =
                        find(&app, "early", json!({"filter": {}, "skip": 3, "limit": 2, "projection": {"_id": 1}}))
                            .await;
                    assert_eq!(some, vec![json!({"_id": 3}), json!({"_id": 4})], "task {t} round {round}");
                    assert_eq!(count(&app, "early", json!({"name": "same"})).await, 200, "task {t} round {round}");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
});

// Clients that give up mid-read cancel the server's query; the
// connections those reads held must not serve a later read half-done.
both_backends!(reads_cancelled_by_their_clients_leave_later_reads_exact, |app| {
    let docs: Vec<_> = (0..1500).map(|i| json!({"_id": i, "k": i % 7, "pad": "x".repeat(200)})).collect();
    let response = send(&app, Method::POST, &coll("cancel", "documents"), Some(&json!(docs))).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let impatient = reqwest::Client::builder().timeout(std::time::Duration::from_millis(1)).build().expect("client");
    let url = app.url(&coll("cancel", "find"));
    let slow = json!({"filter": {"pad": {"$regex": "y"}}, "sort": {"k": -1}, "limit": 10000});
    for _ in 0..24 {
        // Whether each one times out before, during or after the query is
        // up to the scheduler; the answers afterwards are what is checked.
        let _ = impatient.post(&url).json(&slow).send().await;
    }
    for k in 0..7 {
        let got = find(&app, "cancel", json!({"filter": {"k": k}, "projection": {"pad": 0}, "limit": 10000})).await;
        let expected: Vec<_> = (0..1500).filter(|i| i % 7 == k).map(|i| json!({"_id": i, "k": k})).collect();
        assert_eq!(got, expected, "k = {k}");
    }
    assert_eq!(count(&app, "cancel", json!({})).await, 1500);
});
