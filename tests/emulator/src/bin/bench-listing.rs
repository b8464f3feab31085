//! Benchmark: one long `show-manifests` end to end, as a user runs it: the release binary
//! pages through a large repository in the emulator (100 manifests a page, one round trip
//! each), evaluates the query and prints tsv. Prints, per binary and case, the best wall
//! time of `BENCH_RUNS` (default 3) runs and that run's CPU time (user + sys), context
//! switches (voluntary + involuntary) and peak RSS, from `/usr/bin/time`.
//!
//!     cargo run --release -p azacr-emulator --bin bench-listing [-- BINARY…]
//!
//! With no BINARY it builds and measures this tree's release azacr; given several, it
//! measures each side by side and checks that they print the same. `BENCH_CASES` lists
//! `manifests:latency_ms` cases (default `100000:0,20000:20`); the emulator waits that long
//! before answering each request.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use azacr_emulator::seed::{ADMIN_PASSWORD, ADMIN_USER, large_repository};
use azacr_emulator::{Emulator, default_seed};

const QUERY: &str = "[?tags[0]==null].digest";

struct Run {
    wall: f64,
    cpu: f64,
    switches: u64,
    rss_mb: f64,
    stdout: Vec<u8>,
}

fn run(binary: &Path, emulator: &Emulator, config: &Path) -> Run {
    let figures = config.join("time.txt");
    let out = Command::new("/usr/bin/time")
        .arg("-o")
        .arg(&figures)
        .args(["-f", "%e %U %S %w %c %M"])
        .arg(binary)
        .args(["acr", "repository", "show-manifests", "-n", "myregistry", "-u", ADMIN_USER, "-p"])
        .args([ADMIN_PASSWORD, "--repository", "large", "--query", QUERY, "-o", "tsv"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", config)
        .env("AZURE_CONFIG_DIR", config)
        .env("LANG", "C.UTF-8")
        .env("AZACR_AZ_PATH", "")
        .env("REQUESTS_CA_BUNDLE", emulator.ca_bundle())
        .env("AZACR_CONNECT_TO", emulator.addr().to_string())
        .stdin(Stdio::null())
        .output()
        .expect("run /usr/bin/time");
    assert!(out.status.success(), "{}: {}", binary.display(), String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&figures).expect("time's figures");
    let f: Vec<f64> = text.split_whitespace().map(|v| v.parse().expect("a figure")).collect();
    Run {
        wall: f[0],
        cpu: f[1] + f[2],
        switches: (f[3] + f[4]) as u64,
        rss_mb: f[5] / 1024.0,
        stdout: out.stdout,
    }
}

fn main() {
    let mut binaries: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if binaries.is_empty() {
        binaries.push(azacr_emulator::scripts::build_azacr(true));
    }
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let cases = std::env::var("BENCH_CASES").unwrap_or_else(|_| "100000:0,20000:20".into());
    let config = tempfile::tempdir().expect("temp dir");
    println!("show-manifests --query \"{QUERY}\" -o tsv, best wall time of {runs} runs");
    println!(
        "{:>9} {:>7}  {:<40} {:>8} {:>8} {:>9} {:>8} {:>9}",
        "manifests", "latency", "binary", "wall s", "cpu s", "switches", "RSS MB", "out bytes"
    );
    for case in cases.split(',') {
        let (count, latency) = case.split_once(':').expect("manifests:latency_ms");
        let (count, latency): (u32, u64) = (count.parse().expect("count"), latency.parse().expect("ms"));
        let mut seed = default_seed();
        seed.repositories.push(large_repository("large", count));
        let emulator = Emulator::start(seed);
        emulator.set_latency(Duration::from_millis(latency));
        let mut printed: Option<Vec<u8>> = None;
        for binary in &binaries {
            let best = (0..runs.max(1))
                .map(|_| run(binary, &emulator, config.path()))
                .min_by(|a, b| a.wall.total_cmp(&b.wall))
                .expect("ran");
            let same = printed.get_or_insert_with(|| best.stdout.clone());
            assert!(*same == best.stdout, "{} prints something else", binary.display());
            println!(
                "{count:>9} {:>5}ms  {:<40} {:>8.3} {:>8.3} {:>9} {:>8.1} {:>9}",
                latency,
                binary.display().to_string(),
                best.wall,
                best.cpu,
                best.switches,
                best.rss_mb,
                best.stdout.len()
            );
        }
    }
}
