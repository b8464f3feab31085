//! delete against the emulator: what is sent, and that nothing is deleted unasked.

use azacr_emulator::{Emulator, default_seed};

use crate::support::{admin_args, azacr};

fn delete_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    admin_args("delete", extra)
}

fn deletes(emulator: &Emulator) -> Vec<String> {
    emulator.requests().into_iter().filter(|r| r.method == "DELETE").map(|r| r.target).collect()
}

#[test]
fn deleting_by_tag_removes_the_manifest_and_all_its_tags() {
    let emulator = Emulator::start(default_seed());
    let out = azacr(&emulator, &delete_args(&["--image", "acr-helloworld:v3", "--yes"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    let digest = "sha256:a91a140e4a8e6fcc49ff2688de320ca5f6a379add18052d0a2780efa14c2681f";
    assert_eq!(
        out.stderr,
        format!(
            "WARNING: This operation will delete the manifest '{digest}' and all the following images: 'acr-helloworld:latest', 'acr-helloworld:v3'\n"
        )
    );
    assert_eq!(deletes(&emulator), [format!("/v2/acr-helloworld/manifests/{digest}")]);
    let state = emulator.snapshot();
    let manifests = state["repositories"]["acr-helloworld"]["manifests"].as_array().unwrap();
    assert_eq!(manifests.len(), 3);
    assert!(manifests.iter().all(|m| m["digest"] != digest));
}

#[test]
fn without_yes_and_without_a_terminal_nothing_is_deleted() {
    let emulator = Emulator::start(default_seed());
    let before = emulator.snapshot();
    for target in [["--image", "acr-helloworld:v1"], ["--repository", "acr-helloworld"]] {
        let out = azacr(&emulator, &delete_args(&target));
        assert_eq!(out.code, 1);
        assert_eq!(out.stderr, "ERROR: Unable to prompt for confirmation as no tty available. Use --yes.\n");
    }
    assert!(deletes(&emulator).is_empty());
    assert_eq!(emulator.snapshot(), before);
}

#[test]
fn malformed_images_send_nothing() {
    let emulator = Emulator::start(default_seed());
    for image in ["a:b:c", "a@b@c"] {
        let out = azacr(&emulator, &delete_args(&["--image", image, "--yes"]));
        assert_eq!(out.code, 1);
        assert_eq!(
            out.stderr,
            "ERROR: The name of the image may include a tag in the format 'name:tag' or digest in the format 'name@digest'.\n"
        );
    }
    assert!(emulator.requests().is_empty());
}

#[test]
fn a_wrong_password_deletes_nothing() {
    let emulator = Emulator::start(default_seed());
    let before = emulator.snapshot();
    let out = azacr(
        &emulator,
        &[
            "acr",
            "repository",
            "delete",
            "-n",
            "myregistry",
            "-u",
            "myregistry",
            "-p",
            "nope",
            "--image",
            "acr-helloworld:v1",
            "--yes",
        ],
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("An error occurred: CONNECTIVITY_ACCESS_TOKEN_ERROR\nAccess to registry 'myregistry.azurecr.io' was denied. Response code: 401."), "{}", out.stderr);
    assert!(deletes(&emulator).is_empty());
    assert_eq!(emulator.snapshot(), before);
}

#[test]
fn locked_images_stay() {
    let emulator = Emulator::start(default_seed());
    let before = emulator.snapshot();
    let out = azacr(&emulator, &delete_args(&["--image", "locked-repo:locked", "--yes"]));
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .ends_with("ERROR: Error: The operation is disallowed on this registry, repository or image.\n"),
        "{}",
        out.stderr
    );
    assert_eq!(emulator.snapshot(), before);
}

#[test]
fn deleting_a_repository_prints_what_went() {
    let emulator = Emulator::start(default_seed());
    let out = azacr(
        &emulator,
        &delete_args(&["--repository", "marketing/campaign10-18/email", "--yes", "-o", "tsv"]),
    );
    assert_eq!((out.code, out.stdout.as_str(), out.stderr.as_str()), (0, "1\t1\n", ""));
    assert!(emulator.snapshot()["repositories"].get("marketing/campaign10-18/email").is_none());
}

#[test]
fn deleting_by_digest_asks_only_for_that_manifest_s_tags() {
    let digest = "sha256:a91a140e4a8e6fcc49ff2688de320ca5f6a379add18052d0a2780efa14c2681f";
    let warning = format!(
        "WARNING: This operation will delete the manifest '{digest}' and all the following images: 'acr-helloworld:latest', 'acr-helloworld:v3'\n"
    );
    for ignore_filters in [false, true] {
        let emulator = Emulator::start(default_seed());
        // A registry that ignores the filter: the answer is checked tag by tag, so it is the same.
        emulator.set_ignore_filters(ignore_filters);
        let image = format!("acr-helloworld@{digest}");
        let out = azacr(&emulator, &delete_args(&["--image", &image, "--yes"]));
        assert_eq!((out.code, out.stderr.as_str()), (0, warning.as_str()));
        let data: Vec<String> = emulator
            .requests()
            .into_iter()
            .filter(|r| r.target != "/v2/" && !r.target.starts_with("/oauth2/"))
            .map(|r| format!("{} {}", r.method, r.target))
            .collect();
        assert_eq!(
            data,
            [
                format!("GET /acr/v1/acr-helloworld/_tags?n=100&digest={}", digest.replace(':', "%3A")),
                format!("DELETE /v2/acr-helloworld/manifests/{digest}"),
            ]
        );
        let state = emulator.snapshot();
        let manifests = state["repositories"]["acr-helloworld"]["manifests"].as_array().unwrap();
        assert_eq!(manifests.len(), 3);
        assert!(manifests.iter().all(|m| m["digest"] != digest));
    }
}

#[test]
fn the_tags_of_a_manifest_are_found_on_every_page_of_an_unfiltered_listing() {
    let emulator = Emulator::start(default_seed());
    emulator.set_ignore_filters(true);
    // 250 tags, three of them on the manifest deleted, on the first, second and third page.
    let digest = emulator.with_seed(|s| {
        let mut repo = azacr_emulator::seed::large_repository("long", 750);
        // Manifest 1 of large_repository has no tag of its own.
        let digest = repo.manifests[1].digest.clone();
        for name in ["v1", "v299", "v999"] {
            let mut tag = repo.tags[0].clone();
            (tag.name, tag.digest) = (name.to_string(), digest.clone());
            repo.tags.push(tag);
        }
        s.repositories.push(repo);
        digest
    });
    let out = azacr(&emulator, &delete_args(&["--image", &format!("long@{digest}"), "--yes"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        format!(
            "WARNING: This operation will delete the manifest '{digest}' and all the following images: 'long:v1', 'long:v299', 'long:v999'\n"
        )
    );
    let listing =
        emulator.requests().into_iter().filter(|r| r.target.starts_with("/acr/v1/long/_tags?")).count();
    assert_eq!(listing, 3);
}
