# SPDX-License-Identifier: Apache-2.0
"""Free TCP/UDP ports on a given loopback address, and waits for a port to open.

A port is "free" on an address when we can bind it there right now (SO_REUSEADDR off, so that a
wildcard listener on the same port also counts as taken). There is an unavoidable window between
picking and the daemon binding it; per-test addresses (addresses.py) make collisions unlikely.
"""
from __future__ import annotations

import errno
import socket
from typing import Optional

from .util import Deadline, HarnessError, wait_until


def _family(ip: str) -> int:
    return socket.AF_INET6 if ":" in ip else socket.AF_INET


def is_free(ip: str, port: int, udp: bool = False) -> bool:
    """True if `port` can be bound on `ip` now (TCP, or UDP with udp=True)."""
    s = socket.socket(_family(ip), socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
    try:
        s.bind((ip, port))
        return True
    except OSError as e:
        if e.errno in (errno.EADDRINUSE, errno.EACCES):
            return False
        raise
    finally:
        s.close()


def free_port(ip: str = "127.0.0.1", preferred: Optional[int] = None, udp_too: bool = False,
              exclude: tuple[int, ...] = ()) -> int:
    """A port that is free on `ip` (the preferred one if it is free; TCP and, with udp_too, UDP)."""
    if preferred and preferred not in exclude and is_free(ip, preferred) and \
            (not udp_too or is_free(ip, preferred, udp=True)):
        return preferred
    for _ in range(200):
        s = socket.socket(_family(ip), socket.SOCK_STREAM)
        try:
            s.bind((ip, 0))
            port = s.getsockname()[1]
        finally:
            s.close()
        if port in exclude:
            continue
        if udp_too and not is_free(ip, port, udp=True):
            continue
        return port
    raise HarnessError(f"no free port on {ip}")


def free_ports(ip: str, n: int, udp_too: bool = False) -> list[int]:
    """n distinct free ports on `ip`."""
    out: list[int] = []
    while len(out) < n:
        out.append(free_port(ip, udp_too=udp_too, exclude=tuple(out)))
    return out


def is_open(ip: str, port: int, timeout: float = 0.5) -> bool:
    """True if something accepts TCP connections on ip:port."""
    s = socket.socket(_family(ip), socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((ip, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def is_listening(ip: str, port: int) -> bool:
    """True if a TCP socket is in LISTEN state on ip:port (read from /proc/net/tcp*; no connect,
    so the daemon's log is not cluttered with probe connections)."""
    want_port = f"{port:04X}"
    if ":" in ip:
        path, want_ip = "/proc/net/tcp6", _hex6(ip)
    else:
        path = "/proc/net/tcp"
        want_ip = "".join(f"{int(b):02X}" for b in reversed(ip.split(".")))
    try:
        with open(path) as f:
            next(f)
            for line in f:
                parts = line.split()
                local, state = parts[1], parts[3]
                lip, lport = local.split(":")
                if state == "0A" and lport == want_port and lip in (want_ip, "0" * len(want_ip)):
                    return True
    except OSError:
        return is_open(ip, port)
    return False


def _hex6(ip: str) -> str:
    raw = socket.inet_pton(socket.AF_INET6, ip)
    return "".join(f"{int.from_bytes(raw[i:i + 4], 'little'):08X}" for i in range(0, 16, 4))


def wait_listening(ip: str, port: int, deadline: Deadline, what: str = "",
                   alive=None, detail=lambda: "") -> None:
    """Wait until a TCP listener exists on ip:port; `alive()` false aborts early."""
    def check():
        if alive is not None and not alive():
            raise HarnessError(f"{what or 'process'} exited before listening on {ip}:{port}\n{detail()}")
        return is_listening(ip, port)
    wait_until(check, deadline, f"{what} listening on {ip}:{port}", detail=detail)
