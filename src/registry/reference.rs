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
