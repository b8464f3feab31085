use std::process::ExitCode;

fn main() -> ExitCode {
    azacr::tune_allocator();
    // One TLS crypto provider for the process (reqwest is built without a default one).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    ExitCode::from(azacr::run(args))
}
