//! az's configuration: `$AZURE_CONFIG_DIR/config`, local `.azure/config` files, `AZURE_*`
//! variables, and the signed-in account az left in its profile and token cache.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::env::{self, Env};
use crate::registry::AadToken;

/// The resource az asks Entra for when it talks to a registry.
const ACR_AAD_SCOPE: &str = "https://containerregistry.azure.net/.default";
pub const AZ_LOGIN_MESSAGE: &str = "Please run 'az login' to setup account.";

pub struct Config {
    env: Env,
    dir: PathBuf,
    /// Most specific first: local files from the working directory upwards, then the global one.
    files: Vec<Ini>,
}

impl Config {
    pub fn load(env: &Env) -> Config {
        let dir = env
            .var(env::AZURE_CONFIG_DIR)
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| home(env).join(".azure"));
        let mut files = Vec::new();
        let local_name = dir.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| ".azure".into());
        if let Ok(cwd) = std::env::current_dir() {
            for ancestor in cwd.ancestors() {
                let candidate = ancestor.join(&local_name).join("config");
                if candidate == dir.join("config") {
                    continue;
                }
                if let Some(ini) = Ini::read(&candidate) {
                    files.push(ini);
                }
            }
        }
        if let Some(ini) = Ini::read(&dir.join("config")) {
            files.push(ini);
        }
        Config { env: env.clone(), dir, files }
    }

    /// `AZURE_<SECTION>_<OPTION>` first (even when empty), then the files.
    pub fn get(&self, section: &str, option: &str) -> Option<String> {
        if let Some(v) = self.env.var(&env::config_override(section, option)) {
            return Some(v);
        }
        self.files.iter().find_map(|f| f.get(section, option))
    }

    pub fn get_bool(&self, section: &str, option: &str) -> bool {
        matches!(
            self.get(section, option).map(|v| v.to_lowercase()).as_deref(),
            Some("1" | "yes" | "true" | "on")
        )
    }

    /// The default registry (`az configure --defaults acr=…`); empty means none.
    pub fn default_registry(&self) -> Option<String> {
        self.get("defaults", "acr").filter(|v| !v.is_empty())
    }

    /// Whether `--subscription` names a subscription az knows (by name or id, any case).
    pub fn knows_subscription(&self, wanted: &str) -> bool {
        let Some(profile) = read_json(&self.dir.join("azureProfile.json")) else { return false };
        let wanted = wanted.to_lowercase();
        profile.get("subscriptions").and_then(Value::as_array).is_some_and(|subs| {
            subs.iter().any(|s| {
                ["id", "name"]
                    .iter()
                    .any(|k| s.get(*k).and_then(Value::as_str).is_some_and(|v| v.to_lowercase() == wanted))
            })
        })
    }

    /// The Entra token for registries that `az login` left in az's MSAL cache, or az's
    /// message for why there is none.
    pub fn aad_token(&self) -> Result<AadToken, String> {
        let profile = read_json(&self.dir.join("azureProfile.json")).ok_or(AZ_LOGIN_MESSAGE)?;
        let subscription = profile
            .get("subscriptions")
            .and_then(Value::as_array)
            .and_then(|subs| subs.iter().find(|s| s.get("isDefault") == Some(&Value::Bool(true))))
            .ok_or(AZ_LOGIN_MESSAGE)?;
        let tenant = subscription.get("tenantId").and_then(Value::as_str).ok_or(AZ_LOGIN_MESSAGE)?;
        let cache = read_json(&self.dir.join("msal_token_cache.json")).ok_or(AZ_LOGIN_MESSAGE)?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let token = cache
            .get("AccessToken")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|m| m.values())
            .find(|t| {
                let target = t.get("target").and_then(Value::as_str).unwrap_or("");
                let expires = t.get("expires_on").and_then(Value::as_str).and_then(|e| e.parse::<u64>().ok());
                target.split(' ').any(|s| s == ACR_AAD_SCOPE)
                    && t.get("realm").and_then(Value::as_str) == Some(tenant)
                    && expires.is_some_and(|e| e > now + 60)
            })
            .and_then(|t| t.get("secret").and_then(Value::as_str))
            .ok_or_else(|| {
                "No unexpired Azure CLI token for https://containerregistry.azure.net was found; run 'az acr login' or any az acr command once to refresh it.".to_string()
            })?;
        Ok(AadToken { access_token: token.to_string(), tenant: tenant.to_string() })
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
struct Ini {
    entries: Vec<(String, String, String)>,
}

impl Ini {
    fn read(path: &Path) -> Option<Ini> {
        let text = std::fs::read_to_string(path).ok()?;
        let mut section = String::new();
        let mut entries = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.trim().to_string();
            } else if let Some((k, v)) = line.split_once(['=', ':']) {
                entries.push((section.clone(), k.trim().to_lowercase(), v.trim().to_string()));
            }
        }
        Some(Ini { entries })
    }

    fn get(&self, section: &str, option: &str) -> Option<String> {
        self.entries.iter().rev().find(|(s, k, _)| s == section && k == option).map(|(_, _, v)| v.clone())
    }
}
