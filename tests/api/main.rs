//! squall's integration tests: one binary, a real server on port 0 per test.

// Test helpers are `pub` for the sibling modules, not for other crates.
#![allow(unreachable_pub, missing_docs)]

mod auth;
mod cli;
mod documents;
mod documents_concurrency;
mod documents_errors;
mod documents_indexes;
mod documents_query;
mod documents_rules;
mod documents_support;
mod edge;
mod health;
mod helpers;
mod openapi;
mod pushdown;
mod shutdown;
mod store;
