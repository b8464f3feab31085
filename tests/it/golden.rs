//! Replays every case az 2.91.0 was recorded on (tests/golden/cases.json, recorded by
//! tests/golden/record.py) with azacr, and compares stdout byte for byte, stderr with
//! timestamps redacted, the exit code, and the registry's state afterwards.

use std::path::{Path, PathBuf};
use std::process::Command;

use azacr_emulator::arm::ArmRegistry;
use azacr_emulator::{Challenge, Emulator, Fault, az_config, default_seed};
use serde_json::Value;

use crate::support::{ConfigDir, azacr_bin, command, redact_timestamps, run};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A directory holding `az`, which is azacr.
fn az_on_path() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(azacr_bin(), dir.path().join("az")).unwrap();
    dir
}

fn prepare(emulator: &Emulator, case: &Value) {
    emulator.reset();
    let setup = &case["setup"];
    if let Some(faults) = setup.get("faults") {
        emulator.set_faults(serde_json::from_value::<Vec<Fault>>(faults.clone()).unwrap());
    }
    if setup["soft_delete"] == Value::Bool(true) {
        emulator.enable_soft_delete();
    }
    if setup["oci"] == Value::Bool(true) {
        emulator.add_oci_repository();
    }
    if setup["classic"] == Value::Bool(true) {
        emulator.set_classic(true);
    }
    if let Some(id) = setup.get("correlation").and_then(Value::as_str) {
        emulator.set_correlation_id(Some(id));
    }
    if let Some(login_server) = setup.get("login_server").and_then(Value::as_str) {
        emulator.set_login_server(login_server);
    }
    if let Some(list) = setup.get("arm_registries").and_then(Value::as_array) {
        let field = |r: &Value, i: usize| r[i].as_str().unwrap().to_string();
        emulator.set_arm_registries(
            list.iter().map(|r| ArmRegistry::new(&field(r, 0), &field(r, 1), &field(r, 2))).collect(),
        );
    }
    if let Some(names) = setup.get("admin_user").and_then(Value::as_array) {
        let names: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
        emulator.set_admin_user_enabled(&names);
    }
    if setup["aad_refused"] == Value::Bool(true) {
        emulator.refuse_aad_exchange(true);
    }
    match setup.get("challenge").and_then(Value::as_str) {
        Some("basic") => emulator.set_challenge(Challenge::Basic),
        Some("none") => emulator.set_challenge(Challenge::None),
        _ => {}
    }
}

fn run_case(emulator: &Emulator, case: &Value, bin: &Path) -> (String, String, i32) {
    let config = if case["aad"] == Value::Bool(true) { ConfigDir::signed_in() } else { ConfigDir::empty() };
    if let Some(kind) = case.get("signin").and_then(Value::as_str) {
        az_config::write_sign_in(config.path(), &emulator.authority(), kind).unwrap();
    }
    // With `local`, a tree as record.py lays it out: HOME is <root>/home, the config
    // directory <root>/home/.azure, the working directory <root>/<cwd>, plus the case's files.
    let local = case.get("local").map(|local| {
        let root = config.path();
        let home = root.join("home");
        std::fs::create_dir_all(home.join(".azure")).unwrap();
        let cwd = root.join(local.get("cwd").and_then(Value::as_str).unwrap_or("."));
        std::fs::create_dir_all(&cwd).unwrap();
        for (rel, text) in local.get("files").and_then(Value::as_object).into_iter().flatten() {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text.as_str().unwrap()).unwrap();
        }
        (home, cwd)
    });
    let config_dir = match &local {
        Some((home, _)) => home.join(".azure"),
        None => config.path().to_path_buf(),
    };
    if let Some(text) = case.get("config").and_then(Value::as_str) {
        std::fs::write(config_dir.join("config"), text).unwrap();
    }
    let connect_to = (case["unreachable"] == Value::Bool(true)).then_some("127.0.0.1:1");
    let mut cmd: Command = match case.get("script").and_then(Value::as_str) {
        Some(script) => {
            let text = read(&golden_dir().join("seeds").join(script));
            let text = if case["enable_delete"] == Value::Bool(true) {
                text.replacen("ENABLE_DELETE=false", "ENABLE_DELETE=true", 1)
            } else {
                text
            };
            let mut cmd = command(Path::new("bash"), emulator, &config, connect_to);
            cmd.arg("-c").arg(text);
            cmd.env("PATH", format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display()));
            cmd
        }
        None => {
            let mut cmd = command(&azacr_bin(), emulator, &config, connect_to);
            cmd.args(case["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()));
            cmd
        }
    };
    if let Some((home, cwd)) = &local {
        cmd.env("HOME", home).env("AZURE_CONFIG_DIR", &config_dir).current_dir(cwd);
    }
    if let Some(env) = case.get("env").and_then(Value::as_object) {
        for (k, v) in env {
            cmd.env(k, v.as_str().unwrap());
        }
    }
    if case["terminal"] == Value::Bool(true) {
        let out = crate::support::run_in_terminal(cmd);
        return (out.stdout, out.stderr, out.code);
    }
    let out = match case.get("tty_input").and_then(Value::as_str) {
        Some(answers) => {
            let _terminal = crate::support::stdin_terminal(&mut cmd, answers);
            run(cmd)
        }
        None => run(cmd),
    };
    (out.stdout, out.stderr, out.code)
}

/// az's stderr without the body of a Python traceback (from `Traceback (most recent call
/// last):` up to az's closing "To check existing issues" line): azacr prints the report's
/// first lines and its last one only (README, "Not yet like az").
fn without_traceback(stderr: &str) -> String {
    let mut out = String::new();
    let mut in_traceback = false;
    for line in stderr.split_inclusive('\n') {
        if line.trim_end() == "Traceback (most recent call last):" {
            in_traceback = true;
        } else if line.starts_with("To check existing issues") {
            in_traceback = false;
        }
        if !in_traceback {
            out.push_str(line);
        }
    }
    out
}

#[test]
fn tracebacks_are_dropped_from_az_stderr_only_between_their_markers() {
    let az = "ERROR: The command failed with an unexpected error. Here is the traceback:\nERROR: boom\n\
              Traceback (most recent call last):\n  File \"x.py\", line 1\nRecursionError: boom\n\
              To check existing issues, please visit: https://github.com/Azure/azure-cli/issues\nWARNING: after\n";
    assert_eq!(
        without_traceback(az),
        "ERROR: The command failed with an unexpected error. Here is the traceback:\nERROR: boom\n\
         To check existing issues, please visit: https://github.com/Azure/azure-cli/issues\nWARNING: after\n"
    );
    assert_eq!(without_traceback("WARNING: no traceback\n"), "WARNING: no traceback\n");
}

/// The cases run in this many parts at once, each on its own thread and emulator: most of a
/// case's time is waiting (on the registry, or on a retry's backoff), so parts overlap well.
const PARTS: usize = 6;

#[test]
fn azacr_matches_az_on_every_recorded_case() {
    let mut cases: Vec<Value> = serde_json::from_str(&read(&golden_dir().join("cases.json"))).unwrap();
    assert!(cases.len() >= 40, "the golden set has {} cases", cases.len());
    // GOLDEN_ONLY=prefix,prefix: only the cases whose names start so (a quick loop while working).
    if let Ok(only) = std::env::var("GOLDEN_ONLY") {
        let prefixes: Vec<&str> = only.split(',').collect();
        cases.retain(|c| prefixes.iter().any(|p| c["name"].as_str().unwrap_or_default().starts_with(p)));
    }
    // Every PARTS-th case from `part` on (by index, so the retrying cases spread out).
    let failures: Vec<String> = std::thread::scope(|scope| {
        let parts: Vec<_> = (0..PARTS)
            .map(|part| {
                let cases: Vec<&Value> = cases.iter().skip(part).step_by(PARTS).collect();
                scope.spawn(move || failures_in(&cases))
            })
            .collect();
        parts.into_iter().flat_map(|part| part.join().expect("a part of the golden test panicked")).collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from az:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// Runs `cases` on an emulator of their own; what differs from az, case by case.
fn failures_in(cases: &[&Value]) -> Vec<String> {
    let emulator = Emulator::start(default_seed());
    let bin = az_on_path();
    let mut failures = Vec::new();
    for &case in cases {
        let name = case["name"].as_str().unwrap();
        // Where azacr deliberately differs from az, its expectation is kept beside az's record.
        let divergence = golden_dir().join("azacr-divergences").join(name);
        let dir = if divergence.is_dir() { divergence } else { golden_dir().join("az-2.91.0").join(name) };
        prepare(&emulator, case);
        let (stdout, stderr, code) = run_case(&emulator, case, bin.path());
        let mut problems = Vec::new();
        let want_stdout = read(&dir.join("stdout"));
        if stdout != want_stdout {
            problems.push(format!("stdout\n--- az\n{want_stdout}--- azacr\n{stdout}"));
        }
        let want_stderr = redact_timestamps(&without_traceback(&read(&dir.join("stderr"))));
        if redact_timestamps(&stderr) != want_stderr {
            problems.push(format!("stderr\n--- az\n{want_stderr}--- azacr\n{stderr}"));
        }
        let want_code: i32 = read(&dir.join("exit_code")).trim().parse().unwrap();
        if code != want_code {
            problems.push(format!("exit code: az {want_code}, azacr {code}"));
        }
        let want_state: Value = serde_json::from_str(&read(&dir.join("state.json"))).unwrap();
        if emulator.snapshot() != want_state {
            problems.push("registry state afterwards differs".to_string());
        }
        if !problems.is_empty() {
            failures.push(format!("== {name}: {}", problems.join("\n")));
        }
    }
    failures
}
