use std::process::ExitCode;

fn main() -> ExitCode {
    // One TLS crypto provider for the process (reqwest is built without a default one).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut argv = std::env::args_os();
    let program = argv.next();
    ExitCode::from(azacr::main(program, argv.collect()))
}
