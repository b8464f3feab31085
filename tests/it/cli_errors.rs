//! Argument errors: az's words, exit 2, and no request.

use azacr_emulator::{Emulator, default_seed};

use crate::support::{azacr, azacr_process};

#[test]
fn argument_errors_exit_2_before_any_request() {
    let emulator = Emulator::start(default_seed());
    let cases: [(&[&str], &str); 4] = [
        (
            &["acr", "repository", "delete", "-n", "myregistry", "--bogus"],
            "ERROR: unrecognized arguments: --bogus\n",
        ),
        (
            &[
                "acr",
                "repository",
                "show-manifests",
                "-n",
                "myregistry",
                "--repository",
                "r",
                "--query",
                "[?",
            ],
            "ERROR: argument --query: invalid jmespath_type value: '[?'\n",
        ),
        (
            &["acr", "repository", "show-manifests", "-n", "myregistry", "--top", "x", "--repository", "r"],
            "ERROR: argument --top: invalid int value: 'x'\n",
        ),
        (&["acr", "repository"], "ERROR: the following arguments are required: _subcommand\n"),
    ];
    for (args, first_line) in cases {
        // The exit code as a shell sees it: the real binary.
        let out = azacr_process(&emulator, args);
        assert_eq!(out.code, 2, "{args:?}");
        assert!(out.stderr.starts_with(first_line), "{args:?}: {}", out.stderr);
        assert_eq!(out.stdout, "");
    }
    assert!(emulator.requests().is_empty());
}

#[test]
fn help_is_az_text() {
    let emulator = Emulator::start(default_seed());
    let out = azacr(&emulator, &["acr", "repository", "delete", "-h"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.starts_with("\nCommand\n    az acr repository delete : Delete a repository or image in an Azure Container Registry.\n"), "{}", out.stdout);
}

#[test]
fn ctrl_c_exits_1_and_prints_nothing() {
    let emulator = Emulator::start(default_seed());
    emulator.set_latency(std::time::Duration::from_secs(10));
    let config = crate::support::ConfigDir::empty();
    let mut cmd = crate::support::command(&crate::support::azacr_bin(), &emulator, &config, None);
    cmd.args(crate::support::admin_args("show-tags", &["--repository", "acr-helloworld"]))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    // Long enough for azacr to be waiting on the (slow) registry, on a busy machine too.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // SAFETY: sends SIGINT to the child we just started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!((out.stdout.len(), out.stderr.len()), (0, 0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn local_config_files_are_found_upwards_from_the_working_directory() {
    let emulator = Emulator::start(default_seed());
    let root = tempfile::tempdir().unwrap();
    // az looks for `<name of its config dir>/config` in the working directory and above.
    let global = root.path().join("home/.azure");
    let nested = root.path().join("work/a/b");
    std::fs::create_dir_all(&global).unwrap();
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::create_dir_all(root.path().join("work/.azure")).unwrap();
    std::fs::write(root.path().join("work/.azure/config"), "[defaults]\nacr = myregistry\n").unwrap();
    let config = crate::support::ConfigDir::empty();
    let mut cmd = crate::support::command(&crate::support::azacr_bin(), &emulator, &config, None);
    cmd.env("AZURE_CONFIG_DIR", &global)
        .current_dir(&nested)
        .args(["acr", "repository", "list", "-o", "tsv", "--query", "[0]"])
        .args(crate::support::ADMIN);
    let out = crate::support::run(cmd);
    assert_eq!((out.code, out.stdout.as_str()), (0, "acr-helloworld\n"), "{}", out.stderr);
    // Without the local file, --name is required again.
    std::fs::remove_file(root.path().join("work/.azure/config")).unwrap();
    let mut cmd = crate::support::command(&crate::support::azacr_bin(), &emulator, &config, None);
    cmd.env("AZURE_CONFIG_DIR", &global).current_dir(&nested).args(["acr", "repository", "list"]);
    let out = crate::support::run(cmd);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with("ERROR: the following arguments are required: --name/-n\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn debug_traces_requests_without_secrets() {
    let emulator = Emulator::start(default_seed());
    let out = azacr(
        &emulator,
        &crate::support::admin_args("show-tags", &["--repository", "acr-helloworld", "--debug", "-o", "tsv"]),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "latest\nv1\nv2\nv3\n");
    assert!(
        out.stderr.contains("DEBUG: azacr: GET https://myregistry.azurecr.io/v2/ -> 401\n"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("DEBUG: azacr: POST https://myregistry.azurecr.io/oauth2/token -> 200\n"));
    assert!(out.stderr.contains(
        "DEBUG: azacr: GET https://myregistry.azurecr.io/acr/v1/acr-helloworld/_tags?n=100 -> 200\n"
    ));
    assert!(out.stderr.contains("INFO: Command ran in "));
    // Neither the password nor the token the registry issued appears.
    assert!(!out.stderr.contains(azacr_emulator::seed::ADMIN_PASSWORD));
    assert!(!out.stderr.contains("acr-access-"), "{}", out.stderr);
}
