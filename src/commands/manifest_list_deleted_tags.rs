//! `az acr manifest list-deleted-tags`: a repository's soft-deleted tags (one tag's, when the
//! name has one), each with the time the registry purges it (see `manifest_list_deleted`).

use super::manifest_list_deleted::with_expiry;
use super::{CommandResult, Context, connect, manifest_target, registry_name, soft_delete_retention_days};
use crate::cli::RegistryArgs;
use crate::output::Data;
use crate::registry::reference::FqdnKind;
use crate::registry::{Access, Repository};
use crate::settings::Spec;

pub async fn run(ctx: &Context, registry_args: &RegistryArgs, spec: &Spec) -> CommandResult {
    let (registry_args, image) = manifest_target(ctx, registry_args, spec, FqdnKind::ManifestTagOnly)?;
    let repository = Repository::new(&image.repository)?;
    let name = registry_name(ctx, &registry_args)?;
    let mut registry = connect(ctx, &registry_args, &name, None).await?;
    let mut tags = registry.deleted_tags(&repository, Access::DeletedRead).await?;
    if let Some(tag) = image.tag.as_deref().filter(|t| !t.is_empty()) {
        tags.retain(|t| t.get("tag").and_then(Data::as_str) == Some(tag));
    }
    let days = soft_delete_retention_days(ctx, &name).await?;
    Ok(Some(Data::List(with_expiry(tags, days)?)))
}
