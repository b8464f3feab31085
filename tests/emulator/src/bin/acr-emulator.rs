//! Runs the emulator until killed, for the golden recorder and for trying azacr by hand.
//! Prints one line, `<port> <CA bundle path>`, once it listens.

use std::io::Write;

fn main() {
    // `acr-emulator az-config DIR AUTHORITY KIND`: writes the az sign-in state the tests use
    // (`az_config`), so that record.py gives the real az the very same files.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("az-config") {
        let (dir, authority) = (std::path::Path::new(&args[2]), args[3].as_str());
        let written = azacr_emulator::az_config::write_sign_in(dir, authority, &args[4]);
        written.expect("write az's files");
        return;
    }
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    let emulator = azacr_emulator::Emulator::start_on(
        azacr_emulator::default_seed(),
        std::net::SocketAddr::from(([127, 0, 0, 1], port)),
    );
    let ca_copy = std::env::temp_dir().join(format!("azacr-emulator-ca-{}.pem", emulator.addr().port()));
    std::fs::copy(emulator.ca_bundle(), &ca_copy).expect("copy CA");
    println!("{} {}", emulator.addr().port(), ca_copy.display());
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}
