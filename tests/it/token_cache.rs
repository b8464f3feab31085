//! The token cache across invocations (`registry::token_cache`): hits, misses, expiry,
//! revocation, sign-in changes, the off switch, concurrent writers, garbage, and no secret in
//! what azacr prints.

use std::process::Command;

use azacr_emulator::{Emulator, LoggedRequest, default_seed, seed};

use crate::support::{ADMIN, ConfigDir, Outcome, azacr_bin, command, redact_timestamps, run};

fn azacr_in(emulator: &Emulator, config: &ConfigDir, args: &[&str], extra_env: &[(&str, &str)]) -> Outcome {
    let mut cmd: Command = command(&azacr_bin(), emulator, config, None);
    cmd.args(args);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    run(cmd)
}

fn show_tags<'a>(repo: &'a str, credentials: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["acr", "repository", "show-tags", "-n", "myregistry", "--repository", repo];
    args.extend_from_slice(credentials);
    args
}

/// `METHOD path` of each request, the query left out.
fn wire(requests: &[LoggedRequest]) -> Vec<String> {
    requests.iter().map(|r| format!("{} {}", r.method, r.target.split('?').next().unwrap_or(""))).collect()
}

fn token_or_challenge(requests: &[LoggedRequest]) -> usize {
    requests.iter().filter(|r| r.target == "/v2/" || r.target.starts_with("/oauth2/")).count()
}

fn run_and_log(
    emulator: &Emulator,
    config: &ConfigDir,
    args: &[&str],
    env: &[(&str, &str)],
) -> (Outcome, Vec<LoggedRequest>) {
    emulator.clear_requests();
    let out = azacr_in(emulator, config, args, env);
    (out, emulator.requests())
}

#[test]
fn a_warm_cache_needs_no_challenge_and_no_token_for_username_and_password() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    let args = show_tags("acr-helloworld", &ADMIN);
    let (cold, cold_wire) = run_and_log(&emulator, &config, &args, &[]);
    assert_eq!(cold.code, 0, "{}", cold.stderr);
    assert_eq!(
        wire(&cold_wire),
        ["GET /v2/", "POST /oauth2/token", "GET /acr/v1/acr-helloworld/_tags"],
        "cold: az's sequence (one probe)"
    );
    let (warm, warm_wire) = run_and_log(&emulator, &config, &args, &[]);
    assert_eq!((warm.code, &warm.stdout, &warm.stderr), (0, &cold.stdout, &cold.stderr));
    assert_eq!(wire(&warm_wire), ["GET /acr/v1/acr-helloworld/_tags"]);
    // The password is in no cache file.
    let dir = config.path().join("azacr-tokens");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(seed::ADMIN_PASSWORD), "{text}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        for name in ["tokens.json", "key", "lock"] {
            assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
        }
    }
}

#[test]
fn a_warm_delete_is_two_requests() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    let delete = |image: &str| {
        let mut args = vec!["acr", "repository", "delete", "-n", "myregistry", "--image"];
        args.push(image);
        args.push("--yes");
        args.extend_from_slice(&ADMIN);
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let digests: Vec<String> = emulator.snapshot()["repositories"]["myrepository"]["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap().to_string())
        .collect();
    let first = delete(&format!("myrepository@{}", digests[0]));
    let first: Vec<&str> = first.iter().map(String::as_str).collect();
    let (out, _) = run_and_log(&emulator, &config, &first, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let second = delete(&format!("myrepository@{}", digests[1]));
    let second: Vec<&str> = second.iter().map(String::as_str).collect();
    let (out, log) = run_and_log(&emulator, &config, &second, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        wire(&log),
        [
            "GET /acr/v1/myrepository/_tags",
            format!("DELETE /v2/myrepository/manifests/{}", digests[1]).as_str()
        ]
    );
}

#[test]
fn another_password_never_uses_the_cached_token_and_fails_as_az_does() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    let good = show_tags("acr-helloworld", &ADMIN);
    assert_eq!(azacr_in(&emulator, &config, &good, &[]).code, 0);
    let bad_credentials = ["-u", seed::ADMIN_USER, "-p", "wrong-password"];
    let bad = show_tags("acr-helloworld", &bad_credentials);
    let warm = azacr_in(&emulator, &config, &bad, &[]);
    let fresh = azacr_in(&emulator, &ConfigDir::empty(), &bad, &[]);
    assert_eq!(warm.code, 1);
    assert_eq!(
        (warm.code, &warm.stdout, redact_timestamps(&warm.stderr)),
        (fresh.code, &fresh.stdout, redact_timestamps(&fresh.stderr))
    );
    assert!(warm.stderr.contains("CONNECTIVITY_ACCESS_TOKEN_ERROR"), "{}", warm.stderr);
}

#[test]
fn a_revoked_token_is_dropped_and_signed_in_again_once() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    let args = show_tags("acr-helloworld", &ADMIN);
    let first = azacr_in(&emulator, &config, &args, &[]);
    emulator.revoke_tokens();
    let (out, log) = run_and_log(&emulator, &config, &args, &[]);
    assert_eq!((out.code, &out.stdout, &out.stderr), (0, &first.stdout, &first.stderr));
    assert_eq!(
        wire(&log),
        [
            "GET /acr/v1/acr-helloworld/_tags",
            "GET /v2/",
            "POST /oauth2/token",
            "GET /acr/v1/acr-helloworld/_tags"
        ]
    );
    assert_eq!(log[0].status, 401);
    // And the new token is cached.
    let (_, log) = run_and_log(&emulator, &config, &args, &[]);
    assert_eq!(token_or_challenge(&log), 0);
}

#[test]
fn tokens_near_their_expiry_are_not_used() {
    let emulator = Emulator::start(default_seed());
    // Less than the cache's safety margin (5 minutes).
    emulator.set_token_lifetime(120);
    let config = ConfigDir::empty();
    let args = show_tags("acr-helloworld", &ADMIN);
    assert_eq!(azacr_in(&emulator, &config, &args, &[]).code, 0);
    let (out, log) = run_and_log(&emulator, &config, &args, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(wire(&log).contains(&"POST /oauth2/token".to_string()), "{:?}", wire(&log));
}

#[test]
fn the_cache_can_be_turned_off() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    let args = show_tags("acr-helloworld", &ADMIN);
    let off = [("AZACR_TOKEN_CACHE", "off")];
    let (_, first) = run_and_log(&emulator, &config, &args, &off);
    let (out, second) = run_and_log(&emulator, &config, &args, &off);
    assert_eq!(out.code, 0);
    assert_eq!(wire(&first), wire(&second));
    assert!(!config.path().join("azacr-tokens").exists());
}

#[test]
fn a_garbage_cache_file_is_ignored_and_rewritten() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    let args = show_tags("acr-helloworld", &ADMIN);
    assert_eq!(azacr_in(&emulator, &config, &args, &[]).code, 0);
    let file = config.path().join("azacr-tokens/tokens.json");
    std::fs::write(&file, b"\x00{not json").unwrap();
    let (out, log) = run_and_log(&emulator, &config, &args, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(token_or_challenge(&log), 2);
    let (_, log) = run_and_log(&emulator, &config, &args, &[]);
    assert_eq!(token_or_challenge(&log), 0);
}

#[cfg(unix)]
#[test]
fn a_cache_file_others_can_read_is_ignored() {
    use std::os::unix::fs::PermissionsExt;
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    let args = show_tags("acr-helloworld", &ADMIN);
    assert_eq!(azacr_in(&emulator, &config, &args, &[]).code, 0);
    let file = config.path().join("azacr-tokens/tokens.json");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (out, log) = run_and_log(&emulator, &config, &args, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(token_or_challenge(&log), 2, "{:?}", wire(&log));
    // Rewritten private.
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
}

#[test]
fn concurrent_writers_keep_every_token() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    let repos =
        ["acr-helloworld", "myrepository", "marketing/campaign10-18/web", "marketing/campaign10-18/email"];
    let spawn_all = || {
        let children: Vec<_> = repos
            .iter()
            .flat_map(|r| [r, r])
            .map(|repo| {
                let mut cmd = command(&azacr_bin(), &emulator, &config, None);
                cmd.args(show_tags(repo, &ADMIN)).stdout(std::process::Stdio::null());
                cmd.spawn().unwrap()
            })
            .collect();
        for mut child in children {
            assert!(child.wait().unwrap().success());
        }
    };
    spawn_all();
    let text = std::fs::read_to_string(config.path().join("azacr-tokens/tokens.json")).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).expect("a whole file");
    emulator.clear_requests();
    spawn_all();
    let log = emulator.requests();
    assert_eq!(token_or_challenge(&log), 0, "{:?}", wire(&log));
    assert_eq!(log.len(), 8);
}

#[test]
fn aad_tokens_are_cached_per_account_and_not_used_after_a_sign_in_change() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::signed_in();
    let args = show_tags("acr-helloworld", &[]);
    let (cold, log) = run_and_log(&emulator, &config, &args, &[]);
    assert_eq!(cold.code, 0, "{}", cold.stderr);
    assert_eq!(
        wire(&log),
        ["GET /v2/", "POST /oauth2/exchange", "POST /oauth2/token", "GET /acr/v1/acr-helloworld/_tags"]
    );
    let (warm, log) = run_and_log(&emulator, &config, &args, &[]);
    assert_eq!((warm.code, &warm.stdout), (0, &cold.stdout));
    assert_eq!(wire(&log), ["GET /acr/v1/acr-helloworld/_tags"]);
    // Another scope: the cached ACR refresh token, no Entra token and no exchange.
    let (out, log) = run_and_log(&emulator, &config, &show_tags("myrepository", &[]), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(wire(&log), ["POST /oauth2/token", "GET /acr/v1/myrepository/_tags"]);

    // Another account signs in (`az login` as someone else): the old tokens are not used.
    let profile_path = config.path().join("azureProfile.json");
    let profile = std::fs::read_to_string(&profile_path).unwrap();
    std::fs::write(&profile_path, profile.replace("tester@example.com", "someone.else@example.com")).unwrap();
    let (out, log) = run_and_log(&emulator, &config, &args, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(wire(&log).contains(&"POST /oauth2/exchange".to_string()), "{:?}", wire(&log));

    // `az logout`: no account, az's message, and no cached token used.
    std::fs::remove_file(&profile_path).unwrap();
    let (out, log) = run_and_log(&emulator, &config, &args, &[]);
    let fresh = azacr_in(&emulator, &ConfigDir::empty(), &args, &[]);
    assert_eq!((out.code, &out.stdout, &out.stderr), (fresh.code, &fresh.stdout, &fresh.stderr));
    assert_eq!(out.code, 1);
    assert!(log.iter().all(|r| r.auth != "bearer"), "{log:?}");
}

#[test]
fn no_secret_is_printed_with_debug_cold_or_warm() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::signed_in();
    for args in [show_tags("acr-helloworld", &ADMIN), show_tags("acr-helloworld", &[])] {
        let mut args = args.clone();
        args.push("--debug");
        for _ in 0..2 {
            let out = azacr_in(&emulator, &config, &args, &[]);
            assert_eq!(out.code, 0, "{}", out.stderr);
            assert!(out.stderr.contains("token cache:"), "{}", out.stderr);
            for secret in [seed::ADMIN_PASSWORD, seed::AAD_TOKEN, "acr-access-", "acr-refresh-", "eyJ"] {
                assert!(!out.stderr.contains(secret), "{secret} in {}", out.stderr);
                assert!(!out.stdout.contains(secret), "{secret} in {}", out.stdout);
            }
        }
    }
}

#[test]
fn a_warm_acr_manifest_delete_by_digest_is_its_delete_alone() {
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    let digests: Vec<String> = emulator.snapshot()["repositories"]["myrepository"]["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap().to_string())
        .collect();
    let delete = |digest: &str| {
        let name = format!("myrepository@{digest}");
        let mut args: Vec<String> =
            ["acr", "manifest", "delete", "-n", &name, "--registry", "myregistry", "--yes"]
                .map(String::from)
                .to_vec();
        args.extend(ADMIN.iter().map(|s| s.to_string()));
        args
    };
    let first = delete(&digests[0]);
    let first: Vec<&str> = first.iter().map(String::as_str).collect();
    let (out, cold) = run_and_log(&emulator, &config, &first, &[]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", out.stderr);
    assert_eq!(
        wire(&cold),
        [
            "GET /v2/",
            "POST /oauth2/token",
            format!("DELETE /v2/myrepository/manifests/{}", digests[0]).as_str()
        ],
        "cold: the probe, one token (scope `delete`), the DELETE"
    );
    assert!(cold[1].body.ends_with("scope=repository%3Amyrepository%3Adelete"), "{}", cold[1].body);
    let second = delete(&digests[1]);
    let second: Vec<&str> = second.iter().map(String::as_str).collect();
    let (out, warm) = run_and_log(&emulator, &config, &second, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(wire(&warm), [format!("DELETE /v2/myrepository/manifests/{}", digests[1])]);
    let left: Vec<String> = emulator.snapshot()["repositories"]["myrepository"]["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(left.len(), digests.len() - 2);
    assert!(!left.contains(&digests[0]) && !left.contains(&digests[1]));
}

#[test]
fn a_warm_verbose_call_says_what_az_attempts_once_the_registry_answers() {
    // az prints the line after its probe; a warm call skips the probe, so the line waits
    // for the registry's first answer: there, and only there.
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::signed_in();
    let mut args = show_tags("acr-helloworld", &[]);
    args.push("--verbose");
    let (cold, cold_wire) = run_and_log(&emulator, &config, &args, &[]);
    let (warm, warm_wire) = run_and_log(&emulator, &config, &args, &[]);
    assert_eq!(cold_wire.first().map(|r| r.target.as_str()), Some("/v2/"), "cold: probed");
    assert!(warm_wire.iter().all(|r| r.target != "/v2/"), "warm: no probe: {warm_wire:?}");
    for out in [&cold, &warm] {
        assert_eq!(out.code, 0, "{}", out.stderr);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{}", out.stderr);
        assert_eq!(lines[0], "INFO: Attempting to retrieve AAD refresh token...");
        assert!(lines[1].starts_with("INFO: Command ran in "), "{}", out.stderr);
    }
    // A warm call to a registry that no longer answers says only what az says of it.
    let gone = {
        let mut cmd = command(&azacr_bin(), &emulator, &config, None);
        cmd.args(&args).env("AZACR_CONNECT_TO", "127.0.0.1:1");
        run(cmd)
    };
    assert_eq!(gone.code, 1, "{}", gone.stderr);
    assert!(!gone.stderr.contains("Attempting to retrieve AAD"), "{}", gone.stderr);
    assert!(gone.stderr.contains("Could not connect to the registry login server"), "{}", gone.stderr);
}

#[test]
fn a_warm_verbose_delete_says_it_signs_in_before_it_asks() {
    // az signs in (and says so) before its confirmation; a warm call has not heard from the
    // registry yet when it asks, and says it first all the same.
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::signed_in();
    assert_eq!(azacr_in(&emulator, &config, &show_tags("acr-helloworld", &[]), &[]).code, 0);
    let mut cmd = command(&azacr_bin(), &emulator, &config, None);
    cmd.args([
        "acr",
        "repository",
        "delete",
        "-n",
        "myregistry",
        "--repository",
        "acr-helloworld",
        "--verbose",
    ]);
    let out = crate::support::run_in_terminal_answering(cmd, &[("(y/n): ", "n\n")]);
    let (said, asked) = (
        out.stdout.find("Attempting to retrieve AAD refresh token...").expect("said"),
        out.stdout.find("Are you sure you want to delete the repository").expect("asked"),
    );
    assert!(said < asked, "{}", out.stdout);
    assert_eq!(out.stdout.matches("Attempting to retrieve AAD").count(), 1, "{}", out.stdout);
    assert!(emulator.requests().iter().all(|r| r.method != "DELETE"));
}
