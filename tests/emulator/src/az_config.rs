//! az configuration directories for runs against the emulator.

use std::path::Path;

use crate::seed;

/// Writes what `az login` leaves behind (a default subscription and a cached Entra token for
/// registries) such that the emulator accepts the token: scripts without `-u/-p` then sign in
/// the way they do for a real user.
pub fn write_signed_in(dir: &Path) -> std::io::Result<()> {
    let profile = serde_json::json!({"subscriptions": [{
        "id": "00000000-1111-2222-3333-444444444444", "name": "Test subscription", "state": "Enabled",
        "tenantId": seed::AAD_TENANT, "isDefault": true,
        "user": {"name": "tester@example.com", "type": "user"}, "environmentName": "AzureCloud"
    }]});
    let cache = serde_json::json!({"AccessToken": {"k1": {
        "credential_type": "AccessToken", "secret": seed::AAD_TOKEN,
        "home_account_id": "uid.utid", "environment": "login.microsoftonline.com",
        "client_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "target": "https://containerregistry.azure.net/.default", "realm": seed::AAD_TENANT,
        "token_type": "Bearer", "cached_at": "1700000000", "expires_on": "4102444800"
    }}});
    // az writes its profile with a byte-order mark.
    std::fs::write(dir.join("azureProfile.json"), format!("\u{feff}{profile}"))?;
    std::fs::write(dir.join("msal_token_cache.json"), cache.to_string())
}

/// The cloud `az cloud register -n AzacrEmulator --skip-endpoint-discovery
/// --endpoint-active-directory <authority> --endpoint-resource-manager <authority>/
/// --endpoint-active-directory-resource-id https://management.core.windows.net/
/// --suffix-acr-login-server-endpoint .azurecr.io` writes, whose Entra ID and Resource
/// Manager are the emulator, made the current cloud (`az cloud set`), with MSAL's instance
/// discovery off as Azure Stack users set it (`[core] instance_discovery = false`), so that
/// the real az accepts the emulator as its authority too.
pub fn write_emulator_cloud(dir: &Path, authority: &str) -> std::io::Result<()> {
    std::fs::write(
        dir.join("config"),
        "[cloud]\nname = AzacrEmulator\n\n[core]\ninstance_discovery = false\n\n",
    )?;
    std::fs::write(
        dir.join("clouds.config"),
        format!(
            "[AzacrEmulator]\nendpoint_active_directory = {authority}\nendpoint_active_directory_resource_id = https://management.core.windows.net/\nendpoint_resource_manager = {authority}/\nsuffix_acr_login_server_endpoint = .azurecr.io\n\n"
        ),
    )
}

fn write_profile(dir: &Path, user_name: &str, user_type: &str) -> std::io::Result<()> {
    let profile = serde_json::json!({"subscriptions": [{
        "id": "00000000-1111-2222-3333-444444444444", "name": "Test subscription", "state": "Enabled",
        "tenantId": seed::AAD_TENANT, "isDefault": true,
        "user": {"name": user_name, "type": user_type}, "environmentName": "AzacrEmulator"
    }]});
    std::fs::write(dir.join("azureProfile.json"), format!("\u{feff}{profile}"))
}

/// What `az login` (a user) leaves once its Entra access token for registries has expired:
/// the account and its refresh token in the MSAL cache, nothing for the registry audience.
pub fn write_user_with_refresh_token(dir: &Path, authority: &str) -> std::io::Result<()> {
    write_emulator_cloud(dir, authority)?;
    write_profile(dir, "tester@example.com", "user")?;
    // MSAL keys its cache by the authority's host name, without the port.
    let host = authority.trim_start_matches("https://");
    let env = host.split(':').next().unwrap_or(host);
    let home = format!("uid.{}", seed::AAD_TENANT);
    let cache = serde_json::json!({
        "Account": {format!("{home}-{env}-organizations"): {
            "home_account_id": home, "environment": env, "realm": "organizations",
            "local_account_id": "uid", "username": "tester@example.com", "authority_type": "MSSTS"
        }},
        "RefreshToken": {format!("{home}-{env}-refreshtoken-{}--", seed::AZ_CLIENT_ID): {
            "credential_type": "RefreshToken", "secret": seed::ENTRA_REFRESH_TOKEN,
            "home_account_id": home, "environment": env, "client_id": seed::AZ_CLIENT_ID,
            "target": "https://management.core.windows.net//user_impersonation", "family_id": "1"
        }},
        "AccessToken": {}
    });
    std::fs::write(dir.join("msal_token_cache.json"), cache.to_string())
}

/// What `az login --service-principal` leaves: with a client secret, or (`federated`) with
/// `--federated-token`.
pub fn write_service_principal(dir: &Path, authority: &str, federated: bool) -> std::io::Result<()> {
    write_emulator_cloud(dir, authority)?;
    write_profile(dir, seed::SP_CLIENT_ID, "servicePrincipal")?;
    let mut entry = serde_json::json!({"client_id": seed::SP_CLIENT_ID, "tenant": seed::AAD_TENANT});
    if federated {
        entry["client_assertion"] = seed::FEDERATED_ASSERTION.into();
    } else {
        entry["client_secret"] = seed::SP_SECRET.into();
    }
    std::fs::write(dir.join("service_principal_entries.json"), serde_json::json!([entry]).to_string())?;
    std::fs::write(dir.join("msal_token_cache.json"), "{}")
}

/// What `az login --service-principal --certificate <file>` leaves: the entry names the PEM
/// file (private key `key_pem` and the certificate) by its absolute path, and
/// `use_cert_sn_issuer` when `--use-cert-sn-issuer` was given. Returns the file's path.
pub fn write_service_principal_with_certificate(
    dir: &Path,
    authority: &str,
    key_pem: &str,
    sn_issuer: bool,
) -> std::io::Result<std::path::PathBuf> {
    write_emulator_cloud(dir, authority)?;
    write_profile(dir, seed::SP_CLIENT_ID, "servicePrincipal")?;
    let pem = dir.join("sp-certificate.pem");
    std::fs::write(&pem, format!("{key_pem}{}", seed::SP_CERTIFICATE))?;
    let mut entry = serde_json::json!({
        "client_id": seed::SP_CLIENT_ID, "tenant": seed::AAD_TENANT, "certificate": pem.to_string_lossy()
    });
    if sn_issuer {
        entry["use_cert_sn_issuer"] = true.into();
    }
    std::fs::write(dir.join("service_principal_entries.json"), serde_json::json!([entry]).to_string())?;
    std::fs::write(dir.join("msal_token_cache.json"), "{}")?;
    Ok(pem)
}

/// What `az login --identity` leaves: an account whose user is `systemAssignedIdentity`
/// (`assigned == "MSI"`) or `userAssignedIdentity` (`MSIClient-<id>`, `MSIObject-<id>`,
/// `MSIResource-<id>`), of type servicePrincipal. az keeps no token of it in its files.
pub fn write_managed_identity(dir: &Path, authority: &str, assigned: &str) -> std::io::Result<()> {
    write_emulator_cloud(dir, authority)?;
    let name = if assigned == "MSI" { "systemAssignedIdentity" } else { "userAssignedIdentity" };
    let profile = serde_json::json!({"subscriptions": [{
        "id": "00000000-1111-2222-3333-444444444444", "name": "Test subscription", "state": "Enabled",
        "tenantId": seed::AAD_TENANT, "isDefault": true,
        "user": {"name": name, "type": "servicePrincipal", "assignedIdentityInfo": assigned},
        "environmentName": "AzacrEmulator"
    }]});
    std::fs::write(dir.join("azureProfile.json"), format!("\u{feff}{profile}"))?;
    std::fs::write(dir.join("msal_token_cache.json"), "{}")
}

/// The az sign-in state named by a golden case's `signin` (record.py has the emulator binary
/// write it for the real az; the replay writes the same files for azacr).
pub fn write_sign_in(dir: &Path, authority: &str, kind: &str) -> std::io::Result<()> {
    let certificate = |key: &str| write_service_principal_with_certificate(dir, authority, key, false);
    match kind {
        "user" => write_user_with_refresh_token(dir, authority),
        "service-principal" => write_service_principal(dir, authority, false),
        "service-principal-certificate" => certificate(seed::SP_PRIVATE_KEY).map(drop),
        // A certificate file az's entry names that is not PEM, or is gone.
        "service-principal-certificate-garbage" => {
            std::fs::write(certificate(seed::SP_PRIVATE_KEY)?, "garbage\n")
        }
        "service-principal-certificate-missing" => std::fs::remove_file(certificate(seed::SP_PRIVATE_KEY)?),
        other => Err(std::io::Error::other(format!("unknown sign-in kind {other:?}"))),
    }
}
