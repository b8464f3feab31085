//! `az acr repository show-tags`: a repository's tags, with az's fallback for classic
//! registries (which answer 405 to the ACR tag listing).

use super::{CommandResult, Context, open};
use crate::cli::RegistryArgs;
use crate::output::Data;
use crate::registry::{Access, Page, Repository};

pub async fn run(
    ctx: &Context,
    registry_args: &RegistryArgs,
    repository: &str,
    page: Page,
    detail: bool,
) -> CommandResult {
    let repository = Repository::new(repository)?;
    let mut registry = open(ctx, registry_args).await?;
    match registry.tags(&repository, page, Access::MetadataRead).await {
        Ok(tags) if detail => Ok(Some(Data::List(tags))),
        Ok(tags) => {
            Ok(Some(Data::List(tags.into_iter().map(|mut t| t.take("name").unwrap_or(Data::Null)).collect())))
        }
        Err(e) if e.http_status() == Some(405) => {
            let ignored = |flag: &str| {
                format!("The specified {flag} is ignored as it is only supported for managed registries.")
            };
            if detail {
                ctx.ui.warn(&ignored("--detail"));
            }
            if page.top.is_some_and(|t| t != 0) {
                ctx.ui.warn(&ignored("--top"));
            }
            if page.orderby.is_some() {
                ctx.ui.warn(&ignored("--orderby"));
            }
            let tags = registry.docker_tags(&repository).await?;
            Ok(Some(Data::List(tags)))
        }
        Err(e) => Err(e.into()),
    }
}
