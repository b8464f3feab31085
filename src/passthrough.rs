//! Everything azacr does not implement runs the real az (see `az.rs` for which one).
//!
//! The choice is made from the command words alone, before any argument is checked, so that
//! azacr's own commands keep az's argument errors. How az is run, and why:
//!
//! * Unix: `exec`. The real az replaces azacr in the same process, so argv, environment,
//!   standard streams (a terminal stays a terminal: prompts and device-code sign-in work),
//!   the exit code and death by a signal are az's own, with nothing to forward.
//! * `az --version` through the shim, and Windows (which has no `exec`): spawn and wait.
//!   While az runs, azacr ignores Ctrl-C (the terminal sends it to both; az decides what it
//!   means), then exits with az's code, or on Unix dies of az's signal.

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::{Command, ExitStatus};

use crate::az::{self, NotFound};
use crate::cli::{MANIFEST_COMMANDS, MANIFEST_METADATA_COMMANDS, REPOSITORY_COMMANDS};
use crate::env::Env;

/// Exit code when there is no real az to run, as a shell's for a command not found.
pub const NOT_FOUND_EXIT: u8 = 127;

/// Who answers a command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// One of azacr's commands (`acr repository <command>`, `acr manifest <command>`),
    /// help for one of them, or an argument error in one of them.
    Native,
    /// azacr's groups without one of its commands (group help, a misspelled command word,
    /// a global option before the command words): the real az's answer, which knows its own
    /// version's commands; without a real az, azacr's copy of az 2.91.0's answer.
    NativeUnlessAz,
    /// Anything else: only the real az can answer.
    Az,
}

/// Decides from the command words (the arguments before the first option) alone.
pub fn route(args: &[String]) -> Route {
    let words: Vec<&str> = args.iter().map(String::as_str).take_while(|a| !a.starts_with('-')).collect();
    let later_word = |w: &[&str]| args.iter().any(|a| w.contains(&a.as_str()));
    match words.as_slice() {
        ["acr", "repository", command, ..] if REPOSITORY_COMMANDS.contains(command) => Route::Native,
        ["acr", "manifest", "metadata", command, ..] if MANIFEST_METADATA_COMMANDS.contains(command) => {
            Route::Native
        }
        // Every `acr manifest` command (the `metadata` group is matched above).
        ["acr", "manifest", command, ..] if *command != "metadata" && MANIFEST_COMMANDS.contains(command) => {
            Route::Native
        }
        ["acr", "repository" | "manifest"] | ["acr", "manifest", "metadata"] => Route::NativeUnlessAz,
        ["acr", "repository", _, ..] => Route::NativeUnlessAz,
        ["acr", "manifest", "metadata", _, ..] => Route::NativeUnlessAz,
        // A misspelled command word (az's commands that azacr does not answer yet are az's).
        ["acr", "manifest", command, ..] if !MANIFEST_COMMANDS.contains(command) => Route::NativeUnlessAz,
        // az reads a global option's value given before the command words as a command word.
        ["acr"] if later_word(&["repository", "manifest"]) => Route::NativeUnlessAz,
        [] if later_word(&["acr"]) && !args.is_empty() => Route::NativeUnlessAz,
        _ => Route::Az,
    }
}

/// Runs the real az with `args` and returns only if it could not be started (Unix), or with
/// az's exit code (elsewhere; codes above 255 end the process here).
pub fn run(real: &Path, args: &[OsString], env: &Env) -> u8 {
    let mut cmd = az::command(real, args, env);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let error = cmd.exec();
        cannot_start(real, &error)
    }
    #[cfg(not(unix))]
    {
        match spawn_and_wait(&mut cmd) {
            Ok(status) => exit_as(status),
            Err(error) => cannot_start(real, &error),
        }
    }
}

/// The message and exit code when there is no real az.
pub fn not_found(reason: &NotFound) -> u8 {
    eprintln!("azacr: {reason}");
    NOT_FOUND_EXIT
}

/// The line `az --version` prints after the real az's output, through the shim.
pub fn version_line(real: Option<&Path>) -> String {
    let rest = match real {
        Some(path) => format!("everything else runs {}", path.display()),
        None => "no real az found".to_string(),
    };
    format!(
        "azacr {} answers 'az acr repository' and 'az acr manifest' itself; {rest}",
        env!("CARGO_PKG_VERSION")
    )
}

/// `az --version` with azacr as `az`: the real az's output, then azacr's line.
pub fn version(args: &[OsString], env: &Env) -> u8 {
    let real = match az::find_real_az(env) {
        Ok(real) => real,
        Err(reason) => {
            println!("{}", version_line(None));
            return not_found(&reason);
        }
    };
    let status = match spawn_and_wait(&mut az::command(&real, args, env)) {
        Ok(status) => status,
        Err(error) => return cannot_start(&real, &error),
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if status.signal().is_some() {
            exit_as(status);
        }
    }
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", version_line(Some(&real))).and_then(|()| stdout.flush());
    match status.code() {
        Some(code @ 0..=255) => code as u8,
        _ => exit_as(status),
    }
}

fn cannot_start(real: &Path, error: &std::io::Error) -> u8 {
    eprintln!("azacr: could not run the real az at {}: {error}", real.display());
    if error.kind() == std::io::ErrorKind::NotFound { NOT_FOUND_EXIT } else { 126 }
}

/// Runs `cmd` to its end with Ctrl-C left to it.
fn spawn_and_wait(cmd: &mut Command) -> std::io::Result<ExitStatus> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        const LEFT_TO_AZ: [libc::c_int; 2] = [libc::SIGINT, libc::SIGQUIT];
        // Ignored from before the spawn (no moment where a Ctrl-C ends azacr but not az) to
        // after az's end; az gets them back at their defaults.
        let ignored = LEFT_TO_AZ.map(|sig| {
            // SAFETY: swapping a signal's disposition for SIG_IGN and back; no handler runs.
            (sig, unsafe { libc::signal(sig, libc::SIG_IGN) })
        });
        // SAFETY: signal() is async-signal-safe, as the code between fork and exec must be.
        unsafe {
            cmd.pre_exec(|| {
                for sig in LEFT_TO_AZ {
                    libc::signal(sig, libc::SIG_DFL);
                }
                Ok(())
            });
        }
        let status = cmd.spawn().and_then(|mut child| child.wait());
        for (sig, previous) in ignored {
            // SAFETY: as above, restoring the disposition saved before.
            unsafe { libc::signal(sig, previous) };
        }
        status
    }
    #[cfg(not(unix))]
    {
        let mut child = cmd.spawn()?;
        // The console's Ctrl-C reaches az too; azacr takes it (a handler registered after the
        // spawn, so az keeps its own) and goes on waiting for az.
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(async move {
            let mut waiting = tokio::task::spawn_blocking(move || child.wait());
            loop {
                tokio::select! {
                    status = &mut waiting => return status.map_err(std::io::Error::other)?,
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
        })
    }
}

/// Ends azacr as the child ended: its exit code, or (Unix) death by the same signal.
fn exit_as(status: ExitStatus) -> ! {
    let _ = std::io::stdout().flush();
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            // SAFETY: back to the default action, then the signal to ourselves: the parent
            // sees the same "killed by" status as az's.
            unsafe {
                libc::signal(sig, libc::SIG_DFL);
                libc::kill(libc::getpid(), sig);
            }
            // Signals that do not end a process by default (none az dies of normally).
            std::process::exit(128 + sig);
        }
    }
    std::process::exit(status.code().unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route_of(line: &str) -> Route {
        route(&line.split_whitespace().map(String::from).collect::<Vec<_>>())
    }

    #[test]
    fn azacr_keeps_its_own_commands_and_their_errors() {
        for line in [
            "acr repository list -n r",
            "acr repository show-manifests --bogus",
            "acr repository delete -h",
            "acr repository untag extra words -n x",
            "acr manifest list-metadata r.azurecr.io/x",
            "acr manifest list-metadata -h",
            "acr manifest delete -r r -n a:b --yes",
            "acr manifest delete r.azurecr.io/a@sha256:0",
            "acr manifest show-metadata -r r -n a:b",
            "acr manifest list-deleted -r r -n a",
            "acr manifest list-deleted-tags r.azurecr.io/a",
            "acr manifest update-metadata -h",
            "acr manifest metadata list -r r -n a",
            "acr manifest metadata show -h",
            "acr manifest metadata update -r r -n a:b --write-enabled false",
        ] {
            assert_eq!(route_of(line), Route::Native, "{line}");
        }
    }

    #[test]
    fn the_real_az_answers_first_where_azacr_only_has_a_copy_of_its_answer() {
        for line in [
            "acr repository",
            "acr repository -h",
            "acr repository shwo-tags -n r",
            "acr manifest",
            "acr manifest --help",
            "acr manifest delet -r r",
            "acr manifest metadata",
            "acr manifest metadata -h",
            "acr -o tsv repository list",
            "-o tsv acr repository list",
        ] {
            assert_eq!(route_of(line), Route::NativeUnlessAz, "{line}");
        }
    }

    #[test]
    fn everything_else_is_the_real_azs() {
        for line in [
            "",
            "--version",
            "version",
            "-h",
            "login --use-device-code",
            "account set --subscription x",
            "acr",
            "acr -h",
            "acr login -n r --expose-token",
            "acr list",
            "acr run --cmd acr-purge",
            "aks get-credentials",
            "foo",
            "--debug login",
        ] {
            assert_eq!(route_of(line), Route::Az, "{line}");
        }
    }
}
