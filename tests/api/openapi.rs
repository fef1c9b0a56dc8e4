//! The OpenAPI document and the offline docs page.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;
use squall::http::{access, problem::ProblemKind};

use crate::helpers::{Backend, spawn_app};

/// Routes served but deliberately not described (the docs UI itself).
const UNDESCRIBED: &[&str] = &["/openapi.json", "/docs", "/docs/", "/docs/{*rest}"];

#[tokio::test]
async fn the_document_is_openapi_3_1_and_lists_every_route_with_its_access() {
    let app = spawn_app(Backend::Sqlite, "openapi").await.expect("app");
    let doc: Value = app.get("/openapi.json").await.json().await.expect("JSON");
    assert!(doc["openapi"].as_str().unwrap_or_default().starts_with("3.1"), "{}", doc["openapi"]);
    let mut described = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            described.insert((method.to_uppercase(), path.clone()));
            assert!(operation["responses"].is_object(), "{method} {path} has responses");
        }
    }
    let table: BTreeSet<(String, String)> = access::TABLE
        .iter()
        .filter(|(_, route, _)| !UNDESCRIBED.contains(route))
        .map(|(m, r, _)| ((*m).to_owned(), (*r).to_owned()))
        .collect();
    assert_eq!(described, table, "every route in the access table is documented, and nothing else");
    assert_eq!(doc["components"]["securitySchemes"]["api_key"]["scheme"], "bearer");
    let types: Vec<&str> =
        doc["x-problem-types"].as_array().expect("x-problem-types").iter().filter_map(|t| t["type"].as_str()).collect();
    for kind in ProblemKind::ALL {
        assert!(types.contains(&kind.type_uri().as_str()), "{} is listed", kind.type_uri());
    }
}

#[tokio::test]
async fn the_docs_page_and_every_asset_it_references_are_served_locally() {
    let app = spawn_app(Backend::Sqlite, "openapi").await.expect("app");
    let page = app.get("/docs/").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap_or_default();
    let mut assets = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for piece in html.split(attr).skip(1) {
            if let Some(end) = piece.find('"') {
                assets.push(piece[..end].to_owned());
            }
        }
    }
    assert!(assets.len() >= 3, "the page references its scripts and styles: {assets:?}");
    for asset in &assets {
        assert!(
            !asset.starts_with("http://") && !asset.starts_with("https://") && !asset.starts_with("//"),
            "remote asset {asset}"
        );
        let path =
            if asset.starts_with('/') { asset.clone() } else { format!("/docs/{}", asset.trim_start_matches("./")) };
        let response = app.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    let initializer = app.get("/docs/swagger-initializer.js").await.text().await.unwrap_or_default();
    assert!(initializer.contains("/openapi.json"), "{initializer}");
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    if let Some(r) = v.as_str() {
                        out.push(r.to_owned());
                    }
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_reference_in_the_document_resolves_and_every_operation_is_complete() {
    let doc = serde_json::to_value(squall::http::openapi::document()).expect("document");
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    for reference in &refs {
        let pointer = reference.strip_prefix('#').unwrap_or_else(|| panic!("external $ref {reference}"));
        assert!(doc.pointer(pointer).is_some(), "$ref {reference} does not resolve");
    }
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            assert!(op["summary"].is_string() || op["description"].is_string(), "{method} {path} is described");
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has responses");
            let params: Vec<&str> = op["parameters"]
                .as_array()
                .map(|p| p.iter().filter(|p| p["in"] == "path").filter_map(|p| p["name"].as_str()).collect())
                .unwrap_or_default();
            for segment in path.split('/').filter(|s| s.starts_with('{')) {
                let name = segment.trim_matches(|c| c == '{' || c == '}');
                assert!(params.contains(&name), "{method} {path}: path parameter {name} is declared");
            }
            if path.starts_with("/v1") || path == "/metrics" {
                assert!(op["security"].is_array(), "{method} {path} names the role it needs");
            }
        }
    }
}
