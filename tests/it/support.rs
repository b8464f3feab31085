//! Running the azacr binary against the emulator with an isolated environment.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use azacr_emulator::{Emulator, seed};

pub const ADMIN: [&str; 4] = ["-u", seed::ADMIN_USER, "-p", seed::ADMIN_PASSWORD];

pub fn azacr_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_azacr"))
}

/// What a run printed and returned.
#[derive(Debug)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// A scratch az configuration directory, removed on drop.
pub struct ConfigDir(tempfile::TempDir);

impl ConfigDir {
    pub fn empty() -> ConfigDir {
        ConfigDir(tempfile::tempdir().expect("temp dir"))
    }

    /// As `az login` leaves it (see `azacr_emulator::az_config`).
    pub fn signed_in() -> ConfigDir {
        let dir = ConfigDir::empty();
        azacr_emulator::az_config::write_signed_in(dir.path()).expect("write az config");
        dir
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

/// A command with nothing from the caller's environment but PATH, pointed at the emulator.
/// Pass-through is off (`AZACR_AZ_PATH` empty), so no real az on the machine is ever run:
/// azacr answers everything itself, as the goldens expect.
pub fn command(program: &Path, emulator: &Emulator, config: &ConfigDir, connect_to: Option<&str>) -> Command {
    let mut cmd = emulator.azacr_command(program, config.path());
    if let Some(address) = connect_to {
        cmd.env("AZACR_CONNECT_TO", address);
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// `acr repository show-tags` of `acr-helloworld`, without credentials (the sign-in az's
/// files give).
pub const SHOW_TAGS: [&str; 7] =
    ["acr", "repository", "show-tags", "-n", "myregistry", "--repository", "acr-helloworld"];

/// `SHOW_TAGS` (with `--debug` when asked) in `config`: what it did and the requests it made.
pub fn show_tags_logged(
    emulator: &Emulator,
    config: &ConfigDir,
    debug: bool,
) -> (Outcome, Vec<azacr_emulator::LoggedRequest>) {
    emulator.clear_requests();
    let mut cmd = command(&azacr_bin(), emulator, config, None);
    cmd.args(SHOW_TAGS);
    if debug {
        cmd.arg("--debug");
    }
    (run(cmd), emulator.requests())
}

pub fn run(mut cmd: Command) -> Outcome {
    let out = cmd.output().expect("run");
    Outcome {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// `acr repository <command> -n myregistry` with the admin's credentials, then `extra`.
pub fn admin_args<'a>(command: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["acr", "repository", command, "-n", "myregistry"];
    args.extend_from_slice(&ADMIN);
    args.extend_from_slice(extra);
    args
}

/// The next `times` requests whose path contains `path` get `status` (Retry-After: 0).
pub fn fault(path: &str, status: u16, times: u32) -> azacr_emulator::Fault {
    azacr_emulator::Fault { retry_after: Some(0), ..azacr_emulator::Fault::status(path, status, times) }
}

/// Runs `azacr <args>` in this process (`azacr::run_with`, no terminal) with an empty az
/// configuration against `emulator`, in the environment `command` gives a child.
pub fn azacr(emulator: &Emulator, args: &[&str]) -> Outcome {
    // In-process runs retry without waiting (the spawned binary, in the goldens, waits as shipped).
    azacr::registry::transport::knobs::set_first_backoff(std::time::Duration::ZERO);
    let config = ConfigDir::empty();
    let env = azacr::env::Env::of([
        ("HOME", config.path().as_os_str()),
        ("AZURE_CONFIG_DIR", config.path().as_os_str()),
        ("AZACR_AZ_PATH", "".as_ref()),
        ("REQUESTS_CA_BUNDLE", emulator.ca_bundle().as_os_str()),
        ("AZACR_CONNECT_TO", emulator.addr().to_string().as_ref()),
    ])
    .in_dir(config.path());
    let (io, stdout, stderr) = azacr::ui::Io::captured();
    let code = azacr::run_with(args.iter().map(|a| a.to_string()).collect(), &io, env);
    let text = |buffer: &azacr::ui::Captured| String::from_utf8_lossy(&buffer.lock().unwrap()).into_owned();
    Outcome { stdout: text(&stdout), stderr: text(&stderr), code: i32::from(code) }
}

/// Runs the azacr binary with `args`, with an empty az configuration against `emulator`.
pub fn azacr_process(emulator: &Emulator, args: &[&str]) -> Outcome {
    let config = ConfigDir::empty();
    let mut cmd = command(&azacr_bin(), emulator, &config, None);
    cmd.args(args);
    run(cmd)
}

/// A new pseudo-terminal: (master, slave).
fn open_terminal() -> (std::fs::File, std::fs::File) {
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two new descriptors, which are owned by the Files made from them.
    let rc = unsafe {
        libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null())
    };
    assert_eq!(rc, 0, "openpty failed");
    unsafe { (std::fs::File::from_raw_fd(master), std::fs::File::from_raw_fd(slave)) }
}

/// Runs `cmd` with a terminal as stdin, stdout and stderr (az's colour mode); what the
/// terminal showed comes back as stdout.
pub fn run_in_terminal(cmd: Command) -> Outcome {
    run_in_terminal_answering(cmd, &[])
}

/// As `run_in_terminal`, answering each `(prompt, answer)` in turn once the prompt shows; the
/// terminal is also the process's controlling terminal, where password prompts read.
pub fn run_in_terminal_answering(mut cmd: Command, answers: &[(&str, &str)]) -> Outcome {
    use std::io::{Read, Write};
    use std::os::unix::process::CommandExt;
    let (mut master, slave) = open_terminal();
    let mut pending = answers.iter();
    let mut next = pending.next();
    let mut seen = 0;
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            libc::ioctl(0, libc::TIOCSCTTY, 0);
            Ok(())
        });
    }
    cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    let mut child = cmd.spawn().expect("spawn");
    drop(cmd);
    // A run that waits for input it will never get is ended (and fails its test) rather
    // than hanging the suite.
    let pid = child.id() as libc::pid_t;
    let finished = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watchdog = {
        let finished = finished.clone();
        std::thread::spawn(move || {
            for _ in 0..600 {
                std::thread::sleep(std::time::Duration::from_millis(100));
                if finished.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
            }
            // SAFETY: a plain kill(2) of the child this function spawned and has not reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        })
    };
    let mut shown = Vec::new();
    let mut buf = [0u8; 65536];
    // Reading fails with EIO once the child has exited and closed the terminal.
    while let Ok(n) = master.read(&mut buf) {
        if n == 0 {
            break;
        }
        shown.extend_from_slice(&buf[..n]);
        while let Some((prompt, answer)) = next {
            let text = String::from_utf8_lossy(&shown[seen..]).into_owned();
            let Some(at) = text.find(prompt) else { break };
            seen += at + prompt.len();
            // Typed after the prompt, once a password prompt has turned the echo off.
            std::thread::sleep(std::time::Duration::from_millis(300));
            master.write_all(answer.as_bytes()).expect("type");
            next = pending.next();
        }
    }
    let status = child.wait().expect("wait");
    finished.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = watchdog.join();
    Outcome {
        stdout: String::from_utf8_lossy(&shown).into_owned(),
        stderr: String::new(),
        code: status.code().unwrap_or(-1),
    }
}

/// Gives `cmd` a terminal on stdin (stdout and stderr stay pipes, as az's prompt rule
/// looks at stdin only) with `answers` already typed. Keep the returned master open until
/// the command has finished.
pub fn stdin_terminal(cmd: &mut Command, answers: &str) -> std::fs::File {
    use std::io::Write;
    let (mut master, slave) = open_terminal();
    master.write_all(answers.as_bytes()).expect("type the answers");
    cmd.stdin(Stdio::from(slave));
    master
}

/// Replaces az's `YYYY-MM-DD HH:MM:SS[.ffffff]` timestamps, which differ run to run.
pub fn redact_timestamps(text: &str) -> String {
    // `--verbose`'s timing line: its figures are never the same twice.
    let text: String = text
        .split('\n')
        .map(|l| if l.starts_with("INFO: Command ran in ") { "INFO: Command ran in <TIME>" } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let shape = b"dddd-dd-dd dd:dd:dd";
    while i < bytes.len() {
        let matches = i + shape.len() <= bytes.len()
            && shape.iter().zip(&bytes[i..]).all(
                |(s, b)| {
                    if *s == b'd' { b.is_ascii_digit() } else { s == b }
                },
            );
        if matches {
            out.push_str("<TIMESTAMP>");
            i += shape.len();
            if bytes.get(i) == Some(&b'.')
                && bytes.get(i + 1..i + 7).is_some_and(|f| f.iter().all(u8::is_ascii_digit))
            {
                i += 7;
            }
        } else {
            let ch = text[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

#[test]
fn timestamps_are_redacted() {
    assert_eq!(
        redact_timestamps("ERROR: 2026-11-22 23:56:09.627250 Error: x. Correlation ID: c."),
        "ERROR: <TIMESTAMP> Error: x. Correlation ID: c."
    );
    assert_eq!(redact_timestamps("a 2026-11-22 23:56:09 b"), "a <TIMESTAMP> b");
}

#[test]
fn a_username_without_password_asks_for_it_at_the_terminal() {
    let emulator = azacr_emulator::Emulator::start(azacr_emulator::default_seed());
    let config = ConfigDir::empty();
    let mut cmd = command(&azacr_bin(), &emulator, &config, None);
    cmd.args([
        "acr",
        "repository",
        "show-tags",
        "-n",
        "myregistry",
        "--repository",
        "acr-helloworld",
        "-o",
        "tsv",
    ])
    .args(["-u", azacr_emulator::seed::ADMIN_USER]);
    let password = format!("{}\n", azacr_emulator::seed::ADMIN_PASSWORD);
    let out = run_in_terminal_answering(cmd, &[("Password: ", &password)]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    // The prompt, the newline echoed after the hidden answer, then the result (the terminal adds \r).
    assert_eq!(out.stdout, "Password: \r\nlatest\r\nv1\r\nv2\r\nv3\r\n");
    assert!(!out.stdout.contains(azacr_emulator::seed::ADMIN_PASSWORD));
}

#[test]
fn without_credentials_at_a_terminal_az_asks_who_to_sign_in_as() {
    let emulator = azacr_emulator::Emulator::start(azacr_emulator::default_seed());
    let config = ConfigDir::empty();
    let mut cmd = command(&azacr_bin(), &emulator, &config, None);
    cmd.args(["acr", "repository", "list", "-n", "myregistry", "-o", "tsv", "--query", "[0]"]);
    let user = format!("{}\n", azacr_emulator::seed::ADMIN_USER);
    let password = format!("{}\n", azacr_emulator::seed::ADMIN_PASSWORD);
    let out = run_in_terminal_answering(cmd, &[("Username: ", &user), ("Password: ", &password)]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    // A terminal on both streams: az's colour mode (no WARNING: prefix).
    let warning = |m: &str| format!("\x1b[93m{m}\x1b[0m\r\n");
    let expected = warning(
        "Unable to get AAD authorization tokens with message: Please run 'az login' to setup account.",
    ) + &warning(
        "Unable to get admin user credentials with message: Please run 'az login' to setup account.",
    ) + "Username: myregistry\r\nPassword: \r\nacr-helloworld\r\n";
    assert_eq!(out.stdout, expected);
}
