//! `az acr repository delete`: a manifest (by tag or digest) or a whole repository, after
//! confirmation.

use super::{CommandResult, Context, Target, connect, registry_name, target};
use crate::cli::CommandArgs;
use crate::error::AppError;
use crate::output::Data;
use crate::registry::reference::{IMAGE_FORMAT_WITH_DIGEST, Image};
use crate::registry::{Access, Registry, scope};

pub async fn run(ctx: &Context, args: &CommandArgs) -> CommandResult {
    let target = target(args)?;
    if let Target::Image(Image::Digest { digest, .. }) = &target
        && digest.is_empty()
    {
        // az reads `repo@` as "no image" and deletes the whole repository; azacr refuses.
        return Err(AppError::Cli(IMAGE_FORMAT_WITH_DIGEST.into()));
    }
    let name = registry_name(ctx, &args.registry)?;
    let mut registry = connect(ctx, &args.registry, &name).await?;
    match target {
        Target::Repository(repo) => {
            if !args.yes {
                confirm(
                    ctx,
                    format!(
                        "Are you sure you want to delete the repository '{repo}' and all images under it?"
                    ),
                )
                .await?;
            }
            Ok(registry.delete(&format!("/acr/v1/{repo}"), &scope(&repo, Access::Delete)).await?)
        }
        Target::Image(image) => delete_image(ctx, &mut registry, &image, args.yes).await,
    }
}

async fn delete_image(ctx: &Context, registry: &mut Registry, image: &Image, yes: bool) -> CommandResult {
    let repo = image.repository();
    let scope = scope(repo, Access::Delete);
    let digest = match image {
        Image::Digest { digest, .. } => digest.clone(),
        Image::Tag { tag, .. } => {
            let attributes =
                registry.get(&format!("/acr/v1/{repo}/_tags/{tag}"), &scope, Some("tag")).await?;
            match attributes.get("digest").and_then(Data::as_str) {
                Some(d) if !d.is_empty() => d.to_string(),
                _ => {
                    return Err(AppError::Cli(format!(
                        "Could not get the manifest digest for image '{repo}:{tag}'."
                    )));
                }
            }
        }
    };
    let tags: Vec<Data> = registry.list(&format!("/acr/v1/{repo}/_tags"), &scope, "tags", None, None).await?;
    let mut message = format!("This operation will delete the manifest '{digest}'");
    let sharing: Vec<String> = tags
        .iter()
        .filter(|t| t.get("digest").and_then(Data::as_str) == Some(digest.as_str()))
        .map(|t| format!("'{repo}:{}'", t.get("name").and_then(Data::as_str).unwrap_or_default()))
        .collect();
    if !sharing.is_empty() {
        message.push_str(" and all the following images: ");
        message.push_str(&sharing.join(", "));
    }
    if yes {
        ctx.ui.warn(&message);
    } else {
        confirm(ctx, format!("{message}.\nAre you sure you want to continue?")).await?;
    }
    Ok(registry.delete(&format!("/v2/{repo}/manifests/{digest}"), &scope).await?)
}

/// Asks on a blocking thread, so that Ctrl-C is still noticed while waiting for an answer.
async fn confirm(ctx: &Context, question: String) -> Result<(), AppError> {
    let ui = ctx.ui.clone();
    tokio::task::spawn_blocking(move || crate::prompt::confirm(&ui, &question))
        .await
        .map_err(|_| AppError::Interrupted)?
}
