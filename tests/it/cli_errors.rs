//! Argument errors: az's words, exit 2, and no request.

use azacr_emulator::{Emulator, default_seed};

use crate::support::azacr;

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
        let out = azacr(&emulator, args);
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
