//! The challenge and the token flows az uses: password grant, refresh-token-as-password,
//! Basic for classic registries, the AAD exchange, and the admin user's Basic credentials
//! (az's fallback when AAD gives no token).

use base64::Engine;
use reqwest::Client;
use serde_json::Value;

use super::error::RegistryError;
use super::transport;

/// The username that tells ACR the password is a refresh token.
pub const REFRESH_TOKEN_USER: &str = "00000000-0000-0000-0000-000000000000";

/// The account az is signed in as, and its Entra (AAD) access token for the registry
/// audience, or why there is none (az's message).
#[derive(Clone, Debug)]
pub struct AadToken {
    pub source: super::entra::EntraSource,
    pub tenant: String,
    /// What names the account (tenant, kind, name, cloud, audience), for the token cache.
    pub identity: Vec<String>,
}

/// What `authorize` got: the header, and the tokens worth keeping across runs.
pub struct Authorized {
    pub header: String,
    /// The bearer access token in the header (not a password sent as one).
    pub access_token: Option<String>,
    /// The ACR refresh token the AAD exchange returned.
    pub refresh_token: Option<String>,
}

impl Authorized {
    fn plain(header: String) -> Authorized {
        Authorized { header, access_token: None, refresh_token: None }
    }

    fn bearer(token: String, refresh_token: Option<String>) -> Authorized {
        Authorized { header: format!("Bearer {token}"), access_token: Some(token), refresh_token }
    }
}

#[derive(Clone)]
pub enum Credentials {
    Password {
        username: String,
        password: String,
    },
    /// No `-u`: AAD, or why AAD is not available (az's "Please run 'az login'…").
    Aad(Result<AadToken, String>),
    /// The admin user's credentials from Resource Manager (`listCredentials`), used when AAD
    /// gave no token: az sends them as Basic on every data call, whatever the challenge, with
    /// no token request.
    Admin {
        username: String,
        password: String,
    },
}

/// Never the password.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Password { username, .. } => write!(f, "Password {{ username: {username:?} }}"),
            Credentials::Aad(Ok(token)) => write!(f, "Aad(tenant {:?})", token.tenant),
            Credentials::Aad(Err(reason)) => write!(f, "Aad(unavailable: {reason:?})"),
            Credentials::Admin { username, .. } => write!(f, "Admin {{ username: {username:?} }}"),
        }
    }
}

/// `Basic base64(username:password)`.
fn basic(username: &str, password: &str) -> String {
    let raw = format!("{username}:{password}");
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
}

/// The registry's answer to an unauthenticated `GET /v2/`.
pub struct Challenge {
    pub status: u16,
    pub header: Option<String>,
}

impl Challenge {
    pub async fn probe(client: &Client, login_server: &str, name: &str) -> Result<Challenge, RegistryError> {
        let url = format!("https://{login_server}/v2/");
        // The answer is read to the end, so the connection is reused for the calls after it.
        let (status, headers, _) = transport::sign_in_request(|| client.get(&url), "GET", &url, false)
            .await
            .map_err(|no_answer| RegistryError::Unreachable {
                login_server: login_server.into(),
                name: name.into(),
                gave_up: no_answer.gave_up(),
            })?;
        if status == 403 {
            return Err(RegistryError::Forbidden { login_server: login_server.into(), name: name.into() });
        }
        let header = headers.get("www-authenticate").and_then(|v| v.to_str().ok()).map(str::to_string);
        Ok(Challenge { status, header })
    }

    /// `(scheme, params)` as az splits the header: on spaces (at most 3 parts), then `,` and `=`.
    fn parse(&self) -> Option<(String, Vec<(String, String)>)> {
        if self.status != 401 {
            return None;
        }
        let header = self.header.as_deref()?;
        let mut parts = header.splitn(3, ' ');
        let scheme = parts.next()?.to_string();
        let params = parts
            .next()
            .map(|p| {
                p.split(',')
                    .filter_map(|item| {
                        let mut kv = item.splitn(3, '=');
                        let key = kv.next()?.to_string();
                        let value = kv.next()?.replace('"', "");
                        Some((key, value))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some((scheme, params))
    }
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The `Authorization` header value for one scope. For AAD, `cached_refresh` (an ACR refresh
/// token from an earlier run) replaces the Entra token and the exchange.
pub async fn authorize(
    client: &Client,
    login_server: &str,
    challenge: &Challenge,
    credentials: &Credentials,
    scope: &str,
    cached_refresh: Option<&str>,
) -> Result<Authorized, RegistryError> {
    let no_challenge = || {
        RegistryError::connectivity(
            "CONNECTIVITY_CHALLENGE_ERROR",
            format!("Registry '{login_server}' did not issue a challenge."),
        )
    };
    match credentials {
        Credentials::Admin { username, password } => Ok(Authorized::plain(basic(username, password))),
        Credentials::Password { username, password } => {
            let (scheme, params) = challenge.parse().ok_or_else(no_challenge)?;
            if scheme.eq_ignore_ascii_case("basic") {
                return Ok(Authorized::plain(if username == REFRESH_TOKEN_USER {
                    format!("Bearer {password}")
                } else {
                    basic(username, password)
                }));
            }
            let (Some(realm), Some(service), true) =
                (param(&params, "realm"), param(&params, "service"), scheme.eq_ignore_ascii_case("bearer"))
            else {
                return Err(RegistryError::connectivity(
                    "CONNECTIVITY_WWW_AUTHENTICATE_ERROR",
                    format!(
                        "Registry '{login_server}' did not ask properly for a basic or a bearer authentication."
                    ),
                ));
            };
            let form = [
                ("service", service),
                ("grant_type", "password"),
                ("username", username.as_str()),
                ("password", password.as_str()),
                ("scope", scope),
            ];
            let token = post_form(client, &oauth_url(realm, "/oauth2/token"), &form, "access_token").await;
            token
                .map(|t| Authorized::bearer(t, None))
                .map_err(|denied| access_denied("CONNECTIVITY_ACCESS_TOKEN_ERROR", login_server, denied))
        }
        Credentials::Aad(Ok(aad)) => {
            let (scheme, params) = challenge.parse().ok_or_else(|| aad_unavailable(no_challenge()))?;
            let (Some(realm), Some(service), true) =
                (param(&params, "realm"), param(&params, "service"), scheme.eq_ignore_ascii_case("bearer"))
            else {
                return Err(aad_unavailable(RegistryError::connectivity(
                    "CONNECTIVITY_AAD_LOGIN_ERROR",
                    format!("Registry '{login_server}' does not support AAD login."),
                )));
            };
            let (refresh, fresh_refresh) = match cached_refresh {
                Some(cached) => (cached.to_string(), None),
                None => {
                    let refresh = exchange(client, login_server, realm, service, aad).await?;
                    (refresh.clone(), Some(refresh))
                }
            };
            let form = [
                ("grant_type", "refresh_token"),
                ("service", login_server),
                ("scope", scope),
                ("refresh_token", refresh.as_str()),
            ];
            post_form(client, &oauth_url(realm, "/oauth2/token"), &form, "access_token")
                .await
                .map(|t| Authorized::bearer(t, fresh_refresh))
                .map_err(|denied| aad_denied("CONNECTIVITY_ACCESS_TOKEN_ERROR", login_server, denied))
        }
        Credentials::Aad(Err(message)) => Err(RegistryError::AadUnavailable(message.clone())),
    }
}

/// The AAD exchange: the account's Entra token for an ACR refresh token.
async fn exchange(
    client: &Client,
    login_server: &str,
    realm: &str,
    service: &str,
    aad: &AadToken,
) -> Result<String, RegistryError> {
    if let super::entra::EntraSource::Crashes(message) = &aad.source {
        return Err(RegistryError::Unexpected(message.clone()));
    }
    let access_token = aad.source.access_token(client).await.map_err(|e| match e {
        super::entra::NoToken::Refused(text) => RegistryError::AadUnavailable(text),
        // az ends in a traceback there: no fallback to other credentials on a network failure.
        super::entra::NoToken::NoAnswer(text) => RegistryError::Transport(text, None),
    })?;
    // A managed identity found without az's profile: its token names the tenant (as
    // `az login --identity` reads it).
    let tenant = match aad.tenant.as_str() {
        "" => super::az_cli::token_subject(&access_token).swap_remove(1),
        known => known.to_string(),
    };
    let exchange = [
        ("grant_type", "access_token"),
        ("service", service),
        ("tenant", tenant.as_str()),
        ("access_token", access_token.as_str()),
    ];
    post_form(client, &oauth_url(realm, "/oauth2/exchange"), &exchange, "refresh_token")
        .await
                .map_err(|denied| {
                    if matches!(denied, Denied::Status(429)) {
                        RegistryError::AadThrottled(Box::new(RegistryError::connectivity(
                            "CONNECTIVITY_TOOMANYREQUESTS_ERROR",
                            format!("Too many requests, access to registry '{login_server}' was denied. Please wait a moment before trying again."),
                        )))
                    } else {
                        aad_denied("CONNECTIVITY_REFRESH_TOKEN_ERROR", login_server, denied)
                    }
                })
}

fn aad_unavailable(cause: RegistryError) -> RegistryError {
    RegistryError::AadUnavailable(cause.to_string())
}

/// An AAD exchange or token request without a token: refused, az's next step (the admin
/// user); not answered, an error that stops the run (az ends in a traceback, and a network
/// failure must never make a run go on as the admin user).
fn aad_denied(title: &'static str, login_server: &str, denied: Denied) -> RegistryError {
    match denied {
        Denied::NoAnswer(_) => access_denied(title, login_server, denied),
        Denied::Status(_) => aad_unavailable(access_denied(title, login_server, denied)),
    }
}

/// az's words for an answer without a token; azacr's, with what was tried, when there was
/// no answer (az has no bound and would still be waiting, or ends in a Python traceback).
fn access_denied(title: &'static str, login_server: &str, denied: Denied) -> RegistryError {
    let text = match denied {
        Denied::Status(code) => format!(
            "Access to registry '{login_server}' was denied. Response code: {code}. Please try running 'az login' again to refresh permissions."
        ),
        Denied::NoAnswer(no_answer) => format!(
            "Registry '{login_server}' did not answer the token request: {} ({}).",
            no_answer.text, no_answer.budget
        ),
    };
    RegistryError::connectivity(title, text)
}

/// az posts to the realm's scheme and host with its own path.
fn oauth_url(realm: &str, path: &str) -> String {
    let (scheme, rest) = realm.split_once("://").unwrap_or(("https", realm));
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}{path}")
}

/// Why a token or exchange request gave no token.
enum Denied {
    /// The status of an answer without one.
    Status(u16),
    NoAnswer(transport::NoAnswer),
}

/// Posts a form and returns `field` of the JSON answer.
async fn post_form(client: &Client, url: &str, form: &[(&str, &str)], field: &str) -> Result<String, Denied> {
    let (status, body) = transport::post_form(client, url, form).await.map_err(Denied::NoAnswer)?;
    if status != 200 {
        return Err(Denied::Status(status));
    }
    body.get(field).and_then(Value::as_str).map(str::to_string).ok_or(Denied::Status(status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_debug_text_has_no_password() {
        for credentials in [
            Credentials::Admin { username: "admin".into(), password: "s3cret".into() },
            Credentials::Password { username: "user".into(), password: "s3cret".into() },
        ] {
            let text = format!("{credentials:?}");
            assert!(!text.contains("s3cret"), "{text}");
        }
    }

    #[test]
    fn challenge_is_split_like_az() {
        let c = Challenge {
            status: 401,
            header: Some(
                "Bearer realm=\"https://r.azurecr.io/oauth2/token\",service=\"r.azurecr.io\"".into(),
            ),
        };
        let (scheme, params) = c.parse().unwrap();
        assert_eq!(scheme, "Bearer");
        assert_eq!(param(&params, "realm"), Some("https://r.azurecr.io/oauth2/token"));
        assert_eq!(param(&params, "service"), Some("r.azurecr.io"));
        assert!(Challenge { status: 200, header: c.header.clone() }.parse().is_none());
        assert!(Challenge { status: 401, header: None }.parse().is_none());
        assert_eq!(
            oauth_url("https://r.azurecr.io/oauth2/token", "/oauth2/exchange"),
            "https://r.azurecr.io/oauth2/exchange"
        );
    }
}
