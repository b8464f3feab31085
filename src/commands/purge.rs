//! `azacr purge`: acr purge's selection (filters, age, keep, untagged, locks) run locally,
//! with a plan decided from each repository's listings before anything in it is deleted,
//! concurrent deletes that adapt to throttling, and the next repository listed while the
//! current one is being deleted. Output keeps acr purge's wording for the lines people grep
//! (`DRY RUN: …`, `Deleting tags for repository: …`, `Number of deleted tags: …`).

pub mod exec;
pub mod filter;
pub mod plan;

use std::cell::Cell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::pin::pin;
use std::rc::Rc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use reqwest::Method;
use serde::Serialize;
use serde_json::{Value, json};

use super::{CommandResult, Context};
use crate::cli::RegistryArgs;
use crate::error::AppError;
use crate::registry::paths::{self, Reference, Repository};
use crate::registry::{Access, Page, Registry, RegistryError};
use exec::{Limiter, Outcome};
use filter::Filter;
use plan::{ManifestChoice, Selection, TagChoice};

/// acr purge's cap: "the max number of parallel delete requests recommended by ACR server".
pub const MAX_CONCURRENCY: usize = 32;
pub const DEFAULT_CONCURRENCY: usize = 16;
pub const DRY_RUN_HEADER: &str = "DRY RUN: The following output shows what WOULD be deleted if the purge command was executed. Nothing is deleted.";
/// The username that says "the password is an ACR refresh token" (docker identity tokens).
const TOKEN_USERNAME: &str = "00000000-0000-0000-0000-000000000000";
/// What manifest reads accept (acr purge's list).
const ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.artifact.manifest.v1+json, */*";
/// On Ctrl-C, how long requests in flight may still take before they are abandoned.
const GRACE: Duration = Duration::from_secs(10);

/// The purge, as the flags asked for it (checked by `settings`).
#[derive(Debug)]
pub struct Options {
    pub filters: Vec<Filter>,
    pub excludes: Vec<Filter>,
    pub ago: Option<Duration>,
    pub keep: usize,
    pub untagged: bool,
    pub untagged_only: bool,
    pub include_locked: bool,
    pub dry_run: bool,
    pub concurrency: usize,
    /// What acr purge says about a `--concurrency` it changed.
    pub notice: Option<String>,
    /// Repositories per page of the catalog (`--repository-page-size`).
    pub repository_page_size: i64,
    /// `--config`: docker config files to read credentials from.
    pub configs: Vec<PathBuf>,
    pub json: bool,
}

/// What happened in one repository.
#[derive(Debug, Default, Serialize)]
struct Report {
    repository: String,
    /// `planned` (dry run), `done`, `failed`, `interrupted`, `not reached`.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(flatten)]
    tags: TagChoice,
    #[serde(flatten)]
    manifests: ManifestChoice,
    #[serde(rename = "deletedTags")]
    deleted_tags: Vec<String>,
    #[serde(rename = "deletedManifests")]
    deleted_manifests: Vec<String>,
    #[serde(rename = "bytesFreed")]
    bytes_freed: u64,
    failed: Vec<Value>,
}

/// One repository's plan, from the lister to the deleter.
struct Work {
    repository: Repository,
    auth: String,
    plan: Result<Plan, String>,
}

/// What goes from one repository, and what it was decided from.
struct Plan {
    tags: TagChoice,
    manifests: ManifestChoice,
    /// What the manifest bodies say (read for the plan, and for any manifest that appears
    /// before the manifest deletes).
    links: HashMap<String, plan::Links>,
}

/// Why a repository's deletes stopped before the end.
enum Stop {
    Interrupted,
    /// 403, or 401 after the token was renewed: nothing more is tried in the repository.
    /// How many deletions of its phase were then not tried.
    Denied(usize),
}

pub async fn run(ctx: &Context, registry_args: &RegistryArgs, options: &Options) -> CommandResult {
    let args = registry_args_of(registry_args);
    let lookup = |login_server: &str| docker_credentials(ctx, options, login_server);
    let mut registry = super::open_with(ctx, &args, &lookup).await?;
    let login_server = registry.login_server().to_string();
    let names: Vec<String> = match registry.catalog_in_pages_of(options.repository_page_size).await {
        Ok(names) => names.iter().filter_map(|d| d.as_str().map(String::from)).collect(),
        // A repository-scoped identity (ABAC) may not list the catalog: filters that name
        // their repositories plainly still say which ones.
        Err(e) if matches!(e.http_status(), Some(401 | 403)) && !options.filters.is_empty() => {
            let literal: Option<Vec<String>> =
                options.filters.iter().map(|f| f.literal_repository().map(String::from)).collect();
            let Some(mut literal) = literal else { return Err(e.into()) };
            literal.sort();
            literal.dedup();
            ctx.ui.warn(&format!(
                "The catalog could not be listed ({e}); purging the repositories the filters name."
            ));
            literal
        }
        Err(e) => return Err(e.into()),
    };
    let mut selected = Vec::new();
    for name in names {
        let filters = matching(&options.filters, &name)?;
        let excludes = matching(&options.excludes, &name)?;
        let wanted = !filters.is_empty() || (options.untagged_only && options.filters.is_empty());
        // With --untagged-only only repository parts count: an exclude filter then excludes
        // the repository.
        if !wanted || (options.untagged_only && !excludes.is_empty()) {
            continue;
        }
        selected.push((name, filters, excludes));
    }
    let out = Printer { ctx, json: options.json, bar: std::cell::RefCell::new(None) };
    if options.dry_run {
        out.line(DRY_RUN_HEADER);
    }
    if let Some(notice) = &options.notice {
        out.line(notice);
    }
    let cutoff = options.ago.map(|ago| filter::now() - ago.as_nanos() as i128);
    let limiter = Limiter::new(options.concurrency);
    let stopped = Rc::new(Cell::new(false));
    let stop_planner = Rc::new(tokio::sync::Notify::new());
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Work>(1);
    let client = registry.client().clone();
    // Shared by the lister and the deleter (which renews a token the registry rejects).
    let registry = tokio::sync::Mutex::new(registry);
    let mut reports: Vec<Report> = selected
        .iter()
        .map(|(name, ..)| Report { repository: name.clone(), status: "not reached", ..Report::default() })
        .collect();

    let planner = {
        let (limiter, stopped, stop_planner) = (limiter.clone(), stopped.clone(), stop_planner.clone());
        let registry = &registry;
        let selected = &selected;
        async move {
            let work = async {
                for (name, filters, excludes) in selected {
                    if stopped.get() {
                        break;
                    }
                    let selection = Selection {
                        tag_filters: filters.iter().map(|f| &f.tag).collect(),
                        tag_excludes: excludes.iter().map(|f| &f.tag).collect(),
                        cutoff,
                        keep: options.keep,
                        delete_tags: !options.untagged_only,
                        delete_untagged: options.untagged || options.untagged_only,
                        include_locked: options.include_locked,
                    };
                    let work = {
                        let mut registry = registry.lock().await;
                        plan_repository(&mut registry, &limiter, name, &selection).await
                    };
                    if sender.send(work).await.is_err() {
                        break;
                    }
                }
            };
            tokio::select! {
                _ = work => {}
                _ = stop_planner.notified() => {}
            }
        }
    };

    let deleter = async {
        let mut ctrl_c = pin!(tokio::signal::ctrl_c());
        let mut index = 0;
        loop {
            let work = tokio::select! {
                work = receiver.recv() => work,
                _ = &mut ctrl_c, if !stopped.get() => {
                    stop(&stopped, &limiter);
                    stop_planner.notify_one();
                    None
                }
            };
            let Some(work) = work else { break };
            let report = &mut reports[index];
            index += 1;
            let step = Step {
                client: &client,
                registry: &registry,
                login_server: &login_server,
                limiter: &limiter,
                out: &out,
            };
            step.repository(work, report, options, &stopped, &mut ctrl_c).await;
            if stopped.get() {
                stop_planner.notify_one();
                break;
            }
        }
        receiver.close();
    };
    tokio::join!(planner, deleter);
    drop(registry);
    summarize(&out, &reports, options, &login_server, &limiter.borrow(), stopped.get())
}

/// Ctrl-C: no new request starts, none is tried again.
fn stop(stopped: &Cell<bool>, limiter: &exec::Shared) {
    stopped.set(true);
    limiter.borrow_mut().stopped = true;
}

/// The filters whose repository part matches `name`.
fn matching<'a>(filters: &'a [Filter], name: &str) -> Result<Vec<&'a Filter>, AppError> {
    let mut out = Vec::new();
    for f in filters {
        if f.repository.is_match(name).map_err(|e| AppError::Cli(e.to_string()))? {
            out.push(f);
        }
    }
    Ok(out)
}

/// Lists one repository and decides what goes (nothing is deleted here).
async fn plan_repository(
    registry: &mut Registry,
    limiter: &exec::Shared,
    name: &str,
    selection: &Selection<'_>,
) -> Work {
    let repository = match Repository::new(name) {
        Ok(r) => r,
        Err(e) => {
            return Work {
                repository: Repository::new("_").unwrap(),
                auth: String::new(),
                plan: Err(e.to_string()),
            };
        }
    };
    let mut auth = String::new();
    let plan = async {
        auth = registry.authorization_for(&repository, Access::Purge).await.map_err(|e| e.to_string())?;
        let tags: Vec<plan::Tag> = if selection.delete_tags {
            let page = Page { top: None, orderby: Some("timedesc") };
            registry.tags(&repository, page, Access::Purge).await.map_err(|e| listing_failed("tags", &e))?
        } else {
            Vec::new()
        };
        let tag_choice = plan::choose_tags(selection, &tags).map_err(|e| e.to_string())?;
        if !selection.delete_untagged {
            return Ok(Plan {
                tags: tag_choice,
                manifests: ManifestChoice::default(),
                links: HashMap::new(),
            });
        }
        let manifests: Vec<plan::Manifest> = registry
            .manifests(&repository, Page::ALL, Access::Purge)
            .await
            .map_err(|e| listing_failed("manifests", &e))?;
        let links = read_links(registry, limiter, &repository, &auth, &manifests).await?;
        let deleted: HashSet<&str> = tag_choice.tags.iter().map(|t| t.name.as_str()).collect();
        let manifest_choice = plan::choose_manifests(selection, &manifests, &deleted, &links);
        Ok(Plan { tags: tag_choice, manifests: manifest_choice, links })
    }
    .await;
    Work { repository, auth, plan }
}

fn listing_failed(what: &str, e: &RegistryError) -> String {
    format!("listing its {what} failed: {e}")
}

/// The bodies of the manifests that may reference others (indexes) or refer to one
/// (referrers), read concurrently. Any failure but 404 fails the repository's plan.
async fn read_links(
    registry: &Registry,
    limiter: &exec::Shared,
    repository: &Repository,
    auth: &str,
    manifests: &[plan::Manifest],
) -> Result<HashMap<String, plan::Links>, String> {
    let mut urls = VecDeque::new();
    for m in manifests.iter().filter(|m| m.needs_body()) {
        let reference = Reference::new(&m.digest).map_err(|e| e.to_string())?;
        let url = registry.url_for(&paths::v2_manifest(repository, &reference)).map_err(|e| e.to_string())?;
        urls.push_back((m.digest.clone(), url));
    }
    let client = registry.client();
    let mut links = HashMap::new();
    let mut running = FuturesUnordered::new();
    loop {
        // Reads have their own bound (the limit, not what deletes have in flight): ACR
        // throttles reads far less than writes.
        let reads = limiter.borrow().limit().max(1);
        while running.len() < reads
            && let Some((digest, url)) = urls.pop_front()
        {
            running.push(async move {
                let outcome = exec::send(client, limiter, Method::GET, &url, auth, Some(ACCEPT), None).await;
                (digest, outcome)
            });
        }
        let Some((digest, outcome)) = running.next().await else { break };
        match outcome {
            Outcome::Done(body) => {
                let body: Value = serde_json::from_slice(&body)
                    .map_err(|e| format!("the manifest {digest} is not JSON: {e}"))?;
                links.insert(digest, plan::Links::from_body(&body));
            }
            Outcome::Gone => {}
            Outcome::Failed(e) | Outcome::Denied(e) => {
                return Err(format!("reading the manifest {digest} failed: {e}"));
            }
        }
    }
    Ok(links)
}

/// Writes the run's lines (none with `-o json`), and on a terminal a progress bar on
/// stderr (items done / total of the repository, rate, ETA), never in a pipe or CI log.
struct Printer<'a> {
    ctx: &'a Context,
    json: bool,
    bar: std::cell::RefCell<Option<Bar>>,
}

struct Bar {
    repository: String,
    total: usize,
    done: usize,
    started: std::time::Instant,
}

impl Printer<'_> {
    fn line(&self, text: &str) {
        if self.json {
            return;
        }
        let shown = self.bar.borrow().is_some();
        if shown {
            self.ctx.ui.stderr_raw("\r\x1b[K");
        }
        let _ = self.ctx.ui.print(&format!("{text}\n"));
        if shown {
            self.draw();
        }
    }

    fn bar_start(&self, repository: &str, total: usize) {
        if self.ctx.ui.stderr_is_tty && total > 0 {
            let started = std::time::Instant::now();
            *self.bar.borrow_mut() = Some(Bar { repository: repository.into(), total, done: 0, started });
            self.draw();
        }
    }

    fn bar_step(&self) {
        if let Some(bar) = self.bar.borrow_mut().as_mut() {
            bar.done += 1;
        }
        self.draw();
    }

    fn bar_end(&self) {
        if self.bar.borrow_mut().take().is_some() {
            self.ctx.ui.stderr_raw("\r\x1b[K");
        }
    }

    fn draw(&self) {
        let Some(bar) = &*self.bar.borrow() else { return };
        let seconds = bar.started.elapsed().as_secs_f64().max(0.001);
        let rate = bar.done as f64 / seconds;
        let eta =
            if rate > 0.0 { format!("{:.0} s", (bar.total - bar.done) as f64 / rate) } else { "?".into() };
        let width = 30;
        let filled = width * bar.done / bar.total.max(1);
        self.ctx.ui.stderr_raw(&format!(
            "\r\x1b[K{} [{}{}] {}/{} {rate:.0}/s ETA {eta}",
            bar.repository,
            "#".repeat(filled),
            "-".repeat(width - filled),
            bar.done,
            bar.total
        ));
    }
}

struct Step<'a> {
    client: &'a reqwest::Client,
    registry: &'a tokio::sync::Mutex<Registry>,
    login_server: &'a str,
    limiter: &'a exec::Shared,
    out: &'a Printer<'a>,
}

/// One deletion to make: the item's name in messages, its unlock (PATCH) and its DELETE.
struct Deletion {
    label: String,
    key: String,
    size: u64,
    unlock: Option<reqwest::Url>,
    delete: reqwest::Url,
    is_tag: bool,
}

impl Step<'_> {
    async fn repository(
        &self,
        work: Work,
        report: &mut Report,
        options: &Options,
        stopped: &Cell<bool>,
        ctrl_c: &mut std::pin::Pin<&mut impl std::future::Future<Output = std::io::Result<()>>>,
    ) {
        let name = work.repository.name().to_string();
        let Plan { tags, manifests, mut links } = match work.plan {
            Ok(plan) => plan,
            Err(e) => {
                self.out.line(&format!("Failed to purge repository {name}: {e}"));
                report.status = "failed";
                report.error = Some(e);
                return;
            }
        };
        let dry = options.dry_run;
        let prefix = format!("{}/{name}", self.login_server);
        let mut deletions: Vec<Vec<Deletion>> = Vec::new();
        if !options.untagged_only {
            let verb = if dry { "Would delete" } else { "Deleting" };
            self.out.line(&format!("{verb} tags for repository: {name}"));
            if dry {
                for t in &tags.tags {
                    self.out.line(&format!("Would delete: {prefix}:{} ({})", t.name, t.reason));
                }
            }
            let mut list = Vec::new();
            for t in &tags.tags {
                let Ok(reference) = Reference::new(&t.name) else { continue };
                let path = paths::acr_tag(&work.repository, &reference);
                let Ok(url) = self.url(&path) else { continue };
                list.push(Deletion {
                    label: format!("{prefix}:{}", t.name),
                    key: t.name.clone(),
                    size: 0,
                    unlock: t.locked.then(|| url.clone()),
                    delete: url,
                    is_tag: true,
                });
            }
            deletions.push(list);
        }
        if options.untagged || options.untagged_only {
            // One phase per layer: what points at others goes before what it points at.
            let rounds = manifests.manifests.iter().map(|m| m.layer + 1).max().unwrap_or(1);
            let mut layers: Vec<Vec<Deletion>> = (0..rounds).map(|_| Vec::new()).collect();
            for m in &manifests.manifests {
                let Ok(reference) = Reference::new(&m.digest) else { continue };
                let (Ok(delete), Ok(attributes)) = (
                    self.url(&paths::v2_manifest(&work.repository, &reference)),
                    self.url(&paths::acr_manifest(&work.repository, &reference)),
                ) else {
                    continue;
                };
                layers[m.layer].push(Deletion {
                    label: format!("{prefix}@{}", m.digest),
                    key: m.digest.clone(),
                    size: m.image_size,
                    unlock: m.locked.then_some(attributes),
                    delete,
                    is_tag: false,
                });
            }
            deletions.extend(layers);
        }
        let locked = (tags.locked_skipped, manifests.locked_skipped);
        report.tags = tags;
        report.manifests = manifests;
        if dry {
            if options.untagged || options.untagged_only {
                self.out.line(&format!("Would delete manifests for repository: {name}"));
                for m in &report.manifests.manifests {
                    self.out.line(&format!("Would delete: {prefix}@{} ({})", m.digest, m.reason));
                }
            }
            self.locked_line(&name, locked);
            report.status = "planned";
            report.deleted_tags = report.tags.tags.iter().map(|t| t.name.clone()).collect();
            report.deleted_manifests = report.manifests.manifests.iter().map(|m| m.digest.clone()).collect();
            report.bytes_freed = report.manifests.manifests.iter().map(|m| m.image_size).sum();
            return;
        }
        report.status = "done";
        let auth = std::cell::RefCell::new(work.auth);
        // Renewed once per repository: a 401 after that stops it.
        let renewed = Cell::new(false);
        let mut phases: VecDeque<Vec<Deletion>> = deletions.into();
        if !options.untagged_only
            && let Some(list) = phases.pop_front()
        {
            let stop =
                self.delete_all(list, report, &work.repository, &auth, &renewed, stopped, ctrl_c).await;
            if self.stopped(stop, report, &phases) {
                return;
            }
        }
        if options.untagged || options.untagged_only {
            self.out.line(&format!("Deleting manifests for repository: {name}"));
        }
        if phases.iter().all(|p| p.is_empty()) {
            self.finish(report, &name, locked);
            return;
        }
        // The plan is as old as the listing: list again now that the tags are gone, so that
        // what was tagged or pushed meanwhile stays.
        let current = {
            let mut registry = self.registry.lock().await;
            match registry.manifests::<plan::Manifest>(&work.repository, Page::ALL, Access::Purge).await {
                Ok(current) => {
                    let unread: Vec<plan::Manifest> = current
                        .iter()
                        .filter(|m| m.needs_body() && !links.contains_key(&m.digest))
                        .cloned()
                        .collect();
                    let auth = auth.borrow().clone();
                    read_links(&registry, self.limiter, &work.repository, &auth, &unread).await.map(|more| {
                        links.extend(more);
                        current
                    })
                }
                Err(e) => Err(listing_failed("manifests again", &e)),
            }
        };
        let current = match current {
            Ok(current) => current,
            Err(e) => {
                self.out.line(&format!("Failed to purge repository {name}: {e}"));
                report.status = "failed";
                report.error = Some(e);
                return;
            }
        };
        let planned: HashMap<&str, &plan::PlannedManifest> =
            report.manifests.manifests.iter().map(|m| (m.digest.as_str(), m)).collect();
        // A manifest one of whose planned tag deletions failed still has that tag, which
        // deleting it by digest would delete too.
        let failed_tags: HashSet<&str> = report
            .tags
            .tags
            .iter()
            .filter(|t| !report.deleted_tags.contains(&t.name))
            .map(|t| t.digest.as_str())
            .collect();
        let mut unsafe_now: HashSet<String> = failed_tags.iter().map(|d| d.to_string()).collect();
        for m in &current {
            let changed = planned
                .get(m.digest.as_str())
                .is_some_and(|p| p.last_update_time != m.last_update_time.clone().unwrap_or_default());
            if changed || m.tags.as_ref().is_some_and(|t| !t.is_empty()) {
                unsafe_now.insert(m.digest.clone());
            }
        }
        while let Some(list) = phases.pop_front() {
            // What stays now (failed before, tagged or changed since the plan) keeps what it
            // needs: the protection of the plan, again, over what is left to delete.
            let mut going: HashSet<String> = phases
                .iter()
                .chain(std::iter::once(&list))
                .flatten()
                .map(|d| d.key.clone())
                .filter(|d| !unsafe_now.contains(d))
                .collect();
            let deleted: HashSet<&str> = report.deleted_manifests.iter().map(String::as_str).collect();
            let mut all: Vec<&str> =
                current.iter().map(|m| m.digest.as_str()).filter(|d| !deleted.contains(d)).collect();
            all.extend(going.iter().map(String::as_str).filter(|d| !current.iter().any(|m| m.digest == *d)));
            let all: Vec<String> = all.into_iter().map(String::from).collect();
            let all: Vec<&str> = all.iter().map(String::as_str).collect();
            plan::protect(&all, &mut going, &links);
            let mut keep = |list: Vec<Deletion>| -> Vec<Deletion> {
                let (go, stay): (Vec<_>, Vec<_>) = list.into_iter().partition(|d| going.contains(&d.key));
                for d in stay {
                    self.out.line(&format!(
                        "Not deleting {}: it is tagged, changed or needed by something that stays since the plan",
                        d.label
                    ));
                    report.manifests.protected += 1;
                }
                go
            };
            let list = keep(list);
            for later in phases.iter_mut() {
                *later = keep(std::mem::take(later));
            }
            let stop =
                self.delete_all(list, report, &work.repository, &auth, &renewed, stopped, ctrl_c).await;
            if self.stopped(stop, report, &phases) {
                return;
            }
        }
        self.finish(report, &name, locked);
    }

    /// Ends a repository's deletes early when `stop` says so (true then).
    fn stopped(&self, stop: Option<Stop>, report: &mut Report, later: &VecDeque<Vec<Deletion>>) -> bool {
        match stop {
            None => false,
            Some(Stop::Interrupted) => {
                report.status = "interrupted";
                true
            }
            Some(Stop::Denied(not_tried)) => {
                let rest = not_tried + later.iter().map(Vec::len).sum::<usize>();
                if rest > 0 {
                    self.out.line(&format!(
                        "Not allowed in repository {}: {rest} more deletion(s) not tried",
                        report.repository
                    ));
                }
                report.status = "failed";
                true
            }
        }
    }

    fn finish(&self, report: &mut Report, name: &str, locked: (usize, usize)) {
        if !report.failed.is_empty() {
            report.status = "failed";
        }
        self.locked_line(name, locked);
    }

    fn locked_line(&self, name: &str, (tags, manifests): (usize, usize)) {
        if tags + manifests > 0 {
            self.out.line(&format!(
                "Skipped in {name}: {tags} locked tag(s), {manifests} locked manifest(s) (--include-locked deletes them)"
            ));
        }
    }

    fn url(&self, path: &str) -> Result<reqwest::Url, ()> {
        reqwest::Url::parse(&format!("https://{}{path}", self.login_server)).map_err(|_| ())
    }

    /// Deletes `list` concurrently; what stopped it early (Ctrl-C, a denial), if anything.
    #[allow(clippy::too_many_arguments)]
    async fn delete_all(
        &self,
        list: Vec<Deletion>,
        report: &mut Report,
        repository: &Repository,
        auth: &std::cell::RefCell<String>,
        renewed: &Cell<bool>,
        stopped: &Cell<bool>,
        ctrl_c: &mut std::pin::Pin<&mut impl std::future::Future<Output = std::io::Result<()>>>,
    ) -> Option<Stop> {
        let unlock_body = json!({"deleteEnabled": true, "writeEnabled": true});
        let unlock_body = &unlock_body;
        let mut queue: VecDeque<Deletion> = list.into();
        let mut not_tried = 0;
        // Set once, when Ctrl-C arrives: what is still in flight then is abandoned at it.
        let mut deadline: Option<tokio::time::Instant> = None;
        self.out.bar_start(&report.repository, queue.len());
        let mut running = FuturesUnordered::new();
        let (client, limiter) = (self.client, self.limiter);
        loop {
            while !stopped.get()
                && limiter.borrow().has_room()
                && let Some(d) = queue.pop_front()
            {
                exec::started(limiter);
                let header = auth.borrow().clone();
                running.push(async move {
                    let auth = header.clone();
                    let auth = auth.as_str();
                    if let Some(url) = &d.unlock {
                        let outcome =
                            exec::send(client, limiter, Method::PATCH, url, auth, None, Some(unlock_body))
                                .await;
                        match outcome {
                            Outcome::Failed(e) => {
                                exec::finished(limiter);
                                return (d, Outcome::Failed(format!("unlocking failed: {e}")), header);
                            }
                            Outcome::Denied(e) => {
                                exec::finished(limiter);
                                return (d, Outcome::Denied(format!("unlocking failed: {e}")), header);
                            }
                            _ => {}
                        }
                    }
                    let outcome =
                        exec::send(client, limiter, Method::DELETE, &d.delete, auth, None, None).await;
                    exec::finished(limiter);
                    (d, outcome, header)
                });
            }
            if running.is_empty() {
                self.out.bar_end();
                return if stopped.get() {
                    Some(Stop::Interrupted)
                } else if report.error.is_some() {
                    Some(Stop::Denied(not_tried))
                } else {
                    None
                };
            }
            let next = tokio::select! {
                next = running.next() => next,
                _ = &mut *ctrl_c, if !stopped.get() => {
                    stop(stopped, limiter);
                    deadline = Some(tokio::time::Instant::now() + GRACE);
                    continue;
                }
                _ = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => {
                    for _ in 0..running.len() {
                        report.failed.push(json!({"item": "(in flight)", "error": "abandoned after Ctrl-C: it may or may not have been deleted"}));
                    }
                    self.out.bar_end();
                    self.out.line(&format!("Abandoned {} request(s) in flight after Ctrl-C: they may or may not have been carried out.", running.len()));
                    return Some(Stop::Interrupted);
                }
            };
            let Some((d, outcome, used)) = next else { continue };
            self.out.bar_step();
            match outcome {
                Outcome::Done(_) | Outcome::Gone => {
                    self.out.line(&format!("Deleted {}", d.label));
                    if d.is_tag {
                        report.deleted_tags.push(d.key);
                    } else {
                        report.deleted_manifests.push(d.key);
                        report.bytes_freed += d.size;
                    }
                }
                Outcome::Failed(e) => {
                    self.out.line(&format!("Failed to delete {}, error: {e}", d.label));
                    report.failed.push(json!({"item": d.label, "error": e}));
                }
                // Sent with a token renewed since: try again with the new one.
                Outcome::Denied(e) if e.starts_with("HTTP 401") && used != *auth.borrow() => {
                    queue.push_front(d);
                }
                Outcome::Denied(e) if e.starts_with("HTTP 401") && !renewed.get() => {
                    // A token that expired in a long run: sign in again once, try again.
                    renewed.set(true);
                    let renewal =
                        self.registry.lock().await.renew_authorization(repository, Access::Purge).await;
                    match renewal {
                        Ok(header) => {
                            crate::log::debug(format_args!("purge: token for {} renewed", repository.name()));
                            *auth.borrow_mut() = header;
                            queue.push_front(d);
                        }
                        Err(renewal) => {
                            self.out.line(&format!("Failed to delete {}, error: {e} ({renewal})", d.label));
                            report.failed.push(json!({"item": d.label, "error": e}));
                            not_tried += queue.len();
                            queue.clear();
                            report.error.get_or_insert_with(|| format!("denied: {e}"));
                        }
                    }
                }
                Outcome::Denied(e) => {
                    self.out.line(&format!("Failed to delete {}, error: {e}", d.label));
                    report.failed.push(json!({"item": d.label, "error": e}));
                    // Not allowed here: nothing more is tried in this repository.
                    not_tried += queue.len();
                    queue.clear();
                    report.error.get_or_insert_with(|| format!("denied: {e}"));
                }
            }
        }
    }
}

/// The totals (acr purge's lines, then azacr's), or the JSON document; the exit code.
fn summarize(
    out: &Printer,
    reports: &[Report],
    options: &Options,
    login_server: &str,
    limiter: &Limiter,
    interrupted: bool,
) -> CommandResult {
    let tags: usize = reports.iter().map(|r| r.deleted_tags.len()).sum();
    let manifests: usize = reports.iter().map(|r| r.deleted_manifests.len()).sum();
    let bytes: u64 = reports.iter().map(|r| r.bytes_freed).sum();
    let failed_items: usize = reports.iter().map(|r| r.failed.len()).sum();
    let names = |status: &str| -> Vec<&str> {
        reports.iter().filter(|r| r.status == status).map(|r| r.repository.as_str()).collect()
    };
    let done = if options.dry_run { names("planned") } else { names("done") };
    let failed = names("failed");
    let not_reached = names("not reached");
    let interrupted_repositories = names("interrupted");
    if options.json {
        let document = json!({
            "dryRun": options.dry_run,
            "registry": login_server,
            "interrupted": interrupted,
            "repositories": reports,
            "summary": {
                "tagsDeleted": tags, "manifestsDeleted": manifests, "bytesFreed": bytes,
                "failedItems": failed_items,
                "repositoriesDone": done, "repositoriesFailed": failed,
                "repositoriesInterrupted": interrupted_repositories, "repositoriesNotReached": not_reached,
                "requests": limiter.requests, "throttled": limiter.throttled,
            },
        });
        let text = serde_json::to_string_pretty(&document).unwrap_or_default();
        out.ctx.ui.print(&format!("{text}\n")).map_err(AppError::Output)?;
    } else if options.dry_run {
        out.line(&format!("\nNumber of tags to be deleted: {tags}"));
        out.line(&format!("Number of manifests to be deleted: {manifests}"));
        out.line(&format!("Bytes to be freed: {bytes} (at most: layers may be shared)"));
    } else {
        out.line(&format!("\nNumber of deleted tags: {tags}"));
        out.line(&format!("Number of deleted manifests: {manifests}"));
        out.line(&format!("Bytes freed: {bytes} (at most: layers may be shared)"));
        if failed_items > 0 {
            out.line(&format!("Number of failed deletions: {failed_items}"));
        }
    }
    let list = |v: &[&str]| if v.is_empty() { "-".to_string() } else { v.join(", ") };
    if !options.json {
        out.line(&format!("Repositories done ({}): {}", done.len(), list(&done)));
        if !failed.is_empty() {
            out.line(&format!("Repositories failed ({}): {}", failed.len(), list(&failed)));
        }
        if !interrupted_repositories.is_empty() {
            out.line(&format!(
                "Repositories interrupted ({}): {}",
                interrupted_repositories.len(),
                list(&interrupted_repositories)
            ));
        }
        if !not_reached.is_empty() {
            out.line(&format!("Repositories not reached ({}): {}", not_reached.len(), list(&not_reached)));
        }
    }
    if interrupted {
        out.ctx
            .ui
            .note("Interrupted: no new deletions were started; the summary above says what was deleted.");
        return Err(AppError::Exit(130));
    }
    if failed_items > 0 || !failed.is_empty() {
        return Err(AppError::Exit(1));
    }
    Ok(None)
}

/// What `docker-credential-<helper> get` gives for `login_server` (docker's protocol: the
/// server on stdin, `{"Username","Secret"}` on stdout; `<token>` names an identity token).
/// None when the helper is missing, fails or has nothing (docker's "credentials not found").
fn helper_credentials(ctx: &Context, helper: &str, login_server: &str) -> Option<(String, String)> {
    use std::io::Write;
    let program = crate::az::find_program(&ctx.env, &format!("docker-credential-{helper}"));
    let Some(program) = program else {
        crate::log::debug(format_args!("docker credential helper docker-credential-{helper}: not on PATH"));
        return None;
    };
    let mut child = std::process::Command::new(&program)
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let _ = child.stdin.take()?.write_all(login_server.as_bytes());
    let output = child.wait_with_output().ok()?;
    if !output.status.success() {
        crate::log::debug(format_args!(
            "docker credential helper {}: no credentials for {login_server}",
            program.display()
        ));
        return None;
    }
    let answer: Value = serde_json::from_slice(&output.stdout).ok()?;
    let (username, secret) = (answer["Username"].as_str()?, answer["Secret"].as_str()?);
    if secret.is_empty() {
        return None;
    }
    let username = if username == "<token>" { TOKEN_USERNAME } else { username };
    Some((username.to_string(), secret.to_string()))
}

/// The registry's flags; acr purge takes the name or the login server.
fn registry_args_of(args: &RegistryArgs) -> RegistryArgs {
    let name = args.name.as_deref().map(|n| {
        let lower = n.to_lowercase();
        lower.strip_suffix(".azurecr.io").map_or(n.to_string(), |_| n[..n.len() - 11].to_string())
    });
    RegistryArgs {
        name,
        suffix: args.suffix.clone(),
        username: args.username.clone(),
        password: args.password.clone(),
        resource_group_given: false,
    }
}

/// Without `-u/-p`: credentials from the docker config (`--config`, else
/// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`) for `login_server` (the one
/// resolved, as `docker login` wrote it): an identity token (what `az acr login` leaves: an
/// ACR refresh token) or `auth`, or what the credential helper docker would ask gives
/// (`credHelpers`, else `credsStore`); else none (azacr's own sign-in: the az account).
fn docker_credentials(
    ctx: &Context,
    options: &Options,
    login_server: &str,
) -> Result<Option<(String, String)>, AppError> {
    let files: Vec<PathBuf> = if options.configs.is_empty() {
        let dir = ctx
            .env
            .var_os("DOCKER_CONFIG")
            .map(PathBuf::from)
            .or_else(|| ctx.env.var_os("HOME").map(|h| PathBuf::from(h).join(".docker")));
        dir.map(|d| vec![d.join("config.json")]).unwrap_or_default()
    } else {
        options.configs.clone()
    };
    for file in files {
        let Ok(text) = std::fs::read(&file) else {
            if !options.configs.is_empty() {
                return Err(AppError::Cli(format!("Could not read the docker config {}", file.display())));
            }
            continue;
        };
        let config: Value = serde_json::from_slice(&text)
            .map_err(|e| AppError::Cli(format!("The docker config {} is not JSON: {e}", file.display())))?;
        let same_server = |k: &str| {
            k.trim_start_matches("https://").trim_end_matches('/').eq_ignore_ascii_case(login_server)
        };
        let helper = config["credHelpers"]
            .as_object()
            .and_then(|helpers| helpers.iter().find(|(k, _)| same_server(k)))
            .map(|(_, name)| name)
            .or(config.get("credsStore"))
            .and_then(Value::as_str)
            .filter(|name| !name.is_empty());
        if let Some(helper) = helper {
            if let Some(found) = helper_credentials(ctx, helper, login_server) {
                return Ok(Some(found));
            }
            continue;
        }
        let Some(entry) =
            config["auths"].as_object().and_then(|auths| auths.iter().find(|(k, _)| same_server(k)))
        else {
            continue;
        };
        let entry = entry.1;
        if let Some(token) = entry["identitytoken"].as_str().filter(|t| !t.is_empty()) {
            return Ok(Some((TOKEN_USERNAME.into(), token.into())));
        }
        use base64::Engine;
        let decoded = entry["auth"]
            .as_str()
            .and_then(|a| base64::engine::general_purpose::STANDARD.decode(a).ok())
            .and_then(|b| String::from_utf8(b).ok());
        if let Some((user, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
            return Ok(Some((user.into(), password.into())));
        }
    }
    Ok(None)
}
