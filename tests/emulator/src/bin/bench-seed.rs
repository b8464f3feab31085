//! Benchmark: the docs' "delete digests older than a timestamp" script (45 deletes through
//! `xargs`) against the emulator, with azacr as `az` and, when an az venv is present
//! (`AZ_VENV`, default ~/az-2.91), with the real az. Prints wall time, per-call time and the
//! HTTP requests each made.
//!
//!     cargo run --release -p azacr-emulator --bin bench-seed
//!
//! `-- manifest`: the successor loop instead (see `manifest_mode`).

use std::path::PathBuf;
use std::time::Instant;

use azacr_emulator::scripts::{self, AzOnPath, SignIn};
use azacr_emulator::{Emulator, default_seed};

struct Figures {
    seconds: f64,
    calls: usize,
    requests: usize,
    deleted: usize,
    /// `GET /v2/`, `/oauth2/…` (ACR and Entra), data.
    kinds: (usize, usize, usize),
}

fn measure(emulator: &Emulator, az: &AzOnPath, sign_in: SignIn) -> Figures {
    measure_with(emulator, az, sign_in, &[])
}

fn measure_with(emulator: &Emulator, az: &AzOnPath, sign_in: SignIn, env: &[(&str, &str)]) -> Figures {
    let latency = std::env::var("BENCH_LATENCY_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    emulator.reset();
    emulator.set_latency(std::time::Duration::from_millis(latency));
    let before = manifests(emulator);
    let started = Instant::now();
    let script = scripts::enabled(scripts::DELETE_BY_TIMESTAMP);
    let out = scripts::run_with_env(emulator, az, &script, sign_in, env);
    let seconds = started.elapsed().as_secs_f64();
    assert!(out.status.success(), "script failed: {}", String::from_utf8_lossy(&out.stderr));
    let deleted = before - manifests(emulator);
    assert!(deleted > 0, "the script deleted nothing: {}", String::from_utf8_lossy(&out.stderr));
    let requests = emulator.requests();
    let challenge = requests.iter().filter(|r| r.target == "/v2/").count();
    let oauth = requests.iter().filter(|r| r.target.contains("/oauth2/")).count();
    let kinds = (challenge, oauth, requests.len() - challenge - oauth);
    Figures { seconds, calls: deleted + 1, requests: requests.len(), deleted, kinds }
}

fn manifests(emulator: &Emulator) -> usize {
    emulator.snapshot()["repositories"]["myrepository"]["manifests"].as_array().map_or(0, Vec::len)
}

fn report(name: &str, f: &Figures) {
    println!(
        "{name:>9}: {:7.3} s wall, {:6.1} ms per az call ({} calls), {:4} HTTP requests ({} /v2/, {} /oauth2/, {} data), {} manifests deleted",
        f.seconds,
        f.seconds * 1000.0 / f.calls as f64,
        f.calls,
        f.requests,
        f.kinds.0,
        f.kinds.1,
        f.kinds.2,
        f.deleted
    );
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("manifest") {
        return manifest_mode();
    }
    let azacr = scripts::build_azacr(true);
    let emulator = Emulator::start(default_seed());
    let runs = 3;
    let mut best: Option<Figures> = None;
    for _ in 0..runs {
        let f = measure(&emulator, &AzOnPath::new(&azacr, &[]), SignIn::ConfigFiles);
        if best.as_ref().is_none_or(|b| f.seconds < b.seconds) {
            best = Some(f);
        }
    }
    let azacr_figures = best.expect("ran");
    let latency = std::env::var("BENCH_LATENCY_MS").unwrap_or_else(|_| "0".into());
    println!(
        "seed script delete-by-timestamp.sh, ENABLE_DELETE=true, {latency} ms latency per request (best of {runs} for azacr)"
    );
    report("azacr", &azacr_figures);
    let off = measure_with(
        &emulator,
        &AzOnPath::new(&azacr, &[]),
        SignIn::ConfigFiles,
        &[("AZACR_TOKEN_CACHE", "off")],
    );
    report("cache off", &off);

    let venv = std::env::var_os("AZ_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join("az-2.91"));
    let python = venv.join("bin/python");
    if !python.exists() {
        println!("    az: not installed at {} (set AZ_VENV); skipped", venv.display());
        return;
    }
    let shim = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/az_shim.py");
    let azacr_state = {
        measure(&emulator, &AzOnPath::new(&azacr, &[]), SignIn::ConfigFiles);
        emulator.snapshot()
    };
    let shim_args = [shim.to_str().expect("utf-8 path")];
    let az = measure(&emulator, &AzOnPath::new(&python, &shim_args), SignIn::ShimPatch);
    let same = if emulator.snapshot() == azacr_state { "identical" } else { "DIFFERENT" };
    println!(" state: the registry afterwards is {same} for az and azacr");
    report("az", &az);
    println!(
        " ratio: azacr is {:.1}x faster, with {:.2}x the HTTP requests",
        az.seconds / azacr_figures.seconds,
        azacr_figures.requests as f64 / az.requests as f64
    );
}

/// The seed loop in the form az's deprecation warning points to: `acr manifest list-metadata`
/// for the untagged digests, then one `acr manifest delete --yes` per digest through `xargs`.
const MANIFEST_LOOP: &str = r#"set -euo pipefail
REGISTRY=myregistry
REPOSITORY=myrepository
az acr manifest list-metadata --registry $REGISTRY --name $REPOSITORY --query "[?tags==null].digest" -o tsv \
  | xargs -I% az acr manifest delete -n $REPOSITORY@% --registry $REGISTRY --yes
"#;

fn measure_manifest_loop(
    emulator: &Emulator,
    az: &AzOnPath,
    sign_in: SignIn,
    env: &[(&str, &str)],
) -> Figures {
    let latency = std::env::var("BENCH_LATENCY_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    emulator.reset();
    emulator.set_latency(std::time::Duration::from_millis(latency));
    let before = manifests(emulator);
    let started = Instant::now();
    let out = scripts::run_with_env(emulator, az, MANIFEST_LOOP, sign_in, env);
    let seconds = started.elapsed().as_secs_f64();
    assert!(out.status.success(), "loop failed: {}", String::from_utf8_lossy(&out.stderr));
    let deleted = before - manifests(emulator);
    assert!(deleted > 0, "the loop deleted nothing: {}", String::from_utf8_lossy(&out.stderr));
    let requests = emulator.requests();
    let challenge = requests.iter().filter(|r| r.target == "/v2/").count();
    let oauth = requests.iter().filter(|r| r.target.contains("/oauth2/")).count();
    let kinds = (challenge, oauth, requests.len() - challenge - oauth);
    Figures { seconds, calls: deleted + 1, requests: requests.len(), deleted, kinds }
}

/// `bench-seed manifest`: the successor loop with azacr (best of 3, token cache on and off)
/// and with the real az, when installed.
fn manifest_mode() {
    let azacr = scripts::build_azacr(true);
    let emulator = Emulator::start(default_seed());
    let runs = 3;
    let mut best: Option<Figures> = None;
    for _ in 0..runs {
        let f = measure_manifest_loop(&emulator, &AzOnPath::new(&azacr, &[]), SignIn::ConfigFiles, &[]);
        if best.as_ref().is_none_or(|b| f.seconds < b.seconds) {
            best = Some(f);
        }
    }
    let azacr_figures = best.expect("ran");
    let azacr_state = emulator.snapshot();
    let latency = std::env::var("BENCH_LATENCY_MS").unwrap_or_else(|_| "0".into());
    println!(
        "acr manifest list-metadata | xargs acr manifest delete --yes, {latency} ms latency per request (best of {runs} for azacr)"
    );
    report("azacr", &azacr_figures);
    let env = [("AZACR_TOKEN_CACHE", "off")];
    let off = measure_manifest_loop(&emulator, &AzOnPath::new(&azacr, &[]), SignIn::ConfigFiles, &env);
    report("cache off", &off);
    let venv = std::env::var_os("AZ_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join("az-2.91"));
    let python = venv.join("bin/python");
    if !python.exists() {
        println!("    az: not installed at {} (set AZ_VENV); skipped", venv.display());
        return;
    }
    let shim = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/az_shim.py");
    let shim_args = [shim.to_str().expect("utf-8 path")];
    let az = measure_manifest_loop(&emulator, &AzOnPath::new(&python, &shim_args), SignIn::ShimPatch, &[]);
    let same = if emulator.snapshot() == azacr_state { "identical" } else { "DIFFERENT" };
    println!(" state: the registry afterwards is {same} for az and azacr");
    report("az", &az);
    println!(
        " ratio: azacr is {:.1}x faster, with {:.2}x the HTTP requests",
        az.seconds / azacr_figures.seconds,
        azacr_figures.requests as f64 / az.requests as f64
    );
}
