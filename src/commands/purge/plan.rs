//! What goes from one repository, decided from its listings before anything is deleted.
//!
//! Tags: those a filter matches (and no exclude filter), last updated before the cutoff,
//! unlocked (or `--include-locked`), minus the `--keep` newest of them. Manifests (only with
//! `--untagged` / `--untagged-only`): those with no tag left after the tag deletions, old
//! enough, unlocked (or `--include-locked`), minus the `--keep` newest — and never one that
//! something staying needs: a child of an index that stays, a referrer (signature, SBOM)
//! whose subject stays, a referrer of a manifest not in the listing, or the subject of a
//! referrer that stays (ACR deletes a subject's referrers with it). A manifest whose kind
//! is unknown (no media type) stays.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::filter::{FilterError, Pattern, format_time, parse_time};

pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_ARTIFACT: &str = "application/vnd.oci.artifact.manifest.v1+json";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attributes {
    pub delete_enabled: Option<bool>,
    pub write_enabled: Option<bool>,
}

impl Attributes {
    /// ACR refuses to delete what has deletion or writing disabled.
    pub fn locked(&self) -> bool {
        self.delete_enabled == Some(false) || self.write_enabled == Some(false)
    }
}

/// A tag as `GET /acr/v1/{repo}/_tags` lists it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    pub name: String,
    pub digest: String,
    pub last_update_time: Option<String>,
    #[serde(default)]
    pub changeable_attributes: Attributes,
}

/// A manifest as `GET /acr/v1/{repo}/_manifests` lists it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub digest: String,
    #[serde(default)]
    pub image_size: u64,
    pub last_update_time: Option<String>,
    pub media_type: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub changeable_attributes: Attributes,
}

impl Manifest {
    /// Whether its body must be read to know what it references or refers to (every kind
    /// but a docker v2 image manifest, which has neither children nor a subject).
    pub fn needs_body(&self) -> bool {
        self.media_type.as_deref().is_some_and(|m| m != DOCKER_MANIFEST)
    }
}

/// What a manifest's body says about others: an index's children, a referrer's subject.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Links {
    pub children: Vec<String>,
    pub subject: Option<String>,
}

impl Links {
    pub fn from_body(body: &serde_json::Value) -> Links {
        let children = body["manifests"]
            .as_array()
            .map(|list| list.iter().filter_map(|d| d["digest"].as_str().map(String::from)).collect())
            .unwrap_or_default();
        Links { children, subject: body["subject"]["digest"].as_str().map(String::from) }
    }
}

/// The choices that apply to one repository.
pub struct Selection<'a> {
    /// The tag regexes of the filters naming this repository (empty with `--untagged-only`).
    pub tag_filters: Vec<&'a Pattern>,
    pub tag_excludes: Vec<&'a Pattern>,
    /// Items last updated at or after this (ns since the epoch) stay; `None`: no age limit.
    pub cutoff: Option<i128>,
    pub keep: usize,
    /// Delete tags (not with `--untagged-only`).
    pub delete_tags: bool,
    /// Delete untagged manifests (`--untagged` or `--untagged-only`).
    pub delete_untagged: bool,
    pub include_locked: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlannedTag {
    pub name: String,
    pub digest: String,
    #[serde(rename = "lastUpdateTime")]
    pub last_update_time: String,
    /// Unlocked before it is deleted (`--include-locked`).
    pub locked: bool,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlannedManifest {
    pub digest: String,
    #[serde(rename = "imageSize")]
    pub image_size: u64,
    #[serde(rename = "lastUpdateTime")]
    pub last_update_time: String,
    pub locked: bool,
    pub reason: String,
    /// Deleted in this round (0 first): indexes and referrers before what they point at.
    #[serde(skip)]
    pub layer: usize,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct TagChoice {
    pub tags: Vec<PlannedTag>,
    #[serde(rename = "lockedTagsSkipped")]
    pub locked_skipped: usize,
    #[serde(rename = "tagsKept")]
    pub kept: usize,
}

/// Picks the tags to delete; `tags` in the registry's `timedesc` order (newest first), as
/// `--keep` counts.
pub fn choose_tags(sel: &Selection, tags: &[Tag]) -> Result<TagChoice, FilterError> {
    let mut choice = TagChoice::default();
    if !sel.delete_tags {
        return Ok(choice);
    }
    let mut ordered: Vec<&Tag> = tags.iter().collect();
    // Newest first whatever order the registry used; unknown times sort last (oldest).
    ordered.sort_by_key(|t| std::cmp::Reverse(time_of(&t.last_update_time).unwrap_or(i128::MIN)));
    for tag in ordered {
        let Some(filter) = first_match(&sel.tag_filters, &tag.name)? else { continue };
        if first_match(&sel.tag_excludes, &tag.name)?.is_some() {
            continue;
        }
        let Some(updated) = time_of(&tag.last_update_time) else { continue };
        if sel.cutoff.is_some_and(|cutoff| updated >= cutoff) {
            continue;
        }
        let locked = tag.changeable_attributes.locked();
        if locked && !sel.include_locked {
            choice.locked_skipped += 1;
            continue;
        }
        if choice.kept < sel.keep {
            choice.kept += 1;
            continue;
        }
        let mut reason = format!("matches '{}', last updated {}", filter.source(), format_time(updated));
        if locked {
            reason.push_str(", locked: unlocked first");
        }
        choice.tags.push(PlannedTag {
            name: tag.name.clone(),
            digest: tag.digest.clone(),
            last_update_time: tag.last_update_time.clone().unwrap_or_default(),
            locked,
            reason,
        });
    }
    Ok(choice)
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct ManifestChoice {
    pub manifests: Vec<PlannedManifest>,
    #[serde(rename = "lockedManifestsSkipped")]
    pub locked_skipped: usize,
    #[serde(rename = "manifestsKept")]
    pub kept: usize,
    /// Untagged manifests that stay because something staying needs them.
    #[serde(rename = "manifestsProtected")]
    pub protected: usize,
}

/// Picks the untagged manifests to delete, after `deleted_tags` are gone. `links` holds what
/// the bodies of the manifests that `needs_body` said (a manifest missing from it stays).
pub fn choose_manifests(
    sel: &Selection,
    manifests: &[Manifest],
    deleted_tags: &HashSet<&str>,
    links: &HashMap<String, Links>,
) -> ManifestChoice {
    let mut choice = ManifestChoice::default();
    if !sel.delete_untagged {
        return choice;
    }
    let listed: HashMap<&str, &Manifest> = manifests.iter().map(|m| (m.digest.as_str(), m)).collect();
    // Candidates: untagged once the tags go, old enough, unlocked (or unlocking allowed),
    // of a known kind whose links are known.
    let mut candidates: Vec<&Manifest> = Vec::new();
    for m in manifests {
        let tagged = m.tags.iter().flatten().any(|t| !deleted_tags.contains(t.as_str()));
        let Some(updated) = time_of(&m.last_update_time) else { continue };
        let known = m.media_type.is_some() && (!m.needs_body() || links.contains_key(&m.digest));
        if tagged || sel.cutoff.is_some_and(|c| updated >= c) || !known {
            continue;
        }
        if m.changeable_attributes.locked() && !sel.include_locked {
            choice.locked_skipped += 1;
            continue;
        }
        candidates.push(m);
    }
    if sel.keep > 0 {
        candidates.sort_by(|a, b| {
            let (ta, tb) = (time_of(&a.last_update_time), time_of(&b.last_update_time));
            tb.cmp(&ta).then_with(|| a.digest.cmp(&b.digest))
        });
        choice.kept = sel.keep.min(candidates.len());
        candidates.drain(..choice.kept);
    }
    let mut going: HashSet<String> = candidates.iter().map(|m| m.digest.clone()).collect();
    let all: Vec<&str> = listed.keys().copied().collect();
    choice.protected += protect(&all, &mut going, links).len();
    // Which going manifest an index that goes references (for the reason given).
    let mut parent: HashMap<&str, &str> = HashMap::new();
    for digest in &going {
        for child in links.get(digest).map(|l| l.children.as_slice()).unwrap_or_default() {
            parent.entry(child.as_str()).or_insert(digest.as_str());
        }
    }
    let layer = layers(&going, links);
    for m in candidates.into_iter().filter(|m| going.contains(m.digest.as_str())) {
        let updated = format_time(time_of(&m.last_update_time).unwrap_or_default());
        let l = links.get(&m.digest);
        let mut reason = match (l.and_then(|l| l.subject.as_deref()), parent.get(m.digest.as_str())) {
            (Some(subject), _) => format!("referrer of {subject}, which is deleted"),
            (None, Some(index)) => format!("untagged, in index {index}, which is deleted"),
            _ if m.tags.as_ref().is_some_and(|t| !t.is_empty()) => {
                "untagged once its tags are deleted".into()
            }
            _ => "untagged".into(),
        };
        reason.push_str(&format!(", last updated {updated}"));
        let locked = m.changeable_attributes.locked();
        if locked {
            reason.push_str(", locked: unlocked first");
        }
        choice.manifests.push(PlannedManifest {
            digest: m.digest.clone(),
            image_size: m.image_size,
            last_update_time: m.last_update_time.clone().unwrap_or_default(),
            locked,
            reason,
            layer: layer[&m.digest],
        });
    }
    choice
}

/// Drops from `going` what something staying (in `all` but not going) needs, transitively,
/// and returns what it dropped: children of a staying index; the subject of a staying
/// referrer (ACR deletes a subject's referrers with it, so a subject goes only with all of
/// them); a referrer whose subject stays or is not in `all`.
pub fn protect(all: &[&str], going: &mut HashSet<String>, links: &HashMap<String, Links>) -> Vec<String> {
    let listed: HashSet<&str> = all.iter().copied().collect();
    let mut dropped = Vec::new();
    loop {
        let mut saved = Vec::new();
        for &m in all.iter().filter(|m| !going.contains(**m)) {
            let Some(l) = links.get(m) else { continue };
            saved.extend(l.children.iter().chain(&l.subject).filter(|d| going.contains(d.as_str())).cloned());
        }
        for digest in going.iter() {
            if let Some(subject) = links.get(digest).and_then(|l| l.subject.as_deref())
                && (!going.contains(subject) || !listed.contains(subject))
            {
                saved.push(digest.clone());
            }
        }
        let before = dropped.len();
        for digest in saved {
            if going.remove(&digest) {
                dropped.push(digest);
            }
        }
        if dropped.len() == before {
            return dropped;
        }
    }
}

/// The order deletes go in: layer 0 first. An item's layer is past that of every going
/// index that references it and every going referrer of it, so nothing is deleted (or
/// cascaded away) while something going that points at it may still fail and stay.
fn layers(going: &HashSet<String>, links: &HashMap<String, Links>) -> HashMap<String, usize> {
    let mut layer: HashMap<String, usize> = going.iter().map(|d| (d.clone(), 0)).collect();
    // Longest path; digests are content hashes (no cycles), the bound is a guard.
    for _ in 0..going.len() {
        let mut changed = false;
        for digest in going {
            let Some(l) = links.get(digest) else { continue };
            let from = layer[digest] + 1;
            // What it references (children, its subject) goes after it.
            for target in l.children.iter().chain(&l.subject) {
                if let Some(t) = layer.get_mut(target)
                    && *t < from
                {
                    *t = from;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    layer
}

fn time_of(text: &Option<String>) -> Option<i128> {
    text.as_deref().and_then(parse_time)
}

fn first_match<'a>(patterns: &[&'a Pattern], text: &str) -> Result<Option<&'a Pattern>, FilterError> {
    for p in patterns {
        if p.is_match(text)? {
            return Ok(Some(p));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(digest: &str, hour: u32, media_type: Option<&str>, tags: &[&str]) -> Manifest {
        Manifest {
            digest: digest.into(),
            image_size: 10,
            last_update_time: Some(format!("2020-01-01T{hour:02}:00:00.0000000Z")),
            media_type: media_type.map(String::from),
            tags: Some(tags.iter().map(|t| t.to_string()).collect()),
            changeable_attributes: Attributes::default(),
        }
    }

    fn selection(keep: usize) -> Selection<'static> {
        Selection {
            tag_filters: Vec::new(),
            tag_excludes: Vec::new(),
            cutoff: None,
            keep,
            delete_tags: false,
            delete_untagged: true,
            include_locked: false,
        }
    }

    fn going(choice: &ManifestChoice) -> Vec<&str> {
        let mut v: Vec<&str> = choice.manifests.iter().map(|m| m.digest.as_str()).collect();
        v.sort();
        v
    }

    #[test]
    fn nested_indexes_and_referrers_of_referrers_stay_with_what_stays() {
        let manifests = vec![
            manifest("top", 1, Some(OCI_INDEX), &["latest"]),
            manifest("inner", 2, Some(OCI_INDEX), &[]),
            manifest("leaf", 3, Some(OCI_MANIFEST), &[]),
            manifest("sig", 4, Some(OCI_MANIFEST), &[]),
            manifest("sig-of-sig", 5, Some(OCI_MANIFEST), &[]),
            manifest("orphan-ref", 6, Some(OCI_MANIFEST), &[]),
            manifest("plain", 7, Some(DOCKER_MANIFEST), &[]),
        ];
        let link = |children: &[&str], subject: Option<&str>| Links {
            children: children.iter().map(|c| c.to_string()).collect(),
            subject: subject.map(String::from),
        };
        let links: HashMap<String, Links> = [
            ("top", link(&["inner"], None)),
            ("inner", link(&["leaf"], None)),
            ("leaf", link(&[], None)),
            ("sig", link(&[], Some("leaf"))),
            ("sig-of-sig", link(&[], Some("sig"))),
            ("orphan-ref", link(&[], Some("not-listed"))),
        ]
        .into_iter()
        .map(|(d, l)| (d.to_string(), l))
        .collect();
        let choice = choose_manifests(&selection(0), &manifests, &HashSet::new(), &links);
        assert_eq!(going(&choice), ["plain"]);
        // Once `latest` goes, everything but the referrer of a manifest not listed goes.
        let choice = choose_manifests(&selection(0), &manifests, &["latest"].into(), &links);
        assert_eq!(going(&choice), ["inner", "leaf", "plain", "sig", "sig-of-sig", "top"]);
    }

    #[test]
    fn unknown_kinds_and_times_stay_and_keep_spares_the_newest() {
        let mut no_time = manifest("no-time", 1, Some(DOCKER_MANIFEST), &[]);
        no_time.last_update_time = Some("yesterday".into());
        let manifests = vec![
            manifest("no-type", 1, None, &[]),
            no_time,
            manifest("unread", 1, Some(OCI_MANIFEST), &[]),
            manifest("old", 2, Some(DOCKER_MANIFEST), &[]),
            manifest("newer", 3, Some(DOCKER_MANIFEST), &[]),
            manifest("newest", 4, Some(DOCKER_MANIFEST), &[]),
        ];
        let choice = choose_manifests(&selection(0), &manifests, &HashSet::new(), &HashMap::new());
        assert_eq!(going(&choice), ["newer", "newest", "old"]);
        let choice = choose_manifests(&selection(2), &manifests, &HashSet::new(), &HashMap::new());
        assert_eq!(going(&choice), ["old"]);
        assert_eq!(choice.kept, 2);
    }

    #[test]
    fn a_staying_referrer_keeps_its_subject_and_deletes_go_referrers_first() {
        let mut locked_sig = manifest("locked-sig", 2, Some(OCI_MANIFEST), &[]);
        locked_sig.changeable_attributes.delete_enabled = Some(false);
        let manifests = vec![
            manifest("image", 1, Some(OCI_MANIFEST), &[]),
            locked_sig,
            manifest("other", 3, Some(OCI_MANIFEST), &[]),
            manifest("sig", 4, Some(OCI_MANIFEST), &[]),
            manifest("sig-of-sig", 5, Some(OCI_MANIFEST), &[]),
        ];
        let subject = |s: &str| Links { children: Vec::new(), subject: Some(s.into()) };
        let links: HashMap<String, Links> = [
            ("image", Links::default()),
            ("locked-sig", subject("image")),
            ("other", Links::default()),
            ("sig", subject("other")),
            ("sig-of-sig", subject("sig")),
        ]
        .into_iter()
        .map(|(d, l)| (d.to_string(), l))
        .collect();
        let choice = choose_manifests(&selection(0), &manifests, &HashSet::new(), &links);
        assert_eq!(going(&choice), ["other", "sig", "sig-of-sig"]);
        assert_eq!(choice.protected, 1);
        let layer = |d: &str| choice.manifests.iter().find(|m| m.digest == d).unwrap().layer;
        assert_eq!((layer("sig-of-sig"), layer("sig"), layer("other")), (0, 1, 2));
    }
}
