//! Benchmark: the docs' "delete digests older than a timestamp" script (45 deletes through
//! `xargs`) against the emulator, with azacr as `az` and, when an az venv is present
//! (`AZ_VENV`, default ~/az-2.91; `BENCH_SKIP_AZ=1` skips it), with the real az. Prints wall
//! time, per-call time and the HTTP requests each made, by kind, for each way of signing in:
//!
//! - `-u/-p`: the admin user's name and password on every call (appended to the script's
//!   arguments by the `az` on PATH), nobody signed in;
//! - `az login`: a user's MSAL refresh token at a cloud whose Entra ID and Resource Manager
//!   are the emulator (az and azacr unpatched: Entra, ARM lookup, exchange);
//! - `registry token`: az's MSAL cache holding an Entra token for registries (az: the
//!   recorder shim's patched token, no ARM);
//! - `admin fallback`: as `az login`, but the registry refuses the AAD exchange and its
//!   admin user is enabled (az's fallback: `listCredentials`, Basic on the data calls).
//!
//! and, for azacr, each state of its token cache: `cold` (a new config directory: the first
//! call fills the cache), `warm` (the directory of an earlier run: every call finds it) and
//! `off` (`AZACR_TOKEN_CACHE=off`). `BENCH_LATENCY_MS` delays every answer.
//!
//!     cargo run --release -p azacr-emulator --bin bench-seed
//!
//! `-- manifest`: the successor loop instead (see `manifest_mode`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use azacr_emulator::scripts::{self, AzOnPath, SignIn};
use azacr_emulator::{Emulator, default_seed, seed};

const PASSWORD_ARGS: [&str; 4] = ["-u", seed::ADMIN_USER, "-p", seed::ADMIN_PASSWORD];

#[derive(Clone, Copy, PartialEq)]
enum Cache {
    Cold,
    Warm,
    Off,
}

struct Figures {
    seconds: f64,
    calls: usize,
    deleted: usize,
    /// `/v2/`, ACR `/oauth2/…`, Entra, ARM, data.
    kinds: [usize; 5],
    state: serde_json::Value,
}

impl Figures {
    fn requests(&self) -> usize {
        self.kinds.iter().sum()
    }
}

fn latency() -> u64 {
    std::env::var("BENCH_LATENCY_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// What the emulator is set to after each reset.
type Setup = fn(&Emulator);

fn nothing(_: &Emulator) {}

fn admin_fallback(emulator: &Emulator) {
    emulator.set_admin_user_enabled(&["myregistry"]);
    emulator.refuse_aad_exchange(true);
}

fn measure(emulator: &Emulator, az: &AzOnPath, (sign_in, setup): (SignIn, Setup), cache: Cache) -> Figures {
    let script = scripts::enabled(scripts::DELETE_BY_TIMESTAMP);
    let config = tempfile::tempdir().expect("temp dir");
    let env: &[(&str, &str)] = if cache == Cache::Off { &[("AZACR_TOKEN_CACHE", "off")] } else { &[] };
    emulator.reset();
    setup(emulator);
    emulator.set_latency(std::time::Duration::ZERO);
    scripts::prepare_config(emulator, config.path(), sign_in);
    if cache == Cache::Warm {
        // An earlier run leaves its caches; the registry is then put back (its tokens stay valid).
        let out = scripts::run_in(emulator, az, &script, sign_in, config.path(), env);
        assert!(out.status.success(), "warm-up failed: {}", String::from_utf8_lossy(&out.stderr));
        emulator.reset_contents();
    }
    emulator.set_latency(std::time::Duration::from_millis(latency()));
    let before = manifests(emulator);
    let started = Instant::now();
    let out = scripts::run_in(emulator, az, &script, sign_in, config.path(), env);
    let seconds = started.elapsed().as_secs_f64();
    emulator.set_latency(std::time::Duration::ZERO);
    assert!(out.status.success(), "script failed: {}", String::from_utf8_lossy(&out.stderr));
    let deleted = before - manifests(emulator);
    assert!(deleted > 0, "the script deleted nothing: {}", String::from_utf8_lossy(&out.stderr));
    let kinds = request_kinds(emulator);
    Figures { seconds, calls: deleted + 1, deleted, kinds, state: emulator.snapshot() }
}

/// The emulator's requests by kind: `/v2/`, ACR `/oauth2/…`, Entra, ARM, data.
fn request_kinds(emulator: &Emulator) -> [usize; 5] {
    let mut kinds = [0; 5];
    for r in emulator.requests() {
        let kind = if r.target == "/v2/" {
            0
        } else if r.target.starts_with("/oauth2/") {
            1
        } else if r.target.contains("/oauth2/v2.0/") || r.target.contains("/.well-known/") {
            2
        } else if r.target.starts_with("/subscriptions/") {
            3
        } else {
            4
        };
        kinds[kind] += 1;
    }
    kinds
}

fn best_of(runs: usize, mut f: impl FnMut() -> Figures) -> Figures {
    (0..runs).map(|_| f()).min_by(|a, b| a.seconds.total_cmp(&b.seconds)).expect("ran")
}

fn manifests(emulator: &Emulator) -> usize {
    emulator.snapshot()["repositories"]["myrepository"]["manifests"].as_array().map_or(0, Vec::len)
}

fn report(name: &str, f: &Figures) {
    let per = |n: usize| n as f64 / f.calls as f64;
    let [v2, oauth, entra, arm, data] = f.kinds;
    println!(
        "{name:>34}: {:7.3} s wall, {:6.1} ms/call ({} calls), {:4} requests = {:.2}/call (/v2/ {:.2}, /oauth2/ {:.2}, Entra {:.2}, ARM {:.2}, data {:.2}), {} deleted",
        f.seconds,
        f.seconds * 1000.0 / f.calls as f64,
        f.calls,
        f.requests(),
        per(f.requests()),
        per(v2),
        per(oauth),
        per(entra),
        per(arm),
        per(data),
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
    println!(
        "seed script delete-by-timestamp.sh, ENABLE_DELETE=true, {} ms latency per request (azacr: best of {runs}, cache off: one run)",
        latency()
    );
    let plain = AzOnPath::new(&azacr, &[]);
    let with_password = AzOnPath::around(&azacr, &[], &PASSWORD_ARGS);
    let ways: [(&str, &AzOnPath, (SignIn, Setup)); 4] = [
        ("-u/-p", &with_password, (SignIn::Nobody, nothing)),
        ("az login", &plain, (SignIn::AzLogin, nothing)),
        ("registry token", &plain, (SignIn::ConfigFiles, nothing)),
        ("admin fallback", &plain, (SignIn::AzLogin, admin_fallback)),
    ];
    let mut azacr_cold = Vec::new();
    for (label, az, sign_in) in ways {
        for (cache, name) in [(Cache::Cold, "cold"), (Cache::Warm, "warm"), (Cache::Off, "off")] {
            let f = if cache == Cache::Off {
                measure(&emulator, az, sign_in, cache)
            } else {
                best_of(runs, || measure(&emulator, az, sign_in, cache))
            };
            report(&format!("azacr {label}, cache {name}"), &f);
            if cache == Cache::Cold {
                azacr_cold.push(f);
            }
        }
    }

    let venv = std::env::var_os("AZ_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join("az-2.91"));
    let python = venv.join("bin/python");
    if std::env::var("BENCH_SKIP_AZ").is_ok_and(|v| v == "1") || !python.exists() {
        println!("    az: skipped (BENCH_SKIP_AZ=1, or not installed at {}; set AZ_VENV)", venv.display());
        return;
    }
    let shim = Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/az_shim.py");
    let shim_args = [shim.to_str().expect("utf-8 path")];
    let az_ways: [(&str, AzOnPath, (SignIn, Setup)); 4] = [
        ("-u/-p", AzOnPath::around(&python, &shim_args, &PASSWORD_ARGS), (SignIn::Nobody, nothing)),
        ("az login", AzOnPath::new(&python, &shim_args), (SignIn::AzLogin, nothing)),
        ("registry token", AzOnPath::new(&python, &shim_args), (SignIn::ShimPatch, nothing)),
        ("admin fallback", AzOnPath::new(&python, &shim_args), (SignIn::AzLogin, admin_fallback)),
    ];
    for ((label, az, sign_in), ours) in az_ways.iter().zip(&azacr_cold) {
        let f = measure(&emulator, az, *sign_in, Cache::Cold);
        report(&format!("az 2.91.0 {label}"), &f);
        let same = if f.state == ours.state { "identical" } else { "DIFFERENT" };
        println!(
            "{:>34}  azacr (cache cold) is {:.1}x faster with {:.2}x the requests; registry afterwards {same}",
            "",
            f.seconds / ours.seconds,
            ours.requests() as f64 / f.requests() as f64
        );
    }
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
    let kinds = request_kinds(emulator);
    Figures { seconds, calls: deleted + 1, deleted, kinds, state: emulator.snapshot() }
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
        azacr_figures.requests() as f64 / az.requests() as f64
    );
}
