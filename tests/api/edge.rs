//! The HTTP edge: problem+json for every failure, limits, compression.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, assert_problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let app = spawn_app(Backend::Sqlite, "edge").await.expect("app");
    assert_problem(app.get("/v1/nothing-here").await, StatusCode::NOT_FOUND, "route-not-found").await;
    let response = app.client.delete(app.url("/healthz")).send().await.expect("request");
    let allow = response.headers().get("allow").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(allow.contains("GET"), "Allow: {allow}");
    assert_problem(response, StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed").await;
}

#[tokio::test]
async fn bad_bodies_get_problems_that_say_what_to_fix() {
    let app = spawn_app_with(Backend::Sqlite, "edge", |c| c.limits.body_bytes = 1024).await.expect("app");
    let echo = app.post_json("/test/echo", &json!({"a": [1, 2.5, "x"]})).await;
    assert_eq!(echo.status(), StatusCode::OK);
    assert_eq!(echo.json::<Value>().await.ok(), Some(json!({"a": [1, 2.5, "x"]})));

    let send = |body: &'static str, content_type: Option<&'static str>| {
        let mut request = app.client.post(app.url("/test/echo")).body(body);
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        request.send()
    };
    let malformed = send("{\"a\": ", Some("application/json")).await.expect("request");
    let body = assert_problem(malformed, StatusCode::BAD_REQUEST, "malformed-json").await;
    assert!(body["detail"].as_str().unwrap_or_default().contains("line 1"), "{body}");
    assert_problem(
        send("{}", Some("text/plain")).await.expect("request"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;
    assert_problem(
        send("{}", None).await.expect("request"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;

    let big = json!({"a": "x".repeat(2000)});
    assert_problem(app.post_json("/test/echo", &big).await, StatusCode::PAYLOAD_TOO_LARGE, "body-too-large").await;

    let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let app2 = spawn_app(Backend::Sqlite, "edge").await.expect("app");
    let response = app2
        .client
        .post(app2.url("/test/echo"))
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .await
        .expect("request");
    assert_problem(response, StatusCode::BAD_REQUEST, "malformed-json").await;
    assert_eq!(app2.get("/healthz").await.status(), StatusCode::OK, "the server survives");
}

#[tokio::test]
async fn a_panic_is_a_500_with_the_request_id_and_no_internals() {
    let app = spawn_app(Backend::Sqlite, "edge").await.expect("app");
    let response =
        app.client.get(app.url("/test/panic")).header("x-request-id", "panic-1").send().await.expect("request");
    let body = assert_problem(response, StatusCode::INTERNAL_SERVER_ERROR, "internal").await;
    assert_eq!(body["request_id"], "panic-1");
    assert!(body["detail"].as_str().unwrap_or_default().contains("panic-1"), "{body}");
    assert!(!body.to_string().contains("secret internals"), "{body}");
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK, "the server survives");
}

#[tokio::test]
async fn a_handler_past_the_deadline_answers_504() {
    let app = spawn_app_with(Backend::Sqlite, "edge", |c| c.limits.request_timeout_ms = 50).await.expect("app");
    // /test/wait never finishes unless released: only the deadline can end it.
    let body = assert_problem(app.get("/test/wait").await, StatusCode::GATEWAY_TIMEOUT, "request-timeout").await;
    assert!(body["detail"].as_str().unwrap_or_default().contains("request_timeout_ms"), "{body}");
    assert_eq!(app.ctx.lifecycle().in_flight(), 0, "the timed-out handler was dropped");
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let app = spawn_app(Backend::Sqlite, "edge").await.expect("app");
    let raw = reqwest::Client::builder().no_gzip().build().expect("client");
    for encoding in ["gzip", "br"] {
        let response =
            raw.get(app.url("/openapi.json")).header("accept-encoding", encoding).send().await.expect("request");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers().get("content-encoding").and_then(|v| v.to_str().ok()), Some(encoding));
    }
    let plain = raw.get(app.url("/openapi.json")).send().await.expect("request");
    assert!(plain.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_dropped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(Backend::Sqlite, "edge", |c| c.limits.header_read_timeout_ms = 100).await.expect("app");
    let mut socket = tokio::net::TcpStream::connect(app.addr).await.expect("connect");
    socket.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.expect("write");
    let mut buf = Vec::new();
    // The server closes the connection (possibly after a 408); a hung read
    // would fail the test through the outer timeout.
    let read = tokio::time::timeout(std::time::Duration::from_secs(20), socket.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server kept a half-sent request open");
    let text = String::from_utf8_lossy(&buf);
    assert!(!text.contains("200 OK"), "{text}");
}

#[tokio::test]
async fn huge_headers_are_refused_and_the_server_stays_healthy() {
    let app = spawn_app(Backend::Sqlite, "edge").await.expect("app");
    let response = app.client.get(app.url("/healthz")).header("x-big", "a".repeat(100_000)).send().await;
    if let Ok(response) = response {
        assert_eq!(response.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    }
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn max_connections_holds_extra_clients_until_a_slot_frees() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(Backend::Sqlite, "edge", |c| c.limits.max_connections = 1).await.expect("app");
    let mut first = tokio::net::TcpStream::connect(app.addr).await.expect("connect");
    first.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    let mut buf = [0u8; 512];
    let n = first.read(&mut buf).await.expect("read");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    // The first connection stays open (keep-alive): the second waits.
    let second = tokio::spawn({
        let client = app.client.clone();
        let url = app.url("/healthz");
        async move { client.get(url).send().await.map(|r| r.status()) }
    });
    let mut second = second;
    let early = tokio::time::timeout(std::time::Duration::from_millis(300), &mut second).await;
    assert!(early.is_err(), "a second connection was served while the only slot was taken: {early:?}");
    drop(first);
    let status = second.await.expect("join").expect("second request");
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn random_bytes_truncated_requests_and_huge_headers_leave_the_server_healthy() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(Backend::Sqlite, "edge", |c| c.limits.header_read_timeout_ms = 500).await.expect("app");
    // A fixed-seed xorshift: reproducible garbage without a new dependency.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut payloads: Vec<Vec<u8>> = Vec::new();
    for len in [1usize, 7, 64, 1000, 70_000] {
        payloads.push((0..len).map(|_| next() as u8).collect());
    }
    let valid = b"POST /v1/collections/fuzz/documents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"a\": [1, 2, {\"b\":";
    for cut in [5usize, 20, 60, valid.len() - 3, valid.len()] {
        payloads.push(valid[..cut].to_vec());
    }
    payloads.push(format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(200_000)).into_bytes());
    payloads.push(b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n".to_vec());
    payloads.push(b"GET /\x00\xff HTTP/1.1\r\n\r\n".to_vec());
    payloads.push(format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(100_000)).into_bytes());
    payloads.push(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12garbage".to_vec());
    for payload in &payloads {
        let Ok(mut socket) = tokio::net::TcpStream::connect(app.addr).await else { continue };
        let _ = socket.write_all(payload).await;
        let _ = socket.shutdown().await;
        let mut sink = Vec::new();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), socket.read_to_end(&mut sink)).await;
        let text = String::from_utf8_lossy(&sink);
        assert!(!text.starts_with("HTTP/1.1 5"), "a malformed request caused a server error: {text}");
    }
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK, "the server survives");
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
}
