# SPDX-License-Identifier: Apache-2.0
"""A private Prosody 0.12 for one or more domains, from a generated config in a temp dir.

    p = ProsodyServer(tmp.sub("prosody-a"), ip, {"a.test": leaf_a}, dns=dns.address,
                      ca_file=ca.cert, s2s_secure_auth=True)
    p.register("alice", "a.test", "secret")     # prosodyctl, before or after start
    p.start()                                   # waits for c2s + s2s listeners and log lines
    ... p.log_text(), p.wait_log(r"Accepting SASL EXTERNAL", deadline)
    p.stop()                                    # SIGTERM, then SIGKILL after the deadline

Facts this relies on (Prosody 0.12.3, Debian 12):
- Started as root, Prosody 0.12 refuses to run ("Danger, Will Robinson!", mod_posix) instead of
  dropping privileges; only prosodyctl switches to the prosody user. So when we are root the
  server is started as user prosody with setpriv, and the temp dir is chowned to prosody.
- DNS goes through libunbound (lua-unbound) when it is installed; without it Prosody's own
  resolver reads /etc/resolv.conf, i.e. the machine's DNS server. The config sets
  `unbound = { resolvconf = false, hoststxt = false, forward = "IP@PORT" }` so that every query
  goes to our dnsmasq, and `local-zone: "test." transparent` because libunbound otherwise answers
  every *.test name NXDOMAIN itself (RFC 6761 default zone). Only one default zone can be made
  transparent this way (one `local-zone:` key in the Lua table); use .test names.
- `network_settings = { nagle = false }` (TCP_NODELAY) unless nagle=True: Prosody's default
  (Nagle on) puts a ~40 ms floor under latency.
"""
from __future__ import annotations

import os
import shutil
import signal
import time
from typing import Optional, Sequence

from .ca import Leaf
from .ports import free_port, wait_listening
from .util import (Daemon, Deadline, HarnessError, chown_tree, is_root, read_text, require_tools,
                   run, skip_or_fail, tail, user_ids, wait_for_log, write_file)

PROSODY = "/usr/bin/prosody"
PROSODYCTL = "/usr/bin/prosodyctl"
RUN_AS = "prosody"


def lua_str(s: str) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def lua_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return lua_str(v)
    if isinstance(v, dict):
        return "{ " + "; ".join(f"[{lua_str(k)}] = {lua_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple, set)):
        return "{ " + "; ".join(lua_value(x) for x in v) + " }"
    if v is None:
        return "nil"
    raise TypeError(type(v))


def require_prosody() -> None:
    require_tools(PROSODY, PROSODYCTL)
    if not _has_lunbound():
        skip_or_fail("lua-unbound is not installed: without it Prosody resolves through "
                     "/etc/resolv.conf, i.e. off the machine")
    if is_root() and user_ids(RUN_AS) is None:
        skip_or_fail(f"user {RUN_AS} does not exist")


def _has_lunbound() -> bool:
    lua = shutil.which("lua5.4") or shutil.which("lua")
    if lua is None:
        return False
    return run([lua, "-e", 'require "lunbound"'], timeout=10, check=False).returncode == 0


LEGACY_DNS = "Using legacy DNS API"


class ProsodyServer:
    def __init__(self, workdir: str, ip: str, hosts: "dict[str, Optional[Leaf]]", *,
                 dns: Optional[tuple[str, int]] = None,
                 c2s_port: Optional[int] = None, s2s_port: Optional[int] = None,
                 s2s_direct_tls_port: Optional[int] = None,
                 ca_file: Optional[str] = None,
                 s2s_secure_auth: bool = False, s2s_require_encryption: bool = True,
                 c2s_require_encryption: bool = True,
                 dialback: bool = True, s2s_insecure_domains: Sequence[str] = (),
                 s2s_secure_domains: Sequence[str] = (),
                 modules: Sequence[str] = (), modules_disabled: Sequence[str] = (),
                 log_level: str = "debug", nagle: bool = False, use_ipv6: bool = False,
                 s2s_timeout: int = 30, extra_global: str = "", extra_host: str = "",
                 s2s_auth: Optional[str] = None, wrap: Optional[list[str]] = None):
        """`hosts` maps each VirtualHost to its certificate (Leaf from ca.py) or None.
        `ca_file` is the s2s trust store (None: Prosody's default, the system CA store, which does
        not know our test CA, so certificate auth fails and Prosody uses dialback if enabled).
        `dns` is (ip, port) of our dnsmasq; None means no resolver at all is configured, so the
        harness refuses to start (Prosody would ask the system's DNS server).
        `s2s_auth` is a preset over those knobs: "certificates" (ca_file required,
        s2s_secure_auth = true: SASL EXTERNAL or nothing), "dialback" (no trust store for the test
        CA, s2s_secure_auth = false, mod_dialback loaded) or None (use the knobs as given)."""
        require_prosody()
        if s2s_auth == "certificates":
            if not ca_file:
                raise HarnessError('s2s_auth="certificates" needs ca_file')
            s2s_secure_auth = True
        elif s2s_auth == "dialback":
            ca_file, s2s_secure_auth, dialback = None, False, True
        elif s2s_auth is not None:
            raise ValueError(f"s2s_auth={s2s_auth!r}: 'certificates', 'dialback' or None")
        self.dir, self.ip, self.hosts = workdir, ip, dict(hosts)
        os.makedirs(workdir, exist_ok=True)
        os.chmod(workdir, 0o755)
        self.c2s_port = c2s_port or free_port(ip, preferred=5222)
        self.s2s_port = s2s_port or free_port(ip, preferred=5269, exclude=(self.c2s_port,))
        self.s2s_direct_tls_port = s2s_direct_tls_port
        self.dns, self.ca_file = dns, ca_file
        self.opts = dict(s2s_secure_auth=s2s_secure_auth, s2s_require_encryption=s2s_require_encryption,
                         c2s_require_encryption=c2s_require_encryption, dialback=dialback,
                         s2s_insecure_domains=list(s2s_insecure_domains),
                         s2s_secure_domains=list(s2s_secure_domains), modules=list(modules),
                         modules_disabled=list(modules_disabled), log_level=log_level, nagle=nagle,
                         use_ipv6=use_ipv6, s2s_timeout=s2s_timeout)
        self.extra_global, self.extra_host = extra_global, extra_host
        self.wrap = list(wrap or [])
        self.config = os.path.join(workdir, "prosody.cfg.lua")
        self.data = os.path.join(workdir, "data")
        self.log = os.path.join(workdir, "prosody.log")
        self.stdout_log = os.path.join(workdir, "stdout.log")
        self.pidfile = os.path.join(workdir, "prosody.pid")
        self.daemon: Optional[Daemon] = None
        self.startup_seconds: Optional[float] = None
        os.makedirs(self.data, exist_ok=True)
        self.write_config()

    # -- configuration --------------------------------------------------------------------------
    def write_config(self) -> str:
        o = self.opts
        if self.dns is None:
            raise HarnessError("ProsodyServer needs dns=(ip, port) of the test's DNS server")
        dns_ip, dns_port = self.dns
        modules = ["roster", "saslauth", "tls", "disco", "ping", "posix"] + \
            (["dialback"] if o["dialback"] else []) + o["modules"]
        unbound = {"resolvconf": False, "hoststxt": False, "forward": f"{dns_ip}@{dns_port}",
                   "options": {"local-zone:": "test. transparent", "do-ip6:": "no"}}
        lines = [
            "-- generated by tests/interop/harness/prosody.py",
            f"pidfile = {lua_str(self.pidfile)}",
            f"data_path = {lua_str(self.data)}",
            f"admin_socket = {lua_str(os.path.join(self.dir, 'a.sock'))}",  # < 108 bytes
            f"log = {{ {o['log_level']} = {lua_str(self.log)} }}",
            "daemonize = false",
            f"interfaces = {{ {lua_str(self.ip)} }}",
            f"c2s_ports = {{ {self.c2s_port} }}",
            f"s2s_ports = {{ {self.s2s_port} }}",
            (f"s2s_direct_tls_ports = {{ {self.s2s_direct_tls_port} }}" if self.s2s_direct_tls_port
             else "s2s_direct_tls_ports = { }"),
            "c2s_direct_tls_ports = { }", "legacy_ssl_ports = { }", "component_ports = { }",
            "http_ports = { }", "https_ports = { }",
            'network_backend = "epoll"',
            f"network_settings = {{ nagle = {lua_value(o['nagle'])} }}",
            f"use_ipv6 = {lua_value(o['use_ipv6'])}",
            f"unbound = {lua_value(unbound)}",
            f"modules_enabled = {lua_value(modules)}",
            f"modules_disabled = {lua_value(o['modules_disabled'])}",
            'authentication = "internal_hashed"',
            'storage = "internal"',
            "allow_registration = false",
            f"c2s_require_encryption = {lua_value(o['c2s_require_encryption'])}",
            f"s2s_require_encryption = {lua_value(o['s2s_require_encryption'])}",
            f"s2s_secure_auth = {lua_value(o['s2s_secure_auth'])}",
            f"s2s_insecure_domains = {lua_value(o['s2s_insecure_domains'])}",
            f"s2s_secure_domains = {lua_value(o['s2s_secure_domains'])}",
            f"s2s_timeout = {int(o['s2s_timeout'])}",
            f"certificates = {lua_str(os.path.join(self.dir, 'no-certs'))}",
            self.extra_global,
        ]
        for host, leaf in self.hosts.items():
            lines.append(f"VirtualHost {lua_str(host)}")
            if leaf is not None:
                ssl = {"key": leaf.key, "certificate": leaf.chain}
                if self.ca_file:
                    ssl["cafile"] = self.ca_file
                lines.append(f"  ssl = {{ key = {lua_str(ssl['key'])}; certificate = {lua_str(ssl['certificate'])};"
                             + (f" cafile = {lua_str(ssl['cafile'])};" if "cafile" in ssl else "") + " }")
            if self.extra_host:
                lines.append(self.extra_host)
        os.makedirs(os.path.join(self.dir, "no-certs"), exist_ok=True)
        return write_file(self.config, "\n".join(lines) + "\n")

    def _as_user(self) -> list[str]:
        if is_root():
            return ["setpriv", f"--reuid={RUN_AS}", f"--regid={RUN_AS}", "--init-groups",
                    "--inh-caps=-all"]
        return []

    def _fix_owner(self) -> None:
        if is_root():
            chown_tree(self.dir, RUN_AS)

    # -- accounts -------------------------------------------------------------------------------
    def register(self, user: str, domain: str, password: str, timeout: float = 30) -> None:
        """Create an account with prosodyctl (works whether or not the server runs)."""
        self._fix_owner()
        cp = run(self._as_user() + [PROSODYCTL, "--config", self.config, "register", user, domain,
                                    password], timeout=timeout, check=False)
        if cp.returncode != 0:
            raise HarnessError(f"prosodyctl register {user}@{domain} failed ({cp.returncode}):\n{cp.stdout}")

    # -- life cycle -----------------------------------------------------------------------------
    def start(self, deadline: "Deadline | float | None" = None) -> "ProsodyServer":
        d = Deadline.of(deadline, 20, "prosody start")
        self._fix_owner()
        t0 = time.monotonic()
        self.daemon = Daemon("prosody", self.wrap + self._as_user() +
                             [PROSODY, "--config", self.config, "-F"], self.stdout_log)
        detail = lambda: tail(self.stdout_log, 20) + "\n" + tail(self.log)
        for svc, port in (("c2s", self.c2s_port), ("s2s", self.s2s_port)):
            wait_listening(self.ip, port, d, f"prosody {svc}", alive=self.daemon.alive, detail=detail)
            wait_for_log(self.log, rf"Activated service '{svc}' on \[{self.ip}\]:{port}", d,
                         f"prosody '{svc}' activated", alive=self.daemon.alive)
        self.startup_seconds = time.monotonic() - t0
        return self

    def alive(self) -> bool:
        return self.daemon is not None and self.daemon.alive()

    def check_dns_confined(self) -> None:
        """Raise if Prosody fell back to its legacy resolver (which reads /etc/resolv.conf)."""
        if LEGACY_DNS in self.log_text():
            raise HarnessError(f"{self.describe()} uses the legacy DNS API (lua-unbound missing?):"
                               " its queries go to the system resolver")

    def stop(self, deadline: "Deadline | float | None" = None) -> None:
        if self.daemon:
            self.daemon.stop(Deadline.of(deadline, 10, "prosody stop"), signal.SIGTERM)
            self.daemon = None

    # -- logs -----------------------------------------------------------------------------------
    def log_text(self) -> str:
        return read_text(self.log)

    def wait_log(self, pattern: str, deadline: "Deadline | float | None" = None, what: Optional[str] = None):
        return wait_for_log(self.log, pattern, Deadline.of(deadline, 10), what or f"prosody log /{pattern}/")

    def describe(self) -> str:
        return f"Prosody {list(self.hosts)} c2s {self.ip}:{self.c2s_port} s2s {self.ip}:{self.s2s_port}"


def version() -> str:
    cp = run([PROSODYCTL, "about"], timeout=20, check=False)
    for line in cp.stdout.splitlines():
        if line.strip().startswith("Prosody "):
            return line.strip()
    return cp.stdout.splitlines()[0] if cp.stdout else "unknown"


def installed() -> bool:
    return shutil.which("prosody") is not None
