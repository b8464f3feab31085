//! `az acr repository list-deleted` (preview in az): soft-deleted repositories.

use super::{CommandResult, Context, open};
use crate::cli::RegistryArgs;
use crate::output::Data;

pub const PREVIEW: &str = "This command is in preview and under development. Reference and support levels: https://aka.ms/CLI_refstatus";

pub async fn run(ctx: &Context, registry_args: &RegistryArgs) -> CommandResult {
    let mut registry = open(ctx, registry_args).await?;
    let deleted = registry.deleted_catalog().await?;
    Ok(Some(Data::List(deleted)))
}
