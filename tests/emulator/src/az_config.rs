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
