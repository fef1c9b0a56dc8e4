//! The parameters of `find`, `find_one`, `count`, `update_many` and
//! `delete_many`, from a JSON body or from query-string values that are
//! themselves JSON (`?filter={"name":"John"}&limit=10`). Unknown fields are
//! refused: a misspelt `limt` must not silently return 100 documents.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use squall_query::{Filter, Projection, Sort};

use super::error::{ApiError, ApiResult};
use crate::{
    config::Limits,
    documents::{DocumentsError, FindQuery, check_query_depth, parse_body},
};

/// The fields a request may carry, by endpoint.
pub const FIND_FIELDS: &[&str] = &["filter", "sort", "projection", "limit", "skip"];
/// `count` and `delete_many`.
pub const FILTER_FIELDS: &[&str] = &["filter"];
/// `update_many`.
pub const UPDATE_FIELDS: &[&str] = &["filter", "update", "upsert"];

/// Parses a JSON body into an object of known fields.
///
/// # Errors
/// 400 for a body that is not an object or has unknown fields.
pub fn body_fields(raw: &[u8], allowed: &[&str]) -> ApiResult<Map<String, Value>> {
    let value = if raw.iter().all(u8::is_ascii_whitespace) { Value::Object(Map::new()) } else { parse_body(raw)? };
    let Value::Object(fields) = value else {
        return Err(ApiError::invalid("body", "must be a JSON object"));
    };
    check_fields(fields.keys().map(String::as_str), allowed, "body")?;
    Ok(fields)
}

/// Parses query-string values, each of which is JSON.
///
/// # Errors
/// 400 naming a parameter that is unknown or not JSON.
pub fn query_fields(params: BTreeMap<String, String>, allowed: &[&str]) -> ApiResult<Map<String, Value>> {
    check_fields(params.keys().map(String::as_str), allowed, "query")?;
    let mut fields = Map::new();
    for (name, text) in params {
        let value = parse_body(text.as_bytes()).map_err(|_| {
            ApiError::invalid(name.clone(), format!("must be JSON (for example {name}={})", example(&name)))
        })?;
        fields.insert(name, value);
    }
    Ok(fields)
}

fn example(name: &str) -> &'static str {
    match name {
        "filter" => r#"{"name":"John"}"#,
        "sort" => r#"{"age":-1}"#,
        "projection" => r#"{"name":1}"#,
        _ => "10",
    }
}

fn check_fields<'a>(names: impl Iterator<Item = &'a str>, allowed: &[&str], location: &str) -> ApiResult<()> {
    for name in names {
        if !allowed.contains(&name) && name != "id_type" {
            return Err(ApiError::invalid(
                format!("{location}.{name}"),
                format!("unknown parameter; expected one of: {}", allowed.join(", ")),
            ));
        }
    }
    Ok(())
}

fn parse_query_part<T>(
    fields: &Map<String, Value>,
    name: &str,
    parse: impl Fn(&Value, &str) -> Result<T, squall_query::QueryError>,
) -> ApiResult<Option<T>> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => parse(value, name).map(Some).map_err(|e| DocumentsError::InvalidQuery(e).into()),
    }
}

/// The filter (`{}` when absent).
///
/// # Errors
/// 400 for an invalid filter.
pub fn filter(fields: &Map<String, Value>) -> ApiResult<Filter> {
    match parse_query_part(fields, "filter", Filter::parse)? {
        Some(filter) => Ok(filter),
        None => Filter::parse(&Value::Object(Map::new()), "filter").map_err(|e| DocumentsError::InvalidQuery(e).into()),
    }
}

fn non_negative(fields: &Map<String, Value>, name: &str) -> ApiResult<Option<u64>> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| ApiError::invalid(name, "must be a non-negative integer")),
    }
}

/// A whole `find` query, with `limit` checked against the configuration.
///
/// # Errors
/// 400 for any invalid part.
pub fn find_query(fields: &Map<String, Value>, limits: &Limits) -> ApiResult<FindQuery> {
    let limit = match non_negative(fields, "limit").map_err(|_| limit_error(limits))? {
        None => u64::from(limits.default_limit),
        Some(n) if (1..=u64::from(limits.max_limit)).contains(&n) => n,
        Some(_) => return Err(limit_error(limits)),
    };
    for (name, value) in fields {
        check_query_depth(value, limits.max_document_depth as usize, name)?;
    }
    Ok(FindQuery {
        filter: filter(fields)?,
        sort: parse_query_part(fields, "sort", Sort::parse)?,
        projection: parse_query_part(fields, "projection", Projection::parse)?,
        skip: non_negative(fields, "skip")?.unwrap_or(0),
        limit: Some(limit),
    })
}

fn limit_error(limits: &Limits) -> ApiError {
    ApiError::invalid("limit", format!("must be an integer from 1 to {} (limits.max_limit)", limits.max_limit))
}
