//! ACR's HTTP surface. Routes (paths are matched on segments, repositories contain `/`):
//!
//! | request | answer |
//! |---|---|
//! | `GET /v2/` | 401 + challenge without credentials, 200 with |
//! | `POST /oauth2/exchange` | Entra token → refresh token |
//! | `POST /oauth2/token` | password or refresh-token grant → access token for the granted scope |
//! | `GET /v2/_catalog` | repository names, paged |
//! | `GET /acr/v1/{repo}` / `DELETE /acr/v1/{repo}` | repository attributes / delete it |
//! | `GET /acr/v1/{repo}/_manifests` | manifests, paged (`n`, `last`, `orderby`) |
//! | `GET /acr/v1/{repo}/_manifests/{digest}` | one manifest |
//! | `GET /acr/v1/{repo}/_tags` | tags, paged (`n`, `last`, `orderby`) |
//! | `GET`/`DELETE /acr/v1/{repo}/_tags/{tag}` | one tag / untag |
//! | `DELETE /v2/{repo}/manifests/{digest}` | delete a manifest, its tags and its referrers |
//! | `GET`/`HEAD /v2/{repo}/manifests/{tag or digest}` | the manifest body (model.rs), `Content-Type`, `Docker-Content-Digest` |
//! | `GET /v2/{repo}/referrers/{digest}` | OCI referrers: an index of descriptors (`artifactType` filter) |
//! | `GET /acr/v1/_deleted/{repo}/_manifests` / `_tags` | soft-deleted manifests / tags (`soft-delete` on) |
//! | `POST /acr/v1/_deleted/{repo}/_manifests/{digest}?force=` body `{"tag"}` | restore under a tag |
//! | `GET /{tenant}/v2.0/.well-known/openid-configuration` | Entra's tenant discovery (MSAL; see `arm.rs`) |
//! | `GET /metadata/identity/oauth2/token` | managed identity, as IMDS answers (`Metadata: true`) |
//! | `GET /msi/token` | managed identity, as App Service answers (`X-IDENTITY-HEADER`) |
//! | `/subscriptions/…` | Resource Manager (see `arm.rs`) |
//! | `/_emulator/…` | control: `state`, `requests`, `reset`, `faults`, `oci`, `soft-delete`, `rate-limits`, `admin-user`, `aad-refused` (not ACR) |

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

use crate::model::{Identity, Repository, Seed};
use crate::{Challenge, Fault, FaultMode, LoggedRequest, Shared};

pub struct State {
    pub seed: Seed,
    pub initial: Seed,
    pub tokens: HashMap<String, Grant>,
    pub refresh_issued: HashMap<String, Identity>,
    pub requests: Vec<LoggedRequest>,
    pub faults: Vec<Fault>,
    pub challenge: Challenge,
    pub correlation_id: Option<String>,
    /// A classic registry: no ACR tag listing (405), only `/v2/{repo}/tags/list`.
    pub classic: bool,
    pub latency: std::time::Duration,
    /// Raw bytes added to every Link's query (say a Latin-1 byte, which is not visible ASCII).
    pub link_extra: Option<Vec<u8>>,
    /// Listings ignore filter parameters (`digest`), as an older registry might.
    pub ignore_filters: bool,
    /// A Link header sent with every listing page instead of the right one (a broken registry).
    pub link_override: Option<String>,
    /// Entra ID no longer accepts the user's refresh token (AADSTS700082).
    pub entra_revoked: bool,
    /// Entra access tokens whose AAD exchange the registry refuses (401), as for an identity
    /// without a role on it: az then falls back to the admin user.
    pub aad_refused: Vec<String>,
    /// Lifetime of the tokens it issues (their JWT `exp`), in seconds.
    pub token_lifetime: u64,
    /// The delay of the fault last taken.
    pub fault_delay_ms: u64,
    /// The headers of the request being answered.
    pub headers: HeaderMap,
    /// The registries Resource Manager lists.
    pub arm_registries: Vec<crate::arm::ArmRegistry>,
    /// The soft-delete policy is on: deleted manifests and their tags go to `recycled`.
    pub soft_delete: bool,
    pub recycled: Vec<SoftDeleted>,
    /// ACR's ReadOps/WriteOps per-minute throttling (none by default).
    pub rate_limits: crate::RateLimits,
    /// Token buckets for reads and writes: (tokens, last refill).
    buckets: [(f64, Option<std::time::Instant>); 2],
    counter: u64,
}

impl State {
    pub fn new(seed: Seed) -> State {
        // The registry's name: its login server's first label, less any domain-name-label hash.
        let arm_registries = vec![crate::arm::ArmRegistry::new(
            seed.login_server.split(['.', '-']).next().unwrap_or(""),
            crate::seed::RESOURCE_GROUP,
            &seed.login_server,
        )];
        State {
            initial: seed.clone(),
            seed,
            tokens: HashMap::new(),
            refresh_issued: HashMap::new(),
            requests: Vec::new(),
            faults: Vec::new(),
            challenge: Challenge::Bearer,
            correlation_id: None,
            classic: false,
            latency: std::time::Duration::ZERO,
            link_extra: None,
            ignore_filters: false,
            link_override: None,
            token_lifetime: 4500,
            fault_delay_ms: 0,
            headers: HeaderMap::new(),
            soft_delete: false,
            recycled: Vec::new(),
            rate_limits: crate::RateLimits::default(),
            buckets: [(0.0, None); 2],
            entra_revoked: false,
            aad_refused: Vec::new(),
            arm_registries,
            counter: 0,
        }
    }

    pub fn reset(&mut self) {
        *self = State::new(self.initial.clone());
    }

    fn next_id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}-{}", self.counter)
    }

    /// A new token: an unsigned JWT whose `exp` is `token_lifetime` from now, its last part
    /// the token's id (`acr-access-7`), so that logs and greps still name it.
    fn next_token(&mut self, prefix: &str) -> String {
        let id = self.next_id(prefix);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let enc = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let claims = json!({"jti": id, "exp": now + self.token_lifetime}).to_string();
        format!("{}.{}.{id}", enc(r#"{"alg":"none","typ":"JWT"}"#), enc(&claims))
    }
}

/// What an access token allows.
#[derive(Clone, Debug)]
pub struct Grant {
    pub catalog: bool,
    pub repositories: Vec<(String, Vec<String>)>,
}

impl Grant {
    fn allows(&self, repository: &str, action: &str) -> bool {
        self.repositories
            .iter()
            .any(|(r, actions)| (r == repository || r == "*") && actions.iter().any(|a| a == action))
    }
}

/// How a fault spoils an answer on its way out (see `FaultMode`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Spoil {
    None,
    Never,
    Delay(std::time::Duration),
    ResetMidBody,
    Truncated,
    SlowBody(std::time::Duration),
}

/// Sends `response` as `spoil` says.
pub async fn spoil(response: Response, spoil: Spoil) -> Response {
    use axum::body::Body;
    use futures_util::stream;
    if spoil == Spoil::None {
        return response;
    }
    let (parts, body) = response.into_parts();
    if let Spoil::Never | Spoil::Delay(_) = spoil {
        // The client gives up first on `Never` (or the emulator shuts down).
        let wait = match spoil {
            Spoil::Delay(d) => d,
            _ => std::time::Duration::from_secs(24 * 3600),
        };
        tokio::time::sleep(wait).await;
        return Response::from_parts(parts, body);
    }
    let full = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let bytes = || async { full };
    match spoil {
        Spoil::None | Spoil::Never | Spoil::Delay(_) => unreachable!("answered above"),
        Spoil::Truncated => {
            let full = bytes().await;
            let mut parts = parts;
            parts.headers.remove("content-length");
            Response::from_parts(parts, Body::from(full.slice(..full.len() / 2)))
        }
        Spoil::ResetMidBody => {
            let full = bytes().await;
            let half = full.slice(..full.len() / 2);
            let chunks: Vec<Result<Bytes, std::io::Error>> =
                vec![Ok(half), Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset"))];
            let mut parts = parts;
            parts.headers.remove("content-length");
            Response::from_parts(parts, Body::from_stream(stream::iter(chunks)))
        }
        Spoil::SlowBody(gap) => {
            let full = bytes().await;
            let chunks = stream::unfold(0usize, move |at| {
                let full = full.clone();
                async move {
                    if at >= full.len() {
                        return None;
                    }
                    if at > 0 {
                        tokio::time::sleep(gap).await;
                    }
                    let end = (at + 16).min(full.len());
                    Some((Ok::<_, std::io::Error>(full.slice(at..end)), end))
                }
            });
            let mut parts = parts;
            parts.headers.remove("content-length");
            Response::from_parts(parts, Body::from_stream(chunks))
        }
    }
}

pub fn handle(
    shared: &Shared,
    method: Method,
    version: axum::http::Version,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (Response, Spoil) {
    let mut state = shared.lock().unwrap();
    // ACR splits the path at its `/`s, then decodes each segment: an encoded `/` (`%2F`) is
    // part of a name, never a separator, and no segment is resolved as `.` or `..`.
    let segments: Vec<String> = uri.path().trim_start_matches('/').split('/').map(percent_decode).collect();
    let path = format!("/{}", segments.join("/"));
    let target = uri.path_and_query().map(|p| p.to_string()).unwrap_or_else(|| path.clone());
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    state.headers = headers;
    let mut spoilt = Spoil::None;
    let mut response = if path.starts_with("/_emulator/") {
        control(&mut state, &method, &path, &body)
    } else {
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let params = query_pairs(uri.query().unwrap_or(""));
        let throttled = throttle(&mut state, &method, &path);
        match throttled
            .map(|r| (r, FaultMode::Answer, false))
            .or_else(|| take_fault(&mut state, &method, &path))
        {
            Some((fault, FaultMode::Answer, applied)) => {
                if applied {
                    // The change happens; only its answer is lost.
                    route(&mut state, &method, &segments, &params, &auth, &body);
                }
                fault
            }
            Some((fault, FaultMode::NeverAnswer, applied)) => {
                spoilt = Spoil::Never;
                if applied { route(&mut state, &method, &segments, &params, &auth, &body) } else { fault }
            }
            Some((_, mode, _)) => {
                let delay = std::time::Duration::from_millis(state.fault_delay_ms);
                spoilt = match mode {
                    FaultMode::Delay => Spoil::Delay(delay),
                    FaultMode::ResetMidBody => Spoil::ResetMidBody,
                    FaultMode::Truncated => Spoil::Truncated,
                    _ => Spoil::SlowBody(delay),
                };
                route(&mut state, &method, &segments, &params, &auth, &body)
            }
            None => route(&mut state, &method, &segments, &params, &auth, &body),
        }
    };
    if !path.starts_with("/_emulator/") {
        let listing = method == Method::GET && uri.query().is_some_and(|q| q.contains("n="));
        if let (Some(link), true) = (&state.link_override, listing && response.status() == StatusCode::OK) {
            response.headers_mut().insert("link", link.parse().unwrap());
        }
        if let Some(extra) = &state.link_extra {
            add_to_link(&mut response, extra);
        }
        if let Some(id) = &state.correlation_id {
            response.headers_mut().insert("x-ms-correlation-request-id", id.parse().unwrap());
        }
        let scheme = auth.split(' ').next().unwrap_or("").to_lowercase();
        state.requests.push(LoggedRequest {
            method: method.to_string(),
            target,
            auth: if scheme.is_empty() { "none".into() } else { scheme },
            status: response.status().as_u16(),
            body: String::from_utf8_lossy(&body).into_owned(),
            version: format!("{version:?}"),
        });
    }
    (response, spoilt)
}

/// Appends `extra` to the query of the response's Link target.
fn add_to_link(response: &mut Response, extra: &[u8]) {
    let Some(link) = response.headers().get("link") else { return };
    let bytes = link.as_bytes();
    let Some(end) = bytes.iter().position(|&b| b == b'>') else { return };
    let value = [&bytes[..end], extra, &bytes[end..]].concat();
    response.headers_mut().insert("link", axum::http::HeaderValue::from_bytes(&value).unwrap());
}

/// A 429 when the request's class (WriteOps: DELETE, PATCH, PUT, POST; ReadOps: GET, HEAD)
/// is over its per-minute limit. A token bucket per class, refilled at limit/60 per second,
/// holding at most `burst_seconds` worth; sign-in requests and the `/v2/` probe are not
/// counted. `Retry-After` (whole seconds until a token is back) only when `retry_after`.
fn throttle(state: &mut State, method: &Method, path: &str) -> Option<Response> {
    if path.starts_with("/oauth2/") || path.contains("/oauth2/") || path == "/v2/" {
        return None;
    }
    let write = !matches!(method.as_str(), "GET" | "HEAD");
    let limit = if write { state.rate_limits.write_per_minute } else { state.rate_limits.read_per_minute }?;
    let rate = f64::from(limit) / 60.0;
    let capacity = (rate * state.rate_limits.burst_seconds.max(0.01)).max(1.0);
    let now = std::time::Instant::now();
    let bucket = &mut state.buckets[usize::from(write)];
    let (tokens, last) = *bucket;
    let tokens = match last {
        None => capacity,
        Some(t) => (tokens + now.duration_since(t).as_secs_f64() * rate).min(capacity),
    };
    if tokens >= 1.0 {
        *bucket = (tokens - 1.0, Some(now));
        return None;
    }
    *bucket = (tokens, Some(now));
    let mut response = acr_error(
        StatusCode::TOO_MANY_REQUESTS,
        "TOOMANYREQUESTS",
        "too many requests, please retry later",
        Value::Null,
    );
    if state.rate_limits.retry_after {
        let seconds = ((1.0 - tokens) / rate).ceil().max(1.0) as u64;
        response.headers_mut().insert("retry-after", seconds.to_string().parse().unwrap());
    }
    Some(response)
}

/// The canned answer for this request, if a fault is due, and whether the request is still
/// carried out.
fn take_fault(state: &mut State, method: &Method, path: &str) -> Option<(Response, FaultMode, bool)> {
    let fault = state
        .faults
        .iter_mut()
        .filter(|f| {
            f.times > 0
                && f.method.as_deref().is_none_or(|m| m == method.as_str())
                && path.contains(&f.path_contains)
        })
        .find_map(|f| {
            if f.after > 0 {
                // Counted down, but answered as usual.
                f.after -= 1;
                return None;
            }
            f.seen += 1;
            // Passed over until its turn comes.
            (f.every <= 1 || f.seen % f.every == 0).then_some(f)
        })?;
    fault.times -= 1;
    state.fault_delay_ms = fault.delay_ms;
    let mut response = (StatusCode::from_u16(fault.status).unwrap(), fault.body.clone()).into_response();
    if let Some(seconds) = fault.retry_after {
        response.headers_mut().insert("retry-after", seconds.to_string().parse().unwrap());
    }
    Some((response, fault.mode, fault.applied))
}

fn control(state: &mut State, method: &Method, path: &str, body: &[u8]) -> Response {
    match (method.as_str(), path) {
        ("GET", "/_emulator/state") => json_response(StatusCode::OK, state.seed.snapshot()),
        ("GET", "/_emulator/requests") => json_response(StatusCode::OK, json!(state.requests)),
        ("POST", "/_emulator/reset") => {
            state.reset();
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", "/_emulator/faults") => match serde_json::from_slice::<Vec<Fault>>(body) {
            Ok(faults) => {
                state.faults = faults;
                StatusCode::NO_CONTENT.into_response()
            }
            Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
        },
        ("POST", "/_emulator/soft-delete") => {
            enable_soft_delete(state);
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", "/_emulator/oci") => {
            add_oci_repository(state);
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", "/_emulator/rate-limits") => match serde_json::from_slice::<crate::RateLimits>(body) {
            Ok(limits) => {
                state.rate_limits = limits;
                StatusCode::NO_CONTENT.into_response()
            }
            Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
        },
        ("POST", "/_emulator/classic") => {
            state.classic = body == b"true";
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", "/_emulator/correlation") => {
            state.correlation_id = Some(String::from_utf8_lossy(body).into_owned()).filter(|s| !s.is_empty());
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", "/_emulator/arm-registries") => match serde_json::from_slice::<Vec<[String; 3]>>(body) {
            // `[[name, resource group, login server], …]`
            Ok(list) => {
                state.arm_registries =
                    list.iter().map(|[n, g, l]| crate::arm::ArmRegistry::new(n, g, l)).collect();
                StatusCode::NO_CONTENT.into_response()
            }
            Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
        },
        ("POST", "/_emulator/login-server") => {
            // The registry answers under this login server (until the next reset), and ARM
            // lists it under its name (less any domain-name-label hash).
            let login_server = String::from_utf8_lossy(body).into_owned();
            let name = login_server.split(['.', '-']).next().unwrap_or("").to_string();
            state.arm_registries =
                vec![crate::arm::ArmRegistry::new(&name, crate::seed::RESOURCE_GROUP, &login_server)];
            state.seed.login_server = login_server;
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", "/_emulator/admin-user") => match serde_json::from_slice::<Vec<String>>(body) {
            // The registries (by name) whose admin user is enabled; the others' is disabled.
            Ok(names) => {
                for r in &mut state.arm_registries {
                    r.admin_user_enabled = names.iter().any(|n| n.eq_ignore_ascii_case(&r.name));
                }
                StatusCode::NO_CONTENT.into_response()
            }
            Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
        },
        ("POST", "/_emulator/aad-refused") => {
            // `true`: the signed-in user's (and service principal's) Entra token is refused.
            state.aad_refused =
                if body == b"true" { vec![crate::seed::AAD_TOKEN.to_string()] } else { Vec::new() };
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", "/_emulator/entra-revoked") => {
            state.entra_revoked = body == b"true";
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", "/_emulator/challenge") => {
            state.challenge = match body {
                b"basic" => Challenge::Basic,
                b"none" => Challenge::None,
                _ => Challenge::Bearer,
            };
            StatusCode::NO_CONTENT.into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A soft-deleted manifest with the tags it had, in the order of deletion.
#[derive(Clone, Debug)]
pub struct SoftDeleted {
    pub repository: String,
    pub manifest: crate::model::Manifest,
    pub tags: Vec<String>,
    pub deleted_at: String,
}

/// When the emulator deletes with soft delete on (a fixed time: goldens compare it).
const DELETED_AT: &str = "2019-06-01T12:00:00.0000000Z";

/// Soft delete on, and a recycle bin for `acr-helloworld`: `old` (one manifest), `v9` (two,
/// the later deleted last) and `v1` (a tag that exists again).
pub fn enable_soft_delete(state: &mut State) {
    if state.soft_delete {
        return;
    }
    state.soft_delete = true;
    let ok = crate::model::Attributes::default;
    let bin = crate::seed::RepoBuilder::new("acr-helloworld-recycled")
        .manifest(120, &["old"], ok())
        .manifest(130, &["v9"], ok())
        .manifest(140, &["v9"], ok())
        .manifest(150, &["v1"], ok())
        .build();
    for (i, manifest) in bin.manifests.into_iter().enumerate() {
        let tags = bin.tags.iter().filter(|t| t.digest == manifest.digest).map(|t| t.name.clone()).collect();
        state.recycled.push(SoftDeleted {
            repository: "acr-helloworld".into(),
            manifest,
            tags,
            deleted_at: format!("2019-05-2{i}T08:00:00.0000000Z"),
        });
    }
}

/// `/acr/v1/_deleted/{repo}/…`: the recycle bin's listings and restore.
fn deleted_route(
    state: &mut State,
    method: &Method,
    rest: &[&str],
    params: &[(String, String)],
    auth: &str,
    body: &[u8],
) -> Response {
    let (repo, digest) = match rest {
        [r @ .., "_manifests", d] if method == Method::POST => (r.join("/"), Some(d.to_string())),
        [r @ .., "_manifests" | "_tags"] => (r.join("/"), None),
        _ => {
            return acr_error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "the requested resource was not found",
                Value::Null,
            );
        }
    };
    let action = if method == Method::POST { "deleted_restore" } else { "deleted_read" };
    if let Some(r) = denial(state, auth, &repo, action) {
        return r;
    }
    if !state.seed.repositories.iter().any(|r| r.name == repo) {
        return name_unknown(&repo);
    }
    let login_server = state.seed.login_server.clone();
    let recycled = state.recycled.iter().filter(|d| d.repository == repo);
    match (method.as_str(), rest.last().copied(), digest) {
        ("GET", Some("_manifests"), None) => {
            let manifests: Vec<Value> = recycled
                .map(|d| {
                    json!({"digest": d.manifest.digest, "mediaType": d.manifest.media_type,
                           "imageSize": d.manifest.image_size, "createdTime": d.manifest.created,
                           "deletedAt": d.deleted_at, "tags": d.tags})
                })
                .collect();
            json_response(
                StatusCode::OK,
                json!({"registry": login_server, "imageName": repo, "manifests": manifests}),
            )
        }
        ("GET", Some("_tags"), None) => {
            let tags: Vec<Value> = recycled
                .flat_map(|d| {
                    d.tags
                        .iter()
                        .map(|t| json!({"tag": t, "digest": d.manifest.digest, "deletedAt": d.deleted_at}))
                })
                .collect();
            json_response(StatusCode::OK, json!({"registry": login_server, "imageName": repo, "tags": tags}))
        }
        ("POST", _, Some(digest)) => {
            let Some(tag) =
                serde_json::from_slice::<Value>(body).ok().and_then(|b| b["tag"].as_str().map(String::from))
            else {
                return acr_error(StatusCode::BAD_REQUEST, "TAG_INVALID", "a tag is required", Value::Null);
            };
            let force = param(params, "force") == Some("True");
            let Some(i) =
                state.recycled.iter().rposition(|d| d.repository == repo && d.manifest.digest == digest)
            else {
                return manifest_unknown();
            };
            let r = state.seed.repositories.iter_mut().find(|r| r.name == repo).expect("checked");
            if let Some(existing) = r.tags.iter().position(|t| t.name == tag) {
                if !force {
                    return acr_error(
                        StatusCode::CONFLICT,
                        "TAG_CONFLICT",
                        "the tag already exists; use force to overwrite it",
                        json!({"tag": tag}),
                    );
                }
                r.tags.remove(existing);
            }
            let deleted = state.recycled.remove(i);
            let stamp = deleted.manifest.updated.clone();
            if !r.manifests.iter().any(|m| m.digest == digest) {
                r.manifests.push(deleted.manifest);
            }
            r.tags.push(crate::model::Tag {
                name: tag.clone(),
                digest: digest.clone(),
                created: stamp.clone(),
                updated: stamp,
                attributes: crate::model::Attributes::default(),
            });
            json_response(StatusCode::OK, json!({"digest": digest, "tag": tag}))
        }
        _ => acr_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "UNSUPPORTED",
            "The operation is unsupported.",
            Value::Null,
        ),
    }
}

/// The name of the repository `/_emulator/oci` adds.
pub const OCI_REPOSITORY: &str = "oci/artifacts";

/// Adds the repository of every kind of manifest (`seed::oci_repository`), until reset.
pub fn add_oci_repository(state: &mut State) {
    if !state.seed.repositories.iter().any(|r| r.name == OCI_REPOSITORY) {
        state.seed.repositories.push(crate::seed::oci_repository(OCI_REPOSITORY));
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (status, [("content-type", "application/json; charset=utf-8")], body.to_string()).into_response()
}

fn acr_error(status: StatusCode, code: &str, message: &str, detail: Value) -> Response {
    json_response(status, json!({"errors": [{"code": code, "message": message, "detail": detail}]}))
}

pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|item| {
            let (k, v) = item.split_once('=').unwrap_or((item, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    percent_decode(&s.replace('+', " "))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match hex.filter(|_| bytes[i] == b'%').and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn challenge_response(state: &State, scope: Option<&str>) -> Response {
    let ls = &state.seed.login_server;
    let value = match state.challenge {
        Challenge::Bearer => {
            let mut v = format!("Bearer realm=\"https://{ls}/oauth2/token\",service=\"{ls}\"");
            if let Some(s) = scope {
                v.push_str(&format!(",scope=\"{s}\""));
            }
            Some(v)
        }
        Challenge::Basic => Some(format!("Basic realm=\"{ls}\"")),
        Challenge::None => None,
    };
    let mut response = acr_error(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "authentication required, visit https://aka.ms/acr/authorization for more information.",
        Value::Null,
    );
    if let Some(v) = value {
        response.headers_mut().insert("www-authenticate", v.parse().unwrap());
    }
    response
}

/// The identity behind an `Authorization` header, as a grant.
fn authenticate(state: &State, auth: &str) -> Option<Grant> {
    if let Some(token) = auth.strip_prefix("Bearer ") {
        return state.tokens.get(token).cloned();
    }
    let encoded = auth.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    let u = state.seed.users.iter().find(|u| u.username == user && u.password == password)?;
    Some(Grant { catalog: u.identity.catalog, repositories: u.identity.repositories.clone() })
}

fn route(
    state: &mut State,
    method: &Method,
    segments: &[&str],
    params: &[(String, String)],
    auth: &str,
    body: &[u8],
) -> Response {
    match (method.as_str(), segments) {
        ("GET", ["v2", ""]) => {
            if authenticate(state, auth).is_some() {
                json_response(StatusCode::OK, json!({}))
            } else {
                challenge_response(state, None)
            }
        }
        ("POST", ["oauth2", "exchange"]) => exchange(state, body),
        ("POST", ["oauth2", "token"]) => token(state, body),
        ("POST", [tenant, "oauth2", "v2.0", "token"]) => entra_token(state, tenant, body),
        ("GET", [tenant, "v2.0", ".well-known", "openid-configuration"]) => {
            let host = state.headers.get("host").and_then(|v| v.to_str().ok()).unwrap_or("localhost");
            crate::arm::openid_configuration(host, tenant)
        }
        ("GET", ["metadata", "identity", "oauth2", "token"]) => managed_identity_token(state, params, false),
        ("GET", ["msi", "token"]) => managed_identity_token(state, params, true),
        ("GET" | "POST", ["subscriptions", ..]) => crate::arm::route(
            &state.arm_registries,
            state.soft_delete,
            method.as_str(),
            segments,
            params,
            auth,
        )
        .unwrap_or_else(|| {
            acr_error(StatusCode::NOT_FOUND, "NOT_FOUND", "the requested resource was not found", Value::Null)
        }),
        ("GET", ["v2", "_catalog"]) => {
            let grant = match authenticate(state, auth) {
                Some(g) if g.catalog => g,
                _ => return challenge_response(state, Some("registry:catalog:*")),
            };
            let _ = grant;
            let names = state.seed.repositories.iter().map(|r| &r.name);
            let (page, link) = page_of(names, |n| n, |n| n, params, "/v2/_catalog");
            with_link(json_response(StatusCode::OK, json!({"repositories": page})), link)
        }
        ("GET", ["acr", "v1", "_deleted", "_catalog"]) => {
            match authenticate(state, auth) {
                Some(g) if g.catalog => {}
                _ => return challenge_response(state, Some("registry:deleted_catalog:*")),
            }
            let (page, link) = page_of(
                state.seed.deleted.iter(),
                deleted_name,
                deleted_name,
                params,
                "/acr/v1/_deleted/_catalog",
            );
            with_link(json_response(StatusCode::OK, json!({"repositories": page})), link)
        }
        (_, ["acr", "v1", "_deleted", rest @ ..]) => deleted_route(state, method, rest, params, auth, body),
        (_, ["acr", "v1", rest @ ..]) => acr_route(state, method, rest, params, auth, body),
        ("GET", ["v2", rest @ .., "tags", "list"]) => {
            let repo = rest.join("/");
            if let Some(r) = denial(state, auth, &repo, "metadata_read") {
                return r;
            }
            let Some(r) = state.seed.repositories.iter().find(|r| r.name == repo) else {
                return name_unknown(&repo);
            };
            let names = r.tags.iter().map(|t| &t.name);
            let (page, link) = page_of(names, |n| n, |n| n, params, &format!("/v2/{repo}/tags/list"));
            with_link(json_response(StatusCode::OK, json!({"name": repo, "tags": page})), link)
        }
        ("GET" | "HEAD", ["v2", rest @ .., "manifests", reference]) => {
            let repo = rest.join("/");
            if let Some(r) = denial(state, auth, &repo, "pull") {
                return r;
            }
            let Some(r) = state.seed.repositories.iter().find(|r| r.name == repo) else {
                return name_unknown(&repo);
            };
            // Accept is not checked: every client here accepts every media type.
            match r.resolve(reference) {
                Some(m) => (
                    StatusCode::OK,
                    [("content-type", m.media_type.clone()), ("docker-content-digest", m.digest.clone())],
                    r.manifest_body(m),
                )
                    .into_response(),
                None => manifest_unknown(),
            }
        }
        ("GET", ["v2", rest @ .., "referrers", digest]) => {
            let repo = rest.join("/");
            if let Some(r) = denial(state, auth, &repo, "pull") {
                return r;
            }
            let Some(r) = state.seed.repositories.iter().find(|r| r.name == repo) else {
                return name_unknown(&repo);
            };
            let filter = param(params, "artifactType");
            let manifests: Vec<Value> = r
                .referrers_of(digest)
                .into_iter()
                .filter(|m| filter.is_none_or(|f| m.artifact_type.as_deref() == Some(f)))
                .map(|m| r.descriptor(m))
                .collect();
            let body = json!({"schemaVersion": 2, "mediaType": crate::model::media_type::OCI_INDEX, "manifests": manifests});
            let mut response =
                (StatusCode::OK, [("content-type", crate::model::media_type::OCI_INDEX)], body.to_string())
                    .into_response();
            if filter.is_some() {
                response.headers_mut().insert("oci-filters-applied", "artifactType".parse().unwrap());
            }
            response
        }
        ("DELETE", ["v2", rest @ .., "manifests", reference]) => {
            let repo = rest.join("/");
            if let Some(r) = denial(state, auth, &repo, "delete") {
                return r;
            }
            delete_manifest(state, &repo, reference)
        }
        _ => {
            acr_error(StatusCode::NOT_FOUND, "NOT_FOUND", "the requested resource was not found", Value::Null)
        }
    }
}

/// The 401 to send when the caller may not do `action` on `repo`.
fn denial(state: &State, auth: &str, repo: &str, action: &str) -> Option<Response> {
    match authenticate(state, auth) {
        Some(grant) if grant.allows(repo, action) => None,
        _ => Some(challenge_response(state, Some(&format!("repository:{repo}:{action}")))),
    }
}

fn name_unknown(repo: &str) -> Response {
    acr_error(
        StatusCode::NOT_FOUND,
        "NAME_UNKNOWN",
        "repository name not known to registry",
        json!({"name": repo}),
    )
}

fn acr_route(
    state: &mut State,
    method: &Method,
    rest: &[&str],
    params: &[(String, String)],
    auth: &str,
    body: &[u8],
) -> Response {
    let (repo, kind, item) = match rest {
        [r @ .., "_manifests"] => (r.join("/"), Some("_manifests"), None),
        [r @ .., "_manifests", d] => (r.join("/"), Some("_manifests"), Some(d.to_string())),
        [r @ .., "_tags"] => (r.join("/"), Some("_tags"), None),
        [r @ .., "_tags", t] => (r.join("/"), Some("_tags"), Some(t.to_string())),
        r => (r.join("/"), None, None),
    };
    let action = match method.as_str() {
        "DELETE" => "delete",
        "PATCH" => "metadata_write",
        _ => "metadata_read",
    };
    if let Some(r) = denial(state, auth, &repo, action) {
        return r;
    }
    let login_server = state.seed.login_server.clone();
    let Some(index) = state.seed.repositories.iter().position(|r| r.name == repo) else {
        return name_unknown(&repo);
    };
    match (method.as_str(), kind, item) {
        ("GET", None, None) => {
            json_response(StatusCode::OK, state.seed.repositories[index].attributes_json(&login_server))
        }
        ("DELETE", None, None) => {
            let r = &state.seed.repositories[index];
            if !r.attributes.allows_delete() || r.manifests.iter().any(|m| !m.attributes.allows_delete()) {
                return disallowed();
            }
            let r = state.seed.repositories.remove(index);
            let mut tags: Vec<String> = r.tags.iter().map(|t| t.name.clone()).collect();
            tags.sort();
            let manifests: Vec<String> = r.manifests.iter().map(|m| m.digest.clone()).collect();
            json_response(StatusCode::ACCEPTED, json!({"manifestsDeleted": manifests, "tagsDeleted": tags}))
        }
        ("GET", Some("_manifests"), None) => {
            let r = &state.seed.repositories[index];
            let listed = r.manifests.iter().filter(|m| m.attributes.list_enabled);
            let path = format!("/acr/v1/{repo}/_manifests");
            let (page, link) = page_of(listed, |m| &m.digest, |m| &m.updated, params, &path);
            let tags = r.tag_names_of(page.iter().map(|m| m.digest.as_str()));
            let page: Vec<Value> = page
                .iter()
                .map(|m| {
                    Repository::manifest_json_tagged(m, tags.get(m.digest.as_str()).map_or(&[], |t| &t[..]))
                })
                .collect();
            let body = json!({"registry": login_server, "imageName": repo, "manifests": page});
            with_link(json_response(StatusCode::OK, body), link)
        }
        ("GET", Some("_manifests"), Some(digest)) => {
            let r = &state.seed.repositories[index];
            match r.manifests.iter().find(|m| m.digest == digest) {
                Some(m) => one_item(&login_server, &repo, "manifest", r.manifest_json(m)),
                None => manifest_unknown(),
            }
        }
        ("GET", Some("_tags"), None) if state.classic => acr_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "UNSUPPORTED",
            "The operation is unsupported.",
            Value::Null,
        ),
        ("PATCH", kind, item) => {
            let Ok(changes) = serde_json::from_slice::<Value>(body) else {
                return acr_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", "invalid JSON body", Value::Null);
            };
            let r = &mut state.seed.repositories[index];
            let attributes = match (kind, item) {
                (None, None) => Some(&mut r.attributes),
                (Some("_tags"), Some(tag)) => {
                    r.tags.iter_mut().find(|t| t.name == tag).map(|t| &mut t.attributes)
                }
                (Some("_manifests"), Some(d)) => {
                    r.manifests.iter_mut().find(|m| m.digest == d).map(|m| &mut m.attributes)
                }
                _ => None,
            };
            let Some(attributes) = attributes else {
                return if kind == Some("_tags") { tag_unknown() } else { manifest_unknown() };
            };
            attributes.apply(&changes);
            let r = &state.seed.repositories[index];
            match (kind, item_name(rest)) {
                (None, _) => json_response(StatusCode::OK, r.attributes_json(&login_server)),
                (Some("_tags"), Some(tag)) => one_item(
                    &login_server,
                    &repo,
                    "tag",
                    r.tag_json(r.tags.iter().find(|t| t.name == tag).unwrap()),
                ),
                (_, Some(digest)) => {
                    let m = r.manifests.iter().find(|m| m.digest == digest).unwrap();
                    one_item(&login_server, &repo, "manifest", r.manifest_json(m))
                }
                _ => manifest_unknown(),
            }
        }
        ("GET", Some("_tags"), None) => {
            let r = &state.seed.repositories[index];
            // ACR's `digest` filter: the tags of one manifest (unless told to ignore filters).
            let digest = param(params, "digest").filter(|_| !state.ignore_filters);
            let listed =
                r.tags.iter().filter(|t| t.attributes.list_enabled && digest.is_none_or(|d| t.digest == d));
            let path = format!("/acr/v1/{repo}/_tags");
            let (page, mut link) = page_of(listed, |t| &t.name, |t| &t.updated, params, &path);
            if let (Some(d), Some(l)) = (digest, link.as_mut()) {
                let end = l.find('>').unwrap_or(l.len());
                l.insert_str(end, &format!("&digest={}", encode(d)));
            }
            let page: Vec<Value> = page.iter().map(|t| r.tag_json(t)).collect();
            let body = json!({"registry": login_server, "imageName": repo, "tags": page});
            with_link(json_response(StatusCode::OK, body), link)
        }
        ("GET", Some("_tags"), Some(tag)) => {
            let r = &state.seed.repositories[index];
            match r.tags.iter().find(|t| t.name == tag) {
                Some(t) => one_item(&login_server, &repo, "tag", r.tag_json(t)),
                None => tag_unknown(),
            }
        }
        ("DELETE", Some("_tags"), Some(tag)) => {
            let r = &mut state.seed.repositories[index];
            match r.tags.iter().position(|t| t.name == tag) {
                Some(i) if !r.tags[i].attributes.allows_delete() => disallowed(),
                Some(i) => {
                    r.tags.remove(i);
                    StatusCode::ACCEPTED.into_response()
                }
                None => tag_unknown(),
            }
        }
        _ => acr_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "UNSUPPORTED",
            "The operation is unsupported.",
            Value::Null,
        ),
    }
}

/// `GET /acr/v1/{repo}/_tags/{tag}` and `…/_manifests/{digest}`: the item under `field`.
fn one_item(login_server: &str, repo: &str, field: &str, value: Value) -> Response {
    json_response(StatusCode::OK, json!({"registry": login_server, "imageName": repo, field: value}))
}

fn item_name<'a>(rest: &[&'a str]) -> Option<&'a str> {
    match rest {
        [.., "_tags" | "_manifests", item] => Some(item),
        _ => None,
    }
}

fn disallowed() -> Response {
    acr_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "DENIED",
        "The operation is disallowed on this registry, repository or image.",
        Value::Null,
    )
}

fn manifest_unknown() -> Response {
    acr_error(StatusCode::NOT_FOUND, "MANIFEST_UNKNOWN", "manifest unknown", Value::Null)
}

fn tag_unknown() -> Response {
    acr_error(StatusCode::NOT_FOUND, "TAG_UNKNOWN", "the specified tag does not exist", Value::Null)
}

fn delete_manifest(state: &mut State, repo: &str, reference: &str) -> Response {
    let Some(r) = state.seed.repositories.iter_mut().find(|r| r.name == repo) else {
        return name_unknown(repo);
    };
    if !reference.starts_with("sha256:") || reference.len() != 71 {
        return acr_error(
            StatusCode::BAD_REQUEST,
            "DIGEST_INVALID",
            "provided digest did not match uploaded content",
            Value::Null,
        );
    }
    let Some(i) = r.manifests.iter().position(|m| m.digest == reference) else {
        return manifest_unknown();
    };
    let tags_locked = r.tags.iter().any(|t| t.digest == reference && !t.attributes.allows_delete());
    if !r.manifests[i].attributes.allows_delete() || !r.attributes.allows_delete() || tags_locked {
        return disallowed();
    }
    // ACR deletes a manifest's referrers (signatures, SBOMs) with it, and theirs in turn.
    let first = r.manifests.remove(i);
    let mut gone = vec![first.digest.clone()];
    let mut removed = vec![first];
    while let Some(digest) = gone.pop() {
        while let Some(j) = r.manifests.iter().position(|m| m.subject.as_deref() == Some(digest.as_str())) {
            let referrer = r.manifests.remove(j);
            gone.push(referrer.digest.clone());
            removed.push(referrer);
        }
    }
    let mut recycled = Vec::new();
    for manifest in removed {
        let tags: Vec<String> =
            r.tags.iter().filter(|t| t.digest == manifest.digest).map(|t| t.name.clone()).collect();
        r.tags.retain(|t| t.digest != manifest.digest);
        recycled.push(SoftDeleted {
            repository: repo.to_string(),
            manifest,
            tags,
            deleted_at: DELETED_AT.into(),
        });
    }
    if state.soft_delete {
        state.recycled.extend(recycled);
    }
    StatusCode::ACCEPTED.into_response()
}

/// One page of a listing after `last`, in ACR's order (by key; `timeasc`/`timedesc` by update
/// time, then key), and the Link header when more remain. Linear in the listing's length (no
/// sort of the whole listing per page), so a 100,000-item listing pages through in seconds.
fn page_of<'a, T>(
    items: impl Iterator<Item = &'a T>,
    key: impl Fn(&T) -> &str,
    time: impl Fn(&T) -> &str,
    params: &[(String, String)],
    path: &str,
) -> (Vec<&'a T>, Option<String>) {
    let n = param(params, "n").and_then(|n| n.parse::<i64>().ok()).filter(|n| *n > 0).unwrap_or(100).min(1000)
        as usize;
    let orderby = param(params, "orderby").unwrap_or("");
    let order = |a: &T, b: &T| match orderby {
        "timeasc" => time(a).cmp(time(b)).then_with(|| key(a).cmp(key(b))),
        "timedesc" => time(b).cmp(time(a)).then_with(|| key(a).cmp(key(b))),
        _ => key(a).cmp(key(b)),
    };
    let items: Vec<&T> = items.collect();
    let mut rest: Vec<&T> = match param(params, "last").filter(|l| !l.is_empty()) {
        None => items,
        Some(last) => match items.iter().find(|i| key(i) == last) {
            Some(&found) => items.into_iter().filter(|i| order(i, found).is_gt()).collect(),
            // An unknown `last` still orders by key; under a time order nothing follows it.
            None if orderby.is_empty() => items.into_iter().filter(|i| key(i) > last).collect(),
            None => Vec::new(),
        },
    };
    let more = rest.len() > n;
    if more {
        rest.select_nth_unstable_by(n, |a, b| order(a, b));
        rest.truncate(n);
    }
    rest.sort_by(|a, b| order(a, b));
    let link = more.then(|| {
        let last = encode(key(rest[n - 1]));
        let path: Vec<String> = path.split('/').map(encode_segment).collect();
        format!("<{}?last={last}&n={n}&orderby={orderby}>; rel=\"next\"", path.join("/"))
    });
    (rest, link)
}

fn deleted_name(d: &Value) -> &str {
    d["repository"].as_str().unwrap_or_default()
}

/// A path segment as Go's url package escapes it.
fn encode_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' | b'@' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn with_link(mut response: Response, link: Option<String>) -> Response {
    if let Some(l) = link {
        response.headers_mut().insert("link", l.parse().unwrap());
    }
    response
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    query_pairs(&String::from_utf8_lossy(body))
}

fn exchange(state: &mut State, body: &[u8]) -> Response {
    let f = form(body);
    let found = state.seed.aad_tokens.iter().find(|(token, tenant, _)| {
        param(&f, "access_token") == Some(token.as_str()) && param(&f, "tenant") == Some(tenant.as_str())
    });
    let ok_grant = param(&f, "grant_type") == Some("access_token")
        && param(&f, "service") == Some(state.seed.login_server.as_str());
    let refused = found.is_some_and(|(token, _, _)| state.aad_refused.contains(token));
    match found {
        Some((_, _, identity)) if ok_grant && !refused => {
            let identity = identity.clone();
            let refresh = state.next_token("acr-refresh");
            state.refresh_issued.insert(refresh.clone(), identity);
            json_response(StatusCode::OK, json!({"refresh_token": refresh}))
        }
        _ => acr_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "invalid access token", Value::Null),
    }
}

/// Entra ID's token endpoint (`/{tenant}/oauth2/v2.0/token`), as MSAL calls it: a user's
/// refresh token with az's public client, or a service principal's client credentials (a
/// secret or a federated assertion). Any of them gets the fake Entra token the exchange takes.
fn entra_token(state: &mut State, tenant: &str, body: &[u8]) -> Response {
    use crate::seed;
    let f = form(body);
    let p = |k: &str| param(&f, k).unwrap_or("");
    let fail = |status: StatusCode, error: &str, description: &str| {
        json_response(status, json!({"error": error, "error_description": description, "error_codes": [0]}))
    };
    if tenant != seed::AAD_TENANT {
        return fail(
            StatusCode::BAD_REQUEST,
            "invalid_tenant",
            &format!("AADSTS90002: Tenant '{tenant}' not found.\r\nTrace ID: 0"),
        );
    }
    let scopes: Vec<&str> = p("scope").split(' ').collect();
    let arm = scopes.contains(&seed::ARM_SCOPE);
    let acr_scope = scopes.contains(&seed::ACR_SCOPE) || arm;
    let ok = match p("grant_type") {
        "refresh_token" => {
            if state.entra_revoked {
                return fail(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "AADSTS700082: The refresh token has expired due to inactivity.\r\nTrace ID: 0",
                );
            }
            p("client_id") == seed::AZ_CLIENT_ID
                && p("refresh_token") == seed::ENTRA_REFRESH_TOKEN
                && scopes.contains(&"offline_access")
                && acr_scope
        }
        "client_credentials" => {
            let jwt_bearer =
                p("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
            let assertion = p("client_assertion");
            if jwt_bearer
                && !assertion.is_empty()
                && assertion != seed::FEDERATED_ASSERTION
                && let Err(why) = check_certificate_assertion(assertion, tenant, p("client_id"))
            {
                return fail(StatusCode::UNAUTHORIZED, "invalid_client", &format!("{why}\r\nTrace ID: 0"));
            }
            p("client_id") == seed::SP_CLIENT_ID
                && acr_scope
                && (p("client_secret") == seed::SP_SECRET || (jwt_bearer && !assertion.is_empty()))
        }
        _ => false,
    };
    if !ok {
        return fail(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 0",
        );
    }
    let token = if arm { seed::ARM_TOKEN } else { seed::AAD_TOKEN };
    let mut answer =
        json!({"token_type": "Bearer", "expires_in": 3599, "access_token": token, "scope": p("scope")});
    if p("client_info") == "1" {
        // Who signed in, as Entra tells MSAL (it keys its cache by `uid.utid`).
        let info = json!({"uid": "uid", "utid": seed::AAD_TENANT}).to_string();
        answer["client_info"] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(info).into();
    }
    json_response(StatusCode::OK, answer)
}

/// Entra's check of a client assertion signed with the service principal's certificate
/// (`seed::SP_CERTIFICATE`): the header's `x5t` names the certificate, the RS256 signature
/// verifies with its public key, and the claims are for this client at this tenant's token
/// endpoint and not expired. `Err`: Entra's AADSTS text.
fn check_certificate_assertion(assertion: &str, tenant: &str, client_id: &str) -> Result<(), String> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
    let malformed = || "AADSTS50027: JWT token is invalid or malformed.".to_string();
    let parts: Vec<&str> = assertion.split('.').collect();
    let [header, claims, signature] = parts[..] else { return Err(malformed()) };
    let json =
        |part: &str| -> Option<Value> { serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok() };
    let (Some(header), Some(claims)) = (json(header), json(claims)) else { return Err(malformed()) };
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| malformed())?;
    let pem_body: String = crate::seed::SP_CERTIFICATE.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = STANDARD.decode(pem_body).expect("test certificate");
    let thumbprint = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der);
    if header["alg"] != "RS256" || header["x5t"] != URL_SAFE.encode(thumbprint.as_ref()) {
        return Err(format!(
            "AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{}']",
            header["x5t"].as_str().unwrap_or("")
        ));
    }
    let cert_der = rustls::pki_types::CertificateDer::from(der);
    let cert = webpki::EndEntityCert::try_from(&cert_der).expect("test certificate parses");
    let signed = &assertion[..assertion.rfind('.').expect("three parts")];
    if cert.verify_signature(webpki::ring::RSA_PKCS1_2048_8192_SHA256, signed.as_bytes(), &signature).is_err()
    {
        return Err("AADSTS7000274: Signature verification failed for the client assertion.".into());
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let aud_ok = claims["aud"]
        .as_str()
        .is_some_and(|a| a.starts_with("https://") && a.ends_with(&format!("/{tenant}/oauth2/v2.0/token")));
    if !aud_ok
        || claims["iss"] != client_id
        || claims["sub"] != client_id
        || claims["jti"].as_str().is_none_or(str::is_empty)
        // MSAL (PyJWT) writes `exp` with a fraction.
        || claims["exp"].as_f64().is_none_or(|exp| exp <= now as f64)
    {
        return Err("AADSTS700024: Client assertion is not within its valid time range or its claims are not for this application.".into());
    }
    Ok(())
}

/// A managed identity's token, as IMDS (`app_service == false`) or App Service answers: the
/// system-assigned identity, or the user-assigned one named by `client_id`, `object_id` or
/// `msi_res_id` (App Service: `mi_res_id`); `seed::MI_TOKEN`, which the exchange takes.
fn managed_identity_token(state: &State, params: &[(String, String)], app_service: bool) -> Response {
    use crate::seed;
    let header = |name: &str| state.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    let p = |k: &str| param(params, k).unwrap_or("");
    let imds_error = |description: &str| {
        json_response(
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_request", "error_description": description}),
        )
    };
    let app_error = |status: StatusCode, message: &str| {
        json_response(
            status,
            json!({"statusCode": status.as_u16(), "message": message, "correlationId": "0"}),
        )
    };
    if app_service {
        if header("x-identity-header") != seed::APP_SERVICE_IDENTITY_HEADER {
            return app_error(StatusCode::UNAUTHORIZED, "The X-IDENTITY-HEADER is missing or wrong.");
        }
        if p("api-version") != "2019-08-01" {
            return app_error(StatusCode::BAD_REQUEST, "Unsupported api-version.");
        }
    } else {
        if header("metadata") != "true" {
            return imds_error("Required metadata header not specified");
        }
        if p("api-version") != "2018-02-01" {
            return imds_error("Invalid api-version");
        }
    }
    let resource_id_name = if app_service { "mi_res_id" } else { "msi_res_id" };
    let client_id = match (p("client_id"), p("object_id"), p(resource_id_name)) {
        ("", "", "") => seed::MI_SYSTEM_CLIENT_ID,
        (seed::MI_USER_CLIENT_ID, "", "") | ("", seed::MI_USER_OBJECT_ID, "") => seed::MI_USER_CLIENT_ID,
        ("", "", id) if id == seed::MI_USER_RESOURCE_ID => seed::MI_USER_CLIENT_ID,
        _ if app_service => {
            return app_error(StatusCode::BAD_REQUEST, "No managed identity found for the given id.");
        }
        _ => return imds_error("Identity not found"),
    };
    let acr_resource = seed::ACR_SCOPE.trim_end_matches("/.default");
    if p("resource") != acr_resource {
        if app_service {
            return app_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "An unexpected error occured while fetching the AAD Token.",
            );
        }
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_resource", "error_description": format!("AADSTS500011: The resource principal named {} was not found in the tenant.", p("resource"))}),
        );
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let expires_on = (now + 86399).to_string();
    let body = if app_service {
        json!({"access_token": seed::MI_TOKEN, "expires_on": expires_on, "resource": acr_resource,
               "token_type": "Bearer", "client_id": client_id})
    } else {
        // IMDS writes every number as a string.
        json!({"access_token": seed::MI_TOKEN, "client_id": client_id, "expires_in": "86399",
               "expires_on": expires_on, "ext_expires_in": "86399", "not_before": now.to_string(),
               "resource": acr_resource, "token_type": "Bearer"})
    };
    json_response(StatusCode::OK, body)
}

fn token(state: &mut State, body: &[u8]) -> Response {
    let f = form(body);
    if param(&f, "service") != Some(state.seed.login_server.as_str()) {
        return acr_error(
            StatusCode::BAD_REQUEST,
            "INVALID_SERVICE",
            "service does not match the registry",
            Value::Null,
        );
    }
    let identity = match param(&f, "grant_type") {
        Some("password") => {
            let (user, password) = (param(&f, "username").unwrap_or(""), param(&f, "password").unwrap_or(""));
            if user == "00000000-0000-0000-0000-000000000000" {
                refresh_identity(state, password)
            } else {
                state
                    .seed
                    .users
                    .iter()
                    .find(|u| u.username == user && u.password == password)
                    .map(|u| u.identity.clone())
            }
        }
        Some("refresh_token") => refresh_identity(state, param(&f, "refresh_token").unwrap_or("")),
        _ => None,
    };
    let Some(identity) = identity else {
        return acr_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "authentication required", Value::Null);
    };
    let mut grant = Grant { catalog: false, repositories: Vec::new() };
    for scope in param(&f, "scope").unwrap_or("").split(' ').filter(|s| !s.is_empty()) {
        let parts: Vec<&str> = scope.split(':').collect();
        match parts.as_slice() {
            ["registry", "catalog" | "deleted_catalog", "*"] => grant.catalog = identity.catalog,
            ["repository", repo @ .., actions] if !repo.is_empty() => {
                let repo = repo.join(":");
                let allowed = identity.allowed(&repo);
                let granted: Vec<String> =
                    actions.split(',').filter(|a| allowed.iter().any(|x| x == a)).map(String::from).collect();
                grant.repositories.push((repo, granted));
            }
            _ => {}
        }
    }
    let access = state.next_token("acr-access");
    state.tokens.insert(access.clone(), grant);
    json_response(StatusCode::OK, json!({"access_token": access}))
}

fn refresh_identity(state: &State, token: &str) -> Option<Identity> {
    state
        .seed
        .refresh_tokens
        .iter()
        .find(|(t, _)| t == token)
        .map(|(_, i)| i.clone())
        .or_else(|| state.refresh_issued.get(token).cloned())
}
