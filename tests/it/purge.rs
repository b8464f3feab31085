//! `azacr purge` (issue 15): selection, safety, plan = result, failures, throttling.

use std::collections::BTreeSet;

use azacr_emulator::model::{Attributes, media_type};
use azacr_emulator::seed::{self, RepoBuilder};
use azacr_emulator::{Emulator, Fault, RateLimits, default_seed};
use serde_json::Value;

use crate::support::{ADMIN, Outcome, azacr, fault};

fn purge(emulator: &Emulator, extra: &[&str]) -> Outcome {
    let mut args = vec!["purge", "-r", "myregistry"];
    args.extend_from_slice(&ADMIN);
    args.extend_from_slice(extra);
    azacr(emulator, &args)
}

/// The items a run's lines name after `prefix` (`Would delete: ` or `Deleted `).
fn named(out: &Outcome, prefix: &str) -> BTreeSet<String> {
    out.stdout
        .lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .map(|rest| rest.split(" (").next().unwrap().to_string())
        .collect()
}

fn tags_of(emulator: &Emulator, repo: &str) -> BTreeSet<String> {
    emulator.snapshot()["repositories"][repo]["manifests"]
        .as_array()
        .map(|ms| ms.iter().flat_map(|m| m["tags"].as_array().unwrap().clone()))
        .into_iter()
        .flatten()
        .map(|t| t.as_str().unwrap().to_string())
        .collect()
}

fn digests_of(emulator: &Emulator, repo: &str) -> BTreeSet<String> {
    emulator.snapshot()["repositories"][repo]["manifests"]
        .as_array()
        .map(|ms| ms.iter().map(|m| m["digest"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn changes(emulator: &Emulator) -> usize {
    emulator.requests().iter().filter(|r| r.method == "DELETE" || r.method == "PATCH").count()
}

#[test]
fn dry_run_sends_nothing_and_its_plan_is_what_the_real_run_deletes() {
    let emulator = Emulator::start(default_seed());
    emulator.with_seed(|s| s.repositories.push(seed::oci_repository("oci")));
    let flags =
        ["--filter", "myrepository:^v[0-9]*[05]$", "--filter", "oci:^v1$", "--ago", "0d", "--untagged"];
    let dry = purge(&emulator, &[&flags[..], &["--dry-run"]].concat());
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(dry.stdout.starts_with(
        "DRY RUN: The following output shows what WOULD be deleted if the purge command was executed. Nothing is deleted.\n"
    ));
    assert!(dry.stdout.contains("Would delete tags for repository: myrepository\n"));
    assert_eq!(changes(&emulator), 0, "a dry run sends no DELETE or PATCH");
    let before = emulator.snapshot();
    let plan = named(&dry, "Would delete: ");
    assert!(plan.len() > 20, "{plan:?}");
    let real = purge(&emulator, &flags);
    assert_eq!(real.code, 0, "{}\n{}", real.stdout, real.stderr);
    assert!(real.stdout.contains("Deleting tags for repository: myrepository\n"));
    assert!(real.stdout.contains("Deleting manifests for repository: oci\n"));
    assert_eq!(named(&real, "Deleted "), plan);
    let count = |out: &Outcome, line: &str| -> usize {
        out.stdout.lines().find_map(|l| l.strip_prefix(line)).unwrap().trim().parse().unwrap()
    };
    assert_eq!(count(&dry, "Number of tags to be deleted:"), count(&real, "Number of deleted tags:"));
    assert_eq!(
        count(&dry, "Number of manifests to be deleted:"),
        count(&real, "Number of deleted manifests:")
    );
    // What went is exactly the plan: every other repository is as it was.
    let after = emulator.snapshot();
    for (name, repo) in before["repositories"].as_object().unwrap() {
        if name != "myrepository" && name != "oci" {
            assert_eq!(&after["repositories"][name], repo, "{name}");
        }
    }
}

#[test]
fn a_filter_never_matches_more_than_it_says() {
    let emulator = Emulator::start(default_seed());
    // The repository part is anchored: `acr` names no repository, `acr-helloworld` one.
    let out = purge(&emulator, &["--filter", "acr:.*", "--filter", "marketing:.*", "--ago", "0d"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(changes(&emulator), 0, "{}", out.stdout);
    let out = purge(&emulator, &["--filter", "acr-helloworld:^v[12]$", "--ago", "0d"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(tags_of(&emulator, "acr-helloworld"), ["latest", "v3"].map(String::from).into());
    assert_eq!(
        tags_of(&emulator, "marketing/campaign10-18/web"),
        ["latest", "v1", "v2"].map(String::from).into()
    );
    // Without --untagged no manifest goes, not even the ones the deleted tags left untagged.
    assert_eq!(digests_of(&emulator, "acr-helloworld").len(), 4);
    // The tag part is searched, not anchored (acr purge's rule): `1` matches v1 only here.
    let out = purge(&emulator, &["--filter", "marketing/campaign10-18/web:1", "--ago", "0d"]);
    assert_eq!(
        named(&out, "Deleted "),
        ["myregistry.azurecr.io/marketing/campaign10-18/web:v1".to_string()].into()
    );
    // Lookahead: everything but `latest`.
    let out = purge(&emulator, &["--filter", "marketing/campaign10-18/web:^(?!latest$)", "--ago", "0d"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(tags_of(&emulator, "marketing/campaign10-18/web"), ["latest".to_string()].into());
}

#[test]
fn exclude_filter_wins_over_filter() {
    let emulator = Emulator::start(default_seed());
    let out = purge(
        &emulator,
        &["--filter", "acr-helloworld:.*", "--exclude-filter", "acr-.*:^v", "--ago", "0d", "--dry-run"],
    );
    assert_eq!(
        named(&out, "Would delete: "),
        ["myregistry.azurecr.io/acr-helloworld:latest".to_string()].into()
    );
}

#[test]
fn keep_keeps_the_newest_matched_tags_by_last_update() {
    let emulator = Emulator::start(default_seed());
    let out = purge(&emulator, &["--filter", r"bigrepo:^t04\d$", "--ago", "0d", "--keep", "3"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // t040–t048 (t049 does not exist), updated in that order: the three newest stay.
    let left: BTreeSet<String> =
        tags_of(&emulator, "bigrepo").into_iter().filter(|t| t.starts_with("t04")).collect();
    assert_eq!(left, ["t046", "t047", "t048"].map(String::from).into());
}

#[test]
fn ago_spares_what_is_newer() {
    let emulator = Emulator::start(default_seed());
    let now = azacr::commands::purge::filter::now();
    let day = 86_400 * 1_000_000_000i128;
    emulator.with_seed(|s| {
        let r = s.repositories.iter_mut().find(|r| r.name == "acr-helloworld").unwrap();
        for (i, t) in r.tags.iter_mut().enumerate() {
            t.updated = azacr::commands::purge::filter::format_time(now - day * (i as i128 * 10 + 5));
        }
    });
    // Tags v1, v2, latest, v3 are 5, 15, 25, 35 days old.
    let out = purge(&emulator, &["--filter", "acr-helloworld:.*", "--ago", "20d"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(tags_of(&emulator, "acr-helloworld"), ["v1", "v2"].map(String::from).into());
}

#[test]
fn locked_items_survive_without_include_locked() {
    let emulator = Emulator::start(default_seed());
    let before = digests_of(&emulator, "locked-repo");
    let out = purge(&emulator, &["--filter", "locked-repo:.*", "--ago", "0d", "--untagged"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    // `frozen` is a write-locked tag; manifests 0 (locked) and 2 (delete-disabled) stay.
    assert_eq!(tags_of(&emulator, "locked-repo"), ["frozen".to_string()].into());
    assert!(
        out.stdout.contains("Skipped in locked-repo: 1 locked tag(s), 2 locked manifest(s)"),
        "{}",
        out.stdout
    );
    assert_eq!(digests_of(&emulator, "locked-repo").len(), 3, "only `free`'s manifest went");
    let out =
        purge(&emulator, &["--filter", "locked-repo:.*", "--ago", "0d", "--untagged", "--include-locked"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(digests_of(&emulator, "locked-repo").is_empty(), "{}", out.stdout);
    assert!(before.len() == 4);
}

#[test]
fn untagged_never_takes_what_a_kept_index_or_subject_needs() {
    let emulator = Emulator::start(default_seed());
    emulator.with_seed(|s| s.repositories.push(seed::oci_repository("oci")));
    let all: Vec<String> = emulator.with_seed(|s| {
        s.repositories
            .iter()
            .find(|r| r.name == "oci")
            .unwrap()
            .manifests
            .iter()
            .map(|m| m.digest.clone())
            .collect()
    });
    let out = purge(&emulator, &["--untagged-only", "--filter", "oci:.*"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    // Kept: the tagged index 2 and its children 0, 1; the tagged image 3 and its referrers 4, 5.
    let kept: BTreeSet<String> = [0, 1, 2, 3, 4, 5].iter().map(|&i| all[i].clone()).collect();
    assert_eq!(digests_of(&emulator, "oci"), kept, "{}", out.stdout);
    // Once `v1` goes, so do its signature and SBOM (with --untagged); `multi` keeps 0, 1.
    let out = purge(&emulator, &["--filter", "oci:^v1$", "--ago", "0d", "--untagged"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let kept: BTreeSet<String> = [0, 1, 2].iter().map(|&i| all[i].clone()).collect();
    assert_eq!(digests_of(&emulator, "oci"), kept, "{}", out.stdout);
}

#[test]
fn a_deleted_tag_leaves_its_manifest_unless_untagged_is_given() {
    let emulator = Emulator::start(default_seed());
    let out = purge(&emulator, &["--filter", "marketing/campaign10-18/email:.*", "--ago", "0d"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(digests_of(&emulator, "marketing/campaign10-18/email").len(), 1);
    assert!(tags_of(&emulator, "marketing/campaign10-18/email").is_empty());
}

/// Azure/acr-cli#480: one tagged manifest among 30 untagged ones; the tagged one (a
/// multi-arch index, with two of the untagged as its children) survives with its children.
#[test]
fn acr_cli_480_the_tagged_manifest_survives() {
    let emulator = Emulator::start(default_seed());
    let mut repo = RepoBuilder::new("issue480");
    for i in 0..30 {
        repo = repo.manifest(i, &[], Attributes::default());
    }
    let repo = repo.index(40, &["latest"], media_type::OCI_INDEX, &[3, 17]).build();
    let (index, children) = (
        repo.manifests[30].digest.clone(),
        [repo.manifests[3].digest.clone(), repo.manifests[17].digest.clone()],
    );
    emulator.with_seed(|s| s.repositories.push(repo));
    let out = purge(&emulator, &["--untagged-only", "--filter", "issue480:.*", "--ago", "0d"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let left = digests_of(&emulator, "issue480");
    assert_eq!(
        left,
        [index, children[0].clone(), children[1].clone()].into_iter().collect(),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Number of deleted manifests: 28\n"), "{}", out.stdout);
}

#[test]
fn a_failed_listing_leaves_its_repository_untouched_and_the_run_goes_on() {
    let emulator = Emulator::start(default_seed());
    emulator.set_faults(vec![fault("/acr/v1/myrepository/_manifests", 500, 50)]);
    let out = purge(
        &emulator,
        &["--filter", "myrepository:.*", "--filter", "acr-helloworld:^v1$", "--ago", "0d", "--untagged"],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(emulator.requests().iter().all(|r| r.method != "DELETE" || !r.target.contains("myrepository")));
    assert_eq!(tags_of(&emulator, "myrepository").len(), 30);
    assert!(!tags_of(&emulator, "acr-helloworld").contains("v1"));
    assert!(out.stdout.contains("Repositories failed (1): myrepository"), "{}", out.stdout);
    assert!(out.stdout.contains("Repositories done (1): acr-helloworld"), "{}", out.stdout);
}

#[test]
fn a_forbidden_repository_is_reported_and_the_others_go_on() {
    let emulator = Emulator::start(default_seed());
    emulator.set_faults(vec![Fault::status("/acr/v1/acr-helloworld/_tags", 403, 100)]);
    let out = purge(&emulator, &["--filter", "acr-helloworld:.*", "--filter", "bigrepo:^t00", "--ago", "0d"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("Failed to purge repository acr-helloworld: listing its tags failed"),
        "{}",
        out.stdout
    );
    assert_eq!(tags_of(&emulator, "acr-helloworld").len(), 4);
    assert!(!tags_of(&emulator, "bigrepo").contains("t001"));
}

#[test]
fn throttling_and_server_errors_are_retried_and_a_lost_answer_counts_as_deleted() {
    let emulator = Emulator::start(default_seed());
    emulator.set_faults(vec![
        Fault { retry_after: Some(0), ..Fault::status("/_tags/t001", 429, 3) },
        Fault::status("/_tags/t002", 429, 2),
        Fault::status("/_tags/t003", 503, 2),
        Fault { applied: true, ..Fault::status("/_tags/t004", 503, 1) },
    ]);
    let out = purge(&emulator, &["--filter", r"bigrepo:^t00[1-5]$", "--ago", "0d"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("Number of deleted tags: 5\n"), "{}", out.stdout);
    assert!(tags_of(&emulator, "bigrepo").iter().all(|t| !("t001"..="t005").contains(&t.as_str())));
}

#[test]
fn an_item_that_keeps_failing_is_reported_the_rest_deleted_and_the_exit_code_is_one() {
    let emulator = Emulator::start(default_seed());
    emulator.set_faults(vec![Fault::status("/_tags/t002", 500, 100)]);
    let out = purge(&emulator, &["--filter", r"bigrepo:^t00[1-3]$", "--ago", "0d"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("Failed to delete myregistry.azurecr.io/bigrepo:t002, error: HTTP 500"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Number of deleted tags: 2\n"), "{}", out.stdout);
    assert!(tags_of(&emulator, "bigrepo").contains("t002"));
}

#[test]
fn a_rate_limit_is_waited_out_with_and_without_retry_after() {
    for retry_after in [true, false] {
        let emulator = Emulator::start(default_seed());
        emulator.set_rate_limits(RateLimits {
            write_per_minute: Some(3000),
            read_per_minute: None,
            retry_after,
            burst_seconds: 0.1,
        });
        let out = purge(&emulator, &["--untagged-only", "--filter", "myrepository:.*", "--concurrency", "8"]);
        assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
        assert!(out.stdout.contains("Number of deleted manifests: 40\n"), "{}", out.stdout);
        assert!(emulator.requests().iter().any(|r| r.status == 429), "throttled at some point");
    }
}

#[test]
fn json_prints_the_plan_or_the_result() {
    let emulator = Emulator::start(default_seed());
    let out = purge(
        &emulator,
        &["--filter", "acr-helloworld:^v", "--ago", "0d", "--untagged", "--dry-run", "-o", "json"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(doc["dryRun"], true);
    assert_eq!(doc["summary"]["tagsDeleted"], 3);
    // v1's and v2's manifests become untagged, plus the one untagged already.
    assert_eq!(doc["summary"]["manifestsDeleted"], 3);
    assert_eq!(doc["repositories"][0]["status"], "planned");
    assert_eq!(changes(&emulator), 0);
    let out = purge(&emulator, &["--filter", "acr-helloworld:^v", "--ago", "0d", "--untagged", "-o", "json"]);
    let doc: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(doc["repositories"][0]["status"], "done");
    assert_eq!(doc["summary"]["manifestsDeleted"], 3);
    assert_eq!(doc["summary"]["repositoriesDone"][0], "acr-helloworld");
}

#[test]
fn docker_config_identity_token_signs_in() {
    let emulator = Emulator::start(default_seed());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.json");
    let config = serde_json::json!({"auths": {"myregistry.azurecr.io": {"auth": "", "identitytoken": seed::REFRESH_TOKEN}}});
    std::fs::write(&file, config.to_string()).unwrap();
    let out = azacr(
        &emulator,
        &[
            "purge",
            "-r",
            "myregistry.azurecr.io",
            "--config",
            file.to_str().unwrap(),
            "--filter",
            "acr-helloworld:^v1$",
            "--ago",
            "0d",
        ],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(!tags_of(&emulator, "acr-helloworld").contains("v1"));
}

#[test]
fn flags_are_checked_before_any_request() {
    let emulator = Emulator::start(default_seed());
    for (args, message) in [
        (&["--ago", "1d"][..], "--filter is required when not using --untagged-only"),
        (&["--filter", "a:b"][..], "--ago is required when not using --untagged-only"),
        (&["--filter", "a:b", "--ago", "1x"][..], "invalid --ago value '1x'"),
        (&["--filter", "ab", "--ago", "1d"][..], "unable to correctly parse filter flag 'ab'"),
        (&["--filter", "a:(", "--ago", "1d"][..], "invalid regular expression '('"),
        (&["--untagged", "--untagged-only"][..], "cannot be used together"),
    ] {
        let out = purge(&emulator, args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(message), "{args:?}: {}", out.stderr);
    }
    assert!(emulator.requests().is_empty());
    let help = azacr(&emulator, &["purge", "--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("--keep N"));
}

#[test]
fn ctrl_c_stops_new_deletions_prints_the_summary_and_exits_130() {
    use crate::support::{ConfigDir, azacr_bin, command};
    let emulator = Emulator::start(default_seed());
    emulator.set_latency(std::time::Duration::from_millis(150));
    let config = ConfigDir::empty();
    let mut cmd = command(&azacr_bin(), &emulator, &config, None);
    cmd.args(["purge", "-r", "myregistry"]).args(ADMIN);
    cmd.args(["--untagged-only", "--filter", "myrepository:.*", "--concurrency", "2"]);
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let child = cmd.spawn().expect("spawn azacr");
    // Wait until some deletions are done, then interrupt.
    let started = std::time::Instant::now();
    while emulator.requests().iter().filter(|r| r.method == "DELETE").count() < 4 {
        assert!(started.elapsed().as_secs() < 30, "no deletes started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let deleted = 40 - (digests_of(&emulator, "myrepository").len() - 20);
    assert!(deleted < 40, "it stopped early");
    assert!(stdout.contains(&format!("Number of deleted manifests: {deleted}\n")), "{deleted}: {stdout}");
    assert_eq!(stdout.lines().filter(|l| l.starts_with("Deleted ")).count(), deleted);
    assert!(stdout.contains("Repositories interrupted (1): myrepository"), "{stdout}");
}

#[test]
fn a_progress_bar_only_on_a_terminal() {
    use crate::support::{ConfigDir, azacr_bin, command, run_in_terminal};
    let emulator = Emulator::start(default_seed());
    let flags = ["--untagged-only", "--filter", "myrepository:.*"];
    let piped = purge(&emulator, &flags);
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert!(!piped.stderr.contains("ETA") && !piped.stdout.contains('\r'), "{}", piped.stderr);
    emulator.reset();
    let config = ConfigDir::empty();
    let mut cmd = command(&azacr_bin(), &emulator, &config, None);
    cmd.args(["purge", "-r", "myregistry"]).args(ADMIN).args(flags);
    let shown = run_in_terminal(cmd);
    assert_eq!(shown.code, 0, "{}", shown.stdout);
    assert!(shown.stdout.contains("myrepository [") && shown.stdout.contains("40/40"), "{}", shown.stdout);
    assert!(shown.stdout.contains("Number of deleted manifests: 40"), "{}", shown.stdout);
}

#[test]
fn a_ten_thousand_manifest_repository_is_planned_and_purged_whole() {
    let emulator = Emulator::start(default_seed());
    // One in three tagged: 3,334 tagged, 6,666 untagged.
    emulator.with_seed(|s| s.repositories.push(seed::large_repository("huge", 10_000)));
    let flags = ["--untagged-only", "--filter", "huge:.*", "--keep", "100"];
    let dry = purge(&emulator, &[&flags[..], &["--dry-run", "-o", "json"]].concat());
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let doc: Value = serde_json::from_str(&dry.stdout).unwrap();
    assert_eq!(doc["summary"]["manifestsDeleted"], 6_566);
    let real = purge(&emulator, &[&flags[..], &["-o", "json"]].concat());
    assert_eq!(real.code, 0, "{}", real.stderr);
    let left = digests_of(&emulator, "huge");
    assert_eq!(left.len(), 3_334 + 100);
    assert_eq!(tags_of(&emulator, "huge").len(), 3_334);
}

#[test]
fn an_unreadable_manifest_body_leaves_its_repository_untouched() {
    let emulator = Emulator::start(default_seed());
    emulator.with_seed(|s| s.repositories.push(seed::oci_repository("oci")));
    let before = digests_of(&emulator, "oci");
    emulator.set_faults(vec![Fault {
        method: Some("GET".into()),
        ..Fault::status("/v2/oci/manifests/", 500, 1000)
    }]);
    let out = purge(&emulator, &["--untagged-only", "--filter", "oci:.*"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("Failed to purge repository oci: reading the manifest"), "{}", out.stdout);
    assert_eq!(digests_of(&emulator, "oci"), before);
    assert_eq!(changes(&emulator), 0);
}

#[test]
fn a_repository_scoped_identity_purges_what_it_may_and_reports_the_rest() {
    let emulator = Emulator::start(default_seed());
    // The token user may not read the catalog, may delete in myrepository, only read in
    // acr-helloworld.
    let out = azacr(
        &emulator,
        &[
            "purge",
            "-r",
            "myregistry",
            "-u",
            seed::TOKEN_USER,
            "-p",
            seed::TOKEN_PASSWORD,
            "--filter",
            "myrepository:^v0$",
            "--filter",
            "acr-helloworld:^v",
            "--ago",
            "0d",
            "--concurrency",
            "1",
        ],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("purging the repositories the filters name"), "{}", out.stderr);
    assert!(!tags_of(&emulator, "myrepository").contains("v0"));
    assert_eq!(tags_of(&emulator, "acr-helloworld").len(), 4);
    assert!(out.stdout.contains("Not allowed in repository acr-helloworld: "), "{}", out.stdout);
    let helloworld_deletes = emulator
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE" && r.target.contains("acr-helloworld"))
        .count();
    // One try, one more after signing in again (a 401 may be an expired token), then no more.
    assert_eq!(helloworld_deletes, 2, "nothing more tried after the denial: {}", out.stdout);
    assert!(out.stdout.contains("Repositories done (1): myrepository"), "{}", out.stdout);
    assert!(out.stdout.contains("Repositories failed (1): acr-helloworld"), "{}", out.stdout);
}

#[test]
fn a_token_rejected_mid_run_is_renewed_once_and_the_run_goes_on() {
    let emulator = Emulator::start(default_seed());
    emulator.set_faults(vec![Fault {
        method: Some("DELETE".into()),
        after: 2,
        ..Fault::status("/acr/v1/bigrepo/_tags/", 401, 1)
    }]);
    let out = purge(&emulator, &["--filter", r"bigrepo:^t00[1-6]$", "--ago", "0d", "--concurrency", "1"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("Number of deleted tags: 6\n"), "{}", out.stdout);
    let tokens = emulator.requests().iter().filter(|r| r.target == "/oauth2/token").count();
    assert_eq!(tokens, 3, "catalog, bigrepo, bigrepo again");
}

// Review of issue 15's purge: data-loss probes.
use azacr_emulator::model::Tag as ReviewTag;

#[test]
fn a_subject_stays_while_a_referrer_of_it_stays() {
    let emulator = Emulator::start(default_seed());
    let mut repo = RepoBuilder::new("sig")
        .oci_image(10, &[])
        .referrer(70_000, 0, media_type::NOTARY_SIGNATURE)
        .oci_image(20, &[])
        .referrer(21, 2, media_type::SPDX_SBOM)
        .oci_image(30, &[])
        .referrer(31, 4, media_type::NOTARY_SIGNATURE)
        .build();
    repo.manifests[3].attributes = Attributes::locked();
    let m5 = repo.manifests[5].clone();
    repo.tags.push(ReviewTag {
        name: "keep-me".into(),
        digest: m5.digest.clone(),
        created: m5.created.clone(),
        updated: m5.updated.clone(),
        attributes: Attributes::default(),
    });
    let staying: Vec<String> = [1, 3, 5].iter().map(|&i| repo.manifests[i].digest.clone()).collect();
    emulator.with_seed(|s| s.repositories.push(repo));
    let dry = purge(&emulator, &["--untagged-only", "--filter", "sig:.*", "--ago", "1d", "--dry-run"]);
    eprintln!("DRY:\n{}", dry.stdout);
    let real = purge(&emulator, &["--untagged-only", "--filter", "sig:.*", "--ago", "1d"]);
    eprintln!("REAL:\n{}", real.stdout);
    let left = digests_of(&emulator, "sig");
    eprintln!("LEFT: {left:?}");
    for d in &staying {
        assert!(left.contains(d), "a referrer the plan keeps was deleted: {d}");
    }
    // The subjects of the three staying referrers stay too; the plan is what went.
    assert_eq!(left.len(), 6, "{left:?}");
    assert_eq!(named(&dry, "Would delete: "), named(&real, "Deleted "));
    assert!(real.stdout.contains("Number of deleted manifests: 0\n"), "{}", real.stdout);
}

#[test]
fn an_index_whose_delete_failed_keeps_its_children() {
    let emulator = Emulator::start(default_seed());
    let repo = RepoBuilder::new("idx")
        .oci_image(10, &[])
        .oci_image(11, &[])
        .index(12, &[], media_type::OCI_INDEX, &[0, 1])
        .build();
    let index = repo.manifests[2].digest.clone();
    emulator.with_seed(|s| s.repositories.push(repo));
    emulator.set_faults(vec![Fault {
        method: Some("DELETE".into()),
        ..Fault::status(&format!("/v2/idx/manifests/{index}"), 400, 1000)
    }]);
    let out = purge(&emulator, &["--untagged-only", "--filter", "idx:.*"]);
    eprintln!("OUT:\n{}", out.stdout);
    let left = digests_of(&emulator, "idx");
    eprintln!("LEFT: {left:?}");
    assert!(left.contains(&index));
    assert_eq!(left.len(), 3, "the index stayed but its children were deleted");
}

#[test]
fn a_denied_tag_delete_stops_the_whole_repository() {
    let emulator = Emulator::start(default_seed());
    emulator.set_faults(vec![Fault {
        method: Some("DELETE".into()),
        ..Fault::status("/acr/v1/acr-helloworld/_tags/", 403, 1000)
    }]);
    let out = purge(
        &emulator,
        &["--filter", "acr-helloworld:^v[12]$", "--ago", "0d", "--untagged", "--concurrency", "1"],
    );
    eprintln!("OUT:\n{}", out.stdout);
    let left = digests_of(&emulator, "acr-helloworld");
    eprintln!("LEFT: {left:?}");
    assert_eq!(left.len(), 4, "manifests deleted after the repository was reported 'not allowed'");
}

#[test]
fn a_manifest_whose_tag_delete_failed_is_not_deleted_with_its_tag() {
    let emulator = Emulator::start(default_seed());
    let v1 = emulator.with_seed(|s| {
        let r = s.repositories.iter().find(|r| r.name == "acr-helloworld").unwrap();
        r.tags.iter().find(|t| t.name == "v1").unwrap().digest.clone()
    });
    emulator.set_faults(vec![Fault {
        method: Some("DELETE".into()),
        ..Fault::status("/acr/v1/acr-helloworld/_tags/v1", 500, 1000)
    }]);
    let out = purge(&emulator, &["--filter", "acr-helloworld:^v1$", "--ago", "0d", "--untagged"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(tags_of(&emulator, "acr-helloworld").contains("v1"), "{}", out.stdout);
    assert!(digests_of(&emulator, "acr-helloworld").contains(&v1), "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!("Not deleting myregistry.azurecr.io/acr-helloworld@{v1}")),
        "{}",
        out.stdout
    );
}

#[test]
fn a_manifest_tagged_during_the_run_is_not_deleted() {
    let emulator = Emulator::start(default_seed());
    let (digest, stamp) = emulator.with_seed(|s| {
        let r = s.repositories.iter().find(|r| r.name == "acr-helloworld").unwrap();
        (r.manifests[2].digest.clone(), r.manifests[2].updated.clone())
    });
    emulator.set_faults(vec![Fault {
        method: Some("DELETE".into()),
        mode: azacr_emulator::FaultMode::Delay,
        delay_ms: 1500,
        ..Fault::status("/acr/v1/acr-helloworld/_tags/v1", 202, 1)
    }]);
    let out = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(500));
            // Someone promotes the old untagged build while the purge deletes tags.
            emulator.with_seed(|s| {
                let r = s.repositories.iter_mut().find(|r| r.name == "acr-helloworld").unwrap();
                r.tags.push(ReviewTag {
                    name: "promoted".into(),
                    digest: digest.clone(),
                    created: stamp.clone(),
                    updated: stamp.clone(),
                    attributes: Attributes::default(),
                });
            });
        });
        purge(&emulator, &["--filter", "acr-helloworld:^v1$", "--ago", "0d", "--untagged"])
    });
    eprintln!("OUT:\n{}", out.stdout);
    let tags = tags_of(&emulator, "acr-helloworld");
    eprintln!("TAGS: {tags:?}");
    assert!(tags.contains("promoted"), "a tag pushed during the run was deleted with its manifest");
}

#[test]
fn docker_config_and_wrong_password_secrets_stay_out_of_debug() {
    let emulator = Emulator::start(default_seed());
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.json");
    use base64::Engine;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        seed::ADMIN_USER,
        seed::ADMIN_PASSWORD
    ));
    std::fs::write(&cfg, format!(r#"{{"auths":{{"myregistry.azurecr.io":{{"auth":"{auth}"}}}}}}"#)).unwrap();
    let c = cfg.to_str().unwrap();
    for args in [
        vec![
            "purge",
            "-r",
            "myregistry",
            "-c",
            c,
            "--filter",
            "acr-helloworld:^v1$",
            "--ago",
            "0d",
            "--debug",
            "--untagged",
        ],
        vec![
            "purge",
            "-r",
            "myregistry",
            "-u",
            seed::ADMIN_USER,
            "-p",
            "wrong-secret-xyz",
            "--filter",
            "acr-helloworld:^v1$",
            "--ago",
            "0d",
            "--debug",
        ],
    ] {
        let out = azacr(&emulator, &args);
        let all = format!("{}{}", out.stdout, out.stderr);
        eprintln!("code {} ---\n{}", out.code, all);
        assert!(
            !all.contains(seed::ADMIN_PASSWORD) && !all.contains("wrong-secret-xyz") && !all.contains(&auth)
        );
    }
}

#[test]
fn a_manifest_body_over_the_limit_fails_its_repository_untried_again() {
    let emulator = Emulator::start(default_seed());
    emulator.with_seed(|s| s.repositories.push(seed::oci_repository("oci")));
    let huge =
        format!("{{\"manifests\":[{}{{}}]}}", "{\"digest\":\"sha256:00\"},".repeat(2 * 1024 * 1024 / 24));
    emulator.set_faults(vec![Fault {
        method: Some("GET".into()),
        body: huge,
        ..Fault::status("/v2/oci/manifests/", 200, 1000)
    }]);
    azacr::registry::transport::knobs::set_max_body(1024 * 1024);
    let out = purge(&emulator, &["--untagged-only", "--filter", "oci:.*"]);
    azacr::registry::transport::knobs::set_max_body(azacr::registry::transport::MAX_BODY);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("Failed to purge repository oci: reading the manifest"), "{}", out.stdout);
    assert!(out.stdout.contains("larger than 1 MiB"), "{}", out.stdout);
    assert_eq!(changes(&emulator), 0);
    let reads: Vec<String> = emulator
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.target.contains("/v2/oci/manifests/"))
        .map(|r| r.target.clone())
        .collect();
    let distinct: BTreeSet<&String> = reads.iter().collect();
    assert_eq!(reads.len(), distinct.len(), "a body over the limit was read again: {reads:?}");
}

#[test]
fn a_manifest_read_is_bounded_by_the_data_timeout() {
    use azacr_emulator::FaultMode;
    use std::time::Duration;
    let emulator = Emulator::start(default_seed());
    emulator.with_seed(|s| s.repositories.push(seed::oci_repository("oci")));
    // Every body 16 bytes per 100 ms: each read is within the data limit, the answer is not.
    emulator.set_faults(vec![Fault {
        method: Some("GET".into()),
        delay_ms: 100,
        ..Fault::mode("/v2/oci/manifests/", FaultMode::SlowBody, 1000)
    }]);
    let limits = azacr::registry::transport::Limits {
        connect: Duration::from_millis(300),
        sign_in: Duration::from_secs(5),
        data: Duration::from_millis(300),
    };
    azacr::registry::transport::knobs::set_limits_on_this_thread(Some(limits));
    let out = purge(&emulator, &["--untagged-only", "--filter", "oci:.*"]);
    azacr::registry::transport::knobs::set_limits_on_this_thread(None);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("Failed to purge repository oci: reading the manifest"), "{}", out.stdout);
    assert_eq!(changes(&emulator), 0);
}

#[test]
fn after_ctrl_c_nothing_is_tried_again() {
    use crate::support::{ConfigDir, azacr_bin, command};
    let emulator = Emulator::start(default_seed());
    emulator.set_latency(std::time::Duration::from_millis(50));
    // Every delete throttled, without Retry-After: the deletes in flight keep trying.
    emulator.set_faults(vec![Fault {
        method: Some("DELETE".into()),
        ..Fault::status("/v2/myrepository/manifests/", 429, 100_000)
    }]);
    let config = ConfigDir::empty();
    let mut cmd = command(&azacr_bin(), &emulator, &config, None);
    cmd.args(["purge", "-r", "myregistry"]).args(ADMIN);
    cmd.args(["--untagged-only", "--filter", "myrepository:.*", "--concurrency", "2"]);
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let child = cmd.spawn().expect("spawn azacr");
    let deletes = || emulator.requests().iter().filter(|r| r.method == "DELETE").count();
    let started = std::time::Instant::now();
    while deletes() < 3 {
        assert!(started.elapsed().as_secs() < 30, "no deletes started");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let at_signal = deletes();
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    // At most the two requests being sent at the signal reach the registry after it.
    assert!(deletes() <= at_signal + 2, "{} deletes after Ctrl-C: {stdout}", deletes() - at_signal);
    assert!(stdout.contains("Number of deleted manifests: 0\n"), "{stdout}");
    assert!(stdout.contains("Repositories interrupted (1): myrepository"), "{stdout}");
}

#[test]
fn docker_config_credentials_are_those_of_the_login_server_resource_manager_gives() {
    use crate::support::{ConfigDir, azacr_bin, command, run};
    use azacr_emulator::az_config;
    use base64::Engine;
    // The registry answers as `myregistry-abc123.azurecr.io` only; ARM says so.
    let mut registry = default_seed();
    registry.login_server = "myregistry-abc123.azurecr.io".into();
    let emulator = Emulator::start(registry);
    let config = ConfigDir::empty();
    az_config::write_user_with_refresh_token(config.path(), &emulator.authority()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.json");
    let auth = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        seed::ADMIN_USER,
        seed::ADMIN_PASSWORD
    ));
    let docker = serde_json::json!({"auths": {"https://myregistry-abc123.azurecr.io": {"auth": auth}}});
    std::fs::write(&file, docker.to_string()).unwrap();
    let mut cmd = command(&azacr_bin(), &emulator, &config, None);
    cmd.args(["purge", "-r", "myregistry", "--config", file.to_str().unwrap()]);
    cmd.args(["--filter", "acr-helloworld:^v1$", "--ago", "0d"]);
    let out = run(cmd);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(!tags_of(&emulator, "acr-helloworld").contains("v1"));
    // Signed in with the docker config's admin credentials, not the az account's token.
    let log = emulator.requests();
    assert!(!log.iter().any(|r| r.target.contains("/oauth2/exchange")), "{log:?}");
}

#[test]
fn repository_page_size_sets_the_catalogs_page_and_every_page_is_read() {
    let emulator = Emulator::start(default_seed());
    let flags = ["--filter", ".*:.*", "--ago", "0d", "--dry-run", "--repository-page-size", "3"];
    let small = purge(&emulator, &flags);
    assert_eq!(small.code, 0, "{}", small.stderr);
    let catalog: Vec<String> = emulator
        .requests()
        .into_iter()
        .filter(|r| r.target.starts_with("/v2/_catalog"))
        .map(|r| r.target)
        .collect();
    assert_eq!(catalog.first().map(String::as_str), Some("/v2/_catalog?n=3"), "{catalog:?}");
    let repositories = emulator.snapshot()["repositories"].as_object().unwrap().len();
    assert_eq!(catalog.len(), repositories.div_ceil(3), "{catalog:?}");
    // The same plan as with acr purge's default of 100 a page.
    emulator.clear_requests();
    let default = purge(&emulator, &flags[..5]);
    assert_eq!(default.stdout, small.stdout);
    for bad in ["0", "1001", "x"] {
        let out = purge(&emulator, &[&flags[..5], &["--repository-page-size", bad]].concat());
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
        assert!(out.stderr.contains("--repository-page-size"), "{}", out.stderr);
    }
}

#[test]
fn docker_credential_helpers_are_asked_as_docker_asks_them() {
    use crate::support::{ConfigDir, azacr_bin, command, run};
    use std::os::unix::fs::PermissionsExt;
    let emulator = Emulator::start(default_seed());
    let dir = tempfile::tempdir().unwrap();
    // A helper that answers for the registry it is asked about (stdin), as docker's do.
    let helper = dir.path().join("docker-credential-fake");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\necho \"$server\" >> {}/asked\n[ \"$server\" = myregistry.azurecr.io ] || {{ echo 'credentials not found in native keychain'; exit 1; }}\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"<token>\",\"Secret\":\"{}\"}}' \"$server\"\n",
            dir.path().display(),
            seed::REFRESH_TOKEN
        ),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default());
    let nobody = ConfigDir::empty();
    let purge_with = |docker: serde_json::Value| {
        let file = dir.path().join("config.json");
        std::fs::write(&file, docker.to_string()).unwrap();
        emulator.clear_requests();
        let mut cmd = command(&azacr_bin(), &emulator, &nobody, None);
        cmd.env("PATH", &path).args(["purge", "-r", "myregistry", "--config", file.to_str().unwrap()]);
        cmd.args(["--filter", "acr-helloworld:^v1$", "--ago", "0d", "--dry-run"]);
        run(cmd)
    };
    // credsStore: the identity token it keeps signs in (no az account here).
    let out = purge_with(serde_json::json!({"auths": {"myregistry.azurecr.io": {}}, "credsStore": "fake"}));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("acr-helloworld:v1"), "{}", out.stdout);
    let asked = std::fs::read_to_string(dir.path().join("asked")).unwrap();
    assert_eq!(asked, "myregistry.azurecr.io\n");
    let tokens = emulator.requests().into_iter().filter(|r| r.target.starts_with("/oauth2/token")).count();
    assert!(tokens >= 1, "signed in with the helper's refresh token");
    // credHelpers for this registry wins over credsStore.
    let out = purge_with(
        serde_json::json!({"credHelpers": {"myregistry.azurecr.io": "fake"}, "credsStore": "missing"}),
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    // A helper with nothing, or none on PATH: no docker credentials, azacr's own sign-in
    // (nobody is signed in here: az's error).
    let out = purge_with(serde_json::json!({"credsStore": "missing"}));
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("Unable to authenticate using AAD or admin login credentials"),
        "{}",
        out.stderr
    );
}
