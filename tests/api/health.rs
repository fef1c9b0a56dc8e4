//! `/healthz`, `/readyz`, `/metrics`, request ids.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;

both_backends!(healthz_and_readyz_answer_when_the_database_is_up, |app| {
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.json::<Value>().await.ok(), Some(json!({"status": "ok"})));
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.json::<Value>().await.ok(), Some(json!({"status": "ready"})));
});

both_backends!(readyz_is_503_once_the_database_is_closed, |app| {
    app.ctx.store().close().await;
    let response = app.get("/readyz").await;
    crate::helpers::assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "not-ready").await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK, "the process itself is still alive");
});

mod request_ids {
    use super::*;
    use crate::helpers::{Backend, spawn_app};

    #[tokio::test]
    async fn a_valid_client_request_id_is_echoed_and_others_are_replaced() {
        let app = spawn_app(Backend::Sqlite, "request_ids").await.expect("app");
        let cases = [
            ("abc-123", true),
            ("x".repeat(128).as_str().to_owned().leak() as &str, true),
            ("x".repeat(129).as_str().to_owned().leak() as &str, false),
            ("has space", false),
            ("", false),
        ];
        for (sent, kept) in cases {
            let response =
                app.client.get(app.url("/healthz")).header("x-request-id", sent).send().await.expect("request");
            let got =
                response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            assert!(!got.is_empty(), "every response carries an id (sent {sent:?})");
            assert_eq!(got == sent, kept, "sent {sent:?}, got {got:?}");
        }
        let a = app.get("/healthz").await;
        let b = app.get("/nope").await;
        assert_ne!(a.headers().get("x-request-id"), b.headers().get("x-request-id"), "generated ids differ");
    }

    #[tokio::test]
    async fn metrics_count_requests_by_route_template_and_status() {
        let app = spawn_app(Backend::Sqlite, "metrics").await.expect("app");
        app.get("/healthz").await;
        app.get("/no/such/route/12345").await;
        let response = app.get("/metrics").await;
        assert_eq!(response.status(), StatusCode::OK);
        let text = response.text().await.unwrap_or_default();
        for needle in [
            r#"squall_http_requests_total{method="GET",route="/healthz",status="200"}"#,
            r#"route="unmatched",status="404""#,
            "squall_http_request_duration_seconds_bucket",
            "squall_http_requests_in_flight",
            r#"squall_build_info{version=""#,
        ] {
            assert!(text.contains(needle), "{needle} missing from:\n{text}");
        }
        assert!(!text.contains("12345"), "raw paths must not become labels");
    }
}
