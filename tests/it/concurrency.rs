//! Many deleters at once (issue 16, part 5): 8 parallel deleters, as `xargs -P 8` runs them,
//! and a listing loop on the same registry and the same token cache, with some DELETEs whose
//! answers are lost after the registry applied them. Every requested manifest is deleted
//! exactly once, nothing else is touched, every exit code is right, and the token cache is
//! still whole.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use azacr_emulator::{Emulator, Fault, default_seed, seed};

use crate::support::{ADMIN, ConfigDir, azacr_bin, command, run};

#[test]
fn eight_parallel_deleters_and_a_listing_loop_delete_each_manifest_exactly_once() {
    let emulator = Arc::new(Emulator::start(default_seed()));
    emulator.with_seed(|s| s.repositories.push(seed::large_repository("busy", 48)));
    let before = emulator.snapshot();
    let digests: Vec<String> = before["repositories"]["busy"]["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap().to_string())
        .collect();
    let requested: Vec<String> = digests.iter().step_by(2).cloned().collect();
    // Three answers lost after the change, one each for three of the requested manifests (the
    // retry then sees a 404: reported as done). One fault per digest, so which deleter meets
    // which fault does not depend on the scheduling.
    emulator.set_faults(
        requested
            .iter()
            .take(3)
            .map(|digest| Fault {
                method: Some("DELETE".into()),
                applied: true,
                retry_after: Some(0),
                ..Fault::status(&format!("/v2/busy/manifests/{digest}"), 503, 1)
            })
            .collect(),
    );
    let config = Arc::new(ConfigDir::empty());
    let done = Arc::new(AtomicBool::new(false));
    let lister = {
        let (emulator, config, done) = (emulator.clone(), config.clone(), done.clone());
        std::thread::spawn(move || {
            let mut runs = 0;
            while !done.load(Ordering::SeqCst) || runs == 0 {
                let mut cmd = command(&azacr_bin(), &emulator, &config, None);
                cmd.args(["acr", "repository", "show-manifests", "-n", "myregistry", "--repository", "busy"])
                    .args(ADMIN)
                    .args(["--query", "length(@)"]);
                let out = run(cmd);
                assert_eq!(out.code, 0, "listing: {}", out.stderr);
                let n: usize = out.stdout.trim().parse().expect("a count");
                assert!((24..=48).contains(&n), "{n}");
                runs += 1;
            }
            runs
        })
    };
    let deleters: Vec<_> = (0..8)
        .map(|k| {
            let mine: Vec<String> = requested.iter().skip(k).step_by(8).cloned().collect();
            let (emulator, config) = (emulator.clone(), config.clone());
            std::thread::spawn(move || {
                for digest in mine {
                    let mut cmd = command(&azacr_bin(), &emulator, &config, None);
                    let image = format!("busy@{digest}");
                    cmd.args(["acr", "repository", "delete", "-n", "myregistry", "--image", &image, "--yes"])
                        .args(ADMIN);
                    let out = run(cmd);
                    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{digest}: {}", out.stderr);
                    let said = format!("WARNING: This operation will delete the manifest '{digest}'");
                    assert!(
                        out.stderr.starts_with(&said) && out.stderr.lines().count() == 1,
                        "{}",
                        out.stderr
                    );
                }
            })
        })
        .collect();
    for d in deleters {
        d.join().expect("a deleter failed");
    }
    done.store(true, Ordering::SeqCst);
    // Each listing checks its own answer; that they all succeeded is what is asked here.
    lister.join().expect("the listing loop failed");

    let after = emulator.snapshot();
    let left: Vec<&str> = after["repositories"]["busy"]["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = digests.iter().skip(1).step_by(2).map(String::as_str).collect();
    assert_eq!(left, expected, "exactly the unrequested manifests are left");
    // Nothing else touched.
    let others = |v: &serde_json::Value| {
        let mut v = v.clone();
        v["repositories"].as_object_mut().unwrap().remove("busy");
        v
    };
    assert_eq!(others(&after), others(&before));
    // Each requested manifest was deleted by exactly one request (a 202, or a 503 after the change).
    let requests = emulator.requests();
    for digest in &requested {
        let statuses: Vec<u16> = requests
            .iter()
            .filter(|r| r.method == "DELETE" && r.target.ends_with(digest.as_str()))
            .map(|r| r.status)
            .collect();
        // The first try applies it (a 503 fault carries the request out); later tries find it gone.
        let applied = statuses.iter().filter(|s| **s == 202).count() + usize::from(statuses[0] == 503);
        assert_eq!(applied, 1, "{digest}: {statuses:?}");
    }
    // The token cache is whole JSON and private.
    let cache = config.path().join(azacr::registry::token_cache::DIR).join("tokens.json");
    let text = std::fs::read(&cache).expect("the deleters share a token cache");
    serde_json::from_slice::<serde_json::Value>(&text).expect("the token cache is whole");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777, 0o600);
}
