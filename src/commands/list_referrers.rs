//! `az acr manifest list-referrers`: the OCI referrers (signatures, SBOMs, …) of a manifest;
//! `--recursive`: theirs too, each level after the one before.

use std::collections::HashSet;

use super::{CommandResult, Context, digest_of, image_item, manifest_target, open, table_row};
use crate::cli::RegistryArgs;
use crate::output::Data;
use crate::registry::reference::FqdnKind;
use crate::registry::{Reference, RegistryError};
use crate::settings::Spec;

pub async fn run(
    ctx: &Context,
    registry_args: &RegistryArgs,
    spec: &Spec,
    artifact_type: Option<&str>,
    recursive: bool,
) -> CommandResult {
    let (registry_args, image) = manifest_target(ctx, registry_args, spec, FqdnKind::Manifest)?;
    let item = image_item(&image)?;
    let mut registry = open(ctx, &registry_args).await?;
    let (repository, digest) = digest_of(ctx, &mut registry, item).await?;
    let mut referrers = registry.referrers(&repository, &digest, artifact_type).await?;
    if recursive {
        // Each referrer's own referrers (of any type) are appended, and visited in turn; a
        // digest is asked about once (a registry's answers cannot make this loop for ever).
        let mut asked = HashSet::from([digest.as_str().to_string()]);
        let mut next = 0;
        while next < referrers.len() {
            let found = referrers[next].get("digest").and_then(Data::as_str).map(String::from);
            next += 1;
            let digest = found.ok_or_else(|| RegistryError::MissingKey("digest".into()))?;
            if !asked.insert(digest.clone()) {
                continue;
            }
            let more = registry.referrers(&repository, &Reference::new(&digest)?, None).await?;
            referrers.extend(more);
        }
    }
    Ok(Some(Data::dict([("manifests", Data::List(referrers))])))
}

/// az's table for `-o table` (without `--query`).
pub fn table(result: &Data) -> Data {
    let rows = match result.get("manifests").map(Data::resolved) {
        Some(Data::List(items)) => items
            .iter()
            .map(|m| {
                table_row(
                    m,
                    &[
                        ("Digest", &["digest"]),
                        ("ArtifactType", &["artifactType"]),
                        ("MediaType", &["mediaType"]),
                        ("Size", &["size"]),
                    ],
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    Data::List(rows)
}
