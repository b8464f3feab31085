//! The command line: az's argument surface for the commands azacr implements, parsed with
//! clap and reported with argparse's words. Nothing here talks to a registry.

mod help;
pub mod purge;
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
    /// `acr manifest list-metadata`.
    ListMetadata,
}

impl Cmd {
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
            "list-metadata" => Cmd::ListMetadata,
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
    /// `acr manifest list-metadata`'s positional `myregistry.azurecr.io/repo` (its first word).
    pub repo_id: Option<String>,
}

#[derive(Debug)]
pub enum Parsed {
    Help(Help),
    Run {
        globals: Box<Globals>,
        command: CommandArgs,
    },
    /// `azacr purge` (`None`: its help).
    Purge(Option<Box<purge::PurgeArgs>>),
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
        .subcommand(Command::new("update").args(registry_args()).args(policy_args()).args(image_args()).args(
            [
                three_state("delete_enabled", "delete-enabled"),
                three_state("list_enabled", "list-enabled"),
                three_state("read_enabled", "read-enabled"),
                three_state("write_enabled", "write-enabled"),
            ],
        ))
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
    let manifest = Command::new("manifest").subcommand(
        Command::new("list-metadata")
            .args([
                value("name", "registry").short('r'),
                value("repository", "name").short('n'),
                Arg::new("repo_id").num_args(0..).action(ArgAction::Append),
                value("suffix", "suffix"),
                value("username", "username").short('u'),
                value("password", "password").short('p'),
                top(),
                value("orderby", "orderby"),
            ])
            .args(policy_args()),
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

fn image_args() -> [Arg; 2] {
    [value("repository", "repository"), value("image", "image").short('t')]
}

/// The sub-commands az offers at each level, for its "misspelled" message (and every one of
/// them is azacr's: see `passthrough::route`).
pub const REPOSITORY_COMMANDS: [&str; 8] =
    ["delete", "list", "list-deleted", "show", "show-manifests", "show-tags", "untag", "update"];

/// `default_registry`: whether az's configuration names a default registry (then `--name`
/// is not required).
pub fn parse(args: Vec<String>, default_registry: bool) -> Result<Parsed, AppError> {
    if args.first().is_some_and(|a| a == "purge") {
        return Ok(Parsed::Purge(purge::parse(&args[1..])?.map(Box::new)));
    }
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
    let Some((name, sub)) = group_matches.subcommand() else {
        return Err(required("_subcommand"));
    };
    let path = format!("acr {group} {name}");
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
    let cmd = Cmd::from_name(name).ok_or_else(|| required("_subcommand"))?;
    let text = |id: &str| if sub.ids().any(|i| i == id) { sub.get_one::<String>(id).cloned() } else { None };
    let (repository, image) = (text("repository"), text("image"));
    // argparse lists the missing required arguments in the order az registers them.
    let mut missing = Vec::new();
    if cmd != Cmd::ListMetadata && registry.name.is_none() && !default_registry {
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
    };
    Ok(Parsed::Run { globals: Box::new(globals), command })
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
    let words: Vec<&str> = args.iter().map(String::as_str).filter(|a| !a.starts_with('-')).take(3).collect();
    let tree = command_tree();
    let Some(command) = tree
        .find_subcommand(words.first().copied().unwrap_or_default())
        .and_then(|c| c.find_subcommand(words.get(1).copied().unwrap_or_default()))
        .and_then(|c| c.find_subcommand(words.get(2).copied().unwrap_or_default()))
    else {
        return Ok(());
    };
    let sorted = |mut names: Vec<&str>| -> Vec<String> {
        names.sort();
        names.dedup();
        names.into_iter().map(String::from).collect()
    };
    let globals = sorted(tree.get_arguments().filter_map(|a| a.get_long()).collect());
    let own = sorted(
        command
            .get_arguments()
            .filter_map(|a| a.get_long())
            .filter(|l| !globals.iter().any(|g| g == l))
            .collect(),
    );
    for arg in args {
        let Some(typed) = arg.strip_prefix("--") else { continue };
        let typed = typed.split('=').next().unwrap_or(typed);
        if typed.is_empty() || globals.iter().chain(&own).any(|l| l == typed) {
            continue;
        }
        for (names, examples) in [(&globals, false), (&own, true)] {
            let candidates: Vec<String> =
                names.iter().filter(|l| l.starts_with(typed)).map(|l| format!("--{l}")).collect();
            if candidates.len() < 2 {
                continue;
            }
            let message = format!("ambiguous option: --{typed} could match {}", candidates.join(", "));
            if !examples {
                return Err(with_link(message));
            }
            return Err(with_examples(&format!("acr {} {}", words[1], words[2]), message, args));
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
    let mut after = vec![String::new()];
    let examples = help::recommended_examples(path, args);
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
            let Some(best) = help::close_match(&word, &REPOSITORY_COMMANDS) else {
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
                Some(path) if !inferred.ends_with(' ') => with_examples(path, message, args),
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
            let arg = context(ContextKind::InvalidArg).unwrap_or_default();
            let position = args.iter().position(|a| *a == arg || a.starts_with(&format!("{arg}=")));
            let rest: Vec<String> = match position {
                Some(i) => {
                    args[i..].iter().take_while(|a| *a == &args[i] || !a.starts_with('-')).cloned().collect()
                }
                None => vec![arg],
            };
            with_link(format!("unrecognized arguments: {}", rest.join(" ")))
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

/// `acr repository <command>` as typed, when it names a command azacr knows.
fn command_path(args: &[String]) -> Option<String> {
    let words: Vec<&str> = args.iter().map(String::as_str).filter(|a| !a.starts_with('-')).take(3).collect();
    match words.as_slice() {
        ["acr", "repository", c] if REPOSITORY_COMMANDS.contains(c) => Some(format!("acr repository {c}")),
        _ => None,
    }
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
}
