//! Integration tests of the server, in one binary.

mod exports;
mod records;

// The catalogue API, limits, OpenAPI document, real sockets, configuration documentation.
mod accounts;
mod catalogue_api;
mod config_docs;
mod e2e;
mod errors_and_limits;
mod object_storage;
mod openapi;
mod portal;
mod publishing;
mod publishing_by_url;
mod support;
