//! `az acr repository show-manifests` (deprecated in az, kept for the scripts that use it).

use serde_json::{Map, Value};

use super::{CommandResult, Context, connect, registry_name};
use crate::cli::ShowManifestsArgs;
use crate::registry::{Access, scope};

pub const DEPRECATION: &str = "This command has been deprecated and will be removed in a future release. Use 'acr manifest list-metadata' instead.";

pub async fn run(ctx: &Context, args: &ShowManifestsArgs) -> CommandResult {
    let name = registry_name(ctx, &args.registry)?;
    let mut registry = connect(ctx, &args.registry, &name).await?;
    let repo = &args.repository;
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
        return Ok(Some(Value::Array(manifests)));
    }
    Ok(Some(Value::Array(manifests.iter().map(summary).collect())))
}

/// az's three-key view of a manifest; a missing key gets a default, an explicit null stays.
fn summary(manifest: &Value) -> Value {
    let pick = |key: &str, default: Value| manifest.get(key).cloned().unwrap_or(default);
    let mut out = Map::new();
    out.insert("digest".into(), pick("digest", Value::String(String::new())));
    out.insert("tags".into(), pick("tags", Value::Array(Vec::new())));
    out.insert("timestamp".into(), pick("lastUpdateTime", Value::String(String::new())));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn summaries_default_missing_keys() {
        assert_eq!(
            summary(&json!({"digest": "sha256:a", "tags": ["v1"], "lastUpdateTime": "t", "imageSize": 3})),
            json!({"digest": "sha256:a", "tags": ["v1"], "timestamp": "t"})
        );
        assert_eq!(summary(&json!({"imageSize": 1})), json!({"digest": "", "tags": [], "timestamp": ""}));
        assert_eq!(summary(&json!({"tags": null}))["tags"], Value::Null);
    }
}
