//! From what was typed to what runs (ripgrep's LowArgs → HiArgs): `cli` gives argv in az's
//! words; this step adds az's configuration and environment and yields one `Settings` and
//! one typed `Command`, a variant per az command with exactly that command's fields.

use crate::cli::purge::PurgeArgs;
use crate::cli::{AttributeFlags, Cmd, CommandArgs, Globals, RegistryArgs};
use crate::commands::purge::{self, filter};
use crate::commands::{list_deleted, list_metadata, show_manifests};
use crate::config::Config;
use crate::error::AppError;
use crate::output::Format;
use crate::output::query::Query;
use crate::registry::{Page, paging};

/// How the run reports: everything but the command itself.
#[derive(Debug)]
pub struct Settings {
    pub format: Format,
    pub query: Option<Query>,
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

/// What an `acr manifest` command acts on, as typed: the positional
/// `myregistry.azurecr.io/repo[:tag|@digest]` (its first word) and `-n repo[:tag|@digest]`
/// (checked when the command runs, as az does).
#[derive(Debug)]
pub struct Spec {
    pub id: Option<String>,
    pub name: Option<String>,
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
        /// Given as `acr manifest metadata list`.
        deprecated: bool,
    },
    /// `acr manifest list`: the manifests themselves (their bodies).
    ManifestList {
        registry: RegistryArgs,
        spec: Spec,
        page: Page,
    },
    /// `acr manifest show`: one manifest's body; `raw`: as the registry sent it.
    ManifestShow {
        registry: RegistryArgs,
        spec: Spec,
        raw: bool,
    },
    ShowMetadata {
        registry: RegistryArgs,
        spec: Spec,
        deprecated: bool,
    },
    UpdateMetadata {
        registry: RegistryArgs,
        spec: Spec,
        attributes: AttributeFlags,
        deprecated: bool,
    },
    ManifestDelete {
        registry: RegistryArgs,
        spec: Spec,
        yes: bool,
    },
    ListReferrers {
        registry: RegistryArgs,
        spec: Spec,
        artifact_type: Option<String>,
        recursive: bool,
    },
    ManifestListDeleted {
        registry: RegistryArgs,
        spec: Spec,
    },
    ListDeletedTags {
        registry: RegistryArgs,
        spec: Spec,
    },
    Restore {
        registry: RegistryArgs,
        spec: Spec,
        digest: Option<String>,
        force: bool,
        yes: bool,
    },
    /// `azacr purge` (azacr's own command).
    Purge {
        registry: RegistryArgs,
        options: Box<purge::Options>,
    },
}

/// The banners of the deprecated `acr manifest metadata` group.
pub const METADATA_DEPRECATION: &str = "This command is implicitly deprecated because command group 'acr manifest metadata' is deprecated and will be removed in a future release. Use 'az acr manifest' instead.";
pub const METADATA_PREVIEW: &str = "Command group 'acr manifest metadata' is in preview and under development. Reference and support levels: https://aka.ms/CLI_refstatus";

impl Command {
    /// The banners az prints before running the command: deprecation, then preview.
    pub fn deprecation(&self) -> Option<&'static str> {
        match self {
            Command::ShowManifests { .. } => Some(show_manifests::DEPRECATION),
            _ if self.in_deprecated_group() => Some(METADATA_DEPRECATION),
            _ => None,
        }
    }

    pub fn preview(&self) -> Option<&'static str> {
        match self {
            Command::ListDeleted { .. } => Some(list_deleted::PREVIEW),
            _ if self.in_deprecated_group() => Some(METADATA_PREVIEW),
            Command::ListMetadata { .. }
            | Command::ManifestList { .. }
            | Command::ManifestShow { .. }
            | Command::ShowMetadata { .. }
            | Command::UpdateMetadata { .. }
            | Command::ManifestDelete { .. }
            | Command::ListReferrers { .. }
            | Command::ManifestListDeleted { .. }
            | Command::ListDeletedTags { .. }
            | Command::Restore { .. } => Some(list_metadata::PREVIEW),
            _ => None,
        }
    }

    /// az's table transformer: what `-o table` shows instead of the result (without `--query`).
    pub fn table_transform(&self) -> Option<fn(&crate::output::Data) -> crate::output::Data> {
        match self {
            Command::ManifestList { .. } => Some(crate::commands::manifest_list::table),
            Command::ListReferrers { .. } => Some(crate::commands::list_referrers::table),
            _ => None,
        }
    }

    fn in_deprecated_group(&self) -> bool {
        matches!(
            self,
            Command::ListMetadata { deprecated: true, .. }
                | Command::ShowMetadata { deprecated: true, .. }
                | Command::UpdateMetadata { deprecated: true, .. }
        )
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
            | Command::ListMetadata { registry, .. }
            | Command::ManifestList { registry, .. }
            | Command::ManifestShow { registry, .. }
            | Command::ShowMetadata { registry, .. }
            | Command::UpdateMetadata { registry, .. }
            | Command::ManifestDelete { registry, .. }
            | Command::ListReferrers { registry, .. }
            | Command::ManifestListDeleted { registry, .. }
            | Command::ListDeletedTags { registry, .. }
            | Command::Restore { registry, .. }
            | Command::Purge { registry, .. } => registry,
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
    let spec = Spec { id: args.repo_id.clone(), name: args.repository.clone() };
    let deprecated = args.deprecated_group;
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
        Cmd::ListMetadata => Command::ListMetadata {
            registry,
            repo_id: args.repo_id,
            repository: args.repository,
            page,
            deprecated,
        },
        Cmd::ManifestList => Command::ManifestList { registry, spec, page },
        Cmd::ManifestShow => Command::ManifestShow { registry, spec, raw: args.raw },
        Cmd::ShowMetadata => Command::ShowMetadata { registry, spec, deprecated },
        Cmd::UpdateMetadata => {
            Command::UpdateMetadata { registry, spec, attributes: args.attributes, deprecated }
        }
        Cmd::ManifestDelete => Command::ManifestDelete { registry, spec, yes: args.yes },
        Cmd::ListReferrers => Command::ListReferrers {
            registry,
            spec,
            artifact_type: args.artifact_type,
            recursive: args.recursive,
        },
        Cmd::ManifestListDeleted => Command::ManifestListDeleted { registry, spec },
        Cmd::ListDeletedTags => Command::ListDeletedTags { registry, spec },
        Cmd::Restore => {
            Command::Restore { registry, spec, digest: args.digest, force: args.force, yes: args.yes }
        }
    };
    Ok((settings, command))
}

/// `azacr purge`'s settings and command, its flags checked as acr purge checks them.
pub fn resolve_purge(args: PurgeArgs) -> Result<(Settings, Command), AppError> {
    let usage = |m: String| AppError::Usage {
        message: m,
        after: vec!["Try 'azacr purge --help' for more information.".into()],
    };
    if args.untagged && args.untagged_only {
        return Err(usage("--untagged and --untagged-only cannot be used together".into()));
    }
    if !args.untagged_only {
        if args.filters.is_empty() {
            return Err(usage("--filter is required when not using --untagged-only".into()));
        }
        if args.ago.is_none() {
            return Err(usage("--ago is required when not using --untagged-only".into()));
        }
    }
    let number = |flag: &str, v: &Option<String>| -> Result<Option<i64>, AppError> {
        v.as_deref()
            .map(|t| {
                t.parse::<i64>().map_err(|_| usage(format!("argument {flag}: invalid integer value: '{t}'")))
            })
            .transpose()
    };
    let timeout = match number("--filter-timeout-seconds", &args.filter_timeout_seconds)? {
        Some(n) if n > 0 => n as u64,
        _ => filter::DEFAULT_TIMEOUT_SECONDS,
    };
    let timeout = std::time::Duration::from_secs(timeout);
    let compile = |texts: &[String]| -> Result<Vec<filter::Filter>, AppError> {
        texts.iter().map(|t| filter::Filter::parse(t, timeout).map_err(|e| usage(e.to_string()))).collect()
    };
    let keep = match number("--keep", &args.keep)? {
        Some(n) if n < 0 => return Err(usage(format!("argument --keep: must not be negative: {n}"))),
        n => n.unwrap_or(0) as usize,
    };
    let (concurrency, notice) = match number("--concurrency", &args.concurrency)? {
        None => (purge::DEFAULT_CONCURRENCY, None),
        Some(n) if n <= 0 => (
            purge::DEFAULT_CONCURRENCY,
            Some(format!(
                "Specified concurrency value invalid. Set to default value: {}",
                purge::DEFAULT_CONCURRENCY
            )),
        ),
        Some(n) if n as usize > purge::MAX_CONCURRENCY => (
            purge::MAX_CONCURRENCY,
            Some(format!(
                "Specified concurrency value too large. Set to maximum value: {}",
                purge::MAX_CONCURRENCY
            )),
        ),
        Some(n) => (n as usize, None),
    };
    let repository_page_size = match number("--repository-page-size", &args.repository_page_size)? {
        None => paging::PAGE_SIZE,
        Some(n) if (1..=paging::MAX_PAGE_SIZE).contains(&n) => n,
        Some(n) => {
            return Err(usage(format!(
                "argument --repository-page-size: must be 1 to {}: {n}",
                paging::MAX_PAGE_SIZE
            )));
        }
    };
    let json = match args.output.as_deref() {
        None | Some("text") => false,
        Some("json") => true,
        Some(other) => {
            return Err(usage(format!(
                "argument --output/-o: invalid choice: '{other}' (choose from 'json', 'text')"
            )));
        }
    };
    let options = purge::Options {
        filters: compile(&args.filters)?,
        excludes: compile(&args.excludes)?,
        ago: args.ago.as_deref().map(filter::parse_ago).transpose().map_err(|e| usage(e.to_string()))?,
        keep,
        untagged: args.untagged,
        untagged_only: args.untagged_only,
        include_locked: args.include_locked,
        dry_run: args.dry_run,
        concurrency,
        notice,
        repository_page_size,
        configs: args.configs.iter().map(std::path::PathBuf::from).collect(),
        json,
    };
    let settings =
        Settings { format: Format::Json, query: None, debug: args.debug, verbose: false, subscription: None };
    let registry = RegistryArgs {
        name: args.registry,
        suffix: None,
        username: args.username,
        password: args.password,
        resource_group_given: false,
    };
    Ok((settings, Command::Purge { registry, options: Box::new(options) }))
}
