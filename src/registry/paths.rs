//! The registry's endpoints as request paths, each written once. Every repository name part,
//! tag and digest is percent-encoded as one path segment, so nothing a user types can change
//! which item a request names: whitespace and control characters are encoded as az's HTTP
//! stack encodes them (the registry then answers 404 as it does to az), and `/`, `#`, `?`
//! and `%` inside a tag or digest are encoded too, where az's stack would have cut the URL
//! or named another endpoint. A `.` or `..` segment cannot be sent at all: every URL parser
//! resolves it (also as `%2E`), so it is refused before any request.

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

/// A repository name: its `/`-separated parts, each encoded as a segment.
fn repository(name: &str) -> Result<String, RegistryError> {
    Ok(name.split('/').map(segment).collect::<Result<Vec<_>, _>>()?.join("/"))
}

/// `/acr/v1/{repository}`: a repository's attributes; DELETE removes the repository.
pub fn acr_repository(name: &str) -> Result<String, RegistryError> {
    Ok(format!("/acr/v1/{}", repository(name)?))
}

/// `/acr/v1/{repository}/_tags`: the tag listing.
pub fn acr_tags(name: &str) -> Result<String, RegistryError> {
    Ok(format!("/acr/v1/{}/_tags", repository(name)?))
}

/// `/acr/v1/{repository}/_tags/{tag}`: a tag's attributes; DELETE untags.
pub fn acr_tag(name: &str, tag: &str) -> Result<String, RegistryError> {
    Ok(format!("/acr/v1/{}/_tags/{}", repository(name)?, segment(tag)?))
}

/// `/acr/v1/{repository}/_manifests`: the manifest listing.
pub fn acr_manifests(name: &str) -> Result<String, RegistryError> {
    Ok(format!("/acr/v1/{}/_manifests", repository(name)?))
}

/// `/acr/v1/{repository}/_manifests/{digest}`: a manifest's attributes.
pub fn acr_manifest(name: &str, digest: &str) -> Result<String, RegistryError> {
    Ok(format!("/acr/v1/{}/_manifests/{}", repository(name)?, segment(digest)?))
}

/// `/v2/{repository}/manifests/{reference}`: DELETE removes the manifest.
pub fn v2_manifest(name: &str, reference: &str) -> Result<String, RegistryError> {
    Ok(format!("/v2/{}/manifests/{}", repository(name)?, segment(reference)?))
}

/// `/v2/{repository}/tags/list`: the Docker tag listing (classic registries).
pub fn v2_tags_list(name: &str) -> Result<String, RegistryError> {
    Ok(format!("/v2/{}/tags/list", repository(name)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_sent_as_az_sends_them() {
        assert_eq!(acr_tag("a/b-c_d.e", "v1.0").unwrap(), "/acr/v1/a/b-c_d.e/_tags/v1.0");
        assert_eq!(v2_manifest("repo", "sha256:0123abcdef").unwrap(), "/v2/repo/manifests/sha256:0123abcdef");
        assert_eq!(acr_manifests("x").unwrap(), "/acr/v1/x/_manifests");
    }

    #[test]
    fn whitespace_and_controls_are_encoded_as_az_encodes_them() {
        assert_eq!(acr_tag("acr-helloworld", "v1 ").unwrap(), "/acr/v1/acr-helloworld/_tags/v1%20");
        assert_eq!(acr_tag("r", "v\t2").unwrap(), "/acr/v1/r/_tags/v%092");
        assert_eq!(v2_manifest("r", "sha256:ab\r").unwrap(), "/v2/r/manifests/sha256:ab%0D");
        assert_eq!(acr_tag("r", "é").unwrap(), "/acr/v1/r/_tags/%C3%A9");
        assert_eq!(acr_tag("r", "a\\b\"c<>^`{|}").unwrap(), "/acr/v1/r/_tags/a%5Cb%22c%3C%3E%5E%60%7B%7C%7D");
    }

    #[test]
    fn nothing_typed_in_a_tag_or_digest_leaves_its_segment() {
        assert_eq!(
            v2_manifest("r", "x/../../../../acr/v1/r").unwrap(),
            "/v2/r/manifests/x%2F..%2F..%2F..%2F..%2Facr%2Fv1%2Fr"
        );
        assert_eq!(v2_manifest("r", "sha256:ab#junk").unwrap(), "/v2/r/manifests/sha256:ab%23junk");
        assert_eq!(v2_manifest("r", "sha256:ab?x=1").unwrap(), "/v2/r/manifests/sha256:ab%3Fx=1");
        assert_eq!(acr_tag("r", "%2e%2e").unwrap(), "/acr/v1/r/_tags/%252e%252e");
    }

    #[test]
    fn dot_segments_are_refused() {
        for (name, tag) in [("r", ".."), ("r", "."), ("a/../b", "v1"), ("./r", "v1"), ("..", "v1")] {
            assert!(matches!(acr_tag(name, tag), Err(RegistryError::DotSegment(_))), "{name}:{tag}");
        }
        assert!(acr_repository("a/..").is_err());
        // Dots inside a segment are ordinary characters.
        assert_eq!(acr_tag("a.b/..c", "...").unwrap(), "/acr/v1/a.b/..c/_tags/...");
    }
}
