//! axum's extractors, wrapped so that every rejection is a problem+json
//! naming what to fix: [`ApiJson`] (body), [`ApiQuery`] (query string) and
//! [`ApiPath`] (path parameters).

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Path, Query, Request},
    http::{header, request::Parts},
};
use serde::de::DeserializeOwned;

use super::{
    error::{ApiError, FieldError},
    problem::ProblemKind,
};

/// A JSON request body, deserialized into `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

/// Whether a `Content-Type` is JSON (`application/json` or `*/*+json`).
pub fn is_json_content_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads the body as bytes, enforcing JSON content type and the body limit.
///
/// # Errors
/// 415 without a JSON content type; 413 above `limits.body_bytes`.
pub async fn json_body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !is_json_content_type(content_type) {
        return Err(ApiError::new(
            ProblemKind::UnsupportedMediaType,
            format!(
                "the body must be JSON: send Content-Type: application/json (got {})",
                if content_type.is_empty() { "none".to_owned() } else { format!("{content_type:?}") }
            ),
        ));
    }
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(ProblemKind::BodyTooLarge, "the request body exceeds limits.body_bytes")
        } else {
            ApiError::new(ProblemKind::MalformedJson, format!("could not read the request body: {rejection}"))
        }
    })
}

/// Parses JSON text into `T`, naming the path of a type error.
///
/// # Errors
/// 400 `malformed-json` for invalid JSON (with line and column), 400
/// `invalid-request` naming the field for a well-formed body of the wrong shape.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer);
    if value.is_ok()
        && let Err(trailing) = deserializer.end()
    {
        return Err(ApiError::new(ProblemKind::MalformedJson, format!("the body is not valid JSON: {trailing}")));
    }
    value.map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_data() {
            let path = if path == "." || path.is_empty() { "body".to_owned() } else { format!("body.{path}") };
            let message = inner.to_string();
            ApiError::new(ProblemKind::InvalidRequest, format!("{path}: {message}"))
                .with_errors(vec![FieldError { path, message }])
        } else {
            ApiError::new(ProblemKind::MalformedJson, format!("the body is not valid JSON: {inner}"))
        }
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = json_body_bytes(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Query-string parameters deserialized into `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(ApiError::new(ProblemKind::InvalidQueryParameter, rejection.body_text())),
        }
    }
}

/// Path parameters deserialized into `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(ApiError::new(ProblemKind::InvalidPath, rejection.body_text())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types_are_recognised() {
        for ok in
            ["application/json", "application/json; charset=utf-8", "application/merge-patch+json", "Application/JSON"]
        {
            assert!(is_json_content_type(ok), "{ok}");
        }
        for bad in ["", "text/plain", "application/jsonx", "text/json+xml"] {
            assert!(!is_json_content_type(bad), "{bad}");
        }
    }

    #[test]
    fn type_errors_name_the_field_and_syntax_errors_say_where() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Body {
            limit: u32,
        }
        let err = parse_json::<Body>(br#"{"limit": "ten"}"#).err().map(|e| (e.kind(), e.detail().to_owned()));
        assert!(matches!(&err, Some((ProblemKind::InvalidRequest, d)) if d.starts_with("body.limit:")), "{err:?}");
        let err = parse_json::<Body>(b"{\"limit\": 1").err().map(|e| e.kind());
        assert_eq!(err, Some(ProblemKind::MalformedJson));
        let err = parse_json::<Body>(b"{\"limit\": 1} trailing").err().map(|e| e.kind());
        assert_eq!(err, Some(ProblemKind::MalformedJson));
    }
}
