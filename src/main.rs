use std::process::ExitCode;

fn main() -> ExitCode {
    let mut argv = std::env::args_os();
    let program = argv.next();
    ExitCode::from(azacr::main(program, argv.collect()))
}
