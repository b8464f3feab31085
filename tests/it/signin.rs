//! Signing in from az's files without a usable Entra token in them: a user's refresh token,
//! a service principal's secret or federated assertion, at the cloud's authority (an
//! `az cloud register`-style cloud pointing at the emulator's Entra endpoint).

use azacr_emulator::{Emulator, LoggedRequest, az_config, default_seed, seed};

use crate::support::{ConfigDir, Outcome, azacr_bin, command, run, show_tags_logged};

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
    let (out, log) = show_tags_logged(emulator, &config, true);
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
    let (again, log) = show_tags_logged(emulator, &config, false);
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
    assert_eq!(show_tags_logged(&emulator, &config, false).0.code, 0);
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

/// The client assertion in a logged Entra request, decoded: (header, claims).
fn assertion_in(body: &str) -> (serde_json::Value, serde_json::Value) {
    use base64::Engine;
    let form: Vec<(String, String)> = url_form(body);
    let jwt = &form.iter().find(|(k, _)| k == "client_assertion").expect("an assertion").1;
    let part = |i: usize| -> serde_json::Value {
        let bytes =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(jwt.split('.').nth(i).unwrap()).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    };
    (part(0), part(1))
}

fn url_form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| {
            let v = v.replace('+', " ");
            let decoded = percent_encoding::percent_decode_str(&v).decode_utf8_lossy().into_owned();
            (k.to_string(), decoded)
        })
        .collect()
}

#[test]
fn a_service_principal_is_signed_in_with_its_certificate() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    az_config::write_service_principal_with_certificate(
        config.path(),
        &emulator.authority(),
        seed::SP_PRIVATE_KEY,
        false,
    )
    .unwrap();
    emulator.clear_requests();
    let (out, log) = show_tags_logged(&emulator, &config, true);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The first request is Entra's, for Resource Manager's token (the login server lookup).
    let (header, claims) = assertion_in(&log[0].body);
    assert_eq!(header["alg"], "RS256");
    assert!(header.get("x5c").is_none());
    assert_eq!(claims["aud"], format!("{}/{}/oauth2/v2.0/token", emulator.authority(), seed::AAD_TENANT));
    assert_eq!(claims["iss"], seed::SP_CLIENT_ID);
    // Neither the assertion nor any line of the private key is printed, even with --debug.
    let jwt = &url_form(&log[0].body).into_iter().find(|(k, _)| k == "client_assertion").unwrap().1;
    for secret in
        std::iter::once(jwt.as_str()).chain(seed::SP_PRIVATE_KEY.lines().filter(|l| !l.starts_with("-----")))
    {
        assert!(!out.stderr.contains(secret) && !out.stdout.contains(secret), "{secret}");
    }
    let config = ConfigDir::empty();
    az_config::write_service_principal_with_certificate(
        config.path(),
        &emulator.authority(),
        seed::SP_PRIVATE_KEY,
        false,
    )
    .unwrap();
    assert_signs_in_through_entra(
        config,
        &emulator,
        &[
            "grant_type=client_credentials",
            "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer",
        ],
    );
}

#[test]
fn a_certificate_with_a_pkcs1_key_and_the_chain_signs_in_too() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    az_config::write_service_principal_with_certificate(
        config.path(),
        &emulator.authority(),
        seed::SP_PRIVATE_KEY_PKCS1,
        true,
    )
    .unwrap();
    let (out, log) = show_tags_logged(&emulator, &config, false);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (header, _) = assertion_in(&log[0].body);
    let pem_body: String = seed::SP_CERTIFICATE.lines().filter(|l| !l.starts_with("-----")).collect();
    assert_eq!(header["x5c"], serde_json::json!([pem_body]));
}

#[test]
fn an_assertion_signed_with_another_key_is_refused_by_entra() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    az_config::write_service_principal_with_certificate(
        config.path(),
        &emulator.authority(),
        seed::OTHER_PRIVATE_KEY,
        false,
    )
    .unwrap();
    let (out, log) = show_tags_logged(&emulator, &config, false);
    assert_eq!(out.code, 1);
    // Entra's refusal of Resource Manager's token ends the command (the login server lookup).
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].status, 401);
    assert!(
        out.stderr.starts_with(
            "ERROR: AADSTS7000274: Signature verification failed for the client assertion.\nRun the command below to authenticate interactively"
        ),
        "{}",
        out.stderr
    );
}

/// az opens the certificate file outside its error handling: a missing one ends the command
/// as an unexpected error (az 2.91.0: "[Errno 2] No such file or directory: '<path>'" after
/// its traceback header), before any Entra request.
#[test]
fn a_missing_certificate_file_fails_as_azs_unexpected_error() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    let pem = az_config::write_service_principal_with_certificate(
        config.path(),
        &emulator.authority(),
        seed::SP_PRIVATE_KEY,
        false,
    )
    .unwrap();
    std::fs::remove_file(&pem).unwrap();
    let (out, log) = show_tags_logged(&emulator, &config, false);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with(&format!(
            "ERROR: The command failed with an unexpected error. Here is the traceback:\nERROR: [Errno 2] No such file or directory: '{}'\n",
            pem.display()
        )),
        "{}",
        out.stderr
    );
    assert!(!log.iter().any(|r| r.target.contains("/oauth2/")));
    // A file that is there but no PEM: az's CLIError (az 2.91.0's words), a warning, then its
    // other messages.
    std::fs::write(&pem, "garbage\n").unwrap();
    // (az 2.91.0, golden signin-sp-cert-garbage-show-tags: this line alone, no request.)
    let (out, log) = show_tags_logged(&emulator, &config, false);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "ERROR: Invalid certificate, please use a valid PEM file. Error detail: [('PEM routines', '', 'no start line')]\n"
    );
    assert!(log.is_empty());
}

/// az opens the certificate on every call, even when its tokens are cached: a file gone (or
/// spoilt) after a warm run fails as in az, though azacr's token cache could still serve.
#[test]
fn a_certificate_gone_after_a_warm_run_fails_as_az_does() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    let pem = az_config::write_service_principal_with_certificate(
        config.path(),
        &emulator.authority(),
        seed::SP_PRIVATE_KEY,
        false,
    )
    .unwrap();
    let (out, _) = show_tags_logged(&emulator, &config, false);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (out, log) = show_tags_logged(&emulator, &config, false);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!log.iter().any(|r| r.target.contains("/oauth2/")), "warm: {:?}", wire(&log));
    std::fs::write(&pem, "garbage\n").unwrap();
    let (out, log) = show_tags_logged(&emulator, &config, false);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "ERROR: Invalid certificate, please use a valid PEM file. Error detail: [('PEM routines', '', 'no start line')]\n"
    );
    assert!(log.is_empty(), "{:?}", wire(&log));
    std::fs::remove_file(&pem).unwrap();
    let (out, log) = show_tags_logged(&emulator, &config, false);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with(&format!(
            "ERROR: The command failed with an unexpected error. Here is the traceback:\nERROR: [Errno 2] No such file or directory: '{}'\n",
            pem.display()
        )),
        "{}",
        out.stderr
    );
    assert!(log.is_empty(), "{:?}", wire(&log));
}

#[test]
fn an_expired_refresh_token_says_so_and_how_to_sign_in_again() {
    let emulator = Emulator::start(default_seed());
    emulator.revoke_entra_refresh_token();
    let config = ConfigDir::empty();
    az_config::write_user_with_refresh_token(config.path(), &emulator.authority()).unwrap();
    let (out, log) = show_tags_logged(&emulator, &config, false);
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
    cmd.args(crate::support::SHOW_TAGS);
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

/// Signs in as the managed identity `assigned` (az's `assignedIdentityInfo`) with `env` set;
/// the requests, the managed-identity one first.
fn managed_identity_run(
    assigned: &str,
    env: &[(&str, String)],
    debug: bool,
) -> (Outcome, Vec<LoggedRequest>) {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    az_config::write_managed_identity(config.path(), &emulator.authority(), assigned).unwrap();
    let mut cmd = command(&azacr_bin(), &emulator, &config, None);
    cmd.args(crate::support::SHOW_TAGS);
    if debug {
        cmd.arg("--debug");
    }
    let env: Vec<(&str, String)> =
        env.iter().map(|(k, v)| (*k, v.replace("{authority}", &emulator.authority()))).collect();
    for (k, v) in &env {
        cmd.env(k, v);
    }
    (run(cmd), emulator.requests())
}

fn imds_host() -> Vec<(&'static str, String)> {
    vec![("AZURE_POD_IDENTITY_AUTHORITY_HOST", "{authority}".into())]
}

#[test]
fn a_system_assigned_identity_signs_in_through_imds() {
    let (out, log) = managed_identity_run("MSI", &imds_host(), true);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        wire(&log),
        [
            "GET /v2/",
            "GET /metadata/identity/oauth2/token",
            "POST /oauth2/exchange",
            "POST /oauth2/token",
            "GET /acr/v1/acr-helloworld/_tags"
        ]
    );
    // Byte for byte what az 2.91.0 sent the emulator for the same account and variables.
    assert_eq!(
        log[1].target,
        "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fcontainerregistry.azure.net"
    );
    assert!(log[2].body.contains(&format!("tenant={}", seed::AAD_TENANT)), "{}", log[2].body);
    assert!(!out.stderr.contains(seed::MI_TOKEN) && !out.stdout.contains(seed::MI_TOKEN));
}

#[test]
fn a_user_assigned_identity_is_named_as_az_stored_it() {
    for (assigned, query) in [
        (format!("MSIClient-{}", seed::MI_USER_CLIENT_ID), format!("client_id={}", seed::MI_USER_CLIENT_ID)),
        (format!("MSIObject-{}", seed::MI_USER_OBJECT_ID), format!("object_id={}", seed::MI_USER_OBJECT_ID)),
        (
            format!("MSIResource-{}", seed::MI_USER_RESOURCE_ID),
            format!("msi_res_id={}", seed::MI_USER_RESOURCE_ID.replace('/', "%2F")),
        ),
    ] {
        let (out, log) = managed_identity_run(&assigned, &imds_host(), false);
        assert_eq!(out.code, 0, "{assigned}: {}", out.stderr);
        assert!(log[1].target.ends_with(&format!("&{query}")), "{}", log[1].target);
    }
}

#[test]
fn an_unknown_managed_identity_gives_imds_words() {
    let (out, log) =
        managed_identity_run("MSIClient-00000000-dead-beef-0000-000000000000", &imds_host(), false);
    assert_eq!((out.code, log[1].status), (1, 400));
    assert!(
        out.stderr.starts_with(
            "WARNING: Unable to get AAD authorization tokens with message: Identity not found\n"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn app_service_identity_endpoint_and_header_are_used() {
    let env = [
        ("IDENTITY_ENDPOINT", "{authority}/msi/token".to_string()),
        ("IDENTITY_HEADER", seed::APP_SERVICE_IDENTITY_HEADER.to_string()),
    ];
    let (out, log) = managed_identity_run(&format!("MSIResource-{}", seed::MI_USER_RESOURCE_ID), &env, true);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Byte for byte what az 2.91.0 sent the emulator for the same account and variables.
    assert_eq!(
        log[1].target,
        format!(
            "/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fcontainerregistry.azure.net&mi_res_id={}",
            seed::MI_USER_RESOURCE_ID.replace('/', "%2F")
        )
    );
    for secret in [seed::APP_SERVICE_IDENTITY_HEADER, seed::MI_TOKEN] {
        assert!(!out.stderr.contains(secret) && !out.stdout.contains(secret), "{secret}");
    }
    // A wrong header: App Service's words, as MSAL puts them.
    let env =
        [("IDENTITY_ENDPOINT", "{authority}/msi/token".to_string()), ("IDENTITY_HEADER", "wrong".into())];
    let (out, _) = managed_identity_run("MSI", &env, false);
    assert!(
        out.stderr.starts_with(
            "WARNING: Unable to get AAD authorization tokens with message: 401, The X-IDENTITY-HEADER is missing or wrong.\n"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn a_managed_identity_token_is_cached_across_calls() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    az_config::write_managed_identity(config.path(), &emulator.authority(), "MSI").unwrap();
    let run_once = || {
        emulator.clear_requests();
        let mut cmd = command(&azacr_bin(), &emulator, &config, None);
        cmd.args(crate::support::SHOW_TAGS);
        cmd.env("AZURE_POD_IDENTITY_AUTHORITY_HOST", emulator.authority());
        (run(cmd), emulator.requests())
    };
    let (cold, _) = run_once();
    assert_eq!(cold.code, 0, "{}", cold.stderr);
    let (warm, log) = run_once();
    assert_eq!((warm.code, &warm.stdout), (0, &cold.stdout));
    assert_eq!(wire(&log), ["GET /acr/v1/acr-helloworld/_tags"]);
}

/// show-tags with az's files holding no sign-in (unless `config` has one) and `env` set;
/// `{authority}` in a value is the emulator's Entra authority.
fn environment_run(
    emulator: &Emulator,
    config: &ConfigDir,
    env: &[(&str, &str)],
    debug: bool,
) -> (Outcome, Vec<LoggedRequest>) {
    emulator.clear_requests();
    let mut cmd = command(&azacr_bin(), emulator, config, None);
    cmd.args(crate::support::SHOW_TAGS);
    if debug {
        cmd.arg("--debug");
    }
    for (k, v) in env {
        cmd.env(k, v.replace("{authority}", &emulator.authority()));
    }
    (run(cmd), emulator.requests())
}

fn service_principal_env<'a>(kind: (&'a str, &'a str)) -> Vec<(&'a str, &'a str)> {
    vec![
        ("AZURE_AUTHORITY_HOST", "{authority}"),
        ("AZURE_TENANT_ID", seed::AAD_TENANT),
        ("AZURE_CLIENT_ID", seed::SP_CLIENT_ID),
        kind,
    ]
}

fn assert_no_secret(out: &Outcome, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !out.stdout.contains(secret) && !out.stderr.contains(secret),
            "{secret} printed:\n{}",
            out.stderr
        );
    }
}

#[test]
fn without_az_a_client_secret_from_the_environment_signs_in() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    let env = service_principal_env(("AZURE_CLIENT_SECRET", seed::SP_SECRET));
    let (out, log) = environment_run(&emulator, &config, &env, true);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(wire(&log)[1], entra_path());
    assert!(log[1].body.contains("grant_type=client_credentials"), "{}", log[1].body);
    assert_no_secret(&out, &[seed::SP_SECRET, seed::AAD_TOKEN]);
    // Warm: the data call only.
    let (warm, log) = environment_run(&emulator, &config, &env, false);
    assert_eq!((warm.code, &warm.stdout), (0, &out.stdout));
    assert_eq!(wire(&log), ["GET /acr/v1/acr-helloworld/_tags"]);
    // A wrong secret: Entra's words, then az's.
    let (bad, _) = environment_run(
        &emulator,
        &ConfigDir::empty(),
        &service_principal_env(("AZURE_CLIENT_SECRET", "wrong-secret")),
        true,
    );
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains(
            "WARNING: Unable to get AAD authorization tokens with message: AADSTS7000215: Invalid client secret provided.\n"
        ),
        "{}",
        bad.stderr
    );
    assert_no_secret(&bad, &["wrong-secret"]);
}

#[test]
fn without_az_a_federated_token_file_signs_in() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    let token_file = config.path().join("federated-token");
    std::fs::write(&token_file, format!("{}\n", seed::FEDERATED_ASSERTION)).unwrap();
    let path = token_file.to_string_lossy().into_owned();
    let (out, log) = environment_run(
        &emulator,
        &config,
        &service_principal_env(("AZURE_FEDERATED_TOKEN_FILE", &path)),
        true,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        log[1].body.contains(&format!("client_assertion={}", seed::FEDERATED_ASSERTION)),
        "{}",
        log[1].body
    );
    assert_no_secret(&out, &[seed::FEDERATED_ASSERTION, seed::AAD_TOKEN]);
}

#[test]
fn without_az_a_certificate_from_the_environment_signs_in() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    let pem = config.path().join("sp.pem");
    std::fs::write(&pem, format!("{}{}", seed::SP_PRIVATE_KEY, seed::SP_CERTIFICATE)).unwrap();
    let path = pem.to_string_lossy().into_owned();
    let (out, log) = environment_run(
        &emulator,
        &config,
        &service_principal_env(("AZURE_CLIENT_CERTIFICATE_PATH", &path)),
        true,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (header, _) = assertion_in(&log[1].body);
    assert_eq!(header["alg"], "RS256");
    let key_lines: Vec<&str> = seed::SP_PRIVATE_KEY.lines().filter(|l| !l.starts_with("-----")).collect();
    assert_no_secret(&out, &key_lines);
}

#[test]
fn without_az_a_managed_identity_the_environment_shows_signs_in_with_the_tokens_tenant() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    let env =
        [("AZURE_POD_IDENTITY_AUTHORITY_HOST", "{authority}"), ("AZURE_CLIENT_ID", seed::MI_USER_CLIENT_ID)];
    let (out, log) = environment_run(&emulator, &config, &env, true);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(wire(&log)[1], "GET /metadata/identity/oauth2/token");
    assert!(log[1].target.ends_with(&format!("&client_id={}", seed::MI_USER_CLIENT_ID)), "{}", log[1].target);
    assert!(log[2].body.contains(&format!("&tenant={}&", seed::AAD_TENANT)), "{}", log[2].body);
    assert_no_secret(&out, &[seed::MI_TOKEN]);
}

#[test]
fn azs_own_sign_in_comes_before_the_environment() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    az_config::write_service_principal(config.path(), &emulator.authority(), false).unwrap();
    // The environment's secret is wrong: were it used, Entra would refuse it.
    let (out, log) = environment_run(
        &emulator,
        &config,
        &service_principal_env(("AZURE_CLIENT_SECRET", "wrong-secret")),
        false,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(log[0].body.contains(&format!("client_secret={}", seed::SP_SECRET)));
}

/// Every secret of the new sign-in paths, with `--debug`, on success and on failure: what the
/// requests carried (client secrets, assertions, Entra and ACR tokens), the private key, the
/// identity header. None is printed.
#[test]
fn no_sign_in_path_prints_a_secret_even_with_debug() {
    let emulator = Emulator::start(default_seed());
    let authority = emulator.authority();
    let key_lines: Vec<&str> = seed::SP_PRIVATE_KEY
        .lines()
        .chain(seed::OTHER_PRIVATE_KEY.lines())
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let pem_dir = tempfile::tempdir().unwrap();
    let pem = pem_dir.path().join("sp.pem");
    std::fs::write(&pem, format!("{}{}", seed::SP_PRIVATE_KEY, seed::SP_CERTIFICATE)).unwrap();
    let pem = pem.to_string_lossy().into_owned();
    let token_file = pem_dir.path().join("token");
    std::fs::write(&token_file, seed::FEDERATED_ASSERTION).unwrap();
    let token_file = token_file.to_string_lossy().into_owned();
    type Setup<'a> = Box<dyn Fn(&std::path::Path) + 'a>;
    type Case<'a> = (&'a str, Setup<'a>, Vec<(&'a str, &'a str)>);
    let nothing: Setup = Box::new(|_| {});
    let cases: Vec<Case<'_>> = vec![
        (
            "certificate",
            Box::new(|d| {
                az_config::write_service_principal_with_certificate(
                    d,
                    &authority,
                    seed::SP_PRIVATE_KEY,
                    true,
                )
                .unwrap();
            }),
            vec![],
        ),
        (
            "certificate, wrong key",
            Box::new(|d| {
                az_config::write_service_principal_with_certificate(
                    d,
                    &authority,
                    seed::OTHER_PRIVATE_KEY,
                    false,
                )
                .unwrap();
            }),
            vec![],
        ),
        (
            "imds",
            Box::new(|d| az_config::write_managed_identity(d, &authority, "MSI").unwrap()),
            vec![("AZURE_POD_IDENTITY_AUTHORITY_HOST", "{authority}")],
        ),
        (
            "app service",
            Box::new(|d| az_config::write_managed_identity(d, &authority, "MSI").unwrap()),
            vec![
                ("IDENTITY_ENDPOINT", "{authority}/msi/token"),
                ("IDENTITY_HEADER", seed::APP_SERVICE_IDENTITY_HEADER),
            ],
        ),
        ("env secret", nothing, service_principal_env(("AZURE_CLIENT_SECRET", seed::SP_SECRET))),
        (
            "env wrong secret",
            Box::new(|_| {}),
            service_principal_env(("AZURE_CLIENT_SECRET", "wrong-secret-value")),
        ),
        ("env certificate", Box::new(|_| {}), service_principal_env(("AZURE_CLIENT_CERTIFICATE_PATH", &pem))),
        (
            "env federated",
            Box::new(|_| {}),
            service_principal_env(("AZURE_FEDERATED_TOKEN_FILE", &token_file)),
        ),
        (
            "env managed identity",
            Box::new(|_| {}),
            vec![("AZURE_POD_IDENTITY_AUTHORITY_HOST", "{authority}")],
        ),
    ];
    for (name, setup, env) in cases {
        let config = ConfigDir::empty();
        setup(config.path());
        let (out, log) = environment_run(&emulator, &config, &env, true);
        assert!(out.stderr.contains("DEBUG") || out.stderr.contains("debug"), "{name}: no --debug output");
        let mut secrets: Vec<String> = vec![
            seed::APP_SERVICE_IDENTITY_HEADER.into(),
            seed::MI_TOKEN.into(),
            seed::AAD_TOKEN.into(),
            seed::SP_SECRET.into(),
            seed::FEDERATED_ASSERTION.into(),
            "wrong-secret-value".into(),
            // The ids ACR's tokens end with.
            "acr-access".into(),
            "acr-refresh".into(),
        ];
        secrets.extend(key_lines.iter().map(|l| l.to_string()));
        for request in &log {
            for (key, value) in url_form(&request.body) {
                if ["client_secret", "client_assertion", "access_token", "refresh_token"]
                    .contains(&key.as_str())
                {
                    secrets.push(value);
                }
            }
        }
        for secret in &secrets {
            assert!(
                !out.stdout.contains(secret.as_str()) && !out.stderr.contains(secret.as_str()),
                "{name}: {secret} printed:\n{}",
                out.stderr
            );
        }
    }
}

/// Entra ID not answering: azacr's own words, with what was tried (az has no retry to report).
#[test]
fn entra_not_answering_says_what_was_tried() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    // Nothing listens on port 1: the Entra request is refused (not tried again, as a refused
    // connection never is).
    az_config::write_user_with_refresh_token(config.path(), "https://127.0.0.1:1").unwrap();
    let (out, _) = show_tags_logged(&emulator, &config, false);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with(
            "ERROR: Could not connect to Entra ID at https://127.0.0.1:1 (after 1 attempt over "
        ),
        "{}",
        out.stderr
    );
}
