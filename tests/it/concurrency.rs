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

/// What one `acr repository delete --image contested@<digest> --yes` run said.
struct DeleterRun {
    digest: String,
    code: i32,
    stdout: String,
    stderr: String,
}

/// The race of issue 16 part 5: 8 deleters (`xargs -P 8`, one process per digest) and `azacr purge --untagged-only` on the same repository and token
/// cache. The deleters ask for 24 of `contested`'s 32 untagged manifests and 4 of its tagged
/// ones; purge takes every untagged manifest of `contested` and of `quiet`. Whoever comes
/// second finds the manifest gone: a deleter then says what az says (az 2.91.0, golden
/// `d-missing-digest`), purge counts it as deleted (its rule for a 404 on a DELETE).
fn deleters_race_a_purge(faults: impl FnOnce(&[String], &[String]) -> Vec<Fault>) {
    let emulator = Arc::new(Emulator::start(default_seed()));
    emulator.with_seed(|s| {
        s.repositories.push(seed::large_repository("contested", 48));
        s.repositories.push(seed::large_repository("quiet", 12));
    });
    let before = emulator.snapshot();
    let manifests = |repo: &str, tagged: bool| -> Vec<String> {
        before["repositories"][repo]["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["tags"].as_array().unwrap().is_empty() != tagged)
            .map(|m| m["digest"].as_str().unwrap().to_string())
            .collect()
    };
    let (untagged, tagged) = (manifests("contested", false), manifests("contested", true));
    assert_eq!((untagged.len(), tagged.len()), (32, 16));
    let requested: Vec<String> = untagged.iter().take(24).chain(tagged.iter().take(4)).cloned().collect();
    let quiet_untagged = manifests("quiet", false);
    let faults = faults(&requested, &quiet_untagged);
    // The paths of the faults that carry their request out (lost answers).
    let lost_answers: Vec<String> =
        faults.iter().filter(|f| f.applied).map(|f| f.path_contains.clone()).collect();
    emulator.set_faults(faults);

    let config = Arc::new(ConfigDir::empty());
    // The seed's form: one `acr repository delete` per digest, `xargs -P 8`; each run's output
    // and exit code kept apart in `outputs` (the digests are fed last first, purge goes
    // first to last).
    let outputs = tempfile::tempdir().unwrap();
    let feed: Vec<&str> = requested.iter().rev().map(String::as_str).collect();
    std::fs::write(outputs.path().join("digests"), feed.join("\n") + "\n").unwrap();
    let xargs = {
        let mut cmd = command(std::path::Path::new("sh"), &emulator, &config, None);
        let each = r#""$0" acr repository delete -n myregistry --image "contested@$1" --yes -u "$2" -p "$3" >"$4/$1.out" 2>"$4/$1.err"; rc=$?; echo $rc >"$4/$1.rc"; exit $rc"#;
        let script = format!(r#"xargs -P 8 -I% sh -c '{each}' "$0" % "$1" "$2" "$3" <"$3/digests""#);
        cmd.arg("-c").arg(script).arg(azacr_bin()).args([seed::ADMIN_USER, seed::ADMIN_PASSWORD]);
        cmd.arg(outputs.path());
        std::thread::spawn(move || run(cmd))
    };
    // Purge starts once the deleters are under way, so that each side wins some of the race.
    let started = std::time::Instant::now();
    while emulator.requests().iter().filter(|r| r.method == "DELETE").count() < 4 {
        assert!(started.elapsed().as_secs() < 60, "the deleters never started");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let purge = {
        let (emulator, config) = (emulator.clone(), config.clone());
        std::thread::spawn(move || {
            let mut cmd = command(&azacr_bin(), &emulator, &config, None);
            cmd.args(["purge", "-r", "myregistry"]).args(ADMIN).args([
                "--untagged-only",
                "--filter",
                "contested:.*",
                "--filter",
                "quiet:.*",
                "--concurrency",
                "4",
            ]);
            run(cmd)
        })
    };
    let xargs = xargs.join().expect("the xargs thread");
    let purge = purge.join().expect("the purge thread");
    let read = |digest: &str, what: &str| {
        std::fs::read_to_string(outputs.path().join(format!("{digest}.{what}"))).expect("a deleter's output")
    };
    let runs: Vec<DeleterRun> = requested
        .iter()
        .map(|digest| DeleterRun {
            digest: digest.clone(),
            code: read(digest, "rc").trim().parse().expect("an exit code"),
            stdout: read(digest, "out"),
            stderr: read(digest, "err"),
        })
        .collect();

    // Every exit code is az's: 0 for the deleter that deleted, 1 with the registry's 404 for
    // one that came after purge; purge counts what it found gone as deleted and exits 0.
    assert_eq!(purge.code, 0, "purge:\n{}\n{}", purge.stdout, purge.stderr);
    let purged: Vec<&str> = purge
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("Deleted myregistry.azurecr.io/contested@"))
        .collect();
    let quiet_purged =
        purge.stdout.lines().filter(|l| l.starts_with("Deleted myregistry.azurecr.io/quiet@")).count();
    assert_eq!(quiet_purged, quiet_untagged.len(), "{}", purge.stdout);
    assert!(
        purge.stdout.contains(&format!("Number of deleted manifests: {}\n", purged.len() + quiet_purged)),
        "{}",
        purge.stdout
    );
    // Purge never goes for a tagged manifest, and every untagged one nobody else asked for is its.
    for digest in &untagged[24..] {
        assert!(purged.contains(&digest.as_str()), "{digest}: {}", purge.stdout);
    }
    for digest in &tagged {
        assert!(!purged.contains(&digest.as_str()), "{digest}: {}", purge.stdout);
    }
    let requests = emulator.requests();
    let deletes_of = |digest: &str| -> Vec<u16> {
        requests
            .iter()
            .filter(|r| r.method == "DELETE" && r.target == format!("/v2/contested/manifests/{digest}"))
            .map(|r| r.status)
            .collect()
    };
    let mut lost = 0;
    for run in &runs {
        let warning = format!("WARNING: This operation will delete the manifest '{}'", run.digest);
        assert_eq!(run.stdout, "", "{}", run.digest);
        assert!(run.stderr.starts_with(&warning), "{}: {}", run.digest, run.stderr);
        let rest = run.stderr.lines().skip(1).collect::<Vec<_>>().join("\n");
        match run.code {
            0 => assert_eq!(rest, "", "{}: {}", run.digest, run.stderr),
            1 => {
                assert_eq!(rest, "ERROR: Error: manifest unknown.", "{}", run.digest);
                assert!(purged.contains(&run.digest.as_str()), "{} lost to purge, which says so", run.digest);
                lost += 1;
            }
            code => panic!("{}: exit {code}: {}", run.digest, run.stderr),
        }
        // The deleter sent its DELETE, and so did purge when it names the manifest.
        let statuses = deletes_of(&run.digest);
        let sent_by_purge = usize::from(purged.contains(&run.digest.as_str()));
        assert!(statuses.len() > sent_by_purge, "{}: {statuses:?}", run.digest);
    }
    // Each manifest went by exactly one request: a 202, or the first 503 of a lost answer
    // (a fault with `applied`); every other DELETE of it found it gone.
    for digest in untagged.iter().chain(&tagged[..4]) {
        let statuses = deletes_of(digest);
        let lost_answer = lost_answers.iter().any(|p| p.ends_with(digest.as_str()));
        let applied = statuses.iter().filter(|s| **s == 202).count()
            + usize::from(lost_answer && statuses.first() == Some(&503));
        assert_eq!(applied, 1, "{digest}: {statuses:?}");
        assert!(statuses.iter().all(|s| [202, 404, 503].contains(s)), "{digest}: {statuses:?}");
    }
    // Nothing else touched: exactly the requested and the untagged manifests are gone.
    let mut expected = before.clone();
    let gone: Vec<&String> = requested.iter().chain(&untagged).chain(&quiet_untagged).collect();
    for repo in ["contested", "quiet"] {
        expected["repositories"][repo]["manifests"]
            .as_array_mut()
            .unwrap()
            .retain(|m| !gone.iter().any(|g| m["digest"] == g.as_str()));
    }
    let after = emulator.snapshot();
    assert_eq!(after, expected, "{lost} deleters came second");
    // xargs's own exit code: 123 when any run failed (GNU xargs), as with az.
    assert_eq!(xargs.code, if lost > 0 { 123 } else { 0 }, "xargs: {}", xargs.stderr);
    if lost_answers.is_empty() {
        // Without faults no request is tried twice: one DELETE per deleter, one per purged item.
        let contested_deletes = requests
            .iter()
            .filter(|r| r.method == "DELETE" && r.target.starts_with("/v2/contested/"))
            .count();
        assert_eq!(contested_deletes, requested.len() + purged.len());
    }
    // The deleters and purge shared one token cache: every file in it whole and private.
    use std::os::unix::fs::PermissionsExt;
    let dir = config.path().join(azacr::registry::token_cache::DIR);
    assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "{name}");
        let bytes = std::fs::read(&path).unwrap();
        match name.as_str() {
            "tokens.json" => {
                serde_json::from_slice::<serde_json::Value>(&bytes).expect("the token cache is whole");
            }
            "key" => assert!(!bytes.is_empty(), "the cache's key is there"),
            _ => {}
        }
        files.push(name);
    }
    files.sort();
    assert!(files.contains(&"tokens.json".to_string()), "{files:?}");
}

#[test]
fn eight_deleters_and_a_purge_race_for_the_same_manifests_each_goes_once() {
    deleters_race_a_purge(|_, _| Vec::new());
}

#[test]
fn the_race_with_server_errors_and_lost_answers_has_no_false_failures() {
    deleters_race_a_purge(|requested, quiet| {
        let delete = |path: String, applied: bool| Fault {
            method: Some("DELETE".into()),
            applied,
            retry_after: Some(0),
            ..Fault::status(&path, 503, 1)
        };
        let mut faults: Vec<Fault> = Vec::new();
        // Lost answers (applied, then 503) on three contested manifests and one of quiet's;
        // plain 503s on three more contested ones; a 503 on a listing each side makes.
        for digest in &requested[..3] {
            faults.push(delete(format!("/v2/contested/manifests/{digest}"), true));
        }
        for digest in &requested[3..6] {
            faults.push(delete(format!("/v2/contested/manifests/{digest}"), false));
        }
        faults.push(delete(format!("/v2/quiet/manifests/{}", quiet[0]), true));
        faults.push(Fault { retry_after: Some(0), ..Fault::status("/acr/v1/contested/_tags", 503, 2) });
        faults.push(Fault { retry_after: Some(0), ..Fault::status("/acr/v1/contested/_manifests", 503, 1) });
        faults
    });
}
