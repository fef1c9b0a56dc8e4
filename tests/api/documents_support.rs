//! Small HTTP helpers shared by the documents tests: raw requests, inserts
//! that assert success, `find` returning documents or `_id`s, and a check
//! that a 4xx problem names the offending path.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Sends `method path` with an optional JSON body.
pub async fn send(app: &TestApp, method: Method, path: &str, body: Option<&Value>) -> Response {
    let mut request = app.client.request(method, app.url(path));
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.expect("request")
}

/// Sends `method path` with a raw JSON text body.
pub async fn send_raw(app: &TestApp, method: Method, path: &str, body: impl Into<String>) -> Response {
    app.client
        .request(method, app.url(path))
        .header("content-type", "application/json")
        .body(body.into())
        .send()
        .await
        .expect("request")
}

/// The JSON body of a response with `status`, naming `what` on failure.
pub async fn expect_json(response: Response, status: StatusCode, what: &str) -> Value {
    let got = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(got, status, "{what}: status, body {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: body is not JSON ({e}): {text}"))
}

/// `/v1/collections/{c}/{rest}`.
pub fn coll(c: &str, rest: &str) -> String {
    if rest.is_empty() { format!("/v1/collections/{c}") } else { format!("/v1/collections/{c}/{rest}") }
}

/// Inserts one document and returns the stored one (asserting 201).
pub async fn insert(app: &TestApp, c: &str, doc: Value) -> Value {
    let response = send(app, Method::POST, &coll(c, "documents"), Some(&doc)).await;
    expect_json(response, StatusCode::CREATED, &format!("insert {doc}")).await
}

/// Inserts an array of documents (asserting 201) and returns them.
pub async fn insert_many(app: &TestApp, c: &str, docs: Value) -> Vec<Value> {
    let response = send(app, Method::POST, &coll(c, "documents"), Some(&docs)).await;
    let body = expect_json(response, StatusCode::CREATED, "bulk insert").await;
    body["documents"].as_array().cloned().unwrap_or_else(|| panic!("bulk insert answers {{documents}}: {body}"))
}

/// `POST find` with `body`, asserting 200; the documents.
pub async fn find(app: &TestApp, c: &str, body: Value) -> Vec<Value> {
    let response = send(app, Method::POST, &coll(c, "find"), Some(&body)).await;
    let answer = expect_json(response, StatusCode::OK, &format!("find {body}")).await;
    answer["documents"].as_array().cloned().unwrap_or_else(|| panic!("find answers {{documents}}: {answer}"))
}

/// Every document of `c` in insertion order (up to the maximum limit).
pub async fn all(app: &TestApp, c: &str) -> Vec<Value> {
    find(app, c, json!({"limit": 10000})).await
}

/// The `_id`s of the documents.
pub fn ids(docs: &[Value]) -> Vec<Value> {
    docs.iter().map(|d| d["_id"].clone()).collect()
}

/// The document's keys in order.
pub fn keys(doc: &Value) -> Vec<String> {
    doc.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

/// `POST count` with `filter`.
pub async fn count(app: &TestApp, c: &str, filter: Value) -> u64 {
    let response = send(app, Method::POST, &coll(c, "count"), Some(&json!({"filter": filter}))).await;
    let body = expect_json(response, StatusCode::OK, "count").await;
    body["count"].as_u64().unwrap_or_else(|| panic!("count answers {{count}}: {body}"))
}

/// Asserts a problem+json 4xx whose `errors` (or `detail`) names `path`; returns the body.
pub async fn assert_names_path(response: Response, status: StatusCode, path: &str, what: &str) -> Value {
    let got = response.status();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let text = response.text().await.expect("body");
    assert_eq!(got, status, "{what}: status, body {text}");
    assert_eq!(content_type, "application/problem+json", "{what}: content type");
    let body: Value = serde_json::from_str(&text).expect("problem body is JSON");
    let named = body["errors"].as_array().is_some_and(|errors| {
        errors.iter().any(|e| e["path"].as_str().is_some_and(|p| p.contains(path)) && e["message"].is_string())
    }) || body["detail"].as_str().is_some_and(|d| d.contains(path));
    assert!(named, "{what}: the problem should name {path:?}: {body}");
    body
}
