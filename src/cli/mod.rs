//! The command line: az's argument surface for the commands azacr implements, parsed with
//! clap and reported with argparse's words. Nothing here talks to a registry.

mod help;
mod textwrap;

use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::error::AppError;
use crate::output::Format;
use crate::output::query::{CompileError, Query, QueryError};

pub use help::Help;

#[derive(Debug, Default)]
pub struct Globals {
    pub output: Option<Format>,
    pub query: Option<Query>,
    pub only_show_errors: bool,
    pub debug: bool,
    pub verbose: bool,
    pub subscription: Option<String>,
}

/// The options every `acr` command takes to reach a registry.
#[derive(Debug, Default)]
pub struct RegistryArgs {
    pub name: Option<String>,
    pub suffix: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `-g` is accepted, ignored and warned about, as az does.
    pub resource_group_given: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OrderBy {
    TimeAsc,
    TimeDesc,
}

impl OrderBy {
    /// The value ACR's `orderby` parameter takes.
    pub fn wire(self) -> &'static str {
        match self {
            OrderBy::TimeAsc => "timeasc",
            OrderBy::TimeDesc => "timedesc",
        }
    }
}

/// The `acr repository` command to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    List,
    ListDeleted,
    Show,
    ShowTags,
    ShowManifests,
    Update,
    Delete,
    Untag,
    /// `acr manifest list-metadata` (and the deprecated `acr manifest metadata list`).
    ListMetadata,
    /// `acr manifest list`.
    ManifestList,
    /// `acr manifest show`.
    ManifestShow,
    /// `acr manifest show-metadata` (and `acr manifest metadata show`).
    ShowMetadata,
    /// `acr manifest update-metadata` (and `acr manifest metadata update`).
    UpdateMetadata,
    /// `acr manifest delete`.
    ManifestDelete,
    /// `acr manifest list-referrers`.
    ListReferrers,
    /// `acr manifest list-deleted`.
    ManifestListDeleted,
    /// `acr manifest list-deleted-tags`.
    ListDeletedTags,
    /// `acr manifest restore`.
    Restore,
}

impl Cmd {
    /// The command a group's command word names.
    fn from_path(group: &str, name: &str) -> Option<Cmd> {
        match group {
            "repository" => Cmd::from_name(name),
            "manifest" => Some(match name {
                "list" => Cmd::ManifestList,
                "list-metadata" => Cmd::ListMetadata,
                "show" => Cmd::ManifestShow,
                "show-metadata" => Cmd::ShowMetadata,
                "update-metadata" => Cmd::UpdateMetadata,
                "delete" => Cmd::ManifestDelete,
                "list-referrers" => Cmd::ListReferrers,
                "list-deleted" => Cmd::ManifestListDeleted,
                "list-deleted-tags" => Cmd::ListDeletedTags,
                "restore" => Cmd::Restore,
                _ => return None,
            }),
            "metadata" => Some(match name {
                "list" => Cmd::ListMetadata,
                "show" => Cmd::ShowMetadata,
                "update" => Cmd::UpdateMetadata,
                _ => return None,
            }),
            _ => None,
        }
    }

    /// An `acr manifest` command: `-r` names the registry, nothing is required of the parser.
    pub fn is_manifest(self) -> bool {
        !matches!(
            self,
            Cmd::List
                | Cmd::ListDeleted
                | Cmd::Show
                | Cmd::ShowTags
                | Cmd::ShowManifests
                | Cmd::Update
                | Cmd::Delete
                | Cmd::Untag
        )
    }

    fn from_name(name: &str) -> Option<Cmd> {
        Some(match name {
            "list" => Cmd::List,
            "list-deleted" => Cmd::ListDeleted,
            "show" => Cmd::Show,
            "show-tags" => Cmd::ShowTags,
            "show-manifests" => Cmd::ShowManifests,
            "update" => Cmd::Update,
            "delete" => Cmd::Delete,
            "untag" => Cmd::Untag,
            _ => return None,
        })
    }
}

/// The changeable attributes `update` sets; `None`: flag not given.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct AttributeFlags {
    pub delete_enabled: Option<bool>,
    pub list_enabled: Option<bool>,
    pub read_enabled: Option<bool>,
    pub write_enabled: Option<bool>,
}

impl AttributeFlags {
    /// The PATCH body: the attributes given, in the order az sends them.
    pub fn changes(&self) -> serde_json::Map<String, serde_json::Value> {
        [
            ("deleteEnabled", self.delete_enabled),
            ("listEnabled", self.list_enabled),
            ("readEnabled", self.read_enabled),
            ("writeEnabled", self.write_enabled),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.map(|v| (key.to_string(), serde_json::Value::Bool(v))))
        .collect()
    }
}

/// One command's arguments (each command reads the fields it defines).
#[derive(Debug)]
pub struct CommandArgs {
    pub cmd: Cmd,
    pub registry: RegistryArgs,
    pub repository: Option<String>,
    pub image: Option<String>,
    pub top: Option<i64>,
    pub orderby: Option<OrderBy>,
    pub detail: bool,
    pub yes: bool,
    pub attributes: AttributeFlags,
    /// An `acr manifest` command's positional `myregistry.azurecr.io/repo[:tag]` (its first word).
    pub repo_id: Option<String>,
    /// `acr manifest` options: `--raw`, `--recursive`, `--artifact-type`, `--digest`, `--force`.
    pub raw: bool,
    pub recursive: bool,
    pub artifact_type: Option<String>,
    pub digest: Option<String>,
    pub force: bool,
    /// The command was given in the deprecated `acr manifest metadata` group.
    pub deprecated_group: bool,
}

#[derive(Debug)]
pub enum Parsed {
    Help(Help),
    Run { globals: Box<Globals>, command: Box<CommandArgs> },
}

fn flag(name: &'static str, long: &'static str) -> Arg {
    Arg::new(name).long(long).action(ArgAction::SetTrue)
}

fn value(name: &'static str, long: &'static str) -> Arg {
    Arg::new(name).long(long).action(ArgAction::Set).allow_hyphen_values(false)
}

fn registry_args() -> [Arg; 5] {
    [
        value("name", "name").short('n'),
        value("suffix", "suffix"),
        value("username", "username").short('u'),
        value("password", "password").short('p'),
        value("resource_group", "resource-group").short('g'),
    ]
}

/// argparse takes `--top -1` as a value, since no option looks like a negative number.
fn top() -> Arg {
    value("top", "top").allow_negative_numbers(true)
}

fn policy_args() -> [Arg; 2] {
    [flag("acquire_policy_token", "acquire-policy-token"), value("change_reference", "change-reference")]
}

fn global_args() -> [Arg; 7] {
    [
        value("output", "output").short('o').global(true),
        value("query", "query").global(true),
        flag("only_show_errors", "only-show-errors").global(true),
        flag("debug", "debug").global(true),
        flag("verbose", "verbose").global(true),
        value("subscription", "subscription").global(true),
        flag("help", "help").short('h').global(true),
    ]
}

/// `--delete-enabled [true|false]`: a bare flag means true.
fn three_state(name: &'static str, long: &'static str) -> Arg {
    Arg::new(name).long(long).num_args(0..=1).default_missing_value("true").action(ArgAction::Set)
}

fn command_tree() -> Command {
    let listing = [top(), value("orderby", "orderby"), flag("detail", "detail")];
    let repository = Command::new("repository")
        .subcommand(Command::new("list").args(registry_args()).arg(top()))
        .subcommand(
            Command::new("list-deleted")
                .args(registry_args().into_iter().filter(|a| a.get_id() != "resource_group"))
                .args(policy_args()),
        )
        .subcommand(Command::new("show").args(registry_args()).args(image_args()))
        .subcommand(
            Command::new("show-tags")
                .args(registry_args())
                .args(policy_args())
                .arg(value("repository", "repository"))
                .args(listing.clone()),
        )
        .subcommand(
            Command::new("show-manifests")
                .args(registry_args())
                .args(policy_args())
                .arg(value("repository", "repository"))
                .args(listing),
        )
        .subcommand(
            Command::new("update")
                .args(registry_args())
                .args(policy_args())
                .args(image_args())
                .args(attribute_args()),
        )
        .subcommand(
            Command::new("delete")
                .args(registry_args())
                .args(policy_args())
                .args(image_args())
                .arg(flag("yes", "yes").short('y')),
        )
        .subcommand(
            Command::new("untag")
                .args(registry_args())
                .args(policy_args())
                .arg(value("image", "image").short('t')),
        );
    let manifest = Command::new("manifest")
        .subcommand(manifest_command("list").args(listing_args()))
        .subcommand(manifest_command("list-metadata").args(listing_args()).args(policy_args()))
        .subcommand(manifest_command("show").arg(flag("raw", "raw")))
        .subcommand(manifest_command("show-metadata").args(policy_args()))
        .subcommand(manifest_command("update-metadata").args(policy_args()).args(attribute_args()))
        .subcommand(manifest_command("delete").args(policy_args()).arg(flag("yes", "yes").short('y')))
        .subcommand(
            manifest_command("list-referrers")
                .args([value("artifact_type", "artifact-type"), flag("recursive", "recursive")])
                .args(policy_args()),
        )
        .subcommand(manifest_command("list-deleted").args(policy_args()))
        .subcommand(manifest_command("list-deleted-tags").args(policy_args()))
        .subcommand(manifest_command("restore").args(policy_args()).args([
            value("digest", "digest").short('d'),
            flag("force", "force").short('f'),
            flag("yes", "yes").short('y'),
        ]))
        .subcommand(
            Command::new("metadata")
                .subcommand(manifest_command("list").args(listing_args()))
                .subcommand(manifest_command("show"))
                .subcommand(manifest_command("update").args(policy_args()).args(attribute_args())),
        );
    Command::new("az")
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        .infer_long_args(true)
        .args_override_self(true)
        .args(global_args())
        .subcommand(Command::new("acr").subcommand(repository).subcommand(manifest))
}

/// What every `acr manifest` command takes: `-r` (the registry), `-n` (repository or
/// artifact), the positional fully qualified form, and the sign-in options.
fn manifest_command(name: &'static str) -> Command {
    Command::new(name).args([
        value("name", "registry").short('r'),
        value("repository", "name").short('n'),
        Arg::new("repo_id").num_args(0..).action(ArgAction::Append),
        value("suffix", "suffix"),
        value("username", "username").short('u'),
        value("password", "password").short('p'),
    ])
}

fn listing_args() -> [Arg; 2] {
    [top(), value("orderby", "orderby")]
}

fn attribute_args() -> [Arg; 4] {
    [
        three_state("delete_enabled", "delete-enabled"),
        three_state("list_enabled", "list-enabled"),
        three_state("read_enabled", "read-enabled"),
        three_state("write_enabled", "write-enabled"),
    ]
}

fn image_args() -> [Arg; 2] {
    [value("repository", "repository"), value("image", "image").short('t')]
}

/// The sub-commands az offers at each level, for its "misspelled" message (and every one of
/// them is azacr's: see `passthrough::route`).
pub const REPOSITORY_COMMANDS: [&str; 8] =
    ["delete", "list", "list-deleted", "show", "show-manifests", "show-tags", "untag", "update"];

/// `acr manifest`'s commands, with its hidden deprecated `metadata` group.
pub const MANIFEST_COMMANDS: [&str; 11] = [
    "delete",
    "list",
    "list-deleted",
    "list-deleted-tags",
    "list-metadata",
    "list-referrers",
    "metadata",
    "restore",
    "show",
    "show-metadata",
    "update-metadata",
];

/// The deprecated `acr manifest metadata` group's commands.
pub const MANIFEST_METADATA_COMMANDS: [&str; 3] = ["list", "show", "update"];

/// The commands of the group the words name (`["acr", "manifest"]`), for "Did you mean".
fn group_commands(words: &[&str]) -> &'static [&'static str] {
    match words {
        ["acr", "manifest", "metadata", ..] => &MANIFEST_METADATA_COMMANDS,
        ["acr", "manifest", ..] => &MANIFEST_COMMANDS,
        _ => &REPOSITORY_COMMANDS,
    }
}

/// `default_registry`: whether az's configuration names a default registry (then `--name`
/// is not required).
pub fn parse(args: Vec<String>, default_registry: bool) -> Result<Parsed, AppError> {
    let wants_help = args.iter().any(|a| a == "-h" || a == "--help");
    if !wants_help {
        misplaced_global(&args)?;
        ambiguous_prefix(&args)?;
    }
    let matches = command_tree()
        .try_get_matches_from(std::iter::once("az".to_string()).chain(args.iter().cloned()))
        .map_err(|e| if wants_help { AppError::usage("") } else { translate(e, &args) });
    let matches = match matches {
        Ok(m) => m,
        Err(_) if wants_help => return Ok(Parsed::Help(Help::for_args(&args))),
        Err(e) => return Err(e),
    };
    if wants_help {
        return Ok(Parsed::Help(Help::for_args(&args)));
    }
    let Some(("acr", acr)) = matches.subcommand() else {
        return Err(required("_command"));
    };
    let Some((group, group_matches)) = acr.subcommand() else {
        return Err(required("_subcommand"));
    };
    let Some((mut name, mut sub)) = group_matches.subcommand() else {
        return Err(required("_subcommand"));
    };
    let mut path = format!("acr {group} {name}");
    let mut group = group;
    if (group, name) == ("manifest", "metadata") {
        let Some((inner, inner_matches)) = sub.subcommand() else {
            return Err(required("_subcommand"));
        };
        (group, name, sub) = ("metadata", inner, inner_matches);
        path = format!("acr manifest metadata {name}");
    }
    let mut globals = Globals::default();
    let mut checks: Vec<(usize, &str)> = [
        "query",
        "output",
        "orderby",
        "top",
        "delete_enabled",
        "list_enabled",
        "read_enabled",
        "write_enabled",
    ]
    .into_iter()
    .filter_map(|id| deepest_index(&matches, sub, id).map(|i| (i, id)))
    .collect();
    checks.sort();
    let mut orderby = None;
    let mut top = None;
    let mut attributes = AttributeFlags::default();
    for (_, id) in checks {
        let raw = deepest_value(&matches, sub, id).unwrap_or_default();
        match id {
            "query" => {
                globals.query = Some(Query::compile(&raw).map_err(|e| match e {
                    // Python's RecursionError escapes argparse: az's unexpected-error report.
                    CompileError::Recursion(message) => AppError::Query(QueryError::Python(message)),
                    CompileError::Syntax => AppError::Usage {
                        message: format!("argument --query: invalid jmespath_type value: '{raw}'"),
                        after: vec![
                            "To learn more about --query, please visit: 'https://learn.microsoft.com/cli/azure/query-azure-cli'"
                                .into(),
                        ],
                    },
                })?);
            }
            "output" => {
                globals.output = Some(Format::parse(&raw).ok_or_else(|| {
                    invalid_choice(&path, &raw, "--output", &Format::NAMES.join(", "), &args)
                })?);
            }
            "orderby" => {
                orderby = Some(match raw.to_lowercase().as_str() {
                    "time_asc" => OrderBy::TimeAsc,
                    "time_desc" => OrderBy::TimeDesc,
                    _ => {
                        return Err(invalid_choice(&path, &raw, "--orderby", "time_asc, time_desc", &args));
                    }
                });
            }
            "delete_enabled" | "list_enabled" | "read_enabled" | "write_enabled" => {
                let flag = format!("--{}", id.replace('_', "-"));
                let value = match raw.to_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(invalid_choice(&path, &raw, &flag, "true, false", &args)),
                };
                let slot = match id {
                    "delete_enabled" => &mut attributes.delete_enabled,
                    "list_enabled" => &mut attributes.list_enabled,
                    "read_enabled" => &mut attributes.read_enabled,
                    _ => &mut attributes.write_enabled,
                };
                *slot = Some(value);
            }
            _ => {
                top = Some(raw.trim().parse::<i64>().map_err(|_| {
                    with_examples(&path, format!("argument --top: invalid int value: '{raw}'"), &args)
                })?);
            }
        }
    }
    globals.only_show_errors = any_flag(&matches, sub, "only_show_errors");
    globals.debug = any_flag(&matches, sub, "debug");
    globals.verbose = any_flag(&matches, sub, "verbose");
    globals.subscription = deepest_value(&matches, sub, "subscription");
    let registry = RegistryArgs {
        name: sub.get_one::<String>("name").cloned(),
        suffix: sub.get_one::<String>("suffix").cloned(),
        username: sub.get_one::<String>("username").cloned(),
        password: sub.get_one::<String>("password").cloned(),
        resource_group_given: given(sub, "resource_group"),
    };
    let cmd = Cmd::from_path(group, name).ok_or_else(|| required("_subcommand"))?;
    let text = |id: &str| if sub.ids().any(|i| i == id) { sub.get_one::<String>(id).cloned() } else { None };
    let (repository, image) = (text("repository"), text("image"));
    // argparse lists the missing required arguments in the order az registers them.
    let mut missing = Vec::new();
    if !cmd.is_manifest() && registry.name.is_none() && !default_registry {
        missing.push("--name/-n");
    }
    if matches!(cmd, Cmd::ShowTags | Cmd::ShowManifests) && repository.is_none() {
        missing.push("--repository");
    }
    if cmd == Cmd::Untag && image.is_none() {
        missing.push("--image/-t");
    }
    if !missing.is_empty() {
        return Err(with_examples(
            &path,
            format!("the following arguments are required: {}", missing.join(", ")),
            &args,
        ));
    }
    // clap gives a positional every free word; argparse only the first run of them.
    let extras = unrecognized(&args);
    if !extras.is_empty() {
        return Err(with_link(format!("unrecognized arguments: {}", extras.join(" "))));
    }
    let command = CommandArgs {
        cmd,
        registry,
        repository,
        image,
        top,
        orderby,
        detail: sub.ids().any(|i| i == "detail") && sub.get_flag("detail"),
        yes: sub.ids().any(|i| i == "yes") && sub.get_flag("yes"),
        attributes,
        repo_id: if sub.ids().any(|i| i == "repo_id") {
            sub.get_many::<String>("repo_id").and_then(|mut words| words.next().cloned())
        } else {
            None
        },
        raw: sub.ids().any(|i| i == "raw") && sub.get_flag("raw"),
        recursive: sub.ids().any(|i| i == "recursive") && sub.get_flag("recursive"),
        artifact_type: text("artifact_type"),
        digest: text("digest"),
        force: sub.ids().any(|i| i == "force") && sub.get_flag("force"),
        deprecated_group: group == "metadata",
    };
    Ok(Parsed::Run { globals: Box::new(globals), command: Box::new(command) })
}

/// az's global options belong to the command itself: given before the command's words, the
/// option's value is read as the next command word, which az then reports as misspelled.
fn misplaced_global(args: &[String]) -> Result<(), AppError> {
    const TAKES_VALUE: [&str; 4] = ["-o", "--output", "--query", "--subscription"];
    let mut words = 0;
    for (i, arg) in args.iter().enumerate() {
        if !arg.starts_with('-') {
            words += 1;
            if words == 3 {
                return Ok(());
            }
            continue;
        }
        if TAKES_VALUE.contains(&arg.as_str())
            && let Some(value) = args.get(i + 1)
        {
            return Err(with_link(format!("'{value}' is misspelled or not recognized by the system.")));
        }
        return Ok(());
    }
    Ok(())
}

/// argparse refuses a long-option prefix that several options share (clap would call it
/// unknown). az checks its global options on their own first (no examples then), then the
/// command's.
fn ambiguous_prefix(args: &[String]) -> Result<(), AppError> {
    let tree = command_tree();
    let Some((command, path)) = leaf_command(&tree, args) else {
        return Ok(());
    };
    let sorted = |mut names: Vec<&str>| -> Vec<String> {
        names.sort();
        names.dedup();
        names.into_iter().map(String::from).collect()
    };
    let globals = sorted(tree.get_arguments().filter_map(|a| a.get_long()).collect());
    let mut own: Vec<String> = command
        .get_arguments()
        .filter_map(|a| a.get_long())
        .filter(|l| !globals.iter().any(|g| g == l))
        .map(String::from)
        .collect();
    // argparse names the candidates in the order they were registered: the globals, then the
    // command's options in the order of az's function. The manifest tree declares them so;
    // for the repository tree, sorting them gives az's order.
    if !path.starts_with("acr manifest") {
        own.sort();
    }
    own.dedup();
    // The command's parser knows the globals too.
    let everything: Vec<String> = globals.iter().chain(&own).cloned().collect();
    for arg in args {
        let Some(typed) = arg.strip_prefix("--") else { continue };
        let typed = typed.split('=').next().unwrap_or(typed);
        if typed.is_empty() || globals.iter().chain(&own).any(|l| l == typed) {
            continue;
        }
        for (names, examples) in [(&globals, false), (&everything, true)] {
            let candidates: Vec<String> =
                names.iter().filter(|l| l.starts_with(typed)).map(|l| format!("--{l}")).collect();
            if candidates.len() < 2 {
                continue;
            }
            let message = format!("ambiguous option: --{typed} could match {}", candidates.join(", "));
            if !examples {
                return Err(with_link(message));
            }
            return Err(with_examples(&path, message, args));
        }
    }
    Ok(())
}

/// Global options may sit at any level; the one given last on the line wins.
fn deepest_index(root: &ArgMatches, sub: &ArgMatches, id: &str) -> Option<usize> {
    [sub, root]
        .into_iter()
        .filter(|m| given(m, id))
        .filter_map(|m| m.indices_of(id).and_then(|mut i| i.next_back()))
        .max()
}

fn deepest_value(root: &ArgMatches, sub: &ArgMatches, id: &str) -> Option<String> {
    [sub, root]
        .into_iter()
        .filter(|m| given(m, id))
        .max_by_key(|m| m.indices_of(id).and_then(|mut i| i.next_back()))
        .and_then(|m| m.get_one::<String>(id).cloned())
}

/// Whether `id` exists at this level and was typed on the command line.
fn given(m: &ArgMatches, id: &str) -> bool {
    m.ids().any(|i| i == id) && m.value_source(id) == Some(ValueSource::CommandLine)
}

fn any_flag(root: &ArgMatches, sub: &ArgMatches, id: &str) -> bool {
    [sub, root].into_iter().any(|m| given(m, id))
}

const REFERENCE_LINKS: [&str; 2] =
    ["https://aka.ms/cli_ref", "Read more about the command in reference docs"];

/// An argument error followed only by the reference link.
fn with_link(message: String) -> AppError {
    AppError::Usage {
        message,
        after: std::iter::once(String::new()).chain(REFERENCE_LINKS.map(String::from)).collect(),
    }
}

fn required(what: &str) -> AppError {
    with_link(format!("the following arguments are required: {what}"))
}

fn invalid_choice(path: &str, raw: &str, option: &str, allowed: &str, args: &[String]) -> AppError {
    with_examples(
        path,
        format!("az {path}: '{raw}' is not a valid value for '{option}'. Allowed values: {allowed}."),
        args,
    )
}

/// An argument error followed by az's pick of help examples and the reference link.
fn with_examples(path: &str, message: String, args: &[String]) -> AppError {
    with_examples_of(path, message, args, false)
}

fn with_examples_of(path: &str, message: String, args: &[String], globals_only: bool) -> AppError {
    let mut after = vec![String::new()];
    let examples = help::recommended_examples(path, args, globals_only);
    if !examples.is_empty() {
        after.push("Examples from command's help:".into());
        for (command, description) in examples {
            after.push(command);
            after.push(description);
            after.push(String::new());
        }
    }
    after.extend(REFERENCE_LINKS.map(String::from));
    AppError::Usage { message, after }
}

fn translate(error: clap::Error, args: &[String]) -> AppError {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let context = |kind: ContextKind| match error.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => v.first().cloned(),
        _ => None,
    };
    match error.kind() {
        ErrorKind::InvalidSubcommand => {
            let word = context(ContextKind::InvalidSubcommand).unwrap_or_default();
            let mut message = format!("'{word}' is misspelled or not recognized by the system.");
            let words: Vec<&str> = args
                .iter()
                .map(String::as_str)
                .filter(|a| !a.starts_with('-'))
                .take_while(|a| *a != word)
                .collect();
            // Never the word itself: only a word the group does not know gets here.
            let choices: Vec<&str> = group_commands(&words).iter().copied().filter(|c| *c != word).collect();
            let Some(best) = help::close_match(&word, &choices) else {
                return with_link(message);
            };
            message.push_str(&format!("\nDid you mean '{best}' ?"));
            // az looks up help examples for the corrected line cut at its first '-', so only a
            // hyphenated command that leaves a whole command name before it gets examples.
            let corrected: Vec<&str> =
                args.iter().map(|a| if *a == word { best } else { a.as_str() }).collect();
            let line = format!("az {}", corrected.join(" "));
            let inferred = line.split('-').next().unwrap_or_default();
            match inferred.strip_prefix("az ") {
                Some(path) if !inferred.ends_with(' ') => with_examples_of(path, message, args, true),
                _ => with_link(message),
            }
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            required("_subcommand")
        }
        ErrorKind::InvalidValue | ErrorKind::NoEquals => {
            // clap names the option as `--repository <repository>`; argparse as `--repository`.
            let arg = context(ContextKind::InvalidArg).unwrap_or_default();
            let option = arg.split(' ').next().unwrap_or_default();
            // argparse names an option by all its spellings.
            let display = spellings(option);
            AppError::usage(format!("argument {display}: expected one argument")).with_examples_for(args)
        }
        _ => {
            let mut extras = unrecognized(args);
            if extras.is_empty() {
                extras.push(context(ContextKind::InvalidArg).unwrap_or_default());
            }
            with_link(format!("unrecognized arguments: {}", extras.join(" ")))
        }
    }
}

/// The first option in the command tree that `matches`: the one table of short and long
/// option names (a short form means the same option in every command that has it).
fn find_option(command: &Command, matches: &dyn Fn(&Arg) -> bool) -> Option<Arg> {
    command
        .get_arguments()
        .find(|a| matches(a))
        .cloned()
        .or_else(|| command.get_subcommands().find_map(|c| find_option(c, matches)))
}

/// `--name/-n`: a long option and, when it has one, its short form.
fn spellings(long: &str) -> String {
    let name = long.strip_prefix("--").unwrap_or(long);
    match find_option(&command_tree(), &|a| a.get_long() == Some(name)).and_then(|a| a.get_short()) {
        Some(short) => format!("{long}/-{short}"),
        None => long.to_string(),
    }
}

/// `--name` for `-n`.
pub(crate) fn long_of(short: char) -> Option<String> {
    find_option(&command_tree(), &|a| a.get_short() == Some(short))
        .and_then(|a| a.get_long().map(|l| format!("--{l}")))
}

impl AppError {
    fn with_examples_for(self, args: &[String]) -> AppError {
        match (self, command_path(args)) {
            (AppError::Usage { message, .. }, Some(path)) => with_examples(&path, message, args),
            (other, _) => other,
        }
    }
}

/// The command the words on the line name (a command with no sub-commands), and its path
/// without `az` (`acr manifest metadata list`).
fn leaf_command<'a>(tree: &'a Command, args: &[String]) -> Option<(&'a Command, String)> {
    let mut command = tree;
    let mut path = Vec::new();
    for word in args.iter().filter(|a| !a.starts_with('-')) {
        match command.find_subcommand(word) {
            Some(sub) => {
                command = sub;
                path.push(word.as_str());
            }
            None => break,
        }
        if !command.has_subcommands() {
            return Some((command, path.join(" ")));
        }
    }
    None
}

/// The command as typed, when it names a command azacr knows.
fn command_path(args: &[String]) -> Option<String> {
    leaf_command(&command_tree(), args).map(|(_, path)| path)
}

/// Every argument argparse would leave over for `unrecognized arguments:`, in order: unknown
/// options (without the words after them, which are free words), and the free words no
/// positional takes (a command's `nargs='*'` positional takes the first run of them).
fn unrecognized(args: &[String]) -> Vec<String> {
    let tree = command_tree();
    let Some((command, path)) = leaf_command(&tree, args) else {
        return Vec::new();
    };
    // argparse reads `-1` and `-.5` as values (its `^-\d+$|^-\d*\.\d+$`): no option of az's
    // looks like a negative number.
    let negative_number = |s: &str| {
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        s.strip_prefix('-').is_some_and(|n| match n.split_once('.') {
            None => digits(n),
            Some((whole, fraction)) => (whole.is_empty() || digits(whole)) && digits(fraction),
        })
    };
    let is_option = |s: &str| s.starts_with('-') && s != "-" && !negative_number(s);
    let options: Vec<&Arg> = command.get_arguments().chain(tree.get_arguments()).collect();
    let find_long = |name: &str| {
        let exact = options.iter().find(|a| a.get_long() == Some(name));
        let prefixed: Vec<&&Arg> =
            options.iter().filter(|a| a.get_long().is_some_and(|l| l.starts_with(name))).collect();
        exact.or(if prefixed.len() == 1 { Some(prefixed[0]) } else { None }).copied()
    };
    let mut path_words = path.split(' ').count();
    // The positional: not met yet, taking its run of words, done.
    let (mut positional_taking, mut positional_done) =
        (false, !command.get_arguments().any(|a| a.is_positional()));
    let mut extras = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if !is_option(arg) {
            if path_words > 0 {
                path_words -= 1;
            } else if positional_done {
                extras.push(arg.clone());
            } else {
                positional_taking = true;
            }
            continue;
        }
        if positional_taking {
            positional_done = true;
        }
        let (known, attached) = match arg.strip_prefix("--") {
            Some(long) => match long.split_once('=') {
                Some((name, _)) => (find_long(name), true),
                None => (find_long(long), false),
            },
            None => {
                let short = arg.chars().nth(1);
                (
                    options.iter().find(|a| a.get_short().is_some() && a.get_short() == short).copied(),
                    arg.len() > 2,
                )
            }
        };
        let Some(option) = known else {
            extras.push(arg.clone());
            continue;
        };
        if attached || matches!(option.get_action(), ArgAction::SetTrue) {
            continue;
        }
        let optional = option.get_num_args().is_some_and(|n| n.min_values() == 0);
        if !optional || args.get(i).is_some_and(|next| !is_option(next)) {
            i += 1;
        }
    }
    extras
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn tree_is_consistent() {
        command_tree().debug_assert();
    }

    #[test]
    fn prefixes_last_wins_and_attached_values() {
        let Parsed::Run { globals, command: a } = parse(args(
            "acr repository show-manifests -n reg --repo a --repository b -otsv --orderby TIME_Desc --top 5",
        ), false)
        .unwrap() else {
            panic!("show-manifests expected")
        };
        assert_eq!(a.repository.as_deref(), Some("b"));
        assert_eq!(a.orderby, Some(OrderBy::TimeDesc));
        assert_eq!(a.top, Some(5));
        assert_eq!(globals.output, Some(Format::Tsv));
    }

    #[test]
    fn argparse_messages() {
        let err =
            parse(args("acr repository show-manifests -n reg --top abc --repository r"), false).unwrap_err();
        assert_eq!(err.to_string(), "argument --top: invalid int value: 'abc'");
        assert_eq!(err.exit_code(), 2);
        let err = parse(args("acr repository delete -n reg --bogus x"), false).unwrap_err();
        assert_eq!(err.to_string(), "unrecognized arguments: --bogus x");
        let err = parse(args("acr repository lst -n x"), false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "'lst' is misspelled or not recognized by the system.\nDid you mean 'list' ?"
        );
    }

    #[test]
    fn every_unrecognized_argument_is_listed_as_argparse_leaves_them() {
        let message = |line: &str| parse(args(line), false).unwrap_err().to_string();
        // No positional: every unknown option and every free word, in order.
        assert_eq!(
            message("acr repository delete -n reg --tag v1 --manifest x --foo"),
            "unrecognized arguments: --tag v1 --manifest x --foo"
        );
        // A `nargs='*'` positional takes the first run of free words (here `v1`).
        assert_eq!(
            message("acr manifest delete -r reg --tag v1 --manifest"),
            "unrecognized arguments: --tag --manifest"
        );
        // ... and only that run: later words are left over, though clap would take them.
        assert_eq!(
            message("acr manifest list-metadata -r reg -n repo a b -o tsv c d"),
            "unrecognized arguments: c d"
        );
        // Values of known options (attached or not, `-1` included) are not left over.
        assert_eq!(
            message("acr manifest list-metadata -r reg --top -1 -otsv --orderby=time_asc --bogus"),
            "unrecognized arguments: --bogus"
        );
        assert_eq!(
            message("acr repository delete -n reg -inf -.5 -1x"),
            "unrecognized arguments: -inf -.5 -1x"
        );
    }

    #[test]
    fn did_you_mean_names_a_command_of_the_group_typed_never_the_word_itself() {
        let message = |line: &str| parse(args(line), false).unwrap_err().to_string();
        assert!(message("acr manifest delet -r reg").ends_with("Did you mean 'delete' ?"));
        assert!(message("acr manifest metadata lst").ends_with("Did you mean 'list' ?"));
        assert!(message("acr manifest metadat").ends_with("Did you mean 'metadata' ?"));
        // Every command of the group parses: none of them is "misspelled".
        for command in MANIFEST_COMMANDS.iter().filter(|c| **c != "metadata") {
            assert!(
                parse(args(&format!("acr manifest {command} -r reg -n a:b")), false).is_ok(),
                "{command}"
            );
        }
        for command in MANIFEST_METADATA_COMMANDS {
            assert!(
                parse(args(&format!("acr manifest metadata {command} -r reg -n a")), false).is_ok(),
                "{command}"
            );
        }
    }

    #[test]
    fn manifest_commands_parse_into_their_fields() {
        let Parsed::Run { command, .. } = parse(
            args("acr manifest metadata update myregistry.azurecr.io/a:b extra --write-enabled -o tsv"),
            false,
        )
        .unwrap() else {
            panic!("a command expected")
        };
        assert_eq!(command.cmd, Cmd::UpdateMetadata);
        assert!(command.deprecated_group);
        assert_eq!(command.repo_id.as_deref(), Some("myregistry.azurecr.io/a:b"));
        assert_eq!(command.attributes.write_enabled, Some(true));
        let Parsed::Run { command, .. } =
            parse(args("acr manifest restore -r reg -n a:b -d sha256:x -f -y"), false).unwrap()
        else {
            panic!("a command expected")
        };
        assert_eq!((command.digest.as_deref(), command.force, command.yes), (Some("sha256:x"), true, true));
        let Parsed::Run { command, .. } =
            parse(args("acr manifest list-referrers -r reg -n a:b --artifact-type t --recursive"), false)
                .unwrap()
        else {
            panic!("a command expected")
        };
        assert_eq!((command.artifact_type.as_deref(), command.recursive), (Some("t"), true));
    }
}
