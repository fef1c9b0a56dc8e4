//! The one table of problem types: each kind's HTTP status, stable slug
//! (`urn:squall:problem:<slug>`) and title. Every error squall answers with
//! is one of these; the OpenAPI document lists them all from here.

use axum::http::StatusCode;

macro_rules! problem_kinds {
    ($( $(#[$doc:meta])* $variant:ident => ($status:ident, $slug:literal, $title:literal), )*) => {
        /// Every kind of problem squall reports.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ProblemKind {
            $( $(#[$doc])* $variant, )*
        }

        impl ProblemKind {
            /// All kinds, in declaration order.
            pub const ALL: &'static [ProblemKind] = &[$(ProblemKind::$variant),*];

            /// The HTTP status it answers with.
            pub fn status(self) -> StatusCode {
                match self { $(ProblemKind::$variant => StatusCode::$status,)* }
            }

            /// The stable slug of its `type` URN.
            pub fn slug(self) -> &'static str {
                match self { $(ProblemKind::$variant => $slug,)* }
            }

            /// A short, fixed, human-readable summary.
            pub fn title(self) -> &'static str {
                match self { $(ProblemKind::$variant => $title,)* }
            }
        }
    };
}

problem_kinds! {
    /// No route matches the path.
    RouteNotFound => (NOT_FOUND, "route-not-found", "No such endpoint"),
    /// The path exists but not with this method.
    MethodNotAllowed => (METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed"),
    /// The body is not valid JSON.
    MalformedJson => (BAD_REQUEST, "malformed-json", "Malformed JSON body"),
    /// The input parsed but is not acceptable; `errors` says where.
    InvalidRequest => (BAD_REQUEST, "invalid-request", "Invalid request"),
    /// A path parameter is malformed.
    InvalidPath => (BAD_REQUEST, "invalid-path-parameter", "Invalid path parameter"),
    /// A query-string parameter is malformed.
    InvalidQueryParameter => (BAD_REQUEST, "invalid-query-parameter", "Invalid query parameter"),
    /// The body must be JSON.
    UnsupportedMediaType => (UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Unsupported media type"),
    /// The body exceeds `limits.body_bytes`.
    BodyTooLarge => (PAYLOAD_TOO_LARGE, "body-too-large", "Request body too large"),
    /// The handler ran past `limits.request_timeout_ms`.
    RequestTimeout => (GATEWAY_TIMEOUT, "request-timeout", "Request timed out"),
    /// No valid API key.
    Unauthorized => (UNAUTHORIZED, "unauthorized", "Authentication required"),
    /// The key's role does not allow this.
    Forbidden => (FORBIDDEN, "forbidden", "Forbidden"),
    /// Too many requests from this key or address.
    RateLimited => (TOO_MANY_REQUESTS, "rate-limited", "Too many requests"),
    /// Shutting down or the database does not answer.
    NotReady => (SERVICE_UNAVAILABLE, "not-ready", "Not ready"),
    /// The database is unavailable.
    DatabaseUnavailable => (SERVICE_UNAVAILABLE, "database-unavailable", "Database unavailable"),
    /// A collection name outside `^[A-Za-z0-9_-]{1,64}$`.
    CollectionNameInvalid => (BAD_REQUEST, "collection-name-invalid", "Invalid collection name"),
    /// An index name outside `^[A-Za-z0-9_-]{1,64}$`.
    IndexNameInvalid => (BAD_REQUEST, "index-name-invalid", "Invalid index name"),
    /// A filter, sort, projection, update or option squall cannot use.
    InvalidQuery => (BAD_REQUEST, "invalid-query", "Invalid query"),
    /// A document that breaks the rules (keys, `_id`, depth, integer range).
    InvalidDocument => (BAD_REQUEST, "invalid-document", "Invalid document"),
    /// A document over `limits.max_document_bytes`.
    DocumentTooLarge => (BAD_REQUEST, "document-too-large", "Document too large"),
    /// No document with that `_id`.
    DocumentNotFound => (NOT_FOUND, "document-not-found", "Document not found"),
    /// An `_id` or unique index key that already exists.
    DuplicateKey => (CONFLICT, "duplicate-key", "Duplicate key"),
    /// `If-Match` failed.
    PreconditionFailed => (PRECONDITION_FAILED, "precondition-failed", "Precondition failed"),
    /// An index of that name exists with other keys, or existing documents violate `unique`.
    IndexConflict => (CONFLICT, "index-conflict", "Index conflict"),
    /// No index of that name.
    IndexNotFound => (NOT_FOUND, "index-not-found", "Index not found"),
    /// The `_id_` index cannot be dropped or redefined.
    IdIndexBuiltIn => (BAD_REQUEST, "id-index-builtin", "The _id_ index is built in"),
    /// An unexpected failure; details are in the server log only.
    Internal => (INTERNAL_SERVER_ERROR, "internal", "Internal error"),
}

/// The URN prefix of every problem `type`.
pub const TYPE_PREFIX: &str = "urn:squall:problem:";

impl ProblemKind {
    /// The full `type` URN.
    pub fn type_uri(self) -> String {
        format!("{TYPE_PREFIX}{}", self.slug())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique_lowercase_and_statuses_are_errors() {
        let mut seen = std::collections::HashSet::new();
        for kind in ProblemKind::ALL {
            assert!(seen.insert(kind.slug()), "duplicate slug {}", kind.slug());
            assert!(kind.slug().chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}", kind.slug());
            assert!(kind.status().is_client_error() || kind.status().is_server_error(), "{kind:?}");
        }
    }
}
