//! The document routes: insert, get, replace, patch, delete, list and the
//! query endpoints. Each handler parses, calls [`crate::documents`] and
//! shapes the answer; no rule lives here.

use std::collections::BTreeMap;

use axum::{
    Json,
    body::Bytes,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    error::{ApiError, ApiResult},
    extract::{ApiPath, ApiQuery, json_body_bytes},
    find_params::{self, FILTER_FIELDS, FIND_FIELDS, UPDATE_FIELDS},
    problem::ProblemKind,
};
use crate::{
    context::AppContext,
    documents::{Collection, DocumentsError, StoredDocument, parse_body},
};

/// `?id_type=number` addresses a numeric `_id`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IdType {
    /// `string` (default) or `number`.
    pub id_type: Option<String>,
}

/// Path of a document route.
#[derive(Debug, Deserialize)]
pub struct DocPath {
    c: String,
    id: String,
}

/// The `_id` a path names.
///
/// # Errors
/// 400 for `id_type=number` with a non-number, or an unknown `id_type`.
pub fn path_id(id: &str, id_type: Option<&str>) -> ApiResult<Value> {
    match id_type {
        None | Some("string") => Ok(Value::String(id.to_owned())),
        Some("number") => match parse_body(id.as_bytes()) {
            Ok(Value::Number(n)) => Ok(Value::Number(n)),
            _ => Err(ApiError::new(ProblemKind::InvalidPath, format!("id {id:?} is not a number (id_type=number)"))),
        },
        Some(other) => Err(ApiError::new(
            ProblemKind::InvalidQueryParameter,
            format!("id_type must be string or number, not {other:?}"),
        )),
    }
}

fn if_match(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok())
}

/// A JSON response from text squall already holds (the stored document
/// text is sent as is: it was serialised once, when written).
fn json_text(status: StatusCode, text: String) -> Response {
    let mut response = (status, text).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A document answer with its `ETag`.
fn with_etag(status: StatusCode, doc: StoredDocument) -> Response {
    let etag = HeaderValue::from_str(&doc.etag).ok();
    let mut response = json_text(status, doc.into_json());
    if let Some(etag) = etag {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

fn documents_json(status: StatusCode, docs: Vec<StoredDocument>) -> Response {
    let mut out = String::from("{\"documents\":[");
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        doc.write_json(&mut out);
    }
    out.push_str("]}");
    json_text(status, out)
}

fn location(collection: &str, id: &Value) -> Option<HeaderValue> {
    let path = match id {
        Value::String(s) => format!("/v1/collections/{collection}/documents/{}", encode_segment(s)),
        other => format!("/v1/collections/{collection}/documents/{other}?id_type=number"),
    };
    HeaderValue::from_str(&path).ok()
}

/// Percent-encodes a path segment: everything but RFC 3986's unreserved
/// characters (form encoding would turn a space into `+`, which a path
/// reads back as a literal plus).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn body_of(request: Request, ctx: &AppContext) -> ApiResult<Bytes> {
    json_body_bytes(request, ctx).await
}

/// Inserts one document (an object) or several (an array, all or nothing).
#[utoipa::path(post, path = "/v1/collections/{c}/documents", tag = "documents",
    params(("c" = String, Path, description = "Collection name")),
    request_body(content = Object, description = "A document, or an array of documents", example = json!({"name": "John", "age": 31})),
    responses(
        (status = 201, description = "The stored document (`ETag`, `Location`), or `{\"documents\": [...]}` for an array", body = Object),
        (status = 400, description = "`invalid-document`, `document-too-large`, `collection-name-invalid`, `malformed-json`", content_type = "application/problem+json", body = super::openapi::Problem),
        (status = 409, description = "`duplicate-key`: the `_id` exists or a unique index is violated", content_type = "application/problem+json", body = super::openapi::Problem),
    ),
    security(("api_key" = ["write"])))]
pub async fn insert(
    State(ctx): State<AppContext>,
    ApiPath(c): ApiPath<String>,
    request: Request,
) -> ApiResult<Response> {
    let collection = ctx.documents(&c)?;
    let raw = body_of(request, &ctx).await?;
    match parse_body(&raw)? {
        Value::Array(docs) => {
            let stored = collection.insert_many(docs).await?;
            Ok(documents_json(StatusCode::CREATED, stored))
        }
        doc => {
            let stored = collection.insert_one(doc).await?;
            let location = stored.id().and_then(|id| location(collection.name(), id));
            let mut response = with_etag(StatusCode::CREATED, stored);
            if let Some(location) = location {
                response.headers_mut().insert(header::LOCATION, location);
            }
            Ok(response)
        }
    }
}

/// One document by `_id`, with its `ETag` (304 on a matching `If-None-Match`).
#[utoipa::path(get, path = "/v1/collections/{c}/documents/{id}", tag = "documents",
    params(("c" = String, Path, description = "Collection name"), ("id" = String, Path, description = "The `_id`"), IdType),
    responses(
        (status = 200, description = "The document", body = Object),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 404, description = "`document-not-found`", content_type = "application/problem+json", body = super::openapi::Problem),
    ),
    security(("api_key" = ["read"])))]
pub async fn get(
    State(ctx): State<AppContext>,
    ApiPath(DocPath { c, id }): ApiPath<DocPath>,
    ApiQuery(q): ApiQuery<IdType>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let id = path_id(&id, q.id_type.as_deref())?;
    let collection = ctx.documents(&c)?;
    let doc = collection
        .get(&id)
        .await?
        .ok_or_else(|| DocumentsError::NotFound { collection: c.clone(), id: id.to_string() })?;
    let none_match = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    if none_match.is_some_and(|h| {
        h.split(',')
            .map(str::trim)
            .any(|t| t == "*" || t == doc.etag || t.strip_prefix("W/") == Some(doc.etag.as_str()))
    }) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(etag) = HeaderValue::from_str(&doc.etag) {
            response.headers_mut().insert(header::ETAG, etag);
        }
        return Ok(response);
    }
    Ok(with_etag(StatusCode::OK, doc))
}

/// What PUT and PATCH both read: the collection, the `_id`, `If-Match` and the JSON body.
async fn write_request(
    ctx: &AppContext,
    c: &str,
    id: &str,
    id_type: Option<&str>,
    request: Request,
) -> ApiResult<(Collection, Value, Option<String>, Value)> {
    let id = path_id(id, id_type)?;
    let collection = ctx.documents(c)?;
    let if_match = if_match(request.headers()).map(str::to_owned);
    let body = parse_body(&body_of(request, ctx).await?)?;
    Ok((collection, id, if_match, body))
}

/// Replaces the whole document (creates it if absent: 201); honours `If-Match`.
#[utoipa::path(put, path = "/v1/collections/{c}/documents/{id}", tag = "documents",
    params(("c" = String, Path, description = "Collection name"), ("id" = String, Path, description = "The `_id`"), IdType),
    request_body(content = Object, description = "The whole document (`_id` optional; if given it must equal the path's)"),
    responses(
        (status = 200, description = "Replaced", body = Object),
        (status = 201, description = "Created", body = Object),
        (status = 400, description = "`invalid-document`, `invalid-query` (an `_id` differing from the path)", content_type = "application/problem+json", body = super::openapi::Problem),
        (status = 409, description = "`duplicate-key`", content_type = "application/problem+json", body = super::openapi::Problem),
        (status = 412, description = "`precondition-failed`", content_type = "application/problem+json", body = super::openapi::Problem),
    ),
    security(("api_key" = ["write"])))]
pub async fn replace(
    State(ctx): State<AppContext>,
    ApiPath(DocPath { c, id }): ApiPath<DocPath>,
    ApiQuery(q): ApiQuery<IdType>,
    request: Request,
) -> ApiResult<Response> {
    let (collection, id, if_match, doc) = write_request(&ctx, &c, &id, q.id_type.as_deref(), request).await?;
    let (stored, created) = collection.replace(&id, doc, if_match.as_deref()).await?;
    Ok(with_etag(if created { StatusCode::CREATED } else { StatusCode::OK }, stored))
}

/// Applies a MongoDB update document (`$set`, `$inc`, ...); honours `If-Match`.
#[utoipa::path(patch, path = "/v1/collections/{c}/documents/{id}", tag = "documents",
    params(("c" = String, Path, description = "Collection name"), ("id" = String, Path, description = "The `_id`"), IdType),
    request_body(content = Object, example = json!({"$set": {"age": 32}, "$push": {"tags": "new"}})),
    responses(
        (status = 200, description = "The updated document", body = Object),
        (status = 400, description = "`invalid-query`: no `$` operator, or an update MongoDB rejects", content_type = "application/problem+json", body = super::openapi::Problem),
        (status = 404, description = "`document-not-found`", content_type = "application/problem+json", body = super::openapi::Problem),
        (status = 409, description = "`duplicate-key`", content_type = "application/problem+json", body = super::openapi::Problem),
        (status = 412, description = "`precondition-failed`", content_type = "application/problem+json", body = super::openapi::Problem),
    ),
    security(("api_key" = ["write"])))]
pub async fn patch(
    State(ctx): State<AppContext>,
    ApiPath(DocPath { c, id }): ApiPath<DocPath>,
    ApiQuery(q): ApiQuery<IdType>,
    request: Request,
) -> ApiResult<Response> {
    let (collection, id, if_match, update) = write_request(&ctx, &c, &id, q.id_type.as_deref(), request).await?;
    let stored = collection.patch(&id, &update, if_match.as_deref()).await?;
    Ok(with_etag(StatusCode::OK, stored))
}

/// Deletes a document; honours `If-Match`.
#[utoipa::path(delete, path = "/v1/collections/{c}/documents/{id}", tag = "documents",
    params(("c" = String, Path, description = "Collection name"), ("id" = String, Path, description = "The `_id`"), IdType),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "`document-not-found`", content_type = "application/problem+json", body = super::openapi::Problem),
        (status = 412, description = "`precondition-failed`", content_type = "application/problem+json", body = super::openapi::Problem),
    ),
    security(("api_key" = ["write"])))]
pub async fn delete(
    State(ctx): State<AppContext>,
    ApiPath(DocPath { c, id }): ApiPath<DocPath>,
    ApiQuery(q): ApiQuery<IdType>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let id = path_id(&id, q.id_type.as_deref())?;
    ctx.documents(&c)?.delete(&id, if_match(&headers)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists documents: `filter`, `sort`, `projection` are JSON; `limit` 1..max_limit (default 100), `skip` ≥ 0.
#[utoipa::path(get, path = "/v1/collections/{c}/documents", tag = "documents",
    params(("c" = String, Path, description = "Collection name"),
        ("filter" = Option<String>, Query, description = "JSON filter, e.g. {\"name\":\"John\"}"),
        ("sort" = Option<String>, Query, description = "JSON sort, e.g. {\"age\":-1}"),
        ("projection" = Option<String>, Query, description = "JSON projection, e.g. {\"name\":1}"),
        ("limit" = Option<u64>, Query, description = "1 to limits.max_limit; default limits.default_limit"),
        ("skip" = Option<u64>, Query, description = "Matches to skip")),
    responses(
        (status = 200, description = "`{\"documents\": [...]}`", body = Object),
        (status = 400, description = "`invalid-query`, `invalid-request`", content_type = "application/problem+json", body = super::openapi::Problem),
    ),
    security(("api_key" = ["read"])))]
pub async fn list(
    State(ctx): State<AppContext>,
    ApiPath(c): ApiPath<String>,
    ApiQuery(params): ApiQuery<BTreeMap<String, String>>,
) -> ApiResult<Response> {
    let collection = ctx.documents(&c)?;
    let query = find_params::find_query(&find_params::query_fields(params, FIND_FIELDS)?, &ctx.config().limits)?;
    Ok(documents_json(StatusCode::OK, collection.find(query).await?))
}

/// `find` with a JSON body `{"filter","sort","projection","limit","skip"}`.
#[utoipa::path(post, path = "/v1/collections/{c}/find", tag = "documents",
    params(("c" = String, Path, description = "Collection name")),
    request_body(content = Object, example = json!({"filter": {"age": {"$gte": 30}}, "sort": {"age": -1}, "limit": 10})),
    responses(
        (status = 200, description = "`{\"documents\": [...]}`", body = Object),
        (status = 400, description = "`invalid-query`, `invalid-request`", content_type = "application/problem+json", body = super::openapi::Problem),
    ),
    security(("api_key" = ["read"])))]
pub async fn find(State(ctx): State<AppContext>, ApiPath(c): ApiPath<String>, request: Request) -> ApiResult<Response> {
    let collection = ctx.documents(&c)?;
    let fields = find_params::body_fields(&body_of(request, &ctx).await?, FIND_FIELDS)?;
    let query = find_params::find_query(&fields, &ctx.config().limits)?;
    Ok(documents_json(StatusCode::OK, collection.find(query).await?))
}

async fn find_one_with(ctx: &AppContext, c: &str, fields: &Map<String, Value>) -> ApiResult<Response> {
    let collection = ctx.documents(c)?;
    let mut query = find_params::find_query(fields, &ctx.config().limits)?;
    query.limit = Some(1);
    match collection.find(query).await?.pop() {
        Some(doc) => Ok(with_etag(StatusCode::OK, doc)),
        None => Err(ApiError::new(ProblemKind::DocumentNotFound, format!("no document in {c} matches the filter"))),
    }
}

/// The first match (insertion order unless `sort`), as in `find_one({"name": "John"})`.
#[utoipa::path(get, path = "/v1/collections/{c}/find_one", tag = "documents",
    params(("c" = String, Path, description = "Collection name"),
        ("filter" = Option<String>, Query, description = "JSON filter"),
        ("sort" = Option<String>, Query, description = "JSON sort"),
        ("projection" = Option<String>, Query, description = "JSON projection"),
        ("skip" = Option<u64>, Query, description = "Matches to skip")),
    responses(
        (status = 200, description = "The document", body = Object),
        (status = 404, description = "`document-not-found`: nothing matches", content_type = "application/problem+json", body = super::openapi::Problem),
    ),
    security(("api_key" = ["read"])))]
pub async fn find_one_get(
    State(ctx): State<AppContext>,
    ApiPath(c): ApiPath<String>,
    ApiQuery(params): ApiQuery<BTreeMap<String, String>>,
) -> ApiResult<Response> {
    find_one_with(&ctx, &c, &find_params::query_fields(params, FIND_FIELDS)?).await
}

/// The first match, with a JSON body like `find`'s.
#[utoipa::path(post, path = "/v1/collections/{c}/find_one", tag = "documents",
    params(("c" = String, Path, description = "Collection name")),
    request_body(content = Object, example = json!({"filter": {"name": "John"}})),
    responses(
        (status = 200, description = "The document", body = Object),
        (status = 404, description = "`document-not-found`: nothing matches", content_type = "application/problem+json", body = super::openapi::Problem),
    ),
    security(("api_key" = ["read"])))]
pub async fn find_one_post(
    State(ctx): State<AppContext>,
    ApiPath(c): ApiPath<String>,
    request: Request,
) -> ApiResult<Response> {
    let fields = find_params::body_fields(&body_of(request, &ctx).await?, FIND_FIELDS)?;
    find_one_with(&ctx, &c, &fields).await
}

/// How many documents match `{"filter"}`.
#[utoipa::path(post, path = "/v1/collections/{c}/count", tag = "documents",
    params(("c" = String, Path, description = "Collection name")),
    request_body(content = Object, example = json!({"filter": {"age": {"$gt": 30}}})),
    responses((status = 200, description = "`{\"count\": n}`", body = Object),
        (status = 400, description = "`invalid-query`", content_type = "application/problem+json", body = super::openapi::Problem)),
    security(("api_key" = ["read"])))]
pub async fn count(
    State(ctx): State<AppContext>,
    ApiPath(c): ApiPath<String>,
    request: Request,
) -> ApiResult<Json<Value>> {
    let collection = ctx.documents(&c)?;
    let fields = find_params::body_fields(&body_of(request, &ctx).await?, FILTER_FIELDS)?;
    let filter = fields.get("filter").cloned().unwrap_or_else(|| json!({}));
    Ok(Json(json!({"count": collection.count(&filter).await?})))
}

/// Applies `update` to every match of `filter`; `upsert` inserts when none matches. All or nothing.
#[utoipa::path(post, path = "/v1/collections/{c}/update_many", tag = "documents",
    params(("c" = String, Path, description = "Collection name")),
    request_body(content = Object, example = json!({"filter": {"status": "new"}, "update": {"$set": {"status": "seen"}}, "upsert": false})),
    responses((status = 200, description = "`{\"matched\",\"modified\",\"upserted_id\"?}`", body = crate::documents::UpdateResult),
        (status = 400, description = "`invalid-query`", content_type = "application/problem+json", body = super::openapi::Problem),
        (status = 409, description = "`duplicate-key`", content_type = "application/problem+json", body = super::openapi::Problem)),
    security(("api_key" = ["write"])))]
pub async fn update_many(
    State(ctx): State<AppContext>,
    ApiPath(c): ApiPath<String>,
    request: Request,
) -> ApiResult<Json<Value>> {
    let collection = ctx.documents(&c)?;
    let fields = find_params::body_fields(&body_of(request, &ctx).await?, UPDATE_FIELDS)?;
    let filter = fields.get("filter").cloned().unwrap_or_else(|| json!({}));
    let update = fields
        .get("update")
        .cloned()
        .ok_or_else(|| ApiError::invalid("update", "required: an update document such as {\"$set\": {...}}"))?;
    let upsert = match fields.get("upsert") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::invalid("upsert", "must be true or false")),
    };
    let result = collection.update_many(&filter, &update, upsert).await?;
    Ok(Json(serde_json::to_value(result).map_err(ApiError::internal)?))
}

/// Deletes every match of `{"filter"}`.
#[utoipa::path(post, path = "/v1/collections/{c}/delete_many", tag = "documents",
    params(("c" = String, Path, description = "Collection name")),
    request_body(content = Object, example = json!({"filter": {"status": "stale"}})),
    responses((status = 200, description = "`{\"deleted\": n}`", body = Object),
        (status = 400, description = "`invalid-query`", content_type = "application/problem+json", body = super::openapi::Problem)),
    security(("api_key" = ["write"])))]
pub async fn delete_many(
    State(ctx): State<AppContext>,
    ApiPath(c): ApiPath<String>,
    request: Request,
) -> ApiResult<Json<Value>> {
    let collection = ctx.documents(&c)?;
    let fields = find_params::body_fields(&body_of(request, &ctx).await?, FILTER_FIELDS)?;
    let filter = fields.get("filter").cloned().unwrap_or_else(|| json!({}));
    Ok(Json(json!({"deleted": collection.delete_many(&filter).await?})))
}
