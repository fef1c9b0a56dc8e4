//! API keys and roles, rate limits, CORS.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sha2::{Digest, Sha256};
use squall::config::{ApiKeyConfig, RateLimitConfig, Role, Secret};

use crate::helpers::{Backend, TestApp, assert_problem, spawn_app, spawn_app_with};

const READ: &str = "sq_test_read";
const WRITE: &str = "sq_test_write";
const ADMIN: &str = "sq_test_admin";
const METRICS: &str = "sq_test_metrics";

fn key(secret: &str, role: Role, name: Option<&str>) -> ApiKeyConfig {
    ApiKeyConfig { name: name.map(str::to_owned), sha256: Secret::new(hex::encode(Sha256::digest(secret))), role }
}

async fn app_with_keys() -> TestApp {
    spawn_app_with(Backend::Sqlite, "auth", |c| {
        c.auth.keys = vec![
            key(READ, Role::Read, Some("reader")),
            key(WRITE, Role::Write, None),
            key(ADMIN, Role::Admin, Some("boss")),
            key(METRICS, Role::Metrics, Some("prom")),
        ];
    })
    .await
    .expect("app")
}

async fn call(app: &TestApp, method: Method, path: &str, bearer: Option<&str>) -> reqwest::Response {
    let mut request = app.client.request(method, app.url(path));
    if let Some(key) = bearer {
        request = request.bearer_auth(key);
    }
    if path == "/test/echo" {
        request = request.json(&json!({}));
    }
    request.send().await.expect("request")
}

#[tokio::test]
async fn without_a_valid_key_protected_routes_are_401_with_www_authenticate() {
    let app = app_with_keys().await;
    for bearer in [None, Some("sq_wrong"), Some("")] {
        let response = call(&app, Method::GET, "/metrics", bearer).await;
        assert_eq!(
            response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()),
            Some("Bearer realm=\"squall\""),
            "{bearer:?}"
        );
        assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    let basic = app.client.get(app.url("/metrics")).basic_auth("u", Some("p")).send().await.expect("request");
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn each_role_gets_exactly_what_the_spec_grants() {
    let app = app_with_keys().await;
    // (method, path, [read, write, admin, metrics] expected success)
    let table: &[(Method, &str, [bool; 4])] = &[
        (Method::GET, "/healthz", [true; 4]),
        (Method::GET, "/readyz", [true; 4]),
        (Method::GET, "/openapi.json", [true; 4]),
        (Method::GET, "/docs/", [true; 4]),
        (Method::GET, "/metrics", [false, false, true, true]),
        (Method::POST, "/test/echo", [false, true, true, false]),
    ];
    for (method, path, expected) in table {
        for (key, allowed) in [READ, WRITE, ADMIN, METRICS].iter().zip(expected) {
            let status = call(&app, method.clone(), path, Some(key)).await.status();
            if *allowed {
                assert!(status.is_success(), "{method} {path} with {key}: {status}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path} with {key}");
            }
        }
    }
    let public = call(&app, Method::GET, "/healthz", None).await;
    assert_eq!(public.status(), StatusCode::OK, "public routes need no key");
    let forbidden = call(&app, Method::GET, "/metrics", Some(READ)).await;
    let body = assert_problem(forbidden, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(body["detail"].as_str().unwrap_or_default().contains("metrics"), "{body}");
}

#[tokio::test]
async fn an_exposed_address_without_keys_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("squall.db").display());
    let exposed = |adjust: fn(&mut squall::Config)| {
        let mut config = crate::helpers::test_config(&url);
        config.listen = "0.0.0.0:0".parse().expect("addr");
        adjust(&mut config);
        squall::App::build(config)
    };
    let refused = exposed(|_| {}).await;
    assert!(matches!(refused, Err(squall::AppError::Unauthenticated(_))), "{refused:?}");
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("--allow-unauthenticated"), "{message}");
    let allowed = exposed(|c| c.allow_unauthenticated = true).await;
    assert!(allowed.is_ok(), "{allowed:?}");
    drop(allowed);
    let with_keys = exposed(|c| c.auth.keys = vec![key(READ, Role::Read, None)]).await;
    assert!(with_keys.is_ok(), "{with_keys:?}");
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after_and_spares_probes() {
    let app = spawn_app_with(Backend::Sqlite, "auth", |c| {
        c.rate_limit = Some(RateLimitConfig { requests_per_second: 1, burst: 3 });
    })
    .await
    .expect("app");
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(app.get("/openapi.json").await.status());
    }
    assert_eq!(&statuses[..3], &[StatusCode::OK; 3], "{statuses:?}");
    let limited = app.get("/openapi.json").await;
    let retry_after: u64 =
        limited.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse().ok()).unwrap_or(0);
    assert!(retry_after >= 1, "Retry-After: {retry_after}");
    assert_problem(limited, StatusCode::TOO_MANY_REQUESTS, "rate-limited").await;
    for _ in 0..5 {
        assert_eq!(app.get("/healthz").await.status(), StatusCode::OK, "probes are never limited");
    }
}

#[tokio::test]
async fn keys_are_limited_separately() {
    let app = spawn_app_with(Backend::Sqlite, "auth", |c| {
        c.auth.keys = vec![key(READ, Role::Read, None), key(WRITE, Role::Write, None)];
        c.rate_limit = Some(RateLimitConfig { requests_per_second: 1, burst: 1 });
    })
    .await
    .expect("app");
    assert_eq!(call(&app, Method::GET, "/openapi.json", Some(READ)).await.status(), StatusCode::OK);
    assert_eq!(call(&app, Method::GET, "/openapi.json", Some(READ)).await.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(call(&app, Method::GET, "/openapi.json", Some(WRITE)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn cors_is_off_by_default() {
    let app = spawn_app(Backend::Sqlite, "auth").await.expect("app");
    let response =
        app.client.get(app.url("/healthz")).header("origin", "https://app.example.com").send().await.expect("request");
    assert!(response.headers().keys().all(|k| !k.as_str().starts_with("access-control-")), "{:?}", response.headers());
}

#[tokio::test]
async fn configured_origins_get_cors_and_preflights_need_no_key() {
    let app = spawn_app_with(Backend::Sqlite, "auth", |c| {
        c.cors.allowed_origins = vec!["https://app.example.com".into()];
        c.auth.keys = vec![key(READ, Role::Read, None)];
    })
    .await
    .expect("app");
    let preflight = app
        .client
        .request(Method::OPTIONS, app.url("/metrics"))
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .expect("request");
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        preflight.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()),
        Some("https://app.example.com")
    );
    let other =
        app.client.get(app.url("/healthz")).header("origin", "https://evil.example.com").send().await.expect("request");
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn sql_looking_input_is_just_data() {
    let app = spawn_app(Backend::Sqlite, "auth").await.expect("app");
    for hostile in [json!({"a'; DROP TABLE documents; --": 1}), json!({"data->>'x'": "'; DELETE FROM squall_meta; --"})]
    {
        let response = app.post_json("/test/echo", &hostile).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.json::<serde_json::Value>().await.ok(), Some(hostile));
    }
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
}

/// A concrete URL for a route template (path parameters filled in).
fn concrete(template: &str) -> String {
    template
        .replace("{c}", "people")
        .replace("{id}", "p1")
        .replace("{name}", "by_name")
        .replace("{*rest}", "index.html")
}

#[tokio::test]
async fn every_documented_route_answers_each_role_as_the_access_table_says() {
    let app = app_with_keys().await;
    let doc: serde_json::Value = app.get("/openapi.json").await.json().await.expect("JSON");
    let roles = [(READ, Role::Read), (WRITE, Role::Write), (ADMIN, Role::Admin), (METRICS, Role::Metrics)];
    let mut checked = 0;
    for (template, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let access = squall::http::access::lookup(&[], &method, template)
                .unwrap_or_else(|| panic!("{method} {template} has no access entry"));
            for (key, role) in roles {
                let mut request = app.client.request(method.clone(), app.url(&concrete(template))).bearer_auth(key);
                if method == Method::POST || method == Method::PUT || method == Method::PATCH {
                    request = request.json(&json!({}));
                }
                let status = request.send().await.expect("request").status();
                let allowed = match access {
                    squall::http::access::Access::Public => true,
                    squall::http::access::Access::Role(needed) => role.allows(needed),
                };
                if allowed {
                    assert!(
                        status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED,
                        "{method} {template} as {role:?} should pass authorization, got {status}"
                    );
                } else {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{method} {template} as {role:?}");
                }
                checked += 1;
            }
            let anonymous =
                app.client.request(method.clone(), app.url(&concrete(template))).send().await.expect("request");
            let expected = if access == squall::http::access::Access::Public { "not 401" } else { "401" };
            assert_eq!(
                anonymous.status() == StatusCode::UNAUTHORIZED,
                expected == "401",
                "{method} {template} without a key: {}",
                anonymous.status()
            );
        }
    }
    assert!(checked >= 4 * 20, "only {checked} checks: is the document missing routes?");
}
