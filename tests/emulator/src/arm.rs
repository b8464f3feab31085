//! Azure Resource Manager and Entra discovery, as far as az's registry lookup uses them:
//! the OpenID configuration MSAL reads before its first token request, the resource listing
//! az filters by type, one registry's properties, and the registries of a subscription.
//!
//! | request | answer |
//! |---|---|
//! | `GET /{tenant}/v2.0/.well-known/openid-configuration` | Entra's endpoints at this host |
//! | `GET /subscriptions/{sub}/resources?$filter=resourceType eq '…registries'` | the registries as resources |
//! | `GET /subscriptions/{sub}/providers/Microsoft.ContainerRegistry/registries` | the registries |
//! | `GET /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerRegistry/registries/{name}` | one registry (with `properties.policies.softDeletePolicy` when soft delete is on) |
//! | `POST …/registries/{name}/listCredentials` | the admin user's name and two passwords (admin user enabled), else 400 |
//!
//! ARM requests need `Authorization: Bearer <seed::ARM_TOKEN>`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::seed;

const REGISTRY_TYPE: &str = "Microsoft.ContainerRegistry/registries";

/// The soft-delete policy's retention (with the emulator's `soft-delete` knob on).
pub const SOFT_DELETE_RETENTION_DAYS: i64 = 7;

/// A registry as ARM knows it: its name, resource group and login server (which need not be
/// `<name>.azurecr.io`, e.g. with a domain-name-label hash).
#[derive(Clone, Debug, PartialEq)]
pub struct ArmRegistry {
    pub name: String,
    pub resource_group: String,
    pub login_server: String,
    /// `properties.adminUserEnabled`: `listCredentials` gives the admin user's credentials.
    pub admin_user_enabled: bool,
}

impl ArmRegistry {
    pub fn new(name: &str, resource_group: &str, login_server: &str) -> ArmRegistry {
        ArmRegistry {
            name: name.into(),
            resource_group: resource_group.into(),
            login_server: login_server.into(),
            admin_user_enabled: false,
        }
    }

    fn id(&self, subscription: &str) -> String {
        format!(
            "/subscriptions/{subscription}/resourceGroups/{}/providers/{REGISTRY_TYPE}/{}",
            self.resource_group, self.name
        )
    }

    fn resource(&self, subscription: &str) -> Value {
        json!({
            "id": self.id(subscription), "name": self.name, "type": REGISTRY_TYPE,
            "location": "westus", "sku": {"name": "Premium", "tier": "Premium"}, "tags": {}
        })
    }

    /// With `soft_delete` on, its soft-delete policy (`acr manifest list-deleted` reads the
    /// retention days from it); without, no policy at all, as in an answer that lacks one.
    fn registry(&self, subscription: &str, soft_delete: bool) -> Value {
        let mut value = self.resource(subscription);
        value["properties"] = json!({
            "loginServer": self.login_server, "adminUserEnabled": self.admin_user_enabled, "provisioningState": "Succeeded",
            "creationDate": "2019-03-01T00:00:00.0000000Z", "publicNetworkAccess": "Enabled",
            "dataEndpointEnabled": false, "anonymousPullEnabled": false
        });
        if soft_delete {
            value["properties"]["policies"] = json!({
                "softDeletePolicy": {
                    "retentionDays": SOFT_DELETE_RETENTION_DAYS,
                    "lastUpdatedTime": "2019-05-01T00:00:00.0000000Z", "status": "enabled"
                }
            });
        }
        value
    }
}

/// MSAL's tenant discovery document, with this host's endpoints.
pub fn openid_configuration(host: &str, tenant: &str) -> Response {
    let base = format!("https://{host}/{tenant}");
    json_response(
        StatusCode::OK,
        json!({
            "issuer": format!("{base}/v2.0"),
            "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
            "token_endpoint": format!("{base}/oauth2/v2.0/token"),
            "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
            "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
            "jwks_uri": format!("https://{host}/{tenant}/discovery/v2.0/keys"),
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": "NA"
        }),
    )
}

/// The ARM routes; `None` when the path is not one of them. `soft_delete`: the registries
/// have the soft-delete policy on.
pub fn route(
    registries: &[ArmRegistry],
    soft_delete: bool,
    method: &str,
    segments: &[&str],
    params: &[(String, String)],
    auth: &str,
) -> Option<Response> {
    let ["subscriptions", subscription, rest @ ..] = segments else { return None };
    if auth != format!("Bearer {}", seed::ARM_TOKEN) {
        return Some(arm_error(
            StatusCode::UNAUTHORIZED,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing or invalid.",
        ));
    }
    if *subscription != seed::SUBSCRIPTION_ID {
        return Some(arm_error(
            StatusCode::NOT_FOUND,
            "SubscriptionNotFound",
            &format!("The subscription '{subscription}' could not be found."),
        ));
    }
    let value = |items: Vec<Value>| json_response(StatusCode::OK, json!({"value": items}));
    let find = |group: &str, name: &str| {
        // ARM matches names and groups without regard to case.
        registries
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name) && r.resource_group.eq_ignore_ascii_case(group))
    };
    let not_found = |group: &str, name: &str| {
        arm_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!(
                "The Resource '{REGISTRY_TYPE}/{name}' under resource group '{group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
            ),
        )
    };
    Some(match (method, rest) {
        (
            "POST",
            [
                "resourceGroups",
                group,
                "providers",
                "Microsoft.ContainerRegistry",
                "registries",
                name,
                "listCredentials",
            ],
        ) => {
            match find(group, name) {
                Some(r) if r.admin_user_enabled => json_response(StatusCode::OK, admin_credentials()),
                // Not observed (az does not ask when the document says disabled).
                Some(_) => arm_error(
                    StatusCode::BAD_REQUEST,
                    "AdminUserDisabled",
                    "The admin user is disabled for this registry.",
                ),
                None => not_found(group, name),
            }
        }
        ("POST", _) => return None,
        (_, ["resources"]) => {
            let filter = params.iter().find(|(k, _)| k == "$filter").map(|(_, v)| v.as_str()).unwrap_or("");
            let wanted = filter.is_empty() || filter.contains(REGISTRY_TYPE);
            let items =
                if wanted { registries.iter().map(|r| r.resource(subscription)).collect() } else { vec![] };
            value(items)
        }
        (_, ["providers", "Microsoft.ContainerRegistry", "registries"]) => {
            value(registries.iter().map(|r| r.registry(subscription, soft_delete)).collect())
        }
        (_, ["resourceGroups", group, "providers", "Microsoft.ContainerRegistry", "registries", name]) => {
            match find(group, name) {
                Some(r) => json_response(StatusCode::OK, r.registry(subscription, soft_delete)),
                None => not_found(group, name),
            }
        }
        _ => arm_error(StatusCode::NOT_FOUND, "InvalidResourceType", "The resource type could not be found."),
    })
}

/// `listCredentials`' answer, as ACR shapes it: the admin user (the seed's) and its two
/// passwords, each of which the data plane takes as Basic credentials.
fn admin_credentials() -> Value {
    json!({
        "username": seed::ADMIN_USER,
        "passwords": [
            {"name": "password", "value": seed::ADMIN_PASSWORD},
            {"name": "password2", "value": seed::ADMIN_PASSWORD2}
        ]
    })
}

fn arm_error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(status, json!({"error": {"code": code, "message": message}}))
}

fn json_response(status: StatusCode, body: Value) -> Response {
    use axum::response::IntoResponse;
    (status, [("content-type", "application/json; charset=utf-8")], body.to_string()).into_response()
}
