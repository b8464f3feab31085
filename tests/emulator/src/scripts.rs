//! Running the seed documents' shell scripts with a given `az` on PATH against the emulator,
//! for the demo and the benchmark.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::Emulator;

pub const DELETE_UNTAGGED: &str = include_str!("../../golden/seeds/delete-untagged.sh");
pub const DELETE_BY_TIMESTAMP: &str = include_str!("../../golden/seeds/delete-by-timestamp.sh");

/// The script with the one edit its page asks for before it deletes anything.
pub fn enabled(script: &str) -> String {
    script.replacen("ENABLE_DELETE=false", "ENABLE_DELETE=true", 1)
}

/// Builds azacr with cargo and returns the binary's path.
pub fn build_azacr(release: bool) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&root).args(["build", "--quiet", "--bin", "azacr"]);
    if release {
        cmd.arg("--release");
    }
    assert!(cmd.status().expect("run cargo").success(), "cargo build failed");
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let binary = target.join(if release { "release" } else { "debug" }).join("azacr");
    binary.canonicalize().unwrap_or(binary)
}

/// A folder whose `az` runs `program` with `args` first.
pub struct AzOnPath {
    dir: tempfile::TempDir,
}

impl AzOnPath {
    pub fn new(program: &Path, args: &[&str]) -> AzOnPath {
        AzOnPath::around(program, args, &[])
    }

    /// Runs `program` with `args`, then the script's arguments, then `after` (say `-u U -p P`
    /// on every call, for a script that names no credentials).
    pub fn around(program: &Path, args: &[&str], after: &[&str]) -> AzOnPath {
        let dir = tempfile::tempdir().expect("temp dir");
        let quote = |list: &[&str]| list.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(" ");
        let script =
            format!("#!/bin/sh\nexec '{}' {} \"$@\" {}\n", program.display(), quote(args), quote(after));
        let path = dir.path().join("az");
        std::fs::write(&path, script).expect("write az");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod az");
        AzOnPath { dir }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// How the `az` on PATH learns that the user is signed in.
#[derive(Clone, Copy, PartialEq)]
pub enum SignIn {
    /// az's files in the config directory, as azacr reads them.
    ConfigFiles,
    /// The recorder shim's patch (`AZ_FAKE_AAD`), for the real az, which would otherwise
    /// go to Azure Resource Manager when it finds an account in its files.
    ShimPatch,
    /// What `az login` leaves (a user's MSAL refresh token, no registry token) at a cloud
    /// whose Entra ID and Resource Manager are the emulator: az and azacr alike sign in
    /// through Entra and look the registry up in ARM, unpatched.
    AzLogin,
    /// Not signed in (for scripts run with `-u/-p`).
    Nobody,
}

/// Runs a Bash script with `az` from `az` against `emulator`, signed in.
pub fn run(emulator: &Emulator, az: &AzOnPath, script: &str, sign_in: SignIn) -> Output {
    run_with_env(emulator, az, script, sign_in, &[])
}

/// `run`, with extra environment variables (say `AZACR_TOKEN_CACHE=off`).
pub fn run_with_env(
    emulator: &Emulator,
    az: &AzOnPath,
    script: &str,
    sign_in: SignIn,
    extra: &[(&str, &str)],
) -> Output {
    let config = tempfile::tempdir().expect("temp dir");
    prepare_config(emulator, config.path(), sign_in);
    run_in(emulator, az, script, sign_in, config.path(), extra)
}

/// Writes the sign-in state `sign_in` names into an az config directory.
pub fn prepare_config(emulator: &Emulator, config: &Path, sign_in: SignIn) {
    match sign_in {
        SignIn::ConfigFiles => crate::az_config::write_signed_in(config).expect("az config"),
        SignIn::AzLogin => {
            crate::az_config::write_user_with_refresh_token(config, &emulator.authority()).expect("az config")
        }
        SignIn::ShimPatch | SignIn::Nobody => {}
    }
}

/// `run_with_env` in a given az config directory (prepared by `prepare_config`), so that
/// one run can start where another left its caches.
pub fn run_in(
    emulator: &Emulator,
    az: &AzOnPath,
    script: &str,
    sign_in: SignIn,
    config: &Path,
    extra: &[(&str, &str)],
) -> Output {
    command_in(emulator, az, script, sign_in, config, extra).output().expect("run bash")
}

/// The Bash command `run_with_env` runs, and the config directory it uses (keep it until
/// the command has finished): for a caller that watches the run (the reliability figures).
pub fn command(
    emulator: &Emulator,
    az: &AzOnPath,
    script: &str,
    sign_in: SignIn,
    extra: &[(&str, &str)],
) -> (Command, tempfile::TempDir) {
    let config = tempfile::tempdir().expect("temp dir");
    prepare_config(emulator, config.path(), sign_in);
    let cmd = command_in(emulator, az, script, sign_in, config.path(), extra);
    (cmd, config)
}

/// The Bash command `run_in` runs.
fn command_in(
    emulator: &Emulator,
    az: &AzOnPath,
    script: &str,
    sign_in: SignIn,
    config: &Path,
    extra: &[(&str, &str)],
) -> Command {
    let path = format!("{}:{}", az.dir().display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(script)
        .env_clear()
        .env("PATH", path)
        .env("HOME", config)
        .env("AZURE_CONFIG_DIR", config)
        .env("AZURE_CORE_COLLECT_TELEMETRY", "false")
        .env("LANG", "C.UTF-8")
        .env("REQUESTS_CA_BUNDLE", emulator.ca_bundle())
        // azacr's connection override, and the az recorder shim's.
        .env("AZACR_CONNECT_TO", emulator.addr().to_string())
        .env("AZ_EMULATOR_PORT", emulator.addr().port().to_string())
        .env("AZ_FAKE_AAD_TOKEN", crate::seed::AAD_TOKEN)
        .env("AZ_FAKE_AAD_TENANT", crate::seed::AAD_TENANT)
        .stdin(Stdio::null());
    if sign_in != SignIn::AzLogin && sign_in != SignIn::Nobody {
        cmd.env("AZ_FAKE_AAD", "1");
    }
    cmd.envs(extra.iter().copied());
    cmd
}
