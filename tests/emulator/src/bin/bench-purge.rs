//! Benchmark: `azacr purge` of 5,000 untagged manifests across 10 repositories (issue 15),
//! against the emulator with `BENCH_LATENCY_MS` (default 20) before every answer:
//!
//! * (a) unthrottled: wall time, deletes per second, HTTP requests, peak RSS;
//! * (b) with a WriteOps limit of `BENCH_WRITE_LIMIT` per minute (default 2,000: Premium),
//!   with and without `Retry-After`: achieved deletes per minute as a share of the limit,
//!   failed items;
//! * (c) the seed's `xargs` loop (delete-untagged.sh) on one repository of
//!   `BENCH_XARGS_MANIFESTS` (default 500) with azacr as `az`, and of `BENCH_AZ_MANIFESTS`
//!   (default 20) with the real az when installed (`AZ_VENV`, default ~/az-2.91): per-delete
//!   time, for the ratio.
//!
//!     cargo run --release -p azacr-emulator --bin bench-purge
//!
//! `BENCH_PARTS` picks parts after (a), which always runs (`b`, `b-no-retry-after`, `c`;
//! default all).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use azacr_emulator::model::Attributes;
use azacr_emulator::scripts::{self, AzOnPath, SignIn};
use azacr_emulator::seed::{ADMIN_PASSWORD, ADMIN_USER, RepoBuilder};
use azacr_emulator::{Emulator, RateLimits, default_seed};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn untagged_repository(name: &str, count: u32) -> azacr_emulator::model::Repository {
    let mut repo = RepoBuilder::new(name);
    for i in 0..count {
        repo = repo.manifest(i % 1000, &[], Attributes::default());
    }
    repo.build()
}

struct Figures {
    wall: f64,
    rss_mb: f64,
    requests: usize,
    deletes: usize,
    throttled: usize,
    code: i32,
    stdout: String,
}

fn purge(binary: &Path, emulator: &Emulator, extra: &[&str]) -> Figures {
    let config = tempfile::tempdir().expect("temp dir");
    let times = config.path().join("time.txt");
    emulator.clear_requests();
    let out = Command::new("/usr/bin/time")
        .arg("-o")
        .arg(&times)
        .args(["-f", "%e %M"])
        .arg(binary)
        .args(["purge", "-r", "myregistry", "-u", ADMIN_USER, "-p", ADMIN_PASSWORD])
        .args(["--untagged-only", "--filter", "purge-.*:.*"])
        .args(extra)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", config.path())
        .env("AZURE_CONFIG_DIR", config.path())
        .env("AZACR_AZ_PATH", "")
        .env("REQUESTS_CA_BUNDLE", emulator.ca_bundle())
        .env("AZACR_CONNECT_TO", emulator.addr().to_string())
        .stdin(Stdio::null())
        .output()
        .expect("run azacr purge");
    let text = std::fs::read_to_string(&times).expect("time's figures");
    let f: Vec<f64> = text.split_whitespace().filter_map(|v| v.parse().ok()).collect();
    let requests = emulator.requests();
    Figures {
        wall: f[0],
        rss_mb: f[1] / 1024.0,
        requests: requests.len(),
        deletes: requests.iter().filter(|r| r.method == "DELETE" && r.status == 202).count(),
        throttled: requests.iter().filter(|r| r.status == 429).count(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

fn failed_items(stdout: &str) -> usize {
    stdout.lines().filter(|l| l.starts_with("Failed to delete")).count()
}

fn xargs_loop(emulator: &Emulator, az: &AzOnPath, repository: &str, sign_in: SignIn) -> (f64, usize) {
    let script = scripts::enabled(scripts::DELETE_UNTAGGED)
        .replace("REPOSITORY=myrepository", &format!("REPOSITORY={repository}"));
    emulator.clear_requests();
    let started = Instant::now();
    let out = scripts::run(emulator, az, &script, sign_in);
    let seconds = started.elapsed().as_secs_f64();
    assert!(out.status.success(), "script failed: {}", String::from_utf8_lossy(&out.stderr));
    let deletes = emulator.requests().iter().filter(|r| r.method == "DELETE" && r.status == 202).count();
    (seconds, deletes)
}

fn main() {
    let latency = env_or("BENCH_LATENCY_MS", 20);
    let write_limit = env_or("BENCH_WRITE_LIMIT", 2000) as u32;
    let azacr = scripts::build_azacr(true);
    let mut seed = default_seed();
    for k in 0..10 {
        seed.repositories.push(untagged_repository(&format!("purge-{k}"), 500));
    }
    let xargs_count = env_or("BENCH_XARGS_MANIFESTS", 500) as u32;
    let az_count = env_or("BENCH_AZ_MANIFESTS", 20) as u32;
    seed.repositories.push(untagged_repository("xargs-azacr", xargs_count));
    seed.repositories.push(untagged_repository("xargs-az", az_count));
    let emulator = Emulator::start(seed);
    emulator.set_latency(Duration::from_millis(latency));
    println!(
        "azacr purge --untagged-only of 5,000 untagged manifests in 10 repositories, {latency} ms latency per request"
    );

    let parts = std::env::var("BENCH_PARTS").unwrap_or_else(|_| "b,b-no-retry-after,c".into());
    let parts: Vec<&str> = parts.split(',').collect();
    let a = purge(&azacr, &emulator, &["--concurrency", "32"]);
    assert_eq!(a.code, 0, "{}", a.stdout);
    println!(
        "(a) unthrottled: {:.2} s wall, {:.0} deletes/s, {} deletes, {} HTTP requests, {:.1} MB peak RSS",
        a.wall,
        a.deletes as f64 / a.wall,
        a.deletes,
        a.requests,
        a.rss_mb
    );
    for retry_after in [true, false] {
        let part = if retry_after { "b" } else { "b-no-retry-after" };
        if !parts.contains(&part) {
            continue;
        }
        emulator.reset();
        emulator.set_latency(Duration::from_millis(latency));
        emulator.set_rate_limits(RateLimits {
            read_per_minute: None,
            write_per_minute: Some(write_limit),
            retry_after,
            burst_seconds: 1.0,
        });
        let b = purge(&azacr, &emulator, &["--concurrency", "32"]);
        let per_minute = b.deletes as f64 / b.wall * 60.0;
        println!(
            "(b) WriteOps {write_limit}/min, {} Retry-After: {:.1} s wall, {:.0} deletes/min = {:.1} % of the limit, {} deletes, {} failed items, {} answered 429, exit {}",
            if retry_after { "with" } else { "without" },
            b.wall,
            per_minute,
            per_minute * 100.0 / f64::from(write_limit),
            b.deletes,
            failed_items(&b.stdout),
            b.throttled,
            b.code
        );
    }
    if !parts.contains(&"c") {
        return;
    }
    emulator.reset();
    emulator.set_latency(Duration::from_millis(latency));
    let (seconds, deletes) =
        xargs_loop(&emulator, &AzOnPath::new(&azacr, &[]), "xargs-azacr", SignIn::ConfigFiles);
    let per_delete = seconds / deletes.max(1) as f64;
    println!(
        "(c) seed xargs loop, azacr as az: {deletes} deletes in {seconds:.2} s = {:.1} ms per delete; 5,000 would take ~{:.0} s, {:.0}x azacr purge's (a)",
        per_delete * 1000.0,
        per_delete * 5000.0,
        per_delete * 5000.0 / a.wall
    );
    let venv = std::env::var_os("AZ_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join("az-2.91"));
    let python = venv.join("bin/python");
    if !python.exists() || az_count == 0 {
        println!("(c) az: not installed at {} (set AZ_VENV); skipped", venv.display());
        return;
    }
    let shim = Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/az_shim.py");
    let az = AzOnPath::new(&python, &[shim.to_str().expect("utf-8 path")]);
    let (seconds, deletes) = xargs_loop(&emulator, &az, "xargs-az", SignIn::ShimPatch);
    let per_delete = seconds / deletes.max(1) as f64;
    println!(
        "(c) seed xargs loop, az 2.91.0: {deletes} deletes in {seconds:.2} s = {:.0} ms per delete; 5,000 would take ~{:.0} s, {:.0}x azacr purge's (a)",
        per_delete * 1000.0,
        per_delete * 5000.0,
        per_delete * 5000.0 / a.wall
    );
}
