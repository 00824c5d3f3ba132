# SPDX-License-Identifier: Apache-2.0
"""A private ejabberd 23.01 for one or more domains, from a generated config in a temp dir.

    e = EjabberdServer(tmp.sub("ejabberd-c"), ip, {"c.test": leaf_c}, dns=dns.address,
                       ca_file=ca.cert)
    e.start()                               # waits for c2s + s2s listeners and "is started"
    e.register("bob", "c.test", "secret")   # ejabberdctl register (the node must run)
    e.stop()                                # ejabberdctl stop, then SIGTERM/SIGKILL its group

How it is kept private and on loopback (ejabberd 23.01, p1_xmpp 1.6.1, OTP 25, Debian 12):
- Node and epmd: every instance gets a unique node name and cookie, and ERL_DIST_PORT (a free
  port): with it ejabberdctl starts erl with `-erl_epmd_port P -start_epmd false`, so neither the
  server nor ejabberdctl ever starts, asks or kills epmd (the shared epmd on 4369 stays untouched;
  note that `ejabberdctl stopped` and a stale node name make stock ejabberdctl run `epmd -kill`,
  which this module never triggers).
- SRV lookups use OTP's inet_res with the nameservers from ERL_INETRC; ejabberdctl always sets
  ERL_INETRC=<config dir>/inetrc, so the inetrc written here (nameserver = our dnsmasq, with its
  port; resolv.conf and hosts file of the system not read) is the one in force.
- A/AAAA lookups of the SRV targets do NOT use inet_res: xmpp_stream_out calls
  net:getaddrinfo/2, i.e. glibc (/etc/nsswitch.conf, /etc/hosts, /etc/resolv.conf). The server is
  therefore started (as root) in a private mount namespace (unshare -m) in which /etc/resolv.conf,
  /etc/hosts and /etc/nsswitch.conf are bind-mounted from the temp dir: resolv.conf names our DNS
  server, which must then listen on port 53 of its own loopback address (glibc cannot use another
  port), or `hosts` must give the addresses (written to the private hosts file).
- `acme: {auto: false}`: stock ejabberd would try Let's Encrypt for hosts without a certificate.
"""
from __future__ import annotations

import concurrent.futures
import json
import os
import socket
import secrets
import shutil
import signal
import time
from typing import Optional, Sequence

from .ca import Leaf
from .ports import free_port, wait_listening
from .util import (Daemon, Deadline, HarnessError, chown_tree, is_root, read_text, require_tools,
                   run, skip_or_fail, tail, user_ids, wait_for_log, write_file)

EJABBERDCTL = "/usr/sbin/ejabberdctl"
RUN_AS = "ejabberd"


def require_ejabberd() -> None:
    require_tools(EJABBERDCTL, "erl")
    if is_root():
        require_tools("unshare", "mount")
        if user_ids(RUN_AS) is None:
            skip_or_fail(f"user {RUN_AS} does not exist")
    else:
        skip_or_fail("ejabberdctl runs ejabberd as root or as user ejabberd only, and confining "
                     "its glibc lookups needs a mount namespace: run as root")


def _erl_ip(ip: str) -> str:
    return "{" + ",".join(str(int(x)) for x in ip.split(".")) + "}"


class EjabberdServer:
    def __init__(self, workdir: str, ip: str, hosts: "dict[str, Optional[Leaf]]", *,
                 dns: Optional[tuple[str, int]] = None, hosts_file: Optional[dict[str, str]] = None,
                 c2s_port: Optional[int] = None, s2s_port: Optional[int] = None,
                 ca_file: Optional[str] = None, s2s_use_starttls: str = "required",
                 dialback: bool = True, s2s_dns_timeout: int = 2, s2s_dns_retries: int = 1,
                 outgoing_s2s_families: Sequence[str] = ("ipv4",),
                 log_level: str = "debug", extra: Optional[dict] = None,
                 extra_modules: Optional[dict] = None, node: Optional[str] = None,
                 s2s_auth: Optional[str] = None, wrap: Optional[list[str]] = None):
        """`hosts` maps each ejabberd host to its certificate (Leaf) or None. `ca_file` is the
        trust store for s2s and c2s client certificates (None: a CA that issued nothing we use,
        so peers' certificates do not verify and s2s falls back to dialback if enabled).
        `hosts_file` adds name -> IPv4 lines to the private /etc/hosts seen by glibc.
        `extra` is merged into the top level of the generated config (JSON, which YAML reads).
        `s2s_auth` is a preset: "certificates" (ca_file required, mod_s2s_dialback not loaded:
        SASL EXTERNAL or nothing), "dialback" (no trust in the test CA, dialback loaded) or None."""
        require_ejabberd()
        if s2s_auth == "certificates":
            if not ca_file:
                raise HarnessError('s2s_auth="certificates" needs ca_file')
            dialback = False
        elif s2s_auth == "dialback":
            ca_file, dialback = None, True
        elif s2s_auth is not None:
            raise ValueError(f"s2s_auth={s2s_auth!r}: 'certificates', 'dialback' or None")
        if dns is None:
            raise HarnessError("EjabberdServer needs dns=(ip, port) of the test's DNS server")
        self.dir, self.ip, self.hosts, self.dns = workdir, ip, dict(hosts), dns
        self.hosts_file = dict(hosts_file or {})
        if dns[1] != 53 and not self.hosts_file:
            raise HarnessError(
                "ejabberd resolves SRV targets with glibc getaddrinfo, which can only ask port 53: "
                f"run the DNS server on port 53 of its address (it is on {dns[1]}) or pass hosts_file")
        os.makedirs(workdir, exist_ok=True)
        os.chmod(workdir, 0o755)
        self.c2s_port = c2s_port or free_port(ip, preferred=5222)
        self.s2s_port = s2s_port or free_port(ip, preferred=5269, exclude=(self.c2s_port,))
        self.dist_port = free_port("127.0.0.1", exclude=(self.c2s_port, self.s2s_port))
        self.node = node or f"xfed{os.getpid()}x{secrets.token_hex(3)}@localhost"
        self.cookie = secrets.token_hex(16)
        self.ca_file = ca_file
        self.opts = dict(s2s_use_starttls=s2s_use_starttls, dialback=dialback,
                         s2s_dns_timeout=s2s_dns_timeout, s2s_dns_retries=s2s_dns_retries,
                         outgoing_s2s_families=list(outgoing_s2s_families), log_level=log_level)
        self.extra, self.extra_modules = dict(extra or {}), dict(extra_modules or {})
        self.wrap = list(wrap or [])
        self.conf_dir = os.path.join(workdir, "etc")
        self.logs_dir = os.path.join(workdir, "log")
        self.spool = os.path.join(workdir, "db")
        self.config = os.path.join(self.conf_dir, "ejabberd.yml")
        self.log = os.path.join(self.logs_dir, "ejabberd.log")
        self.stdout_log = os.path.join(workdir, "stdout.log")
        self.pidfile = os.path.join(workdir, "ejabberd.pid")
        self.daemon: Optional[Daemon] = None
        self.startup_seconds: Optional[float] = None
        self._up = False
        for d in (self.conf_dir, self.logs_dir, self.spool, os.path.join(workdir, "contrib")):
            os.makedirs(d, exist_ok=True)
        self.write_config()

    # -- configuration --------------------------------------------------------------------------
    def write_config(self) -> None:
        o, cd = self.opts, self.conf_dir
        dns_ip, dns_port = self.dns
        if not self.ca_file:
            # an explicit trust store that trusts nothing the test uses (ejabberd would otherwise
            # fall back to its own default bundle)
            from .ca import TestCA
            self.ca_file = TestCA(os.path.join(self.dir, "untrusted-ca"), "nobody's CA").cert
        # OTP resolver (SRV lookups): only our server; no system resolv.conf / hosts file
        write_file(os.path.join(cd, "inetrc"), "\n".join([
            '{resolv_conf, ""}.', '{hosts_file, ""}.',
            '{host, {127,0,0,1}, ["localhost"]}.',
            f"{{nameserver, {_erl_ip(dns_ip)}, {int(dns_port)}}}.",
            "{lookup, [file, dns]}.", "{timeout, 2000}.", "{retry, 1}.", "{inet6, false}.", ""]))
        # glibc (getaddrinfo of SRV targets), seen through the private mount namespace
        write_file(os.path.join(cd, "resolv.conf"),
                   f"nameserver {dns_ip}\noptions timeout:1 attempts:1\n")
        # The machine's own name too: Erlang looks it up, and a fresh machine's /etc/hosts may
        # not have it (the lookup would then go to the system's DNS server).
        write_file(os.path.join(cd, "hosts"), f"127.0.0.1 localhost {socket.gethostname()}\n" +
                   "".join(f"{ip} {name}\n" for name, ip in self.hosts_file.items()))
        write_file(os.path.join(cd, "nsswitch.conf"), "hosts: files dns\n")
        write_file(os.path.join(cd, "ejabberdctl.cfg"), "\n".join([
            f"ERLANG_NODE={self.node}",
            f"ERL_DIST_PORT={self.dist_port}",
            # -kernel inet_dist_use_interface directly (INET_DIST_INTERFACE costs an extra erl run)
            f'ERL_OPTIONS="-setcookie {self.cookie} -kernel inet_dist_use_interface {{127,0,0,1}}'
            ' -env ERL_CRASH_DUMP_BYTES 0"',
            f"EJABBERD_CONFIG_PATH={self.config}",
            f"EJABBERD_PID_PATH={self.pidfile}",
            f"CONTRIB_MODULES_PATH={os.path.join(self.dir, 'contrib')}",
            f"CONTRIB_MODULES_CONF_DIR={os.path.join(self.dir, 'contrib')}",
            "EJABBERD_BYPASS_WARNINGS=true", ""]))
        certfiles = [leaf.pem for leaf in self.hosts.values() if leaf is not None]
        modules = {"mod_disco": {}, "mod_ping": {}, "mod_roster": {}}
        if o["dialback"]:
            modules["mod_s2s_dialback"] = {}
        modules.update(self.extra_modules)
        cfg = {
            "hosts": list(self.hosts),
            "loglevel": o["log_level"],
            "log_rotate_count": 0,
            "certfiles": certfiles,
            "ca_file": self.ca_file,
            "s2s_cafile": self.ca_file,
            "s2s_use_starttls": o["s2s_use_starttls"],
            "s2s_dns_timeout": o["s2s_dns_timeout"],
            "s2s_dns_retries": o["s2s_dns_retries"],
            "outgoing_s2s_families": o["outgoing_s2s_families"],
            "acme": {"auto": False},
            "auth_method": ["internal"],
            "listen": [
                {"port": self.c2s_port, "ip": self.ip, "module": "ejabberd_c2s",
                 "starttls_required": True, "shaper": "none", "access": "c2s", "backlog": 128},
                {"port": self.s2s_port, "ip": self.ip, "module": "ejabberd_s2s_in",
                 "shaper": "none", "backlog": 128},
            ],
            "acl": {"local": {"user_regexp": ""}},
            "access_rules": {"c2s": {"allow": "all"}},
            "shaper_rules": {"c2s_shaper": "none", "s2s_shaper": "none", "max_user_sessions": 10},
            "api_permissions": {"console commands": {"from": ["ejabberd_ctl"], "who": "all", "what": "*"}},
            "modules": modules,
        }
        cfg.update(self.extra)
        write_file(self.config, "# generated by tests/interop/harness/ejabberd.py (JSON is YAML)\n"
                   + json.dumps(cfg, indent=2) + "\n")

    def _ctl(self) -> list[str]:
        return [EJABBERDCTL, "--config-dir", self.conf_dir, "--logs", self.logs_dir,
                "--spool", self.spool]

    def _env(self) -> dict:
        keep = ("PATH", "LANG", "LC_ALL", "TERM")
        env = {k: v for k, v in os.environ.items() if k in keep}
        env.setdefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        env["HOME"] = self.dir
        return env

    def _namespace(self) -> list[str]:
        cd = self.conf_dir
        script = ('set -e; mount --bind "$1" /etc/resolv.conf; mount --bind "$2" /etc/hosts; '
                  'mount --bind "$3" /etc/nsswitch.conf; shift 3; exec "$@"')
        return ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script,
                "sh", os.path.join(cd, "resolv.conf"), os.path.join(cd, "hosts"),
                os.path.join(cd, "nsswitch.conf")]

    # -- life cycle -----------------------------------------------------------------------------
    def start(self, deadline: "Deadline | float | None" = None) -> "EjabberdServer":
        d = Deadline.of(deadline, 40, "ejabberd start")
        chown_tree(self.dir, RUN_AS)
        t0 = time.monotonic()
        self.daemon = Daemon("ejabberd", self.wrap + self._namespace() + self._ctl() + ["foreground"],
                             self.stdout_log, env=self._env(), cwd=self.dir)
        detail = lambda: tail(self.stdout_log, 30) + "\n" + tail(self.log)
        for svc, port in (("c2s", self.c2s_port), ("s2s", self.s2s_port)):
            wait_listening(self.ip, port, d, f"ejabberd {svc}", alive=self.daemon.alive, detail=detail)
        wait_for_log(self.log, r"ejabberd \S+ is started in the node", d, "ejabberd started",
                     alive=self.daemon.alive)
        self.startup_seconds = time.monotonic() - t0
        self._up = True
        # beam runs in a session of its own (su): remember it by pid so that stop() finds it
        self.daemon.refresh()
        pid = self.beam_pid()
        if pid:
            self.daemon.adopt(pid)
        return self

    def alive(self) -> bool:
        return self.daemon is not None and self.daemon.alive()

    def beam_pid(self) -> Optional[int]:
        """The beam.smp pid from EJABBERD_PID_PATH, if it is this node's."""
        try:
            pid = int(read_text(self.pidfile).strip())
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if self.node.split("@")[0].encode() in f.read():
                    return pid
        except (ValueError, OSError):
            pass
        return None

    def ctl(self, *args: str, timeout: float = 30, check: bool = True):
        """Run an ejabberdctl command against this node (each costs an erl start, ~0.5-1 s)."""
        # In the same private namespace as the server: its lookups must not reach the system's
        # resolver either.
        return run(self._namespace() + self._ctl() + list(args), timeout=timeout, check=check,
                   env=self._env(), cwd=self.dir)

    def register(self, user: str, domain: str, password: str, timeout: float = 30) -> None:
        cp = self.ctl("register", user, domain, password, timeout=timeout, check=False)
        if cp.returncode != 0 and "already registered" not in cp.stdout:
            raise HarnessError(f"ejabberdctl register {user}@{domain} failed ({cp.returncode}):\n{cp.stdout}")

    def register_many(self, accounts: Sequence[tuple[str, str, str]], timeout: float = 60) -> None:
        """Register (user, domain, password) accounts, a few ejabberdctl runs in parallel."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            for f in [pool.submit(self.register, u, dm, pw, timeout) for u, dm, pw in accounts]:
                f.result(timeout=timeout + 5)

    def stop(self, deadline: "Deadline | float | None" = None) -> None:
        if not self.daemon:
            return
        d = Deadline.of(deadline, 20, "ejabberd stop")
        if self.daemon.alive() and self._up:
            # a node that is up: the orderly way (an extra erl run, ~0.3 s)
            try:
                self.ctl("stop", timeout=max(1.0, d.remaining() / 2), check=False)
            except HarnessError:
                pass
            self.daemon.wait_exit(d.sub(max(0.5, d.remaining() - 3)))
        # a node that never came up, or did not stop: SIGTERM (beam: init:stop()), then SIGKILL
        self.daemon.stop(d.sub(max(3.0, d.remaining())), signal.SIGTERM)
        self.daemon = None
        self._up = False

    # -- logs -----------------------------------------------------------------------------------
    def log_text(self) -> str:
        return read_text(self.log)

    def wait_log(self, pattern: str, deadline: "Deadline | float | None" = None, what: Optional[str] = None):
        return wait_for_log(self.log, pattern, Deadline.of(deadline, 10), what or f"ejabberd log /{pattern}/")

    def describe(self) -> str:
        return (f"ejabberd {list(self.hosts)} node {self.node} c2s {self.ip}:{self.c2s_port} "
                f"s2s {self.ip}:{self.s2s_port}")


def installed() -> bool:
    return shutil.which("ejabberdctl") is not None or os.path.exists(EJABBERDCTL)
