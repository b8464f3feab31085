//! `az acr repository untag`: removes a tag, keeping its manifest.

use super::{CommandResult, Context, connect, registry_name};
use crate::cli::CommandArgs;
use crate::error::AppError;
use crate::registry::reference::{Image, parse_image};
use crate::registry::{Access, paths, scope};

pub async fn run(ctx: &Context, args: &CommandArgs) -> CommandResult {
    let image = args.image.as_deref().unwrap_or_default();
    let Image::Tag { repository, tag } = parse_image(image, false).map_err(|m| AppError::Cli(m.into()))?
    else {
        unreachable!("tags only without digests")
    };
    let name = registry_name(ctx, &args.registry)?;
    let path = paths::acr_tag(&repository, &tag)?;
    let mut registry = connect(ctx, &args.registry, &name).await?;
    Ok(registry.delete(&path, &scope(&repository, Access::DeleteOnly)).await?)
}
