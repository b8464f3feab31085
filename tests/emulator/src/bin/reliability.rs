//! Reliability figures (issue 16): every emulator fault mode against every command azacr
//! implements, and the seed scripts' cleanup loops under random fault schedules ("503 every
//! 7th request"), each run compared with the same run without faults: its exit code, its
//! stdout and the registry afterwards. Then the property tests, for their case count.
//!
//!     cargo run -p azacr-emulator --release --bin reliability [-- --seeds N] [-- --no-proptest]
//!
//! A run with faults that retries can absorb (`transient`) must end exactly as the fault-free
//! run; one whose fault outlasts the retries (`persistent`) must fail cleanly: a non-zero exit,
//! nothing on stdout, nothing deleted that the fault-free run keeps. Exits 1 when any figure
//! that must be 0 is not.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use azacr_emulator::scripts::{self, AzOnPath, SignIn};
use azacr_emulator::{Emulator, Fault, FaultMode, default_seed, seed};
use serde_json::Value;

/// A run that takes longer is a hang (the shorter limits below end every run in seconds).
const WATCHDOG: Duration = Duration::from_secs(120);
/// Short time limits, so that never-answer faults cost seconds (the limits' own behaviour is
/// tested in tests/it/faults.rs).
const LIMITS: [(&str, &str); 3] =
    [("AZACR_CONNECT_TIMEOUT", "5"), ("AZACR_SIGN_IN_TIMEOUT", "1"), ("AZACR_DATA_TIMEOUT", "1")];

#[derive(Clone)]
enum Job {
    /// `az <args>` with the admin's credentials and `--debug`.
    Command(&'static str, Vec<String>),
    /// A seed script with `ENABLE_DELETE=true`, signed in as `az login` leaves it.
    Script(&'static str, &'static str),
}

impl Job {
    fn name(&self) -> &'static str {
        match self {
            Job::Command(name, _) | Job::Script(name, _) => name,
        }
    }

    fn is_listing(&self) -> bool {
        matches!(self, Job::Command(name, _) if name.starts_with("list") || name.starts_with("show-"))
    }
}

#[derive(Clone)]
struct Scenario {
    name: String,
    faults: Vec<Fault>,
    /// A Link header on every listing page (a loop back to the first page).
    link: Option<&'static str>,
    transient: bool,
}

fn scenario(name: &str, transient: bool, faults: Vec<Fault>) -> Scenario {
    Scenario { name: name.into(), faults, link: None, transient }
}

fn on_all(status: u16, times: u32) -> Fault {
    Fault::status("/", status, times)
}

/// At the first data call: the challenge and the token request pass.
fn at_data(fault: Fault) -> Fault {
    Fault { after: 2, ..fault }
}

/// Each fault mode, once (transient) and for longer than the retries (persistent).
fn fault_matrix() -> Vec<Scenario> {
    let mode = |m: FaultMode, times: u32| Fault::mode("/", m, times);
    vec![
        scenario("503 x1", true, vec![on_all(503, 1)]),
        scenario("500 burst x2", true, vec![on_all(500, 2)]),
        scenario("502 x2 at data", true, vec![at_data(on_all(502, 2))]),
        scenario("504 x1 at data", true, vec![at_data(on_all(504, 1))]),
        scenario("408 x1", true, vec![on_all(408, 1)]),
        scenario("429 Retry-After 1", true, vec![Fault { retry_after: Some(1), ..on_all(429, 1) }]),
        scenario("429 no Retry-After at data", true, vec![at_data(on_all(429, 1))]),
        scenario(
            "503 after the DELETE was applied",
            true,
            vec![Fault { method: Some("DELETE".into()), applied: true, ..on_all(503, 1) }],
        ),
        scenario(
            "never-answer after the DELETE was applied",
            true,
            vec![Fault { method: Some("DELETE".into()), applied: true, ..mode(FaultMode::NeverAnswer, 1) }],
        ),
        scenario("never-answer x1 at sign-in", true, vec![mode(FaultMode::NeverAnswer, 1)]),
        scenario("never-answer x1 at data", true, vec![at_data(mode(FaultMode::NeverAnswer, 1))]),
        scenario("delay 300 ms", true, vec![Fault { delay_ms: 300, ..mode(FaultMode::Delay, 3) }]),
        scenario("reset mid-body x1 at sign-in", true, vec![mode(FaultMode::ResetMidBody, 1)]),
        scenario("reset mid-body x2 at data", true, vec![at_data(mode(FaultMode::ResetMidBody, 2))]),
        scenario("truncated x2 at data", true, vec![at_data(mode(FaultMode::Truncated, 2))]),
        scenario("truncated token answer", true, vec![Fault::mode("/oauth2/", FaultMode::Truncated, 1)]),
        scenario("reset token answer", true, vec![Fault::mode("/oauth2/", FaultMode::ResetMidBody, 2)]),
        scenario("slow body", true, vec![Fault { delay_ms: 2, ..mode(FaultMode::SlowBody, 100) }]),
        scenario("endless 503", false, vec![on_all(503, 1000)]),
        scenario("endless 500 at data", false, vec![at_data(on_all(500, 1000))]),
        scenario(
            "endless 429 Retry-After 0",
            false,
            vec![Fault { retry_after: Some(0), ..on_all(429, 1000) }],
        ),
        scenario("never-answer at sign-in", false, vec![mode(FaultMode::NeverAnswer, 1000)]),
        scenario("never-answer at data", false, vec![at_data(mode(FaultMode::NeverAnswer, 1000))]),
        scenario("endless reset mid-body at data", false, vec![at_data(mode(FaultMode::ResetMidBody, 1000))]),
        scenario("endless truncated at data", false, vec![at_data(mode(FaultMode::Truncated, 1000))]),
        scenario("401 after 2 requests (expired token)", false, vec![at_data(on_all(401, 1000))]),
        // The registry carries the DELETE out and answers 404: someone else deleted it between
        // the listing and the DELETE. az's error, as az prints it.
        scenario(
            "404: deleted by someone else first",
            false,
            vec![Fault {
                method: Some("DELETE".into()),
                applied: true,
                body: r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#.into(),
                ..on_all(404, 1)
            }],
        ),
        Scenario {
            name: "Link loop".into(),
            faults: Vec::new(),
            link: Some("</v2/_catalog?n=100>; rel=\"next\""),
            transient: false,
        },
    ]
}

/// A schedule from a seed: one fault kind on every `every`-th request, for the whole run.
fn random_schedule(seed: u64) -> Scenario {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xd1b5_4a32_d192_ed03;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    // Every 3rd to 9th request: never two tries of one request in a row.
    let every = 3 + next(7) as u32;
    let (label, fault) = match next(8) {
        0 => ("503", on_all(503, 100_000)),
        1 => ("500", on_all(500, 100_000)),
        2 => ("502", on_all(502, 100_000)),
        3 => ("429 Retry-After 0", Fault { retry_after: Some(0), ..on_all(429, 100_000) }),
        4 => ("503 after applying", Fault { applied: true, ..on_all(503, 100_000) }),
        5 => ("reset mid-body", Fault::mode("/", FaultMode::ResetMidBody, 100_000)),
        6 => ("truncated", Fault::mode("/", FaultMode::Truncated, 100_000)),
        _ => ("408", on_all(408, 100_000)),
    };
    scenario(&format!("seed {seed}: {label} every {every}th request"), true, vec![Fault { every, ..fault }])
}

fn jobs() -> Vec<Job> {
    let digest = seed::digest("myrepository#3");
    let args = |parts: &[&str]| parts.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        Job::Command("list", args(&["list", "-o", "tsv"])),
        Job::Command("show-tags", args(&["show-tags", "--repository", "acr-helloworld", "-o", "tsv"])),
        Job::Command(
            "show-manifests",
            args(&["show-manifests", "--repository", "myrepository", "--query", "[].digest", "-o", "tsv"]),
        ),
        Job::Command("show", args(&["show", "--repository", "acr-helloworld"])),
        Job::Command("delete tag", args(&["delete", "--image", "acr-helloworld:v1", "--yes"])),
        Job::Command(
            "delete digest",
            args(&["delete", "--image", &format!("myrepository@{digest}"), "--yes"]),
        ),
        Job::Command("untag", args(&["untag", "--image", "acr-helloworld:v2"])),
    ]
}

fn script_jobs() -> Vec<Job> {
    vec![
        Job::Script("seed: delete-untagged.sh", scripts::DELETE_UNTAGGED),
        Job::Script("seed: delete-by-timestamp.sh", scripts::DELETE_BY_TIMESTAMP),
    ]
}

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    state: Value,
    injected: u32,
    secrets: Vec<String>,
    seconds: f64,
}

/// Runs `job` against `emulator`, reset to the seed first (one emulator per worker thread:
/// starting one per run cost more than most runs).
fn run(emulator: &Emulator, azacr: &Path, az: &AzOnPath, job: &Job, scenario: Option<&Scenario>) -> Outcome {
    emulator.reset();
    let faults = scenario.map(|s| s.faults.clone()).unwrap_or_default();
    emulator.set_faults(faults.clone());
    emulator.set_link_override(scenario.and_then(|s| s.link));
    let (child, _config) = match job {
        Job::Command(_, args) => {
            let config = tempfile::tempdir().expect("temp dir");
            let mut cmd = emulator.azacr_command(azacr, config.path());
            cmd.args(["acr", "repository"])
                .args(args)
                .args(["-n", "myregistry", "-u", seed::ADMIN_USER, "-p", seed::ADMIN_PASSWORD, "--debug"])
                .envs(LIMITS);
            (spawn(cmd), config)
        }
        Job::Script(_, script) => {
            let mut env = LIMITS.to_vec();
            env.push(("AZACR_AZ_PATH", ""));
            let (cmd, config) =
                scripts::command(emulator, az, &scripts::enabled(script), SignIn::ConfigFiles, &env);
            (spawn(cmd), config)
        }
    };
    let started = Instant::now();
    let (code, stdout, stderr) = wait(child);
    let seconds = started.elapsed().as_secs_f64();
    let injected =
        faults.iter().zip(emulator.faults()).map(|(before, after)| before.times - after.times).sum();
    let mut secrets: Vec<String> = [
        seed::ADMIN_PASSWORD,
        seed::AAD_TOKEN,
        seed::ENTRA_REFRESH_TOKEN,
        seed::REFRESH_TOKEN,
        "acr-refresh-",
        "acr-access-",
        // Any JWT's header.
        "eyJ",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    secrets.extend(emulator.requests().iter().filter_map(|r| {
        r.body.split('&').find_map(|kv| kv.strip_prefix("refresh_token=").map(String::from))
    }));
    let leaked =
        secrets.into_iter().filter(|s| stdout.contains(s.as_str()) || stderr.contains(s.as_str())).collect();
    Outcome { code, stdout, stderr, state: emulator.snapshot(), injected, secrets: leaked, seconds }
}

fn spawn(mut cmd: Command) -> Child {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.spawn().expect("spawn")
}

/// The exit code (`None`: killed by the watchdog) and what the run printed.
fn wait(mut child: Child) -> (Option<i32>, String, String) {
    use std::io::Read;
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status.code().unwrap_or(-1));
        }
        if started.elapsed() > WATCHDOG {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    (code, out.join().unwrap_or_default(), err.join().unwrap_or_default())
}

/// Every repository, manifest and tag in a snapshot.
fn items(state: &Value) -> BTreeSet<String> {
    let mut items = BTreeSet::new();
    for (name, repo) in state["repositories"].as_object().into_iter().flatten() {
        items.insert(format!("repository {name}"));
        for m in repo["manifests"].as_array().into_iter().flatten() {
            items.insert(format!("manifest {name}@{}", m["digest"].as_str().unwrap_or_default()));
        }
        for t in repo["tags"].as_array().into_iter().flatten() {
            items.insert(format!("tag {name}:{}", t["name"].as_str().unwrap_or_default()));
        }
    }
    items
}

#[derive(Default)]
struct Figures {
    runs: usize,
    faults_injected: u64,
    transient_runs: usize,
    survived: usize,
    persistent_runs: usize,
    failed_cleanly: usize,
    data_lost: usize,
    wrong_deletions: usize,
    false_failures: usize,
    hangs: usize,
    secrets_leaked: usize,
    problems: Vec<String>,
    /// The longest runs: (seconds, what).
    slowest: Vec<(f64, String)>,
}

fn judge(figures: &mut Figures, job: &Job, scenario: &Scenario, clean: &Outcome, run: &Outcome) {
    figures.runs += 1;
    figures.faults_injected += u64::from(run.injected);
    let what = format!("{} / {}", job.name(), scenario.name);
    figures.slowest.push((run.seconds, what.clone()));
    figures.slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    figures.slowest.truncate(3);
    let mut problem = |figure: &mut usize, text: String| {
        *figure += 1;
        figures_problem(&mut figures.problems, &what, text, run);
    };
    if !run.secrets.is_empty() {
        problem(&mut figures.secrets_leaked, format!("secrets in the output: {:?}", run.secrets));
    }
    let Some(code) = run.code else {
        problem(&mut figures.hangs, format!("no end after {} s", WATCHDOG.as_secs()));
        return;
    };
    let gone: Vec<String> = items(&clean.state).difference(&items(&run.state)).cloned().collect();
    if !gone.is_empty() {
        problem(&mut figures.wrong_deletions, format!("deleted what the fault-free run keeps: {gone:?}"));
    }
    let same = run.code == clean.code && run.stdout == clean.stdout && run.state == clean.state;
    if scenario.transient {
        figures.transient_runs += 1;
        if same {
            figures.survived += 1;
        } else if code != 0 && clean.code == Some(0) {
            problem(&mut figures.false_failures, format!("exit {code} where the fault-free run succeeded"));
        } else {
            problem(&mut figures.data_lost, "a result that differs from the fault-free run".into());
        }
    } else {
        figures.persistent_runs += 1;
        if same {
            // The fault never reached this command (a Link loop for a command that lists nothing).
            figures.failed_cleanly += 1;
        } else if code != 0 && run.stdout.is_empty() && gone.is_empty() {
            figures.failed_cleanly += 1;
        } else {
            problem(
                &mut figures.data_lost,
                format!("exit {code} with {} bytes on stdout: not the fault-free result", run.stdout.len()),
            );
        }
    }
}

fn figures_problem(problems: &mut Vec<String>, what: &str, text: String, run: &Outcome) {
    let tail: String = run.stderr.lines().rev().take(3).collect::<Vec<_>>().join(" | ");
    problems.push(format!("{what}: {text} (stderr ends: {tail})"));
}

/// Runs the property tests with `cases` cases per property; returns the cases run.
fn proptests(cases: u32) -> Result<u64, String> {
    // The properties in tests/it/robustness.rs and their cases (`any_command_line_ends_cleanly`
    // runs at most 32).
    let properties: [(&str, u32); 8] = [
        ("image_references_never_panic", cases),
        ("repository_names_and_references_never_panic", cases),
        ("queries_never_panic", cases),
        ("page_bodies_never_panic", cases),
        ("link_headers_never_panic", cases),
        ("config_files_never_panic", cases),
        ("ca_bundles_never_panic", cases),
        ("any_command_line_ends_cleanly", cases.min(32)),
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(&root)
        .args(["test", "--quiet", "-p", "azacr", "--test", "it", "robustness::", "--", "--format=terse"])
        .env("PROPTEST_CASES", cases.to_string())
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("the property tests failed:\n{text}"));
    }
    // `--format=terse` prints no names: ask for the list to check every property ran.
    let listed = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(&root)
        .args(["test", "--quiet", "-p", "azacr", "--test", "it", "robustness::", "--", "--list"])
        .output()
        .map_err(|e| e.to_string())?;
    let list = String::from_utf8_lossy(&listed.stdout);
    let mut total = 0;
    for (name, n) in properties {
        if !list.contains(&format!("robustness::{name}: test")) {
            return Err(format!("property {name} not found in tests/it/robustness.rs"));
        }
        total += u64::from(n);
    }
    Ok(total)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seeds: u64 = args
        .iter()
        .position(|a| a == "--seeds")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    let with_proptest = !args.iter().any(|a| a == "--no-proptest");
    let started = Instant::now();
    let azacr = scripts::build_azacr(true);
    let az = AzOnPath::new(&azacr, &[]);

    // Every (job, scenario) pair, on several threads: most of a faulty run is waiting.
    let mut work: Vec<(Job, Scenario)> = Vec::new();
    for job in jobs() {
        for s in fault_matrix() {
            if s.link.is_some() && !job.is_listing() {
                continue;
            }
            work.push((job.clone(), s));
        }
        for seed in 1..=seeds {
            work.push((job.clone(), random_schedule(seed)));
        }
    }
    for job in script_jobs() {
        for seed in 1..=seeds {
            work.push((job.clone(), random_schedule(seed)));
        }
    }
    let emulator = Emulator::start(default_seed());
    let clean: Vec<(Job, Outcome)> = jobs()
        .into_iter()
        .chain(script_jobs())
        .map(|job| {
            let outcome = run(&emulator, &azacr, &az, &job, None);
            assert_eq!(outcome.code, Some(0), "{} fails without faults: {}", job.name(), outcome.stderr);
            (job, outcome)
        })
        .collect();
    let figures = Mutex::new(Figures::default());
    let queue = Mutex::new(work);
    std::thread::scope(|scope| {
        for _ in 0..16 {
            scope.spawn(|| {
                let emulator = Emulator::start(default_seed());
                loop {
                    let Some((job, scenario)) = queue.lock().unwrap().pop() else { break };
                    let outcome = run(&emulator, &azacr, &az, &job, Some(&scenario));
                    let baseline = &clean.iter().find(|(j, _)| j.name() == job.name()).expect("baseline").1;
                    judge(&mut figures.lock().unwrap(), &job, &scenario, baseline, &outcome);
                }
            });
        }
    });
    let figures = figures.into_inner().unwrap();
    let matrix_seconds = started.elapsed().as_secs_f64();
    let proptest_cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(64);
    let proptest = with_proptest.then(|| proptests(proptest_cases));

    println!(
        "reliability: {} runs with faults ({} commands x {} fault scenarios, {} random schedules each, and 2 seed scripts x {} random schedules), {:.1} s",
        figures.runs,
        jobs().len(),
        fault_matrix().len(),
        seeds,
        seeds,
        matrix_seconds
    );
    println!("faults injected:   {}", figures.faults_injected);
    println!(
        "runs survived:     {} of {} with transient faults (exit code, stdout and registry as the fault-free run)",
        figures.survived, figures.transient_runs
    );
    println!(
        "failed cleanly:    {} of {} with persistent faults (non-zero exit, nothing on stdout, nothing deleted)",
        figures.failed_cleanly, figures.persistent_runs
    );
    println!("data lost:         {}", figures.data_lost);
    println!("wrong deletions:   {}", figures.wrong_deletions);
    println!("false failures:    {}", figures.false_failures);
    println!("hangs:             {}", figures.hangs);
    println!("secrets leaked:    {}", figures.secrets_leaked);
    let mut failed = !figures.problems.is_empty();
    match proptest {
        Some(Ok(cases)) => {
            println!("property-test cases run: {cases} ({proptest_cases} per property, PROPTEST_CASES)")
        }
        Some(Err(e)) => {
            println!("property tests: {e}");
            failed = true;
        }
        None => println!("property tests: not run (--no-proptest)"),
    }
    println!(
        "fuzz cases run:    0 here (cargo-fuzz targets in fuzz/, run with `cd fuzz && cargo +nightly fuzz run query`)"
    );
    for (seconds, what) in &figures.slowest {
        println!("slowest run:       {seconds:.1} s, {what}");
    }
    for p in &figures.problems {
        println!("PROBLEM: {p}");
    }
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    if failed {
        std::process::exit(1);
    }
}
