//! The registry's endpoints as request paths, each written once. Every repository name part,
//! tag and digest is percent-encoded as one path segment, so nothing a user types can change
//! which item a request names: whitespace and control characters are encoded as az's HTTP
//! stack encodes them (the registry then answers 404 as it does to az), and `/`, `#`, `?`
//! and `%` inside a tag or digest are encoded too, where az's stack would have cut the URL
//! or named another endpoint. A `.` or `..` segment cannot be sent at all: every URL parser
//! resolves it (also as `%2E`), so it is refused before any request, as is an empty one
//! (`a//b`, `/a`, `a:`), which a front end that merges slashes would read as another item.

use super::RegistryError;

/// Characters az's HTTP stack sends as they are, less the ones that end or split a segment.
fn kept(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@[]".contains(&b)
}

/// One path segment, percent-encoded.
fn segment(text: &str) -> Result<String, RegistryError> {
    if text == "." || text == ".." {
        return Err(RegistryError::DotSegment(text.to_string()));
    }
    if text.is_empty() {
        // `a//b` or `/a`: a front end that merges slashes would name another item.
        return Err(RegistryError::EmptySegment);
    }
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if kept(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(out)
}

/// One path segment of a Resource Manager URL (a registry name), percent-encoded.
pub fn arm_segment(text: &str) -> Result<String, RegistryError> {
    segment(text)
}

/// A repository, checked and encoded before any request names it.
#[derive(Clone, Debug)]
pub struct Repository {
    name: String,
    path: String,
}

impl Repository {
    /// Each `/`-separated part of `name` encoded as a segment.
    pub fn new(name: &str) -> Result<Repository, RegistryError> {
        let path = name.split('/').map(segment).collect::<Result<Vec<_>, _>>()?.join("/");
        Ok(Repository { name: name.to_string(), path })
    }

    /// The name as typed (scopes and messages use it).
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A tag or a digest, checked and encoded as one segment.
#[derive(Clone, Debug)]
pub struct Reference {
    text: String,
    segment: String,
}

impl Reference {
    pub fn new(text: &str) -> Result<Reference, RegistryError> {
        Ok(Reference { text: text.to_string(), segment: segment(text)? })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// What has attributes: a repository, a tag or a manifest.
#[derive(Clone, Debug)]
pub enum Item {
    Repository(Repository),
    Tag(Repository, Reference),
    Manifest(Repository, Reference),
}

impl Item {
    pub fn repository(&self) -> &Repository {
        match self {
            Item::Repository(r) | Item::Tag(r, _) | Item::Manifest(r, _) => r,
        }
    }

    /// The attributes' path, and the key of the answer that holds them.
    pub(super) fn attributes(&self) -> (String, Option<&'static str>) {
        match self {
            Item::Repository(r) => (acr_repository(r), None),
            Item::Tag(r, tag) => (acr_tag(r, tag), Some("tag")),
            Item::Manifest(r, digest) => (acr_manifest(r, digest), Some("manifest")),
        }
    }
}

/// `/acr/v1/{repository}`: a repository's attributes; DELETE removes the repository.
pub(super) fn acr_repository(r: &Repository) -> String {
    format!("/acr/v1/{}", r.path)
}

/// `/acr/v1/{repository}/_tags`: the tag listing.
pub(super) fn acr_tags(r: &Repository) -> String {
    format!("/acr/v1/{}/_tags", r.path)
}

/// `/acr/v1/{repository}/_tags/{tag}`: a tag's attributes; DELETE untags.
pub fn acr_tag(r: &Repository, tag: &Reference) -> String {
    format!("/acr/v1/{}/_tags/{}", r.path, tag.segment)
}

/// `/acr/v1/{repository}/_manifests`: the manifest listing.
pub(super) fn acr_manifests(r: &Repository) -> String {
    format!("/acr/v1/{}/_manifests", r.path)
}

/// `/acr/v1/{repository}/_manifests/{digest}`: a manifest's attributes (PATCH unlocks).
pub fn acr_manifest(r: &Repository, digest: &Reference) -> String {
    format!("/acr/v1/{}/_manifests/{}", r.path, digest.segment)
}

/// `/v2/{repository}/manifests/{reference}`: DELETE removes the manifest.
pub fn v2_manifest(r: &Repository, reference: &Reference) -> String {
    format!("/v2/{}/manifests/{}", r.path, reference.segment)
}

/// `/acr/v1/_deleted/{repository}/_manifests`: the soft-deleted manifests.
pub(super) fn deleted_manifests(r: &Repository) -> String {
    format!("/acr/v1/_deleted/{}/_manifests", r.path)
}

/// `/acr/v1/_deleted/{repository}/_tags`: the soft-deleted tags.
pub(super) fn deleted_tags(r: &Repository) -> String {
    format!("/acr/v1/_deleted/{}/_tags", r.path)
}

/// `/acr/v1/_deleted/{repository}/_manifests/{digest}`: POST restores it.
pub(super) fn deleted_manifest(r: &Repository, digest: &Reference) -> String {
    format!("/acr/v1/_deleted/{}/_manifests/{}", r.path, digest.segment)
}

/// `/v2/{repository}/referrers/{digest}`: the OCI referrers of a manifest.
pub(super) fn v2_referrers(r: &Repository, digest: &Reference) -> String {
    format!("/v2/{}/referrers/{}", r.path, digest.segment)
}

/// `/v2/{repository}/tags/list`: the Docker tag listing (classic registries).
pub(super) fn v2_tags_list(r: &Repository) -> String {
    format!("/v2/{}/tags/list", r.path)
}

pub(super) const CATALOG: &str = "/v2/_catalog";
pub(super) const DELETED_CATALOG: &str = "/acr/v1/_deleted/_catalog";

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(name: &str) -> Repository {
        Repository::new(name).unwrap()
    }

    fn tag(repository: &str, tag: &str) -> String {
        acr_tag(&repo(repository), &Reference::new(tag).unwrap())
    }

    fn manifest(repository: &str, digest: &str) -> String {
        v2_manifest(&repo(repository), &Reference::new(digest).unwrap())
    }

    #[test]
    fn plain_names_are_sent_as_az_sends_them() {
        assert_eq!(tag("a/b-c_d.e", "v1.0"), "/acr/v1/a/b-c_d.e/_tags/v1.0");
        assert_eq!(manifest("repo", "sha256:0123abcdef"), "/v2/repo/manifests/sha256:0123abcdef");
        assert_eq!(acr_manifests(&repo("x")), "/acr/v1/x/_manifests");
        let digest = Reference::new("sha256:ab").unwrap();
        assert_eq!(Item::Manifest(repo("a/b"), digest).attributes().0, "/acr/v1/a/b/_manifests/sha256:ab");
    }

    #[test]
    fn whitespace_and_controls_are_encoded_as_az_encodes_them() {
        assert_eq!(tag("acr-helloworld", "v1 "), "/acr/v1/acr-helloworld/_tags/v1%20");
        assert_eq!(tag("r", "v\t2"), "/acr/v1/r/_tags/v%092");
        assert_eq!(manifest("r", "sha256:ab\r"), "/v2/r/manifests/sha256:ab%0D");
        assert_eq!(tag("r", "é"), "/acr/v1/r/_tags/%C3%A9");
        assert_eq!(tag("r", "a\\b\"c<>^`{|}"), "/acr/v1/r/_tags/a%5Cb%22c%3C%3E%5E%60%7B%7C%7D");
        assert_eq!(acr_tags(&repo("unicode/café")), "/acr/v1/unicode/caf%C3%A9/_tags");
    }

    #[test]
    fn nothing_typed_in_a_tag_or_digest_leaves_its_segment() {
        assert_eq!(
            manifest("r", "x/../../../../acr/v1/r"),
            "/v2/r/manifests/x%2F..%2F..%2F..%2F..%2Facr%2Fv1%2Fr"
        );
        assert_eq!(manifest("r", "sha256:ab#junk"), "/v2/r/manifests/sha256:ab%23junk");
        assert_eq!(manifest("r", "sha256:ab?x=1"), "/v2/r/manifests/sha256:ab%3Fx=1");
        assert_eq!(tag("r", "%2e%2e"), "/acr/v1/r/_tags/%252e%252e");
    }

    #[test]
    fn dot_segments_are_refused() {
        for name in ["a/../b", "./r", "..", "a/."] {
            assert!(matches!(Repository::new(name), Err(RegistryError::DotSegment(_))), "{name}");
        }
        for text in [".", ".."] {
            assert!(matches!(Reference::new(text), Err(RegistryError::DotSegment(_))), "{text}");
        }
        // Dots inside a segment are ordinary characters.
        assert_eq!(tag("a.b/..c", "..."), "/acr/v1/a.b/..c/_tags/...");
    }
}
