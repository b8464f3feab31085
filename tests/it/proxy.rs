//! HTTPS_PROXY / NO_PROXY as az's HTTP stack reads them: the registry reached through the
//! proxy's CONNECT tunnel, or directly for hosts NO_PROXY names.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use azacr_emulator::{Emulator, default_seed};

use crate::support::{ConfigDir, admin_args, azacr_bin, command, run};

/// A CONNECT proxy on 127.0.0.1 that tunnels every request to `target`, recording what it
/// was asked to connect to. Stops with the test process.
fn connect_proxy(target: SocketAddr) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = asked.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(client.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                log.lock().unwrap().push(line.trim_end().to_string());
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap() == 0 || header == "\r\n" {
                        break;
                    }
                }
                let upstream = TcpStream::connect(target).unwrap();
                let mut client = client;
                client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").unwrap();
                let (mut c_read, mut u_write) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                std::thread::spawn(move || std::io::copy(&mut c_read, &mut u_write));
                let (mut u_read, mut c_write) = (upstream, client);
                let _ = std::io::copy(&mut u_read, &mut c_write);
            });
        }
    });
    (addr, asked)
}

#[test]
fn https_proxy_carries_the_requests_and_no_proxy_bypasses_it() {
    let emulator = Emulator::start(default_seed());
    let (proxy, asked) = connect_proxy(emulator.addr());
    let config = ConfigDir::empty();
    let args = admin_args("show-manifests", &["--repository", "acr-helloworld", "--query", "length(@)"]);
    let with = |vars: &[(&str, String)]| {
        let mut cmd = command(&azacr_bin(), &emulator, &config, Some("127.0.0.1:1"));
        cmd.args(&args);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        run(cmd)
    };
    // Nothing listens at 127.0.0.1:1: only the proxy's tunnel reaches the registry.
    let out = with(&[("HTTPS_PROXY", format!("http://{proxy}"))]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "4\n"), "{}", out.stderr);
    let tunnels = asked.lock().unwrap().clone();
    assert!(
        !tunnels.is_empty() && tunnels.iter().all(|t| t.starts_with("CONNECT myregistry.azurecr.io:443 ")),
        "{tunnels:?}"
    );
    // The lower-case name wins, as in az's stack.
    asked.lock().unwrap().clear();
    let out =
        with(&[("https_proxy", format!("http://{proxy}")), ("HTTPS_PROXY", "http://127.0.0.1:1".into())]);
    assert_eq!(out.stdout, "4\n", "{}", out.stderr);
    // NO_PROXY: straight to the login server (which here is nowhere), never the proxy.
    asked.lock().unwrap().clear();
    let out = with(&[("HTTPS_PROXY", format!("http://{proxy}")), ("NO_PROXY", ".azurecr.io".into())]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(asked.lock().unwrap().is_empty());
}
