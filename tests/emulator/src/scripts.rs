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
        let dir = tempfile::tempdir().expect("temp dir");
        let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
        let script = format!("#!/bin/sh\nexec '{}' {} \"$@\"\n", program.display(), quoted.join(" "));
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
    let (mut cmd, _config) = command(emulator, az, script, sign_in, extra);
    cmd.output().expect("run bash")
}

/// The Bash command `run_with_env` runs, and the config directory it uses (keep it until
/// the command has finished).
pub fn command(
    emulator: &Emulator,
    az: &AzOnPath,
    script: &str,
    sign_in: SignIn,
    extra: &[(&str, &str)],
) -> (Command, tempfile::TempDir) {
    let config = tempfile::tempdir().expect("temp dir");
    if sign_in == SignIn::ConfigFiles {
        crate::az_config::write_signed_in(config.path()).expect("az config");
    }
    let path = format!("{}:{}", az.dir().display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(script)
        .env_clear()
        .env("PATH", path)
        .env("HOME", config.path())
        .env("AZURE_CONFIG_DIR", config.path())
        .env("AZURE_CORE_COLLECT_TELEMETRY", "false")
        .env("LANG", "C.UTF-8")
        .env("REQUESTS_CA_BUNDLE", emulator.ca_bundle())
        // azacr's connection override, and the az recorder shim's.
        .env("AZACR_CONNECT_TO", emulator.addr().to_string())
        .env("AZ_EMULATOR_PORT", emulator.addr().port().to_string())
        .env("AZ_FAKE_AAD", "1")
        .env("AZ_FAKE_AAD_TOKEN", crate::seed::AAD_TOKEN)
        .env("AZ_FAKE_AAD_TENANT", crate::seed::AAD_TENANT)
        .stdin(Stdio::null());
    cmd.envs(extra.iter().copied());
    (cmd, config)
}
