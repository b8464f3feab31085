//! Entra ID (AAD) access tokens for the registry audience from the credential az's sign-in
//! left: a token az's MSAL cache already holds, a user's cached refresh token (az's public
//! client), or a service principal's client secret, certificate or stored federated assertion. The requests
//! are the OAuth 2.0 ones MSAL sends, to the account's tenant at the cloud's authority.

use std::fmt;

use reqwest::Client;
use serde_json::Value;

use super::transport;

/// az's public client (the application id `az login` signs users in with).
pub const AZ_CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Why no Entra token came: an answer without one (its words), or no answer at all.
#[derive(Debug)]
pub enum NoToken {
    Refused(String),
    NoAnswer(String),
}

impl NoToken {
    pub fn into_text(self) -> String {
        match self {
            NoToken::Refused(text) | NoToken::NoAnswer(text) => text,
        }
    }
}

/// Where an Entra token for the registry comes from.
#[derive(Clone)]
pub enum EntraSource {
    /// An unexpired token from az's MSAL cache.
    Cached(String),
    /// A user account: its refresh token from az's MSAL cache.
    RefreshToken { authority: String, tenant: String, refresh_token: String, scope: String },
    /// A service principal signed in with a client secret.
    ClientSecret { authority: String, tenant: String, client_id: String, secret: String, scope: String },
    /// A service principal signed in with a federated token (`az login --federated-token`).
    ClientAssertion { authority: String, tenant: String, client_id: String, assertion: String, scope: String },
    /// A service principal signed in with a certificate (`--certificate file.pem`): the key
    /// and chain of the file az stored the path of, read once, and whether to send the chain
    /// (`--use-cert-sn-issuer`).
    Certificate {
        authority: String,
        tenant: String,
        client_id: String,
        certificate: std::sync::Arc<super::certificate::Certificate>,
        send_chain: bool,
        scope: String,
    },
    /// A managed identity (`az login --identity`): the endpoint MSAL would call.
    ManagedIdentity(super::managed_identity::ManagedIdentity),
    /// None, and az fails here with an exception it does not catch (a certificate file it
    /// cannot open): the exception's text.
    Crashes(String),
    /// None, and az stops here with its own error before any request (a certificate file that
    /// is no PEM): its text.
    Invalid(String),
    /// None: az's message (or azacr's, for a kind it cannot use yet).
    Unavailable(String),
}

/// Never prints a secret.
impl fmt::Debug for EntraSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            EntraSource::Cached(_) => "Cached",
            EntraSource::RefreshToken { .. } => "RefreshToken",
            EntraSource::ClientSecret { .. } => "ClientSecret",
            EntraSource::ClientAssertion { .. } => "ClientAssertion",
            EntraSource::Certificate { .. } => "Certificate",
            EntraSource::ManagedIdentity(m) => return write!(f, "{m:?}"),
            EntraSource::Unavailable(m) => return write!(f, "Unavailable({m:?})"),
            EntraSource::Crashes(m) => return write!(f, "Crashes({m:?})"),
            EntraSource::Invalid(m) => return write!(f, "Invalid({m:?})"),
        };
        write!(f, "{kind}(…)")
    }
}

impl EntraSource {
    /// Whether a token can be had without a request.
    pub fn is_cached(&self) -> bool {
        matches!(self, EntraSource::Cached(_))
    }

    /// Why there is none, when there is none.
    pub fn unavailable(&self) -> Option<&str> {
        match self {
            EntraSource::Unavailable(m) => Some(m),
            _ => None,
        }
    }

    /// The access token, asking Entra ID when it is not cached; `Err`: the message az's
    /// "Unable to get AAD authorization tokens with message:" carries.
    pub async fn access_token(&self, client: &Client) -> Result<String, NoToken> {
        let token_url = |authority: &str, tenant: &str| {
            format!("{}/{tenant}/oauth2/v2.0/token", authority.trim_end_matches('/'))
        };
        let (authority, tenant, form): (&str, &str, Vec<(&str, String)>) = match self {
            EntraSource::Cached(token) => return Ok(token.clone()),
            EntraSource::Unavailable(message)
            | EntraSource::Crashes(message)
            | EntraSource::Invalid(message) => {
                return Err(NoToken::Refused(message.clone()));
            }
            EntraSource::ManagedIdentity(identity) => return identity.access_token(client).await,
            EntraSource::RefreshToken { authority, tenant, refresh_token, scope } => (
                authority,
                tenant,
                vec![
                    ("client_id", AZ_CLIENT_ID.to_string()),
                    ("grant_type", "refresh_token".into()),
                    ("client_info", "1".into()),
                    ("refresh_token", refresh_token.clone()),
                    ("scope", format!("{scope} offline_access openid profile")),
                ],
            ),
            EntraSource::ClientSecret { authority, tenant, client_id, secret, scope } => (
                authority,
                tenant,
                vec![
                    ("client_id", client_id.clone()),
                    ("grant_type", "client_credentials".into()),
                    ("client_secret", secret.clone()),
                    ("scope", scope.clone()),
                ],
            ),
            EntraSource::ClientAssertion { authority, tenant, client_id, assertion, scope } => {
                (authority, tenant, assertion_form(client_id, assertion.clone(), scope))
            }
            EntraSource::Certificate { authority, tenant, client_id, certificate, send_chain, scope } => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                let assertion =
                    certificate.assertion(client_id, &token_url(authority, tenant), now, *send_chain);
                (authority, tenant, assertion_form(client_id, assertion, scope))
            }
        };
        let url = token_url(authority, tenant);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = transport::post_form(client, &url, &form).await.map_err(|no| {
            NoToken::NoAnswer(format!("Could not connect to Entra ID at {authority} ({}).", no.budget))
        })?;
        if status == 200
            && let Some(token) = body.get("access_token").and_then(Value::as_str)
        {
            return Ok(token.to_string());
        }
        // Entra's own words (an AADSTS code and text), its first line.
        let description = body
            .get("error_description")
            .or_else(|| body.get("error"))
            .and_then(Value::as_str)
            .map(|d| d.lines().next().unwrap_or("").trim().to_string())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| format!("Entra ID answered {status}."));
        Err(NoToken::Refused(match self {
            EntraSource::RefreshToken { scope, .. } => format!(
                "{description}\nInteractive authentication is needed. Please run:\naz login --scope {scope}"
            ),
            _ => description,
        }))
    }
}

/// The client-credentials form with a signed or federated assertion instead of a secret.
fn assertion_form(client_id: &str, assertion: String, scope: &str) -> Vec<(&'static str, String)> {
    vec![
        ("client_id", client_id.to_string()),
        ("grant_type", "client_credentials".into()),
        ("client_assertion_type", JWT_BEARER.into()),
        ("client_assertion", assertion),
        ("scope", scope.to_string()),
    ]
}
