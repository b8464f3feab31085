//! Managed identity (`az login --identity`, with `--client-id`, `--object-id` or
//! `--resource-id` for a user-assigned one): the endpoint az's MSAL calls, chosen from the
//! environment as MSAL chooses it:
//! - App Service, Functions, Automation: `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`
//!   (api-version 2019-08-01, the header sent as `X-IDENTITY-HEADER`);
//! - otherwise a VM, VM scale set, AKS node or CI runner on Azure: the instance metadata
//!   service (IMDS) at `http://169.254.169.254`, or the host `AZURE_POD_IDENTITY_AUTHORITY_HOST`
//!   names (AKS pod identity; MSAL honours it, and the tests reach the emulator through it),
//!   api-version 2018-02-01, header `Metadata: true`.
//!
//! Service Fabric, Azure Arc, Azure ML and Cloud Shell are left to the real az (see
//! `registry::az_cli`): they need a server-certificate pin, a challenge file or a broker.

use std::fmt;

use reqwest::Client;
use serde_json::Value;

use super::entra::NoToken;
use super::transport;
use crate::env::{self, Env};

const IMDS_HOST: &str = "http://169.254.169.254";

/// Which identity: az's `assignedIdentityInfo` (`MSI`, `MSIClient-<id>`, `MSIObject-<id>`,
/// `MSIResource-<id>`).
#[derive(Clone, Debug, PartialEq)]
pub enum AssignedIdentity {
    System,
    ClientId(String),
    ObjectId(String),
    ResourceId(String),
}

impl AssignedIdentity {
    /// From az's `assignedIdentityInfo`; `None` for a kind az does not write.
    pub fn from_az_info(info: &str) -> Option<AssignedIdentity> {
        match info.split_once('-') {
            None if info == "MSI" => Some(AssignedIdentity::System),
            Some(("MSIClient", id)) => Some(AssignedIdentity::ClientId(id.into())),
            Some(("MSIObject", id)) => Some(AssignedIdentity::ObjectId(id.into())),
            Some(("MSIResource", id)) => Some(AssignedIdentity::ResourceId(id.into())),
            _ => None,
        }
    }
}

/// A managed-identity token request, ready to send.
#[derive(Clone)]
pub struct ManagedIdentity {
    url: String,
    query: Vec<(&'static str, String)>,
    /// App Service's `IDENTITY_HEADER` (a secret), sent as `X-IDENTITY-HEADER`.
    identity_header: Option<String>,
    /// What to say when it fails (a guessed identity: az's message, not the endpoint's).
    fallback_message: Option<String>,
}

/// Never prints the identity header.
impl fmt::Debug for ManagedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ManagedIdentity({})", self.url)
    }
}

impl ManagedIdentity {
    /// The request MSAL would send for `resource` in this environment; `Err`: a source azacr
    /// leaves to the real az (its name, for `--debug`).
    pub fn for_environment(
        env: &Env,
        identity: &AssignedIdentity,
        resource: &str,
    ) -> Result<ManagedIdentity, &'static str> {
        // MSAL tests presence, not value.
        let set = |name: &str| env.var_os(name).is_some();
        let value = |name: &str| env.var(name).unwrap_or_default();
        let id_param = |resource_id_name: &'static str| match identity {
            AssignedIdentity::System => None,
            AssignedIdentity::ClientId(id) => Some(("client_id", id.clone())),
            AssignedIdentity::ObjectId(id) => Some(("object_id", id.clone())),
            AssignedIdentity::ResourceId(id) => Some((resource_id_name, id.clone())),
        };
        if set(env::IDENTITY_ENDPOINT) && set(env::IDENTITY_HEADER) {
            if set(env::IDENTITY_SERVER_THUMBPRINT) {
                return Err("Service Fabric");
            }
            let mut query =
                vec![("api-version", "2019-08-01".to_string()), ("resource", resource.to_string())];
            query.extend(id_param("mi_res_id"));
            return Ok(ManagedIdentity {
                url: value(env::IDENTITY_ENDPOINT),
                query,
                identity_header: Some(value(env::IDENTITY_HEADER)),
                fallback_message: None,
            });
        }
        if set(env::MSI_ENDPOINT) && set(env::MSI_SECRET) {
            return Err("Azure Machine Learning");
        }
        if set(env::IDENTITY_ENDPOINT) && set(env::IMDS_ENDPOINT) {
            return Err("Azure Arc");
        }
        if env.var(env::AZUREPS_HOST_ENVIRONMENT).is_some_and(|v| v.starts_with("cloud-shell")) {
            return Err("Cloud Shell");
        }
        let host = env.var(env::AZURE_POD_IDENTITY_AUTHORITY_HOST).unwrap_or_else(|| IMDS_HOST.into());
        let mut query = vec![("api-version", "2018-02-01".to_string()), ("resource", resource.to_string())];
        query.extend(id_param("msi_res_id"));
        Ok(ManagedIdentity {
            url: format!("{}/metadata/identity/oauth2/token", host.trim_matches('/')),
            query,
            identity_header: None,
            fallback_message: None,
        })
    }

    /// The same, failing with `message` whatever the endpoint says (`--debug` shows its words).
    pub fn failing_with(self, message: &str) -> ManagedIdentity {
        ManagedIdentity { fallback_message: Some(message.to_string()), ..self }
    }

    /// The access token; `Err`: the endpoint's own words, as az's warning carries them.
    pub async fn access_token(&self, client: &Client) -> Result<String, NoToken> {
        match (self.request_token(client).await, &self.fallback_message) {
            // A guessed identity that gives nothing is as if nobody had signed in.
            (Err(failure), Some(message)) => {
                crate::log::debug(format_args!("managed identity: {}", failure.into_text()));
                Err(NoToken::Refused(message.clone()))
            }
            (result, _) => result,
        }
    }

    async fn request_token(&self, client: &Client) -> Result<String, NoToken> {
        let request = || {
            let mut r = client.get(&self.url).query(&self.query).header("Metadata", "true");
            if let Some(secret) = &self.identity_header {
                r = r.header("X-IDENTITY-HEADER", secret);
            }
            r
        };
        let (status, _, body) =
            transport::sign_in_request(request, "GET", &self.url, true).await.map_err(|no| {
                NoToken::NoAnswer(format!(
                    "Could not connect to the managed identity endpoint {} ({}).",
                    self.url, no.budget
                ))
            })?;
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        // MSAL takes a token when it comes with its lifetime (IMDS: expires_in; App Service:
        // expires_on).
        let lifetime = if self.identity_header.is_some() { "expires_on" } else { "expires_in" };
        if let (Some(token), true) = (text("access_token"), body.get(lifetime).is_some()) {
            return Ok(token);
        }
        if self.identity_header.is_some() {
            // App Service's error body, as MSAL words it.
            let field = |k: &str| match body.get(k) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => "None".into(),
                Some(v) => v.to_string(),
            };
            return Err(NoToken::Refused(format!("{}, {}", field("statusCode"), field("message"))));
        }
        Err(NoToken::Refused(
            text("error_description")
                .or_else(|| text("error"))
                .unwrap_or_else(|| format!("The managed identity endpoint answered {status}.")),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "https://containerregistry.azure.net";

    #[test]
    fn azs_assigned_identity_info_is_read() {
        assert_eq!(AssignedIdentity::from_az_info("MSI"), Some(AssignedIdentity::System));
        assert_eq!(
            AssignedIdentity::from_az_info("MSIResource-/subscriptions/s/resourcegroups/g/providers/x-y/z"),
            Some(AssignedIdentity::ResourceId("/subscriptions/s/resourcegroups/g/providers/x-y/z".into()))
        );
        assert_eq!(
            AssignedIdentity::from_az_info("MSIClient-abc"),
            Some(AssignedIdentity::ClientId("abc".into()))
        );
        assert_eq!(AssignedIdentity::from_az_info("Other-abc"), None);
    }

    #[test]
    fn the_endpoint_is_chosen_as_msal_chooses_it() {
        let imds = ManagedIdentity::for_environment(&Env::default(), &AssignedIdentity::System, R).unwrap();
        assert_eq!(imds.url, "http://169.254.169.254/metadata/identity/oauth2/token");
        assert_eq!(imds.query, [("api-version", "2018-02-01".into()), ("resource", R.into())]);
        let pod = Env::of([(env::AZURE_POD_IDENTITY_AUTHORITY_HOST, "http://10.0.0.1/")]);
        let by_resource = AssignedIdentity::ResourceId("/r".into());
        let pod = ManagedIdentity::for_environment(&pod, &by_resource, R).unwrap();
        assert_eq!(pod.url, "http://10.0.0.1/metadata/identity/oauth2/token");
        assert_eq!(pod.query[2], ("msi_res_id", "/r".into()));
        let app = Env::of([
            (env::IDENTITY_ENDPOINT, "http://127.0.0.1:41741/msi/token"),
            (env::IDENTITY_HEADER, "secret-identity-header"),
        ]);
        let app = ManagedIdentity::for_environment(&app, &by_resource, R).unwrap();
        assert_eq!(app.url, "http://127.0.0.1:41741/msi/token");
        assert_eq!(app.query[0], ("api-version", "2019-08-01".into()));
        assert_eq!(app.query[2], ("mi_res_id", "/r".into()));
        assert!(!format!("{app:?}").contains("secret-identity-header"));
        let arc = Env::of([(env::IDENTITY_ENDPOINT, "http://localhost:40342"), (env::IMDS_ENDPOINT, "x")]);
        assert_eq!(
            ManagedIdentity::for_environment(&arc, &AssignedIdentity::System, R).err(),
            Some("Azure Arc")
        );
        let fabric = Env::of([
            (env::IDENTITY_ENDPOINT, "e"),
            (env::IDENTITY_HEADER, "h"),
            (env::IDENTITY_SERVER_THUMBPRINT, "t"),
        ]);
        assert_eq!(
            ManagedIdentity::for_environment(&fabric, &AssignedIdentity::System, R).err(),
            Some("Service Fabric")
        );
    }
}
