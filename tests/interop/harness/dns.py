# SPDX-License-Identifier: Apache-2.0
"""A private authoritative-only DNS server (dnsmasq) on a loopback address, from a generated zone.

    zone = Zone("test")                                 # names under .test are answered locally
    zone.a("xmpp.a.test", "127.100.7.2")
    zone.xmpp_server("a.test", "xmpp.a.test", 5269)     # _xmpp-server._tcp.a.test SRV
    zone.no_xmpps_server("a.test")                      # _xmpps-server._tcp.a.test SRV "." (RFC 2782)
    dns = DnsServer(zone, ip, port, workdir); dns.start()
    dns.query("_xmpp-server._tcp.a.test", "SRV")        # -> DnsAnswer(rcode, records)
    dns.queries()                                       # what the peers asked, from the query log

dnsmasq runs with --no-resolv --no-hosts --no-poll and no upstream server, so nothing is ever
forwarded: names under the zone's local suffixes that are not defined get NXDOMAIN, everything else
REFUSED. It binds only ip:port (--bind-interfaces), UDP and TCP. Queries are logged
(--log-queries=extra) to `query_log`.

Port 53 matters for one consumer: glibc (ejabberd's A/AAAA lookups go through getaddrinfo) can
only talk to port 53, so ejabberd.py points a private resolv.conf at this address; start the DNS
server on port 53 of its own loopback address when ejabberd must resolve through it.
"""
from __future__ import annotations

import os
import random
import re
import socket
import struct
from dataclasses import dataclass, field
from typing import Optional

from .ports import free_port, is_free
from .util import Daemon, Deadline, HarnessError, tail, wait_until, write_file

QTYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
          "SRV": 33, "ANY": 255}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


@dataclass
class Srv:
    name: str          # e.g. _xmpp-server._tcp.a.test
    target: str        # "." means "no service here"
    port: int = 0
    priority: int = 0
    weight: int = 0


@dataclass
class Zone:
    """The records dnsmasq will serve. `local_suffixes` are answered authoritatively (unknown
    names NXDOMAIN); by default the suffixes of every name added."""
    local_suffixes: list[str] = field(default_factory=list)
    a_records: list[tuple[str, str]] = field(default_factory=list)
    aaaa_records: list[tuple[str, str]] = field(default_factory=list)
    srv_records: list[Srv] = field(default_factory=list)
    cnames: list[tuple[str, str]] = field(default_factory=list)
    txt_records: list[tuple[str, str]] = field(default_factory=list)

    def __init__(self, *local_suffixes: str):
        self.local_suffixes = [s.strip(".") for s in local_suffixes]
        self.a_records, self.aaaa_records, self.srv_records = [], [], []
        self.cnames, self.txt_records = [], []

    def _local(self, name: str) -> None:
        tld = name.rstrip(".").rsplit(".", 1)[-1]
        if not any(name == s or name.endswith("." + s) for s in self.local_suffixes):
            self.local_suffixes.append(tld)

    def a(self, name: str, ip: str) -> "Zone":
        self._local(name)
        self.a_records.append((name, ip))
        return self

    def aaaa(self, name: str, ip: str) -> "Zone":
        self._local(name)
        self.aaaa_records.append((name, ip))
        return self

    def cname(self, name: str, target: str) -> "Zone":
        self._local(name)
        self.cnames.append((name, target))
        return self

    def txt(self, name: str, text: str) -> "Zone":
        self._local(name)
        self.txt_records.append((name, text))
        return self

    def srv(self, name: str, target: str, port: int, priority: int = 0, weight: int = 0) -> "Zone":
        self._local(name)
        self.srv_records.append(Srv(name, target, port, priority, weight))
        return self

    def no_service(self, name: str) -> "Zone":
        """A single SRV record with target "." (the service is decidedly not available)."""
        self._local(name)
        self.srv_records.append(Srv(name, ".", 0, 0, 0))
        return self

    # XMPP conveniences
    def xmpp_server(self, domain: str, target: str, port: int, priority: int = 0, weight: int = 0) -> "Zone":
        return self.srv(f"_xmpp-server._tcp.{domain}", target, port, priority, weight)

    def xmpps_server(self, domain: str, target: str, port: int, priority: int = 0, weight: int = 0) -> "Zone":
        return self.srv(f"_xmpps-server._tcp.{domain}", target, port, priority, weight)

    def xmpp_client(self, domain: str, target: str, port: int, priority: int = 0, weight: int = 0) -> "Zone":
        return self.srv(f"_xmpp-client._tcp.{domain}", target, port, priority, weight)

    def no_xmpp_server(self, domain: str) -> "Zone":
        return self.no_service(f"_xmpp-server._tcp.{domain}")

    def no_xmpps_server(self, domain: str) -> "Zone":
        return self.no_service(f"_xmpps-server._tcp.{domain}")

    def dnsmasq_lines(self) -> list[str]:
        out = [f"local=/{s}/" for s in self.local_suffixes]
        names_a: dict[str, list[str]] = {}
        for name, ip in self.a_records + self.aaaa_records:
            names_a.setdefault(name, []).append(ip)
        # host-record answers A and AAAA for the name (NODATA for a family it lacks)
        out += [f"host-record={name},{','.join(ips)}" for name, ips in names_a.items()]
        for r in self.srv_records:
            if r.target == ".":
                out.append(f"srv-host={r.name}")
            else:
                out.append(f"srv-host={r.name},{r.target.rstrip('.')},{r.port},{r.priority},{r.weight}")
        out += [f"cname={name},{target}" for name, target in self.cnames]
        out += [f'txt-record={name},"{text}"' for name, text in self.txt_records]
        return out


@dataclass
class DnsAnswer:
    rcode: str
    records: list            # parsed rdata: str for A/AAAA/CNAME/TXT, (prio, weight, port, target) for SRV
    authoritative: bool = False


class DnsServer:
    def __init__(self, zone: Zone, ip: str, workdir: str, port: Optional[int] = None,
                 wrap: Optional[list[str]] = None):
        """`port=None` picks a free one (UDP and TCP); `wrap` is a command prefix (e.g. strace)."""
        self.zone, self.ip, self.dir = zone, ip, workdir
        os.makedirs(workdir, exist_ok=True)
        os.chmod(workdir, 0o755)
        self.port = port if port is not None else free_port(ip, udp_too=True)
        self.wrap = list(wrap or [])
        self.conf = os.path.join(workdir, "dnsmasq.conf")
        self.query_log = os.path.join(workdir, "queries.log")
        self.stdout_log = os.path.join(workdir, "dnsmasq.out")
        self.pidfile = os.path.join(workdir, "dnsmasq.pid")
        self.daemon: Optional[Daemon] = None
        self.startup_seconds: Optional[float] = None

    @property
    def address(self) -> tuple[str, int]:
        return self.ip, self.port

    def write_config(self) -> str:
        lines = ["# generated by tests/interop/harness/dns.py",
                 "no-resolv", "no-hosts", "no-poll", "no-negcache", "bind-interfaces",
                 f"listen-address={self.ip}", f"port={self.port}",
                 "cache-size=0", "log-queries=extra", f"log-facility={self.query_log}",
                 ] + self.zone.dnsmasq_lines()
        return write_file(self.conf, "\n".join(line for line in lines if line) + "\n")

    def start(self, deadline: "Deadline | float | None" = None) -> "DnsServer":
        import time
        d = Deadline.of(deadline, 10, "dnsmasq start")
        if not is_free(self.ip, self.port, udp=True) or not is_free(self.ip, self.port):
            raise HarnessError(f"{self.ip}:{self.port} is taken (UDP or TCP); cannot start dnsmasq")
        self.write_config()
        write_file(self.query_log, "", 0o666)
        t0 = time.monotonic()
        cmd = self.wrap + ["dnsmasq", "--keep-in-foreground", f"--conf-file={self.conf}",
                           f"--pid-file={self.pidfile}"]
        self.daemon = Daemon("dnsmasq", cmd, self.stdout_log)
        probe = "readiness-probe." + (self.zone.local_suffixes[0] if self.zone.local_suffixes else "invalid")

        def ready():
            if not self.daemon.alive():
                raise HarnessError(f"dnsmasq exited with {self.daemon.proc.returncode}\n"
                                   f"{tail(self.stdout_log)}\n{tail(self.query_log)}")
            try:
                self.query(probe, "A", timeout=0.2)
                return True
            except (OSError, HarnessError):
                return False
        wait_until(ready, d, f"dnsmasq answering on {self.ip}:{self.port}",
                   detail=lambda: tail(self.stdout_log) + tail(self.query_log))
        self.startup_seconds = time.monotonic() - t0
        return self

    def stop(self, deadline: "Deadline | float | None" = None) -> None:
        if self.daemon:
            self.daemon.stop(Deadline.of(deadline, 5, "dnsmasq stop"))
            self.daemon = None

    # -- what was asked ---------------------------------------------------------------------
    _QRX = re.compile(r"dnsmasq\[\d+\]: (?:\d+ )?(?P<client>[0-9a-fA-F.:]+)/(?P<cport>\d+) "
                      r"query\[(?P<type>[A-Z0-9]+)\] (?P<name>\S+) from")

    def queries(self) -> list[tuple[str, str, str]]:
        """(qtype, qname, client address) for every query dnsmasq received so far."""
        try:
            with open(self.query_log, errors="replace") as f:
                text = f.read()
        except OSError:
            return []
        return [(m["type"], m["name"], m["client"]) for m in self._QRX.finditer(text)]

    # -- a minimal DNS client (UDP, one question) ------------------------------------------------
    def query(self, name: str, qtype: str = "A", timeout: float = 2.0) -> DnsAnswer:
        return query(self.ip, self.port, name, qtype, timeout)


def query(server_ip: str, port: int, name: str, qtype: str = "A", timeout: float = 2.0) -> DnsAnswer:
    """Ask one question over UDP and parse the answer section (A, AAAA, SRV, CNAME, TXT)."""
    qid = random.randrange(65536)
    qn = b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".") if l) + b"\0"
    pkt = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qn + struct.pack(">HH", QTYPES[qtype], 1)
    s = socket.socket(socket.AF_INET6 if ":" in server_ip else socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(pkt, (server_ip, port))
        while True:
            data = s.recv(65535)
            if len(data) >= 12 and struct.unpack(">H", data[:2])[0] == qid:
                break
    except socket.timeout as e:
        raise HarnessError(f"no DNS answer from {server_ip}:{port} for {name} {qtype}") from e
    finally:
        s.close()
    flags, qd, an = struct.unpack(">HHH", data[2:8])
    off = 12
    for _ in range(qd):
        _, off = _name(data, off)
        off += 4
    records = []
    for _ in range(an):
        _, off = _name(data, off)
        rtype, _cls, _ttl, rdlen = struct.unpack(">HHIH", data[off:off + 10])
        off += 10
        rd = data[off:off + rdlen]
        if rtype == 1:
            records.append(socket.inet_ntoa(rd))
        elif rtype == 28:
            records.append(socket.inet_ntop(socket.AF_INET6, rd))
        elif rtype == 33:
            prio, weight, p = struct.unpack(">HHH", rd[:6])
            target, _ = _name(data, off + 6)
            records.append((prio, weight, p, target or "."))
        elif rtype == 5:
            records.append(_name(data, off)[0])
        elif rtype == 16:
            records.append(rd[1:1 + rd[0]].decode(errors="replace"))
        else:
            records.append(rd)
        off += rdlen
    return DnsAnswer(RCODES.get(flags & 15, str(flags & 15)), records, bool(flags & 0x0400))


def _name(data: bytes, off: int) -> tuple[str, int]:
    labels, jumped, end = [], False, off
    for _ in range(128):
        n = data[off]
        if n == 0:
            off += 1
            break
        if n & 0xC0 == 0xC0:
            ptr = struct.unpack(">H", data[off:off + 2])[0] & 0x3FFF
            if not jumped:
                end = off + 2
            jumped, off = True, ptr
            continue
        labels.append(data[off + 1:off + 1 + n].decode(errors="replace"))
        off += 1 + n
    return ".".join(labels), (end if jumped else off)
