//! `az acr manifest list`: the bodies of a repository's manifests, in the listing's order
//! (one request for the listing's pages, then one per manifest).

use serde::Deserialize;

use super::{CommandResult, Context, manifest_target, open, table_row};
use crate::cli::RegistryArgs;
use crate::output::Data;
use crate::registry::reference::FqdnKind;
use crate::registry::{Access, Page, Reference, Repository};
use crate::settings::Spec;

/// What the listing is read for: each manifest's digest.
#[derive(Deserialize)]
struct Listed {
    digest: String,
}

pub async fn run(ctx: &Context, registry_args: &RegistryArgs, spec: &Spec, page: Page) -> CommandResult {
    let (registry_args, image) = manifest_target(ctx, registry_args, spec, FqdnKind::Repository)?;
    let repository = Repository::new(&image.repository)?;
    let mut registry = open(ctx, &registry_args).await?;
    let listed: Vec<Listed> = registry.manifests(&repository, page, Access::PullMetadataRead).await?;
    let mut manifests = Vec::with_capacity(listed.len());
    for Listed { digest } in listed {
        let body =
            registry.manifest_body(&repository, &Reference::new(&digest)?, Access::PullMetadataRead).await?;
        manifests.push(super::manifest_show::decode(&body)?);
    }
    Ok(Some(Data::List(manifests)))
}

/// az's table for `-o table` (without `--query`).
pub fn table(result: &Data) -> Data {
    let rows = match result.resolved() {
        Data::List(items) => items
            .iter()
            .map(|m| {
                table_row(
                    m,
                    &[
                        ("MediaType", &["mediaType"]),
                        ("ArtifactType", &["artifactType"]),
                        ("SubjectDigest", &["subject", "digest"]),
                    ],
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    Data::List(rows)
}
