# SPDX-License-Identifier: Apache-2.0
"""Fast checks of the harness pieces that need no XMPP server: ports, addresses, the CA, the DNS
server, the strace parser and tracer (including that a non-loopback destination IS reported), and
that the slixmpp client does not resolve anything when it connects."""
from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import loopback_check                                  # noqa: E402
from harness.addresses import AddressBlock, is_loopback             # noqa: E402
from harness.ca import TestCA, describe                             # noqa: E402
from harness.dns import DnsServer, Zone                             # noqa: E402
from harness.ports import free_port, free_ports, is_free, is_listening  # noqa: E402
from harness.util import HarnessError, TempDir, require_root, require_tools  # noqa: E402

TEST_NET = "192.0.2.1"      # RFC 5737: never routed; a UDP connect() to it sends no packet


class Addresses(unittest.TestCase):
    def test_blocks_are_distinct_and_bindable(self):
        with AddressBlock() as a, AddressBlock() as b:
            self.assertNotEqual(a.prefix, b.prefix)
            ip = a.next("x")
            self.assertEqual(a.names, {"x": ip})
            s = socket.socket()
            s.bind((ip, 5269 if is_free(ip, 5269) else 0))
            s.close()

    def test_is_loopback(self):
        for ip in ("127.0.0.1", "127.200.3.4", "::1", "::ffff:127.0.0.2", "[::1]"):
            self.assertTrue(is_loopback(ip), ip)
        for ip in ("10.255.255.53", "0.0.0.0", "::", "2001:db8::1", "::ffff:10.0.0.1", "128.0.0.1", "x"):
            self.assertFalse(is_loopback(ip), ip)


class Ports(unittest.TestCase):
    def test_free_and_listening(self):
        with AddressBlock() as blk:
            ip = blk.next()
            p1, p2 = free_ports(ip, 2)
            self.assertNotEqual(p1, p2)
            s = socket.socket()
            s.bind((ip, p1))
            s.listen()
            try:
                self.assertFalse(is_free(ip, p1))
                self.assertTrue(is_listening(ip, p1))
                self.assertFalse(is_listening(ip, p2))
                self.assertNotEqual(free_port(ip, preferred=p1), p1)
            finally:
                s.close()


class CertificateAuthority(unittest.TestCase):
    def setUp(self):
        require_tools("openssl")
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)

    def verify(self, ca, cert):
        return subprocess.run(["openssl", "verify", "-CAfile", ca.cert, cert],
                              capture_output=True, text=True, timeout=30)

    def test_leaf_with_sans_and_xmppaddr(self):
        ca = TestCA(self.tmp.sub("ca"))
        leaf = ca.issue("a.test", dns=["a.test", "*.a.test"], xmpp_addrs=["a.test"], ips=["127.0.0.9"])
        text = describe(leaf.cert)
        for want in ("DNS:a.test", "DNS:*.a.test", "XmppAddr", "IP Address:127.0.0.9",
                     "TLS Web Client Authentication"):
            self.assertIn(want, text)
        self.assertEqual(self.verify(ca, leaf.cert).returncode, 0)
        self.assertEqual(oct(os.stat(leaf.key).st_mode & 0o777), "0o644")
        with open(leaf.pem) as f:
            self.assertIn("PRIVATE KEY", f.read())

    def test_expired(self):
        ca = TestCA(self.tmp.sub("ca"))
        old = ca.issue("old.test", not_before=dt.datetime(2020, 1, 1), not_after=dt.datetime(2021, 1, 1))
        r = self.verify(ca, old.cert)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("expired", r.stdout + r.stderr)


class Dns(unittest.TestCase):
    def setUp(self):
        require_tools("dnsmasq")
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)
        self.blk = AddressBlock()
        self.addCleanup(self.blk.release)

    def test_zone(self):
        ip = self.blk.next()
        zone = (Zone("test").a("xmpp.a.test", "127.1.2.3").aaaa("xmpp.a.test", "::1")
                .xmpp_server("a.test", "xmpp.a.test", 5999, priority=5, weight=10)
                .xmpp_server("a.test", "backup.a.test", 6000, priority=10)
                .no_xmpps_server("a.test").cname("alias.a.test", "xmpp.a.test")
                .txt("t.a.test", "hello"))
        dns = DnsServer(zone, ip, self.tmp.sub("dns"))
        self.addCleanup(dns.stop)
        dns.start()
        srv = dns.query("_xmpp-server._tcp.a.test", "SRV")
        self.assertEqual(srv.rcode, "NOERROR")
        self.assertEqual(sorted(srv.records), [(5, 10, 5999, "xmpp.a.test"), (10, 0, 6000, "backup.a.test")])
        dot = dns.query("_xmpps-server._tcp.a.test", "SRV").records
        self.assertEqual(len(dot), 1)
        self.assertEqual(dot[0][3], ".")
        self.assertEqual(dns.query("xmpp.a.test", "A").records, ["127.1.2.3"])
        self.assertEqual(dns.query("xmpp.a.test", "AAAA").records, ["::1"])
        self.assertIn("xmpp.a.test", dns.query("alias.a.test", "CNAME").records)
        self.assertEqual(dns.query("t.a.test", "TXT").records, ["hello"])
        self.assertEqual(dns.query("nothing.a.test", "A").rcode, "NXDOMAIN")
        self.assertEqual(dns.query("example.com", "A").rcode, "REFUSED")   # never forwarded
        asked = dns.queries()
        self.assertIn(("SRV", "_xmpp-server._tcp.a.test"), [(t, n) for t, n, _ in asked])
        dns.stop()
        self.assertFalse(is_listening(ip, dns.port))


class LoopbackParser(unittest.TestCase):
    LINES = """\
101 connect(3, {sa_family=AF_INET, sin_port=htons(5269), sin_addr=inet_addr("127.0.0.2")}, 16) = -1 EINPROGRESS (Operation now in progress)
101 connect(4, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0
101 connect(5, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)
101 sendto(6, [{nlmsg_len=20, nlmsg_type=RTM_GETADDR, nlmsg_flags=NLM_F_REQUEST|NLM_F_DUMP, nlmsg_seq=1, nlmsg_pid=0}, {ifa_family=AF_UNSPEC, ...}], 20, 0, {sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, 12) = 20
102 sendto(7, ""..., 29, MSG_NOSIGNAL, NULL, 0) = 29
102 connect(8, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16 <unfinished ...>
102 <... connect resumed>) = 0
103 sendmsg(9, {msg_name={sa_family=AF_INET6, sin6_port=htons(5269), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, msg_namelen=28, msg_iov=[], msg_iovlen=0, msg_controllen=0, msg_flags=0}, 0) = -1 ENETUNREACH (Network is unreachable)
104 connect(10, {sa_family=AF_UNSPEC, sa_data="\\0\\0\\0\\0"}, 16) = 0
105 +++ exited with 0 +++
"""

    def test_parse(self):
        tmp = TempDir()
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.path, "t.trace")
        with open(path, "w") as f:
            f.write(self.LINES)
        rep = loopback_check.parse(path)
        self.assertEqual(len(rep.destinations), 7)
        bad = [(d.ip, d.port) for d in rep.violations]
        self.assertEqual(bad, [("10.255.255.53", 53), ("2001:db8::1", 5269)])
        self.assertTrue(rep.connected("127.0.0.2", 5269))
        with self.assertRaises(loopback_check.LoopbackViolation) as cm:
            rep.assert_loopback()
        self.assertIn("10.255.255.53", str(cm.exception))


class LoopbackTracer(unittest.TestCase):
    def setUp(self):
        require_root("strace attaches to this process")
        require_tools("strace")
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)

    def test_self_trace_sees_threads_children_and_violations(self):
        import threading
        path = os.path.join(self.tmp.path, "self.trace")
        with AddressBlock() as blk:
            ip = blk.next()
            with loopback_check.trace_self(path):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.sendto(b"x", (ip, 9))
                s.close()
                def in_thread():
                    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                        u.sendto(b"y", (ip, 10))
                t = threading.Thread(target=in_thread)
                t.start()
                t.join()
                subprocess.run(["/usr/bin/python3", "-c",
                                f"import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
                                f"s.connect(('{TEST_NET}', 11)); s.close()"], check=True, timeout=30)
            rep = loopback_check.parse(path)
        self.assertTrue(rep.connected(ip, 9), rep.summary())
        self.assertTrue(rep.connected(ip, 10), "thread not traced: " + rep.summary())
        self.assertEqual([(d.ip, d.port) for d in rep.violations], [(TEST_NET, 11)])

    def test_wrap(self):
        path = os.path.join(self.tmp.path, "wrap.trace")
        subprocess.run(loopback_check.wrap(["/usr/bin/python3", "-c",
                       "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', 9))"],
                       path), check=True, timeout=30)
        rep = loopback_check.parse(path)
        rep.assert_loopback()
        self.assertTrue(rep.connected("127.0.0.1", 9))


class ClientDoesNotResolve(unittest.TestCase):
    """slixmpp, told an address, must not ask DNS (it would, stock: A/AAAA for the JID domain)."""

    def setUp(self):
        require_root("strace attaches to this process")
        require_tools("strace")
        from harness import clients
        clients.require_slixmpp()
        self.clients = clients
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)

    def test_connect_failure_without_dns(self):
        path = os.path.join(self.tmp.path, "client.trace")
        with AddressBlock() as blk:
            ip = blk.next()
            port = free_port(ip)
            with loopback_check.trace_self(path):
                with self.assertRaises(HarnessError):
                    self.clients.run(self.clients.Client.login(
                        "alice@nowhere.test", "pw", (ip, port), None, timeout=3), timeout=10)
            rep = loopback_check.parse(path)
        rep.assert_loopback()
        self.assertTrue(rep.connected(ip, port), rep.summary())
        self.assertFalse([d for d in rep.inet() if d.port == 53], "the client asked DNS: " + rep.summary())


if __name__ == "__main__":
    unittest.main(verbosity=2)
