//! `az acr repository delete`: a manifest (by tag or digest) or a whole repository, after
//! confirmation.

use super::{CommandResult, Context, Target, connect, registry_name, target};
use crate::cli::CommandArgs;
use crate::error::AppError;
use crate::output::Data;
use crate::registry::reference::{IMAGE_FORMAT_WITH_DIGEST, Image};
use crate::registry::{Access, Registry, paths, scope};

pub async fn run(ctx: &Context, args: &CommandArgs) -> CommandResult {
    let target = target(args)?;
    if let Target::Image(Image::Digest { digest, .. }) = &target
        && digest.is_empty()
    {
        // az reads `repo@` as "no image" and deletes the whole repository; azacr refuses.
        return Err(AppError::Cli(IMAGE_FORMAT_WITH_DIGEST.into()));
    }
    let name = registry_name(ctx, &args.registry)?;
    match target {
        Target::Repository(repo) => {
            let path = paths::acr_repository(&repo)?;
            let mut registry = connect(ctx, &args.registry, &name).await?;
            if !args.yes {
                confirm(
                    ctx,
                    format!(
                        "Are you sure you want to delete the repository '{repo}' and all images under it?"
                    ),
                )
                .await?;
            }
            Ok(registry.delete(&path, &scope(&repo, Access::Delete)).await?)
        }
        Target::Image(image) => {
            let plan = ImagePlan::new(&image)?;
            let mut registry = connect(ctx, &args.registry, &name).await?;
            delete_image(ctx, &mut registry, image.repository(), plan, args.yes).await
        }
    }
}

/// The paths an image's deletion uses, built before any request from what the user typed.
struct ImagePlan {
    tags: String,
    manifest: Manifest,
}

enum Manifest {
    /// The digest was typed: the manifest's DELETE path is known.
    Digest { digest: String, delete: String },
    /// A tag: its attributes are read for the digest.
    Tag { tag: String, attributes: String },
}

impl ImagePlan {
    fn new(image: &Image) -> Result<ImagePlan, AppError> {
        let manifest = match image {
            Image::Tag { repository, tag } => {
                Manifest::Tag { tag: tag.clone(), attributes: paths::acr_tag(repository, tag)? }
            }
            Image::Digest { repository, digest } => {
                Manifest::Digest { digest: digest.clone(), delete: paths::v2_manifest(repository, digest)? }
            }
        };
        Ok(ImagePlan { tags: paths::acr_tags(image.repository())?, manifest })
    }
}

async fn delete_image(
    ctx: &Context,
    registry: &mut Registry,
    repo: &str,
    plan: ImagePlan,
    yes: bool,
) -> CommandResult {
    let scope = scope(repo, Access::Delete);
    let (digest, delete) = match plan.manifest {
        Manifest::Digest { digest, delete } => (digest, Some(delete)),
        Manifest::Tag { tag, attributes } => {
            let attributes = registry.get(&attributes, &scope, Some("tag")).await?;
            match attributes.get("digest").and_then(Data::as_str) {
                Some(d) if !d.is_empty() => (d.to_string(), None),
                _ => {
                    return Err(AppError::Cli(format!(
                        "Could not get the manifest digest for image '{repo}:{tag}'."
                    )));
                }
            }
        }
    };
    let tags: Vec<Data> = registry.list(&plan.tags, &scope, "tags", None, None).await?;
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
    let delete = match delete {
        Some(path) => path,
        None => paths::v2_manifest(repo, &digest)?,
    };
    if yes {
        ctx.ui.warn(&message);
    } else {
        confirm(ctx, format!("{message}.\nAre you sure you want to continue?")).await?;
    }
    Ok(registry.delete(&delete, &scope).await?)
}

/// Asks on a blocking thread, so that Ctrl-C is still noticed while waiting for an answer.
async fn confirm(ctx: &Context, question: String) -> Result<(), AppError> {
    let ui = ctx.ui.clone();
    tokio::task::spawn_blocking(move || crate::prompt::confirm(&ui, &question))
        .await
        .map_err(|_| AppError::Interrupted)?
}
