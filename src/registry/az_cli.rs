//! When az's sign-in cannot be read from its files (no profile, an encrypted cache as on
//! Windows and macOS, a kind of account azacr does not handle itself), the real az is asked
//! once: `az account get-access-token --resource <registry audience>`. The real az is found
//! as pass-through finds it (`az::find_real_az`: `AZACR_AZ_PATH`, else PATH without azacr
//! itself), and runs with pass-through's guard, so it can never lead back here.

use std::ffi::OsString;
use std::process::Stdio;

use serde_json::Value;

use crate::env::Env;

/// The token and its tenant; `Err`: why not (az's own message when it gave one).
pub fn access_token(env: &Env, resource: &str, fallback_message: &str) -> Result<(String, String), String> {
    let real = crate::az::find_real_az(env).map_err(|e| {
        crate::log::debug(format_args!("no real az to ask for an Entra token: {e}"));
        fallback_message.to_string()
    })?;
    crate::log::debug(format_args!(
        "asking {} account get-access-token --resource {resource}",
        real.display()
    ));
    let args: Vec<OsString> = ["account", "get-access-token", "--resource", resource, "--output", "json"]
        .map(OsString::from)
        .into();
    let output = crate::az::command(&real, &args, env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| {
            crate::log::debug(format_args!("could not run {}: {e}", real.display()));
            fallback_message.to_string()
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr
            .lines()
            .find_map(|l| l.strip_prefix("ERROR: "))
            .map(str::to_string)
            .unwrap_or_else(|| fallback_message.to_string());
        return Err(message);
    }
    let body: Value = serde_json::from_slice(&output.stdout).map_err(|_| fallback_message.to_string())?;
    let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    match (field("accessToken"), field("tenant")) {
        (Some(token), Some(tenant)) => Ok((token, tenant)),
        _ => Err(fallback_message.to_string()),
    }
}

/// Claims that name who a token is for (`oid`, `tid`, `appid`), for the token cache's
/// identity; nothing when it is not a JWT.
pub fn token_subject(token: &str) -> Vec<String> {
    use base64::Engine;
    let claims = token
        .split('.')
        .nth(1)
        .and_then(|p| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok())
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
    ["oid", "tid", "appid", "sub"]
        .iter()
        .map(|k| claims.as_ref().and_then(|c| c.get(*k)).and_then(Value::as_str).unwrap_or("").to_string())
        .collect()
}
