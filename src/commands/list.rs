//! `az acr repository list`: the registry's repositories.

use super::{CommandResult, Context, open};
use crate::cli::RegistryArgs;
use crate::output::Data;
use crate::registry::Page;

pub async fn run(ctx: &Context, registry_args: &RegistryArgs, top: Option<i64>) -> CommandResult {
    let mut registry = open(ctx, registry_args).await?;
    let repositories = registry.catalog(Page { top, orderby: None }).await?;
    Ok(Some(Data::List(repositories)))
}
