//! `az acr repository untag`: removes a tag, keeping its manifest.

use super::{CommandResult, Context, connect, registry_name};
use crate::cli::CommandArgs;
use crate::error::AppError;
use crate::registry::Item;
use crate::registry::reference::parse_image;

pub async fn run(ctx: &Context, args: &CommandArgs) -> CommandResult {
    let image = args.image.as_deref().unwrap_or_default();
    // Without digests allowed, az's parser only ever yields a tag.
    let Item::Tag(repository, tag) =
        parse_image(image, false).map_err(|m| AppError::Cli(m.into()))?.item()?
    else {
        return Err(AppError::Cli(crate::registry::reference::IMAGE_FORMAT_TAG_ONLY.into()));
    };
    let name = registry_name(ctx, &args.registry)?;
    let mut registry = connect(ctx, &args.registry, &name).await?;
    Ok(registry.delete_tag(&repository, &tag).await?)
}
