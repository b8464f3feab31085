//! az's configuration: `$AZURE_CONFIG_DIR/config`, local `.azure/config` files, `AZURE_*`
//! variables, and the signed-in account az left in its profile and token cache.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::env::{self, Env};
use crate::registry::AadToken;
use crate::registry::entra::{self, EntraSource};

/// The resource az asks Entra for when it talks to a registry.
const ACR_AAD_SCOPE: &str = "https://containerregistry.azure.net/.default";
pub const AZ_LOGIN_MESSAGE: &str = "Please run 'az login' to setup account.";

pub struct Config {
    env: Env,
    dir: PathBuf,
    /// Local `.azure/config` files, most specific first (knack reads them only for `[defaults]`).
    local: Vec<Ini>,
    /// `$AZURE_CONFIG_DIR/config`.
    global: Option<Ini>,
    /// `--subscription`, as typed: which account of the profile is used.
    subscription: Option<String>,
}

/// The account (a subscription of az's profile) a command runs as.
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    pub subscription_id: String,
    pub subscription_name: String,
    pub tenant: String,
    /// `user`, `servicePrincipal`.
    pub user_type: String,
    pub user_name: String,
}

impl Config {
    pub fn load(env: &Env) -> Config {
        let raw = env.var_os(env::AZURE_CONFIG_DIR).filter(|d| !d.is_empty());
        let dir = raw.map(PathBuf::from).unwrap_or_else(|| home(env).join(".azure"));
        let local = match env.cwd() {
            Some(cwd) => local_files(cwd, raw.map(Path::new).unwrap_or(&dir))
                .iter()
                .filter_map(|path| Ini::read(path))
                .collect(),
            None => Vec::new(),
        };
        let global = Ini::read(&dir.join("config"));
        Config { env: env.clone(), dir, local, global, subscription: None }
    }

    /// The same, for the account `--subscription` names (by id or name).
    pub fn with_subscription(mut self, subscription: Option<String>) -> Config {
        self.subscription = subscription;
        self
    }

    /// The account az would use: the profile's subscriptions in the current cloud, the one
    /// `--subscription` names (id or name, any case), else the default (`isDefault`).
    /// `Ok(None)`: no subscription in this cloud (az: "Please run 'az login'…"); `Err`: az's
    /// message for a subscription that is not there.
    pub fn account(&self) -> Result<Option<Account>, String> {
        let profile = read_json(&self.dir.join("azureProfile.json"));
        let cloud = crate::cloud::Cloud::current(self).name;
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let subscriptions: Vec<&Value> = profile
            .as_ref()
            .and_then(|p| p.get("subscriptions"))
            .and_then(Value::as_array)
            .map(|subs| subs.iter().filter(|s| text(s, "environmentName") == cloud).collect())
            .unwrap_or_default();
        if subscriptions.is_empty() {
            return Ok(None);
        }
        let wanted = self.subscription.as_deref().filter(|s| !s.is_empty());
        let chosen: Vec<&&Value> = subscriptions
            .iter()
            .filter(|s| match wanted {
                Some(w) => {
                    [text(s, "id"), text(s, "name")].iter().any(|v| v.to_lowercase() == w.to_lowercase())
                }
                None => s.get("isDefault") == Some(&Value::Bool(true)),
            })
            .collect();
        let subscription = match (chosen.as_slice(), wanted) {
            ([one], _) => *one,
            ([], Some(w)) => {
                return Err(format!(
                    "Subscription '{w}' not found. Check the spelling and casing and try again."
                ));
            }
            ([], None) => {
                return Err("No subscription found. Run 'az account set' to select a subscription.".into());
            }
            (_, w) => {
                return Err(format!(
                    "Multiple subscriptions with the name '{}' found. Specify the subscription ID.",
                    w.unwrap_or("")
                ));
            }
        };
        let user = subscription.get("user").cloned().unwrap_or(Value::Null);
        Ok(Some(Account {
            subscription_id: text(subscription, "id"),
            subscription_name: text(subscription, "name"),
            tenant: text(subscription, "tenantId"),
            user_type: text(&user, "type"),
            user_name: text(&user, "name"),
        }))
    }

    /// How to get an Entra token for Resource Manager as `account`: az's MSAL cache, else the
    /// account's credential, for the cloud's ARM scope.
    pub fn arm_source(&self, account: &Account) -> EntraSource {
        let scope = crate::cloud::Cloud::current(self).arm_scope();
        self.entra_source_for(&account.tenant, &account.user_type, &account.user_name, scope)
    }

    /// `AZURE_<SECTION>_<OPTION>` first (even when empty), then the global config file: az
    /// (knack) reads local config files for `[defaults]` only (see `default_registry`).
    pub fn get(&self, section: &str, option: &str) -> Option<String> {
        if let Some(v) = self.env.var(&env::config_override(section, option)) {
            return Some(v);
        }
        self.global.as_ref().and_then(|f| f.get(section, option))
    }

    pub fn get_bool(&self, section: &str, option: &str) -> bool {
        matches!(
            self.get(section, option).map(|v| v.to_lowercase()).as_deref(),
            Some("1" | "yes" | "true" | "on")
        )
    }

    /// The default registry (`az configure --defaults acr=…`); empty means none.
    /// As knack resolves an argument's configured default: the variable, then the local
    /// files from the working directory upwards, then the global file; the first that has
    /// the option decides, even with an empty value.
    pub fn default_registry(&self) -> Option<String> {
        let value = match self.env.var(env::AZURE_DEFAULTS_ACR) {
            Some(v) => Some(v),
            None => self.local.iter().chain(&self.global).find_map(|f| f.get("defaults", "acr")),
        };
        value.filter(|v| !v.is_empty())
    }

    /// Whether `--subscription` names a subscription az knows in the current cloud (by name or
    /// id, any case).
    pub fn knows_subscription(&self, wanted: &str) -> bool {
        let Some(profile) = read_json(&self.dir.join("azureProfile.json")) else { return false };
        let wanted = wanted.to_lowercase();
        let cloud = crate::cloud::Cloud::current(self).name;
        profile.get("subscriptions").and_then(Value::as_array).is_some_and(|subs| {
            subs.iter().filter(|s| s.get("environmentName").and_then(Value::as_str) == Some(&cloud)).any(
                |s| {
                    ["id", "name"].iter().any(|k| {
                        s.get(*k).and_then(Value::as_str).is_some_and(|v| v.to_lowercase() == wanted)
                    })
                },
            )
        })
    }

    /// az's configuration directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The account `az login` left as the default, with the Entra token for registries from
    /// az's MSAL cache (or why there is none), or az's message for why there is no account.
    /// When the files do not give a token, the real az is asked (see `registry::az_cli`).
    pub fn aad_token(&self) -> Result<AadToken, String> {
        let profile = read_json(&self.dir.join("azureProfile.json"));
        // The account `account()` picks (`--subscription`, else the default), in this cloud.
        let chosen = self.account().ok().flatten();
        let subscription = profile.as_ref().and_then(|p| {
            p.get("subscriptions").and_then(Value::as_array).and_then(|subs| {
                subs.iter().find(|s| {
                    chosen
                        .as_ref()
                        .is_some_and(|a| s.get("id").and_then(Value::as_str) == Some(&a.subscription_id))
                })
            })
        });
        let Some(tenant) = subscription.and_then(|s| s.get("tenantId")).and_then(Value::as_str) else {
            // No sign-in in az's files: the environment's credential (a CI without az), else
            // only the real az knows (or says why not).
            let scope = self.aad_scope();
            if let Some(found) =
                crate::registry::env_credential::from_environment(&self.env, &self.authority(), &scope)
            {
                crate::log::debug(format_args!("no az sign-in; from the environment: {:?}", found.source));
                let tenant = found.tenant.unwrap_or_default();
                return Ok(AadToken { source: found.source, tenant, identity: found.identity });
            }
            let (token, tenant) = match self.ask_real_az(AZ_LOGIN_MESSAGE) {
                Ok(found) => found,
                Err(message) => {
                    // No az at all: an Azure VM's managed identity, else az's message.
                    let guess = crate::registry::env_credential::azure_vm_guess(&self.env, &scope, &message);
                    let Some(found) = guess else { return Err(message) };
                    crate::log::debug(format_args!("no az; on an Azure VM: {:?}", found.source));
                    return Ok(AadToken {
                        source: found.source,
                        tenant: String::new(),
                        identity: found.identity,
                    });
                }
            };
            let mut identity = vec!["az account get-access-token".to_string(), tenant.clone()];
            identity.extend(crate::registry::az_cli::token_subject(&token));
            identity.push(self.aad_scope());
            return Ok(AadToken { source: EntraSource::Cached(token), tenant, identity });
        };
        let subscription = subscription.expect("has a tenant");
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
        let user = subscription.get("user");
        // A managed identity's id (`MSIClient-<id>`…): user-assigned ones share a user name.
        let assigned = text(user.and_then(|u| u.get("assignedIdentityInfo")));
        let mut identity = vec![
            tenant.to_string(),
            text(user.and_then(|u| u.get("type"))),
            text(user.and_then(|u| u.get("name"))).to_lowercase(),
            text(subscription.get("environmentName")),
            self.aad_scope(),
        ];
        if !assigned.is_empty() {
            identity.push(assigned.clone());
        }
        let kind = text(user.and_then(|u| u.get("type")));
        let name = text(user.and_then(|u| u.get("name")));
        let mut source = match name.as_str() {
            "systemAssignedIdentity" | "userAssignedIdentity" => self.managed_identity(&assigned),
            _ => self.entra_source(tenant, &kind, &name),
        };
        if let EntraSource::Unavailable(message) = &source {
            match self.ask_real_az(message) {
                Ok((token, _)) => source = EntraSource::Cached(token),
                Err(message) => source = EntraSource::Unavailable(message),
            }
        }
        crate::log::debug(format_args!("signed in as a {kind}; Entra token: {source:?}"));
        Ok(AadToken { source, tenant: tenant.to_string(), identity })
    }

    fn ask_real_az(&self, fallback: &str) -> Result<(String, String), String> {
        let scope = self.aad_scope();
        let resource = scope.strip_suffix("/.default").unwrap_or(&scope);
        crate::registry::az_cli::access_token(&self.env, resource, fallback)
    }

    /// The scope az asks Entra for: `acr.audience_resource` (verbatim when it is a URL, else
    /// `https://<value>.azure.net`), else the container registry's.
    fn aad_scope(&self) -> String {
        match self.get("acr", "audience_resource").filter(|v| !v.is_empty()) {
            Some(v) if v.starts_with("https://") => format!("{}/.default", v.trim_end_matches('/')),
            Some(v) => format!("https://{v}.azure.net/.default"),
            None => ACR_AAD_SCOPE.to_string(),
        }
    }

    /// The cloud's Entra authority (`endpoint_active_directory`): the current cloud's (`[cloud]
    /// name`, default AzureCloud) from `clouds.config` (`az cloud register`), else the built-in
    /// clouds'.
    pub fn authority(&self) -> String {
        crate::cloud::Cloud::current(self).active_directory
    }

    /// A managed identity's token request (az keeps no MSAL cache for these), from az's
    /// `assignedIdentityInfo`; unavailable where az's MSAL would use a source azacr leaves to
    /// the real az.
    fn managed_identity(&self, assigned: &str) -> EntraSource {
        use crate::registry::managed_identity::{AssignedIdentity, ManagedIdentity};
        // az writes `MSI` for a system-assigned identity; older profiles may lack it.
        let Some(which) = AssignedIdentity::from_az_info(if assigned.is_empty() { "MSI" } else { assigned })
        else {
            return EntraSource::Unavailable(AZ_LOGIN_MESSAGE.into());
        };
        let scope = self.aad_scope();
        let resource = scope.strip_suffix("/.default").unwrap_or(&scope);
        match ManagedIdentity::for_environment(&self.env, &which, resource) {
            Ok(request) => EntraSource::ManagedIdentity(request),
            Err(source) => {
                crate::log::debug(format_args!("managed identity on {source}: left to the real az"));
                EntraSource::Unavailable(AZ_LOGIN_MESSAGE.into())
            }
        }
    }

    /// How to get the account's Entra token: from az's MSAL cache, or with the account's
    /// stored credential (a user's refresh token; a service principal's secret or assertion).
    fn entra_source(&self, tenant: &str, kind: &str, name: &str) -> EntraSource {
        self.entra_source_for(tenant, kind, name, self.aad_scope())
    }

    /// The same for any scope (the registry's, or Resource Manager's).
    fn entra_source_for(&self, tenant: &str, kind: &str, name: &str, scope: String) -> EntraSource {
        let cache = read_json(&self.dir.join("msal_token_cache.json"));
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let entries = |section: &str| -> Vec<Value> {
            cache
                .as_ref()
                .and_then(|c| c.get(section))
                .and_then(Value::as_object)
                .map(|m| m.values().cloned().collect())
                .unwrap_or_default()
        };
        let field = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        // A user's MSAL account (by username), when the cache lists it.
        let home_account = entries("Account")
            .into_iter()
            .find(|a| kind == "user" && field(a, "username").eq_ignore_ascii_case(name))
            .map(|a| field(&a, "home_account_id"));
        let cached = entries("AccessToken").into_iter().find(|t| {
            let expires = field(t, "expires_on").parse::<u64>().ok();
            let whose = match (kind, &home_account) {
                ("servicePrincipal", _) => field(t, "client_id") == name,
                (_, Some(home)) => &field(t, "home_account_id") == home,
                _ => true,
            };
            field(t, "target").split(' ').any(|s| s == scope)
                && field(t, "realm") == tenant
                && expires.is_some_and(|e| e > now + 60)
                && whose
        });
        if let Some(token) = cached {
            return EntraSource::Cached(field(&token, "secret"));
        }
        let authority = self.authority();
        let missing = || {
            EntraSource::Unavailable(
                "No unexpired Azure CLI token for https://containerregistry.azure.net was found; run 'az acr login' or any az acr command once to refresh it.".to_string(),
            )
        };
        match kind {
            "user" => {
                let Some(home) = home_account else { return missing() };
                let refresh = entries("RefreshToken").into_iter().find(|t| {
                    field(t, "home_account_id") == home
                        && (field(t, "client_id") == entra::AZ_CLIENT_ID || field(t, "family_id") == "1")
                });
                match refresh {
                    Some(t) => EntraSource::RefreshToken {
                        authority,
                        tenant: tenant.to_string(),
                        refresh_token: field(&t, "secret"),
                        scope,
                    },
                    None => missing(),
                }
            }
            "servicePrincipal" => {
                let entries = read_json(&self.dir.join("service_principal_entries.json"));
                let list = entries.as_ref().and_then(Value::as_array).cloned().unwrap_or_default();
                let mine: Vec<&Value> = list.iter().filter(|e| field(e, "client_id") == name).collect();
                let entry = mine.iter().find(|e| field(e, "tenant") == tenant).or(mine.first());
                let Some(entry) = entry else { return missing() };
                let (client_id, tenant) = (name.to_string(), tenant.to_string());
                if let Some(secret) = entry.get("client_secret").and_then(Value::as_str) {
                    EntraSource::ClientSecret { authority, tenant, client_id, secret: secret.into(), scope }
                } else if let Some(assertion) = entry.get("client_assertion").and_then(Value::as_str) {
                    EntraSource::ClientAssertion {
                        authority,
                        tenant,
                        client_id,
                        assertion: assertion.into(),
                        scope,
                    }
                } else if let Some(path) = entry.get("certificate").and_then(Value::as_str) {
                    let certificate = match crate::registry::certificate::Certificate::read(path) {
                        Ok(certificate) => std::sync::Arc::new(certificate),
                        // az opens the file outside its error handling: one it cannot open
                        // ends the command as an unexpected error.
                        Err(message) if message.starts_with("[Errno") => {
                            return EntraSource::Crashes(message);
                        }
                        Err(message) => return EntraSource::Invalid(message),
                    };
                    let send_chain =
                        entry.get("use_cert_sn_issuer").is_some_and(|v| v.as_bool() == Some(true));
                    EntraSource::Certificate { authority, tenant, client_id, certificate, send_chain, scope }
                } else {
                    missing()
                }
            }
            _ => missing(),
        }
    }
}

/// The local config files knack looks for: `<dir>/<name>/config` for the working directory
/// and each parent, `<name>` being the config directory's last component (`.azure`), where
/// `<dir>/<name>` is a directory. The walk stops at the config directory itself (so nothing
/// above its parent is read). Paths compare as Python's `os.path.normpath` leaves them.
fn local_files(cwd: &Path, config_dir: &Path) -> Vec<PathBuf> {
    // Python's basename: "" when the path ends in a slash (then every `<dir>/config` counts).
    let raw = config_dir.as_os_str().to_string_lossy();
    let name =
        if raw.ends_with('/') { String::new() } else { raw.rsplit('/').next().unwrap_or("").to_string() };
    let stop = normpath(&raw);
    let mut files = Vec::new();
    for ancestor in cwd.ancestors() {
        let candidate = if name.is_empty() { ancestor.to_path_buf() } else { ancestor.join(&name) };
        if normpath(&candidate.to_string_lossy()) == stop {
            break;
        }
        if candidate.is_dir() {
            files.push(candidate.join("config"));
        }
    }
    files
}

/// Python's `os.path.normpath` on a POSIX path (lexical: `.`, `..` and repeated slashes).
fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn home(env: &Env) -> PathBuf {
    env.var_os(env::HOME).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."))
}

/// az writes its JSON files with a byte-order mark.
fn read_json(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()
}

/// A minimal reader for Python configparser files.
pub(crate) struct Ini {
    entries: Vec<(String, String, String)>,
    sections: Vec<String>,
}

impl Ini {
    pub(crate) fn read(path: &Path) -> Option<Ini> {
        let text = std::fs::read_to_string(path).ok()?;
        let mut section = String::new();
        let mut entries = Vec::new();
        let mut sections = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.trim().to_string();
                sections.push(section.clone());
            } else if let Some((k, v)) = line.split_once(['=', ':']) {
                entries.push((section.clone(), k.trim().to_lowercase(), v.trim().to_string()));
            }
        }
        Some(Ini { entries, sections })
    }

    pub(crate) fn has_section(&self, section: &str) -> bool {
        self.sections.iter().any(|s| s == section)
    }

    pub(crate) fn get(&self, section: &str, option: &str) -> Option<String> {
        self.entries.iter().rev().find(|(s, k, _)| s == section && k == option).map(|(_, _, v)| v.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_files_stop_at_the_config_directory() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        for dir in ["home/.azure", "home/work/.azure", "home/work/src/deep", ".azure"] {
            std::fs::create_dir_all(r.join(dir)).unwrap();
        }
        let found = local_files(&r.join("home/work/src/deep"), &r.join("home/.azure"));
        // home/work/.azure counts; the walk stops at home (home/.azure is the config
        // directory), so root/.azure is never read.
        assert_eq!(found, vec![r.join("home/work/.azure/config")]);
    }

    #[test]
    fn local_files_use_the_config_directory_name() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("cfg/myaz")).unwrap();
        std::fs::create_dir_all(r.join("p/myaz")).unwrap();
        std::fs::create_dir_all(r.join("p/.azure")).unwrap();
        assert_eq!(local_files(&r.join("p"), &r.join("cfg/myaz")), vec![r.join("p/myaz/config")]);
        // A trailing slash: Python's basename is "", so every directory's own `config` counts.
        let with_slash = PathBuf::from(format!("{}/", r.join("cfg/myaz").display()));
        assert_eq!(local_files(&r.join("p"), &with_slash)[0], r.join("p").join("config"));
    }

    #[test]
    fn normpath_is_pythons() {
        assert_eq!(normpath("/a//b/./c/../d/"), "/a/b/d");
        assert_eq!(normpath("a/../.."), "..");
        assert_eq!(normpath("/.."), "/");
        assert_eq!(normpath(""), ".");
    }
}
