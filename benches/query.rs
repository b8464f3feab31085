//! Benchmark: `--query` and the writers over 20,000 and 100,000 manifests.
//!
//!     cargo bench --bench query
//!
//! For each size the driver writes show-manifests' input (the registry's answers, one page body
//! of 100 manifests a line) to a file, then runs each (query, format) in a fresh child process,
//! which decodes the pages as show-manifests does, evaluates the query and renders the result,
//! and reports the load time, the query+render time and its peak RSS (VmHWM). With az's Python
//! (`AZ_VENV`, default ~/az-2.91) the same work runs through Python's json, jmespath and
//! knack's writers. Each figure is the best of `BENCH_RUNS` (default 5) fresh runs, as the
//! machine is shared and noisy. For profiling a child alone: `BENCH_PHASES=1` splits its time,
//! `BENCH_REPEAT=n` repeats the measured step.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use azacr::commands::show_manifests::Summary;
use azacr::output::query::Query;
use azacr::output::{Data, Format, print};
use azacr::registry::paging::{PageItems, decode_page};
use serde_json::{Value, json};

const QUERIES: [&str; 4] = [
    "[?tags[0]==null].digest",
    "[?timestamp < '2019-04-05'].[digest, timestamp]",
    "[?tags[0]==null]",
    "sort_by(@, &timestamp)",
];

const PYTHON: &str = r#"
import collections, json, resource, sys, time
import jmespath
from knack.output import format_json, format_table, format_tsv
from knack.util import CommandResultItem
path, expression, fmt = sys.argv[1:4]
start = time.perf_counter()
shaped = []
with open(path) as f:
    for page in f:
        manifests = json.loads(page)["manifests"]
        shaped.extend({"digest": m.get("digest", ""), "tags": m.get("tags", []), "timestamp": m.get("lastUpdateTime", "")} for m in manifests)
loaded = time.perf_counter() - start
work = time.perf_counter()
result = jmespath.compile(expression).search(shaped, jmespath.Options(dict_cls=collections.OrderedDict))
writer = {"json": format_json, "tsv": format_tsv, "table": format_table}[fmt]
text = writer(CommandResultItem(result, is_query_active=True))
print(loaded, time.perf_counter() - work, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, len(text))
"#;

/// The registry's answers for `n` manifests: one page body of 100 manifests a line.
fn pages(n: usize) -> String {
    let items: Vec<Value> = (0..n)
        .map(|i| {
            let time = format!("2019-{:02}-{:02}T{:02}:00:00.0000000Z", 1 + i % 12, 1 + i % 28, i % 24);
            let mut m = json!({
                "digest": format!("sha256:{:064x}", i * 7919 + 17),
                "imageSize": 1024 + i,
                "createdTime": time,
                "lastUpdateTime": time,
                "architecture": "amd64",
                "os": "linux",
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "configMediaType": "application/vnd.docker.container.image.v1+json",
                "changeableAttributes": {"deleteEnabled": true, "writeEnabled": true, "readEnabled": true, "listEnabled": true}
            });
            if i % 3 == 0 {
                m["tags"] = json!([format!("v{i}")]);
            }
            m
        })
        .collect();
    let mut text = String::new();
    for page in items.chunks(100) {
        let body = json!({"registry": "bench.azurecr.io", "imageName": "bench", "manifests": page});
        text.push_str(&body.to_string());
        text.push('\n');
    }
    text
}

/// Page faults the process has taken so far (each is a few µs on a virtual machine).
fn faults() -> i64 {
    // SAFETY: getrusage only writes the struct it is given.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage.ru_minflt
    }
}

fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// The child: one measured run. Prints load seconds, query+render seconds, peak RSS, bytes out.
fn child(path: &str, expression: &str, format: &str) {
    let start = Instant::now();
    // show-manifests' decoding, page by page: only the three fields it shows are kept.
    let mut rows = Vec::new();
    for page in std::io::BufReader::new(std::fs::File::open(path).unwrap()).lines() {
        let PageItems::Items(items) = decode_page::<Summary>(page.unwrap().as_bytes(), "manifests").unwrap()
        else {
            panic!("a page of manifests")
        };
        rows.extend(items.into_iter().map(|s| s.0));
    }
    let shaped = Data::List(rows);
    let loaded = start.elapsed().as_secs_f64();
    let work = Instant::now();
    let faults_before = faults();
    // BENCH_REPEAT=n repeats the measured step, for profiling it; BENCH_PHASES then reports
    // the fastest search and render seen.
    let repeat: usize = std::env::var("BENCH_REPEAT").ok().and_then(|r| r.parse().ok()).unwrap_or(1);
    let (mut search_best, mut render_best) = (f64::MAX, f64::MAX);
    let mut out = Counter(0);
    for _ in 0..repeat.max(1) {
        let step = Instant::now();
        let query = Query::compile(expression).unwrap();
        let result = query.search(&shaped).unwrap();
        let searched = step.elapsed().as_secs_f64();
        // Rendered as azacr prints it, through its stdout buffer, here to a byte counter.
        out = Counter(0);
        print(&result, Format::parse(format).unwrap(), true, &mut out).unwrap();
        search_best = search_best.min(searched);
        render_best = render_best.min(step.elapsed().as_secs_f64() - searched);
    }
    if std::env::var_os("BENCH_PHASES").is_some() {
        eprintln!("search {search_best:.4} render {render_best:.4} faults {}", faults() - faults_before);
    }
    println!("{loaded} {} {} {}", work.elapsed().as_secs_f64(), peak_rss(), out.0);
}

/// A sink that counts the bytes written to it.
struct Counter(usize);

impl Write for Counter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += std::hint::black_box(bytes).len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// (load seconds, query+render seconds, peak RSS bytes)
fn run(cmd: &mut Command) -> Option<(f64, f64, u64)> {
    let out = cmd.output().ok()?;
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// The fastest of `runs` runs (the least disturbed by the machine's other work), with the
/// highest peak RSS seen.
fn best_of(runs: usize, mut once: impl FnMut() -> Option<(f64, f64, u64)>) -> Option<(f64, f64, u64)> {
    let all: Vec<(f64, f64, u64)> = (0..runs).filter_map(|_| once()).collect();
    let load = all.iter().map(|r| r.0).reduce(f64::min)?;
    let secs = all.iter().map(|r| r.1).reduce(f64::min)?;
    let rss = all.iter().map(|r| r.2).max()?;
    Some((load, secs, rss))
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 5 && args[1] == "--child" {
        return child(&args[2], &args[3], &args[4]);
    }
    let venv = std::env::var_os("AZ_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join("az-2.91"));
    let python = venv.join("bin/python");
    let dir = std::env::temp_dir().join(format!("azacr-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("bench.py");
    std::fs::write(&script, PYTHON).unwrap();
    let exe = std::env::current_exe().unwrap();
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
    println!("best of {runs} runs each (BENCH_RUNS)");
    println!(
        "{:>7} {:<48} {:<6} {:>10} {:>10} {:>8} {:>8} {:>8} {:>9} {:>9}",
        "items",
        "query",
        "format",
        "azacr q+o",
        "python q+o",
        "speedup",
        "load",
        "py load",
        "RSS",
        "RSS/input"
    );
    for n in [20_000, 100_000] {
        let path = dir.join(format!("manifests-{n}.jsonl"));
        std::fs::File::create(&path).unwrap().write_all(pages(n).as_bytes()).unwrap();
        let input = std::fs::metadata(&path).unwrap().len();
        for query in QUERIES {
            for format in ["json", "tsv", "table"] {
                let Some((load, secs, rss)) =
                    best_of(runs, || run(Command::new(&exe).args(["--child", p(&path), query, format])))
                else {
                    continue;
                };
                let theirs = python
                    .exists()
                    .then(|| {
                        best_of(runs, || {
                            run(Command::new(&python).args([p(&script), p(&path), query, format]))
                        })
                    })
                    .flatten();
                let (py, speedup, py_load) = match theirs {
                    Some((py_load, py, _)) => {
                        (format!("{py:.4}"), format!("{:.1}x", py / secs), format!("{py_load:.3}"))
                    }
                    None => ("-".into(), "-".into(), "-".into()),
                };
                println!(
                    "{n:>7} {query:<48} {format:<6} {secs:>10.4} {py:>10} {speedup:>8} {load:>8.3} {py_load:>8} {:>7.1}MB {:>8.2}x",
                    rss as f64 / 1e6,
                    rss as f64 / input as f64
                );
            }
        }
        println!("        input JSON for {n} manifests: {:.1} MB", input as f64 / 1e6);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
