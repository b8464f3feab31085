//! `az acr manifest list-metadata` (and the deprecated `acr manifest metadata list`): a
//! repository's manifests as the registry describes them (where show-manifests' deprecation
//! warning sends its users).

use super::{CommandResult, Context, manifest_target, open};
use crate::cli::RegistryArgs;
use crate::output::Data;
use crate::registry::reference::FqdnKind;
use crate::registry::{Access, Page, Repository};
use crate::settings::Spec;

pub const PREVIEW: &str = "Command group 'acr manifest' is in preview and under development. Reference and support levels: https://aka.ms/CLI_refstatus";

pub async fn run(ctx: &Context, registry_args: &RegistryArgs, spec: &Spec, page: Page) -> CommandResult {
    let (registry_args, image) = manifest_target(ctx, registry_args, spec, FqdnKind::Repository)?;
    let repository = Repository::new(&image.repository)?;
    let mut registry = open(ctx, &registry_args).await?;
    let manifests = registry.manifests(&repository, page, Access::MetadataRead).await?;
    Ok(Some(Data::List(manifests)))
}
