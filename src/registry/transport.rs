//! The HTTP client and az's per-call status policy, with a better retry than az's fixed sleeps.

use std::net::SocketAddr;
use std::time::Duration;

use std::sync::Arc;

use reqwest::{Client, Method, Response, StatusCode, Url};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde_json::Value;

use super::error::{Budget, RegistryError, StatusText};
use crate::env::{self, Env};

/// az tries a failed call three times in all.
const ATTEMPTS: u32 = 3;
/// az sleeps 5 s between tries; azacr backs off from 1 s, or waits what Retry-After asks.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The time limits of a run: each changeable through its environment variable (whole
/// seconds, 1 to 3600), documented in the README.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// TCP connect plus TLS handshake (az's stack has no bound: a registry that never
    /// completes a handshake must not hang a night's cleanup job).
    pub connect: Duration,
    /// One try of a challenge, token or exchange request (az has no bound either). A request
    /// is tried at most twice when its tries time out, so a registry that accepts the
    /// connection and never answers ends the run in about two minutes.
    pub sign_in: Duration,
    /// A data call without a byte, as az's `timeout=300`.
    pub data: Duration,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        connect: Duration::from_secs(30),
        sign_in: Duration::from_secs(60),
        data: Duration::from_secs(300),
    };
    const BOUNDS_SECS: std::ops::RangeInclusive<u64> = 1..=3600;

    /// The defaults, with whatever the run's environment changes.
    pub fn from_env(env: &Env) -> Result<Limits, RegistryError> {
        let read = |name: &str, default: Duration| match env.var(name) {
            None => Ok(default),
            Some(text) => match text.trim().parse::<u64>() {
                Ok(secs) if Limits::BOUNDS_SECS.contains(&secs) => Ok(Duration::from_secs(secs)),
                _ => Err(RegistryError::Setup(format!(
                    "{name} must be a whole number of seconds from {} to {}, got '{text}'",
                    Limits::BOUNDS_SECS.start(),
                    Limits::BOUNDS_SECS.end()
                ))),
            },
        };
        Ok(Limits {
            connect: read(env::AZACR_CONNECT_TIMEOUT, Limits::DEFAULT.connect)?,
            sign_in: read(env::AZACR_SIGN_IN_TIMEOUT, Limits::DEFAULT.sign_in)?,
            data: read(env::AZACR_DATA_TIMEOUT, Limits::DEFAULT.data)?,
        })
    }

    /// The longest one challenge, token or exchange request takes on a registry that sends
    /// nothing: two tries that time out, and the waits between the three tries.
    pub fn sign_in_bound(&self) -> Duration {
        self.sign_in * MAX_TIMED_OUT_SIGN_IN_TRIES + backoff_waits()
    }

    /// The longest a data call waits on a registry that sends nothing: every try's connect
    /// and wait for a first byte, and the backoff between them (a registry that sends a byte
    /// at least once per `data` is waited for, as az does, up to the body limit).
    pub fn data_bound(&self) -> Duration {
        (self.connect + self.data) * ATTEMPTS + backoff_waits()
    }
}

/// A challenge, token or exchange request that timed out this many times is not tried again.
const MAX_TIMED_OUT_SIGN_IN_TRIES: u32 = 2;

/// The waits between a call's tries, without `Retry-After`.
fn backoff_waits() -> Duration {
    (0..ATTEMPTS - 1).map(|i| FIRST_BACKOFF * 2u32.pow(i)).sum()
}

thread_local! {
    /// The limits of the run on this thread (a run's runtime is on one thread), set when its
    /// client is built.
    static LIMITS: std::cell::Cell<Limits> = const { std::cell::Cell::new(Limits::DEFAULT) };
    /// Limits a test puts in place of the environment's for the runs on its thread.
    static TEST_LIMITS: std::cell::Cell<Option<Limits>> = const { std::cell::Cell::new(None) };
}

/// The run's limits (from its environment, or a test's).
pub(crate) fn limits() -> Limits {
    LIMITS.with(|l| l.get())
}

thread_local! {
    /// Where this thread's run prints the warning az's HTTP stack (urllib3) prints for every
    /// request made without certificate verification, and whether the run's client makes them.
    static UNVERIFIED: std::cell::RefCell<(Option<crate::ui::Ui>, bool)> =
        const { std::cell::RefCell::new((None, false)) };
}

/// urllib3's warning, as Python prints it: the file and line of az's urllib3 (azacr has no
/// Python install to name, so it names the one az's Linux packages use, /opt/az; the Python
/// and urllib3 versions are az 2.91.0's), then the source line.
const UNVERIFIED_WARNING: &str = "/opt/az/lib/python3.11/site-packages/urllib3/connectionpool.py:1129: InsecureRequestWarning: Unverified HTTPS request is being made to host '{host}'. Adding certificate verification is strongly advised. See: https://urllib3.readthedocs.io/en/latest/advanced-usage.html#tls-warnings\n  warnings.warn(";

/// Prints this thread's run's warnings about unverified requests to `ui` until the guard
/// is dropped.
pub fn warn_unverified_to(ui: &crate::ui::Ui) -> UnverifiedWarnings {
    UNVERIFIED.with(|u| u.borrow_mut().0 = Some(ui.clone()));
    UnverifiedWarnings
}

pub struct UnverifiedWarnings;

impl Drop for UnverifiedWarnings {
    fn drop(&mut self) {
        UNVERIFIED.with(|u| *u.borrow_mut() = (None, false));
    }
}

/// az's switch: any value but an empty one turns certificate verification off, as az's
/// `bool(os.environ.get(...))` reads it.
fn verification_disabled(env: &Env) -> bool {
    env.var_os(env::AZURE_CLI_DISABLE_CONNECTION_VERIFICATION).is_some_and(|v| !v.is_empty())
}

/// A request went out on a connection (as urllib3 warns once it has one, before sending).
fn sent_to(url: &Url) {
    UNVERIFIED.with(|u| {
        if let (Some(ui), true) = &*u.borrow() {
            ui.note(&UNVERIFIED_WARNING.replace("{host}", url.host_str().unwrap_or_default()));
        }
    });
}

/// Whether an error came before any connection was made (nothing was sent, so az's stack
/// would not have warned).
fn before_connection(e: &reqwest::Error) -> bool {
    e.is_connect() || e.is_builder()
}

/// The largest answer read (a listing page of 100 manifests is tens of KiB): a bigger one is
/// refused, never held in memory.
pub const MAX_BODY: u64 = 256 * 1024 * 1024;

/// In-process knobs for tests (no environment variable reaches them): the body limit, and
/// the first wait before a call is tried again.
pub mod knobs {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    static MAX_BODY: AtomicU64 = AtomicU64::new(super::MAX_BODY);
    static FIRST_BACKOFF_MS: AtomicU64 = AtomicU64::new(super::FIRST_BACKOFF.as_millis() as u64);

    /// Sets the first backoff for every run in this process (tests only; it doubles per try).
    pub fn set_first_backoff(wait: Duration) {
        FIRST_BACKOFF_MS.store(wait.as_millis() as u64, Ordering::Relaxed);
    }

    pub fn first_backoff() -> Duration {
        Duration::from_millis(FIRST_BACKOFF_MS.load(Ordering::Relaxed))
    }

    /// Sets the body limit for every run in this process (tests only).
    pub fn set_max_body(bytes: u64) {
        MAX_BODY.store(bytes, Ordering::Relaxed);
    }

    pub fn max_body() -> u64 {
        MAX_BODY.load(Ordering::Relaxed)
    }

    /// Time limits for the runs on this thread only, instead of the environment's (tests
    /// only: they may be far below the environment's one-second floor). `None` undoes it.
    pub fn set_limits_on_this_thread(limits: Option<super::Limits>) {
        super::TEST_LIMITS.with(|l| l.set(limits));
    }
}

/// The error for an answer over the limit.
fn too_large(limit: u64) -> RegistryError {
    RegistryError::TooLarge(limit)
}

/// Reads a body, refusing one larger than the limit (by its `Content-Length`, and by counting,
/// as a chunked answer names no length).
pub(crate) async fn read_body(
    mut response: Response,
) -> Result<Result<Vec<u8>, RegistryError>, reqwest::Error> {
    let limit = knobs::max_body();
    if response.content_length().is_some_and(|n| n > limit) {
        return Ok(Err(too_large(limit)));
    }
    let mut body = Vec::with_capacity(response.content_length().unwrap_or(0) as usize);
    while let Some(chunk) = response.chunk().await? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Ok(Err(too_large(limit)));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Ok(body))
}

/// Builds the one client for a run, trusting what az's HTTP stack trusts, and the test
/// override that sends the login server's connections to another socket address.
pub fn build_client(login_server: &str, env: &Env) -> Result<Client, RegistryError> {
    let limits = match TEST_LIMITS.with(|l| l.get()) {
        Some(limits) => limits,
        None => Limits::from_env(env)?,
    };
    LIMITS.with(|l| l.set(limits));
    let unverified = verification_disabled(env);
    UNVERIFIED.with(|u| u.borrow_mut().1 = unverified);
    let mut builder = Client::builder()
        .user_agent(concat!("azacr/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(limits.connect)
        // Per read, as az's (connect, read) timeout: a long listing that keeps coming is fine.
        .read_timeout(limits.data);
    builder = if unverified {
        // az's stack does not read the CA bundle then (requests' `verify=False`).
        builder.tls_certs_only(Vec::new()).tls_danger_accept_invalid_certs(true)
    } else {
        builder.tls_backend_preconfigured(verifying_tls(env)?)
    };
    // The proxy az's stack would use, from the run's environment (never the process's).
    builder = builder.no_proxy();
    if let Some(url) = env::first_set(env, env::HTTPS_PROXY_NAMES) {
        let proxy = reqwest::Proxy::https(&url)
            .map_err(|e| RegistryError::Setup(format!("Invalid proxy URL '{url}': {e}")))?
            .no_proxy(
                env::first_set(env, env::NO_PROXY_NAMES).and_then(|n| reqwest::NoProxy::from_string(&n)),
            );
        builder = builder.proxy(proxy);
    }
    if let Some(addr) = env.var(env::AZACR_CONNECT_TO) {
        let addr: SocketAddr = addr.parse().map_err(|_| {
            RegistryError::Setup(format!("{} must be IP:PORT, got '{addr}'", env::AZACR_CONNECT_TO))
        })?;
        builder = builder.resolve(login_server, addr);
    }
    builder.build().map_err(|e| RegistryError::Setup(format!("Could not set up HTTPS: {e}")))
}

/// TLS 1.2 and 1.3 for HTTP/1.1 (as az's stack speaks), trusting `trusted_roots`.
fn verifying_tls(env: &Env) -> Result<rustls::ClientConfig, RegistryError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| RegistryError::Setup(format!("Could not set up HTTPS: {e}")))?
        .with_root_certificates(trusted_roots(env)?)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The bundle `REQUESTS_CA_BUNDLE` (or else `CURL_CA_BUNDLE`) names, instead of the default:
/// the Mozilla root set az ships (certifi), compiled in as trust anchors, so that a call
/// neither reads a file nor parses a certificate unless the user names a bundle.
fn trusted_roots(env: &Env) -> Result<rustls::RootCertStore, RegistryError> {
    let named = [env::REQUESTS_CA_BUNDLE, env::CURL_CA_BUNDLE]
        .into_iter()
        .find_map(|name| env.var_os(name).filter(|p| !p.is_empty()));
    let Some(path) = named else {
        return Ok(rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() });
    };
    let pem = std::fs::read(path).map_err(|e| {
        RegistryError::Setup(format!("Could not read the CA bundle {}: {e}", path.to_string_lossy()))
    })?;
    let invalid = |e: &dyn std::fmt::Display| {
        RegistryError::Setup(format!("Invalid CA bundle {}: {e}", path.to_string_lossy()))
    };
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(&pem) {
        roots.add(certificate.map_err(|e| invalid(&e))?).map_err(|e| invalid(&e))?;
    }
    for certificate in trusted_certificate_blocks(&pem).map_err(|e| invalid(&e))? {
        roots.add(certificate).map_err(|e| invalid(&e))?;
    }
    Ok(roots)
}

/// OpenSSL's `TRUSTED CERTIFICATE` blocks (a certificate, then its trust settings), which
/// the Python ssl az runs on reads too (some distributions' bundles are made of them): the
/// certificate of each.
fn trusted_certificate_blocks(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    use base64::Engine;
    const BEGIN: &str = "-----BEGIN TRUSTED CERTIFICATE-----";
    const END: &str = "-----END TRUSTED CERTIFICATE-----";
    let text = String::from_utf8_lossy(pem);
    let mut rest = &text[..];
    let mut certificates = Vec::new();
    while let Some(start) = rest.find(BEGIN) {
        let body = &rest[start + BEGIN.len()..];
        let end = body.find(END).ok_or("a TRUSTED CERTIFICATE block without its end line")?;
        let encoded: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
        let der = base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|e| e.to_string())?;
        let length = der_sequence_length(&der).ok_or("a TRUSTED CERTIFICATE block with no certificate")?;
        certificates.push(CertificateDer::from(der[..length].to_vec()));
        rest = &body[end + END.len()..];
    }
    Ok(certificates)
}

/// The length, header included, of the DER SEQUENCE that `der` starts with.
fn der_sequence_length(der: &[u8]) -> Option<usize> {
    if *der.first()? != 0x30 {
        return None;
    }
    let first = usize::from(*der.get(1)?);
    let (header, length) = if first < 0x80 {
        (2, first)
    } else {
        let count = first & 0x7f;
        if count == 0 || count > 4 {
            return None;
        }
        let bytes = der.get(2..2 + count)?;
        (2 + count, bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b)))
    };
    let total = header.checked_add(length)?;
    (total <= der.len()).then_some(total)
}

/// What a successful data call returned: the decoded JSON body (if any) and the `Link` header.
pub struct Reply<B> {
    pub body: Option<B>,
    pub link: Option<String>,
}

/// Turns a body's bytes into what the caller keeps of it (all of it, or one page's items).
pub type Decode<'d, B> = &'d dyn Fn(&[u8]) -> serde_json::Result<B>;

pub struct Call<'a> {
    pub method: Method,
    pub url: Url,
    pub auth: &'a str,
    pub json: Option<&'a Value>,
    /// The `Accept` header, when the call needs one (manifest bodies).
    pub accept: Option<&'static str>,
}

/// Sends a data call with az's status rules: 401/404/405/409 are final, other failures
/// are tried again; a 200 must carry JSON.
pub async fn send<B>(
    client: &Client,
    call: &Call<'_>,
    decode: Decode<'_, B>,
) -> Result<Reply<B>, RegistryError> {
    let mut backoff = Backoff::new();
    let mut attempt = 1;
    let started = std::time::Instant::now();
    // A server error or a lost answer may come after the registry applied the call.
    let mut maybe_applied = false;
    loop {
        let (error, retry_after) = match try_once(client, call, decode).await {
            Ok(reply) => return Ok(reply),
            // A DELETE that may already have been applied, then "not found": it was.
            Err(Failure::Final(e))
                if maybe_applied && call.method == Method::DELETE && e.http_status() == Some(404) =>
            {
                crate::log::debug(format_args!(
                    "{} {}: gone after an earlier try, so deleted",
                    call.method, call.url
                ));
                return Ok(Reply { body: None, link: None });
            }
            Err(Failure::Final(e)) => return Err(e),
            Err(Failure::Retry(e, retry_after)) => (e, retry_after),
        };
        maybe_applied |= error.is_transport() || error.http_status().is_some_and(|s| s >= 500);
        if attempt >= ATTEMPTS {
            // az's words for a status or a bad body, as az prints them; azacr's own words for
            // a lost answer say what was tried.
            return Err(match error {
                RegistryError::Transport(text, None) => RegistryError::Transport(
                    text,
                    Some(Budget { attempts: attempt, elapsed: started.elapsed() }),
                ),
                other => other,
            });
        }
        attempt += 1;
        backoff.wait(retry_after).await;
    }
}

thread_local! {
    /// The DELETEs sent in this run (a run's runtime is on one thread), for the line said
    /// when Ctrl-C ends a run after one went out.
    static SENT_DELETES: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The URLs of the DELETEs sent on this thread since the last call (and forgets them).
pub fn take_sent_deletes() -> Vec<String> {
    SENT_DELETES.with(|s| std::mem::take(&mut *s.borrow_mut()))
}

enum Failure {
    Final(RegistryError),
    Retry(RegistryError, Option<Duration>),
}

async fn try_once<B>(client: &Client, call: &Call<'_>, decode: Decode<'_, B>) -> Result<Reply<B>, Failure> {
    let mut request =
        client.request(call.method.clone(), call.url.clone()).header("Authorization", call.auth);
    if let Some(body) = call.json {
        request = request.json(body);
    }
    if let Some(accept) = call.accept {
        request = request.header("Accept", accept);
    }
    if call.method == Method::DELETE {
        SENT_DELETES.with(|s| s.borrow_mut().push(call.url.to_string()));
    }
    let lost = |e: reqwest::Error| Failure::Retry(RegistryError::Transport(describe(&e), None), None);
    let sent = request.send().await;
    if !sent.as_ref().is_err_and(before_connection) {
        sent_to(&call.url);
    }
    let response = sent.map_err(lost)?;
    let status = response.status();
    crate::log::debug(format_args!("{} {} -> {}", call.method, call.url, status.as_u16()));
    let link = header(&response, "link");
    let correlation = header(&response, "x-ms-correlation-request-id");
    let retry_after = retry_after(&response);
    let bytes = read_body(response).await.map_err(lost)?.map_err(Failure::Final)?;
    let fail = |default: &'static str| {
        RegistryError::status(StatusText { code: status.as_u16(), default }, &bytes, correlation.as_deref())
    };
    match status.as_u16() {
        200 => match decode(&bytes) {
            Ok(body) => Ok(Reply { body: Some(body), link }),
            Err(e) => Err(Failure::Retry(RegistryError::Decode(python_json_error(&e, &bytes)), None)),
        },
        201 | 202 => Ok(Reply { body: decode(&bytes).ok(), link }),
        204 => Ok(Reply { body: None, link }),
        401 => Err(Failure::Final(fail("Authentication required."))),
        404 => Err(Failure::Final(fail("The requested data does not exist."))),
        405 => Err(Failure::Final(fail("This operation is not supported."))),
        409 => Err(Failure::Final(fail("Failed to request data due to a conflict."))),
        _ => {
            let default = match call.method {
                Method::PATCH => "Could not patch the requested data.",
                Method::DELETE => "Could not delete the requested data.",
                _ => "Could not get the requested data.",
            };
            let wait = if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                retry_after
            } else {
                None
            };
            Err(Failure::Retry(fail(default), wait))
        }
    }
}

/// A header's value decoded as Latin-1, as az's HTTP stack decodes it: a byte that is not
/// visible ASCII must not make a `Link` look absent (that would end a listing early).
pub(crate) fn header(response: &Response, name: &str) -> Option<String> {
    response.headers().get(name).map(|v| v.as_bytes().iter().map(|&b| char::from(b)).collect())
}

/// Python's json error for the commonest bad body, an empty one.
fn python_json_error(e: &serde_json::Error, body: &[u8]) -> String {
    // Python's decoder says "Expecting value" where no JSON value can start.
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    let rest = &body[start..];
    let literal = [&b"null"[..], b"true", b"false", b"NaN", b"Infinity", b"-Infinity"]
        .iter()
        .any(|l| rest.starts_with(l));
    let number = rest.first().is_some_and(u8::is_ascii_digit)
        || (rest.first() == Some(&b'-') && rest.get(1).is_some_and(u8::is_ascii_digit));
    let starts_value = literal || number || rest.first().is_some_and(|b| b"{[\"".contains(b));
    if !starts_value {
        let line = 1 + body[..start].iter().filter(|b| **b == b'\n').count();
        let column = start - body[..start].iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
        return format!("Expecting value: line {line} column {column} (char {start})");
    }
    e.to_string()
}

/// Why a challenge, token or exchange request got no answer.
#[derive(Debug)]
pub struct NoAnswer {
    /// The transport failure's text.
    pub text: String,
    /// azacr stopped waiting (where az would have waited for ever).
    pub timed_out: bool,
    pub budget: Budget,
}

impl NoAnswer {
    /// What was tried, for a message whose words are azacr's because az would still be
    /// waiting; `None` where az would have ended with its own words (a refused connection).
    pub fn gave_up(&self) -> Option<Budget> {
        self.timed_out.then_some(self.budget)
    }
}

/// Posts a form (the token, exchange and Entra calls): the status and the JSON body (`Null`
/// when it is not JSON), or why there was no answer.
///
/// Unlike az, a transient failure (no answer, 408, 429, 5xx) is tried again, as data calls are.
pub async fn post_form(client: &Client, url: &str, form: &[(&str, &str)]) -> Result<(u16, Value), NoAnswer> {
    let pairs: Vec<(String, String)> = form.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let body = form_encode(&pairs);
    sign_in_request(
        || client.post(url).header("Content-Type", "application/x-www-form-urlencoded").body(body.clone()),
        "POST",
        url,
        true,
    )
    .await
    .map(|(status, _, body)| (status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
}

/// A challenge, token or exchange request, tried up to three times while it fails in a way
/// worth another try (twice when its tries time out, each try bounded by the sign-in limit):
/// the status, the headers and the body of the last answer, or why there was none.
///
/// An answer whose body was cut off (a reset mid-body, or, when `json` says a 200 must carry
/// JSON, a body that is not JSON: a proxy that gave up) is no answer, and tried again.
pub async fn sign_in_request(
    request: impl Fn() -> reqwest::RequestBuilder,
    method: &str,
    url: &str,
    json: bool,
) -> Result<(u16, reqwest::header::HeaderMap, Vec<u8>), NoAnswer> {
    let limits = limits();
    let started = std::time::Instant::now();
    let mut backoff = Backoff::new();
    let mut attempt = 1;
    let mut timed_out = 0;
    loop {
        let sent = request().timeout(limits.sign_in).send().await;
        if !sent.as_ref().is_err_and(before_connection)
            && let Ok(url) = Url::parse(url)
        {
            sent_to(&url);
        }
        let mut last = attempt >= ATTEMPTS;
        let (retry_after, answer) = match sent {
            Err(e) => {
                let text = describe(&e);
                crate::log::debug(format_args!("{method} {url} failed: {text}"));
                timed_out += u32::from(e.is_timeout());
                let failure = NoAnswer {
                    text,
                    timed_out: e.is_timeout(),
                    budget: Budget { attempts: attempt, elapsed: started.elapsed() },
                };
                // A refused connection is an answer (nothing there); a lost one is not.
                last |= (e.is_connect() && !e.is_timeout()) || timed_out >= MAX_TIMED_OUT_SIGN_IN_TRIES;
                (None, Err(failure))
            }
            Ok(response) => {
                let status = response.status();
                crate::log::debug(format_args!("{method} {url} -> {}", status.as_u16()));
                let retry_after = retry_after(&response);
                let headers = response.headers().clone();
                // An answer over the limit is read as an empty one (the caller's error is az's).
                let (body, cut_off) = match read_body(response).await {
                    Ok(body) => (body.unwrap_or_default(), false),
                    Err(e) => {
                        crate::log::debug(format_args!("{method} {url}: answer cut off: {}", describe(&e)));
                        (Vec::new(), true)
                    }
                };
                let not_json = json
                    && status == StatusCode::OK
                    && serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err();
                let transient = status == StatusCode::REQUEST_TIMEOUT
                    || status == StatusCode::TOO_MANY_REQUESTS
                    || status.is_server_error()
                    || cut_off
                    || not_json;
                last |= !transient;
                (retry_after, Ok((status.as_u16(), headers, body)))
            }
        };
        if last {
            return answer;
        }
        backoff.wait(retry_after).await;
        attempt += 1;
    }
}

/// The wait before a call is tried again: what the registry's `Retry-After` asked (capped),
/// else a backoff that doubles from try to try.
struct Backoff(Duration);

impl Backoff {
    fn new() -> Backoff {
        Backoff(knobs::first_backoff())
    }

    async fn wait(&mut self, retry_after: Option<Duration>) {
        tokio::time::sleep(retry_after.unwrap_or(self.0).min(MAX_RETRY_AFTER)).await;
        self.0 *= 2;
    }
}

/// The answer's `Retry-After`, in whole seconds as ACR sends it.
pub(crate) fn retry_after(response: &Response) -> Option<Duration> {
    header(response, "retry-after").and_then(|s| s.trim().parse().ok()).map(Duration::from_secs)
}

/// A transport error's full chain (reqwest hides the cause behind "error sending request").
pub fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Form encoding as Python's `urlencode` does it (`quote_plus`, nothing safe but `_.-~`).
pub fn form_encode(pairs: &[(String, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", quote_plus(k), quote_plus(v))).collect::<Vec<_>>().join("&")
}

fn quote_plus(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_named_bundle_the_mozilla_roots_are_trusted_with_the_one_azure_chains_to() {
        let roots = trusted_roots(&Env::of(Vec::<(&str, &str)>::new())).expect("built-in roots");
        assert!(roots.roots.len() > 100, "{}", roots.roots.len());
        // *.azurecr.io's certificates chain to DigiCert Global Root G2.
        let named =
            |name: &[u8]| roots.roots.iter().any(|a| a.subject.windows(name.len()).any(|w| w == name));
        assert!(named(b"DigiCert Global Root G2"));
        assert!(!named(b"azacr"), "no test CA among the defaults");
    }

    #[test]
    fn der_sequences_are_measured_by_their_header() {
        assert_eq!(der_sequence_length(&[0x30, 0x03, 1, 2, 3, 0x30, 0x00]), Some(5));
        assert_eq!(der_sequence_length(&[0x30, 0x81, 0x02, 9, 9]), Some(5));
        assert_eq!(der_sequence_length(&[0x30, 0x05, 1]), None, "cut short");
        assert_eq!(der_sequence_length(&[0x02, 0x01, 0]), None, "not a SEQUENCE");
        assert_eq!(der_sequence_length(&[0x30, 0x80]), None, "indefinite length is not DER");
    }

    #[test]
    fn a_named_bundle_replaces_the_default_and_a_broken_one_is_an_error() {
        let dir = std::env::temp_dir().join(format!("azacr-ca-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (empty, broken) = (dir.join("empty.pem"), dir.join("broken.pem"));
        std::fs::write(&empty, "no certificates here\n").unwrap();
        std::fs::write(&broken, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").unwrap();
        let roots =
            trusted_roots(&Env::of([(env::CURL_CA_BUNDLE, empty.as_os_str())])).expect("empty bundle");
        assert_eq!(roots.roots.len(), 0);
        let error =
            trusted_roots(&Env::of([(env::REQUESTS_CA_BUNDLE, broken.as_os_str())])).expect_err("refused");
        assert!(error.to_string().contains("Invalid CA bundle"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn encodes_like_urlencode() {
        let pairs = vec![
            ("scope".to_string(), "repository:a/b:delete,metadata_read".to_string()),
            ("x".to_string(), "a+b c*".to_string()),
            ("orderby".to_string(), String::new()),
        ];
        assert_eq!(
            form_encode(&pairs),
            "scope=repository%3Aa%2Fb%3Adelete%2Cmetadata_read&x=a%2Bb+c%2A&orderby="
        );
    }

    #[test]
    fn the_shipped_limits_bound_a_silent_registry() {
        let limits = Limits::DEFAULT;
        // The challenge and each token request: two tries of 60 s that time out, never a
        // third, and at most 1 s and 2 s between tries: about two minutes.
        assert_eq!(limits.sign_in_bound(), Duration::from_secs(123));
        // A data call keeps az's 300 s without a byte: three tries, each up to 30 s to
        // connect and 300 s to a first byte, and 1 s and 2 s between them.
        assert_eq!(limits.data_bound(), Duration::from_secs(3 * 330 + 3));
        assert_eq!(Limits::from_env(&Env::default()).unwrap(), limits);
    }

    #[test]
    fn limits_are_read_in_whole_seconds_within_bounds() {
        let env = |name: &str, value: &str| Env::of([(name, value)]);
        let limits = Limits::from_env(&env("AZACR_DATA_TIMEOUT", "45")).unwrap();
        assert_eq!(limits, Limits { data: Duration::from_secs(45), ..Limits::DEFAULT });
        let limits = Limits::from_env(&env("AZACR_SIGN_IN_TIMEOUT", "1")).unwrap();
        assert_eq!(limits.sign_in_bound(), Duration::from_secs(2 + 3));
        for bad in ["0", "3601", "-1", "1.5", "", "ten"] {
            let error = Limits::from_env(&env("AZACR_CONNECT_TIMEOUT", bad)).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "AZACR_CONNECT_TIMEOUT must be a whole number of seconds from 1 to 3600, got '{bad}'"
                )
            );
        }
    }

    #[test]
    fn budgets_read_as_a_sentence() {
        let budget = Budget { attempts: 3, elapsed: Duration::from_millis(7_249) };
        assert_eq!(budget.to_string(), "after 3 attempts over 7.2 s");
        let error = RegistryError::Transport("connection reset".into(), Some(budget));
        assert_eq!(error.to_string(), "connection reset (after 3 attempts over 7.2 s)");
        assert_eq!(RegistryError::Transport("x".into(), None).to_string(), "x");
    }
}
