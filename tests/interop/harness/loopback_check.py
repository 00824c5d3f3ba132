# SPDX-License-Identifier: Apache-2.0
"""Prove that a run only talked to loopback: strace every connect/sendto/sendmsg/sendmmsg and check
every destination address.

    with trace_self(os.path.join(tmp, "net.trace")) as tr:    # this process, its threads and
        ... start peers, run clients, stop peers ...          # every child started meanwhile
    report = tr.report()            # parse the file (after the tracer detached)
    report.assert_loopback()        # raises LoopbackViolation listing every offending call

    cmd = wrap(["prosody", ...], "prosody.trace")     # or trace one command from its start
    check_file("prosody.trace").assert_loopback()

    python3 -m harness.loopback_check -o run.trace -- python3 -m unittest ...   # a whole run
    python3 -m harness.loopback_check --parse run.trace

Allowed: AF_INET in 127.0.0.0/8, AF_INET6 ::1 (and ::ffff:127.x.y.z), AF_UNIX (any path,
abstract too), AF_NETLINK (the kernel) and AF_UNSPEC (connect() with AF_UNSPEC dissolves a UDP
association). Anything else, including failed attempts (ENETUNREACH, ECONNREFUSED) to other
addresses, is a violation: an attempt to leave the machine is what we want to see.
Not covered: io_uring, raw packet sockets, and processes that are not descendants of the traced
ones (e.g. a system daemon that a peer asks over D-Bus).
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

try:
    from .addresses import is_loopback
    from .util import HarnessError
except ImportError:                                   # run as a script
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from harness.addresses import is_loopback        # type: ignore
    from harness.util import HarnessError            # type: ignore

SYSCALLS = "connect,sendto,sendmsg,sendmmsg"
STRACE_ARGS = ["-f", "-qq", "-s", "0", "-e", f"trace={SYSCALLS}", "-e", "signal=none"]

_CALL = re.compile(r"^(?:\[pid\s+)?(?P<pid>\d+)\]?\s+(?P<call>connect|sendto|sendmsg|sendmmsg)\((?P<args>.*)$")
_FAMILY = re.compile(r"sa_family=(?P<fam>AF_[A-Z0-9]+)")
_V4 = re.compile(r"sin_port=htons\((?P<port>\d+)\), sin_addr=inet_addr\(\"(?P<ip>[0-9.]+)\"\)")
_V6 = re.compile(r"sin6_port=htons\((?P<port>\d+)\).*?inet_pton\(AF_INET6, \"(?P<ip>[0-9a-fA-F:.]+)\"")
_UNIX = re.compile(r"sun_path=(?P<path>@?\"[^\"]*\")")
_RESULT = re.compile(r"\)\s+=\s+(?P<res>-?\d+(?:\s+[A-Z0-9_]+)?)")
OK_FAMILIES = {"AF_UNIX", "AF_LOCAL", "AF_NETLINK", "AF_UNSPEC"}


@dataclass
class Destination:
    pid: int
    call: str
    family: str
    ip: Optional[str] = None
    port: Optional[int] = None
    path: Optional[str] = None
    result: str = ""
    line: str = ""

    @property
    def allowed(self) -> bool:
        if self.family in ("AF_INET", "AF_INET6"):
            return self.ip is not None and is_loopback(self.ip)
        return self.family in OK_FAMILIES

    def __str__(self) -> str:
        where = f"{self.ip}:{self.port}" if self.ip else (self.path or "")
        return f"pid {self.pid} {self.call} {self.family} {where} = {self.result}".strip()


class LoopbackViolation(AssertionError):
    pass


@dataclass
class Report:
    path: str
    destinations: list[Destination] = field(default_factory=list)
    lines: int = 0

    @property
    def violations(self) -> list[Destination]:
        return [d for d in self.destinations if not d.allowed]

    def inet(self) -> list[Destination]:
        return [d for d in self.destinations if d.family in ("AF_INET", "AF_INET6")]

    def connected(self, ip: str, port: Optional[int] = None) -> bool:
        """True if any traced call went to ip (and port)."""
        return any(d.ip == ip and (port is None or d.port == port) for d in self.destinations)

    def summary(self) -> str:
        by = {}
        for d in self.inet():
            by[(d.ip, d.port)] = by.get((d.ip, d.port), 0) + 1
        top = ", ".join(f"{ip}:{port}x{n}" for (ip, port), n in sorted(by.items())[:30])
        return (f"{self.path}: {self.lines} lines, {len(self.destinations)} destinations "
                f"({len(self.inet())} IP, {len(self.violations)} not loopback): {top}")

    def assert_loopback(self, expect_some: bool = True) -> None:
        """Raise LoopbackViolation for any non-loopback destination; with expect_some, also if
        no IP destination was seen at all (a trace that saw nothing proves nothing)."""
        bad = self.violations
        if bad:
            raise LoopbackViolation(f"{len(bad)} network call(s) left loopback (trace {self.path}):\n"
                                    + "\n".join(f"  {d}\n    {d.line.strip()}" for d in bad[:50]))
        if expect_some and not self.inet():
            raise LoopbackViolation(f"the trace {self.path} saw no IP traffic at all: was it attached?")


def parse_line(line: str) -> Optional[Destination]:
    m = _CALL.match(line)
    if not m:
        return None
    args = m["args"]
    fam = _FAMILY.search(args)
    if not fam:
        return None        # sendto/sendmsg on a connected socket (no address): its connect() counted
    res = _RESULT.search(args)
    d = Destination(int(m["pid"]), m["call"], fam["fam"], result=res["res"] if res else "?", line=line)
    if d.family == "AF_INET":
        v = _V4.search(args)
        if v:
            d.ip, d.port = v["ip"], int(v["port"])
    elif d.family == "AF_INET6":
        v = _V6.search(args)
        if v:
            d.ip, d.port = v["ip"], int(v["port"])
    elif d.family in ("AF_UNIX", "AF_LOCAL"):
        u = _UNIX.search(args)
        d.path = u["path"] if u else None
    return d


def parse(path: str) -> Report:
    rep = Report(path)
    with open(path, errors="replace") as f:
        for line in f:
            rep.lines += 1
            if "sa_family=" not in line:
                continue
            # sendmmsg and sendmsg with several msg_name entries: check every address on the line
            for chunk in _split_sockaddrs(line):
                d = parse_line(chunk)
                if d:
                    rep.destinations.append(d)
    return rep


def _split_sockaddrs(line: str) -> Iterable[str]:
    m = _CALL.match(line)
    if not m or line.count("sa_family=") <= 1:
        yield line
        return
    head = line[:m.start("args")]
    for part in line[m.start("args"):].split("sa_family=")[1:]:
        yield head + "{sa_family=" + part


check_file = parse


def wrap(cmd: Sequence[str], trace_path: str, seccomp: bool = True) -> list[str]:
    """`cmd` run under strace from its start (seccomp-bpf filtering: low overhead)."""
    extra = ["--seccomp-bpf"] if seccomp else []
    return ["strace"] + extra + STRACE_ARGS + ["-o", trace_path, "--"] + list(cmd)


def prefix(trace_path: str, seccomp: bool = True) -> list[str]:
    """The strace prefix alone (for the `wrap=` parameters of the peer classes)."""
    return wrap([], trace_path, seccomp)[:-1]


class SelfTrace:
    """strace attached to this process (every thread) with -f: follows every thread and child
    created while attached. Stop it (detach) before reading the report."""

    def __init__(self, trace_path: str, attach_timeout: float = 10):
        self.path = trace_path
        self.attach_timeout = attach_timeout
        self.proc: Optional[subprocess.Popen] = None

    def start(self) -> "SelfTrace":
        if os.geteuid() != 0 and _ptrace_restricted():
            raise HarnessError("cannot ptrace this process (kernel.yama.ptrace_scope); run as root")
        pid = os.getpid()
        tids = sorted(os.listdir(f"/proc/{pid}/task"), key=int)
        args = ["strace"] + STRACE_ARGS + ["-o", self.path]
        for t in tids:
            args += ["-p", t]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        end = time.monotonic() + self.attach_timeout
        while time.monotonic() < end:
            if all(_tracer(pid, t) == self.proc.pid for t in tids if os.path.exists(f"/proc/{pid}/task/{t}")):
                return self
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace")
                self.stop()
                raise HarnessError(f"strace exited: {err}")
            time.sleep(0.01)
        self.stop()
        raise HarnessError("strace did not attach within the deadline")

    def stop(self, timeout: float = 10) -> None:
        """Detach (SIGTERM makes strace detach from every tracee and flush its output)."""
        p, self.proc = self.proc, None
        if p is None:
            return
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        if p.stderr:
            p.stderr.close()

    def report(self) -> Report:
        if self.proc is not None:
            self.stop()
        return parse(self.path)

    def __enter__(self) -> "SelfTrace":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def trace_self(trace_path: str) -> SelfTrace:
    return SelfTrace(trace_path)


def _tracer(pid: int, tid: str) -> int:
    try:
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            for line in f:
                if line.startswith("TracerPid:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def _ptrace_restricted() -> bool:
    try:
        return open("/proc/sys/kernel/yama/ptrace_scope").read().strip() not in ("0",)
    except OSError:
        return False


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Run a command under strace and check that every "
                                 "network destination was loopback, or check an existing trace.")
    ap.add_argument("-o", "--output", default="loopback.trace", help="trace file (default %(default)s)")
    ap.add_argument("--parse", metavar="TRACE", help="only check an existing strace -f output file")
    ap.add_argument("--timeout", type=float, default=1800, help="bound on the command, seconds")
    ap.add_argument("cmd", nargs=argparse.REMAINDER, help="-- command ...")
    a = ap.parse_args(argv)
    if a.parse:
        rep = parse(a.parse)
        rc = 0
    else:
        cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
        if not cmd:
            ap.error("give a command after --, or --parse TRACE")
        try:
            rc = subprocess.run(wrap(cmd, a.output), timeout=a.timeout).returncode
        except subprocess.TimeoutExpired:
            print(f"command exceeded {a.timeout}s", file=sys.stderr)
            rc = 124
        rep = parse(a.output)
    print(rep.summary())
    try:
        rep.assert_loopback(expect_some=False)
    except LoopbackViolation as e:
        print(e, file=sys.stderr)
        return 3
    print("loopback check: OK")
    return rc


if __name__ == "__main__":
    sys.exit(main())
