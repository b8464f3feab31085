//! azacr's integration tests: one binary, one shared `support` module.

mod admin;
mod arm;
mod cli_errors;
mod compliance;
mod concurrency;
mod deep_query;
mod delete;
mod faults;
mod golden;
mod paging;
mod passthrough;
mod proxy;
mod purge;
mod query_golden;
mod references;
mod robustness;
mod show_manifests;
mod signin;
mod support;
mod token_cache;
