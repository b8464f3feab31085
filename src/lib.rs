//! azacr: az's `acr repository` commands, in one quick process.
//!
//! `main` routes a command line: azacr's own commands go to `run` (parse → settings →
//! command → `--query` → output → report); everything else to the real az (`passthrough`).

pub mod az;
pub mod calendar;
pub mod cli;
pub mod cloud;
pub mod commands;
pub mod config;
pub mod data;
pub mod env;
pub mod error;
pub mod log;
pub mod output;
pub mod passthrough;
pub mod prompt;
pub mod registry;
pub mod settings;
pub mod shim;
pub mod ui;

use std::ffi::{OsStr, OsString};
use std::path::Path;

use cli::Parsed;
use commands::Context;
use config::Config;
use env::Env;
use error::AppError;
use output::Format;
use ui::{Io, Ui};

/// The whole program: `program` is argv\[0\] (how azacr was invoked: as `az` or as `azacr`),
/// `args` the rest, exactly as given. Returns the exit code (pass-through may end the process
/// itself, or on Unix become the real az).
pub fn main(program: Option<OsString>, args: Vec<OsString>) -> u8 {
    let words: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let env = Env::process();
    if invoked_as_az(program.as_deref()) {
        if words == ["--version"] {
            return passthrough::version(&args, &env);
        }
    } else {
        match words.first().map(String::as_str) {
            Some("--version") if words.len() == 1 => {
                println!("azacr {}", env!("CARGO_PKG_VERSION"));
                return 0;
            }
            Some("shim") => return shim::main(&args[1..], &env),
            // azacr's own command (as `az`, `purge` is no az word and goes to the real az).
            Some("purge") => return run_with(words, &Io::process(), env),
            _ => {}
        }
    }
    let route = passthrough::route(&words);
    if route == passthrough::Route::Native {
        return run_with(words, &Io::process(), env);
    }
    match az::find_real_az(&env) {
        Ok(real) => passthrough::run(&real, &args, &env),
        Err(_) if route == passthrough::Route::NativeUnlessAz => run_with(words, &Io::process(), env),
        Err(reason) => passthrough::not_found(&reason),
    }
}

/// Whether argv\[0\] names `az` (`az.exe` on Windows): a link or copy standing in for az.
fn invoked_as_az(program: Option<&OsStr>) -> bool {
    program
        .map(Path::new)
        .and_then(Path::file_stem)
        .and_then(OsStr::to_str)
        .is_some_and(|stem| stem.eq_ignore_ascii_case("az"))
}

/// Runs azacr on az's argv (without the program name) in the process's streams and
/// environment, and returns the exit code.
pub fn run(args: Vec<String>) -> u8 {
    run_with(args, &Io::process(), Env::process())
}

/// Runs azacr with the given streams, terminal facts and environment (in-process tests).
pub fn run_with(args: Vec<String>, io: &Io, env: Env) -> u8 {
    // One TLS crypto provider for the process (reqwest is built without a default one).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = Config::load(&env);
    let mut ui = Ui::new(io, config.get_bool("core", "no_color"));
    let mut clock = Clock { started: std::time::Instant::now(), invoked: None };
    if args.first().is_some_and(|word| word == "purge") {
        // azacr's own command: its own flags, no az logging rules.
        return report(execute(args, config, env, &mut ui, &mut clock), &ui);
    }
    // az's logging reads these words from argv before anything is parsed (argv beats the
    // config), and with --verbose or --debug ends every run with its timing line, after
    // help and argparse errors too.
    let word = |w: &str| args.iter().any(|a| a == w);
    let (verbose, only_errors) = (word("--verbose") || word("--debug"), word("--only-show-errors"));
    if verbose && only_errors {
        let line = "--only-show-errors can't be used together with --debug or --verbose";
        ui.note(line);
        ui.note(line);
        return 1;
    }
    ui.only_show_errors = only_errors || (!verbose && config.get_bool("core", "only_show_errors"));
    ui.verbose = verbose;
    let code = report(execute(args, config, env, &mut ui, &mut clock), &ui);
    if verbose {
        clock.report(&ui);
    }
    code
}

/// The exit code of a run, its error (if any) printed as az prints it.
fn report(result: Result<(), AppError>, ui: &Ui) -> u8 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            e.report(ui);
            e.exit_code()
        }
    }
}

/// Applies `--query` to a command's result and prints it in `format`.
fn show(
    value: &output::Data,
    query: Option<&output::query::Query>,
    format: Format,
    keep_order: bool,
    ui: &Ui,
) -> Result<(), AppError> {
    let shown = match query {
        Some(q) => q.search(value).map_err(AppError::Query)?,
        None => output::Value::Borrowed(value),
    };
    if shown.is_null() {
        return Ok(());
    }
    let query_active = keep_order;
    if ui.color {
        ui.print(&output::render_in_color(&shown, format, query_active)).map_err(AppError::Output)
    } else {
        ui.print_with(|stdout| output::print(&shown, format, query_active, stdout)).map_err(AppError::Output)
    }
}

/// When the run started and when the command itself did: az's `--verbose` timing line.
struct Clock {
    started: std::time::Instant,
    invoked: Option<std::time::Instant>,
}

impl Clock {
    fn report(&self, ui: &Ui) {
        // az's split: start-up and parsing, then the command itself.
        let total = self.started.elapsed().as_secs_f64();
        let init = self.invoked.map_or(total, |invoked| (invoked - self.started).as_secs_f64());
        ui.info(&format!("Command ran in {total:.3} seconds (init: {init:.3}, invoke: {:.3})", total - init));
    }
}

fn execute(
    args: Vec<String>,
    config: Config,
    env: Env,
    ui: &mut Ui,
    clock: &mut Clock,
) -> Result<(), AppError> {
    let (globals, command) = match cli::parse(args, config.default_registry().is_some())? {
        Parsed::Help(help) => {
            let text = match config.default_registry() {
                Some(registry) => help.with_default_registry(&registry),
                None => help.text.to_string(),
            };
            return ui.print(&text).map_err(AppError::Output);
        }
        Parsed::Run { globals, command } => (globals, command),
        Parsed::Purge(None) => return ui.print(cli::purge::HELP).map_err(AppError::Output),
        Parsed::Purge(Some(args)) => {
            let (settings, command) = settings::resolve_purge(*args)?;
            let _tracing = settings.debug.then(|| log::trace_to(ui));
            let ctx = Context::new(ui.clone(), config, env);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(AppError::Output)?;
            // Purge handles Ctrl-C itself: it stops starting deletions and prints its summary.
            let result = runtime.block_on(commands::run(&ctx, &command));
            runtime.shutdown_background();
            return result.map(|_| ());
        }
    };
    let (settings, command) = settings::resolve(*globals, *command, &config)?;
    let _tracing = settings.debug.then(|| log::trace_to(ui));
    let _unverified = registry::transport::warn_unverified_to(ui);
    if let Some(subscription) = &settings.subscription
        && !config.knows_subscription(subscription)
    {
        // az says so while parsing, before any other warning.
        ui.warn(&format!("Subscription '{subscription}' not recognized."));
    }
    if command.registry().resource_group_given {
        ui.warn(
            "Argument 'resource_group_name' has been deprecated and will be removed in a future release.",
        );
    }
    if let Some(banner) = command.deprecation() {
        ui.deprecation(banner);
    }
    if let Some(banner) = command.preview() {
        ui.preview(banner);
    }
    let config = config.with_subscription(settings.subscription.clone());
    let ctx = Context::new(ui.clone(), config, env);
    clock.invoked = Some(std::time::Instant::now());
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(AppError::Output)?;
    registry::transport::take_sent_deletes();
    let result = runtime.block_on(async {
        tokio::select! {
            result = commands::run(&ctx, &command) => result,
            _ = tokio::signal::ctrl_c() => Err(AppError::Interrupted),
        }
    });
    runtime.shutdown_background();
    if let Err(AppError::Interrupted) = &result {
        // A change may have happened: a night's log must not be silent about it.
        for url in registry::transport::take_sent_deletes() {
            ui.note(&format!("Interrupted after sending DELETE {url}: it may have been carried out."));
        }
    }
    let Some(mut value) = result? else {
        // Nothing to print (a delete).
        return Ok(());
    };
    // knack keeps a transformer's column order, as it does a query's.
    let mut keep_order = settings.query.is_some();
    if let (Format::Table, None, Some(transform)) =
        (settings.format, &settings.query, command.table_transform())
    {
        value = transform(&value);
        keep_order = true;
    }
    let shown = show(&value, settings.query.as_ref(), settings.format, keep_order, ui);
    // A listing can hold many thousands of values and the process is about to end: freeing
    // them one by one took as long as printing them (~10 ms for 100,000 manifests).
    std::mem::forget(value);
    shown?;
    Ok(())
}
