//! Listings follow every `Link` the registry sends: a header byte that is not visible ASCII
//! (decoded as Latin-1, as az's stack decodes it) never ends a listing early, and a `Link`
//! that cannot be followed is an error, never the end of the list.

use azacr_emulator::{Emulator, default_seed, seed};

use crate::support::{admin_args, azacr};

/// `é` in Latin-1: one byte that is not visible ASCII.
const LATIN1_PARAM: &[u8] = b"&x=\xe9";

fn emulator_with_long_listings() -> Emulator {
    let emulator = Emulator::start(default_seed());
    emulator.with_seed(|s| {
        s.repositories.push(seed::large_repository("long", 750));
        for i in 0..250 {
            s.repositories.push(seed::large_repository(&format!("many/r{i:03}"), 1));
        }
    });
    emulator
}

fn lines(stdout: &str) -> usize {
    stdout.lines().count()
}

/// The listing's requests after the first page: each must carry the Link's Latin-1 value,
/// re-encoded as UTF-8 the way az's stack sends it.
fn assert_followed(emulator: &Emulator, path: &str, pages: usize) {
    let targets: Vec<String> = emulator
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.target.starts_with(path))
        .map(|r| r.target)
        .collect();
    assert_eq!(targets.len(), pages, "{targets:?}");
    assert!(targets[1..].iter().all(|t| t.ends_with("&x=%C3%A9")), "{targets:?}");
}

#[test]
fn a_latin1_link_is_followed_on_every_listing() {
    let emulator = emulator_with_long_listings();
    emulator.set_link_extra(Some(LATIN1_PARAM));

    let out = azacr(
        &emulator,
        &admin_args("show-manifests", &["--repository", "long", "-o", "tsv", "--query", "[].digest"]),
    );
    assert_eq!((out.code, lines(&out.stdout)), (0, 750), "{}", out.stderr);
    assert_followed(&emulator, "/acr/v1/long/_manifests?", 8);

    emulator.clear_requests();
    let out = azacr(&emulator, &admin_args("show-tags", &["--repository", "long", "-o", "tsv"]));
    assert_eq!((out.code, lines(&out.stdout)), (0, 250), "{}", out.stderr);
    assert_followed(&emulator, "/acr/v1/long/_tags?", 3);

    emulator.clear_requests();
    let out = azacr(&emulator, &admin_args("list", &["-o", "tsv"]));
    let repositories = emulator.snapshot()["repositories"].as_object().unwrap().len();
    assert_eq!((out.code, lines(&out.stdout)), (0, repositories), "{}", out.stderr);
    assert_followed(&emulator, "/v2/_catalog?", repositories.div_ceil(100));
}

#[test]
fn a_link_that_cannot_be_followed_is_an_error_not_the_end() {
    let emulator = emulator_with_long_listings();
    // An item without `=` in the Link's query: az fails on it too.
    emulator.set_link_extra(Some(b"&broken"));
    for args in [
        admin_args("show-manifests", &["--repository", "long", "-o", "tsv"]),
        admin_args("show-tags", &["--repository", "long"]),
        admin_args("list", &[]),
    ] {
        let out = azacr(&emulator, &args);
        assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{args:?}");
        assert!(out.stderr.contains("Link"), "{args:?}: {}", out.stderr);
    }
}

#[test]
fn a_listing_of_100000_manifests_is_complete() {
    let emulator = Emulator::start(default_seed());
    emulator.with_seed(|s| s.repositories.push(seed::large_repository("huge", 100_000)));
    let started = std::time::Instant::now();
    let out =
        azacr(&emulator, &admin_args("show-manifests", &["--repository", "huge", "--query", "length(@)"]));
    assert_eq!((out.code, out.stdout.as_str()), (0, "100000\n"), "{}", out.stderr);
    let pages =
        emulator.requests().iter().filter(|r| r.target.starts_with("/acr/v1/huge/_manifests?")).count();
    assert_eq!(pages, 1000);
    eprintln!("100,000 manifests in {:?}", started.elapsed());
}

#[test]
fn a_link_that_loops_or_follows_an_empty_page_is_an_error() {
    let emulator = Emulator::start(default_seed());
    let args = admin_args("show-manifests", &["--repository", "acr-helloworld", "-o", "tsv"]);
    // Every page points at the same next page: the third request would repeat the second.
    emulator.set_link_override(Some("</acr/v1/acr-helloworld/_manifests?last=&n=100>; rel=\"next\""));
    let out = azacr(&emulator, &args);
    assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{}", out.stderr);
    assert!(out.stderr.contains("a page already read again"), "{}", out.stderr);
    let pages = emulator.requests().iter().filter(|r| r.target.contains("_manifests?")).count();
    assert_eq!(pages, 2);
    // A page after the last item is empty, yet says there is a next one.
    emulator.clear_requests();
    emulator
        .set_link_override(Some("</acr/v1/acr-helloworld/_manifests?last=sha256%3Az&n=100>; rel=\"next\""));
    let out = azacr(&emulator, &args);
    assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{}", out.stderr);
    assert!(out.stderr.contains("an empty page with a next page"), "{}", out.stderr);
}
