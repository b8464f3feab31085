//! Registry errors, worded as az words them.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// An HTTP error status, kept as the registry answered it until it is printed.
    #[error("{}", status_text(.status, .errors, .correlation))]
    Status { status: StatusText, errors: Vec<AcrError>, correlation: Option<Correlation> },
    /// az's connectivity errors (challenge and token failures).
    #[error("{timestamp} An error occurred: {title}\n{text}")]
    Connectivity { timestamp: String, title: &'static str, text: String },
    /// `gave_up`: set when azacr stopped waiting (az would have waited for ever), so the
    /// message says what was tried; az's words alone when az would have printed them.
    #[error(
        "Could not connect to the registry login server '{login_server}'. Please verify that the registry exists and the URL 'https://{login_server}/v2/' is reachable from your environment.{}\nTry running 'az acr check-health -n {name} --yes' to diagnose this issue.",
        after(.gave_up)
    )]
    Unreachable { login_server: String, name: String, gave_up: Option<Budget> },
    #[error(
        "Looks like you don't have access to registry '{login_server}'. To see configured firewall rules, run 'az acr show --query networkRuleSet --name {name}'. To see if public network access is enabled, run 'az acr show --query publicNetworkAccess'.Please refer to https://aka.ms/acr/errors#connectivity_forbidden_error for more information."
    )]
    Forbidden { login_server: String, name: String },
    /// The request could not be sent or its answer not read (azacr's words: az's are a
    /// Python exception's), and the tries it took when they ran out.
    #[error("{}{}", .0, after(.1))]
    Transport(String, Option<Budget>),
    /// A body that is not JSON (Python's json error text).
    #[error("{0}")]
    Decode(String),
    /// A key az reads is missing from a body (Python's KeyError text).
    #[error("'{0}'")]
    MissingKey(String),
    /// A `Link` header that cannot be followed (never taken as the end of a listing).
    #[error("Malformed Link header: {0}")]
    BadLink(String),
    /// AAD could not be used; az then tries admin credentials and gives up with this text.
    #[error(
        "Unable to authenticate using AAD or admin login credentials. Please specify both username and password in non-interactive mode."
    )]
    AadUnavailable(String),
    /// Neither AAD nor the admin user gave credentials, az's warnings already printed (the
    /// admin user's fallback prints them as it goes): az's final error alone.
    #[error(
        "Unable to authenticate using AAD or admin login credentials. Please specify both username and password in non-interactive mode."
    )]
    AdminUnavailable,
    /// Ctrl-C or end of input at the sign-in's prompts (exit 1, nothing printed).
    #[error("interrupted")]
    Interrupted,
    /// Resource Manager's answer when asked for the admin user's credentials (az stops with
    /// it); `not_found`: a 404, az's ResourceNotFoundError (exit 3).
    #[error("{text}")]
    ResourceManager { text: String, not_found: bool },
    /// Resource Manager gives the registry another login server than the one cached from an
    /// earlier call: no credentials go to the old one (the cache now has the new one).
    #[error(
        "Resource Manager gives registry '{name}' the login server '{now}', not '{was}' as kept from an earlier call; the admin user's credentials were not sent there. Run the command again."
    )]
    LoginServerMoved { name: String, was: String, now: String },
    /// az treats a throttled AAD exchange as fatal.
    #[error("Unable to get AAD authorization tokens with message: {0}")]
    AadThrottled(Box<RegistryError>),
    /// A `.` or `..` repository name part, tag or digest: no URL can name it (a deliberate
    /// difference from az, which sends it and so reaches another item).
    #[error(
        "'{0}' cannot be sent to the registry as a repository name part, tag or digest: in a URL path it would name a different item."
    )]
    DotSegment(String),
    /// An empty repository name part, tag or digest (a deliberate difference from az, which
    /// sends `a//b` and so may reach another item behind a proxy that merges slashes).
    #[error(
        "An empty repository name part, tag or digest cannot be sent to the registry: in a URL path it would name a different item."
    )]
    EmptySegment,
    /// An answer larger than azacr reads (a registry gone wrong, or not a registry).
    #[error("The registry's answer is larger than {} MiB; it was not read.", .0 / (1024 * 1024))]
    TooLarge(u64),
    /// Where az fails with an exception it does not catch (it prints "unexpected error" and a
    /// traceback): the exception's text.
    #[error("{0}")]
    Unexpected(String),
    /// Set-up problems that are azacr's own (bad CA bundle, bad test override).
    #[error("{0}")]
    Setup(String),
}

/// What a call took before azacr gave up on it: stated in a final error wherever the words
/// are azacr's own (never in one of az's messages that a script may match on).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub attempts: u32,
    pub elapsed: std::time::Duration,
}

impl std::fmt::Display for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tries = if self.attempts == 1 { "attempt" } else { "attempts" };
        write!(f, "after {} {tries} over {:.1} s", self.attempts, self.elapsed.as_secs_f64())
    }
}

/// ` (after N attempts over T s)`, or nothing.
fn after(budget: &Option<Budget>) -> String {
    budget.map(|b| format!(" ({b})")).unwrap_or_default()
}

/// An error status and the text az prints for it when the body names no error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatusText {
    pub code: u16,
    pub default: &'static str,
}

/// One of ACR's `errors[]`: each field as the body had it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AcrError {
    pub code: Option<Value>,
    pub message: Option<Value>,
    pub detail: Option<Value>,
}

/// The `x-ms-correlation-request-id` of a failed answer, and when it came.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    pub id: String,
    pub timestamp: String,
}

impl RegistryError {
    pub fn connectivity(title: &'static str, text: String) -> RegistryError {
        RegistryError::Connectivity { timestamp: utc_timestamp(), title, text }
    }

    /// An error status with its body's `errors[]` and the answer's correlation id.
    pub fn status(status: StatusText, body: &[u8], correlation_id: Option<&str>) -> RegistryError {
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        let errors = match parsed.as_ref().and_then(|v| v.get("errors")) {
            Some(Value::Array(list)) => list
                .iter()
                .map(|e| AcrError {
                    code: e.get("code").cloned(),
                    message: e.get("message").cloned(),
                    detail: e.get("detail").cloned(),
                })
                .collect(),
            _ => Vec::new(),
        };
        let correlation =
            correlation_id.map(|id| Correlation { id: id.to_string(), timestamp: utc_timestamp() });
        RegistryError::Status { status, errors, correlation }
    }

    /// No answer could be had (no status): worth the sign-in again that a cached token gets.
    pub fn is_transport(&self) -> bool {
        matches!(self, RegistryError::Transport(..))
    }

    /// The HTTP status, for an error status.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            RegistryError::Status { status, .. } => Some(status.code),
            _ => None,
        }
    }
}

/// az's text for a failed call: the registry's `errors[0]` when it sent a message, else the
/// default; a final period; timestamp and correlation id when the answer had one.
fn status_text(status: &StatusText, errors: &[AcrError], correlation: &Option<Correlation>) -> String {
    let first = errors.first();
    let mut message = match first.and_then(|e| e.message.as_ref()) {
        Some(m) => {
            let mut text = format!("Error: {}", python_str(m));
            if let Some(Value::String(detail)) = first.and_then(|e| e.detail.as_ref()) {
                text.push_str(" Detail: ");
                text.push_str(detail);
            }
            text
        }
        None => status.default.to_string(),
    };
    if !message.ends_with('.') {
        message.push('.');
    }
    match correlation {
        Some(c) => format!("{} {message} Correlation ID: {}.", c.timestamp, c.id),
        None => message,
    }
}

fn python_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        other => other.to_string(),
    }
}

/// Python's `str(datetime.utcnow())`: `YYYY-MM-DD HH:MM:SS[.ffffff]`.
pub fn utc_timestamp() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = now.as_secs() as i64;
    let micros = now.subsec_micros();
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = crate::calendar::civil_from_days(days);
    let time = format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60);
    if micros == 0 { time } else { format!("{time}.{micros:06}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(body: &[u8], default: &'static str, correlation: Option<&str>) -> String {
        RegistryError::status(StatusText { code: 404, default }, body, correlation).to_string()
    }

    #[test]
    fn messages_like_az() {
        let body = br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":"the detail"}]}"#;
        assert_eq!(text(body, "x", None), "Error: repository name not known to registry Detail: the detail.");
        let body = br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":{"name":"x"}}]}"#;
        assert_eq!(text(body, "x", None), "Error: repository name not known to registry.");
        assert_eq!(
            text(b"", "The requested data does not exist.", None),
            "The requested data does not exist."
        );
        assert_eq!(
            text(b"{\"errors\":[{}]}", "This operation is not supported", None),
            "This operation is not supported."
        );
        assert_eq!(text(br#"{"errors":[{"message":null}]}"#, "x", None), "Error: None.");
        let with_id = text(b"", "Could not get the requested data.", Some("corr-1"));
        assert!(with_id.ends_with(" Could not get the requested data. Correlation ID: corr-1."));
    }

    #[test]
    fn the_registry_s_errors_are_kept_as_sent() {
        let body = br#"{"errors":[{"code":"DENIED","message":"locked","detail":[1]},{"code":"X"}]}"#;
        let error = RegistryError::status(StatusText { code: 409, default: "d" }, body, Some("id-7"));
        let RegistryError::Status { status, errors, correlation } = &error else { panic!("{error:?}") };
        assert_eq!(status.code, 409);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].code, Some(Value::from("DENIED")));
        assert_eq!(errors[0].detail, Some(serde_json::json!([1])));
        assert_eq!(errors[1].message, None);
        assert_eq!(correlation.as_ref().map(|c| c.id.as_str()), Some("id-7"));
        assert_eq!(error.http_status(), Some(409));
    }
}
