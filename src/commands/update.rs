//! `az acr repository update`: sets changeable attributes of a repository, tag or manifest.

use serde_json::{Map, Value};

use super::{CommandResult, Context, open, target};
use crate::cli::{AttributeFlags, RegistryArgs};
use crate::settings::Target;

pub async fn run(
    ctx: &Context,
    registry_args: &RegistryArgs,
    target_args: &Target,
    flags: &AttributeFlags,
) -> CommandResult {
    let item = target(target_args)?;
    let mut registry = open(ctx, registry_args).await?;
    // az sends the attributes given, in this order.
    let mut changes = Map::new();
    for (key, value) in [
        ("deleteEnabled", flags.delete_enabled),
        ("listEnabled", flags.list_enabled),
        ("readEnabled", flags.read_enabled),
        ("writeEnabled", flags.write_enabled),
    ] {
        if let Some(v) = value {
            changes.insert(key.into(), Value::Bool(v));
        }
    }
    Ok(Some(registry.update_attributes(&item, changes).await?))
}
