//! Registry tokens kept across invocations, so that a script's second call needs no challenge
//! and no token request.
//!
//! Kept in `$AZURE_CONFIG_DIR/azacr-tokens/` (a 0700 directory; `tokens.json`, `key` and
//! `lock`, each 0600):
//! - per login server, the challenge's `WWW-Authenticate` header (its realm and service);
//! - per login server and identity, the ACR refresh token (AAD) and an access token per scope;
//! - per Resource Manager, subscription and registry name, the login server ARM gave (see
//!   `registry::arm`), kept for `LOGIN_SERVER_LIFE`, under a keyed hash of what names it,
//!   with the registry's resource group and whether its admin user is enabled (what the
//!   admin-user fallback needs; never the admin user's credentials).
//!
//! An identity is an HMAC-SHA256, under a random key of the cache's own (`key`), of what the
//! credentials are: the username and password for `-u/-p` (the password itself is never
//! stored), the signed-in account for AAD. A different password or account never finds the
//! other's tokens, and the file says neither who signed in nor with what.
//!
//! A token is used while more than `MARGIN` of its life (its JWT `exp`) is left; one without
//! an `exp` is never stored. Writers take `lock` (an exclusive file lock), read the file
//! again, change it and replace it atomically (a new file renamed over the old one), so
//! concurrent runs (`xargs -P 8`) lose nothing and readers never see half a file. A file that
//! cannot be parsed is ignored and rewritten; on Unix, a directory or file that is not the
//! user's own or that others can read is ignored (the directory: the cache is off).
//!
//! `AZACR_TOKEN_CACHE=off` turns it off. `--debug` says hit, miss, store and forget, never a
//! token.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::env::{self, Env};

pub const DIR: &str = "azacr-tokens";
const FILE: &str = "tokens.json";
const KEY: &str = "key";
const LOCK: &str = "lock";
const VERSION: u32 = 1;
const KEY_LEN: usize = 32;
/// A cached token is used only while more than this much of its life is left (seconds).
pub const MARGIN: u64 = 300;
/// How long a registry's login server from ARM is used without asking again (seconds). It
/// changes only when the registry is deleted and made again; a cached one that stops
/// answering is forgotten (see `commands::connect`).
pub const LOGIN_SERVER_LIFE: u64 = 24 * 3600;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Token {
    value: String,
    exp: u64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Entry {
    #[serde(default)]
    refresh: Option<Token>,
    #[serde(default)]
    access: BTreeMap<String, Token>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Contents {
    version: u32,
    /// Login server → its challenge header.
    #[serde(default)]
    challenges: BTreeMap<String, String>,
    /// `login server` + ` ` + identity → tokens.
    #[serde(default)]
    entries: BTreeMap<String, Entry>,
    /// Keyed hash of (Resource Manager, subscription, registry name) → its login server.
    #[serde(default)]
    login_servers: BTreeMap<String, Token>,
}

/// The cache, read once per run; every change is written through at once.
pub struct TokenCache {
    dir: PathBuf,
    key: Vec<u8>,
    contents: Contents,
}

/// Whether `AZACR_TOKEN_CACHE` turns the cache off.
pub fn disabled(env: &Env) -> bool {
    env.var(env::AZACR_TOKEN_CACHE)
        .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "off" | "0" | "false" | "no"))
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// A JWT's `exp` claim (seconds since the epoch), without checking its signature.
pub fn jwt_exp(token: &str) -> Option<u64> {
    let payload = token.split('.').nth(1)?;
    let bytes =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?;
    exp.as_u64().or_else(|| exp.as_f64().filter(|f| *f > 0.0).map(|f| f as u64))
}

impl TokenCache {
    /// Opens (creating them when missing) the cache directory and key under `config_dir`;
    /// `None` when the cache is off or cannot be used safely.
    pub fn open(config_dir: &Path, env: &Env) -> Option<TokenCache> {
        if disabled(env) {
            crate::log::debug(format_args!("token cache: off ({}=off)", env::AZACR_TOKEN_CACHE));
            return None;
        }
        let dir = config_dir.join(DIR);
        if let Err(e) = make_private_dir(&dir) {
            crate::log::debug(format_args!("token cache: not used ({}: {e})", dir.display()));
            return None;
        }
        if !private_dir(&dir) {
            crate::log::debug(format_args!(
                "token cache: not used ({} is not the user's own, or others can open it)",
                dir.display()
            ));
            return None;
        }
        let key = match read_private(&dir.join(KEY)).filter(|k| k.len() == KEY_LEN) {
            Some(key) => key,
            None => match with_lock(&dir, || {
                // Another run may have made it meanwhile.
                if let Some(key) = read_private(&dir.join(KEY)).filter(|k| k.len() == KEY_LEN) {
                    return Ok(key);
                }
                let mut key = vec![0u8; KEY_LEN];
                getrandom::fill(&mut key).map_err(|e| std::io::Error::other(e.to_string()))?;
                replace(&dir, KEY, &key)?;
                Ok(key)
            }) {
                Ok(key) => key,
                Err(e) => {
                    crate::log::debug(format_args!("token cache: not used (key: {e})"));
                    return None;
                }
            },
        };
        let contents = read_contents(&dir);
        Some(TokenCache { dir, key, contents })
    }

    /// The identity of a username and password: a keyed hash, never the password.
    pub fn password_identity(&self, username: &str, password: &str) -> String {
        format!("password:{}", self.hash(&[username, password]))
    }

    /// The identity of a signed-in account, from the parts that name it.
    pub fn account_identity(&self, parts: &[&str]) -> String {
        format!("aad:{}", self.hash(parts))
    }

    fn hash(&self, parts: &[&str]) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("HMAC takes any key");
        for part in parts {
            // Length-prefixed, so that no two different lists hash alike.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The key of a registry's login server: the cloud's Resource Manager, the subscription
    /// and the registry's name (any case).
    pub fn registry_key(&self, resource_manager: &str, subscription: &str, name: &str) -> String {
        let (sub, name) = (subscription.to_ascii_lowercase(), name.to_ascii_lowercase());
        self.hash(&["login-server", resource_manager, &sub, &name])
    }

    /// The login server ARM gave for the registry `key` names, while it is fresh.
    pub fn login_server(&self, key: &str) -> Option<String> {
        let found = self.contents.login_servers.get(key).filter(|t| t.exp > now()).map(|t| t.value.clone());
        let verdict = if found.is_some() { "hit" } else { "miss" };
        crate::log::debug(format_args!("token cache: {verdict}: login server from Resource Manager"));
        found
    }

    pub fn put_login_server(&mut self, key: &str, login_server: &str) {
        let (key, value) = (key.to_string(), login_server.to_string());
        let exp = now() + LOGIN_SERVER_LIFE;
        self.write("login server", move |c| {
            c.login_servers.insert(key.clone(), Token { value: value.clone(), exp });
        });
    }

    pub fn forget_login_server(&mut self, key: &str) {
        let key = key.to_string();
        self.write("forget login server", move |c| {
            c.login_servers.remove(&key);
        });
    }

    /// The login server's cached challenge header.
    pub fn challenge(&self, login_server: &str) -> Option<String> {
        self.contents.challenges.get(login_server).cloned()
    }

    /// An access token for `scope` with more than `MARGIN` left.
    pub fn access(&self, login_server: &str, identity: &str, scope: &str) -> Option<String> {
        let entry = self.contents.entries.get(&entry_key(login_server, identity));
        let found = entry.and_then(|e| e.access.get(scope)).filter(|t| fresh(t)).map(|t| t.value.clone());
        let verdict = if found.is_some() { "hit" } else { "miss" };
        crate::log::debug(format_args!("token cache: {verdict}: access token for {login_server} {scope}"));
        found
    }

    /// An ACR refresh token with more than `MARGIN` left.
    pub fn refresh(&self, login_server: &str, identity: &str) -> Option<String> {
        let entry = self.contents.entries.get(&entry_key(login_server, identity));
        let found = entry.and_then(|e| e.refresh.as_ref()).filter(|t| fresh(t)).map(|t| t.value.clone());
        let verdict = if found.is_some() { "hit" } else { "miss" };
        crate::log::debug(format_args!("token cache: {verdict}: refresh token for {login_server}"));
        found
    }

    pub fn put_challenge(&mut self, login_server: &str, header: &str) {
        if self.contents.challenges.get(login_server).map(String::as_str) == Some(header) {
            return;
        }
        let (ls, header) = (login_server.to_string(), header.to_string());
        self.write("challenge", move |c| {
            c.challenges.insert(ls.clone(), header.clone());
        });
    }

    pub fn put_access(&mut self, login_server: &str, identity: &str, scope: &str, token: &str) {
        let Some(exp) = jwt_exp(token) else {
            crate::log::debug(format_args!("token cache: not stored (the access token has no exp)"));
            return;
        };
        let (key, scope, token) = (entry_key(login_server, identity), scope.to_string(), token.to_string());
        self.write("access token", move |c| {
            let entry = c.entries.entry(key.clone()).or_default();
            entry.access.insert(scope.clone(), Token { value: token.clone(), exp });
        });
    }

    pub fn put_refresh(&mut self, login_server: &str, identity: &str, token: &str) {
        let Some(exp) = jwt_exp(token) else {
            crate::log::debug(format_args!("token cache: not stored (the refresh token has no exp)"));
            return;
        };
        let (key, token) = (entry_key(login_server, identity), token.to_string());
        self.write("refresh token", move |c| {
            c.entries.entry(key.clone()).or_default().refresh = Some(Token { value: token.clone(), exp });
        });
    }

    /// Drops what a rejected token came from: the scope's access token, the refresh token and
    /// the login server's challenge (the next call probes again).
    pub fn forget(&mut self, login_server: &str, identity: &str, scope: &str) {
        let (key, scope, ls) =
            (entry_key(login_server, identity), scope.to_string(), login_server.to_string());
        self.write("forget", move |c| {
            if let Some(entry) = c.entries.get_mut(&key) {
                entry.access.remove(&scope);
                entry.refresh = None;
            }
            c.challenges.remove(&ls);
        });
    }

    /// Under the lock: the file as it is now, changed by `edit`, without what has expired,
    /// written atomically. A failure leaves the cache as it was (it is only a cache).
    fn write(&mut self, what: &str, edit: impl Fn(&mut Contents)) {
        let dir = self.dir.clone();
        let result = with_lock(&dir, || {
            let mut contents = read_contents(&dir);
            edit(&mut contents);
            prune(&mut contents);
            contents.version = VERSION;
            let text = serde_json::to_vec(&contents).map_err(std::io::Error::other)?;
            replace(&dir, FILE, &text)?;
            Ok(contents)
        });
        match result {
            Ok(contents) => {
                crate::log::debug(format_args!("token cache: stored: {what}"));
                self.contents = contents;
            }
            Err(e) => crate::log::debug(format_args!("token cache: not stored: {what}: {e}")),
        }
    }
}

fn entry_key(login_server: &str, identity: &str) -> String {
    format!("{} {identity}", login_server.to_ascii_lowercase())
}

fn fresh(token: &Token) -> bool {
    token.exp > now() + MARGIN
}

fn prune(contents: &mut Contents) {
    for entry in contents.entries.values_mut() {
        entry.access.retain(|_, t| fresh(t));
        if entry.refresh.as_ref().is_some_and(|t| !fresh(t)) {
            entry.refresh = None;
        }
    }
    contents.entries.retain(|_, e| e.refresh.is_some() || !e.access.is_empty());
    let now = now();
    contents.login_servers.retain(|_, t| t.exp > now);
}

fn read_contents(dir: &Path) -> Contents {
    let Some(bytes) = read_private(&dir.join(FILE)) else { return Contents::default() };
    match serde_json::from_slice::<Contents>(&bytes) {
        Ok(c) if c.version == VERSION => c,
        _ => {
            crate::log::debug(format_args!("token cache: unreadable file ignored"));
            Contents::default()
        }
    }
}

/// A file's bytes, when it is the user's own and others cannot read it.
fn read_private(path: &Path) -> Option<Vec<u8>> {
    let mut file = File::open(path).ok()?;
    if !private_file(&file) {
        crate::log::debug(format_args!(
            "token cache: {} ignored (not the user's own, or others can read it)",
            path.display()
        ));
        return None;
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Writes `name` in `dir` as a new 0600 file renamed over the old one.
fn replace(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        fs::rename(&tmp, dir.join(name))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Runs `f` holding the cache's exclusive lock.
fn with_lock<T>(dir: &Path, f: impl FnOnce() -> std::io::Result<T>) -> std::io::Result<T> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let lock = options.open(dir.join(LOCK))?;
    lock.lock()?;
    let result = f();
    let _ = lock.unlock();
    result
}

fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    if let Some(parent) = dir.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}

#[cfg(unix)]
fn owned_and_closed(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions.
    meta.uid() == unsafe { libc::geteuid() } && meta.mode() & 0o077 == 0
}

/// The directory itself (not a link to one), the user's own, closed to others.
fn private_dir(dir: &Path) -> bool {
    let Ok(meta) = fs::symlink_metadata(dir) else { return false };
    if !meta.is_dir() {
        return false;
    }
    #[cfg(unix)]
    return owned_and_closed(&meta);
    #[cfg(not(unix))]
    true
}

fn private_file(file: &File) -> bool {
    let Ok(meta) = file.metadata() else { return false };
    if !meta.is_file() {
        return false;
    }
    #[cfg(unix)]
    return owned_and_closed(&meta);
    #[cfg(not(unix))]
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(exp: u64) -> String {
        let enc = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        format!("{}.{}.sig", enc(r#"{"alg":"none"}"#), enc(&format!(r#"{{"exp":{exp}}}"#)))
    }

    fn env() -> Env {
        Env::of(Vec::<(String, String)>::new())
    }

    #[test]
    fn exp_is_read_from_the_jwt() {
        assert_eq!(jwt_exp(&jwt(1234)), Some(1234));
        assert_eq!(jwt_exp("not-a-jwt"), None);
        assert_eq!(jwt_exp("a.!!!.c"), None);
    }

    #[test]
    fn tokens_round_trip_per_identity_and_expire() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = TokenCache::open(dir.path(), &env()).unwrap();
        let alice = cache.password_identity("alice", "pw1");
        assert_ne!(alice, cache.password_identity("alice", "pw2"));
        assert!(!alice.contains("pw1"));
        cache.put_access("r.azurecr.io", &alice, "registry:catalog:*", &jwt(now() + 3600));
        cache.put_access("r.azurecr.io", &alice, "s2", &jwt(now() + 10));
        cache.put_access("r.azurecr.io", &alice, "s3", "opaque");
        cache.put_challenge("r.azurecr.io", "Bearer realm=\"x\",service=\"y\"");
        let again = TokenCache::open(dir.path(), &env()).unwrap();
        assert_eq!(again.password_identity("alice", "pw1"), alice);
        assert!(again.access("r.azurecr.io", &alice, "registry:catalog:*").is_some());
        assert!(again.access("r.azurecr.io", &alice, "s2").is_none(), "inside the margin");
        assert!(again.access("r.azurecr.io", &alice, "s3").is_none(), "no exp, not stored");
        let bob = again.password_identity("alice", "pw2");
        assert!(again.access("r.azurecr.io", &bob, "registry:catalog:*").is_none());
        assert!(again.challenge("r.azurecr.io").is_some());
        let text = fs::read_to_string(dir.path().join(DIR).join(FILE)).unwrap();
        assert!(!text.contains("pw1") && !text.contains("alice"), "{text}");
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private_and_foreign_ones_are_ignored() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mut cache = TokenCache::open(dir.path(), &env()).unwrap();
        let id = cache.password_identity("u", "p");
        cache.put_access("r", &id, "s", &jwt(now() + 3600));
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let cdir = dir.path().join(DIR);
        assert_eq!(mode(&cdir), 0o700);
        for f in [FILE, KEY, LOCK] {
            assert_eq!(mode(&cdir.join(f)), 0o600, "{f}");
        }
        // Readable by others: ignored.
        fs::set_permissions(cdir.join(FILE), fs::Permissions::from_mode(0o644)).unwrap();
        assert!(TokenCache::open(dir.path(), &env()).unwrap().access("r", &id, "s").is_none());
        // Garbage: ignored, then rewritten.
        fs::write(cdir.join(FILE), b"{garbage").unwrap();
        fs::set_permissions(cdir.join(FILE), fs::Permissions::from_mode(0o600)).unwrap();
        let mut cache = TokenCache::open(dir.path(), &env()).unwrap();
        assert!(cache.access("r", &id, "s").is_none());
        cache.put_access("r", &id, "s", &jwt(now() + 3600));
        assert!(TokenCache::open(dir.path(), &env()).unwrap().access("r", &id, "s").is_some());
        // A directory others can open: the cache is off.
        fs::set_permissions(&cdir, fs::Permissions::from_mode(0o755)).unwrap();
        assert!(TokenCache::open(dir.path(), &env()).is_none());
    }

    #[test]
    fn a_registrys_login_server_is_kept_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = TokenCache::open(dir.path(), &env()).unwrap();
        let key = cache.registry_key("https://management.azure.com/", "SUB", "MyReg");
        assert_eq!(key, cache.registry_key("https://management.azure.com/", "sub", "myreg"));
        assert_eq!(cache.login_server(&key), None);
        cache.put_login_server(&key, "myreg-abc.azurecr.io");
        let again = TokenCache::open(dir.path(), &env()).unwrap();
        assert_eq!(again.login_server(&key).as_deref(), Some("myreg-abc.azurecr.io"));
        // A file written while a registry's admin state was kept too still reads.
        let file = dir.path().join(DIR).join(FILE);
        let mut old: serde_json::Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
        old.as_object_mut().unwrap().insert(
            "registries".into(),
            serde_json::json!({ key.clone(): {"resource_group": "group", "admin_user_enabled": true, "exp": 1} }),
        );
        fs::write(&file, old.to_string()).unwrap();
        let mut old_cache = TokenCache::open(dir.path(), &env()).unwrap();
        assert_eq!(old_cache.login_server(&key).as_deref(), Some("myreg-abc.azurecr.io"));
        old_cache.forget_login_server(&key);
        let gone = TokenCache::open(dir.path(), &env()).unwrap();
        assert_eq!(gone.login_server(&key), None);
    }

    #[test]
    fn off_switch() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::of([(env::AZACR_TOKEN_CACHE, "off")]);
        assert!(TokenCache::open(dir.path(), &env).is_none());
        assert!(!dir.path().join(DIR).exists());
    }
}
