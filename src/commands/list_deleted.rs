//! `az acr repository list-deleted` (preview in az): soft-deleted repositories.

use super::{CommandResult, Context, connect, registry_name};
use crate::cli::CommandArgs;
use crate::output::Data;

pub const PREVIEW: &str = "This command is in preview and under development. Reference and support levels: https://aka.ms/CLI_refstatus";

pub async fn run(ctx: &Context, args: &CommandArgs) -> CommandResult {
    let name = registry_name(ctx, &args.registry)?;
    let mut registry = connect(ctx, &args.registry, &name).await?;
    let deleted = registry.deleted_catalog().await?;
    Ok(Some(Data::List(deleted)))
}
