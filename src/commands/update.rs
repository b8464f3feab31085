//! `az acr repository update`: sets changeable attributes of a repository, tag or manifest.

use serde_json::{Map, Value};

use super::{CommandResult, Context, connect, registry_name, target};
use crate::cli::CommandArgs;
use crate::registry::{Access, scope};

pub async fn run(ctx: &Context, args: &CommandArgs) -> CommandResult {
    let target = target(args)?;
    let name = registry_name(ctx, &args.registry)?;
    let (path, index) = target.attributes_path()?;
    let mut registry = connect(ctx, &args.registry, &name).await?;
    let flags = args.attributes;
    // az sends the attributes given, in this order.
    let mut body = Map::new();
    for (key, value) in [
        ("deleteEnabled", flags.delete_enabled),
        ("listEnabled", flags.list_enabled),
        ("readEnabled", flags.read_enabled),
        ("writeEnabled", flags.write_enabled),
    ] {
        if let Some(v) = value {
            body.insert(key.into(), Value::Bool(v));
        }
    }
    let repo = target.repository();
    // With nothing to set, az reads the attributes (a GET that carries an empty JSON body).
    let (method, access) = if body.is_empty() {
        (reqwest::Method::GET, Access::MetadataRead)
    } else {
        (reqwest::Method::PATCH, Access::MetadataWrite)
    };
    let result = registry.send_json(method, &path, &scope(repo, access), &Value::Object(body), index).await?;
    Ok(Some(result))
}
