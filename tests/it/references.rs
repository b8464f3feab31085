//! What a user types can never change which item a request names: every hostile or sloppy
//! image reference reaches only the item it spells (or nothing), and deletes nothing else.

use azacr_emulator::{Challenge, Emulator, LoggedRequest, default_seed};

use crate::support::{admin_args, azacr};

const UNTAGGED: &str = "sha256:e2ec7e82f9ab31713fd0f2076c7ed52a42d21dc7774532bc9919b338a2826b4a";

/// The data requests (not sign-in) a run made: method and target as the registry saw them.
fn data_requests(emulator: &Emulator) -> Vec<(String, String)> {
    emulator
        .requests()
        .into_iter()
        .filter(|r: &LoggedRequest| r.target != "/v2/" && !r.target.starts_with("/oauth2/"))
        .map(|r| (r.method, r.target))
        .collect()
}

/// Runs `args`; asserts the registry is as before, that every data request is a GET of
/// `acr-helloworld`'s tag listing or one of `allowed` (method, target), and that each of
/// `allowed` was sent.
fn assert_only(emulator: &Emulator, args: &[&str], allowed: &[(&str, &str)]) -> String {
    emulator.reset();
    let before = emulator.snapshot();
    let out = azacr(emulator, args);
    assert_ne!(out.code, 0, "{args:?}: {}", out.stderr);
    assert_eq!(emulator.snapshot(), before, "{args:?} changed the registry");
    let sent = data_requests(emulator);
    for (method, target) in &sent {
        let listing = method == "GET" && target.starts_with("/acr/v1/acr-helloworld/_tags?");
        assert!(
            listing || allowed.iter().any(|(m, t)| m == method && t == target),
            "{args:?} sent {method} {target}"
        );
    }
    // And the item typed was asked for, as typed (not refused for some other reason).
    for (m, t) in allowed {
        assert!(
            sent.iter().any(|(method, target)| method == m && target == t),
            "{args:?} never sent {m} {t}"
        );
    }
    out.stderr
}

fn delete(image: &str) -> Vec<&str> {
    admin_args("delete", &["--image", image, "--yes"])
}

fn untag(image: &str) -> Vec<&str> {
    admin_args("untag", &["--image", image])
}

#[test]
fn whitespace_and_control_characters_reach_no_other_tag() {
    let emulator = Emulator::start(default_seed());
    let stderr = assert_only(
        &emulator,
        &delete("acr-helloworld:v1 "),
        &[("GET", "/acr/v1/acr-helloworld/_tags/v1%20")],
    );
    assert_eq!(stderr, "ERROR: Error: the specified tag does not exist.\n");
    assert_only(&emulator, &delete("acr-helloworld: v1"), &[("GET", "/acr/v1/acr-helloworld/_tags/%20v1")]);
    let stderr = assert_only(
        &emulator,
        &untag("acr-helloworld:v\t2"),
        &[("DELETE", "/acr/v1/acr-helloworld/_tags/v%092")],
    );
    assert_eq!(stderr, "ERROR: Error: the specified tag does not exist.\n");
}

#[test]
fn a_digest_from_a_crlf_list_deletes_nothing() {
    let emulator = Emulator::start(default_seed());
    for (end, encoded) in [("\r", "%0D"), ("\n", "%0A"), (" ", "%20")] {
        let image = format!("acr-helloworld@{UNTAGGED}{end}");
        let target = format!("/v2/acr-helloworld/manifests/{UNTAGGED}{encoded}");
        assert_only(&emulator, &delete(&image), &[("DELETE", &target)]);
    }
}

#[test]
fn fragments_and_queries_stay_in_the_digest() {
    let emulator = Emulator::start(default_seed());
    for (end, encoded) in [("#junk", "%23junk"), ("?x=1", "%3Fx=1"), ("%00", "%2500")] {
        let image = format!("acr-helloworld@{UNTAGGED}{end}");
        let target = format!("/v2/acr-helloworld/manifests/{UNTAGGED}{encoded}");
        assert_only(&emulator, &delete(&image), &[("DELETE", &target)]);
    }
    // az's stack decodes `%31` to `1` and deletes tag v1's manifest; azacr names the tag `v%31`.
    assert_only(&emulator, &delete("acr-helloworld:v%31"), &[("GET", "/acr/v1/acr-helloworld/_tags/v%2531")]);
}

#[test]
fn dot_segments_in_a_digest_or_tag_never_reach_the_repository() {
    let emulator = Emulator::start(default_seed());
    let image = "acr-helloworld@x/../../../../acr/v1/acr-helloworld";
    let target = "/v2/acr-helloworld/manifests/x%2F..%2F..%2F..%2F..%2Facr%2Fv1%2Facr-helloworld";
    assert_only(&emulator, &delete(image), &[("DELETE", target)]);
    let image = "acr-helloworld@x/%2e%2e/%2e%2e/%2e%2e/%2e%2e/acr/v1/acr-helloworld";
    let target = "/v2/acr-helloworld/manifests/x%2F%252e%252e%2F%252e%252e%2F%252e%252e%2F%252e%252e%2Facr%2Fv1%2Facr-helloworld";
    assert_only(&emulator, &delete(image), &[("DELETE", target)]);
    let target = "/acr/v1/acr-helloworld/_tags/x%2F..%2F..%2F..%2Facr-helloworld";
    assert_only(&emulator, &untag("acr-helloworld:x/../../../acr-helloworld"), &[("DELETE", target)]);
}

#[test]
fn under_a_basic_challenge_dot_segments_reach_no_other_repository() {
    let emulator = Emulator::start(default_seed());
    emulator.set_challenge(Challenge::Basic);
    let image = "acr-helloworld@x/../../../../acr/v1/myrepository";
    let target = "/v2/acr-helloworld/manifests/x%2F..%2F..%2F..%2F..%2Facr%2Fv1%2Fmyrepository";
    let before = emulator.snapshot();
    let out = azacr(&emulator, &delete(image));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(emulator.snapshot(), before);
    let deletes: Vec<_> = data_requests(&emulator).into_iter().filter(|(m, _)| m == "DELETE").collect();
    assert!(!deletes.is_empty() && deletes.iter().all(|(_, t)| t == target), "{deletes:?}");
}

#[test]
fn a_whole_dot_segment_is_refused_before_any_request() {
    let emulator = Emulator::start(default_seed());
    let refused = "ERROR: '..' cannot be sent to the registry as a repository name part, tag or digest: in a URL path it would name a different item.\n";
    for args in [
        untag("acr-helloworld:.."),
        delete("acr-helloworld:.."),
        delete("acr-helloworld@.."),
        delete("acr-helloworld/..:v1"),
        admin_args("show", &["--repository", "acr-helloworld/.."]),
        admin_args("delete", &["--repository", "acr-helloworld/..", "--yes"]),
        admin_args("update", &["--image", "acr-helloworld:..", "--write-enabled", "false"]),
        admin_args("show-tags", &["--repository", "acr-helloworld/.."]),
        admin_args("show-manifests", &["--repository", "../acr-helloworld"]),
    ] {
        emulator.reset();
        let before = emulator.snapshot();
        let out = azacr(&emulator, &args);
        // show-manifests prints az's deprecation warning first.
        assert!(out.code == 1 && out.stderr.ends_with(refused), "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr.matches("ERROR").count(), 1);
        assert!(emulator.requests().is_empty(), "{args:?}: {:?}", emulator.requests());
        assert_eq!(emulator.snapshot(), before);
    }
    let out = azacr(&emulator, &delete("acr-helloworld:."));
    assert!(out.stderr.starts_with("ERROR: '.' cannot be sent"), "{}", out.stderr);
}

/// `a//b`, `/a`, `a/` and an empty tag: a front end that merges slashes would read the path as
/// another item (`/acr/v1//_tags/v1` as repository `_tags`), so none is sent.
#[test]
fn an_empty_name_part_or_tag_is_refused_before_any_request() {
    let emulator = Emulator::start(default_seed());
    let refused = "ERROR: An empty repository name part, tag or digest cannot be sent to the registry: in a URL path it would name a different item.\n";
    let update_metadata = |name| {
        let mut args = vec!["acr", "manifest", "update-metadata", "-r", "myregistry", "-n", name];
        args.extend(["--write-enabled", "false", "-u", "myregistry", "-p", "AdminPassw0rd"]);
        args
    };
    for args in [
        update_metadata("acr-helloworld/:v1"),
        update_metadata("/acr-helloworld:v1"),
        delete("acr-helloworld//x:v1"),
        admin_args("show-tags", &["--repository", "acr-helloworld/"]),
        admin_args("delete", &["--repository", "/acr-helloworld", "--yes"]),
    ] {
        emulator.reset();
        let before = emulator.snapshot();
        let out = azacr(&emulator, &args);
        assert!(out.code == 1 && out.stderr.ends_with(refused), "{args:?}: {}", out.stderr);
        assert!(emulator.requests().is_empty(), "{args:?}: {:?}", emulator.requests());
        assert_eq!(emulator.snapshot(), before);
    }
}
