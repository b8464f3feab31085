//! From what was typed to what runs (ripgrep's LowArgs → HiArgs): `cli` gives argv in az's
//! words; this step adds az's configuration and environment and yields one `Settings` and
//! one typed `Command`, a variant per az command with exactly that command's fields.

use crate::cli::{AttributeFlags, Cmd, CommandArgs, Globals, RegistryArgs};
use crate::commands::{list_deleted, list_metadata, show_manifests};
use crate::config::Config;
use crate::error::AppError;
use crate::output::Format;
use crate::output::query::Query;
use crate::registry::Page;

/// How the run reports: everything but the command itself.
#[derive(Debug)]
pub struct Settings {
    pub format: Format,
    pub query: Option<Query>,
    pub only_show_errors: bool,
    pub debug: bool,
    pub verbose: bool,
    /// `--subscription`, as typed.
    pub subscription: Option<String>,
}

/// `show`, `update` and `delete` act on `--repository` or `--image` (az checks which when the
/// command runs).
#[derive(Debug)]
pub struct Target {
    pub repository: Option<String>,
    pub image: Option<String>,
}

#[derive(Debug)]
pub enum Command {
    List {
        registry: RegistryArgs,
        top: Option<i64>,
    },
    ListDeleted {
        registry: RegistryArgs,
    },
    Show {
        registry: RegistryArgs,
        target: Target,
    },
    ShowTags {
        registry: RegistryArgs,
        repository: String,
        page: Page,
        detail: bool,
    },
    ShowManifests {
        registry: RegistryArgs,
        repository: String,
        page: Page,
        detail: bool,
    },
    Update {
        registry: RegistryArgs,
        target: Target,
        attributes: AttributeFlags,
    },
    Delete {
        registry: RegistryArgs,
        target: Target,
        yes: bool,
    },
    Untag {
        registry: RegistryArgs,
        image: String,
    },
    /// `acr manifest list-metadata`: the positional `myregistry.azurecr.io/repo`, or `-r`/`-n`.
    ListMetadata {
        registry: RegistryArgs,
        repo_id: Option<String>,
        repository: Option<String>,
        page: Page,
    },
}

impl Command {
    /// The banners az prints before running the command: deprecation, then preview.
    pub fn deprecation(&self) -> Option<&'static str> {
        matches!(self, Command::ShowManifests { .. }).then_some(show_manifests::DEPRECATION)
    }

    pub fn preview(&self) -> Option<&'static str> {
        match self {
            Command::ListMetadata { .. } => Some(list_metadata::PREVIEW),
            Command::ListDeleted { .. } => Some(list_deleted::PREVIEW),
            _ => None,
        }
    }

    pub fn registry(&self) -> &RegistryArgs {
        match self {
            Command::List { registry, .. }
            | Command::ListDeleted { registry }
            | Command::Show { registry, .. }
            | Command::ShowTags { registry, .. }
            | Command::ShowManifests { registry, .. }
            | Command::Update { registry, .. }
            | Command::Delete { registry, .. }
            | Command::Untag { registry, .. }
            | Command::ListMetadata { registry, .. } => registry,
        }
    }
}

/// The settings (globals over `[core]` configuration) and the typed command.
pub fn resolve(
    globals: Globals,
    args: CommandArgs,
    config: &Config,
) -> Result<(Settings, Command), AppError> {
    let format = globals
        .output
        .or_else(|| config.get("core", "output").and_then(|o| Format::parse(&o)))
        .unwrap_or(Format::Json);
    let settings = Settings {
        format,
        query: globals.query,
        only_show_errors: globals.only_show_errors || config.get_bool("core", "only_show_errors"),
        debug: globals.debug,
        verbose: globals.verbose,
        subscription: globals.subscription,
    };
    let page = Page { top: args.top, orderby: args.orderby.map(|o| o.wire()) };
    let target = Target { repository: args.repository.clone(), image: args.image.clone() };
    // cli reports a missing required argument with az's examples; this is the same check.
    let required = |v: Option<String>, option: &str| {
        v.ok_or_else(|| AppError::usage(format!("the following arguments are required: {option}")))
    };
    let registry = args.registry;
    let command = match args.cmd {
        Cmd::List => Command::List { registry, top: args.top },
        Cmd::ListDeleted => Command::ListDeleted { registry },
        Cmd::Show => Command::Show { registry, target },
        Cmd::ShowTags => Command::ShowTags {
            registry,
            repository: required(args.repository, "--repository")?,
            page,
            detail: args.detail,
        },
        Cmd::ShowManifests => Command::ShowManifests {
            registry,
            repository: required(args.repository, "--repository")?,
            page,
            detail: args.detail,
        },
        Cmd::Update => Command::Update { registry, target, attributes: args.attributes },
        Cmd::Delete => Command::Delete { registry, target, yes: args.yes },
        Cmd::Untag => Command::Untag { registry, image: required(args.image, "--image/-t")? },
        Cmd::ListMetadata => {
            Command::ListMetadata { registry, repo_id: args.repo_id, repository: args.repository, page }
        }
    };
    Ok((settings, command))
}
