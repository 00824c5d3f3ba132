# SPDX-License-Identifier: Apache-2.0
"""Shared plumbing: deadlines, bounded waits, temp dirs, processes, environment knobs.

Every wait in the harness takes a Deadline (or a timeout that becomes one), so that no test can
hang: a Deadline is an absolute point on the monotonic clock, and `remaining()` is what is left of
it, never less than zero.
"""
from __future__ import annotations

import atexit
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from typing import Callable, Iterable, Optional, Sequence, TypeVar

T = TypeVar("T")

# ---- knobs (environment) -------------------------------------------------------------------
#: Keep temp dirs (configs, logs, traces) after the test instead of removing them.
KEEP = os.environ.get("XFED_INTEROP_KEEP", "") not in ("", "0")
#: Fail instead of skipping when a peer, tool or privilege is missing (set this in CI).
REQUIRED = os.environ.get("XFED_INTEROP_REQUIRED", "") not in ("", "0")
#: Multiply every default timeout (slow or loaded machines, sanitizer builds).
TIMEOUT_SCALE = float(os.environ.get("XFED_INTEROP_TIMEOUT_SCALE", "1") or 1)
#: Attach strace for the loopback check in tests that do (0 = off: faster, for debugging only).
STRACE = os.environ.get("XFED_INTEROP_STRACE", "1") not in ("", "0")
#: Where temp dirs go (must be traversable by the prosody and ejabberd users).
TMP_ROOT = os.environ.get("XFED_INTEROP_TMP", "/tmp")


def scaled(seconds: float) -> float:
    return seconds * TIMEOUT_SCALE


class HarnessError(RuntimeError):
    """A peer or tool did not do what the harness asked (with the evidence in the message)."""


class Deadline:
    """An absolute deadline on the monotonic clock."""

    def __init__(self, seconds: float, what: str = "operation"):
        self.seconds = seconds
        self.what = what
        self.expires = time.monotonic() + seconds

    @classmethod
    def of(cls, value: "Deadline | float | None", default: float, what: str = "operation") -> "Deadline":
        if isinstance(value, Deadline):
            return value
        return cls(scaled(default) if value is None else value, what)

    def remaining(self) -> float:
        return max(0.0, self.expires - time.monotonic())

    def expired(self) -> bool:
        return time.monotonic() >= self.expires

    def sub(self, seconds: float, what: Optional[str] = None) -> "Deadline":
        """A deadline of at most `seconds` that never outlives this one."""
        d = Deadline(min(seconds, self.remaining()), what or self.what)
        return d

    def __repr__(self) -> str:
        return f"Deadline({self.what!r}, {self.remaining():.2f}s left of {self.seconds:.2f}s)"


def wait_until(pred: Callable[[], Optional[T]], deadline: Deadline, what: str,
               interval: float = 0.05, detail: Callable[[], str] = lambda: "") -> T:
    """Poll `pred` until it returns something truthy (returned) or the deadline passes (raises)."""
    while True:
        v = pred()
        if v:
            return v
        if deadline.expired():
            extra = detail()
            raise HarnessError(f"timed out after {deadline.seconds:.1f}s waiting for {what}"
                               + (f"\n{extra}" if extra else ""))
        time.sleep(min(interval, max(0.001, deadline.remaining())))


def skip_or_fail(reason: str) -> None:
    """Skip the test (default) or fail it (XFED_INTEROP_REQUIRED=1) because of a missing prerequisite."""
    if REQUIRED:
        raise HarnessError(f"prerequisite missing (XFED_INTEROP_REQUIRED is set): {reason}")
    raise unittest.SkipTest(reason)


def require_tools(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None and not os.path.exists(t)]
    if missing:
        skip_or_fail("not installed: " + ", ".join(missing)
                     + " (scripts/install-deps.sh --test installs the interop peers)")


def require_root(why: str) -> None:
    if os.geteuid() != 0:
        skip_or_fail(f"needs root: {why}")


def is_root() -> bool:
    return os.geteuid() == 0


def user_ids(name: str) -> Optional[tuple[int, int]]:
    try:
        pw = pwd.getpwnam(name)
        return pw.pw_uid, pw.pw_gid
    except KeyError:
        return None


# ---- temp dirs -----------------------------------------------------------------------------
class TempDir:
    """A fresh directory (mode 0755 so that daemons that drop to their own user can read it).

    `cleanup()` removes it unless XFED_INTEROP_KEEP is set (then it prints where it is)."""

    def __init__(self, prefix: str = "xfed-interop-"):
        self.path = tempfile.mkdtemp(prefix=prefix, dir=TMP_ROOT)
        os.chmod(self.path, 0o755)

    def sub(self, name: str, mode: int = 0o755, owner: Optional[str] = None) -> str:
        p = os.path.join(self.path, name)
        os.makedirs(p, exist_ok=True)
        os.chmod(p, mode)
        if owner and is_root():
            chown_tree(p, owner)
        return p

    def cleanup(self) -> None:
        if KEEP:
            print(f"[interop] kept {self.path}")
            return
        shutil.rmtree(self.path, ignore_errors=True)

    def __str__(self) -> str:
        return self.path


def chown_tree(path: str, user: str) -> None:
    ids = user_ids(user)
    if ids is None or not is_root():
        return
    uid, gid = ids
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for n in dirs + files:
            try:
                os.chown(os.path.join(root, n), uid, gid, follow_symlinks=False)
            except FileNotFoundError:
                pass


def write_file(path: str, text: str, mode: int = 0o644) -> str:
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def tail(path: str, lines: int = 40) -> str:
    try:
        with open(path, errors="replace") as f:
            data = f.readlines()
    except OSError as e:
        return f"({path}: {e})"
    return f"--- last {min(lines, len(data))} lines of {path}:\n" + "".join(data[-lines:])


def read_text(path: str) -> str:
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def wait_for_log(path: str, pattern: str, deadline: Deadline, what: Optional[str] = None,
                 alive: Optional[Callable[[], bool]] = None) -> re.Match:
    """Wait until `pattern` (a regex) appears in the file at `path`; return the match."""
    rx = re.compile(pattern, re.M)

    def check():
        if alive is not None and not alive():
            raise HarnessError(f"process exited while waiting for {what or pattern!r}\n{tail(path)}")
        return rx.search(read_text(path))
    return wait_until(check, deadline, what or f"/{pattern}/ in {path}", detail=lambda: tail(path))


# ---- processes -----------------------------------------------------------------------------
def run(cmd: Sequence[str], timeout: float, check: bool = True, **kw) -> subprocess.CompletedProcess:
    """subprocess.run with a mandatory timeout and captured text output."""
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.STDOUT)
    kw.setdefault("text", True)
    kw.setdefault("stdin", subprocess.DEVNULL)
    try:
        cp = subprocess.run(list(cmd), timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        raise HarnessError(f"{' '.join(cmd)} did not finish within {timeout:.1f}s: {e.output!r}") from e
    if check and cp.returncode != 0:
        raise HarnessError(f"{' '.join(cmd)} exited with {cp.returncode}:\n{cp.stdout}")
    return cp


class Daemon:
    """A child process in its own session, and everything it starts.

    Some daemons leave our process group: `su` (ejabberdctl) runs its command in a new session,
    and beam then outlives its parents. So stop() signals our group AND every descendant seen
    (walked through /proc by parent pid while the tree is alive, remembered with its start time so
    that a recycled pid is never signalled), plus any pids registered with adopt() (e.g. read from
    a pid file)."""

    def __init__(self, name: str, cmd: Sequence[str], log_path: str, env: Optional[dict] = None,
                 cwd: Optional[str] = None):
        self.name = name
        self.cmd = list(cmd)
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                     start_new_session=True)
        self.pid = self.proc.pid
        self._known: dict[int, int] = {}     # pid -> start time (clock ticks since boot)
        self._remember(self.pid)
        _live.add(self)

    def _remember(self, pid: int) -> None:
        st = proc_start_time(pid)
        if st is not None:
            self._known.setdefault(pid, st)

    def adopt(self, pid: int) -> None:
        """Treat `pid` as part of this daemon (stop() will signal it)."""
        self._remember(pid)

    def refresh(self) -> list[int]:
        """Record the current descendants; returns the pids of the family still alive."""
        for pid in descendants(list(self._known)):
            self._remember(pid)
        return self.family()

    def family(self) -> list[int]:
        return [p for p, st in self._known.items() if proc_start_time(p) == st]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def group_members(self) -> list[int]:
        """Pids whose process group is our child's (it leads its own session)."""
        return group_members(self.pid)

    def signal_group(self, sig: int) -> None:
        # The group id is our child's pid (start_new_session); only ever our own processes.
        if self.proc.poll() is not None and not self.group_members():
            return
        try:
            os.killpg(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def signal_all(self, sig: int) -> None:
        self.signal_group(sig)
        for pid in self.refresh():
            if pid != self.pid or self.proc.poll() is None:
                try:
                    os.kill(pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass

    def stop(self, deadline: Deadline, sig: int = signal.SIGTERM) -> Optional[int]:
        """Send `sig` to the whole family, wait until the deadline, then SIGKILL what is left."""
        self.refresh()
        if self.family() or self.alive():
            self.signal_all(sig)
            wait_until_quiet = lambda: not self.alive() and not [p for p in self.family() if p != self.pid]
            while not wait_until_quiet() and not deadline.expired():
                try:
                    self.proc.wait(timeout=min(0.05, max(0.001, deadline.remaining())))
                except subprocess.TimeoutExpired:
                    pass
        if self.alive() or [p for p in self.family() if p != self.pid]:
            self.signal_all(signal.SIGKILL)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.signal_group(signal.SIGKILL)       # leftovers of the group, if any
        self._log.close()
        _live.discard(self)
        return self.proc.returncode

    def wait_exit(self, deadline: Deadline) -> bool:
        """Wait for the whole family to exit (not only our direct child)."""
        self.refresh()
        while not deadline.expired():
            if not self.alive() and not [p for p in self.family() if p != self.pid]:
                return True
            self.refresh()
            time.sleep(0.05)
        return False


_live: "set[Daemon]" = set()


def _reap() -> None:
    """Last resort (interpreter exit, SIGTERM): kill the daemons still running, by their pids."""
    for d in list(_live):
        d.signal_all(signal.SIGKILL)
        _live.discard(d)


atexit.register(_reap)
if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
    # e.g. ctest's timeout: exit through atexit so that no peer outlives the test process
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def _stat(pid: int) -> Optional[list[str]]:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def proc_start_time(pid: int) -> Optional[int]:
    """Start time of `pid` in clock ticks since boot (None if it does not exist or is a zombie)."""
    f = _stat(pid)
    if f is None or f[0] == "Z":
        return None
    return int(f[19])        # field 22 of /proc/pid/stat


def descendants(roots: Iterable[int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            f = _stat(int(d))
            if f is not None:
                children.setdefault(int(f[1]), []).append(int(d))
    out: set[int] = set()
    todo = list(roots)
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def group_members(pgid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:        # field 5 of stat: pgrp
            out.append(int(d))
    return out


def first(xs: Iterable[T]) -> Optional[T]:
    for x in xs:
        return x
    return None
