//! The one table deciding who may call what. Every route squall serves is
//! listed here with the access it needs; the auth middleware looks the
//! matched route up, and a test checks that every route in the OpenAPI
//! document has an entry, so a new route cannot forget its role. Routes a
//! library user adds without an entry need `admin` (closed by default)
//! unless registered with [`crate::AppBuilder::route_access`].

use axum::http::Method;

use crate::config::Role;

/// What a route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, no key needed.
    Public,
    /// A key whose role allows this one.
    Role(Role),
}

/// `(method, route template, access)`. HEAD is treated as GET.
pub const TABLE: &[(&str, &str, Access)] = &[
    ("GET", "/healthz", Access::Public),
    ("GET", "/readyz", Access::Public),
    ("GET", "/openapi.json", Access::Public),
    ("GET", "/docs", Access::Public),
    ("GET", "/docs/", Access::Public),
    ("GET", "/docs/{*rest}", Access::Public),
    ("GET", "/metrics", Access::Role(Role::Metrics)),
    ("GET", "/v1/collections", Access::Role(Role::Read)),
    ("DELETE", "/v1/collections/{c}", Access::Role(Role::Admin)),
    ("POST", "/v1/collections/{c}/documents", Access::Role(Role::Write)),
    ("GET", "/v1/collections/{c}/documents", Access::Role(Role::Read)),
    ("GET", "/v1/collections/{c}/documents/{id}", Access::Role(Role::Read)),
    ("PUT", "/v1/collections/{c}/documents/{id}", Access::Role(Role::Write)),
    ("PATCH", "/v1/collections/{c}/documents/{id}", Access::Role(Role::Write)),
    ("DELETE", "/v1/collections/{c}/documents/{id}", Access::Role(Role::Write)),
    ("POST", "/v1/collections/{c}/find", Access::Role(Role::Read)),
    ("GET", "/v1/collections/{c}/find_one", Access::Role(Role::Read)),
    ("POST", "/v1/collections/{c}/find_one", Access::Role(Role::Read)),
    ("POST", "/v1/collections/{c}/count", Access::Role(Role::Read)),
    ("POST", "/v1/collections/{c}/update_many", Access::Role(Role::Write)),
    ("POST", "/v1/collections/{c}/delete_many", Access::Role(Role::Write)),
    ("GET", "/v1/collections/{c}/indexes", Access::Role(Role::Read)),
    ("PUT", "/v1/collections/{c}/indexes/{name}", Access::Role(Role::Write)),
    ("DELETE", "/v1/collections/{c}/indexes/{name}", Access::Role(Role::Admin)),
];

/// The access `method` on `route` (a template such as
/// `/v1/collections/{c}/documents/{id}`) needs, if the route is listed in
/// `table` or in squall's own [`TABLE`].
pub fn lookup(table: &[(Method, String, Access)], method: &Method, route: &str) -> Option<Access> {
    let method = if method == Method::HEAD { &Method::GET } else { method };
    TABLE
        .iter()
        .find(|(m, r, _)| *m == method.as_str() && *r == route)
        .map(|(_, _, access)| *access)
        .or_else(|| table.iter().find(|(m, r, _)| m == method && r == route).map(|(_, _, access)| *access))
}
