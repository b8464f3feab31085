//! Transient faults: sign-in requests are tried again like data calls, and a DELETE whose
//! answer was lost after the registry applied it is reported as done.

use azacr_emulator::{Emulator, Fault, default_seed};

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
