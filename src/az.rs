//! Finding the real Azure CLI, the one place azacr looks for it: pass-through and anything
//! else that needs to ask the real az (for example for a token) use `find_real_az` and
//! `command`.
//!
//! The real az is `AZACR_AZ_PATH` when that is set, else the first `az` on PATH that is not
//! azacr itself. "Itself" is decided by canonical path and by file identity (which catches
//! symlinks and hard links). Copies of azacr and wrapper scripts that run azacr again cannot be
//! recognised by looking at them, so the guard variable `AZACR_PASSTHROUGH` carries, for one
//! command line, every `az` it has already been handed to: azacr reached again with the same
//! arguments skips those, so each hop goes further down PATH and a loop is impossible.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::env::{self, Env};

/// At most this many entries in the guard for one command line (two per hop).
const MAX_HOPS: usize = 32;

/// Why there is no real az to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotFound {
    /// No `az` on PATH other than azacr itself.
    NotOnPath,
    /// `AZACR_AZ_PATH` is set and empty: pass-through is turned off.
    Disabled,
    /// `AZACR_AZ_PATH` names something that is not an executable file, or is azacr.
    BadOverride(PathBuf),
    /// Every `az` left leads back to azacr.
    Loop,
}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const FIX: &str =
            "install the Azure CLI (https://aka.ms/installazurecli) or set AZACR_AZ_PATH to its az";
        match self {
            NotFound::NotOnPath => {
                write!(f, "no real az (Azure CLI) found on PATH besides azacr itself: {FIX}")
            }
            NotFound::Disabled => write!(
                f,
                "no real az (Azure CLI): AZACR_AZ_PATH is set and empty, which turns pass-through off"
            ),
            NotFound::BadOverride(path) => write!(
                f,
                "AZACR_AZ_PATH={} is not the real az (Azure CLI): not an executable file, or azacr itself; {FIX}",
                path.display()
            ),
            NotFound::Loop => {
                write!(
                    f,
                    "no real az (Azure CLI): every az on PATH leads back to azacr (AZACR_PASSTHROUGH): {FIX}"
                )
            }
        }
    }
}

impl std::error::Error for NotFound {}

/// The real az: `AZACR_AZ_PATH`, or the first `az` on PATH that is not azacr.
pub fn find_real_az(env: &Env) -> Result<PathBuf, NotFound> {
    let own_args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let visited = Guard::read(&own_args, env).visited;
    if visited.len() >= MAX_HOPS {
        return Err(NotFound::Loop);
    }
    let own = Own::new();
    let skip = |path: &Path| own.is(path) || visited.iter().any(|v| same_file(v, path));
    if let Some(chosen) = env.var_os(env::AZACR_AZ_PATH) {
        if chosen.is_empty() {
            return Err(NotFound::Disabled);
        }
        let path = PathBuf::from(chosen);
        if !is_executable(&path) || own.is(&path) {
            return Err(NotFound::BadOverride(path));
        }
        return if skip(&path) { Err(NotFound::Loop) } else { Ok(path) };
    }
    let mut looped = false;
    for dir in std::env::split_paths(env.var_os(env::PATH).unwrap_or_default()) {
        // An empty entry means the current directory; az is never looked for there.
        if dir.as_os_str().is_empty() {
            continue;
        }
        for name in names(env, "az") {
            let path = dir.join(&name);
            if !is_executable(&path) {
                continue;
            }
            if own.is(&path) {
                continue;
            }
            if skip(&path) {
                looped = true;
                continue;
            }
            return Ok(path);
        }
    }
    Err(if looped { NotFound::Loop } else { NotFound::NotOnPath })
}

/// A command that runs `real` with `args`, the caller's environment and standard streams,
/// plus the guard that stops `real` from leading back here for ever.
pub fn command(real: &Path, args: &[OsString], env: &Env) -> Command {
    let mut guard = Guard::read(args, env);
    if let Some(own) = Own::new().canonical {
        guard.add(own);
    }
    guard.add(real.canonicalize().unwrap_or_else(|_| real.to_path_buf()));
    let mut cmd = Command::new(real);
    cmd.args(args);
    if let Some(value) = guard.value() {
        cmd.env(env::AZACR_PASSTHROUGH, value);
    }
    cmd
}

/// The first program named `stem` on PATH (never in the current directory), as a shell
/// would run it.
pub fn find_program(env: &Env, stem: &str) -> Option<PathBuf> {
    std::env::split_paths(&env.var_os(env::PATH).unwrap_or_default())
        .filter(|dir| !dir.as_os_str().is_empty())
        .flat_map(|dir| names(env, stem).into_iter().map(move |name| dir.join(name)))
        .find(|path| is_executable(path))
}

/// The file names a program `stem` on PATH can have.
fn names(env: &Env, stem: &str) -> Vec<OsString> {
    if cfg!(windows) {
        let exts = env.var(env::PATHEXT).unwrap_or_else(|| ".COM;.EXE;.BAT;.CMD".into());
        exts.split(';')
            .filter(|e| !e.is_empty())
            .map(|e| OsString::from(format!("{stem}{}", e.to_lowercase())))
            .collect()
    } else {
        vec![OsString::from(stem)]
    }
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else { return false };
    if !meta.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// This very binary, by path and by file identity.
struct Own {
    canonical: Option<PathBuf>,
}

impl Own {
    fn new() -> Own {
        Own { canonical: std::env::current_exe().ok().and_then(|p| p.canonicalize().ok()) }
    }

    fn is(&self, path: &Path) -> bool {
        self.canonical.as_deref().is_some_and(|own| same_file(own, path))
    }
}

/// The same file: equal canonical paths, or (Unix) the same device and inode (hard links).
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) if x == y => return true,
        (Err(_), _) | (_, Err(_)) => return false,
        _ => {}
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// `AZACR_PASSTHROUGH`: the command line's fingerprint, then the `az`s it was handed to, as a
/// PATH-style list. A different command line (az itself running `az something`) starts afresh.
struct Guard {
    fingerprint: String,
    visited: Vec<PathBuf>,
}

impl Guard {
    fn read(args: &[OsString], env: &Env) -> Guard {
        let fingerprint = fingerprint(args);
        let mut visited = Vec::new();
        if let Some(value) = env.var_os(env::AZACR_PASSTHROUGH) {
            let mut parts = std::env::split_paths(value);
            if parts.next().is_some_and(|first| first.as_os_str() == OsStr::new(&fingerprint)) {
                visited = parts.filter(|p| !p.as_os_str().is_empty()).collect();
            }
        }
        Guard { fingerprint, visited }
    }

    /// Every hop adds its paths, repeated or not, so the list also counts the hops.
    fn add(&mut self, path: PathBuf) {
        self.visited.push(path);
    }

    fn value(&self) -> Option<OsString> {
        let parts = std::iter::once(PathBuf::from(&self.fingerprint)).chain(self.visited.iter().cloned());
        std::env::join_paths(parts).ok()
    }
}

/// FNV-1a over the arguments (stable across builds, unlike std's hasher).
fn fingerprint(args: &[OsString]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for arg in args {
        for byte in arg.as_encoded_bytes().iter().chain([&0u8]) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_separate_arguments() {
        let a = fingerprint(&["ab".into(), "c".into()]);
        let b = fingerprint(&["a".into(), "bc".into()]);
        assert_ne!(a, b);
        assert_eq!(a, fingerprint(&["ab".into(), "c".into()]));
        assert_eq!(a.len(), 16);
    }

    #[test]
    fn the_messages_say_how_to_fix_it() {
        for reason in [NotFound::NotOnPath, NotFound::BadOverride("/x".into()), NotFound::Loop] {
            let text = reason.to_string();
            assert!(text.contains("AZACR_AZ_PATH") && text.contains("install the Azure CLI"), "{text}");
            assert!(!text.contains('\n'));
        }
    }
}
