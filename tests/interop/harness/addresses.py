# SPDX-License-Identifier: Apache-2.0
"""Distinct loopback addresses per test.

Linux routes all of 127.0.0.0/8 to `lo` (the kernel's `local 127.0.0.0/8` route), so any 127.x.y.z
can be bound and connected to without configuring anything. Each test reserves a whole /24,
127.A.B.0/24 with A in 100..199 (away from 127.0.0.1 and systemd-resolved's 127.0.0.53), by holding
an flock on /tmp/xfed-interop-locks/127.A.B.lock for as long as the block is in use; tests running
in parallel (ctest -j) therefore never share addresses, and every peer can use 5269-like ports on its
own address. Addresses are handed out in order: .1, .2, ...
"""
from __future__ import annotations

import fcntl
import os
import random
import socket
from typing import Optional

from .util import HarnessError

LOCK_DIR = os.environ.get("XFED_INTEROP_LOCK_DIR", "/tmp/xfed-interop-locks")
FIRST_OCTETS = range(100, 200)


def loopback_works(ip: str) -> bool:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((ip, 0))
        return True
    except OSError:
        return False
    finally:
        s.close()


class AddressBlock:
    """A reserved 127.A.B.0/24. Use `next(name)` to take the next address; `release()` when done."""

    def __init__(self, seed: Optional[int] = None, attempts: int = 200):
        os.makedirs(LOCK_DIR, exist_ok=True)
        try:
            if os.stat(LOCK_DIR).st_uid == os.geteuid():
                os.chmod(LOCK_DIR, 0o1777)      # shared by root and non-root test runs
        except OSError:
            pass
        rng = random.Random(seed if seed is not None else (os.getpid() << 16) ^ int.from_bytes(os.urandom(4), "big"))
        self._fd: Optional[int] = None
        for _ in range(attempts):
            a, b = rng.choice(FIRST_OCTETS), rng.randrange(0, 256)
            path = os.path.join(LOCK_DIR, f"127.{a}.{b}.lock")
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
            except PermissionError:         # a lock file of another user: take another block
                continue
            try:
                if os.fstat(fd).st_uid == os.geteuid():
                    os.fchmod(fd, 0o666)
            except OSError:
                pass
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self._fd, self.prefix, self.lock_path = fd, f"127.{a}.{b}", path
            break
        else:
            raise HarnessError(f"could not reserve a loopback /24 under {LOCK_DIR}")
        if not loopback_works(self.addr(1)):
            self.release()
            raise HarnessError(f"{self.addr(1)} cannot be bound: is 127.0.0.0/8 routed to lo?")
        self._next = 1
        self.names: dict[str, str] = {}

    def addr(self, host: int) -> str:
        if not 1 <= host <= 254:
            raise ValueError(host)
        return f"{self.prefix}.{host}"

    def next(self, name: Optional[str] = None) -> str:
        """The next unused address of the block (recorded under `name` if given)."""
        if self._next > 254:
            raise HarnessError(f"address block {self.prefix}.0/24 exhausted")
        ip = self.addr(self._next)
        self._next += 1
        if name:
            self.names[name] = ip
        return ip

    def take(self, *names: str) -> list[str]:
        return [self.next(n) for n in names]

    def release(self) -> None:
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> "AddressBlock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"AddressBlock({self.prefix}.0/24, {self.names})"


def is_loopback(ip: str) -> bool:
    """127.0.0.0/8, ::1, and IPv4-mapped 127/8 (::ffff:127.x.y.z)."""
    ip = ip.strip("[]")
    if ip.startswith("::ffff:"):
        ip = ip[7:]
    if ":" in ip:
        try:
            return socket.inet_pton(socket.AF_INET6, ip) == socket.inet_pton(socket.AF_INET6, "::1")
        except OSError:
            return False
    try:
        return socket.inet_aton(ip)[0] == 127 and ip.count(".") == 3
    except OSError:
        return False
