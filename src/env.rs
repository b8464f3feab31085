//! Every environment variable azacr reads, in one place.

use std::ffi::OsString;

/// The CA certificates (PEM) to trust instead of the built-in Mozilla roots, as az's
/// requests library reads it; `CURL_CA_BUNDLE` when it is unset or empty.
pub const REQUESTS_CA_BUNDLE: &str = "REQUESTS_CA_BUNDLE";
pub const CURL_CA_BUNDLE: &str = "CURL_CA_BUNDLE";
/// az's configuration directory (default `~/.azure`).
pub const AZURE_CONFIG_DIR: &str = "AZURE_CONFIG_DIR";
/// Default output format (az's `[core] output`).
pub const AZURE_CORE_OUTPUT: &str = "AZURE_CORE_OUTPUT";
/// az's `[core] only_show_errors`.
pub const AZURE_CORE_ONLY_SHOW_ERRORS: &str = "AZURE_CORE_ONLY_SHOW_ERRORS";
/// az's `[core] no_color`.
pub const AZURE_CORE_NO_COLOR: &str = "AZURE_CORE_NO_COLOR";
/// Default registry name (az's `[defaults] acr`).
pub const AZURE_DEFAULTS_ACR: &str = "AZURE_DEFAULTS_ACR";
/// Test and benchmark override: `IP:PORT` to connect to instead of resolving the login
/// server by DNS. TLS still verifies the login server's name. Not an az setting.
pub const AZACR_CONNECT_TO: &str = "AZACR_CONNECT_TO";

pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

pub fn var_os(name: &str) -> Option<OsString> {
    std::env::var_os(name)
}
