//! Registry names, login servers and image references, with az's rules and messages.

use super::{Item, Reference, RegistryError, Repository};

/// AzureCloud's login-server suffix (`cloud::Cloud::acr_suffix` is the current cloud's).
#[cfg(test)]
const CLOUD_SUFFIX: &str = ".azurecr.io";

const NAME_RULE: &str =
    "Registry names may contain only alpha numeric characters and must be between 5 and 50 characters";

#[derive(Debug, PartialEq)]
pub struct RegistryName {
    pub name: String,
    /// az's WARNING when a login-server suffix (and DNL hash) was stripped.
    pub warning: Option<String>,
}

/// az's registry-name validator: strips the cloud's suffix (`cloud_suffix`, `.azurecr.io`)
/// and any DNL hash, then checks the name.
pub fn validate_registry_name(raw: &str, cloud_suffix: &str) -> Result<RegistryName, String> {
    let (first, suffix) = match raw.find('.') {
        Some(i) => (&raw[..i], &raw[i..]),
        None => (raw, ""),
    };
    let mut warning = None;
    let name = if suffix.is_empty() {
        if first.contains('-') {
            return Err(NAME_RULE.into());
        }
        first.to_string()
    } else if suffix.to_lowercase() == cloud_suffix.to_lowercase() {
        let (name, hash) = match first.find('-') {
            Some(i) => (&first[..i], &first[i..]),
            None => (first, ""),
        };
        warning = Some(format!(
            "Registry name is '{name}'. The following suffix '{hash}{suffix}' is automatically omitted."
        ));
        name.to_string()
    } else {
        return Err(format!(
            "The login server suffix is not valid for the current cloud. Please try again using '{cloud_suffix}'."
        ));
    };
    let valid = (5..=50).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !valid {
        return Err(NAME_RULE.into());
    }
    Ok(RegistryName { name, warning })
}

/// The login server az falls back to when it cannot look the registry up in ARM.
pub fn login_server(name: &str, tenant_suffix: Option<&str>, cloud_suffix: &str) -> String {
    match tenant_suffix {
        Some(s) if !s.is_empty() => format!("{name}-{s}{cloud_suffix}").to_lowercase(),
        _ => format!("{name}{cloud_suffix}").to_lowercase(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Image {
    Tag { repository: String, tag: String },
    Digest { repository: String, digest: String },
}

impl Image {
    pub fn repository(&self) -> &str {
        match self {
            Image::Tag { repository, .. } | Image::Digest { repository, .. } => repository,
        }
    }

    /// The tag or manifest the image names, checked and encoded for requests.
    pub fn item(&self) -> Result<Item, RegistryError> {
        Ok(match self {
            Image::Tag { repository, tag } => Item::Tag(Repository::new(repository)?, Reference::new(tag)?),
            Image::Digest { repository, digest } => {
                Item::Manifest(Repository::new(repository)?, Reference::new(digest)?)
            }
        })
    }
}

pub const IMAGE_FORMAT_WITH_DIGEST: &str =
    "The name of the image may include a tag in the format 'name:tag' or digest in the format 'name@digest'.";
pub const IMAGE_FORMAT_TAG_ONLY: &str = "The name of the image may include a tag in the format 'name:tag'.";

/// Splits `--image` the way az does: `repo@digest`, `repo:tag`, or `repo` (tag `latest`).
pub fn parse_image(image: &str, allow_digest: bool) -> Result<Image, &'static str> {
    let error = if allow_digest { IMAGE_FORMAT_WITH_DIGEST } else { IMAGE_FORMAT_TAG_ONLY };
    if allow_digest && image.contains('@') {
        let parts: Vec<&str> = image.split('@').collect();
        if parts.len() == 2 {
            return Ok(Image::Digest { repository: parts[0].into(), digest: parts[1].into() });
        }
    }
    if image.contains(':') && !image.contains('@') {
        let parts: Vec<&str> = image.split(':').collect();
        if parts.len() == 2 {
            return Ok(Image::Tag { repository: parts[0].into(), tag: parts[1].into() });
        }
    }
    if !image.contains(':') && !image.contains('@') {
        return Ok(Image::Tag { repository: image.into(), tag: "latest".into() });
    }
    Err(error)
}

pub const BAD_REPO_FQDN: &str = "The positional parameter 'repo_id' must be a fully qualified repository specifier such as 'myregistry.azurecr.io/hello-world'.";
pub const BAD_PERM_REPO_FQDN: &str = "The positional parameter 'perm_repo_id' must be a fully qualified repository specifier such as 'myregistry.azurecr.io/hello-world'. It may optionally specify a tag such as 'myregistry.azurecr.io/hello-world:latest'.";
pub const BAD_MANIFEST_FQDN: &str = "The positional parameter 'manifest_id' must be a fully qualified manifest specifier such as 'myregistry.azurecr.io/hello-world:latest' or 'myregistry.azurecr.io/hello-world@sha256:abc123'.";

/// A repository and, if named, a tag or digest: az's `parse_image_name` result.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageName {
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

/// az's `parse_image_name(image, allow_digest, default_latest)`.
pub fn parse_image_name(
    image: &str,
    allow_digest: bool,
    default_latest: bool,
) -> Result<ImageName, &'static str> {
    let name = |repository: &str, tag: Option<&str>, digest: Option<&str>| ImageName {
        repository: repository.into(),
        tag: tag.map(String::from),
        digest: digest.map(String::from),
    };
    if allow_digest && image.contains('@') {
        let parts: Vec<&str> = image.split('@').collect();
        if parts.len() == 2 {
            return Ok(name(parts[0], None, Some(parts[1])));
        }
    }
    if image.contains(':') && !image.contains('@') {
        let parts: Vec<&str> = image.split(':').collect();
        if parts.len() == 2 {
            return Ok(name(parts[0], Some(parts[1]), None));
        }
    }
    if !image.contains(':') && !image.contains('@') {
        return Ok(name(image, default_latest.then_some("latest"), None));
    }
    Err(if allow_digest { IMAGE_FORMAT_WITH_DIGEST } else { IMAGE_FORMAT_TAG_ONLY })
}

/// What an `acr manifest` positional names, and so which checks az makes of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FqdnKind {
    /// `repo_id`: a repository, no tag or digest.
    Repository,
    /// `perm_repo_id`: a repository, optionally with a tag (no default tag).
    RepositoryMaybeTag,
    /// `manifest_id`: a tag (default `latest`) or a digest.
    Manifest,
    /// `manifest_id` of `restore`: a tag (default `latest`), no digest.
    ManifestTagOnly,
}

fn fqdn_error(kind: FqdnKind) -> &'static str {
    match kind {
        FqdnKind::Repository => BAD_REPO_FQDN,
        FqdnKind::RepositoryMaybeTag => BAD_PERM_REPO_FQDN,
        FqdnKind::Manifest | FqdnKind::ManifestTagOnly => BAD_MANIFEST_FQDN,
    }
}

/// The positional's validator (az runs it while parsing, before the command's own checks).
pub fn validate_fqdn(fqdn: &str, kind: FqdnKind) -> Result<(), String> {
    if !fqdn.contains('.')
        || !fqdn.contains('/')
        || (kind == FqdnKind::RepositoryMaybeTag && fqdn.contains('@'))
    {
        return Err(fqdn_error(kind).into());
    }
    Ok(())
}

/// az's checks and split of an `acr manifest` positional
/// (`[https://]myregistry.azurecr.io/repo[:tag|@digest]`): the validator's, then the parser's.
/// Returns the registry name and the image.
pub fn parse_fqdn(fqdn: &str, kind: FqdnKind, cloud_suffix: &str) -> Result<(String, ImageName), String> {
    validate_fqdn(fqdn, kind)?;
    let bad = fqdn_error(kind);
    let id = fqdn.strip_prefix("https://").unwrap_or(fqdn);
    let (address, spec) = id.split_once('/').ok_or(bad)?;
    let (name, suffix) = address.split_once('.').ok_or(bad)?;
    let suffix = format!(".{suffix}");
    if suffix != cloud_suffix {
        return Err(format!(
            "Provided registry suffix '{suffix}' does not match the configured az cli acr login server suffix '{cloud_suffix}'. Check the 'acrLoginServerEndpoint' value when running 'az cloud show'."
        ));
    }
    if kind == FqdnKind::Repository && spec.contains(':') {
        return Err("The positional parameter 'repo_id' should not include a tag or digest.".into());
    }
    let (allow_digest, default_latest) = match kind {
        FqdnKind::Repository | FqdnKind::Manifest => (true, true),
        FqdnKind::RepositoryMaybeTag => (false, false),
        FqdnKind::ManifestTagOnly => (false, true),
    };
    let image = parse_image_name(spec, allow_digest, default_latest)?;
    Ok((name.to_string(), image))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_az_validates_them() {
        assert_eq!(validate_registry_name("myregistry", CLOUD_SUFFIX).unwrap().name, "myregistry");
        let r = validate_registry_name("MyRegistry-abcd1234.AZURECR.IO", CLOUD_SUFFIX).unwrap();
        assert_eq!(r.name, "MyRegistry");
        assert_eq!(
            r.warning.unwrap(),
            "Registry name is 'MyRegistry'. The following suffix '-abcd1234.AZURECR.IO' is automatically omitted."
        );
        assert_eq!(validate_registry_name("myregistry-hash123", CLOUD_SUFFIX).unwrap_err(), NAME_RULE);
        assert!(
            validate_registry_name("test.invalid.suffix", CLOUD_SUFFIX)
                .unwrap_err()
                .contains("suffix is not valid")
        );
        assert!(validate_registry_name("registry.azurecr.io124567", CLOUD_SUFFIX).is_err());
        assert_eq!(validate_registry_name("abcd", CLOUD_SUFFIX).unwrap_err(), NAME_RULE);
        assert!(validate_registry_name(&"a".repeat(50), CLOUD_SUFFIX).is_ok());
        assert!(validate_registry_name(&"a".repeat(51), CLOUD_SUFFIX).is_err());
        assert_eq!(login_server("MyRegistry", None, CLOUD_SUFFIX), "myregistry.azurecr.io");
        assert_eq!(login_server("MyRegistry", Some("Tenant"), CLOUD_SUFFIX), "myregistry-tenant.azurecr.io");
        // Another cloud's suffix.
        assert_eq!(validate_registry_name("reg12345.azurecr.cn", ".azurecr.cn").unwrap().name, "reg12345");
        assert_eq!(
            validate_registry_name("reg12345.azurecr.io", ".azurecr.cn").unwrap_err(),
            "The login server suffix is not valid for the current cloud. Please try again using '.azurecr.cn'."
        );
        assert_eq!(login_server("Reg12345", None, ".azurecr.us"), "reg12345.azurecr.us");
    }

    #[test]
    fn fully_qualified_names_as_az_splits_them() {
        let (name, image) =
            parse_fqdn("https://myregistry.azurecr.io/a/b@sha256:x", FqdnKind::Manifest, CLOUD_SUFFIX)
                .unwrap();
        assert_eq!(name, "myregistry");
        assert_eq!(
            (image.repository.as_str(), image.tag, image.digest.as_deref()),
            ("a/b", None, Some("sha256:x"))
        );
        let (_, image) = parse_fqdn("myregistry.azurecr.io/a", FqdnKind::Manifest, CLOUD_SUFFIX).unwrap();
        assert_eq!(image.tag.as_deref(), Some("latest"));
        let (_, image) =
            parse_fqdn("myregistry.azurecr.io/a", FqdnKind::RepositoryMaybeTag, CLOUD_SUFFIX).unwrap();
        assert_eq!(image.tag, None);
        assert_eq!(
            parse_fqdn("myregistry.azurecr.io", FqdnKind::Manifest, CLOUD_SUFFIX).unwrap_err(),
            BAD_MANIFEST_FQDN
        );
        assert_eq!(parse_fqdn("repo:tag", FqdnKind::Manifest, CLOUD_SUFFIX).unwrap_err(), BAD_MANIFEST_FQDN);
        assert_eq!(
            parse_fqdn("r.azurecr.io/a@sha256:x", FqdnKind::RepositoryMaybeTag, CLOUD_SUFFIX).unwrap_err(),
            BAD_PERM_REPO_FQDN
        );
        assert!(
            parse_fqdn("r.azurecr.io/a:v1", FqdnKind::Repository, CLOUD_SUFFIX)
                .unwrap_err()
                .contains("should not include")
        );
        assert!(
            parse_fqdn("r.azurecr.cn/a", FqdnKind::Repository, CLOUD_SUFFIX)
                .unwrap_err()
                .contains("'.azurecr.cn'")
        );
        assert_eq!(
            parse_fqdn("r.azurecr.io/a:b:c", FqdnKind::Manifest, CLOUD_SUFFIX).unwrap_err(),
            IMAGE_FORMAT_WITH_DIGEST
        );
        assert_eq!(
            parse_fqdn("r.azurecr.io/a@sha256:x", FqdnKind::ManifestTagOnly, CLOUD_SUFFIX).unwrap_err(),
            IMAGE_FORMAT_TAG_ONLY
        );
    }

    #[test]
    fn images_as_az_parses_them() {
        let tag = |r: &str, t: &str| Image::Tag { repository: r.into(), tag: t.into() };
        assert_eq!(parse_image("a/b", true), Ok(tag("a/b", "latest")));
        assert_eq!(parse_image("a:v1", true), Ok(tag("a", "v1")));
        assert_eq!(
            parse_image("repo:tag@sha256:x", true),
            Ok(Image::Digest { repository: "repo:tag".into(), digest: "sha256:x".into() })
        );
        assert_eq!(
            parse_image("repo@", true),
            Ok(Image::Digest { repository: "repo".into(), digest: "".into() })
        );
        assert_eq!(parse_image("a:b:c", true), Err(IMAGE_FORMAT_WITH_DIGEST));
        assert_eq!(parse_image("a@b@c", true), Err(IMAGE_FORMAT_WITH_DIGEST));
        assert_eq!(parse_image("a@sha256:x", false), Err(IMAGE_FORMAT_TAG_ONLY));
    }
}
