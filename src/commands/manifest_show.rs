//! `az acr manifest show`: a manifest's body, by tag or digest; `--raw`: byte for byte as the
//! registry sent it (so that it hashes to its digest).

use super::{CommandResult, Context, image_item, manifest_target, open};
use crate::cli::RegistryArgs;
use crate::error::AppError;
use crate::output::Data;
use crate::registry::reference::FqdnKind;
use crate::registry::{Access, Item, RegistryError};
use crate::settings::Spec;

pub async fn run(ctx: &Context, registry_args: &RegistryArgs, spec: &Spec, raw: bool) -> CommandResult {
    let (registry_args, image) = manifest_target(ctx, registry_args, spec, FqdnKind::Manifest)?;
    let (repository, reference) = match image_item(&image)? {
        Item::Tag(repository, reference) | Item::Manifest(repository, reference) => (repository, reference),
        Item::Repository(_) => unreachable!("image_item names a tag or a manifest"),
    };
    let mut registry = open(ctx, &registry_args).await?;
    let body = match registry.manifest_body(&repository, &reference, Access::Pull).await {
        // A show command in az: a missing manifest exits with 3.
        Err(e) if e.http_status() == Some(404) => return Err(AppError::ShowNotFound(e)),
        other => other?,
    };
    if raw {
        // az prints the text itself, without a newline, and nothing else.
        ctx.ui.print(&String::from_utf8_lossy(&body)).map_err(AppError::Output)?;
        return Ok(None);
    }
    Ok(Some(decode(&body)?))
}

/// A manifest body as Python's `response.json()` reads it.
pub fn decode(body: &[u8]) -> Result<Data, RegistryError> {
    Data::from_json(body).map_err(|e| RegistryError::Decode(e.to_string()))
}
