//! The README's first command: builds azacr, starts the ACR emulator on 127.0.0.1, and runs
//! the "delete untagged images" script from Microsoft's docs, unchanged but for the
//! `ENABLE_DELETE=true` its page asks for, with azacr standing in as `az`.

use azacr_emulator::scripts::{self, AzOnPath, SignIn};
use azacr_emulator::{Emulator, default_seed};

fn main() {
    let azacr = scripts::build_azacr(false);
    let emulator = Emulator::start(default_seed());
    let az = AzOnPath::new(&azacr, &[]);
    println!("ACR emulator: https://{} on {}", emulator.login_server(), emulator.addr());
    println!("az is {} for this run.\n", azacr.display());

    println!("$ bash delete-untagged.sh   # ENABLE_DELETE=false: the dry run lists untagged manifests");
    let dry = scripts::run(&emulator, &az, scripts::DELETE_UNTAGGED, SignIn::ConfigFiles);
    print!("{}", String::from_utf8_lossy(&dry.stdout));
    eprint!("{}", String::from_utf8_lossy(&dry.stderr));

    let before = emulator.snapshot();
    emulator.clear_requests();
    println!("\n$ bash delete-untagged.sh   # ENABLE_DELETE=true");
    let started = std::time::Instant::now();
    let run = scripts::run(&emulator, &az, &scripts::enabled(scripts::DELETE_UNTAGGED), SignIn::ConfigFiles);
    let elapsed = started.elapsed();
    print!("{}", String::from_utf8_lossy(&run.stdout));
    let warnings = String::from_utf8_lossy(&run.stderr);
    let deleted: Vec<&str> = warnings
        .lines()
        .filter_map(|l| l.strip_prefix("WARNING: This operation will delete the manifest '"))
        .collect();
    for line in &deleted {
        println!("deleted {}", line.trim_end_matches('\''));
    }
    let count =
        |s: &serde_json::Value| s["repositories"]["myrepository"]["manifests"].as_array().map_or(0, Vec::len);
    let after = emulator.snapshot();
    println!(
        "\nmyrepository: {} manifests before, {} after; {} deleted in {:.2?} with {} HTTP requests.",
        count(&before),
        count(&after),
        deleted.len(),
        elapsed,
        emulator.requests().len()
    );
    if !run.status.success() {
        std::process::exit(1);
    }
}
