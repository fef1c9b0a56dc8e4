//! `ApiError`: the one error type of the HTTP edge. Every layer's error
//! converts into it (`From`), so handlers use `?`; it renders as RFC 9457
//! `application/problem+json` in exactly one place ([`ApiError::to_body`]).
//!
//! `into_response` has no side effects: it puts the error into the
//! response's extensions, and the edge middleware logs it (with the request
//! span) and, for 5xx, swaps the detail for "internal error" plus the
//! request id, so internals never leak.

use std::sync::Arc;

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use super::problem::ProblemKind;
use crate::{documents::DocumentsError, store::StoreError};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid input: where, and what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Where in the input (`filter.$or[1].age`, `limit`, `body`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// An error answered to a client.
#[derive(Debug, Clone)]
pub struct ApiError {
    kind: ProblemKind,
    detail: String,
    errors: Vec<FieldError>,
    retry_after_s: Option<u64>,
    /// The underlying cause, logged (never sent) for 5xx.
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    extra_headers: Vec<(header::HeaderName, HeaderValue)>,
}

/// Result alias for handlers.
pub type ApiResult<T> = Result<T, ApiError>;

/// The problem+json body.
#[derive(Debug, Serialize)]
struct ProblemBody<'a> {
    #[serde(rename = "type")]
    type_uri: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

impl ApiError {
    /// A problem of `kind` with a detail saying what happened / what to fix.
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after_s: None,
            source: None,
            extra_headers: Vec::new(),
        }
    }

    /// Invalid input at `path`.
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        let error = FieldError { path: path.into(), message: message.into() };
        Self::new(ProblemKind::InvalidRequest, format!("{}: {}", error.path, error.message)).with_errors(vec![error])
    }

    /// An unexpected failure: the client sees "internal error", the log sees `source`.
    pub fn internal(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::new(ProblemKind::Internal, "internal error").with_source(source)
    }

    /// Adds the per-field list.
    #[must_use]
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// Adds `Retry-After` (seconds).
    #[must_use]
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_s = Some(seconds);
        self
    }

    /// Keeps the cause for the log.
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// Adds a response header (e.g. `WWW-Authenticate`, `Allow`).
    #[must_use]
    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.extra_headers.push((name, value));
        self
    }

    /// Its kind.
    pub fn kind(&self) -> ProblemKind {
        self.kind
    }

    /// Its HTTP status.
    pub fn status(&self) -> StatusCode {
        self.kind.status()
    }

    /// The detail sent to the client.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The full cause chain, for the log.
    pub fn cause_chain(&self) -> String {
        let mut chain = self.detail.clone();
        let mut next: Option<&(dyn std::error::Error + 'static)> = self.source.as_deref().map(|e| e as _);
        while let Some(err) = next {
            chain.push_str(": ");
            chain.push_str(&err.to_string());
            next = err.source();
        }
        chain
    }

    /// The problem+json body; for 5xx the detail never carries internals.
    pub fn to_body(&self, request_id: Option<&str>) -> Vec<u8> {
        let internal_detail;
        let detail = if self.status().is_server_error() && self.kind == ProblemKind::Internal {
            internal_detail = match request_id {
                Some(id) => format!("internal error (request id {id})"),
                None => "internal error".to_owned(),
            };
            internal_detail.as_str()
        } else {
            self.detail.as_str()
        };
        let body = ProblemBody {
            type_uri: self.kind.type_uri(),
            title: self.kind.title(),
            status: self.status().as_u16(),
            detail,
            errors: &self.errors,
            request_id,
        };
        serde_json::to_vec(&body).unwrap_or_else(|_| b"{\"title\":\"Internal error\",\"status\":500}".to_vec())
    }

    /// The full response, with `request_id` in the body when known.
    pub fn to_response(&self, request_id: Option<&str>) -> Response {
        let mut response = (self.status(), self.to_body(request_id)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(seconds) = self.retry_after_s {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        for (name, value) in &self.extra_headers {
            headers.append(name.clone(), value.clone());
        }
        response.extensions_mut().insert(self.clone());
        response
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.kind.title(), self.kind.slug(), self.detail)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.to_response(None)
    }
}

impl From<DocumentsError> for ApiError {
    fn from(error: DocumentsError) -> Self {
        let kind = match &error {
            DocumentsError::InvalidCollectionName(_) => ProblemKind::CollectionNameInvalid,
            DocumentsError::InvalidIndexName(_) => ProblemKind::IndexNameInvalid,
            DocumentsError::InvalidQuery(_) => ProblemKind::InvalidQuery,
            DocumentsError::InvalidDocument(_) => ProblemKind::InvalidDocument,
            DocumentsError::DocumentTooLarge { .. } => ProblemKind::DocumentTooLarge,
            DocumentsError::NotFound { .. } => ProblemKind::DocumentNotFound,
            DocumentsError::DuplicateKey(_) => ProblemKind::DuplicateKey,
            DocumentsError::PreconditionFailed(_) => ProblemKind::PreconditionFailed,
            DocumentsError::IndexConflict(_) => ProblemKind::IndexConflict,
            DocumentsError::IndexNotFound { .. } => ProblemKind::IndexNotFound,
            DocumentsError::IdIndexIsBuiltIn => ProblemKind::IdIndexBuiltIn,
            DocumentsError::Store(_) => {
                let DocumentsError::Store(store) = error else {
                    return Self::new(ProblemKind::Internal, "internal error");
                };
                return store.into();
            }
        };
        let errors = match &error {
            DocumentsError::InvalidQuery(e) | DocumentsError::InvalidDocument(e) => {
                vec![FieldError { path: e.path.clone(), message: e.message.clone() }]
            }
            DocumentsError::DocumentTooLarge { path, .. } => {
                vec![FieldError { path: path.clone(), message: error.to_string() }]
            }
            _ => Vec::new(),
        };
        Self::new(kind, error.to_string()).with_errors(errors)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match &error {
            StoreError::Closed => {
                Self::new(ProblemKind::DatabaseUnavailable, "the database is shutting down").with_source(error)
            }
            StoreError::Postgres(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)) => {
                Self::new(ProblemKind::DatabaseUnavailable, "the database is not answering; try again shortly")
                    .with_retry_after(1)
                    .with_source(error)
            }
            _ => Self::internal(error),
        }
    }
}
