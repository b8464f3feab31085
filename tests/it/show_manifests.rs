//! show-manifests against the emulator: paging, --top, and what is sent.

use azacr_emulator::seed::large_repository;
use azacr_emulator::{Emulator, default_seed};

use crate::support::{admin_args, azacr, fault};

fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    admin_args("show-manifests", extra)
}

fn targets(emulator: &Emulator) -> Vec<String> {
    emulator.requests().into_iter().map(|r| format!("{} {}", r.method, r.target)).collect()
}

#[test]
fn follows_link_headers_to_the_end() {
    let emulator = Emulator::start(default_seed());
    let out = azacr(&emulator, &args(&["--repository", "bigrepo", "--query", "length(@)"]));
    assert_eq!((out.code, out.stdout.as_str()), (0, "120\n"), "{}", out.stderr);
    let data: Vec<String> = targets(&emulator).into_iter().filter(|t| t.contains("_manifests")).collect();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0], "GET /acr/v1/bigrepo/_manifests?n=100");
    assert!(data[1].starts_with("GET /acr/v1/bigrepo/_manifests?last=sha256%3A"), "{}", data[1]);
    assert!(data[1].ends_with("&n=100&orderby="), "{}", data[1]);
}

#[test]
fn top_sets_the_page_size_and_stops_paging() {
    let emulator = Emulator::start(default_seed());
    let out = azacr(
        &emulator,
        &args(&["--repository", "bigrepo", "--top", "150", "--orderby", "time_desc", "--query", "length(@)"]),
    );
    assert_eq!(out.stdout, "120\n");
    let data: Vec<String> = targets(&emulator).into_iter().filter(|t| t.contains("_manifests")).collect();
    assert_eq!(data[0], "GET /acr/v1/bigrepo/_manifests?n=100&orderby=timedesc");
    assert!(data[1].ends_with("&n=50&orderby=timedesc"), "{}", data[1]);
    assert_eq!(data.len(), 2);

    emulator.clear_requests();
    let out = azacr(&emulator, &args(&["--repository", "bigrepo", "--top", "2", "--query", "length(@)"]));
    assert_eq!(out.stdout, "2\n");
    let data: Vec<String> = targets(&emulator).into_iter().filter(|t| t.contains("_manifests")).collect();
    assert_eq!(data, ["GET /acr/v1/bigrepo/_manifests?n=2"]);
}

#[test]
fn long_listings_print_what_the_listing_holds() {
    let mut seed = default_seed();
    seed.repositories.push(large_repository("large", 9_000));
    let emulator = Emulator::start(seed);
    let show = |query: &str, format: &str| {
        let out = azacr(&emulator, &args(&["--repository", "large", "--query", query, "-o", format]));
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout
    };
    let listing: Vec<serde_json::Value> = serde_json::from_str(&show("@", "json")).unwrap();
    assert_eq!(listing.len(), 9_000);
    let text = |row: &serde_json::Value, key: &str| row[key].as_str().unwrap().to_string();
    let untagged: String = listing
        .iter()
        .filter(|r| r["tags"].get(0).is_none_or(|t| t.is_null()))
        .map(|r| text(r, "digest") + "\n")
        .collect();
    assert_eq!(show("[?tags[0]==null].digest", "tsv"), untagged);
    let pairs: String =
        listing.iter().map(|r| format!("{}\t{}\n", text(r, "digest"), text(r, "timestamp"))).collect();
    assert_eq!(show("[].{d: digest, t: timestamp}", "tsv"), pairs);
    let older: Vec<serde_json::Value> = listing
        .iter()
        .filter(|r| text(r, "timestamp").as_str() < "2019-04-05")
        .map(|r| serde_json::json!([r["digest"], r["timestamp"]]))
        .collect();
    let shown: serde_json::Value =
        serde_json::from_str(&show("[?timestamp < '2019-04-05'].[digest, timestamp]", "json")).unwrap();
    assert_eq!(shown, serde_json::Value::from(older));
    // Many rows share a timestamp: ties keep the listing's order, as Python's sort does.
    let mut sorted = listing.clone();
    sorted.sort_by_key(|r| text(r, "timestamp"));
    let shown: serde_json::Value = serde_json::from_str(&show("sort_by(@, &timestamp)", "json")).unwrap();
    assert_eq!(shown, serde_json::Value::from(sorted.clone()));
    let table = show("sort_by(@, &timestamp)", "table");
    let rows: Vec<String> =
        table.lines().skip(2).map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    let expected: Vec<String> =
        sorted.iter().map(|r| format!("{} {}", text(r, "digest"), text(r, "timestamp"))).collect();
    assert_eq!(rows, expected);
}

#[test]
fn one_challenge_and_one_token_per_run() {
    let emulator = Emulator::start(default_seed());
    let out = azacr(&emulator, &args(&["--repository", "acr-helloworld", "-o", "tsv"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let requests = emulator.requests();
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert_eq!(requests[0].target, "/v2/");
    assert_eq!(requests[1].target, "/oauth2/token");
    assert_eq!(
        requests[1].body,
        "service=myregistry.azurecr.io&grant_type=password&username=myregistry&password=AdminPassw0rd&scope=repository%3Aacr-helloworld%3Ametadata_read"
    );
    assert_eq!(requests[2].auth, "bearer");
}

#[test]
fn throttling_is_retried_after_the_server_asked_delay() {
    let emulator = Emulator::start(default_seed());
    emulator.set_faults(vec![fault("/_manifests", 429, 2)]);
    let out = azacr(&emulator, &args(&["--repository", "acr-helloworld", "--query", "length(@)"]));
    assert_eq!((out.code, out.stdout.as_str()), (0, "4\n"), "{}", out.stderr);
    let statuses: Vec<u16> =
        emulator.requests().iter().filter(|r| r.target.contains("_manifests")).map(|r| r.status).collect();
    assert_eq!(statuses, [429, 429, 200]);
}

#[test]
fn persistent_server_errors_give_az_message_after_three_tries() {
    let emulator = Emulator::start(default_seed());
    emulator.set_faults(vec![fault("/_manifests", 503, 10)]);
    let out = azacr(&emulator, &args(&["--repository", "acr-helloworld"]));
    assert_eq!(out.code, 1);
    assert!(out.stderr.ends_with("ERROR: Could not get the requested data.\n"), "{}", out.stderr);
    assert_eq!(emulator.requests().iter().filter(|r| r.target.contains("_manifests")).count(), 3);
}

#[test]
fn untrusted_certificates_are_refused() {
    let emulator = Emulator::start(default_seed());
    let config = crate::support::ConfigDir::empty();
    let mut cmd = crate::support::command(&crate::support::azacr_bin(), &emulator, &config, None);
    cmd.env_remove("REQUESTS_CA_BUNDLE").args(args(&["--repository", "acr-helloworld"]));
    let out = crate::support::run(cmd);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("ERROR: Could not connect to the registry login server 'myregistry.azurecr.io'."),
        "{}",
        out.stderr
    );
    assert!(emulator.requests().is_empty());
}

#[test]
fn trust_is_what_az_trusts_the_named_bundle_or_the_mozilla_roots() {
    let emulator = Emulator::start(default_seed());
    let config = crate::support::ConfigDir::empty();
    let run = |set: &[(&str, &std::ffi::OsStr)]| {
        let mut cmd = crate::support::command(&crate::support::azacr_bin(), &emulator, &config, None);
        cmd.env_remove("REQUESTS_CA_BUNDLE").args(args(&[
            "--repository",
            "acr-helloworld",
            "--query",
            "length(@)",
        ]));
        for (k, v) in set {
            cmd.env(k, v);
        }
        crate::support::run(cmd)
    };
    let ca = emulator.ca_bundle().as_os_str();
    // requests falls back to CURL_CA_BUNDLE when REQUESTS_CA_BUNDLE is unset or empty.
    assert_eq!(run(&[("CURL_CA_BUNDLE", ca)]).stdout, "4\n");
    assert_eq!(run(&[("REQUESTS_CA_BUNDLE", "".as_ref()), ("CURL_CA_BUNDLE", ca)]).stdout, "4\n");
    // The system's trust settings are not az's: a CA only they name is not trusted.
    let refused = run(&[("SSL_CERT_FILE", ca)]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("Could not connect to the registry login server"), "{}", refused.stderr);
    // OpenSSL's TRUSTED CERTIFICATE form (the certificate, then its trust settings), which
    // Python's ssl reads: the same CA, trusted.
    let trusted = {
        use base64::Engine;
        let pem = std::fs::read_to_string(emulator.ca_bundle()).unwrap();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let mut der = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
        der.extend_from_slice(&[
            0x30, 0x0c, 0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01,
        ]);
        let encoded = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> =
            encoded.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trusted.pem");
        let text = format!(
            "-----BEGIN TRUSTED CERTIFICATE-----\n{}\n-----END TRUSTED CERTIFICATE-----\n",
            lines.join("\n")
        );
        std::fs::write(&path, text).unwrap();
        (dir, path)
    };
    assert_eq!(run(&[("REQUESTS_CA_BUNDLE", trusted.1.as_os_str())]).stdout, "4\n");
    let missing = run(&[("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem".as_ref())]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("Could not read the CA bundle /nonexistent/ca.pem"),
        "{}",
        missing.stderr
    );
}

#[test]
fn every_request_is_http_1_1_as_azs_stack_sends_it() {
    // az's requests speak HTTP/1.1 only; proxies and firewalls that let az through see the same.
    let emulator = Emulator::start(default_seed());
    let out = azacr(&emulator, &args(&["--repository", "bigrepo", "--query", "length(@)"]));
    assert_eq!((out.code, out.stdout.as_str()), (0, "120\n"), "{}", out.stderr);
    let requests = emulator.requests();
    assert!(requests.len() >= 4, "challenge, token and two pages: {requests:?}");
    for request in requests {
        assert_eq!(request.version, "HTTP/1.1", "{} {}", request.method, request.target);
    }
}
