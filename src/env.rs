//! Every environment variable azacr reads, in one place: their names, and `Env`, the
//! environment as a value (the process's, or a test's), which is the only way to read them.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

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

/// `off` (or `0`, `false`, `no`): no token cache across invocations (see
/// `registry::token_cache`).
pub const AZACR_TOKEN_CACHE: &str = "AZACR_TOKEN_CACHE";

/// The real az to run for whatever azacr does not implement, instead of searching PATH.
/// Set and empty: never run a real az (azacr alone; pass-through commands fail with exit 127).
pub const AZACR_AZ_PATH: &str = "AZACR_AZ_PATH";
/// Set by azacr on the real az it runs: which `az`s on PATH this command line has already
/// been handed to, so that azacr reached again through a wrapper or a copy of itself skips
/// them instead of looping. Not meant to be set by hand.
pub const AZACR_PASSTHROUGH: &str = "AZACR_PASSTHROUGH";
/// Time limits in whole seconds (1 to 3600): TCP connect plus TLS handshake (default 30),
/// one try of a challenge or token request (60; not tried again after two time out), and a
/// data call without a byte (az's 300). See `registry::transport::Limits`.
pub const AZACR_CONNECT_TIMEOUT: &str = "AZACR_CONNECT_TIMEOUT";
pub const AZACR_SIGN_IN_TIMEOUT: &str = "AZACR_SIGN_IN_TIMEOUT";
pub const AZACR_DATA_TIMEOUT: &str = "AZACR_DATA_TIMEOUT";

/// az's switch for no certificate verification: any value but an empty one. az's HTTP stack
/// then warns on stderr for every request; azacr prints the same warning.
pub const AZURE_CLI_DISABLE_CONNECTION_VERIFICATION: &str = "AZURE_CLI_DISABLE_CONNECTION_VERIFICATION";

/// Where the real az is searched for.
pub const PATH: &str = "PATH";
/// Windows: the file name extensions PATH search tries (`.COM;.EXE;.BAT;.CMD` when unset).
pub const PATHEXT: &str = "PATHEXT";
/// The home directory, for `azacr shim install`'s fallback `~/.local/bin`.
pub const HOME: &str = "HOME";
/// Windows' home directory, when `HOME` is unset.
pub const USERPROFILE: &str = "USERPROFILE";

/// Managed identity, as az's MSAL reads them (see `registry::managed_identity`): App Service's
/// token endpoint and its secret header; Service Fabric's server thumbprint; Azure Arc's and
/// Azure ML's endpoints; Cloud Shell's marker; the IMDS host instead of 169.254.169.254 (AKS
/// pod identity; the tests point it at the emulator).
pub const IDENTITY_ENDPOINT: &str = "IDENTITY_ENDPOINT";
pub const IDENTITY_HEADER: &str = "IDENTITY_HEADER";
pub const IDENTITY_SERVER_THUMBPRINT: &str = "IDENTITY_SERVER_THUMBPRINT";
pub const IMDS_ENDPOINT: &str = "IMDS_ENDPOINT";
pub const MSI_ENDPOINT: &str = "MSI_ENDPOINT";
pub const MSI_SECRET: &str = "MSI_SECRET";
pub const AZUREPS_HOST_ENVIRONMENT: &str = "AZUREPS_HOST_ENVIRONMENT";
pub const AZURE_POD_IDENTITY_AUTHORITY_HOST: &str = "AZURE_POD_IDENTITY_AUTHORITY_HOST";

/// Sign-in without az, as the Azure SDKs read it (see `registry::env_credential`): a service
/// principal's tenant and client id with its secret, certificate (PEM) or federated token
/// file; Entra's authority host.
pub const AZURE_TENANT_ID: &str = "AZURE_TENANT_ID";
pub const AZURE_CLIENT_ID: &str = "AZURE_CLIENT_ID";
pub const AZURE_CLIENT_SECRET: &str = "AZURE_CLIENT_SECRET";
pub const AZURE_CLIENT_CERTIFICATE_PATH: &str = "AZURE_CLIENT_CERTIFICATE_PATH";
pub const AZURE_CLIENT_SEND_CERTIFICATE_CHAIN: &str = "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN";
pub const AZURE_FEDERATED_TOKEN_FILE: &str = "AZURE_FEDERATED_TOKEN_FILE";
pub const AZURE_AUTHORITY_HOST: &str = "AZURE_AUTHORITY_HOST";

/// The proxy for HTTPS requests, as az's HTTP stack reads it (the lower-case name first).
pub const HTTPS_PROXY_NAMES: &[&str] = &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"];
/// Hosts (and domains, addresses, `*`) reached without the proxy.
pub const NO_PROXY_NAMES: &[&str] = &["no_proxy", "NO_PROXY"];

/// The value of the first of `names` that is set and not empty.
pub fn first_set(env: &Env, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| env.var(n).filter(|v| !v.is_empty()))
}

/// az's `AZURE_<SECTION>_<OPTION>` overrides of its configuration options, such as
/// `AZURE_CORE_OUTPUT` or `AZURE_DEFAULTS_ACR`.
pub fn config_override(section: &str, option: &str) -> String {
    format!("AZURE_{}_{}", section.to_uppercase(), option.to_uppercase())
}

/// A set of environment variables.
#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: BTreeMap<OsString, OsString>,
    /// The working directory (where az looks for local `.azure/config` files).
    cwd: Option<PathBuf>,
}

impl Env {
    /// The process's environment, read once.
    pub fn process() -> Env {
        Env { vars: std::env::vars_os().collect(), cwd: std::env::current_dir().ok() }
    }

    /// An environment of exactly these variables.
    pub fn of<K: Into<OsString>, V: Into<OsString>>(vars: impl IntoIterator<Item = (K, V)>) -> Env {
        Env { vars: vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect(), cwd: None }
    }

    /// The same, run from `dir`.
    pub fn in_dir(mut self, dir: impl Into<PathBuf>) -> Env {
        self.cwd = Some(dir.into());
        self
    }

    pub fn cwd(&self) -> Option<&Path> {
        self.cwd.as_deref()
    }

    /// A variable's value, when it is set and valid Unicode.
    pub fn var(&self, name: &str) -> Option<String> {
        self.var_os(name).and_then(OsStr::to_str).map(String::from)
    }

    pub fn var_os(&self, name: &str) -> Option<&OsStr> {
        self.vars.get(OsStr::new(name)).map(OsString::as_os_str)
    }
}
