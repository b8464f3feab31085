//! Bad input never panics (issue 16, part 4): property tests over what azacr reads — image
//! references, repository names, `--query`, argv, config files, CA bundles, registry bodies
//! and Link headers — and a body over the limit is refused. `PROPTEST_CASES` sets the number
//! of cases per property (64 by default, so CI stays quick); the fuzz targets in `fuzz/` run
//! for longer.

use std::panic::{AssertUnwindSafe, catch_unwind};

use azacr::data::Data;
use azacr::registry::paging::{PageItems, decode_page, link_params};
use azacr::registry::reference::parse_image;
use azacr::registry::{Reference, Repository};
use azacr_emulator::{Emulator, Fault, FaultMode, default_seed};
use proptest::prelude::*;

use crate::support::{ConfigDir, admin_args, azacr};

fn cases() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(64);
    ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(cases) }
}

/// Strings azacr is likely to choke on: the characters its parsers split on, and any other.
fn nasty() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("@".to_string()),
        Just(":".to_string()),
        Just("/".to_string()),
        Just("..".to_string()),
        Just("%2F".to_string()),
        Just("sha256:".to_string()),
        Just("\"".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("`".to_string()),
        Just("|".to_string()),
        Just("&".to_string()),
        Just("\u{0}".to_string()),
        Just("é".to_string()),
        "[a-z0-9]{0,6}",
        any::<String>(),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|p| p.concat())
}

/// JSON-ish bytes: fragments of registry bodies, stray bytes and deep nesting.
fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"{\"tags\":".to_vec()),
        Just(b"{\"manifests\":[".to_vec()),
        Just(b"[".to_vec()),
        Just(b"]".to_vec()),
        Just(b"{".to_vec()),
        Just(b"}".to_vec()),
        Just(b",".to_vec()),
        Just(b"\"name\":\"a\"".to_vec()),
        Just(b"null".to_vec()),
        Just(b"1e999".to_vec()),
        Just(b"\"\\ud800\"".to_vec()),
        Just(vec![0xff, 0xfe, 0x80]),
        (1usize..3000).prop_map(|n| b"[".repeat(n)),
        proptest::collection::vec(any::<u8>(), 0..16),
    ];
    proptest::collection::vec(piece, 0..16).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn image_references_never_panic(image in nasty(), digest in any::<bool>()) {
        if let Ok(parsed) = parse_image(&image, digest) {
            let _ = parsed.item();
        }
    }

    #[test]
    fn repository_names_and_references_never_panic(name in nasty()) {
        let _ = Repository::new(&name);
        let _ = Reference::new(&name);
    }

    #[test]
    fn queries_never_panic(expression in nasty()) {
        let data = Data::from_json(br#"[{"name":"a","tags":["x",{"y":[1,2.5,null]}]},"b",3]"#).unwrap();
        if let Ok(query) = azacr::output::query::Query::compile(&expression) {
            let _ = query.search(&data);
        }
    }

    #[test]
    fn page_bodies_never_panic(body in body_bytes()) {
        let _ = decode_page::<Data>(&body, "tags");
        let _ = Data::from_json(&body);
    }

    #[test]
    fn link_headers_never_panic(link in nasty()) {
        let _ = link_params(&link);
        let _ = link_params(&format!("<{link}>; rel=\"next\""));
        let _ = link_params(&format!("</v2/_catalog?{link}>; rel=\"next\""));
    }

    #[test]
    fn config_files_never_panic(text in proptest::collection::vec(prop_oneof![
        Just("[core]\n".to_string()), Just("[defaults]\n".to_string()), Just("acr = ".to_string()),
        Just("output = \n".to_string()), Just("no_color = yes\n".to_string()), Just("%(x)s".to_string()),
        Just("\n  continued\n".to_string()), Just("=".to_string()), nasty(),
    ], 0..10).prop_map(|p| p.concat()), raw in proptest::collection::vec(any::<u8>(), 0..64)) {
        for content in [text.into_bytes(), raw] {
            let dir = ConfigDir::empty();
            std::fs::write(dir.path().join("config"), &content).unwrap();
            let env = azacr::env::Env::of([("AZURE_CONFIG_DIR", dir.path().as_os_str())]).in_dir(dir.path());
            let config = azacr::config::Config::load(&env);
            let _ = (config.default_registry(), config.get_bool("core", "no_color"), config.get("core", "output"));
        }
    }

    #[test]
    fn ca_bundles_never_panic(pem in proptest::collection::vec(prop_oneof![
        Just(b"-----BEGIN CERTIFICATE-----\n".to_vec()), Just(b"-----END CERTIFICATE-----\n".to_vec()),
        Just(b"-----BEGIN TRUSTED CERTIFICATE-----\n".to_vec()), Just(b"-----END TRUSTED CERTIFICATE-----\n".to_vec()),
        Just(b"MIIB\n".to_vec()), Just(b"MIGBMAA=\n".to_vec()),
        Just(b"MIIBszCCAVmgAwIBAgIU\n".to_vec()), proptest::collection::vec(any::<u8>(), 0..40),
    ], 0..8).prop_map(|p| p.concat())) {
        let dir = ConfigDir::empty();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, &pem).unwrap();
        let env = azacr::env::Env::of([("REQUESTS_CA_BUNDLE", path.as_os_str())]);
        let _ = rustls::crypto::ring::default_provider().install_default();
        let _ = azacr::registry::transport::build_client("myregistry.azurecr.io", &env);
    }
}

/// What argv properties are built from: azacr's own words and anything else.
fn argv() -> impl Strategy<Value = Vec<String>> {
    let word = prop_oneof![
        4 => proptest::sample::select(vec![
            "acr", "repository", "list", "show", "show-tags", "show-manifests", "delete", "untag",
            "update", "list-deleted", "-n", "--name", "myregistry", "--repository", "--image", "-t",
            "--query", "-o", "json", "tsv", "table", "yaml", "jsonc", "none", "--top", "0", "-1",
            "99999999999999999999", "--orderby", "time_desc", "--yes", "-y", "--debug", "--verbose",
            "--only-show-errors", "-h", "--help", "--detail", "-u", "admin", "-p", "", "=", "--",
            "a:b", "a@sha256:0", "[?name=='a']", "length(@)", "--write-enabled", "true", "--suffix",
        ]).prop_map(String::from),
        1 => nasty(),
    ];
    proptest::collection::vec(word, 0..10)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases().cases.min(32), ..cases() })]

    /// Whatever the command line, azacr ends with an exit code (never a panic's 101) and a
    /// failing one says why on stderr. Nothing listens where it connects (connection refused).
    #[test]
    fn any_command_line_ends_cleanly(args in argv()) {
        let config = ConfigDir::empty();
        let env = azacr::env::Env::of([
            ("HOME", config.path().as_os_str()),
            ("AZURE_CONFIG_DIR", config.path().as_os_str()),
            ("AZACR_AZ_PATH", "".as_ref()),
            ("AZACR_TOKEN_CACHE", "off".as_ref()),
            ("AZACR_CONNECT_TO", "127.0.0.1:1".as_ref()),
        ])
        .in_dir(config.path());
        let (io, _stdout, stderr) = azacr::ui::Io::captured();
        let code = catch_unwind(AssertUnwindSafe(|| azacr::run_with(args.clone(), &io, env)));
        let code = code.map_err(|_| TestCaseError::fail(format!("panicked on {args:?}")))?;
        prop_assert_ne!(code, 101);
        if code != 0 {
            prop_assert!(!stderr.lock().unwrap().is_empty(), "exit {} with nothing said: {:?}", code, args);
        }
    }
}

#[test]
fn deeply_nested_bodies_are_errors_not_stack_overflows() {
    for key in ["tags", "manifests"] {
        let body = format!("{{\"{key}\":{}", "[".repeat(1_000_000));
        assert!(decode_page::<Data>(body.as_bytes(), key).is_err());
        let body = format!("{{\"{key}\":[{}]}}", "{\"a\":".repeat(100_000));
        assert!(decode_page::<Data>(body.as_bytes(), key).is_err());
    }
    assert!(Data::from_json("[".repeat(1_000_000).as_bytes()).is_err());
    assert!(decode_page::<Data>(b"{\"tags\":[\"\xff\"]}", "tags").is_err());
    assert!(
        matches!(decode_page::<Data>(b"{\"tags\":[]}", "tags"), Ok(PageItems::Items(items)) if items.is_empty())
    );
}

#[test]
fn a_body_over_the_limit_is_refused_with_a_clear_message() {
    let emulator = Emulator::start(default_seed());
    // 2 MiB of valid JSON, against a limit of 1 MiB for this test's runs.
    let huge =
        format!("{{\"tags\":[{}\"x\"]}}", "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",".repeat(2 * 1024 * 1024 / 33));
    emulator.set_faults(vec![Fault { body: huge, ..Fault::status("/_tags", 200, 5) }]);
    azacr::registry::transport::knobs::set_max_body(1024 * 1024);
    let out = azacr(&emulator, &admin_args("show-tags", &["--repository", "acr-helloworld"]));
    azacr::registry::transport::knobs::set_max_body(azacr::registry::transport::MAX_BODY);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.ends_with("ERROR: The registry's answer is larger than 1 MiB; it was not read.\n"),
        "{}",
        out.stderr
    );
    // Refused at once, not tried again.
    let tries = emulator.requests().iter().filter(|r| r.target.contains("/_tags")).count();
    assert_eq!(tries, 1);
}

#[test]
fn a_truncated_listing_is_tried_again_then_is_an_error_never_a_short_list() {
    let args = admin_args("show-tags", &["--repository", "acr-helloworld", "-o", "tsv"]);
    let emulator = Emulator::start(default_seed());
    emulator.set_faults(vec![Fault::mode("/_tags", FaultMode::Truncated, 1)]);
    let out = azacr(&emulator, &args);
    assert_eq!((out.code, out.stdout.as_str()), (0, "latest\nv1\nv2\nv3\n"), "{}", out.stderr);

    emulator.set_faults(vec![Fault::mode("/_tags", FaultMode::Truncated, 10)]);
    let out = azacr(&emulator, &args);
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    assert!(out.stderr.starts_with("ERROR: "), "{}", out.stderr);
}

#[test]
fn a_connection_reset_mid_body_is_tried_again() {
    let args = admin_args("show-tags", &["--repository", "acr-helloworld", "-o", "tsv"]);
    let emulator = Emulator::start(default_seed());
    emulator.set_faults(vec![Fault::mode("/_tags", FaultMode::ResetMidBody, 2)]);
    let out = azacr(&emulator, &args);
    assert_eq!((out.code, out.stdout.as_str()), (0, "latest\nv1\nv2\nv3\n"), "{}", out.stderr);
    emulator.set_faults(vec![Fault { delay_ms: 5, ..Fault::mode("/_tags", FaultMode::SlowBody, 1) }]);
    let out = azacr(&emulator, &args);
    assert_eq!((out.code, out.stdout.as_str()), (0, "latest\nv1\nv2\nv3\n"), "{}", out.stderr);
}

#[test]
fn a_token_that_expires_after_some_requests_ends_in_azs_401_error() {
    let emulator = Emulator::start(default_seed());
    // The tag listing's first page passes; the next request is refused.
    emulator.set_faults(vec![Fault { after: 1, ..Fault::status("/acr/v1/", 401, 10) }]);
    let out = azacr(&emulator, &admin_args("show", &["--repository", "acr-helloworld"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = azacr(&emulator, &admin_args("show", &["--repository", "acr-helloworld"]));
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    assert!(out.stderr.ends_with("ERROR: Authentication required.\n"), "{}", out.stderr);
}
