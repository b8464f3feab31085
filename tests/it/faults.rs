//! Transient faults: sign-in requests are tried again like data calls, and a DELETE whose
//! answer was lost after the registry applied it is reported as done.

use azacr_emulator::{Emulator, Fault, default_seed, seed};

use crate::support::{admin_args, azacr, fault};

fn statuses(emulator: &Emulator, path: &str) -> Vec<u16> {
    emulator.requests().iter().filter(|r| r.target.starts_with(path)).map(|r| r.status).collect()
}

#[test]
fn a_failing_challenge_or_token_request_is_tried_again() {
    let args = admin_args("show-manifests", &["--repository", "acr-helloworld", "--query", "length(@)"]);
    // The challenge's own answer is a 401.
    for (path, status, answer) in
        [("/oauth2/token", 503, 200), ("/oauth2/token", 429, 200), ("/v2/", 500, 401)]
    {
        let emulator = Emulator::start(default_seed());
        emulator.set_faults(vec![fault(path, status, 2)]);
        let out = azacr(&emulator, &args);
        // What az prints when nothing failed.
        assert_eq!((out.code, out.stdout.as_str()), (0, "4\n"), "{path} {status}: {}", out.stderr);
        assert_eq!(statuses(&emulator, path)[..3], [status, status, answer], "{path}");
    }
}

#[test]
fn a_token_request_that_keeps_failing_ends_in_azs_message_after_three_tries() {
    let emulator = Emulator::start(default_seed());
    emulator.set_faults(vec![fault("/oauth2/token", 503, 10)]);
    let out = azacr(&emulator, &admin_args("show-manifests", &["--repository", "acr-helloworld"]));
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains(
            "An error occurred: CONNECTIVITY_ACCESS_TOKEN_ERROR\nAccess to registry 'myregistry.azurecr.io' was denied. Response code: 503."
        ),
        "{}",
        out.stderr
    );
    assert_eq!(statuses(&emulator, "/oauth2/token"), [503, 503, 503]);
}

#[test]
fn a_delete_applied_before_its_answer_was_lost_is_reported_as_done() {
    let emulator = Emulator::start(default_seed());
    let digest = "sha256:e2ec7e82f9ab31713fd0f2076c7ed52a42d21dc7774532bc9919b338a2826b4a";
    emulator.set_faults(vec![Fault {
        method: Some("DELETE".into()),
        applied: true,
        ..fault("/manifests/", 503, 1)
    }]);
    let image = format!("acr-helloworld@{digest}");
    let out = azacr(&emulator, &admin_args("delete", &["--image", &image, "--yes"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, format!("WARNING: This operation will delete the manifest '{digest}'\n"));
    assert_eq!(statuses(&emulator, "/v2/acr-helloworld/manifests/"), [503, 404]);
    let state = emulator.snapshot();
    let manifests = state["repositories"]["acr-helloworld"]["manifests"].as_array().unwrap();
    assert!(manifests.iter().all(|m| m["digest"] != digest));
    assert_eq!(manifests.len(), 3);
}

#[test]
fn a_delete_of_what_never_existed_is_still_not_found() {
    let emulator = Emulator::start(default_seed());
    let image = format!("acr-helloworld@sha256:{}", "0".repeat(64));
    let out = azacr(&emulator, &admin_args("delete", &["--image", &image, "--yes"]));
    assert_eq!(out.code, 1);
    assert!(out.stderr.ends_with("ERROR: Error: manifest unknown.\n"), "{}", out.stderr);
}

/// Ctrl-C while a DELETE is on its way: az's exit code, nothing printed as if complete, and
/// one stderr line saying the DELETE was sent.
#[test]
fn ctrl_c_after_a_delete_was_sent_says_so() {
    use crate::support::{ConfigDir, azacr_bin, command};
    use azacr_emulator::FaultMode;
    let emulator = Emulator::start(default_seed());
    let digest = "sha256:e2ec7e82f9ab31713fd0f2076c7ed52a42d21dc7774532bc9919b338a2826b4a";
    emulator.set_faults(vec![Fault {
        method: Some("DELETE".into()),
        applied: true,
        ..Fault::mode("/manifests/", FaultMode::NeverAnswer, 1)
    }]);
    let config = ConfigDir::empty();
    let mut cmd = command(&azacr_bin(), &emulator, &config, None);
    let image = format!("acr-helloworld@{digest}");
    cmd.args(admin_args("delete", &["--image", &image, "--yes"]))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let started = std::time::Instant::now();
    while !emulator.requests().iter().any(|r| r.method == "DELETE") {
        assert!(started.elapsed().as_secs() < 30, "no DELETE sent");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: a signal to the child this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let url = format!("https://myregistry.azurecr.io/v2/acr-helloworld/manifests/{digest}");
    assert_eq!(
        stderr,
        format!(
            "WARNING: This operation will delete the manifest '{digest}'\nInterrupted after sending DELETE {url}: it may have been carried out.\n"
        )
    );
}

/// No password or token reaches stdout or stderr (`--debug` included) on the fault paths:
/// failed sign-ins, retried and truncated answers, lost DELETEs, refused tokens.
#[test]
fn no_secret_appears_in_any_output_on_the_fault_paths() {
    use azacr_emulator::FaultMode;
    let password = azacr_emulator::seed::ADMIN_PASSWORD;
    let faults = [
        fault("/oauth2/token", 503, 10),
        fault("/oauth2/token", 401, 1),
        fault("/v2/", 500, 10),
        fault("/_tags", 500, 10),
        Fault { after: 1, ..fault("/acr/v1/", 401, 10) },
        Fault::mode("/_tags", FaultMode::Truncated, 10),
        Fault::mode("/_tags", FaultMode::ResetMidBody, 10),
        Fault { method: Some("DELETE".into()), applied: true, ..fault("/manifests/", 503, 1) },
    ];
    for f in faults {
        for command in ["show-tags", "delete"] {
            let emulator = Emulator::start(default_seed());
            emulator.set_faults(vec![f.clone()]);
            let image =
                "acr-helloworld@sha256:e2ec7e82f9ab31713fd0f2076c7ed52a42d21dc7774532bc9919b338a2826b4a";
            let extra: &[&str] = if command == "delete" {
                &["--image", image, "--yes", "--debug"]
            } else {
                &["--repository", "acr-helloworld", "--debug"]
            };
            let out = azacr(&emulator, &admin_args(command, extra));
            // Every token the emulator issued, and the password.
            let mut secrets = vec![password.to_string()];
            secrets.extend(emulator.requests().iter().filter_map(|r| {
                r.body.split('&').find_map(|kv| kv.strip_prefix("refresh_token=").map(String::from))
            }));
            for secret in secrets.iter().filter(|s| s.len() > 8) {
                assert!(!out.stdout.contains(secret.as_str()), "{f:?}: stdout has a secret");
                assert!(!out.stderr.contains(secret.as_str()), "{f:?}: stderr has a secret");
            }
            assert!(!out.stderr.contains("acr-access-"), "{f:?}: an access token in stderr");
            // The emulator's tokens are JWTs: no part of one may show, not even its header.
            assert!(!out.stderr.contains("eyJ") && !out.stdout.contains("eyJ"), "{f:?}: a JWT in the output");
            assert!(!out.stderr.contains("acr-refresh-"), "{f:?}: a refresh token in stderr");
        }
    }
}

#[test]
fn with_a_warm_token_cache_a_lost_delete_answer_is_still_tried_again() {
    let emulator = Emulator::start(default_seed());
    let config = crate::support::ConfigDir::empty();
    let run = |args: &[&str]| {
        let mut cmd = crate::support::command(&crate::support::azacr_bin(), &emulator, &config, None);
        cmd.args(args);
        crate::support::run(cmd)
    };
    // The first call leaves the tokens in the cache; the delete then starts warm.
    let warm_up = run(&admin_args("show-tags", &["--repository", "acr-helloworld", "-o", "tsv"]));
    assert_eq!(warm_up.code, 0, "{}", warm_up.stderr);
    let digest = "sha256:e2ec7e82f9ab31713fd0f2076c7ed52a42d21dc7774532bc9919b338a2826b4a";
    emulator.clear_requests();
    emulator.set_faults(vec![Fault {
        method: Some("DELETE".into()),
        applied: true,
        ..fault("/manifests/", 503, 1)
    }]);
    let out = run(&admin_args("delete", &["--image", &format!("acr-helloworld@{digest}"), "--yes"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(emulator.requests().iter().all(|r| r.target != "/v2/"), "the call started warm");
    assert_eq!(statuses(&emulator, "/v2/acr-helloworld/manifests/"), [503, 404]);
}

/// Time limits for this thread's in-process runs, far below the shipped ones (the shipped
/// ones are checked by `transport::tests::the_shipped_limits_bound_a_silent_registry`).
fn short_limits() -> azacr::registry::transport::Limits {
    use std::time::Duration;
    azacr::registry::transport::Limits {
        connect: Duration::from_secs(5),
        sign_in: Duration::from_millis(300),
        data: Duration::from_millis(300),
    }
}

/// `(attempts, seconds)` from an error's "(after N attempts over T s)", if it has one.
fn budget_in(stderr: &str) -> Option<(u32, f64)> {
    let rest = &stderr[stderr.find("(after ")? + "(after ".len()..];
    let (attempts, rest) = rest.split_once(" attempts over ")?;
    let (seconds, _) = rest.split_once(" s)")?;
    Some((attempts.parse().ok()?, seconds.parse().ok()?))
}

fn with_short_limits<R>(run: impl FnOnce() -> R) -> R {
    azacr::registry::transport::knobs::set_limits_on_this_thread(Some(short_limits()));
    let result = run();
    azacr::registry::transport::knobs::set_limits_on_this_thread(None);
    result
}

#[test]
fn a_registry_that_accepts_and_never_answers_ends_in_a_clear_error_after_two_tries() {
    use azacr_emulator::FaultMode;
    let emulator = Emulator::start(default_seed());
    emulator.set_faults(vec![Fault::mode("/v2/", FaultMode::NeverAnswer, 10)]);
    let out =
        with_short_limits(|| azacr(&emulator, &admin_args("show-tags", &["--repository", "acr-helloworld"])));
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    // Two tries of 300 ms that time out: no third.
    assert_eq!(statuses(&emulator, "/v2/").len(), 2);
    assert!(
        out.stderr.contains(
            "ERROR: Could not connect to the registry login server 'myregistry.azurecr.io'. Please verify that the registry exists and the URL 'https://myregistry.azurecr.io/v2/' is reachable from your environment. (after 2 attempts over "
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.ends_with(
            " s)\nTry running 'az acr check-health -n myregistry --yes' to diagnose this issue.\n"
        )
    );
    let (attempts, seconds) = budget_in(&out.stderr).expect("a budget");
    assert_eq!(attempts, 2);
    assert!((0.6..5.0).contains(&seconds), "{seconds}");
}

#[test]
fn a_token_endpoint_that_never_answers_ends_in_a_clear_error_with_what_was_tried() {
    use azacr_emulator::FaultMode;
    let emulator = Emulator::start(default_seed());
    emulator.set_faults(vec![Fault::mode("/oauth2/token", FaultMode::NeverAnswer, 10)]);
    let out =
        with_short_limits(|| azacr(&emulator, &admin_args("show-tags", &["--repository", "acr-helloworld"])));
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    assert_eq!(statuses(&emulator, "/oauth2/token").len(), 2);
    assert!(
        out.stderr.contains(
            "An error occurred: CONNECTIVITY_ACCESS_TOKEN_ERROR\nRegistry 'myregistry.azurecr.io' did not answer the token request: "
        ),
        "{}",
        out.stderr
    );
    assert_eq!(budget_in(&out.stderr).map(|b| b.0), Some(2), "{}", out.stderr);
}

#[test]
fn a_data_call_that_never_answers_is_tried_three_times_then_says_what_was_tried() {
    use azacr_emulator::FaultMode;
    let emulator = Emulator::start(default_seed());
    emulator.set_faults(vec![Fault::mode("/_tags", FaultMode::NeverAnswer, 10)]);
    let out =
        with_short_limits(|| azacr(&emulator, &admin_args("show-tags", &["--repository", "acr-helloworld"])));
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    assert_eq!(statuses(&emulator, "/acr/v1/acr-helloworld/_tags").len(), 3);
    assert!(out.stderr.starts_with("ERROR: ") && out.stderr.contains("timed out"), "{}", out.stderr);
    let (attempts, seconds) = budget_in(&out.stderr).expect("a budget");
    assert_eq!(attempts, 3);
    assert!((0.9..5.0).contains(&seconds), "{seconds}");
}

/// Where retries run out on an answer az would have printed its message for (a status, a
/// body that is not JSON, a refused connection), the message is az's, byte for byte: no
/// budget (the goldens http-500-persistent, http-bad-json-200 and auth-unreachable pin them).
#[test]
fn az_s_final_messages_stay_az_s_when_retries_run_out() {
    let emulator = Emulator::start(default_seed());
    let args = admin_args("show-tags", &["--repository", "acr-helloworld"]);
    emulator.set_faults(vec![fault("/_tags", 500, 10)]);
    let out = azacr(&emulator, &args);
    assert_eq!((out.code, out.stderr.as_str()), (1, "ERROR: Could not get the requested data.\n"));
    assert_eq!(statuses(&emulator, "/acr/v1/acr-helloworld/_tags"), [500, 500, 500]);
    emulator.set_faults(vec![Fault { body: "not json".into(), ..Fault::status("/_tags", 200, 10) }]);
    let out = azacr(&emulator, &args);
    assert_eq!((out.code, out.stderr.as_str()), (1, "ERROR: Expecting value: line 1 column 1 (char 0)\n"));
    emulator.set_faults(vec![fault("/oauth2/token", 503, 10)]);
    let out = azacr(&emulator, &args);
    assert!(out.stderr.contains("Response code: 503. Please try running 'az login' again"), "{}", out.stderr);
    assert!(budget_in(&out.stderr).is_none(), "{}", out.stderr);
}

#[test]
fn time_limits_come_from_the_environment_within_bounds() {
    use crate::support::{ConfigDir, azacr_bin, command, run};
    let emulator = Emulator::start(default_seed());
    let config = ConfigDir::empty();
    let args = admin_args("show-tags", &["--repository", "acr-helloworld", "-o", "tsv"]);
    for (name, value) in
        [("AZACR_SIGN_IN_TIMEOUT", "abc"), ("AZACR_DATA_TIMEOUT", "0"), ("AZACR_CONNECT_TIMEOUT", "3601")]
    {
        let mut cmd = command(&azacr_bin(), &emulator, &config, None);
        cmd.args(&args).env(name, value);
        let out = run(cmd);
        assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{name}");
        assert_eq!(
            out.stderr,
            format!("ERROR: {name} must be a whole number of seconds from 1 to 3600, got '{value}'\n")
        );
    }
    let mut cmd = command(&azacr_bin(), &emulator, &config, None);
    cmd.args(&args).env("AZACR_SIGN_IN_TIMEOUT", "1").env("AZACR_DATA_TIMEOUT", " 3600 ");
    let out = run(cmd);
    assert_eq!((out.code, out.stdout.as_str()), (0, "latest\nv1\nv2\nv3\n"), "{}", out.stderr);
}

/// `AZURE_CLI_DISABLE_CONNECTION_VERIFICATION`: any value but an empty one (az's
/// `bool(os.environ.get(...))`) skips certificate verification, with urllib3's warning for
/// every request, as az prints it (the goldens `tls-unverified-*` compare the words).
#[test]
fn disabled_connection_verification_trusts_any_certificate_and_warns_per_request() {
    use crate::support::{ConfigDir, azacr_bin, command, run};
    let emulator = Emulator::start(default_seed());
    // A bundle that does not hold the emulator's CA.
    let stranger = Emulator::start(default_seed());
    let args = admin_args("show-tags", &["--repository", "acr-helloworld", "-o", "tsv"]);
    let warning = "/opt/az/lib/python3.11/site-packages/urllib3/connectionpool.py:1129: InsecureRequestWarning: Unverified HTTPS request is being made to host 'myregistry.azurecr.io'. Adding certificate verification is strongly advised. See: https://urllib3.readthedocs.io/en/latest/advanced-usage.html#tls-warnings\n  warnings.warn(\n";
    let run_with = |value: Option<&str>| {
        emulator.clear_requests();
        // A cold token cache each time, so each run makes every request.
        let config = ConfigDir::empty();
        let mut cmd = command(&azacr_bin(), &emulator, &config, None);
        cmd.args(&args).env("REQUESTS_CA_BUNDLE", stranger.ca_bundle());
        if let Some(value) = value {
            cmd.env("AZURE_CLI_DISABLE_CONNECTION_VERIFICATION", value);
        }
        run(cmd)
    };
    for value in [None, Some("")] {
        let out = run_with(value);
        assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{value:?}");
        assert!(
            out.stderr.contains("ERROR: Could not connect to the registry login server"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("InsecureRequestWarning"));
        assert!(emulator.requests().is_empty(), "no request passes an untrusted handshake");
    }
    for value in ["1", "true", "0", "false"] {
        let out = run_with(Some(value));
        assert_eq!((out.code, out.stdout.as_str()), (0, "latest\nv1\nv2\nv3\n"), "{value}: {}", out.stderr);
        let requests = emulator.requests().len();
        assert_eq!(requests, 3, "/v2/, the token, the listing");
        assert_eq!(out.stderr, warning.repeat(requests), "{value}");
    }
    // A retried request is warned about on each try, as urllib3 does.
    emulator.set_faults(vec![fault("/_tags", 503, 1)]);
    let out = run_with(Some("1"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr.matches("InsecureRequestWarning").count(), emulator.requests().len());
    assert_eq!(emulator.requests().len(), 4);
}

/// The emulator's periodic fault ("503 every 7th request", as in the reliability figures):
/// only every N-th matching request gets it, and retries carry the run through.
#[test]
fn a_fault_on_every_nth_request_is_ridden_out() {
    let emulator = Emulator::start(default_seed());
    emulator.set_faults(vec![Fault { every: 2, ..fault("/", 503, 100) }]);
    let out = azacr(&emulator, &admin_args("show-tags", &["--repository", "acr-helloworld", "-o", "tsv"]));
    assert_eq!((out.code, out.stdout.as_str()), (0, "latest\nv1\nv2\nv3\n"), "{}", out.stderr);
    let statuses: Vec<u16> = emulator.requests().iter().map(|r| r.status).collect();
    // /v2/ 401, then the token (503, again 200), the listing (503, again 200).
    assert_eq!(statuses, [401, 503, 200, 503, 200]);
    assert_eq!(emulator.faults()[0].times, 98);
}

/// Starts `args` as a child process, waits until the emulator has seen a request whose
/// target contains `pending` (one that never answers), then sends it SIGINT.
fn interrupt_when_pending(
    emulator: &Emulator,
    config: &crate::support::ConfigDir,
    args: &[&str],
    pending: &str,
) -> crate::support::Outcome {
    use crate::support::{azacr_bin, command};
    let mut cmd = command(&azacr_bin(), emulator, config, None);
    cmd.args(args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let started = std::time::Instant::now();
    while !emulator.requests().iter().any(|r| r.target.contains(pending)) {
        assert!(started.elapsed().as_secs() < 30, "{pending} never asked for");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // SAFETY: a signal to the child this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    crate::support::Outcome {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// The token cache's files: each whole JSON, private, and no temporary file left behind.
fn assert_cache_whole(config: &crate::support::ConfigDir) -> usize {
    use std::os::unix::fs::PermissionsExt;
    let dir = config.path().join("azacr-tokens");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).into_iter().flatten() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "a half-written cache file was left: {name}");
        let bytes = std::fs::read(entry.path()).unwrap();
        match name.as_str() {
            "tokens.json" => assert!(
                serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(),
                "{name} is not whole JSON"
            ),
            "key" => assert_eq!(bytes.len(), 32, "a torn key"),
            _ => {}
        }
        assert_eq!(entry.metadata().unwrap().permissions().mode() & 0o077, 0, "{name} is not private");
        files += 1;
    }
    files
}

/// Ctrl-C at each point of a run (az's commands): az's exit code 1, nothing printed (az prints
/// nothing either; no DELETE was sent), no listing printed as if complete, and the token cache
/// either untouched or whole.
#[test]
fn ctrl_c_at_any_point_exits_1_with_nothing_printed_and_a_whole_token_cache() {
    use azacr_emulator::FaultMode;
    let listing = admin_args("show-tags", &["--repository", "acr-helloworld", "-o", "tsv"]);
    // (what hangs, the fault, the Link that makes the listing go on to a second page)
    let points: [(&str, Fault, Option<&str>); 4] = [
        ("/v2/", Fault::mode("/v2/", FaultMode::NeverAnswer, 10), None),
        ("/oauth2/token", Fault::mode("/oauth2/token", FaultMode::NeverAnswer, 10), None),
        ("/_tags", Fault::mode("/_tags", FaultMode::NeverAnswer, 10), None),
        // Page 1 came; page 2 never does.
        (
            "last=v3",
            Fault { after: 1, ..Fault::mode("/_tags", FaultMode::NeverAnswer, 10) },
            Some("</acr/v1/acr-helloworld/_tags?n=100&last=v3>; rel=\"next\""),
        ),
    ];
    for (pending, fault, link) in points {
        let emulator = Emulator::start(default_seed());
        emulator.set_faults(vec![fault]);
        emulator.set_link_override(link);
        let config = crate::support::ConfigDir::empty();
        let out = interrupt_when_pending(&emulator, &config, &listing, pending);
        assert_eq!((out.code, out.stdout.as_str(), out.stderr.as_str()), (1, "", ""), "at {pending}");
        let cached = assert_cache_whole(&config);
        // Once the token came, it is in the cache, whole.
        if pending.contains("tags") || pending.contains("last=") {
            assert!(cached > 0, "at {pending}: the token was not cached");
        }
    }
}

/// Every file under the config directory, with its contents.
fn files_under(dir: &std::path::Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// Each sign-in kind there is (-u/-p, an ACR refresh token as the password, az's user with a
/// refresh token, a service principal with a secret or a federated assertion, az's own
/// Entra token, the real az asked), with `--debug`, through success and failure: no secret in
/// stdout, stderr or any file under the config directory that azacr wrote, except the token
/// cache's own 0600 files (az's files, which hold the secrets, are only read).
#[cfg(unix)]
#[test]
fn no_sign_in_kind_leaks_a_secret_on_success_or_failure() {
    use crate::support::{ConfigDir, azacr_bin, command, run};
    use azacr_emulator::az_config;
    use std::os::unix::fs::PermissionsExt;
    let emulator = Emulator::start(default_seed());
    let stand_in = tempfile::tempdir().unwrap();
    let az = stand_in.path().join("az");
    std::fs::write(
        &az,
        format!(
            "#!/bin/sh\nprintf '{{\"accessToken\": \"{}\", \"expiresOn\": \"2099-01-01 00:00:00.000000\", \"expires_on\": 4070908800, \"tenant\": \"{}\", \"tokenType\": \"Bearer\"}}\\n'\n",
            seed::AAD_TOKEN,
            seed::AAD_TENANT
        ),
    )
    .unwrap();
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    type Setup = Box<dyn Fn(&ConfigDir)>;
    let authority = emulator.authority();
    let kinds: Vec<(&str, Vec<&str>, Setup, Option<&std::path::Path>)> = vec![
        ("-u/-p", vec!["-u", seed::ADMIN_USER, "-p", seed::ADMIN_PASSWORD], Box::new(|_| {}), None),
        (
            "refresh token as password",
            vec!["-u", "00000000-0000-0000-0000-000000000000", "-p", seed::REFRESH_TOKEN],
            Box::new(|_| {}),
            None,
        ),
        ("az login token", vec![], Box::new(|c| az_config::write_signed_in(c.path()).unwrap()), None),
        (
            "user refresh token",
            vec![],
            Box::new({
                let a = authority.clone();
                move |c| az_config::write_user_with_refresh_token(c.path(), &a).unwrap()
            }),
            None,
        ),
        (
            "service principal secret",
            vec![],
            Box::new({
                let a = authority.clone();
                move |c| az_config::write_service_principal(c.path(), &a, false).unwrap()
            }),
            None,
        ),
        (
            "federated assertion",
            vec![],
            Box::new({
                let a = authority.clone();
                move |c| az_config::write_service_principal(c.path(), &a, true).unwrap()
            }),
            None,
        ),
        ("az_cli", vec![], Box::new(|_| {}), Some(az.as_path())),
    ];
    let entra = format!("/{}/oauth2/v2.0/token", seed::AAD_TENANT);
    let paths: Vec<(&str, Vec<Fault>)> = vec![
        ("success", vec![]),
        ("token 503", vec![fault("/oauth2/token", 503, 10)]),
        ("exchange 500", vec![fault("/oauth2/exchange", 500, 10)]),
        ("Entra 503", vec![fault(&entra, 503, 10)]),
        ("data 401", vec![fault("/_tags", 401, 10)]),
        ("data 500", vec![fault("/_tags", 500, 10)]),
    ];
    let fixed = [
        seed::ADMIN_PASSWORD,
        seed::REFRESH_TOKEN,
        seed::AAD_TOKEN,
        seed::ENTRA_REFRESH_TOKEN,
        seed::SP_SECRET,
        seed::FEDERATED_ASSERTION,
    ];
    let mut failures = 0;
    for (kind, args, setup, az_path) in &kinds {
        for (path, faults) in &paths {
            emulator.reset();
            emulator.clear_requests();
            emulator.set_faults(faults.clone());
            let config = ConfigDir::empty();
            setup(&config);
            let before = files_under(config.path());
            let mut cmd = command(&azacr_bin(), &emulator, &config, None);
            cmd.args([
                "acr",
                "repository",
                "show-tags",
                "-n",
                "myregistry",
                "--repository",
                "acr-helloworld",
            ])
            .args(args)
            .arg("--debug");
            if let Some(az) = az_path {
                cmd.env("AZACR_AZ_PATH", az);
            }
            let out = run(cmd);
            failures += usize::from(out.code != 0);
            // The secrets: the fixed ones, and every token the emulator issued or was sent.
            let mut secrets: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
            for r in emulator.requests() {
                for kv in r.body.split('&') {
                    if let Some((k, v)) = kv.split_once('=')
                        && ["refresh_token", "access_token", "password", "client_secret", "client_assertion"]
                            .contains(&k)
                    {
                        secrets.push(v.to_string());
                    }
                }
            }
            let what = format!("{kind}, {path}");
            for secret in secrets.iter().filter(|s| s.len() >= 8) {
                assert!(!out.stdout.contains(secret.as_str()), "{what}: a secret on stdout");
                assert!(!out.stderr.contains(secret.as_str()), "{what}: a secret on stderr");
            }
            for needle in ["eyJ", "acr-refresh-", "acr-access-"] {
                assert!(!out.stdout.contains(needle) && !out.stderr.contains(needle), "{what}: {needle}");
            }
            for (file, bytes) in files_under(config.path()) {
                if before.get(&file) == Some(&bytes) {
                    // az's own file, read and left as it was.
                    continue;
                }
                let mode = std::fs::metadata(&file).unwrap().permissions().mode();
                if file.parent().is_some_and(|d| d.ends_with("azacr-tokens")) {
                    assert_eq!(mode & 0o077, 0, "{what}: {} is not private", file.display());
                    continue;
                }
                let text = String::from_utf8_lossy(&bytes);
                for secret in secrets.iter().filter(|s| s.len() >= 8) {
                    assert!(!text.contains(secret.as_str()), "{what}: a secret in {}", file.display());
                }
            }
        }
    }
    // Failure paths were taken (not every fault applies to every kind).
    assert!(failures >= kinds.len() * 2, "{failures} failures");
}

/// A token answer cut short (a proxy that gave up) or reset mid-body is tried again, as a
/// data call's is: it is no answer, not a refusal.
#[test]
fn a_truncated_or_reset_token_answer_is_tried_again() {
    use azacr_emulator::FaultMode;
    let args = admin_args("show-tags", &["--repository", "acr-helloworld", "-o", "tsv"]);
    for mode in [FaultMode::Truncated, FaultMode::ResetMidBody] {
        let emulator = Emulator::start(default_seed());
        emulator.set_faults(vec![Fault::mode("/oauth2/token", mode, 1)]);
        let out = azacr(&emulator, &args);
        assert_eq!((out.code, out.stdout.as_str()), (0, "latest\nv1\nv2\nv3\n"), "{mode:?}: {}", out.stderr);
        assert_eq!(statuses(&emulator, "/oauth2/token"), [200, 200], "{mode:?}");
    }
}
