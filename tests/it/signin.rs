//! Signing in from az's files without a usable Entra token in them: a user's refresh token,
//! a service principal's secret or federated assertion, at the cloud's authority (an
//! `az cloud register`-style cloud pointing at the emulator's Entra endpoint).

use azacr_emulator::{Emulator, LoggedRequest, az_config, default_seed, seed};

use crate::support::{ConfigDir, Outcome, azacr_bin, command, run};

fn show_tags(emulator: &Emulator, config: &ConfigDir, debug: bool) -> (Outcome, Vec<LoggedRequest>) {
    emulator.clear_requests();
    let mut cmd = command(&azacr_bin(), emulator, config, None);
    cmd.args(["acr", "repository", "show-tags", "-n", "myregistry", "--repository", "acr-helloworld"]);
    if debug {
        cmd.arg("--debug");
    }
    (run(cmd), emulator.requests())
}

fn wire(requests: &[LoggedRequest]) -> Vec<String> {
    requests.iter().map(|r| format!("{} {}", r.method, r.target.split('?').next().unwrap_or(""))).collect()
}

fn entra_path() -> String {
    format!("POST /{}/oauth2/v2.0/token", seed::AAD_TENANT)
}

fn arm_paths() -> [String; 2] {
    let sub = format!("GET /subscriptions/{}", seed::SUBSCRIPTION_ID);
    [
        format!("{sub}/resources"),
        format!(
            "{sub}/resourceGroups/{}/providers/Microsoft.ContainerRegistry/registries/myregistry",
            seed::RESOURCE_GROUP
        ),
    ]
}

/// Cold: as az does it, an Entra token for Resource Manager, the registry looked up there,
/// the probe, an Entra token for the registry, the exchange and the token; warm: the data
/// call alone (the login server and the tokens come from azacr's cache).
fn assert_signs_in_through_entra(config: ConfigDir, emulator: &Emulator, body_has: &[&str]) {
    let (out, log) = show_tags(emulator, &config, true);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let [resources, registry] = arm_paths();
    assert_eq!(
        wire(&log),
        [
            entra_path(),
            resources,
            registry,
            "GET /v2/".to_string(),
            entra_path(),
            "POST /oauth2/exchange".into(),
            "POST /oauth2/token".into(),
            "GET /acr/v1/acr-helloworld/_tags".into()
        ]
    );
    assert!(
        log[0].body.contains("scope=https%3A%2F%2Fmanagement.core.windows.net%2F%2F.default"),
        "{}",
        log[0].body
    );
    assert!(
        log[1].target.contains("api-version=2024-11-01")
            && log[2].target.contains("api-version=2026-09-01-preview")
    );
    assert!(
        log[4].body.contains("scope=https%3A%2F%2Fcontainerregistry.azure.net%2F.default"),
        "{}",
        log[4].body
    );
    for part in body_has {
        assert!(log[0].body.contains(part), "{part} not in {}", log[0].body);
        assert!(log[4].body.contains(part), "{part} not in {}", log[4].body);
    }
    for secret in [
        seed::ENTRA_REFRESH_TOKEN,
        seed::SP_SECRET,
        seed::FEDERATED_ASSERTION,
        seed::AAD_TOKEN,
        seed::ARM_TOKEN,
    ] {
        assert!(!out.stderr.contains(secret) && !out.stdout.contains(secret), "{secret}: {}", out.stderr);
    }
    // Warm: nothing but the data call.
    let (again, log) = show_tags(emulator, &config, false);
    assert_eq!((again.code, &again.stdout), (0, &out.stdout));
    assert_eq!(wire(&log), ["GET /acr/v1/acr-helloworld/_tags"]);
}

#[test]
fn a_user_is_signed_in_with_the_cached_refresh_token() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    az_config::write_user_with_refresh_token(config.path(), &emulator.authority()).unwrap();
    assert_signs_in_through_entra(
        config,
        &emulator,
        &["client_id=04b07795-8ddb-461a-bbee-02f9e1bf7b46", "grant_type=refresh_token"],
    );
}

#[test]
fn az_files_are_only_read() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    az_config::write_user_with_refresh_token(config.path(), &emulator.authority()).unwrap();
    let names = ["msal_token_cache.json", "azureProfile.json", "config", "clouds.config"];
    let before: Vec<Vec<u8>> = names.iter().map(|n| std::fs::read(config.path().join(n)).unwrap()).collect();
    assert_eq!(show_tags(&emulator, &config, false).0.code, 0);
    let after: Vec<Vec<u8>> = names.iter().map(|n| std::fs::read(config.path().join(n)).unwrap()).collect();
    assert_eq!(before, after);
}

#[test]
fn a_service_principal_is_signed_in_with_its_secret() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    az_config::write_service_principal(config.path(), &emulator.authority(), false).unwrap();
    assert_signs_in_through_entra(
        config,
        &emulator,
        &["grant_type=client_credentials", &format!("client_id={}", seed::SP_CLIENT_ID)],
    );
}

#[test]
fn a_service_principal_is_signed_in_with_its_federated_token() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    az_config::write_service_principal(config.path(), &emulator.authority(), true).unwrap();
    assert_signs_in_through_entra(
        config,
        &emulator,
        &["client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"],
    );
}

#[test]
fn an_expired_refresh_token_says_so_and_how_to_sign_in_again() {
    let emulator = Emulator::start(default_seed());
    emulator.revoke_entra_refresh_token();
    let config = ConfigDir::empty();
    az_config::write_user_with_refresh_token(config.path(), &emulator.authority()).unwrap();
    let (out, log) = show_tags(&emulator, &config, false);
    assert_eq!(out.code, 1);
    // As az 2.91.0 says it when the token for Resource Manager cannot be had (recorded), less
    // the lines after the first of Entra's description (azacr keeps the first).
    assert_eq!(
        out.stderr,
        format!(
            "ERROR: AADSTS700082: The refresh token has expired due to inactivity.\n\
             Run the command below to authenticate interactively; additional arguments may be added as needed:\n\
             az logout\n\
             az login --tenant \"{}\" --scope \"https://management.core.windows.net//.default\"\n",
            seed::AAD_TENANT
        )
    );
    assert_eq!(wire(&log), [entra_path()]);
}

/// A stand-in for the real az in `dir`: `account get-access-token` answers as az does when
/// signed in (or, `signed_in == false`, as az does when not); it logs its argv to `calls`.
fn stand_in_az(dir: &std::path::Path, signed_in: bool) {
    let answer = if signed_in {
        format!(
            "printf '{{\"accessToken\": \"{}\", \"expiresOn\": \"2099-01-01 00:00:00.000000\", \"expires_on\": 4070908800, \"subscription\": \"00000000-1111-2222-3333-444444444444\", \"tenant\": \"{}\", \"tokenType\": \"Bearer\"}}\\n'",
            seed::AAD_TOKEN,
            seed::AAD_TENANT
        )
    } else {
        "echo \"ERROR: Please run 'az login' to setup account.\" >&2; exit 1".to_string()
    };
    let script = format!("#!/bin/sh\necho \"$@\" >> '{}/calls'\n{answer}\n", dir.display());
    let path = dir.join("az");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(unix)]
#[test]
fn without_readable_files_the_real_az_is_asked_once() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    let bin = tempfile::tempdir().unwrap();
    stand_in_az(bin.path(), true);
    let mut cmd = command(&azacr_bin(), &emulator, &config, None);
    cmd.env("AZACR_AZ_PATH", bin.path().join("az"));
    cmd.args(["acr", "repository", "show-tags", "-n", "myregistry", "--repository", "acr-helloworld"]);
    let out = run(cmd);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let calls = std::fs::read_to_string(bin.path().join("calls")).unwrap();
    assert_eq!(
        calls,
        "account get-access-token --resource https://containerregistry.azure.net --output json\n"
    );
}

#[cfg(unix)]
#[test]
fn the_real_az_not_signed_in_gives_azs_messages() {
    let emulator = Emulator::start(default_seed());
    let bin = tempfile::tempdir().unwrap();
    stand_in_az(bin.path(), false);
    let args = ["acr", "repository", "show-tags", "-n", "myregistry", "--repository", "acr-helloworld"];
    let (config_a, config_b) = (ConfigDir::empty(), ConfigDir::empty());
    let mut with_az = command(&azacr_bin(), &emulator, &config_a, None);
    with_az.env("AZACR_AZ_PATH", bin.path().join("az")).args(args);
    let without = run({
        let mut c = command(&azacr_bin(), &emulator, &config_b, None);
        c.args(args);
        c
    });
    let with_az = run(with_az);
    assert_eq!(
        (with_az.code, &with_az.stdout, &with_az.stderr),
        (without.code, &without.stdout, &without.stderr)
    );
    assert_eq!(with_az.code, 1);
}

/// azacr itself as the only `az` on PATH: it is skipped, nothing loops, az's messages.
#[cfg(unix)]
#[test]
fn azacr_as_the_only_az_on_path_is_never_asked() {
    let emulator = Emulator::start(default_seed());
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(azacr_bin(), bin.path().join("az")).unwrap();
    let args = ["acr", "repository", "show-tags", "-n", "myregistry", "--repository", "acr-helloworld"];
    let (config_a, config_b) = (ConfigDir::empty(), ConfigDir::empty());
    let expected = run({
        let mut c = command(&azacr_bin(), &emulator, &config_a, None);
        c.args(args);
        c
    });
    let mut cmd = command(&azacr_bin(), &emulator, &config_b, None);
    cmd.env_remove("AZACR_AZ_PATH").env("PATH", bin.path()).args(args);
    let started = std::time::Instant::now();
    let out = run(cmd);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!((out.code, &out.stdout, &out.stderr), (expected.code, &expected.stdout, &expected.stderr));
}
