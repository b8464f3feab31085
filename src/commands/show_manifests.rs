//! `az acr repository show-manifests` (deprecated in az, kept for the scripts that use it).

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{CommandResult, Context, open};
use crate::cli::RegistryArgs;
use crate::data::scalars_give;
use crate::output::Data;
use crate::registry::{Access, Page, Repository};

pub const DEPRECATION: &str = "This command has been deprecated and will be removed in a future release. Use 'acr manifest list-metadata' instead.";

pub async fn run(
    ctx: &Context,
    registry_args: &RegistryArgs,
    repository: &str,
    page: Page,
    detail: bool,
) -> CommandResult {
    let repository = Repository::new(repository)?;
    let mut registry = open(ctx, registry_args).await?;
    let manifests = if detail {
        registry.manifests::<Data>(&repository, page, Access::MetadataRead).await?
    } else {
        let summaries = registry.manifests::<Summary>(&repository, page, Access::MetadataRead).await?;
        summaries.into_iter().map(|s| s.0).collect()
    };
    Ok(Some(Data::List(manifests)))
}

/// az's three-key view of a manifest, decoded straight from the page: the fields az drops are
/// never built. A missing key gets a default, an explicit null stays.
pub struct Summary(pub Data);

impl Summary {
    fn new(digest: Option<Data>, tags: Option<Data>, timestamp: Option<Data>) -> Summary {
        Summary(Data::dict([
            ("digest", digest.unwrap_or_else(|| Data::Str("".into()))),
            ("tags", tags.unwrap_or(Data::List(Vec::new()))),
            ("timestamp", timestamp.unwrap_or_else(|| Data::Str("".into()))),
        ]))
    }

    /// What a manifest that is not an object shows.
    fn empty() -> Summary {
        Summary::new(None, None, None)
    }
}

impl<'de> Deserialize<'de> for Summary {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Summary, D::Error> {
        deserializer.deserialize_any(SummaryVisitor)
    }
}

struct SummaryVisitor;

impl<'de> Visitor<'de> for SummaryVisitor {
    type Value = Summary;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a manifest")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Summary, A::Error> {
        let (mut digest, mut tags, mut timestamp) = (None, None, None);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            // Python keeps the last of repeated keys.
            match &*key {
                "digest" => digest = Some(map.next_value()?),
                "tags" => tags = Some(map.next_value()?),
                "lastUpdateTime" => timestamp = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Summary::new(digest, tags, timestamp))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Summary, A::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(Summary::empty())
    }

    fn visit_unit<E>(self) -> Result<Summary, E> {
        Ok(Summary::empty())
    }

    scalars_give!(Summary, Summary::empty());
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(v: serde_json::Value) -> Data {
        Data::from(&v)
    }

    fn summary(v: serde_json::Value) -> Data {
        serde_json::from_str::<Summary>(&v.to_string()).unwrap().0
    }

    #[test]
    fn summaries_default_missing_keys() {
        assert_eq!(
            summary(
                json!({"digest": "sha256:a", "tags": ["v1"], "lastUpdateTime": "t", "imageSize": 3, "x": {"digest": 1}})
            ),
            d(json!({"digest": "sha256:a", "tags": ["v1"], "timestamp": "t"}))
        );
        assert_eq!(summary(json!({"imageSize": 1})), d(json!({"digest": "", "tags": [], "timestamp": ""})));
        assert_eq!(summary(json!({"tags": null})).get("tags"), Some(&Data::Null));
        assert_eq!(summary(json!(["digest"])), summary(json!({})));
        assert_eq!(
            serde_json::from_str::<Summary>(r#"{"digest": "a", "digest": "b"}"#).unwrap().0.get("digest"),
            Some(&d(json!("b")))
        );
    }
}
