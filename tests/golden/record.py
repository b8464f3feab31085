#!/usr/bin/env python3
"""Records az 2.91.0's behaviour on every case in cases.json into az-2.91.0/<case>/.

Needs az 2.91.0 in a venv (default ~/az-2.91; set AZ_VENV to change):
    python3 -m venv ~/az-2.91 && ~/az-2.91/bin/pip install azure-cli==2.91.0
Then, from the repository root:
    python3 tests/golden/record.py [case-name ...]

For each case: the emulator is reset, az runs with the case's argv (or seed script), and
stdout, stderr, the exit code, the registry state afterwards and the request log are stored.
The tests replay the same cases with azacr and compare (see tests/it/golden.rs).
"""
import json
import os
import pathlib
import pty
import shutil
import subprocess
import sys
import tempfile
import http.client
import ssl

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "az-2.91.0"
VENV = pathlib.Path(os.environ.get("AZ_VENV", pathlib.Path.home() / "az-2.91"))
AAD_TOKEN = "fake-aad-access-token"
AAD_TENANT = "11111111-2222-3333-4444-555555555555"


def emulator_bin():
    target_dir = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return str(target_dir / "debug/acr-emulator")


def start_emulator():
    subprocess.run(["cargo", "build", "-q", "-p", "azacr-emulator"], cwd=ROOT, check=True)
    proc = subprocess.Popen([emulator_bin()], stdout=subprocess.PIPE, text=True)
    port, ca = proc.stdout.readline().split()
    return proc, int(port), ca


def control(port, ca, method, path, body=b""):
    """Calls the emulator's control endpoints (its certificate names the login server, not the IP)."""
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = False
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
    conn.request(method, path, body=body)
    data = conn.getresponse().read()
    conn.close()
    return data


def az_wrapper(bindir, port, ca):
    script = bindir / "az"
    # As az's own launcher runs it (`python -m azure.cli`), the patches loaded by sitecustomize.
    script.write_text(
        f"#!/bin/sh\nPYTHONPATH={HERE}/shim exec {VENV}/bin/python -m azure.cli \"$@\"\n"
    )
    script.chmod(0o755)


def run_with_tty(cmd, env, cwd, answers):
    """Runs with a terminal on stdin only (az's prompt rule), the answers already typed."""
    master, slave = pty.openpty()
    os.write(master, answers)
    proc = subprocess.run(cmd, env=env, stdin=slave, capture_output=True, cwd=cwd)
    os.close(slave)
    os.close(master)
    return proc


def run_in_terminal(cmd, env, cwd):
    """Runs with a terminal on stdin, stdout and stderr (az's colour mode); returns what the
    terminal showed as stdout, with stderr empty."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, env=env, stdin=slave, stdout=slave, stderr=slave, cwd=cwd)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    proc.wait()
    os.close(master)
    return subprocess.CompletedProcess(cmd, proc.returncode, shown, b"")


def elide_traceback(stderr):
    """Keeps a long Python traceback's first and last 10 lines (a RecursionError's runs to
    thousands); azacr prints none of it, and the replay drops the whole block."""
    lines = stderr.split(b"\n")
    try:
        start = lines.index(b"Traceback (most recent call last):")
    except ValueError:
        return stderr
    end = next((i for i in range(start, len(lines)) if lines[i].startswith(b"To check existing issues")), len(lines))
    if end - start <= 40:
        return stderr
    marker = f"  [record.py: {end - start - 20} traceback lines elided]".encode()
    return b"\n".join(lines[: start + 10] + [marker] + lines[end - 10 :])


def run_case(case, port, ca, bindir):
    control(port, ca, "POST", "/_emulator/reset")
    setup = case.get("setup", {})
    if "faults" in setup:
        control(port, ca, "POST", "/_emulator/faults", json.dumps(setup["faults"]).encode())
    if setup.get("soft_delete"):
        control(port, ca, "POST", "/_emulator/soft-delete")
    if setup.get("oci"):
        control(port, ca, "POST", "/_emulator/oci")
    if setup.get("classic"):
        control(port, ca, "POST", "/_emulator/classic", b"true")
    if "correlation" in setup:
        control(port, ca, "POST", "/_emulator/correlation", setup["correlation"].encode())
    if "challenge" in setup:
        control(port, ca, "POST", "/_emulator/challenge", setup["challenge"].encode())
    if "login_server" in setup:
        control(port, ca, "POST", "/_emulator/login-server", setup["login_server"].encode())
    if "arm_registries" in setup:
        control(port, ca, "POST", "/_emulator/arm-registries", json.dumps(setup["arm_registries"]).encode())
    if "admin_user" in setup:
        control(port, ca, "POST", "/_emulator/admin-user", json.dumps(setup["admin_user"]).encode())
    if setup.get("aad_refused"):
        control(port, ca, "POST", "/_emulator/aad-refused", b"true")
    config = tempfile.mkdtemp(prefix="az-config-")
    root, home, cwd = config, config, config
    if "local" in case:
        # A tree with local config files: HOME is root/home, the config directory
        # root/home/.azure, the working directory root/<cwd>.
        home = os.path.join(root, "home")
        config = os.path.join(home, ".azure")
        cwd = os.path.join(root, case["local"].get("cwd", "."))
        os.makedirs(config)
        os.makedirs(cwd, exist_ok=True)
        for rel, text in case["local"].get("files", {}).items():
            path = pathlib.Path(root, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if "signin" in case:
        # az's files after `az login` at a stand-in cloud whose Entra ID and Resource Manager
        # are the emulator (written by the emulator's own az_config, as the replay writes them).
        authority = f"https://localhost:{port}"
        subprocess.run([emulator_bin(), "az-config", config, authority, case["signin"]], check=True)
    if "config" in case:
        pathlib.Path(config, "config").write_text(case["config"])
    env = {
        "PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "AZURE_CONFIG_DIR": config,
        "AZURE_CORE_COLLECT_TELEMETRY": "false",
        "REQUESTS_CA_BUNDLE": ca,
        "AZ_EMULATOR_PORT": str(port),
        "AZ_FAKE_AAD_TOKEN": AAD_TOKEN,
        "AZ_FAKE_AAD_TENANT": AAD_TENANT,
        "LANG": "C.UTF-8",
    }
    if case.get("unreachable"):
        env["AZ_EMULATOR_PORT"] = "1"  # nothing listens there
    if case.get("aad"):
        env["AZ_FAKE_AAD"] = "1"
    env.update(case.get("env", {}))
    if "script" in case:
        cmd = ["bash", str(HERE / "seeds" / case["script"])]
        if case.get("enable_delete"):
            text = (HERE / "seeds" / case["script"]).read_text().replace("ENABLE_DELETE=false", "ENABLE_DELETE=true", 1)
            cmd = ["bash", "-c", text]
    else:
        cmd = ["az"] + case["args"]
    if case.get("terminal"):
        proc = run_in_terminal(cmd, env, cwd)
    elif "tty_input" in case:
        proc = run_with_tty(cmd, env, cwd, case["tty_input"].encode())
    else:
        proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, cwd=cwd)
    shutil.rmtree(root, ignore_errors=True)
    state = json.loads(control(port, ca, "GET", "/_emulator/state"))
    requests = json.loads(control(port, ca, "GET", "/_emulator/requests"))
    target = OUT / case["name"]
    target.mkdir(parents=True, exist_ok=True)
    (target / "stdout").write_bytes(proc.stdout)
    (target / "stderr").write_bytes(elide_traceback(proc.stderr))
    (target / "exit_code").write_text(f"{proc.returncode}\n")
    (target / "state.json").write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")
    (target / "requests.json").write_text(json.dumps(requests, indent=1) + "\n")
    print(f"{case['name']}: exit {proc.returncode}, {len(requests)} requests", flush=True)


def main():
    cases = json.loads((HERE / "cases.json").read_text())
    wanted = set(sys.argv[1:])
    proc, port, ca = start_emulator()
    bindir = pathlib.Path(tempfile.mkdtemp(prefix="az-bin-"))
    az_wrapper(bindir, port, ca)
    try:
        for case in cases:
            if not wanted or case["name"] in wanted:
                run_case(case, port, ca, bindir)
    finally:
        proc.kill()
        shutil.rmtree(bindir, ignore_errors=True)


if __name__ == "__main__":
    main()
