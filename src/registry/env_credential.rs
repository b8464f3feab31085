//! Sign-in without az (minimal CI images): the variables the Azure SDKs' environment,
//! workload-identity and managed-identity credentials read, used only when az's files hold no
//! sign-in (az's own sign-in comes first, as in az):
//! - `AZURE_TENANT_ID` + `AZURE_CLIENT_ID` + `AZURE_CLIENT_SECRET`: a client secret;
//! - … + `AZURE_CLIENT_CERTIFICATE_PATH` (a PEM file, as az's `--certificate`; the chain is
//!   sent when `AZURE_CLIENT_SEND_CERTIFICATE_CHAIN` is `1`/`true`): a certificate;
//! - … + `AZURE_FEDERATED_TOKEN_FILE` (AKS workload identity, a CI's OIDC token written to a
//!   file): a federated assertion, read from the file each run (it is rotated);
//! - else a managed identity where the environment names one: App Service's
//!   `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`, or `AZURE_POD_IDENTITY_AUTHORITY_HOST`;
//!   user-assigned when `AZURE_CLIENT_ID` is set.
//!
//! Last of all (`azure_vm_guess`), when there is no az at all (`AZACR_AZ_PATH` unset and no
//! `az` on PATH): on an Azure VM (its DMI asset tag says so; no request is made to find out)
//! its managed identity, through IMDS; if that fails, az's "Please run 'az login'" stands.
//!
//! Entra's authority: `AZURE_AUTHORITY_HOST` (the SDKs' variable), else az's current cloud's.
//! These are the same OAuth requests az's MSAL sends (see `registry::entra`).

use std::path::Path;

use super::entra::EntraSource;
use super::managed_identity::{AssignedIdentity, ManagedIdentity};
use crate::env::{self, Env};

/// Azure's asset tag in a VM's DMI data (what cloud-init and the Azure agents check).
const AZURE_ASSET_TAG: &str = "7783-7084-3265-9085";

/// A credential from the environment: its source, its tenant (`None` for a managed identity:
/// the token's `tid` tells), and what names it for the token cache.
pub struct EnvironmentCredential {
    pub source: EntraSource,
    pub tenant: Option<String>,
    pub identity: Vec<String>,
}

/// The environment's credential for `scope`, if it names one; `cloud_authority`: az's current
/// cloud's Entra authority.
pub fn from_environment(env: &Env, cloud_authority: &str, scope: &str) -> Option<EnvironmentCredential> {
    let set = |name: &str| env::first_set(env, &[name]);
    let authority = set(env::AZURE_AUTHORITY_HOST).unwrap_or_else(|| cloud_authority.to_string());
    let (tenant, client_id) = (set(env::AZURE_TENANT_ID), set(env::AZURE_CLIENT_ID));
    if let (Some(tenant), Some(client_id)) = (&tenant, &client_id) {
        let (tenant, client_id, scope) = (tenant.clone(), client_id.clone(), scope.to_string());
        let named = |kind: &str| {
            vec![
                "environment".into(),
                kind.into(),
                tenant.clone(),
                client_id.clone(),
                authority.clone(),
                scope.clone(),
            ]
        };
        let found = if let Some(secret) = set(env::AZURE_CLIENT_SECRET) {
            let identity = named("secret");
            Some((
                EntraSource::ClientSecret { authority, tenant: tenant.clone(), client_id, secret, scope },
                identity,
            ))
        } else if let Some(path) = set(env::AZURE_CLIENT_CERTIFICATE_PATH) {
            let send_chain = set(env::AZURE_CLIENT_SEND_CERTIFICATE_CHAIN)
                .is_some_and(|v| matches!(v.to_lowercase().as_str(), "1" | "true"));
            let identity = named("certificate");
            let source = match super::certificate::Certificate::read(&path) {
                Ok(certificate) => EntraSource::Certificate {
                    authority,
                    tenant: tenant.clone(),
                    client_id,
                    certificate: std::sync::Arc::new(certificate),
                    send_chain,
                    scope,
                },
                Err(message) => EntraSource::Invalid(message),
            };
            Some((source, identity))
        } else if let Some(path) = set(env::AZURE_FEDERATED_TOKEN_FILE) {
            let identity = named("federated");
            let source = match std::fs::read_to_string(&path) {
                Ok(assertion) => EntraSource::ClientAssertion {
                    authority,
                    tenant: tenant.clone(),
                    client_id,
                    assertion: assertion.trim().to_string(),
                    scope,
                },
                Err(e) => EntraSource::Unavailable(format!(
                    "The federated token file '{path}' ({}) could not be read: {e}",
                    env::AZURE_FEDERATED_TOKEN_FILE
                )),
            };
            Some((source, identity))
        } else {
            None
        };
        if let Some((source, identity)) = found {
            return Some(EnvironmentCredential { source, tenant: Some(tenant), identity });
        }
    }
    let names_managed_identity = (env.var_os(env::IDENTITY_ENDPOINT).is_some()
        && env.var_os(env::IDENTITY_HEADER).is_some())
        || env.var_os(env::AZURE_POD_IDENTITY_AUTHORITY_HOST).is_some();
    if !names_managed_identity {
        return None;
    }
    managed_identity(env, scope, None)
}

/// On an Azure VM without az: its managed identity, failing with `fallback_message` (az's).
pub fn azure_vm_guess(env: &Env, scope: &str, fallback_message: &str) -> Option<EnvironmentCredential> {
    azure_vm_guess_on(env, scope, fallback_message, Path::new("/sys/class/dmi/id/chassis_asset_tag"))
}

fn azure_vm_guess_on(
    env: &Env,
    scope: &str,
    fallback_message: &str,
    asset_tag: &Path,
) -> Option<EnvironmentCredential> {
    let no_az = env.var_os(env::AZACR_AZ_PATH).is_none() && crate::az::find_real_az(env).is_err();
    let on_azure = || std::fs::read_to_string(asset_tag).is_ok_and(|t| t.trim() == AZURE_ASSET_TAG);
    if !(no_az && on_azure()) {
        return None;
    }
    managed_identity(env, scope, Some(fallback_message))
}

fn managed_identity(env: &Env, scope: &str, fallback_message: Option<&str>) -> Option<EnvironmentCredential> {
    let which = env::first_set(env, &[env::AZURE_CLIENT_ID])
        .map(AssignedIdentity::ClientId)
        .unwrap_or(AssignedIdentity::System);
    let resource = scope.strip_suffix("/.default").unwrap_or(scope);
    let mut request = ManagedIdentity::for_environment(env, &which, resource).ok()?;
    if let Some(message) = fallback_message {
        request = request.failing_with(message);
    }
    let identity = vec![
        "environment".into(),
        "managed identity".into(),
        format!("{which:?}"),
        format!("{request:?}"),
        scope.into(),
    ];
    Some(EnvironmentCredential { source: EntraSource::ManagedIdentity(request), tenant: None, identity })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCOPE: &str = "https://containerregistry.azure.net/.default";
    const CLOUD: &str = "https://login.microsoftonline.com";

    fn kind(c: &Option<EnvironmentCredential>) -> String {
        c.as_ref().map(|c| format!("{:?}", c.source)).unwrap_or_else(|| "none".into())
    }

    #[test]
    fn each_kind_needs_its_variables() {
        let base = [(env::AZURE_TENANT_ID, "t"), (env::AZURE_CLIENT_ID, "c")];
        let with = |extra: &[(&str, &str)]| {
            let vars: Vec<(&str, &str)> = base.iter().chain(extra).copied().collect();
            from_environment(&Env::of(vars), CLOUD, SCOPE)
        };
        assert_eq!(kind(&with(&[(env::AZURE_CLIENT_SECRET, "s")])), "ClientSecret(…)");
        // The test key pair (tests/emulator/testdata), in a file of this test's own.
        let pem = std::env::temp_dir().join(format!("azacr-env-credential-{}.pem", std::process::id()));
        let key_and_cert = concat!(
            include_str!("../../tests/emulator/testdata/sp-key.pem"),
            include_str!("../../tests/emulator/testdata/sp-cert.pem")
        );
        std::fs::write(&pem, key_and_cert).unwrap();
        let certificate = with(&[(env::AZURE_CLIENT_CERTIFICATE_PATH, pem.to_str().unwrap())]);
        std::fs::remove_file(&pem).unwrap();
        assert_eq!(kind(&certificate), "Certificate(…)");
        // A file that cannot be used is az's error before any request.
        let gone = with(&[(env::AZURE_CLIENT_CERTIFICATE_PATH, "/nonexistent/c.pem")]);
        assert_eq!(kind(&gone), "Invalid(\"[Errno 2] No such file or directory: '/nonexistent/c.pem'\")");
        let missing = with(&[(env::AZURE_FEDERATED_TOKEN_FILE, "/nonexistent/token")]);
        assert!(kind(&missing).starts_with("Unavailable(\"The federated token file '/nonexistent/token'"));
        // Tenant and client id alone name nothing (not even a managed identity).
        assert_eq!(kind(&with(&[])), "none");
        assert_eq!(
            kind(&from_environment(&Env::of([(env::AZURE_CLIENT_SECRET, "s")]), CLOUD, SCOPE)),
            "none"
        );
        let pod = with(&[(env::AZURE_POD_IDENTITY_AUTHORITY_HOST, "http://10.0.0.1")]);
        assert_eq!(kind(&pod), "ManagedIdentity(http://10.0.0.1/metadata/identity/oauth2/token)");
    }

    #[test]
    fn the_vm_guess_needs_azure_and_no_az() {
        let dir = tempfile::tempdir().unwrap();
        let tag = dir.path().join("chassis_asset_tag");
        // No az: PATH is empty and AZACR_AZ_PATH unset.
        let no_az = Env::of([(env::PATH, "")]);
        assert!(azure_vm_guess_on(&no_az, SCOPE, "m", &tag).is_none());
        std::fs::write(&tag, "7783-7084-3265-9085\n").unwrap();
        let vm = azure_vm_guess_on(&no_az, SCOPE, "m", &tag).unwrap();
        assert_eq!(
            format!("{:?}", vm.source),
            "ManagedIdentity(http://169.254.169.254/metadata/identity/oauth2/token)"
        );
        assert_eq!(vm.tenant, None);
        let user = Env::of([(env::PATH, ""), (env::AZURE_CLIENT_ID, "c")]);
        assert_ne!(azure_vm_guess_on(&user, SCOPE, "m", &tag).unwrap().identity, vm.identity);
        // AZACR_AZ_PATH set (even empty, as in azacr's tests): no guess, no request off the machine.
        let off = Env::of([(env::PATH, ""), (env::AZACR_AZ_PATH, "")]);
        assert!(azure_vm_guess_on(&off, SCOPE, "m", &tag).is_none());
    }
}
