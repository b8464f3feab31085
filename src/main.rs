use std::process::ExitCode;

fn main() -> ExitCode {
    azacr::tune_allocator();
    let mut argv = std::env::args_os();
    let program = argv.next();
    ExitCode::from(azacr::main(program, argv.collect()))
}
