//! `azacr shim install [DIR]` and `azacr shim uninstall [DIR]`: the `az` link that makes
//! scripts run azacr (and, through it, the real az for everything else).
//!
//! The link is a symlink named `az` (Windows: a hard link, or else a copy, named `az.exe`).
//! Without DIR it goes next to the azacr binary (`~/.cargo/bin` after `cargo install`), or to
//! `~/.local/bin` when that directory is not writable. A file named `az` that is not azacr's
//! is never replaced or removed.

use std::ffi::OsString;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::az;
use crate::env::{self, Env};

const USAGE: &str = "usage: azacr shim install [DIR]    create DIR/az, a link to azacr (default: azacr's directory, or ~/.local/bin)
       azacr shim uninstall [DIR]  remove that link (only if it is azacr's)";

const LINK_NAME: &str = if cfg!(windows) { "az.exe" } else { "az" };

pub fn main(args: &[OsString], env: &Env) -> u8 {
    let words: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let own = match std::env::current_exe().and_then(|p| p.canonicalize()) {
        Ok(own) => own,
        Err(e) => {
            eprintln!("azacr: cannot tell where the azacr binary is: {e}");
            return 1;
        }
    };
    let dir = args.get(1).map(PathBuf::from);
    match words.as_slice() {
        ["install"] | ["install", _] => install(&own, dir, env),
        ["uninstall"] | ["uninstall", _] => uninstall(&own, dir, env),
        ["-h" | "--help"] => {
            println!("{USAGE}");
            0
        }
        _ => {
            eprintln!("{USAGE}");
            2
        }
    }
}

/// The directories tried when none is given.
fn default_dirs(own: &Path, env: &Env) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = own.parent().map(Path::to_path_buf).into_iter().collect();
    if let Some(home) = env.var_os(env::HOME).or_else(|| env.var_os(env::USERPROFILE)) {
        dirs.push(PathBuf::from(home).join(".local").join("bin"));
    }
    dirs
}

/// Whether `link` is azacr: this binary, or a symlink to a file named azacr (an older one).
fn is_ours(link: &Path, own: &Path) -> bool {
    if az::same_file(link, own) {
        return true;
    }
    if let Ok(target) = std::fs::read_link(link)
        && target.file_stem().and_then(|s| s.to_str()).is_some_and(|s| s.starts_with("azacr"))
    {
        return true;
    }
    // A copy (Windows, where hard links can fail): the same bytes.
    cfg!(windows) && std::fs::read(link).ok().zip(std::fs::read(own).ok()).is_some_and(|(a, b)| a == b)
}

fn install(own: &Path, dir: Option<PathBuf>, env: &Env) -> u8 {
    let given = dir.is_some();
    let dirs = dir.map(|d| vec![d]).unwrap_or_else(|| default_dirs(own, env));
    for dir in &dirs {
        let link = dir.join(LINK_NAME);
        if std::fs::symlink_metadata(&link).is_ok() {
            if is_ours(&link, own) {
                println!("{} already runs azacr ({}); nothing changed", link.display(), own.display());
                path_notes(dir, own, env);
                return 0;
            }
            eprintln!(
                "azacr: {} exists and is not azacr (the real az?); it was left as it is. \
                 Name another directory: azacr shim install DIR",
                link.display()
            );
            return 1;
        }
        match create_dir_and_link(own, dir, &link) {
            Ok(how) => {
                println!("created {} ({how} {})", link.display(), own.display());
                path_notes(dir, own, env);
                return 0;
            }
            Err(e)
                if !given
                    && matches!(e.kind(), ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem) =>
            {
                eprintln!("azacr: cannot write to {} ({e}); trying the next directory", dir.display());
            }
            Err(e) => {
                eprintln!("azacr: could not create {}: {e}", link.display());
                return 1;
            }
        }
    }
    eprintln!("azacr: no writable directory for the az link; name one: azacr shim install DIR");
    1
}

fn create_dir_and_link(own: &Path, dir: &Path, link: &Path) -> std::io::Result<&'static str> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(own, link)?;
        Ok("a symlink to")
    }
    #[cfg(not(unix))]
    {
        match std::fs::hard_link(own, link) {
            Ok(()) => Ok("a hard link to"),
            Err(_) => std::fs::copy(own, link).map(|_| "a copy of"),
        }
    }
}

/// Says when the link will not be the `az` a script finds.
fn path_notes(dir: &Path, own: &Path, env: &Env) {
    let path = env.var_os(env::PATH).unwrap_or_default();
    let entries: Vec<PathBuf> = std::env::split_paths(path).collect();
    let here = entries.iter().position(|e| az::same_file(e, dir));
    let Some(here) = here else {
        eprintln!("note: {} is not on PATH; put it before the real az's directory", dir.display());
        return;
    };
    let real_before = entries[..here]
        .iter()
        .map(|e| e.join(LINK_NAME))
        .find(|az| std::fs::metadata(az).is_ok_and(|m| m.is_file()) && !is_ours(az, own));
    if let Some(real) = real_before {
        eprintln!(
            "note: {} comes first on PATH, so `az` still runs it; put {} before it",
            real.display(),
            dir.display()
        );
    }
}

fn uninstall(own: &Path, dir: Option<PathBuf>, env: &Env) -> u8 {
    let given = dir.is_some();
    let dirs = dir.map(|d| vec![d]).unwrap_or_else(|| default_dirs(own, env));
    let mut removed = 0;
    for dir in &dirs {
        let link = dir.join(LINK_NAME);
        if std::fs::symlink_metadata(&link).is_err() {
            continue;
        }
        if !is_ours(&link, own) {
            eprintln!("azacr: {} is not azacr's link; it was left as it is", link.display());
            if given {
                return 1;
            }
            continue;
        }
        if let Err(e) = std::fs::remove_file(&link) {
            eprintln!("azacr: could not remove {}: {e}", link.display());
            return 1;
        }
        println!("removed {}", link.display());
        removed += 1;
    }
    if removed == 0 {
        let places: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        println!("no azacr link named {LINK_NAME} in {}; nothing changed", places.join(" or "));
    }
    0
}
