//! az's admin-user fallback: signed in, AAD refused by the registry, a registry Resource
//! Manager has. Enabled: a warning, `listCredentials`, and Basic on the data calls; disabled:
//! az's two warnings and its error. The admin user's passwords never show.

use azacr_emulator::{Emulator, LoggedRequest, az_config, default_seed, seed};
use base64::Engine;

use crate::support::{ConfigDir, Outcome, azacr_bin, command, fault, run, show_tags_logged};

const REFUSED: &str = "WARNING: Unable to get AAD authorization tokens with message: ";
const DISABLED: &str = "WARNING: Unable to get admin user credentials with message: Admin user is disabled.\nERROR: Unable to authenticate using AAD or admin login credentials. Please specify both username and password in non-interactive mode.\n";

fn signed_in_user(emulator: &Emulator) -> ConfigDir {
    let config = ConfigDir::empty();
    az_config::write_user_with_refresh_token(config.path(), &emulator.authority()).unwrap();
    config
}

/// `METHOD path` of each request, the ARM ones shortened to their last segment.
fn wire(requests: &[LoggedRequest]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            let path = r.target.split('?').next().unwrap_or("");
            let path = if path.starts_with("/subscriptions/") {
                format!("ARM {}", path.rsplit('/').next().unwrap_or(""))
            } else if path.contains("/oauth2/v2.0/token") {
                "Entra token".to_string()
            } else {
                path.to_string()
            };
            format!("{} {path}", r.method)
        })
        .collect()
}

/// Neither password, nor the Basic header made of them, nor any token, anywhere in `out`.
fn assert_no_secret(out: &Outcome) {
    let basic = |password: &str| {
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{password}", seed::ADMIN_USER))
    };
    for secret in [
        seed::ADMIN_PASSWORD.to_string(),
        seed::ADMIN_PASSWORD2.to_string(),
        basic(seed::ADMIN_PASSWORD),
        basic(seed::ADMIN_PASSWORD2),
        seed::AAD_TOKEN.to_string(),
        seed::ARM_TOKEN.to_string(),
        seed::ENTRA_REFRESH_TOKEN.to_string(),
    ] {
        assert!(
            !out.stdout.contains(&secret) && !out.stderr.contains(&secret),
            "{secret} printed:\n{}",
            out.stderr
        );
    }
}

fn tags_of(out: &Outcome) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

#[test]
fn aad_refused_with_the_admin_user_enabled_signs_in_with_its_password_as_basic() {
    let emulator = Emulator::start(default_seed());
    emulator.set_admin_user_enabled(&["myregistry"]);
    emulator.refuse_aad_exchange(true);
    let config = signed_in_user(&emulator);
    let (out, log) = show_tags_logged(&emulator, &config, true);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(tags_of(&out), serde_json::json!(["latest", "v1", "v2", "v3"]));
    assert_eq!(
        wire(&log),
        [
            "POST Entra token",
            "GET ARM resources",
            "GET ARM myregistry",
            "GET /v2/",
            "POST Entra token",
            "POST /oauth2/exchange",
            "POST ARM listCredentials",
            "GET /acr/v1/acr-helloworld/_tags",
        ]
    );
    assert_eq!(log[5].status, 401);
    let list = &log[6];
    assert!(list.target.ends_with("/listCredentials?api-version=2026-09-01-preview"), "{}", list.target);
    assert_eq!((list.auth.as_str(), list.body.as_str(), list.status), ("bearer", "", 200));
    // az's data call: the admin user's Basic credentials, no registry token.
    assert_eq!((log[7].auth.as_str(), log[7].status), ("basic", 200));
    let warning = out.stderr.lines().find(|l| l.starts_with("WARNING")).unwrap_or_default();
    assert!(
        warning.starts_with(REFUSED)
            && warning.ends_with("An error occurred: CONNECTIVITY_REFRESH_TOKEN_ERROR"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("Access to registry 'myregistry.azurecr.io' was denied. Response code: 401.")
    );
    assert_no_secret(&out);
}

/// A script's next calls: the login server, the registry's resource group and its admin
/// user's state come from the token cache (no lookup in Resource Manager), the challenge too
/// (no probe); AAD is still tried first on every call (as az does, so a role given later is
/// used at once), then `listCredentials`: the password is never cached.
#[test]
fn the_next_call_skips_the_probe_but_looks_the_registry_up_and_asks_for_the_password_again() {
    let emulator = Emulator::start(default_seed());
    emulator.set_admin_user_enabled(&["myregistry"]);
    emulator.refuse_aad_exchange(true);
    let config = signed_in_user(&emulator);
    let (first, _) = show_tags_logged(&emulator, &config, false);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let (again, log) = show_tags_logged(&emulator, &config, true);
    assert_eq!((again.code, &again.stdout), (0, &first.stdout), "{}", again.stderr);
    assert_eq!(
        wire(&log),
        [
            "POST Entra token",
            "POST /oauth2/exchange",
            "POST Entra token",
            "GET ARM resources",
            "GET ARM myregistry",
            "POST ARM listCredentials",
            "GET /acr/v1/acr-helloworld/_tags",
        ]
    );
    assert_eq!(log[6].auth, "basic");
    assert_no_secret(&again);
    let cache = std::fs::read_to_string(config.path().join("azacr-tokens/tokens.json")).unwrap();
    assert!(!cache.contains(seed::ADMIN_PASSWORD) && !cache.contains(seed::ADMIN_PASSWORD2), "{cache}");
    // AAD works again: the admin user is no longer asked for.
    emulator.refuse_aad_exchange(false);
    let (aad, log) = show_tags_logged(&emulator, &config, false);
    assert_eq!((aad.code, aad.stderr.as_str()), (0, ""));
    assert!(!wire(&log).iter().any(|r| r.contains("listCredentials")), "{:?}", wire(&log));
}

#[test]
fn aad_refused_with_the_admin_user_disabled_ends_with_azs_warnings_and_error() {
    let emulator = Emulator::start(default_seed());
    emulator.refuse_aad_exchange(true);
    let config = signed_in_user(&emulator);
    let (out, log) = show_tags_logged(&emulator, &config, false);
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    assert!(out.stderr.starts_with(REFUSED) && out.stderr.ends_with(DISABLED), "{}", out.stderr);
    assert!(
        !wire(&log).iter().any(|r| r.contains("listCredentials") || r.contains("_tags")),
        "{:?}",
        wire(&log)
    );
}

#[test]
fn list_credentials_refused_ends_with_resource_managers_error_and_no_data_call() {
    let emulator = Emulator::start(default_seed());
    emulator.set_admin_user_enabled(&["myregistry"]);
    emulator.refuse_aad_exchange(true);
    let body =
        r#"{"error":{"code":"AuthorizationFailed","message":"The client may not list the credentials."}}"#;
    emulator
        .set_faults(vec![azacr_emulator::Fault { body: body.into(), ..fault("/listCredentials", 403, 1) }]);
    let config = signed_in_user(&emulator);
    let (out, log) = show_tags_logged(&emulator, &config, false);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.ends_with("\nERROR: (AuthorizationFailed) The client may not list the credentials.\nCode: AuthorizationFailed\nMessage: The client may not list the credentials.\n"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.matches("WARNING").count(), 1, "{}", out.stderr);
    assert_eq!(wire(&log).last().map(String::as_str), Some("POST ARM listCredentials"));
    // A 404 is az's ResourceNotFoundError: exit 3 (a first call: nothing cached to doubt).
    emulator.set_faults(vec![fault("/listCredentials", 404, 1)]);
    let (out, _) = show_tags_logged(&emulator, &signed_in_user(&emulator), false);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.ends_with("\nERROR: Operation returned an invalid status 'Not Found'\n"),
        "{}",
        out.stderr
    );
}

/// The token cache's word on the admin user never decides alone: "disabled" is checked in
/// Resource Manager before az's error, and a failed `listCredentials` after "enabled" too.
#[test]
fn a_stale_admin_user_state_in_the_cache_is_checked_again() {
    let emulator = Emulator::start(default_seed());
    let config = signed_in_user(&emulator);
    // Cached: disabled (AAD worked). Now enabled, AAD refused, the cached tokens rejected.
    assert_eq!(show_tags_logged(&emulator, &config, false).0.code, 0);
    emulator.set_admin_user_enabled(&["myregistry"]);
    emulator.refuse_aad_exchange(true);
    emulator.revoke_tokens();
    let (out, log) = show_tags_logged(&emulator, &config, false);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let calls = wire(&log);
    assert!(calls.contains(&"GET ARM myregistry".to_string()), "{calls:?}");
    assert_eq!(calls.last().map(String::as_str), Some("GET /acr/v1/acr-helloworld/_tags"));
    // Cached: enabled. Now disabled: the lookup says so before any listCredentials, and
    // az's words for a disabled admin user follow.
    emulator.set_admin_user_enabled(&[]);
    let (out, log) = show_tags_logged(&emulator, &config, false);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.starts_with(REFUSED) && out.stderr.ends_with(DISABLED), "{}", out.stderr);
    assert_eq!(out.stderr.matches(REFUSED).count(), 1, "{}", out.stderr);
    let calls = wire(&log);
    assert!(calls.contains(&"GET ARM myregistry".to_string()), "{calls:?}");
    assert!(!calls.contains(&"POST ARM listCredentials".to_string()), "{calls:?}");
}

/// At a terminal, az's next step after a disabled admin user: who to sign in as. The
/// prompted credentials' tokens are kept as `-u/-p`'s, never as the account's.
#[test]
fn at_a_terminal_a_disabled_admin_user_leads_to_azs_prompts() {
    let emulator = Emulator::start(default_seed());
    emulator.refuse_aad_exchange(true);
    let config = signed_in_user(&emulator);
    let mut cmd = command(&azacr_bin(), &emulator, &config, None);
    cmd.args([
        "acr",
        "repository",
        "show-tags",
        "-n",
        "myregistry",
        "--repository",
        "acr-helloworld",
        "-o",
        "tsv",
    ]);
    let user = format!("{}\n", seed::ADMIN_USER);
    let password = format!("{}\n", seed::ADMIN_PASSWORD);
    let out =
        crate::support::run_in_terminal_answering(cmd, &[("Username: ", &user), ("Password: ", &password)]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let shown = crate::support::redact_timestamps(&out.stdout);
    // A terminal on both streams: az's colour mode (no WARNING: prefix).
    let expected = "\x1b[93mUnable to get AAD authorization tokens with message: <TIMESTAMP> An error occurred: CONNECTIVITY_REFRESH_TOKEN_ERROR\r\nAccess to registry 'myregistry.azurecr.io' was denied. Response code: 401. Please try running 'az login' again to refresh permissions.\x1b[0m\r\n\x1b[93mUnable to get admin user credentials with message: Admin user is disabled.\x1b[0m\r\nUsername: myregistry\r\nPassword: \r\nlatest\r\nv1\r\nv2\r\nv3\r\n";
    assert_eq!(shown, expected);
    assert!(!out.stdout.contains(seed::ADMIN_PASSWORD));
    // AAD works again: the account's own sign-in, not the prompted user's cached token.
    emulator.refuse_aad_exchange(false);
    let (again, log) = show_tags_logged(&emulator, &config, false);
    assert_eq!((again.code, again.stderr.as_str()), (0, ""));
    assert!(wire(&log).contains(&"POST /oauth2/exchange".to_string()), "{:?}", wire(&log));
}

/// A login server kept from an earlier call that Resource Manager no longer gives the
/// registry (re-created with a domain-name-label hash): its admin password never goes there.
#[test]
fn the_admin_password_goes_only_to_the_login_server_resource_manager_gives_now() {
    let emulator = Emulator::start(default_seed());
    let config = signed_in_user(&emulator);
    assert_eq!(show_tags_logged(&emulator, &config, false).0.code, 0, "cached: myregistry.azurecr.io");
    emulator.set_arm_registries(vec![azacr_emulator::arm::ArmRegistry::new(
        "myregistry",
        seed::RESOURCE_GROUP,
        "myregistry-newhash.azurecr.io",
    )]);
    emulator.set_admin_user_enabled(&["myregistry"]);
    emulator.refuse_aad_exchange(true);
    emulator.revoke_tokens();
    let (out, log) = show_tags_logged(&emulator, &config, true);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("the login server 'myregistry-newhash.azurecr.io', not 'myregistry.azurecr.io'"),
        "{}",
        out.stderr
    );
    let calls = wire(&log);
    assert!(!calls.contains(&"POST ARM listCredentials".to_string()), "{calls:?}");
    assert!(log.iter().all(|r| r.auth != "basic"), "{calls:?}");
    assert_no_secret(&out);
}

/// An AAD exchange that never gets an answer stops the run: az ends in a traceback there,
/// and a network failure must not make the run go on as the admin user.
#[test]
fn an_exchange_without_an_answer_never_falls_back_to_the_admin_user() {
    let emulator = Emulator::start(default_seed());
    emulator.set_admin_user_enabled(&["myregistry"]);
    let config = signed_in_user(&emulator);
    emulator.set_faults(vec![azacr_emulator::Fault::mode(
        "/oauth2/exchange",
        azacr_emulator::FaultMode::ResetMidBody,
        100,
    )]);
    let (out, log) = show_tags_logged(&emulator, &config, false);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.starts_with("ERROR: "), "{}", out.stderr);
    assert!(out.stderr.contains("did not answer the token request"), "{}", out.stderr);
    assert!(!out.stderr.contains("WARNING"), "{}", out.stderr);
    let calls = wire(&log);
    assert!(!calls.contains(&"POST ARM listCredentials".to_string()), "{calls:?}");
    assert!(!calls.iter().any(|c| c.contains("_tags")), "{calls:?}");
}

/// Ctrl-C at az's `Username:` prompt ends the run at once (exit 1), as it ends az's.
#[test]
fn ctrl_c_at_the_username_prompt_ends_the_run() {
    let emulator = Emulator::start(default_seed());
    emulator.refuse_aad_exchange(true);
    let config = signed_in_user(&emulator);
    let mut cmd = command(&azacr_bin(), &emulator, &config, None);
    cmd.args(crate::support::SHOW_TAGS);
    let out = crate::support::run_in_terminal_answering(cmd, &[("Username: ", "\x03")]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(!out.stdout.contains("Password:"), "{}", out.stdout);
    assert!(emulator.requests().iter().all(|r| !r.target.contains("_tags")));
}

/// `-u/-p` are what az signs in with then: no AAD, so no admin user's fallback either.
#[test]
fn username_and_password_never_lead_to_the_admin_users_credentials() {
    let emulator = Emulator::start(default_seed());
    emulator.set_admin_user_enabled(&["myregistry"]);
    emulator.refuse_aad_exchange(true);
    let config = signed_in_user(&emulator);
    emulator.clear_requests();
    let mut cmd = command(&azacr_bin(), &emulator, &config, None);
    cmd.args(crate::support::SHOW_TAGS).args(crate::support::ADMIN);
    let out = run(cmd);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let calls = wire(&emulator.requests());
    assert!(!calls.iter().any(|c| c.contains("listCredentials") || c.contains("exchange")), "{calls:?}");
}
