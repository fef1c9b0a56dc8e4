//! `/v1/collections`: the router of the documents capability, plus the
//! collection and index routes.

use axum::{
    Json, Router,
    extract::{Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post, put},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    documents,
    error::{ApiError, ApiResult},
    extract::{ApiPath, json_body_bytes},
};
use crate::{context::AppContext, documents::parse_body};

/// The documents routes.
pub fn router() -> Router<AppContext> {
    Router::new()
        .route("/v1/collections", get(list_collections))
        .route("/v1/collections/{c}", axum::routing::delete(drop_collection))
        .route("/v1/collections/{c}/documents", post(documents::insert).get(documents::list))
        .route(
            "/v1/collections/{c}/documents/{id}",
            get(documents::get).put(documents::replace).patch(documents::patch).delete(documents::delete),
        )
        .route("/v1/collections/{c}/find", post(documents::find))
        .route("/v1/collections/{c}/find_one", get(documents::find_one_get).post(documents::find_one_post))
        .route("/v1/collections/{c}/count", post(documents::count))
        .route("/v1/collections/{c}/update_many", post(documents::update_many))
        .route("/v1/collections/{c}/delete_many", post(documents::delete_many))
        .route("/v1/collections/{c}/indexes", get(list_indexes))
        .route("/v1/collections/{c}/indexes/{name}", put(create_index).delete(drop_index))
}

/// Every collection with its document count.
#[utoipa::path(get, path = "/v1/collections", tag = "collections",
    responses((status = 200, description = "`{\"collections\": [{\"name\",\"count\"}]}`", body = Object)),
    security(("api_key" = ["read"])))]
pub async fn list_collections(State(ctx): State<AppContext>) -> ApiResult<Json<Value>> {
    Ok(Json(json!({"collections": ctx.collections().await?})))
}

/// Drops a collection with its documents and indexes (admin).
#[utoipa::path(delete, path = "/v1/collections/{c}", tag = "collections",
    params(("c" = String, Path, description = "Collection name")),
    responses((status = 204, description = "Dropped (also when it did not exist)"),
        (status = 400, description = "`collection-name-invalid`", content_type = "application/problem+json", body = super::openapi::Problem)),
    security(("api_key" = ["admin"])))]
pub async fn drop_collection(State(ctx): State<AppContext>, ApiPath(c): ApiPath<String>) -> ApiResult<StatusCode> {
    ctx.documents(&c)?.drop_collection().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The indexes of a collection, the built-in `_id_` first.
#[utoipa::path(get, path = "/v1/collections/{c}/indexes", tag = "collections",
    params(("c" = String, Path, description = "Collection name")),
    responses((status = 200, description = "`{\"indexes\": [{\"name\",\"keys\",\"unique\"}]}`", body = Object)),
    security(("api_key" = ["read"])))]
pub async fn list_indexes(State(ctx): State<AppContext>, ApiPath(c): ApiPath<String>) -> ApiResult<Json<Value>> {
    Ok(Json(json!({"indexes": ctx.documents(&c)?.indexes().await?})))
}

/// Path of an index route.
#[derive(Debug, Deserialize)]
pub struct IndexPath {
    c: String,
    name: String,
}

/// Creates an index over existing documents.
#[utoipa::path(put, path = "/v1/collections/{c}/indexes/{name}", tag = "collections",
    params(("c" = String, Path, description = "Collection name"), ("name" = String, Path, description = "Index name")),
    request_body(content = Object, example = json!({"keys": {"name": 1}, "unique": false})),
    responses(
        (status = 201, description = "Built over the existing documents", body = Object),
        (status = 200, description = "The same index (same keys and `unique`) already exists", body = Object),
        (status = 400, description = "`invalid-query` (bad keys), `index-name-invalid`, `id-index-builtin`", content_type = "application/problem+json", body = super::openapi::Problem),
        (status = 409, description = "`index-conflict` (a different index of that name), `duplicate-key` (existing documents violate `unique`)", content_type = "application/problem+json", body = super::openapi::Problem),
    ),
    security(("api_key" = ["write"])))]
pub async fn create_index(
    State(ctx): State<AppContext>,
    ApiPath(IndexPath { c, name }): ApiPath<IndexPath>,
    request: Request,
) -> ApiResult<Response> {
    let collection = ctx.documents(&c)?;
    let body = parse_body(&json_body_bytes(request, &ctx).await?)?;
    let Value::Object(mut fields) = body else {
        return Err(ApiError::invalid("body", "must be {\"keys\": {...}, \"unique\": bool}"));
    };
    let keys = fields.remove("keys").ok_or_else(|| ApiError::invalid("keys", "required, e.g. {\"name\": 1}"))?;
    let unique = match fields.remove("unique") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => b,
        Some(_) => return Err(ApiError::invalid("unique", "must be true or false")),
    };
    if let Some(extra) = fields.keys().next() {
        return Err(ApiError::invalid(format!("body.{extra}"), "unknown field; expected keys and unique"));
    }
    let created = collection.create_index(&name, &keys, unique).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(json!({"name": name, "keys": keys, "unique": unique}))).into_response())
}

/// Drops an index (admin); `_id_` cannot be dropped.
#[utoipa::path(delete, path = "/v1/collections/{c}/indexes/{name}", tag = "collections",
    params(("c" = String, Path, description = "Collection name"), ("name" = String, Path, description = "Index name")),
    responses(
        (status = 204, description = "Dropped"),
        (status = 400, description = "`id-index-builtin`", content_type = "application/problem+json", body = super::openapi::Problem),
        (status = 404, description = "`index-not-found`", content_type = "application/problem+json", body = super::openapi::Problem),
    ),
    security(("api_key" = ["admin"])))]
pub async fn drop_index(
    State(ctx): State<AppContext>,
    ApiPath(IndexPath { c, name }): ApiPath<IndexPath>,
) -> ApiResult<StatusCode> {
    ctx.documents(&c)?.drop_index(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}
