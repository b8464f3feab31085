//! A dev-only Azure Container Registry emulator for azacr's tests, demo, golden recordings
//! and benchmarks. It serves HTTPS on 127.0.0.1 with a certificate from a CA made at start-up,
//! models ACR's JSON, Link paging, token challenge, error bodies and locks, can inject faults,
//! and logs every request. It is never linked into the shipped binary.

pub mod arm;
pub mod az_config;
pub mod model;
mod routes;
pub mod scripts;
pub mod seed;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use axum_server::tls_rustls::RustlsConfig;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use model::Seed;
pub use routes::Spoil;
pub use seed::default_seed;

type Shared = Arc<Mutex<routes::State>>;

/// One request as the registry saw it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LoggedRequest {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// `none`, `basic` or `bearer`.
    pub auth: String,
    pub status: u16,
    pub body: String,
    /// The HTTP version it came in (`HTTP/1.1`, `HTTP/2.0`).
    #[serde(default)]
    pub version: String,
}

/// A canned failure: the next `times` requests whose path contains `path_contains` get it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Fault {
    #[serde(default)]
    pub method: Option<String>,
    pub path_contains: String,
    pub status: u16,
    #[serde(default = "one")]
    pub times: u32,
    #[serde(default)]
    pub retry_after: Option<u32>,
    #[serde(default)]
    pub body: String,
    /// The request is carried out, then answered with the fault (a 5xx after the change).
    #[serde(default)]
    pub applied: bool,
    /// How the answer goes wrong (`answer`: `status` and `body` instead of the right answer).
    #[serde(default)]
    pub mode: FaultMode,
    /// The first `after` matching requests are answered as usual (a token that expires after
    /// N requests: `after: N, status: 401`).
    #[serde(default)]
    pub after: u32,
    /// For `delay` and `slow-body`: milliseconds before the answer, or between body chunks.
    #[serde(default)]
    pub delay_ms: u64,
    /// Only every `every`-th matching request gets the fault ("503 every 7th request"); 0 or
    /// 1: each one. Requests passed over are answered as usual and cost no `times`.
    #[serde(default)]
    pub every: u32,
    /// Matching requests seen so far (for `every`).
    #[serde(skip)]
    pub seen: u32,
}

impl Fault {
    /// The next `times` requests whose path contains `path` get `status`.
    pub fn status(path: &str, status: u16, times: u32) -> Fault {
        Fault {
            method: None,
            path_contains: path.into(),
            status,
            times,
            retry_after: None,
            body: String::new(),
            applied: false,
            mode: FaultMode::Answer,
            after: 0,
            delay_ms: 0,
            every: 0,
            seen: 0,
        }
    }

    /// The next `times` requests whose path contains `path` go wrong as `mode` says.
    pub fn mode(path: &str, mode: FaultMode, times: u32) -> Fault {
        Fault { mode, ..Fault::status(path, 200, times) }
    }
}

/// The ways an answer goes wrong. All but `answer` and `never-answer` carry the request out
/// and spoil its real answer; `never-answer` carries it out only when `applied`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultMode {
    /// `status` with `body` (and `retry_after`).
    #[default]
    Answer,
    /// The connection is accepted and the request read; no answer ever comes.
    NeverAnswer,
    /// The real answer, after `delay_ms`.
    Delay,
    /// The real status and headers, then half the body, then the connection is cut.
    ResetMidBody,
    /// The real answer with its body cut in half (a proxy that gave up): invalid JSON.
    Truncated,
    /// The real answer, its body sent 16 bytes at a time, `delay_ms` apart.
    SlowBody,
}

fn one() -> u32 {
    1
}

/// ACR's per-minute ReadOps/WriteOps throttling (docs: Premium 10,000 reads and 2,000
/// writes per minute), answered with 429 and, when `retry_after`, a `Retry-After`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RateLimits {
    #[serde(default)]
    pub read_per_minute: Option<u32>,
    #[serde(default)]
    pub write_per_minute: Option<u32>,
    #[serde(default)]
    pub retry_after: bool,
    /// How many seconds' worth of requests may come at once (the bucket's size); 0: one.
    #[serde(default)]
    pub burst_seconds: f64,
}

/// What `GET /v2/` answers without credentials.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Challenge {
    Bearer,
    /// A classic registry.
    Basic,
    /// A 401 without `WWW-Authenticate`.
    None,
}

pub struct Emulator {
    addr: SocketAddr,
    state: Shared,
    ca_path: PathBuf,
    _dir: tempfile::TempDir,
    handle: axum_server::Handle<SocketAddr>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Emulator {
    /// Starts on 127.0.0.1 with a port of its own.
    pub fn start(seed: Seed) -> Emulator {
        Emulator::start_on(seed, SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn start_on(seed: Seed, bind: SocketAddr) -> Emulator {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::Builder::new().prefix("azacr-emulator-").tempdir().expect("temp dir");
        let (ca_pem, cert_pem, key_pem) = certificates(&seed.login_server);
        let ca_path = dir.path().join("ca.pem");
        std::fs::write(&ca_path, &ca_pem).expect("write CA");
        let state: Shared = Arc::new(Mutex::new(routes::State::new(seed)));
        let handle = axum_server::Handle::new();
        let (server_state, server_handle) = (state.clone(), handle.clone());
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let config = RustlsConfig::from_pem(cert_pem.into_bytes(), key_pem.into_bytes())
                    .await
                    .expect("tls config");
                let app = Router::new().fallback(
                    move |method: Method,
                          version: axum::http::Version,
                          uri: Uri,
                          headers: HeaderMap,
                          body: Bytes| {
                        let state = server_state.clone();
                        async move {
                            let latency = state.lock().unwrap().latency;
                            if !latency.is_zero() {
                                tokio::time::sleep(latency).await;
                            }
                            let (response, spoil) =
                                routes::handle(&state, method, version, uri, headers, body);
                            routes::spoil(response, spoil).await
                        }
                    },
                );
                // Without TCP_NODELAY, small responses wait for delayed ACKs (~40 ms each).
                let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(config)
                    .acceptor(axum_server::accept::NoDelayAcceptor::new());
                axum_server::bind(bind)
                    .acceptor(acceptor)
                    .handle(server_handle)
                    .serve(app.into_make_service())
                    .await
                    .expect("serve");
            });
        });
        let addr = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(handle.listening())
            .expect("emulator listening");
        Emulator { addr, state, ca_path, _dir: dir, handle, thread: Some(thread) }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn login_server(&self) -> String {
        self.state.lock().unwrap().seed.login_server.clone()
    }

    /// The PEM file of the CA that signed the server's certificate (for `REQUESTS_CA_BUNDLE`).
    pub fn ca_bundle(&self) -> &Path {
        &self.ca_path
    }

    /// `program` (azacr) with nothing from the caller's environment but PATH, its config
    /// directory and working directory `config`, trusting this emulator's CA and connecting to
    /// it. Pass-through is off (`AZACR_AZ_PATH` empty), so no real az on the machine is run.
    pub fn azacr_command(&self, program: &Path, config: &Path) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", config)
            .env("AZURE_CONFIG_DIR", config)
            .env("LANG", "C.UTF-8")
            .env("AZACR_AZ_PATH", "")
            .env("REQUESTS_CA_BUNDLE", self.ca_bundle())
            .env("AZACR_CONNECT_TO", self.addr().to_string())
            .current_dir(config);
        cmd
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.state.lock().unwrap().requests.clear();
    }

    /// The registry's contents as stable JSON.
    pub fn snapshot(&self) -> Value {
        self.state.lock().unwrap().seed.snapshot()
    }

    pub fn reset(&self) {
        self.state.lock().unwrap().reset();
    }

    /// Puts the registry's contents back as seeded and clears the request log, keeping the
    /// tokens issued so far valid (for runs that start with a warm token cache).
    pub fn reset_contents(&self) {
        let mut state = self.state.lock().unwrap();
        state.seed = state.initial.clone();
        state.requests.clear();
    }

    pub fn set_faults(&self, faults: Vec<Fault>) {
        self.state.lock().unwrap().faults = faults;
    }

    /// Throttles reads and writes per minute from now on (`RateLimits::default()`: none).
    pub fn set_rate_limits(&self, limits: RateLimits) {
        self.state.lock().unwrap().rate_limits = limits;
    }

    /// The faults as they stand (`times` left, `seen`), to count what was injected.
    pub fn faults(&self) -> Vec<Fault> {
        self.state.lock().unwrap().faults.clone()
    }

    pub fn set_challenge(&self, challenge: Challenge) {
        self.state.lock().unwrap().challenge = challenge;
    }

    /// Delays every answer (for interruption and timeout tests).
    pub fn set_latency(&self, latency: std::time::Duration) {
        self.state.lock().unwrap().latency = latency;
    }

    /// The lifetime (JWT `exp`) of the tokens issued from now on.
    pub fn set_token_lifetime(&self, seconds: u64) {
        self.state.lock().unwrap().token_lifetime = seconds;
    }

    /// Entra ID rejects the user's refresh token from now on.
    pub fn revoke_entra_refresh_token(&self) {
        self.state.lock().unwrap().entra_revoked = true;
    }

    /// The Entra authority the emulator serves (`/{tenant}/oauth2/v2.0/token`).
    pub fn authority(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }

    /// Forgets every token issued so far: they get 401s from now on.
    pub fn revoke_tokens(&self) {
        let mut state = self.state.lock().unwrap();
        state.tokens.clear();
        state.refresh_issued.clear();
    }

    /// Adds `seed::oci_repository(OCI_REPOSITORY)` (indexes, OCI artifacts, referrers) until
    /// the next reset.
    pub fn add_oci_repository(&self) {
        routes::add_oci_repository(&mut self.state.lock().unwrap());
    }

    /// Turns the soft-delete policy on (see `routes::SoftDeleted`), with a recycle bin seeded
    /// for restores, until the next reset.
    pub fn enable_soft_delete(&self) {
        routes::enable_soft_delete(&mut self.state.lock().unwrap());
    }

    /// Makes the registry classic: 405 for the ACR tag listing.
    pub fn set_classic(&self, classic: bool) {
        self.state.lock().unwrap().classic = classic;
    }

    /// Sends `link` as the Link header of every listing page (`None`: the right one).
    pub fn set_link_override(&self, link: Option<&str>) {
        self.state.lock().unwrap().link_override = link.map(String::from);
    }

    /// Makes listings ignore filter parameters (`digest` on the tag listing).
    pub fn set_ignore_filters(&self, ignore: bool) {
        self.state.lock().unwrap().ignore_filters = ignore;
    }

    /// Adds raw bytes to the query of every Link header the registry sends.
    pub fn set_link_extra(&self, extra: Option<&[u8]>) {
        self.state.lock().unwrap().link_extra = extra.map(<[u8]>::to_vec);
    }

    pub fn set_correlation_id(&self, id: Option<&str>) {
        self.state.lock().unwrap().correlation_id = id.map(String::from);
    }

    /// The registry answers as `login_server` (until `reset`), which ARM lists under the
    /// name before any `-` (a domain-name-label hash).
    pub fn set_login_server(&self, login_server: &str) {
        let mut state = self.state.lock().unwrap();
        let name = login_server.split(['.', '-']).next().unwrap_or("").to_string();
        state.arm_registries = vec![arm::ArmRegistry::new(&name, seed::RESOURCE_GROUP, login_server)];
        state.seed.login_server = login_server.to_string();
    }

    /// The registries ARM lists (default: the seed's, in `seed::RESOURCE_GROUP`).
    /// Enables the admin user of the ARM registries named (any case); disables the others'.
    pub fn set_admin_user_enabled(&self, names: &[&str]) {
        for r in &mut self.state.lock().unwrap().arm_registries {
            r.admin_user_enabled = names.iter().any(|n| n.eq_ignore_ascii_case(&r.name));
        }
    }

    /// The registry refuses (401) the AAD exchange of the signed-in user's Entra token
    /// (`seed::AAD_TOKEN`, which service principals get too), or takes it again.
    pub fn refuse_aad_exchange(&self, refuse: bool) {
        self.state.lock().unwrap().aad_refused =
            if refuse { vec![seed::AAD_TOKEN.to_string()] } else { Vec::new() };
    }

    pub fn set_arm_registries(&self, registries: Vec<arm::ArmRegistry>) {
        self.state.lock().unwrap().arm_registries = registries;
    }

    /// Edits the registry's contents in place.
    pub fn with_seed<R>(&self, f: impl FnOnce(&mut Seed) -> R) -> R {
        f(&mut self.state.lock().unwrap().seed)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A CA and a leaf for the login server (and `*.azurecr.io`, localhost, 127.0.0.1).
fn certificates(login_server: &str) -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.distinguished_name.push(DnType::CommonName, "azacr test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA cert");
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().expect("leaf key");
    let names = vec![login_server.to_string(), "*.azurecr.io".into(), "localhost".into(), "127.0.0.1".into()];
    let mut leaf_params = CertificateParams::new(names).expect("leaf params");
    leaf_params.distinguished_name.push(DnType::CommonName, login_server);
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).expect("leaf cert");
    (ca_cert.pem(), leaf.pem(), leaf_key.serialize_pem())
}
