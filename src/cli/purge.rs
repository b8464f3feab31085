//! `azacr purge`: azacr's own command (not an az command), with acr purge's flags, so that
//! a `--cmd "acr purge …"` string can be pasted after `azacr`. Parsed here; checked in
//! `settings`.

use clap::{Arg, ArgAction, Command};

use crate::error::AppError;

/// The flags as typed.
#[derive(Debug, Default)]
pub struct PurgeArgs {
    pub registry: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub configs: Vec<String>,
    pub filters: Vec<String>,
    pub excludes: Vec<String>,
    pub ago: Option<String>,
    pub keep: Option<String>,
    pub untagged: bool,
    pub untagged_only: bool,
    pub include_locked: bool,
    pub dry_run: bool,
    pub concurrency: Option<String>,
    pub repository_page_size: Option<String>,
    pub filter_timeout_seconds: Option<String>,
    pub output: Option<String>,
    pub debug: bool,
}

pub const HELP: &str = "\
Delete tags and untagged manifests from a registry, as `acr purge` does, from this machine.

Usage: azacr purge --registry NAME --filter REPO:TAG --ago DURATION [options]
       azacr purge --registry NAME --untagged-only [--filter REPO:TAG] [--ago DURATION] [options]

Selection:
  -f, --filter REPO-REGEX:TAG-REGEX
        Repositories whose whole name matches REPO-REGEX (anchored: `^REPO-REGEX$`), and in
        them the tags TAG-REGEX matches anywhere in the name (not anchored, as in acr purge:
        write `^v1$` for exactly v1). Repeatable; filters naming the same repository are
        OR-ed. Regexes backtrack: lookahead `(?!…)`, lookbehind `(?<!…)` and backreferences
        work; a match that runs away is an error (see --filter-timeout-seconds).
      --exclude-filter REPO-REGEX:TAG-REGEX
        Tags matching this are never deleted, whatever --filter says. Repeatable. With
        --untagged-only, where only repository parts count, it excludes whole repositories.
      --ago DURATION
        Only what was last updated longer ago than this: `30d`, `2d3h6m`, `12h`, `0d`
        (everything up to now). Days, then a Go duration (h, m, s). Required unless
        --untagged-only.
      --keep N
        Of the tags that would be deleted, the N most recently updated (by lastUpdateTime)
        survive. With --untagged or --untagged-only, the N most recently updated of the
        untagged manifests that would be deleted survive too.
      --untagged
        Also delete manifests left without tags (after the tag deletions), older than --ago.
      --untagged-only
        Delete only untagged manifests, no tags; --filter's repository part picks the
        repositories (all when no --filter), --ago and --keep are optional.
      --include-locked
        Unlock locked tags and manifests (deleteEnabled/writeEnabled false), then delete
        them. Without it they are skipped and counted.
  Never deleted: a manifest still tagged, one an index or manifest list that stays
  references, a referrer (signature, SBOM) whose subject stays, one without a media type or
  a readable last update time. A repository whose listing fails is left untouched.

Run:
      --dry-run
        Print what would be deleted and why, and the totals; delete nothing (no DELETE or
        PATCH is sent).
      --concurrency N
        Requests at once (default 16, at most 32: acr purge's cap). Lowered by itself while
        the registry throttles (429), raised again as requests succeed.
      --repository-page-size N
        Repositories asked for per page of the catalog (default 100). A registry with very
        many objects can time out on large pages: ask for fewer.
      --filter-timeout-seconds N
        Longest time one regex match may take (default 60).
  -o, --output json
        Print the plan (dry run) or the result as one JSON document instead of lines.
      --debug
        Log every request to stderr (no secrets).

Credentials (first found): -u/--username with -p/--password; the docker config
(--config FILE, repeatable; else $DOCKER_CONFIG/config.json or ~/.docker/config.json) entry
for the login server: the identity token `az acr login` leaves, or `auth`, or what its
credential helper gives (credHelpers, else credsStore); else the az account azacr signs in
with, as for every azacr command.
  -r, --registry NAME        Registry name or login server (myregistry, myregistry.azurecr.io).
  -u, --username USERNAME
  -p, --password PASSWORD
  -c, --config FILE

Exit codes: 0 done; 1 something failed (listed in the summary; the rest went on); 2 bad
arguments; 130 interrupted (Ctrl-C: no new deletions start; the summary is printed).

Examples:
  azacr purge -r myregistry --filter 'hello-world:.*' --ago 30d --dry-run
  azacr purge -r myregistry --filter 'app/.*:^build-' --ago 7d --keep 5 --untagged
  azacr purge -r myregistry --untagged-only --ago 2d
  azacr purge -r myregistry --filter '.*:.*' --exclude-filter 'prod/.*:.*' --ago 90d
";

fn value(id: &'static str, long: &'static str) -> Arg {
    Arg::new(id).long(long).action(ArgAction::Set).allow_hyphen_values(false)
}

fn many(id: &'static str, long: &'static str) -> Arg {
    Arg::new(id).long(long).action(ArgAction::Append)
}

fn flag(id: &'static str, long: &'static str) -> Arg {
    Arg::new(id).long(long).action(ArgAction::SetTrue)
}

fn tree() -> Command {
    Command::new("azacr purge").no_binary_name(true).disable_help_flag(true).disable_version_flag(true).args(
        [
            value("registry", "registry").short('r'),
            value("username", "username").short('u'),
            value("password", "password").short('p'),
            many("config", "config").short('c'),
            many("filter", "filter").short('f'),
            many("exclude_filter", "exclude-filter"),
            value("ago", "ago"),
            value("keep", "keep"),
            flag("untagged", "untagged"),
            flag("untagged_only", "untagged-only"),
            flag("include_locked", "include-locked"),
            flag("dry_run", "dry-run"),
            value("concurrency", "concurrency").allow_negative_numbers(true),
            value("filter_timeout_seconds", "filter-timeout-seconds").allow_negative_numbers(true),
            // acr purge's; catalog pages are the registry's (accepted for pasted commands).
            value("repository_page_size", "repository-page-size"),
            flag("verbose", "verbose"),
            value("output", "output").short('o'),
            flag("debug", "debug"),
            flag("help", "help").short('h'),
        ],
    )
}

/// `None`: help was asked for.
pub fn parse(args: &[String]) -> Result<Option<PurgeArgs>, AppError> {
    let matches = tree().try_get_matches_from(args).map_err(|e| {
        let text = e.to_string();
        let first = text.lines().next().unwrap_or("").trim_start_matches("error: ").to_string();
        AppError::Usage {
            message: first,
            after: vec!["Try 'azacr purge --help' for more information.".into()],
        }
    })?;
    if matches.get_flag("help") {
        return Ok(None);
    }
    let one = |id: &str| matches.get_one::<String>(id).cloned();
    let all = |id: &str| matches.get_many::<String>(id).map(|v| v.cloned().collect()).unwrap_or_default();
    Ok(Some(PurgeArgs {
        registry: one("registry"),
        username: one("username"),
        password: one("password"),
        configs: all("config"),
        filters: all("filter"),
        excludes: all("exclude_filter"),
        ago: one("ago"),
        keep: one("keep"),
        untagged: matches.get_flag("untagged"),
        untagged_only: matches.get_flag("untagged_only"),
        include_locked: matches.get_flag("include_locked"),
        dry_run: matches.get_flag("dry_run"),
        concurrency: one("concurrency"),
        repository_page_size: one("repository_page_size"),
        filter_timeout_seconds: one("filter_timeout_seconds"),
        output: one("output"),
        debug: matches.get_flag("debug"),
    }))
}
