//! The registry's contents: repositories, manifests, tags and their changeable attributes,
//! shaped as ACR returns them.
//!
//! Manifests have a media type: images (docker v2 or OCI image manifest) with a config and one
//! layer, indexes (OCI index or docker manifest list) whose `children` are the digests they
//! reference, and OCI referrers (signatures, SBOMs: an image manifest with a `subject` and an
//! `artifactType`). Their bodies are built from the model (`Repository::manifest_body`); the
//! digests are the seed's fake ones, not hashes of those bodies.

use serde_json::{Value, json};

#[derive(Clone, Debug)]
pub struct Attributes {
    pub delete_enabled: bool,
    pub write_enabled: bool,
    pub read_enabled: bool,
    pub list_enabled: bool,
}

impl Default for Attributes {
    fn default() -> Self {
        Attributes { delete_enabled: true, write_enabled: true, read_enabled: true, list_enabled: true }
    }
}

impl Attributes {
    pub fn locked() -> Self {
        Attributes { delete_enabled: false, write_enabled: false, ..Attributes::default() }
    }

    /// Applies a PATCH body's `deleteEnabled`/`writeEnabled`/`readEnabled`/`listEnabled`.
    pub fn apply(&mut self, changes: &Value) {
        for (key, slot) in [
            ("deleteEnabled", &mut self.delete_enabled),
            ("writeEnabled", &mut self.write_enabled),
            ("readEnabled", &mut self.read_enabled),
            ("listEnabled", &mut self.list_enabled),
        ] {
            if let Some(b) = changes.get(key).and_then(Value::as_bool) {
                *slot = b;
            }
        }
    }

    /// ACR refuses a delete when deletion or writing is disabled.
    pub fn allows_delete(&self) -> bool {
        self.delete_enabled && self.write_enabled
    }

    pub fn to_json(&self) -> Value {
        json!({
            "deleteEnabled": self.delete_enabled,
            "writeEnabled": self.write_enabled,
            "readEnabled": self.read_enabled,
            "listEnabled": self.list_enabled,
        })
    }
}

/// The media types the emulator knows.
pub mod media_type {
    pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
    pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
    pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
    pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
    pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
    pub const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
    pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
    /// The config of an OCI 1.1 artifact (`{}`).
    pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
    /// Artifact types of referrers.
    pub const NOTARY_SIGNATURE: &str = "application/vnd.cncf.notary.signature";
    pub const SPDX_SBOM: &str = "application/spdx+json";

    pub fn is_index(media_type: &str) -> bool {
        media_type == OCI_INDEX || media_type == DOCKER_MANIFEST_LIST
    }
}

#[derive(Clone, Debug)]
pub struct Manifest {
    pub digest: String,
    pub image_size: u64,
    pub created: String,
    pub updated: String,
    pub architecture: String,
    pub os: String,
    pub attributes: Attributes,
    /// One of `media_type::*` (docker v2 manifest unless said otherwise).
    pub media_type: String,
    /// For an index or manifest list: the digests it references, in order (same repository).
    pub children: Vec<String>,
    /// OCI `subject`: the digest of the manifest this one refers to (signatures, SBOMs).
    pub subject: Option<String>,
    /// OCI `artifactType` of a referrer.
    pub artifact_type: Option<String>,
}

impl Manifest {
    pub fn is_index(&self) -> bool {
        media_type::is_index(&self.media_type)
    }
}

#[derive(Clone, Debug)]
pub struct Tag {
    pub name: String,
    pub digest: String,
    pub created: String,
    pub updated: String,
    pub attributes: Attributes,
}

#[derive(Clone, Debug)]
pub struct Repository {
    pub name: String,
    pub created: String,
    pub updated: String,
    pub attributes: Attributes,
    pub manifests: Vec<Manifest>,
    pub tags: Vec<Tag>,
}

impl Repository {
    pub fn tags_of(&self, digest: &str) -> Vec<&Tag> {
        let mut tags: Vec<&Tag> = self.tags.iter().filter(|t| t.digest == digest).collect();
        tags.sort_by(|a, b| a.name.cmp(&b.name));
        tags
    }

    /// Each digest's tag names, sorted: for listings, which would otherwise search all the
    /// tags once per manifest.
    /// The sorted tag names of each of `digests` (one pass over the tags).
    pub fn tag_names_of<'a>(
        &'a self,
        digests: impl Iterator<Item = &'a str>,
    ) -> std::collections::HashMap<&'a str, Vec<&'a str>> {
        // Keyed by the digests' last 16 characters (random hex): hashing them instead of whole
        // digests makes a page of a 100,000-manifest listing several times quicker.
        fn tail(digest: &str) -> &str {
            &digest[digest.len().saturating_sub(16)..]
        }
        let mut by_tail: std::collections::HashMap<&str, Vec<(&str, Vec<&str>)>> =
            std::collections::HashMap::new();
        for digest in digests {
            by_tail.entry(tail(digest)).or_default().push((digest, Vec::new()));
        }
        for tag in &self.tags {
            let Some(candidates) = by_tail.get_mut(tail(&tag.digest)) else { continue };
            if let Some((_, list)) = candidates.iter_mut().find(|(d, _)| *d == tag.digest) {
                list.push(tag.name.as_str());
            }
        }
        let mut names: std::collections::HashMap<&str, Vec<&str>> = by_tail.into_values().flatten().collect();
        names.values_mut().for_each(|tags| tags.sort());
        names
    }

    pub fn manifest_json(&self, m: &Manifest) -> Value {
        let tags: Vec<&str> = self.tags_of(&m.digest).iter().map(|t| t.name.as_str()).collect();
        Repository::manifest_json_tagged(m, &tags)
    }

    pub fn manifest_json_tagged(m: &Manifest, tags: &[&str]) -> Value {
        let mut out = serde_json::Map::new();
        out.insert("digest".into(), json!(m.digest));
        out.insert("imageSize".into(), json!(m.image_size));
        out.insert("createdTime".into(), json!(m.created));
        out.insert("lastUpdateTime".into(), json!(m.updated));
        if !m.is_index() {
            out.insert("architecture".into(), json!(m.architecture));
            out.insert("os".into(), json!(m.os));
        }
        out.insert("mediaType".into(), json!(m.media_type));
        if !m.is_index() {
            out.insert("configMediaType".into(), json!(config_media_type(m)));
        }
        if let Some(artifact_type) = &m.artifact_type {
            out.insert("artifactType".into(), json!(artifact_type));
        }
        if m.is_index() {
            // ACR's `references` (the children, empty for a leaf manifest); platforms are the
            // seed's one architecture.
            let references: Vec<Value> = m
                .children
                .iter()
                .map(|d| json!({"digest": d, "architecture": m.architecture, "os": m.os}))
                .collect();
            out.insert("references".into(), json!(references));
        }
        // Real ACR drops the key for untagged manifests.
        if !tags.is_empty() {
            out.insert("tags".into(), json!(tags));
        }
        out.insert("changeableAttributes".into(), m.attributes.to_json());
        Value::Object(out)
    }

    pub fn manifest(&self, digest: &str) -> Option<&Manifest> {
        self.manifests.iter().find(|m| m.digest == digest)
    }

    /// A tag or a digest, resolved to its manifest.
    pub fn resolve(&self, reference: &str) -> Option<&Manifest> {
        if reference.starts_with("sha256:") {
            return self.manifest(reference);
        }
        let tag = self.tags.iter().find(|t| t.name == reference)?;
        self.manifest(&tag.digest)
    }

    /// The body `GET /v2/{repo}/manifests/{ref}` serves: an image manifest (config, one layer,
    /// and `subject`/`artifactType` for referrers) or an index (`manifests`, one descriptor per
    /// child). Deterministic, so its length is the descriptor size others see.
    pub fn manifest_body(&self, m: &Manifest) -> Vec<u8> {
        let mut out = serde_json::Map::new();
        out.insert("schemaVersion".into(), json!(2));
        out.insert("mediaType".into(), json!(m.media_type));
        if let Some(artifact_type) = &m.artifact_type {
            out.insert("artifactType".into(), json!(artifact_type));
        }
        if m.is_index() {
            let children: Vec<Value> = m
                .children
                .iter()
                .filter_map(|d| self.manifest(d))
                .map(|child| {
                    let mut d = self.descriptor(child);
                    d["platform"] = json!({"architecture": child.architecture, "os": child.os});
                    d
                })
                .collect();
            out.insert("manifests".into(), json!(children));
        } else {
            let (config_type, config_size) = match config_media_type(m) {
                media_type::OCI_EMPTY => (media_type::OCI_EMPTY, 2),
                other => (other, 1469),
            };
            let layer_type = if m.media_type == media_type::DOCKER_MANIFEST {
                media_type::DOCKER_LAYER
            } else {
                media_type::OCI_LAYER
            };
            out.insert(
                "config".into(),
                json!({"mediaType": config_type, "size": config_size,
                       "digest": crate::seed::digest(&format!("{}/config", m.digest))}),
            );
            out.insert(
                "layers".into(),
                json!([{"mediaType": layer_type, "size": m.image_size,
                        "digest": crate::seed::digest(&format!("{}/layer", m.digest))}]),
            );
        }
        if let Some(subject) = m.subject.as_deref().and_then(|d| self.manifest(d)) {
            out.insert("subject".into(), self.descriptor(subject));
        }
        serde_json::to_vec_pretty(&Value::Object(out)).expect("manifest JSON")
    }

    /// `{mediaType, digest, size}` of a manifest (plus `artifactType` for referrers).
    pub fn descriptor(&self, m: &Manifest) -> Value {
        let mut d =
            json!({"mediaType": m.media_type, "digest": m.digest, "size": self.manifest_body(m).len()});
        if let Some(artifact_type) = &m.artifact_type {
            d["artifactType"] = json!(artifact_type);
        }
        d
    }

    /// The manifests whose `subject` is `digest`, as the referrers API lists them.
    pub fn referrers_of(&self, digest: &str) -> Vec<&Manifest> {
        self.manifests.iter().filter(|m| m.subject.as_deref() == Some(digest)).collect()
    }

    pub fn tag_json(&self, t: &Tag) -> Value {
        json!({
            "name": t.name,
            "digest": t.digest,
            "createdTime": t.created,
            "lastUpdateTime": t.updated,
            "signed": false,
            "changeableAttributes": t.attributes.to_json(),
        })
    }

    pub fn attributes_json(&self, login_server: &str) -> Value {
        json!({
            "registry": login_server,
            "imageName": self.name,
            "createdTime": self.created,
            "lastUpdateTime": self.updated,
            "manifestCount": self.manifests.len(),
            "tagCount": self.tags.len(),
            "changeableAttributes": self.attributes.to_json(),
        })
    }
}

/// The config media type of an image manifest: an artifact's is the empty config.
fn config_media_type(m: &Manifest) -> &'static str {
    if m.artifact_type.is_some() {
        media_type::OCI_EMPTY
    } else if m.media_type == media_type::OCI_MANIFEST {
        media_type::OCI_CONFIG
    } else {
        media_type::DOCKER_CONFIG
    }
}

/// Who may do what. `repositories` maps a repository (or `*`) to its allowed actions.
#[derive(Clone, Debug)]
pub struct Identity {
    pub name: String,
    pub catalog: bool,
    pub repositories: Vec<(String, Vec<String>)>,
}

impl Identity {
    pub fn admin(name: &str) -> Identity {
        Identity {
            name: name.into(),
            catalog: true,
            repositories: vec![(
                "*".into(),
                [
                    "pull",
                    "push",
                    "delete",
                    "metadata_read",
                    "metadata_write",
                    "deleted_read",
                    "deleted_restore",
                ]
                .map(String::from)
                .to_vec(),
            )],
        }
    }

    pub fn allowed(&self, repository: &str) -> Vec<String> {
        self.repositories
            .iter()
            .filter(|(r, _)| r == "*" || r == repository)
            .flat_map(|(_, actions)| actions.clone())
            .collect()
    }
}

#[derive(Clone, Debug)]
pub struct User {
    pub username: String,
    pub password: String,
    pub identity: Identity,
}

/// Everything the emulator serves; cloned to reset between test cases.
#[derive(Clone, Debug)]
pub struct Seed {
    pub login_server: String,
    pub repositories: Vec<Repository>,
    pub users: Vec<User>,
    /// ACR refresh tokens that clients may use as passwords with the all-zero username.
    pub refresh_tokens: Vec<(String, Identity)>,
    /// Soft-deleted repositories: `{createdAt, deletedAt, repository}`.
    pub deleted: Vec<Value>,
    /// Entra access tokens accepted by `/oauth2/exchange`, with their tenant.
    pub aad_tokens: Vec<(String, String, Identity)>,
}

impl Seed {
    /// The registry's contents as a stable JSON document, for goldens of "state afterwards".
    pub fn snapshot(&self) -> Value {
        let mut repos: Vec<&Repository> = self.repositories.iter().collect();
        repos.sort_by(|a, b| a.name.cmp(&b.name));
        let repos: serde_json::Map<String, Value> = repos
            .into_iter()
            .map(|r| {
                let mut manifests: Vec<&Manifest> = r.manifests.iter().collect();
                manifests.sort_by(|a, b| a.digest.cmp(&b.digest));
                let manifests: Vec<Value> = manifests
                    .into_iter()
                    .map(|m| {
                        let tags: Vec<&str> = r.tags_of(&m.digest).iter().map(|t| t.name.as_str()).collect();
                        let tag_attributes: serde_json::Map<String, Value> = r
                            .tags_of(&m.digest)
                            .iter()
                            .map(|t| (t.name.clone(), t.attributes.to_json()))
                            .collect();
                        json!({
                            "digest": m.digest, "tags": tags, "lastUpdateTime": m.updated,
                            "attributes": m.attributes.to_json(), "tagAttributes": tag_attributes,
                        })
                    })
                    .collect();
                (r.name.clone(), json!({"attributes": r.attributes.to_json(), "manifests": manifests}))
            })
            .collect();
        json!({ "repositories": repos })
    }
}
