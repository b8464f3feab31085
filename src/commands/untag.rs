//! `az acr repository untag`: removes a tag, keeping its manifest.

use super::{CommandResult, Context, open};
use crate::cli::RegistryArgs;
use crate::error::AppError;
use crate::registry::Item;
use crate::registry::reference::parse_image;

pub async fn run(ctx: &Context, registry_args: &RegistryArgs, image: &str) -> CommandResult {
    // Without digests allowed, az's parser only ever yields a tag.
    let Item::Tag(repository, tag) =
        parse_image(image, false).map_err(|m| AppError::Cli(m.into()))?.item()?
    else {
        return Err(AppError::Cli(crate::registry::reference::IMAGE_FORMAT_TAG_ONLY.into()));
    };
    let mut registry = open(ctx, registry_args).await?;
    Ok(registry.delete_tag(&repository, &tag).await?)
}
