//! The account (`--subscription`, else the default) and the registry's login server from
//! Resource Manager, as az finds them, against the emulator's Entra ID and ARM, reached
//! through an `az cloud register`-style cloud (`az_config::write_emulator_cloud`).

use azacr_emulator::arm::ArmRegistry;
use azacr_emulator::{Emulator, LoggedRequest, az_config, default_seed, seed};

use crate::support::{ConfigDir, Outcome, azacr_bin, command, run};

fn show_tags(
    emulator: &Emulator,
    config: &ConfigDir,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Outcome, Vec<LoggedRequest>) {
    emulator.clear_requests();
    let mut cmd = command(&azacr_bin(), emulator, config, None);
    cmd.args(["acr", "repository", "show-tags", "-n", "myregistry", "--repository", "acr-helloworld"])
        .args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    (run(cmd), emulator.requests())
}

fn arm_requests(log: &[LoggedRequest]) -> Vec<String> {
    log.iter().filter(|r| r.target.starts_with("/subscriptions/")).map(|r| r.target.clone()).collect()
}

/// A user signed in with two subscriptions; ARM knows the first (the default).
fn two_subscriptions(emulator: &Emulator) -> ConfigDir {
    let config = ConfigDir::empty();
    az_config::write_user_with_refresh_token(config.path(), &emulator.authority()).unwrap();
    let path = config.path().join("azureProfile.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut profile: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap();
    let mut other = profile["subscriptions"][0].clone();
    other["id"] = "aaaaaaaa-1111-2222-3333-444444444444".into();
    other["name"] = "Other subscription".into();
    other["isDefault"] = false.into();
    // One in another cloud: never chosen while the emulator's cloud is the current one.
    let mut elsewhere = profile["subscriptions"][0].clone();
    elsewhere["id"] = "bbbbbbbb-1111-2222-3333-444444444444".into();
    elsewhere["name"] = "Elsewhere".into();
    elsewhere["environmentName"] = "AzureCloud".into();
    profile["subscriptions"].as_array_mut().unwrap().extend([other, elsewhere]);
    std::fs::write(&path, format!("\u{feff}{profile}")).unwrap();
    config
}

#[test]
fn the_default_account_looks_the_registry_up_once() {
    let emulator = Emulator::start(default_seed());
    let config = two_subscriptions(&emulator);
    let (out, log) = show_tags(&emulator, &config, &[], &[]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    let arm = arm_requests(&log);
    assert_eq!(arm.len(), 2, "{arm:?}");
    assert!(arm.iter().all(|t| t.starts_with(&format!("/subscriptions/{}/", seed::SUBSCRIPTION_ID))));
    assert!(
        arm[0].contains("$filter=resourceType%20eq%20%27Microsoft.ContainerRegistry%2Fregistries%27"),
        "{}",
        arm[0]
    );
    // The answer is kept: the next call asks ARM nothing.
    let (again, log) = show_tags(&emulator, &config, &[], &[]);
    assert_eq!((again.code, &again.stdout), (0, &out.stdout));
    assert!(arm_requests(&log).is_empty());
    // Without the cache, every call asks, as az does.
    let (off, log) = show_tags(&emulator, &config, &[], &[("AZACR_TOKEN_CACHE", "off")]);
    assert_eq!(off.code, 0);
    assert_eq!(arm_requests(&log).len(), 2);
}

#[test]
fn subscription_picks_the_account_by_name_or_id() {
    let emulator = Emulator::start(default_seed());
    let config = two_subscriptions(&emulator);
    // By name, any case: ARM is asked in that subscription, which it does not have (as az
    // 2.91.0 prints it, recorded against the emulator; exit 3).
    let (out, log) = show_tags(&emulator, &config, &["--subscription", "other SUBSCRIPTION"], &[]);
    let message = "The subscription 'aaaaaaaa-1111-2222-3333-444444444444' could not be found.";
    assert_eq!(
        out.stderr,
        format!("ERROR: (SubscriptionNotFound) {message}\nCode: SubscriptionNotFound\nMessage: {message}\n")
    );
    assert_eq!(out.code, 3);
    assert!(
        arm_requests(&log)[0].starts_with("/subscriptions/aaaaaaaa-1111-2222-3333-444444444444/resources")
    );
    assert!(!log.iter().any(|r| r.target == "/v2/"), "nothing sent to the registry");
    // By id: the default's, explicitly.
    let (out, log) = show_tags(&emulator, &config, &["--subscription", seed::SUBSCRIPTION_ID], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(arm_requests(&log).iter().all(|t| t.contains(seed::SUBSCRIPTION_ID)));
}

#[test]
fn an_unknown_subscription_is_az_s_error_before_any_request() {
    let emulator = Emulator::start(default_seed());
    let config = two_subscriptions(&emulator);
    // A subscription of another cloud is unknown in this one.
    for wanted in ["nosuch", "Elsewhere"] {
        let (out, log) = show_tags(&emulator, &config, &["--subscription", wanted], &[]);
        assert_eq!(
            out.stderr,
            format!(
                "WARNING: Subscription '{wanted}' not recognized.\nERROR: Subscription '{wanted}' not found. Check the spelling and casing and try again.\n"
            )
        );
        assert_eq!((out.code, out.stdout.as_str()), (1, ""));
        assert!(log.is_empty(), "{log:?}");
    }
}

#[test]
fn a_login_server_other_than_name_dot_suffix_comes_from_arm() {
    // The registry answers as `myregistry-abc123.azurecr.io` only (a domain-name-label hash).
    let mut registry = default_seed();
    registry.login_server = "myregistry-abc123.azurecr.io".into();
    let emulator = Emulator::start(registry);
    let config = ConfigDir::empty();
    az_config::write_user_with_refresh_token(config.path(), &emulator.authority()).unwrap();
    let (out, log) = show_tags(&emulator, &config, &["--suffix", "tenant"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "[\n  \"latest\",\n  \"v1\",\n  \"v2\",\n  \"v3\"\n]\n");
    // az's warning when ARM gave the login server and --suffix was given too.
    assert_eq!(
        out.stderr,
        "WARNING: Obtained registry login server 'myregistry-abc123.azurecr.io' from service. The specified suffix 'tenant' is ignored.\n"
    );
    assert!(log.iter().any(|r| r.body.contains("service=myregistry-abc123.azurecr.io")));
}

#[test]
fn a_registry_arm_does_not_have_falls_back_with_az_s_message() {
    let emulator = Emulator::start(default_seed());
    emulator.set_arm_registries(vec![ArmRegistry::new("otherreg", "rg2", "otherreg.azurecr.io")]);
    let config = ConfigDir::empty();
    az_config::write_user_with_refresh_token(config.path(), &emulator.authority()).unwrap();
    // Reachable: `<name>.<suffix>` is used and nothing is said (as az does).
    let (out, _) = show_tags(&emulator, &config, &[], &[]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    // Unreachable: az's warning names the subscription (recorded from az 2.91.0).
    let (out, _) = show_tags(&emulator, &config, &[], &[("AZACR_CONNECT_TO", "127.0.0.1:1")]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with(&format!(
            "WARNING: The resource with name 'myregistry' and type 'Microsoft.ContainerRegistry/registries' could not be found in subscription 'Test subscription ({})'.\nUsing 'myregistry.azurecr.io' as the default registry login server.\nERROR: Could not connect to the registry login server 'myregistry.azurecr.io'.",
            seed::SUBSCRIPTION_ID
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn the_cached_login_server_is_kept_private_and_per_subscription() {
    let emulator = Emulator::start(default_seed());
    let config = two_subscriptions(&emulator);
    assert_eq!(show_tags(&emulator, &config, &[], &[]).0.code, 0);
    let file = config.path().join("azacr-tokens/tokens.json");
    let text = std::fs::read_to_string(&file).unwrap();
    // Stored under a keyed hash: neither the subscription nor the name is in the file.
    assert!(text.contains("myregistry.azurecr.io") && !text.contains(seed::SUBSCRIPTION_ID), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // Another subscription has its own entry: ARM is asked again.
    let (_, log) = show_tags(&emulator, &config, &["--subscription", "Other subscription"], &[]);
    assert!(!arm_requests(&log).is_empty());
}

/// `acr manifest list-deleted` reads the soft-delete policy from Resource Manager on every run
/// (as az does, after the listing), even when the login server comes from the token cache,
/// with one ARM token per run for both lookups.
#[test]
fn list_deleted_reads_the_retention_days_from_arm_each_run_with_one_arm_token() {
    let emulator = Emulator::start(default_seed());
    emulator.enable_soft_delete();
    let config = ConfigDir::empty();
    az_config::write_user_with_refresh_token(config.path(), &emulator.authority()).unwrap();
    let list_deleted = || {
        emulator.clear_requests();
        let mut cmd = command(&azacr_bin(), &emulator, &config, None);
        cmd.args(["acr", "manifest", "list-deleted", "-r", "myregistry", "-n", "acr-helloworld"]);
        cmd.args(["--query", "[].[deletedAt, expiresAfter]", "-o", "tsv"]);
        (run(cmd), emulator.requests())
    };
    let arm_tokens = |log: &[LoggedRequest]| {
        log.iter()
            .filter(|r| {
                r.target.ends_with("/oauth2/v2.0/token") && r.body.contains("management.core.windows.net")
            })
            .count()
    };
    let (first, log) = list_deleted();
    assert_eq!(first.code, 0, "{}", first.stderr);
    let days = azacr_emulator::arm::SOFT_DELETE_RETENTION_DAYS;
    assert_eq!(days, 7);
    assert!(
        first.stdout.starts_with("2019-05-20T08:00:00.0000000Z\t2019-05-27T08:00:00.0000000Z\n"),
        "{}",
        first.stdout
    );
    assert_eq!(first.stdout.lines().count(), 4);
    // The login server's lookup, then (after the listing) the registry's document again.
    let arm = arm_requests(&log);
    assert_eq!(arm.len(), 4, "{arm:?}");
    let listing = log.iter().position(|r| r.target.starts_with("/acr/v1/_deleted/")).unwrap();
    let last_arm = log.iter().rposition(|r| r.target.starts_with("/subscriptions/")).unwrap();
    assert!(listing < last_arm);
    assert_eq!(arm_tokens(&log), 1);
    // The login server is cached; the policy is not.
    let (second, log) = list_deleted();
    assert_eq!((second.code, &second.stdout), (0, &first.stdout));
    assert_eq!(arm_requests(&log).len(), 2);
}
