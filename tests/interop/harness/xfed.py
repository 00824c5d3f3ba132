# SPDX-License-Identifier: Apache-2.0
"""An xfed node for interop tests: its own data directory, node.toml with the edge listening on
a loopback address and asking only our DNS server, configured through xfedctl like an admin
would, started as `xfed serve` and stopped with SIGTERM."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from typing import Optional

from .util import Daemon, Deadline, HarnessError, scaled

BIN_DIR = os.environ.get("XFED_BIN_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "build", "bin")


def binaries() -> tuple[str, str]:
    xfed = os.path.abspath(os.path.join(BIN_DIR, "xfed"))
    ctl = os.path.abspath(os.path.join(BIN_DIR, "xfedctl"))
    for b in (xfed, ctl):
        if not os.access(b, os.X_OK):
            raise HarnessError(f"{b} is not built (cmake --build build)")
    return xfed, ctl


class XfedNode:
    def __init__(self, workdir: str, ip: str, port: int, dns: tuple[str, int],
                 overrides: Optional[dict[str, str]] = None):
        self.xfed, self.ctl = binaries()
        self.dir = workdir
        self.data = os.path.join(workdir, "data")
        self.ip, self.port, self.dns = ip, port, dns
        self.log = os.path.join(workdir, "xfed.log")
        self.daemon: Optional[Daemon] = None
        os.makedirs(self.data, exist_ok=True)
        lines = ["[node]", 'roles = ["edge"]', "[log]", 'level = "debug"', "[store]",
                 "poll_interval_ms = 200", "[edge]", f'listen_address = "{ip}"', f"port = {port}",
                 f'dns_forwarders = ["{dns[0]}@{dns[1]}"]', 'dns_transparent_zones = ["test"]',
                 f'link_address = "{ip}"', "link_port = 0"]
        if overrides:
            lines.append("[edge.dns_overrides]")
            lines += [f'"{d}" = "{t}"' for d, t in overrides.items()]
        with open(os.path.join(self.data, "node.toml"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def ctl_run(self, *commands: str, check: bool = True) -> subprocess.CompletedProcess:
        """Runs cmdlet lines through xfedctl, one process, as an admin's script would."""
        script = "\n".join(commands) + "\n"
        p = subprocess.run([self.ctl, "--data-dir", self.data], input=script, text=True,
                           capture_output=True, timeout=scaled(30))
        if check and p.returncode != 0:
            raise HarnessError(f"xfedctl failed ({p.returncode}):\n{script}\n{p.stderr}")
        return p

    def use_certificate(self, ca_cert: str, leaf_key: str, leaf_chain: str) -> None:
        """Replaces the lab PKI's CA and edge certificate with ones from the test's CA (the lab
        PKI keeps files that exist, so this survives xfed's start)."""
        import shutil
        pki = os.path.join(self.data, "pki")
        if not os.path.isdir(pki):
            self.ctl_run("Get-CsSipDomain")  # creates the data directory and its lab PKI
        shutil.copyfile(ca_cert, os.path.join(pki, "ca.crt"))
        shutil.copyfile(leaf_chain, os.path.join(pki, "edge-external.crt"))
        shutil.copyfile(leaf_key, os.path.join(pki, "edge-external.key"))
        os.chmod(os.path.join(pki, "edge-external.key"), 0o600)

    def start(self, deadline: "Deadline | float | None" = None) -> "XfedNode":
        d = Deadline.of(deadline, 20, "xfed start")
        self.daemon = Daemon("xfed", [self.xfed, "serve", "--data-dir", self.data], self.log)
        while True:
            if not self.daemon.alive():
                raise HarnessError(f"xfed exited at start:\n{self.log_text()[-3000:]}")
            try:
                with socket.create_connection((self.ip, self.port), timeout=0.5):
                    return self
            except OSError:
                pass
            if d.expired():
                raise HarnessError(f"xfed did not listen on {self.ip}:{self.port}:\n{self.log_text()[-3000:]}")
            time.sleep(0.05)

    def streams(self) -> list[dict]:
        """Get-CsXmppStream -Statistics as JSON: the streams, then the counters record."""
        out = subprocess.run([self.ctl, "--data-dir", self.data, "--json",
                              "Get-CsXmppStream -Statistics"],
                             text=True, capture_output=True, timeout=scaled(15))
        if out.returncode != 0:
            raise HarnessError(f"Get-CsXmppStream failed: {out.stderr}")
        return json.loads(out.stdout)

    def link_port(self) -> int:
        """The port the gateway link listens on (chosen by the OS in tests)."""
        reply = _admin(os.path.join(self.data, "admin.sock"), {"op": "streams"})
        return int(reply["link_port"])

    def pki(self, name: str) -> str:
        return os.path.join(self.data, "pki", name)

    def stop(self, deadline: "Deadline | float | None" = None) -> None:
        if self.daemon is not None:
            d = Deadline.of(deadline, 10, "xfed stop")
            self.daemon.stop(d)
            self.daemon = None

    def log_text(self) -> str:
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


def _admin(path: str, request: dict) -> dict:
    """One request on xfed's admin socket (JSON lines)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(scaled(5))
        s.connect(path)
        s.sendall((json.dumps(request) + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return json.loads(data)
