//! `az acr repository show-manifests` (deprecated in az, kept for the scripts that use it).

use super::{CommandResult, Context, connect, registry_name};
use crate::cli::CommandArgs;
use crate::output::Data;
use crate::registry::{Access, scope};

pub const DEPRECATION: &str = "This command has been deprecated and will be removed in a future release. Use 'acr manifest list-metadata' instead.";

pub async fn run(ctx: &Context, args: &CommandArgs) -> CommandResult {
    let name = registry_name(ctx, &args.registry)?;
    let mut registry = connect(ctx, &args.registry, &name).await?;
    let repo = args.repository.as_deref().unwrap_or_default();
    let manifests = registry
        .list(
            &format!("/acr/v1/{repo}/_manifests"),
            &scope(repo, Access::MetadataRead),
            "manifests",
            args.top,
            args.orderby.map(|o| o.wire()),
        )
        .await?;
    if args.detail {
        return Ok(Some(Data::List(manifests)));
    }
    Ok(Some(Data::List(manifests.into_iter().map(summary).collect())))
}

/// az's three-key view of a manifest; a missing key gets a default, an explicit null stays.
fn summary(mut manifest: Data) -> Data {
    let mut pick = |key: &str, default: Data| manifest.take(key).unwrap_or(default);
    let digest = pick("digest", Data::Str("".into()));
    let tags = pick("tags", Data::List(Vec::new()));
    let timestamp = pick("lastUpdateTime", Data::Str("".into()));
    Data::dict([("digest", digest), ("tags", tags), ("timestamp", timestamp)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(v: serde_json::Value) -> Data {
        Data::from(&v)
    }

    #[test]
    fn summaries_default_missing_keys() {
        assert_eq!(
            summary(d(json!({"digest": "sha256:a", "tags": ["v1"], "lastUpdateTime": "t", "imageSize": 3}))),
            d(json!({"digest": "sha256:a", "tags": ["v1"], "timestamp": "t"}))
        );
        assert_eq!(
            summary(d(json!({"imageSize": 1}))),
            d(json!({"digest": "", "tags": [], "timestamp": ""}))
        );
        assert_eq!(summary(d(json!({"tags": null}))).get("tags"), Some(&Data::Null));
    }
}
