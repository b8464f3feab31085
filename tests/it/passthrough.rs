//! azacr on PATH as `az`: what it does not implement runs the real az, here a stand-in that
//! records its argv, stdin and environment and exits as told.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use azacr_emulator::{Emulator, default_seed};
use serde_json::Value;

use crate::support::{ConfigDir, azacr_bin, command};

const STAND_IN: &str = r#"#!/bin/sh
# A stand-in for the real az: records each call, then does what STANDIN_* asks.
d="$STANDIN_LOG"
i=0
while [ -e "$d/call$i.args" ]; do i=$((i+1)); done
for a in "$@"; do printf '%s\0' "$a"; done > "$d/call$i.args"
env > "$d/call$i.env"
if [ -n "$STANDIN_READ_STDIN" ]; then cat > "$d/call$i.stdin"; fi
echo "stand-in az: $*"
if [ -n "$STANDIN_WAIT_FOR_INT" ]; then
    trap 'echo interrupted > "$d/interrupted"; exit 130' INT
    : > "$d/ready"
    while :; do sleep 0.02; done
fi
if [ -n "$STANDIN_SIGNAL" ]; then kill -"$STANDIN_SIGNAL" $$; fi
exit "${STANDIN_CODE:-0}"
"#;

/// Directories to put on PATH: azacr links, copies and wrappers, and the stand-in.
struct Machine {
    root: tempfile::TempDir,
    path: Vec<PathBuf>,
}

impl Machine {
    fn new() -> Machine {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("log")).unwrap();
        Machine { root, path: Vec::new() }
    }

    fn dir(&mut self, name: &str) -> PathBuf {
        let dir = self.root.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        self.path.push(dir.clone());
        dir
    }

    /// A directory on PATH whose `az` is a symlink to azacr.
    fn azacr_link(&mut self, name: &str) -> PathBuf {
        let dir = self.dir(name);
        std::os::unix::fs::symlink(azacr_bin(), dir.join("az")).unwrap();
        dir.join("az")
    }

    /// A directory on PATH whose `az` is a copy of azacr.
    fn azacr_copy(&mut self, name: &str) -> PathBuf {
        let dir = self.dir(name);
        std::fs::copy(azacr_bin(), dir.join("az")).unwrap();
        dir.join("az")
    }

    /// A directory on PATH whose `az` is a script that runs `az` again from PATH.
    fn wrapper(&mut self, name: &str) -> PathBuf {
        let dir = self.dir(name);
        executable(&dir.join("az"), "#!/bin/sh\n# a site's wrapper\nexport WRAPPED=1\naz \"$@\"\n");
        dir.join("az")
    }

    fn stand_in(&mut self, name: &str) -> PathBuf {
        let dir = self.dir(name);
        executable(&dir.join("az"), STAND_IN);
        dir.join("az")
    }

    fn log(&self) -> PathBuf {
        self.root.path().join("log")
    }

    /// A command with only this machine's environment: PATH as built, then the system's.
    fn command(&self, program: &Path) -> Command {
        let mut path: Vec<PathBuf> = self.path.clone();
        path.extend(["/usr/bin", "/bin"].map(PathBuf::from));
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::join_paths(path).unwrap())
            .env("HOME", self.root.path())
            .env("STANDIN_LOG", self.log())
            .current_dir(self.root.path())
            .stdin(Stdio::null());
        cmd
    }

    /// The calls the stand-in got: each one's arguments.
    fn calls(&self) -> Vec<Vec<String>> {
        (0..)
            .map(|i| self.log().join(format!("call{i}.args")))
            .take_while(|p| p.exists())
            .map(|p| {
                let text = std::fs::read_to_string(p).unwrap();
                text.split_terminator('\0').map(String::from).collect()
            })
            .collect()
    }

    fn env_of_call(&self, i: usize) -> String {
        std::fs::read_to_string(self.log().join(format!("call{i}.env"))).unwrap()
    }
}

fn executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// Runs `cmd`. A binary this test process just copied can be "busy" for a moment (another
/// test's fork still holds the copy's write descriptor until it execs): tried again then.
fn run(mut cmd: Command) -> Output {
    for _ in 0..50 {
        match cmd.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            other => return other.expect("run"),
        }
    }
    cmd.output().expect("run")
}

const NOT_ON_PATH: &str = "azacr: no real az (Azure CLI) found on PATH besides azacr itself: install the Azure CLI (https://aka.ms/installazurecli) or set AZACR_AZ_PATH to its az\n";

#[test]
fn argv_stdin_and_environment_reach_the_real_az_unchanged() {
    let mut machine = Machine::new();
    let az = machine.azacr_link("shim");
    machine.stand_in("azure-cli");
    let args = ["login", "--use-device-code", "two words", "", "--tenant=x", "-o", "tsv"];
    let mut cmd = machine.command(&az);
    cmd.args(args).env("STANDIN_READ_STDIN", "1").env("SOME_SETTING", "a b=c").stdin(Stdio::piped());
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"typed at the prompt\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "stand-in az: login --use-device-code two words  --tenant=x -o tsv\n");
    assert_eq!(text(&out.stderr), "");
    assert_eq!(machine.calls(), vec![strings(&args)]);
    assert_eq!(std::fs::read_to_string(machine.log().join("call0.stdin")).unwrap(), "typed at the prompt\n");
    // The environment is the caller's, plus only azacr's loop guard (and what sh adds itself).
    let env = machine.env_of_call(0);
    let mut extra: Vec<&str> = env
        .lines()
        .filter(|l| l.contains('='))
        .map(|l| l.split('=').next().unwrap())
        .filter(|name| !["PATH", "HOME", "STANDIN_LOG", "STANDIN_READ_STDIN", "SOME_SETTING"].contains(name))
        .filter(|name| !["PWD", "SHLVL", "_", "OLDPWD"].contains(name))
        .collect();
    extra.sort();
    assert_eq!(extra, ["AZACR_PASSTHROUGH"], "{env}");
    assert!(env.lines().any(|l| l == "SOME_SETTING=a b=c"), "{env}");
    assert!(env.lines().any(|l| l == format!("STANDIN_LOG={}", machine.log().display())), "{env}");
}

#[test]
fn exit_codes_are_the_real_azs_invoked_as_az_or_as_azacr() {
    let mut machine = Machine::new();
    let az = machine.azacr_link("shim");
    machine.stand_in("azure-cli");
    for program in [az, azacr_bin()] {
        for code in [0, 1, 2, 3, 42, 255] {
            let mut cmd = machine.command(&program);
            cmd.args(["group", "list"]).env("STANDIN_CODE", code.to_string());
            let out = run(cmd);
            assert_eq!(out.status.code(), Some(code), "{}: {}", program.display(), text(&out.stderr));
            assert_eq!(text(&out.stdout), "stand-in az: group list\n");
        }
    }
}

#[test]
fn death_by_a_signal_is_the_real_azs() {
    let mut machine = Machine::new();
    let az = machine.azacr_link("shim");
    machine.stand_in("azure-cli");
    for args in [&["account", "show"][..], &["--version"]] {
        let mut cmd = machine.command(&az);
        cmd.args(args).env("STANDIN_SIGNAL", "TERM");
        let out = run(cmd);
        assert_eq!(out.status.signal(), Some(libc::SIGTERM), "{args:?}: {:?}", out.status);
        // az died: azacr adds nothing, not even its --version line.
        assert!(!text(&out.stdout).contains("azacr"), "{}", text(&out.stdout));
    }
}

/// A Ctrl-C at the terminal goes to the whole foreground process group.
fn interrupt(machine: &Machine, mut cmd: Command) -> Output {
    use std::os::unix::process::CommandExt;
    cmd.env("STANDIN_WAIT_FOR_INT", "1").process_group(0).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    let ready = machine.log().join("ready");
    let started = std::time::Instant::now();
    while !ready.exists() {
        assert!(started.elapsed().as_secs() < 20, "the stand-in never started");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // SAFETY: a signal to the child's own process group.
    assert_eq!(unsafe { libc::kill(-(child.id() as i32), libc::SIGINT) }, 0);
    child.wait_with_output().unwrap()
}

#[test]
fn a_ctrl_c_is_handled_by_the_real_az_and_azacr_exits_as_it_did() {
    let mut machine = Machine::new();
    let az = machine.azacr_link("shim");
    machine.stand_in("azure-cli");
    let mut cmd = machine.command(&az);
    cmd.args(["login", "--use-device-code"]);
    let out = interrupt(&machine, cmd);
    assert_eq!(out.status.code(), Some(130), "{:?} {}", out.status, text(&out.stderr));
    assert!(machine.log().join("interrupted").exists());

    // `az --version` waits for az (azacr itself ignores the Ctrl-C) and still has its say.
    std::fs::remove_file(machine.log().join("ready")).unwrap();
    std::fs::remove_file(machine.log().join("interrupted")).unwrap();
    let mut cmd = machine.command(&az);
    cmd.arg("--version");
    let out = interrupt(&machine, cmd);
    assert_eq!(out.status.code(), Some(130), "{:?} {}", out.status, text(&out.stderr));
    assert!(machine.log().join("interrupted").exists());
    assert!(text(&out.stdout).ends_with(&version_line(&machine.path[1].join("az"))), "{}", text(&out.stdout));
}

#[test]
fn azacr_twice_on_path_reaches_the_real_az_further_down() {
    // Links, a copy (which only the guard recognises) and a wrapper that runs `az` again.
    type Setup = fn(&mut Machine, &str) -> PathBuf;
    let setups: [(&str, Setup, Setup); 4] = [
        ("two symlinks", Machine::azacr_link, Machine::azacr_link),
        ("a symlink then a copy", Machine::azacr_link, Machine::azacr_copy),
        ("a copy then a symlink", Machine::azacr_copy, Machine::azacr_link),
        ("a symlink then a wrapper", Machine::azacr_link, Machine::wrapper),
    ];
    for (what, first, second) in setups {
        let mut machine = Machine::new();
        first(&mut machine, "first");
        second(&mut machine, "second");
        machine.stand_in("azure-cli");
        let mut cmd = machine.command(Path::new("az"));
        cmd.args(["account", "set", "--subscription", "prod"]).env("STANDIN_CODE", "4");
        let out = run(cmd);
        assert_eq!(out.status.code(), Some(4), "{what}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "stand-in az: account set --subscription prod\n", "{what}");
        assert_eq!(machine.calls(), vec![strings(&["account", "set", "--subscription", "prod"])], "{what}");
    }
}

#[test]
fn without_a_real_az_one_line_says_how_to_fix_it_and_exits_127() {
    let mut machine = Machine::new();
    machine.azacr_link("first");
    machine.azacr_link("second");
    for args in [&["login"][..], &["acr", "login", "-n", "r", "--expose-token"], &["-h"], &["foo"]] {
        let mut cmd = machine.command(Path::new("az"));
        cmd.args(args);
        let out = run(cmd);
        assert_eq!(out.status.code(), Some(127), "{args:?}");
        assert_eq!(text(&out.stderr), NOT_ON_PATH, "{args:?}");
        assert_eq!(text(&out.stdout), "");
    }
    // A copy and a wrapper cannot be told from a real az by their paths: the guard ends it.
    let mut machine = Machine::new();
    machine.azacr_link("first");
    machine.azacr_copy("second");
    machine.wrapper("third");
    let mut cmd = machine.command(Path::new("az"));
    cmd.arg("login");
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(127));
    assert!(
        text(&out.stderr).starts_with("azacr: no real az (Azure CLI): every az on PATH leads back to azacr")
    );
    assert_eq!(text(&out.stderr).lines().count(), 1, "{}", text(&out.stderr));
}

#[test]
fn own_commands_and_their_errors_never_reach_the_real_az() {
    let mut machine = Machine::new();
    let az = machine.azacr_link("shim");
    machine.stand_in("azure-cli");
    for args in [
        &["acr", "repository", "list"][..],
        &["acr", "repository", "show-tags", "-n", "myregistry", "--bogus"],
        &["acr", "repository", "delete", "-h"],
        &["acr", "manifest", "list-metadata", "-h"],
    ] {
        let mut cmd = machine.command(&az);
        cmd.args(args);
        let out = run(cmd);
        assert!(!text(&out.stdout).contains("stand-in"), "{args:?}");
        assert!(out.status.code() == Some(0) || out.status.code() == Some(2), "{args:?}");
    }
    assert_eq!(machine.calls(), Vec::<Vec<String>>::new());
}

#[test]
fn misspelled_words_in_azacrs_groups_ask_the_real_az_when_there_is_one() {
    let args = ["acr", "repository", "shwo-tags", "-n", "myregistry"];
    let mut machine = Machine::new();
    let az = machine.azacr_link("shim");
    let mut cmd = machine.command(&az);
    cmd.args(args);
    let alone = run(cmd);
    assert_eq!(alone.status.code(), Some(2));
    assert!(text(&alone.stderr).starts_with("ERROR: 'shwo-tags' is misspelled"), "{}", text(&alone.stderr));
    machine.stand_in("azure-cli");
    let mut cmd = machine.command(&az);
    cmd.args(args).env("STANDIN_CODE", "2");
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(machine.calls(), vec![strings(&args)]);
}

#[test]
fn azacr_az_path_names_the_real_az() {
    let mut machine = Machine::new();
    let az = machine.azacr_link("shim");
    let hidden = Machine::new().root.keep().join("az");
    executable(&hidden, STAND_IN);
    let mut cmd = machine.command(&az);
    cmd.args(["account", "show"]).env("AZACR_AZ_PATH", &hidden).env("STANDIN_CODE", "6");
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    assert_eq!(machine.calls(), vec![strings(&["account", "show"])]);

    // It wins over PATH; set and empty, it turns pass-through off; it must be a real az.
    machine.stand_in("azure-cli");
    let cases = [
        (String::new(), "azacr: no real az (Azure CLI): AZACR_AZ_PATH is set and empty, which turns pass-through off\n".to_string()),
        ("/nonexistent/az".into(), "azacr: AZACR_AZ_PATH=/nonexistent/az is not the real az (Azure CLI): not an executable file, or azacr itself; install the Azure CLI (https://aka.ms/installazurecli) or set AZACR_AZ_PATH to its az\n".into()),
        (azacr_bin().display().to_string(), format!("azacr: AZACR_AZ_PATH={} is not the real az", azacr_bin().display())),
    ];
    for (value, message) in cases {
        let mut cmd = machine.command(&az);
        cmd.args(["account", "show"]).env("AZACR_AZ_PATH", &value);
        let out = run(cmd);
        assert_eq!(out.status.code(), Some(127), "{value}");
        assert!(text(&out.stderr).starts_with(&message), "{value}: {}", text(&out.stderr));
    }
    assert_eq!(machine.calls().len(), 1, "the stand-in on PATH is not used");
    std::fs::remove_dir_all(hidden.parent().unwrap()).unwrap();
}

fn version_line(real: &Path) -> String {
    format!(
        "azacr {} answers 'az acr repository' and 'az acr manifest' itself; everything else runs {}\n",
        env!("CARGO_PKG_VERSION"),
        real.display()
    )
}

#[test]
fn versions_both_ways() {
    let mut machine = Machine::new();
    let az = machine.azacr_link("shim");
    let real = machine.stand_in("azure-cli");
    let mut cmd = machine.command(&azacr_bin());
    cmd.arg("--version");
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), format!("azacr {}\n", env!("CARGO_PKG_VERSION")));
    assert!(machine.calls().is_empty());

    let mut cmd = machine.command(&az);
    cmd.arg("--version").env("STANDIN_CODE", "5");
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(text(&out.stdout), format!("stand-in az: --version\n{}", version_line(&real)));
    assert_eq!(machine.calls(), vec![strings(&["--version"])]);

    // `version` (JSON) and `--version` with other arguments are az's alone.
    let mut cmd = machine.command(&az);
    cmd.arg("version");
    assert_eq!(text(&run(cmd).stdout), "stand-in az: version\n");

    // No real az: azacr's line, then the message.
    let mut cmd = machine.command(&az);
    cmd.arg("--version").env("AZACR_AZ_PATH", "");
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(127));
    assert!(text(&out.stdout).starts_with(&format!("azacr {} answers", env!("CARGO_PKG_VERSION"))));
}

#[test]
fn seed_scripts_run_unchanged_after_az_login_and_az_account_set() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(golden.join("cases.json")).unwrap()).unwrap();
    let seeds: Vec<&Value> = cases.iter().filter(|c| c.get("script").is_some()).collect();
    assert!(seeds.len() >= 4);
    let emulator = Emulator::start(default_seed());
    for case in seeds {
        let name = case["name"].as_str().unwrap();
        emulator.reset();
        let mut machine = Machine::new();
        machine.azacr_link("shim");
        machine.stand_in("azure-cli");
        let script =
            std::fs::read_to_string(golden.join("seeds").join(case["script"].as_str().unwrap())).unwrap();
        let script = if case["enable_delete"] == Value::Bool(true) {
            script.replacen("ENABLE_DELETE=false", "ENABLE_DELETE=true", 1)
        } else {
            script
        };
        let script =
            format!("az login --identity\naz account set --subscription 'My Subscription'\n{script}");
        let config = ConfigDir::signed_in();
        let mut cmd = command(Path::new("bash"), &emulator, &config, None);
        cmd.arg("-c").arg(&script);
        let mut path = machine.path.clone();
        path.extend(["/usr/local/bin", "/usr/bin", "/bin"].map(PathBuf::from));
        cmd.env("PATH", std::env::join_paths(path).unwrap())
            .env_remove("AZACR_AZ_PATH")
            .env("STANDIN_LOG", machine.log());
        let out = run(cmd);
        let want = std::fs::read_to_string(golden.join("az-2.91.0").join(name).join("stdout")).unwrap();
        let want = format!(
            "stand-in az: login --identity\nstand-in az: account set --subscription My Subscription\n{want}"
        );
        assert_eq!(text(&out.stdout), want, "{name}: {}", text(&out.stderr));
        let want_state: Value = serde_json::from_str(
            &std::fs::read_to_string(golden.join("az-2.91.0").join(name).join("state.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(emulator.snapshot(), want_state, "{name}");
        assert_eq!(
            machine.calls(),
            vec![
                strings(&["login", "--identity"]),
                strings(&["account", "set", "--subscription", "My Subscription"])
            ],
            "{name}: only the two lines that are not azacr's reach the real az"
        );
    }
}

#[test]
fn shim_install_links_az_to_azacr_and_uninstall_removes_only_that() {
    let mut machine = Machine::new();
    let bin = machine.dir("bin");
    let run_shim = |machine: &Machine, args: &[&str]| {
        let mut cmd = machine.command(&azacr_bin());
        cmd.arg("shim").args(args);
        run(cmd)
    };
    let link = bin.join("az");
    let out = run_shim(&machine, &["install", bin.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let own = azacr_bin().canonicalize().unwrap();
    assert_eq!(text(&out.stdout), format!("created {} (a symlink to {})\n", link.display(), own.display()));
    assert_eq!(std::fs::read_link(&link).unwrap(), own);
    // On PATH (first), so no note.
    assert_eq!(text(&out.stderr), "");

    // Again: nothing to do.
    let out = run_shim(&machine, &["install", bin.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("already runs azacr"), "{}", text(&out.stdout));

    // The link works as az.
    let mut cmd = machine.command(Path::new("az"));
    cmd.arg("--version").env("AZACR_AZ_PATH", "");
    assert!(text(&run(cmd).stdout).starts_with("azacr "));

    let out = run_shim(&machine, &["uninstall", bin.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("removed {}\n", link.display()));
    assert!(std::fs::symlink_metadata(&link).is_err());
    let out = run_shim(&machine, &["uninstall", bin.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("nothing changed"));

    // A real az is neither replaced nor removed.
    let real = machine.stand_in("azure-cli");
    let dir = real.parent().unwrap().to_str().unwrap();
    let out = run_shim(&machine, &["install", dir]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("exists and is not azacr"), "{}", text(&out.stderr));
    let out = run_shim(&machine, &["uninstall", dir]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("is not azacr's link"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&real).unwrap(), STAND_IN);
    assert!(machine.calls().is_empty());

    // A directory not on PATH, or after the real az's, gets a note.
    let elsewhere = machine.root.path().join("not-on-path");
    let out = run_shim(&machine, &["install", elsewhere.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("is not on PATH"), "{}", text(&out.stderr));
    let late = machine.dir("late");
    let out = run_shim(&machine, &["install", late.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("comes first on PATH"), "{}", text(&out.stderr));

    let out = run_shim(&machine, &["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("usage: azacr shim install [DIR]"));
}

#[test]
fn shim_install_without_a_directory_links_next_to_the_azacr_binary() {
    let mut machine = Machine::new();
    let bin = machine.dir("cargo-bin");
    let azacr = bin.join("azacr");
    std::fs::copy(azacr_bin(), &azacr).unwrap();
    let mut cmd = machine.command(&azacr);
    cmd.args(["shim", "install"]);
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_link(bin.join("az")).unwrap(), azacr.canonicalize().unwrap());
    let mut cmd = machine.command(&azacr);
    cmd.args(["shim", "uninstall"]);
    let out = run(cmd);
    assert_eq!(text(&out.stdout), format!("removed {}\n", bin.join("az").display()));
    // `shim` is azacr's word only: through the link it is az's (here: no real az).
    std::os::unix::fs::symlink(&azacr, bin.join("az")).unwrap();
    let mut cmd = machine.command(&bin.join("az"));
    cmd.args(["shim", "install"]);
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(text(&out.stderr), NOT_ON_PATH);
}

/// The lines of the YAML block scalar (`key: |`) that follows the line `after` in README.md.
fn readme_script(readme: &str, after: &str, key: &str) -> String {
    let lines: Vec<&str> = readme.lines().collect();
    let start =
        lines.iter().position(|l| l.trim() == after).unwrap_or_else(|| panic!("{after} not in README"));
    let at = start + lines[start..].iter().position(|l| l.trim() == key).expect("block");
    let indent = lines[at].len() - lines[at].trim_start().len();
    let body: Vec<&str> = lines[at + 1..]
        .iter()
        .take_while(|l| l.len() - l.trim_start().len() > indent && !l.trim().is_empty())
        .copied()
        .collect();
    let strip = body[0].len() - body[0].trim_start().len();
    body.iter().map(|l| format!("{}\n", &l[strip..])).collect()
}

#[test]
fn readme_ci_examples_run_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let github = readme_script(&readme, "- name: Delete untagged images", "run: |");
    let pipelines = readme_script(&readme, "displayName: Delete untagged images", "inlineScript: |");
    assert_eq!(github, pipelines, "the two examples run the same script");
    // AzureCLI@2 signs in with the az on PATH before the inline script.
    let task_sign_in = "az login --service-principal -u app -p secret --tenant t --output none\n\
                        az account set --subscription s\n";
    let emulator = Emulator::start(default_seed());
    let want_state: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("tests/golden/az-2.91.0/seed-delete-untagged-enabled/state.json"))
            .unwrap(),
    )
    .unwrap();
    for (what, script, sign_in_calls) in
        [("GitHub Actions", github.clone(), 0), ("AzureCLI@2", format!("{task_sign_in}{pipelines}"), 2)]
    {
        emulator.reset();
        let mut machine = Machine::new();
        machine.azacr_link("cargo-bin");
        machine.stand_in("usr-bin");
        let config = ConfigDir::signed_in();
        let mut cmd = command(Path::new("bash"), &emulator, &config, None);
        cmd.args(["-e", "-o", "pipefail", "-c", &script]);
        let mut path = machine.path.clone();
        path.extend(["/usr/bin", "/bin"].map(PathBuf::from));
        cmd.env("PATH", std::env::join_paths(path).unwrap())
            .env_remove("AZACR_AZ_PATH")
            .env("STANDIN_LOG", machine.log());
        let out = run(cmd);
        assert_eq!(out.status.code(), Some(0), "{what}: {}", text(&out.stderr));
        assert_eq!(emulator.snapshot(), want_state, "{what}: the untagged manifests are gone");
        let calls = machine.calls();
        assert_eq!(
            calls[sign_in_calls..],
            [
                strings(&["acr", "login", "-n", "myregistry", "--expose-token", "--output", "none"]),
                strings(&["account", "show", "--query", "name", "-o", "tsv"]),
            ],
            "{what}"
        );
        assert_eq!(calls.len(), sign_in_calls + 2, "{what}");
    }
}
