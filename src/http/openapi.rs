//! The OpenAPI 3.1 document, generated from the handlers' annotations
//! (utoipa), and the offline Swagger UI at `/docs` (its assets are compiled
//! into the binary: no CDN, works without internet).

use axum::Router;
use serde::Serialize;
use utoipa::{
    Modify, OpenApi, ToSchema,
    openapi::{
        self,
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};
use utoipa_swagger_ui::SwaggerUi;

use super::{error::FieldError, problem::ProblemKind};
use crate::context::AppContext;

/// An RFC 9457 problem, as every error is answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:squall:problem:<slug>`: one of the types listed under `x-problem-types`.
    #[serde(rename = "type")]
    #[schema(example = "urn:squall:problem:invalid-request")]
    pub type_uri: String,
    /// A short summary of the type.
    #[schema(example = "Invalid request")]
    pub title: String,
    /// The HTTP status.
    #[schema(example = 400)]
    pub status: u16,
    /// What happened, and what to fix.
    #[schema(example = "limit: must be between 1 and 10000")]
    pub detail: String,
    /// For invalid input: each offending path.
    #[schema(value_type = Option<Vec<FieldErrorSchema>>)]
    pub errors: Option<Vec<FieldError>>,
    /// The request's `x-request-id`, on server errors.
    pub request_id: Option<String>,
}

/// One invalid input.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FieldError)]
pub struct FieldErrorSchema {
    /// Where in the input (`filter.$or[1].age`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Adds the bearer-key scheme and the list of problem types.
struct Extras;

impl Modify for Extras {
    fn modify(&self, doc: &mut openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API key from `squall keygen`; the roles a route accepts are listed in its security requirement",
                    ))
                    .build(),
            ),
        );
        let types: Vec<serde_json::Value> = ProblemKind::ALL
            .iter()
            .map(|k| serde_json::json!({"type": k.type_uri(), "status": k.status().as_u16(), "title": k.title()}))
            .collect();
        let extensions = doc.extensions.get_or_insert_with(Default::default);
        extensions.merge(
            openapi::extensions::ExtensionsBuilder::new()
                .add("x-problem-types", serde_json::Value::Array(types))
                .build(),
        );
    }
}

/// The document's skeleton: every squall path is listed here.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "squall",
        description = "An async JSON API server: long-running operations, MongoDB-style document collections and resilient upstream calls. Every error is RFC 9457 problem+json.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        super::health::healthz,
        super::health::readyz,
        super::health::metrics,
        super::collections::list_collections,
        super::collections::drop_collection,
        super::collections::list_indexes,
        super::collections::create_index,
        super::collections::drop_index,
        super::documents::insert,
        super::documents::list,
        super::documents::get,
        super::documents::replace,
        super::documents::patch,
        super::documents::delete,
        super::documents::find,
        super::documents::find_one_get,
        super::documents::find_one_post,
        super::documents::count,
        super::documents::update_many,
        super::documents::delete_many,
    ),
    components(schemas(Problem, FieldErrorSchema)),
    modifiers(&Extras),
    tags(
        (name = "health", description = "Probes and metrics"),
        (name = "collections", description = "Collections and their indexes"),
        (name = "documents", description = "JSON documents queried with MongoDB's filter language")
    )
)]
struct ApiDoc;

/// The OpenAPI document (`GET /openapi.json`, `squall openapi`).
pub fn document() -> openapi::OpenApi {
    ApiDoc::openapi()
}

/// `/openapi.json` and the Swagger UI under `/docs`.
pub fn router() -> Router<AppContext> {
    Router::from(SwaggerUi::new("/docs").url("/openapi.json", document()))
}
