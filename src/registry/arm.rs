//! The registry's login server from Azure Resource Manager, as az looks it up when an account
//! is signed in: the subscription's resources of the registry type (`GET
//! /subscriptions/{id}/resources?$filter=…`, paged by `nextLink`), the one whose name matches
//! (any case), then that registry (`GET …/resourceGroups/{rg}/providers/
//! Microsoft.ContainerRegistry/registries/{name}`) for its `properties.loginServer`. A
//! registry's login server need not be `<name>.<suffix>` (a domain-name-label hash). The same
//! document gives the soft-delete policy's retention days (`acr manifest list-deleted`) and
//! whether the admin user is enabled; its credentials come from `POST …/listCredentials`
//! (az's fallback when AAD gives no registry token).

use reqwest::Client;
use serde_json::Value;

use super::paths::arm_segment;
use super::transport;

pub const REGISTRY_TYPE: &str = "Microsoft.ContainerRegistry/registries";
/// The api-versions az 2.91.0 sends (observed on the wire).
const RESOURCES_API: &str = "2024-11-01";
const REGISTRY_API: &str = "2026-09-01-preview";

/// What Resource Manager said about the registry.
#[derive(Debug, PartialEq)]
pub enum Lookup {
    Found(Found),
    /// az's message (it falls back to `<name>.<suffix>`).
    NotFound(String),
}

/// A registry Resource Manager has: what the sign-in needs of its document.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    pub login_server: String,
    /// Lower-cased, as az parses it from the id (`listCredentials` is under it).
    pub resource_group: String,
    /// `properties.adminUserEnabled`.
    pub admin_user_enabled: bool,
}

/// The admin user's name and first password (`passwords[0]`, the one az uses). The password
/// is a secret: it is never printed, logged or put in an error, and `Debug` hides it.
pub struct AdminUser {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for AdminUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminUser").field("username", &self.username).finish_non_exhaustive()
    }
}

/// A failed lookup, which az reports and stops at.
#[derive(Debug, PartialEq)]
pub enum ArmError {
    /// An ARM error answer: az prints `(code) message`, `Code: …`, `Message: …`.
    Answer { status: u16, text: String },
    /// Anything else (no answer, an answer that is not ARM's): az's CLIError text.
    Other(String),
}

impl ArmError {
    fn from_answer(status: u16, body: &[u8]) -> ArmError {
        let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let error = json.get("error");
        let field = |k: &str| error.and_then(|e| e.get(k)).and_then(Value::as_str).map(str::to_string);
        match (field("code"), field("message")) {
            (Some(code), Some(message)) => ArmError::Answer {
                status,
                text: format!("({code}) {message}\nCode: {code}\nMessage: {message}"),
            },
            // azure-core's words: the status's reason phrase.
            _ => {
                let reason = reqwest::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .map_or_else(|| status.to_string(), str::to_string);
                ArmError::Answer { status, text: format!("Operation returned an invalid status '{reason}'") }
            }
        }
    }
}

/// The subscription the lookup runs in.
pub struct Subscription<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

/// Looks `name` up in `subscription` at `resource_manager` with the ARM token.
pub async fn find_registry(
    client: &Client,
    resource_manager: &str,
    subscription: &Subscription<'_>,
    token: &str,
    name: &str,
) -> Result<Lookup, ArmError> {
    let Some((resource_group, registry)) =
        lookup(client, resource_manager, subscription, token, name).await?
    else {
        return Ok(Lookup::NotFound(not_found(subscription, name)));
    };
    match registry.pointer("/properties/loginServer").and_then(Value::as_str) {
        Some(login_server) => Ok(Lookup::Found(Found {
            login_server: login_server.to_string(),
            resource_group,
            // As az reads it: anything but `true` is disabled.
            admin_user_enabled: registry.pointer("/properties/adminUserEnabled") == Some(&Value::Bool(true)),
        })),
        None => Err(ArmError::Other(format!("Registry '{name}' has no login server."))),
    }
}

/// `POST …/resourceGroups/{group}/providers/Microsoft.ContainerRegistry/registries/{name}/
/// listCredentials`: the admin user's credentials (`username`, `passwords[0].value`).
pub async fn list_credentials(
    client: &Client,
    resource_manager: &str,
    subscription: &Subscription<'_>,
    token: &str,
    resource_group: &str,
    name: &str,
) -> Result<AdminUser, ArmError> {
    let url = format!(
        "{}/listCredentials?api-version={REGISTRY_API}",
        registry_url(resource_manager, subscription, resource_group, name)?
    );
    // No body, as az sends it (Content-Length: 0).
    let answer =
        send(|| client.post(&url).bearer_auth(token).header("content-length", "0"), "POST", &url).await?;
    let field = |pointer: &str| answer.pointer(pointer).and_then(Value::as_str).map(str::to_string);
    match (field("/username"), field("/passwords/0/value")) {
        (Some(username), Some(password)) => Ok(AdminUser { username, password }),
        _ => Err(ArmError::Other(format!(
            "Resource Manager's listCredentials answer for registry '{name}' has no admin user credentials."
        ))),
    }
}

/// A registry's URL in Resource Manager, each part percent-encoded.
fn registry_url(
    resource_manager: &str,
    subscription: &Subscription<'_>,
    resource_group: &str,
    name: &str,
) -> Result<String, ArmError> {
    let encoded = |s: &str| arm_segment(s).map_err(|e| ArmError::Other(e.to_string()));
    Ok(format!(
        "{}/subscriptions/{}/resourceGroups/{}/providers/{REGISTRY_TYPE}/{}",
        resource_manager.trim_end_matches('/'),
        encoded(subscription.id)?,
        encoded(resource_group)?,
        encoded(name)?
    ))
}

/// az's message for a registry the subscription does not have.
pub fn not_found(subscription: &Subscription<'_>, name: &str) -> String {
    format!(
        "The resource with name '{name}' and type '{REGISTRY_TYPE}' could not be found in subscription '{} ({})'.",
        subscription.name, subscription.id
    )
}

/// The registry's document (`properties.loginServer`, `properties.policies`, …) as az gets it:
/// the resource of that name (any case) among the subscription's registries, then the
/// registry in its resource group. `None`: the subscription has no registry of that name.
pub async fn registry(
    client: &Client,
    resource_manager: &str,
    subscription: &Subscription<'_>,
    token: &str,
    name: &str,
) -> Result<Option<Value>, ArmError> {
    Ok(lookup(client, resource_manager, subscription, token, name).await?.map(|(_, document)| document))
}

/// The registry's resource group and document (see `registry`).
async fn lookup(
    client: &Client,
    resource_manager: &str,
    subscription: &Subscription<'_>,
    token: &str,
    name: &str,
) -> Result<Option<(String, Value)>, ArmError> {
    let base = resource_manager.trim_end_matches('/');
    let sub = arm_segment(subscription.id).map_err(|e| ArmError::Other(e.to_string()))?;
    // As az's stack encodes the filter: spaces as %20, quotes and the slash escaped.
    let filter = transport::form_encode(&[(String::new(), format!("resourceType eq '{REGISTRY_TYPE}'"))]);
    let filter = filter.trim_start_matches('=').replace('+', "%20");
    let mut url =
        format!("{base}/subscriptions/{sub}/resources?$filter={filter}&api-version={RESOURCES_API}");
    let mut matches = Vec::new();
    // Every page (ARM pages by `nextLink`), bounded so a looping service cannot hold a run;
    // a listing cut by the bound is an error, never a "not found".
    let mut complete = false;
    for _ in 0..1000 {
        let page = get(client, &url, token).await?;
        let items = page.get("value").and_then(Value::as_array).cloned().unwrap_or_default();
        matches.extend(items.into_iter().filter(|item| {
            item.get("name").and_then(Value::as_str).is_some_and(|n| n.eq_ignore_ascii_case(name))
        }));
        match page.get("nextLink").and_then(Value::as_str).filter(|l| !l.is_empty()) {
            Some(next) => url = same_service(base, next)?,
            None => {
                complete = true;
                break;
            }
        }
    }
    if !complete {
        return Err(ArmError::Other(format!(
            "Resource Manager's listing of subscription '{}' did not end after 1000 pages.",
            subscription.id
        )));
    }
    let item = match matches.as_slice() {
        [] => return Ok(None),
        [one] => one,
        _ => {
            return Err(ArmError::Other(format!(
                "More than one resources with type '{REGISTRY_TYPE}' are found with name '{name}'."
            )));
        }
    };
    let id = item.get("id").and_then(Value::as_str).unwrap_or("");
    let group = resource_group(id)
        .ok_or_else(|| ArmError::Other(format!("Could not parse the resource id '{id}'.")))?;
    let url = format!("{}?api-version={REGISTRY_API}", registry_url(base, subscription, &group, name)?);
    Ok(Some((group, get(client, &url, token).await?)))
}

/// `properties.policies.softDeletePolicy.retentionDays` of a registry's document: `None`
/// when it has no soft-delete policy; `Some(None)` when the policy gives no number.
pub fn soft_delete_retention_days(registry: &Value) -> Option<Option<i64>> {
    let policy = registry.pointer("/properties/policies/softDeletePolicy").filter(|p| !p.is_null())?;
    Some(policy.get("retentionDays").and_then(Value::as_i64))
}

/// A `nextLink` is followed only to Resource Manager itself over HTTPS: the ARM token goes with it.
fn same_service(base: &str, next: &str) -> Result<String, ArmError> {
    let origin = |u: &str| -> Option<String> {
        let url = reqwest::Url::parse(u).ok()?;
        if url.scheme() != "https" {
            return None;
        }
        Some(format!("{}:{}", url.host_str()?, url.port_or_known_default()?))
    };
    match (origin(base), origin(next)) {
        (Some(a), Some(b)) if a.eq_ignore_ascii_case(&b) => Ok(next.to_string()),
        _ => {
            Err(ArmError::Other(format!("Resource Manager's next page is elsewhere ({next}); not followed.")))
        }
    }
}

/// The resource group in an ARM id, lower-cased as az parses it.
fn resource_group(id: &str) -> Option<String> {
    let parts: Vec<&str> = id.split('/').collect();
    let at = parts.iter().position(|p| p.eq_ignore_ascii_case("resourceGroups"))?;
    parts.get(at + 1).filter(|g| !g.is_empty()).map(|g| g.to_lowercase())
}

async fn get(client: &Client, url: &str, token: &str) -> Result<Value, ArmError> {
    send(|| client.get(url).bearer_auth(token), "GET", url).await
}

/// A request to Resource Manager, tried again as sign-in requests are (az's client retries
/// 5xx too): its JSON answer, or az's words for the failure.
async fn send(
    request: impl Fn() -> reqwest::RequestBuilder,
    method: &str,
    url: &str,
) -> Result<Value, ArmError> {
    let (status, _, body) =
        transport::sign_in_request(request, method, url, true).await.map_err(|no_answer| {
            // az's words where az would have ended too; what was tried where it would wait on.
            let tried = no_answer.gave_up().map(|b| format!(" ({b})")).unwrap_or_default();
            ArmError::Other(format!("{}{tried}", no_answer.text))
        })?;
    if status != 200 {
        return Err(ArmError::from_answer(status, &body));
    }
    serde_json::from_slice(&body)
        .map_err(|_| ArmError::Other(format!("Resource Manager answered {url} with no JSON.")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_next_link_is_followed_only_to_resource_manager_over_https() {
        let base = "https://management.azure.com";
        assert!(same_service(base, "https://management.azure.com/subscriptions/s/resources?x=1").is_ok());
        assert!(same_service(base, "https://MANAGEMENT.azure.com:443/next").is_ok());
        assert!(same_service(base, "http://management.azure.com/next").is_err());
        assert!(same_service(base, "https://evil.example/next").is_err());
        assert!(same_service(base, "https://management.azure.com:8443/next").is_err());
        assert!(same_service(base, "not a url").is_err());
    }

    #[test]
    fn resource_groups_from_ids() {
        let id = "/subscriptions/s/resourceGroups/MyGroup/providers/Microsoft.ContainerRegistry/registries/r";
        assert_eq!(resource_group(id).as_deref(), Some("mygroup"));
        assert_eq!(resource_group("/subscriptions/s"), None);
    }

    #[test]
    fn soft_delete_retention_from_the_registry_document() {
        let with =
            |policies: Value| serde_json::json!({"properties": {"loginServer": "r", "policies": policies}});
        let enabled =
            with(serde_json::json!({"softDeletePolicy": {"retentionDays": 30, "status": "enabled"}}));
        assert_eq!(soft_delete_retention_days(&enabled), Some(Some(30)));
        let no_days = with(serde_json::json!({"softDeletePolicy": {"status": "disabled"}}));
        assert_eq!(soft_delete_retention_days(&no_days), Some(None));
        assert_eq!(soft_delete_retention_days(&with(serde_json::json!({"softDeletePolicy": null}))), None);
        assert_eq!(soft_delete_retention_days(&with(Value::Null)), None);
        assert_eq!(soft_delete_retention_days(&serde_json::json!({"properties": {}})), None);
    }

    #[test]
    fn an_answer_without_arms_error_is_named_by_its_reason_phrase() {
        assert_eq!(
            ArmError::from_answer(400, b"nope"),
            ArmError::Answer {
                status: 400,
                text: "Operation returned an invalid status 'Bad Request'".into()
            }
        );
    }

    #[test]
    fn the_admin_users_password_is_not_in_its_debug_text() {
        let admin = AdminUser { username: "myregistry".into(), password: "s3cret".into() };
        let text = format!("{admin:?}");
        assert!(text.contains("myregistry") && !text.contains("s3cret"), "{text}");
    }

    #[test]
    fn arm_errors_read_as_az_prints_them() {
        let body = br#"{"error":{"code":"SubscriptionNotFound","message":"The subscription 'x' could not be found."}}"#;
        assert_eq!(
            ArmError::from_answer(404, body),
            ArmError::Answer {
                status: 404,
                text: "(SubscriptionNotFound) The subscription 'x' could not be found.\nCode: SubscriptionNotFound\nMessage: The subscription 'x' could not be found.".into()
            }
        );
    }
}
