//! `az acr repository list`: the registry's repositories.

use super::{CommandResult, Context, connect, registry_name};
use crate::cli::RegistryArgs;
use crate::output::Data;
use crate::registry::Page;

pub async fn run(ctx: &Context, registry_args: &RegistryArgs, top: Option<i64>) -> CommandResult {
    let name = registry_name(ctx, registry_args)?;
    let mut registry = connect(ctx, registry_args, &name).await?;
    let repositories = registry.catalog(Page { top, orderby: None }).await?;
    Ok(Some(Data::List(repositories)))
}
