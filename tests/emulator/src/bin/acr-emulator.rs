//! Runs the emulator until killed, for the golden recorder and for trying azacr by hand.
//! Prints one line, `<port> <CA bundle path>`, once it listens.

use std::io::Write;

fn main() {
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
