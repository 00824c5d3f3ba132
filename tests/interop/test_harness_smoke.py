# SPDX-License-Identifier: Apache-2.0
"""Smoke test of the interop harness with two real peers and no xfed:

    Prosody 0.12 (a.test) <-> ejabberd 23.01 (c.test), s2s found through SRV records served by
    our own dnsmasq, TLS certificates from our own CA.

1. certificates: both trust the test CA; Prosody has s2s_secure_auth = true and ejabberd has no
   mod_s2s_dialback, so s2s must authenticate with SASL EXTERNAL in both directions (checked in
   both servers' logs).
2. dialback: neither trusts the other's certificate (no trust store for the test CA), so both
   directions fall back to dialback (over TLS).

In each, alice@a.test sends 20 messages to bob@c.test and bob 20 back; every message must arrive
with its body and no stanza error. The whole scenario (DNS, both servers, clients, shutdown) runs
with strace attached to this process with -f, and every connect/sendto/sendmsg destination must be
loopback. Each scenario has an overall deadline and cleans up processes and temp dirs even when it
fails (XFED_INTEROP_KEEP=1 keeps the temp dirs).
"""
from __future__ import annotations

import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import clients, loopback_check                     # noqa: E402
from harness.ca import TestCA                                   # noqa: E402
from harness.dns import DnsServer, Zone                         # noqa: E402
from harness.ejabberd import EjabberdServer, require_ejabberd   # noqa: E402
from harness.ports import free_port, is_free                    # noqa: E402
from harness.prosody import ProsodyServer, require_prosody      # noqa: E402
from harness.scenario import InteropScenario  # noqa: E402
from harness.util import STRACE, require_root, require_tools, tail  # noqa: E402

SCENARIO_SECONDS = 120
MESSAGES = 20
PASSWORD = "interop-secret"


class ProsodyEjabberdSmoke(InteropScenario):
    maxDiff = None

    def setUp(self):
        require_root("Prosody/ejabberd run as their own users, ejabberd in a mount namespace, "
                     "strace attaches to this process")
        require_tools("dnsmasq", "strace", "openssl", "setpriv")
        clients.require_slixmpp()
        require_prosody()
        require_ejabberd()
        self.t0 = time.monotonic()
        self.timings: dict[str, float] = {}
        # overall deadline: SIGALRM interrupts whatever is waiting; cleanups still run
        self.start_scenario("xfed-interop-smoke-", SCENARIO_SECONDS)


    def _timed(self, name: str, fn, *a, **kw):
        t = time.monotonic()
        r = fn(*a, **kw)
        self.timings[name] = time.monotonic() - t
        return r

    # ------------------------------------------------------------------------------------------
    def _scenario(self, mode: str) -> None:
        assert mode in ("certificates", "dialback")
        dns_ip, a_ip, c_ip = self.block.take("dns", "a.test", "c.test")
        ca = TestCA(self.tmp.sub("ca"))
        # DNS SANs only: an XmppAddr otherName crashes ejabberd 23.01's s2s_in on SASL EXTERNAL
        # (p1_xmpp xmpp_stream_pkix:get_domains_from_san returns a binary into lists:flatmap)
        leaf_a = ca.issue("a.test", dns=["a.test", "xmpp.a.test"])
        leaf_c = ca.issue("c.test", dns=["c.test", "xmpp.c.test"])
        trusted = ca.cert if mode == "certificates" else None

        # DNS on port 53 of its own address: ejabberd's A lookups go through glibc (port 53 only)
        dns_port = 53 if is_free(dns_ip, 53) and is_free(dns_ip, 53, udp=True) else None
        if dns_port is None:
            self.skipTest(f"port 53 on {dns_ip} is taken (a wildcard DNS listener?)")
        # s2s on non-default ports: reaching them at all proves the SRV records were used
        a_s2s = free_port(a_ip, exclude=(5269, 5222))
        c_s2s = free_port(c_ip, exclude=(5269, 5222))
        zone = (Zone("test")
                .a("xmpp.a.test", a_ip).a("xmpp.c.test", c_ip)
                .xmpp_server("a.test", "xmpp.a.test", a_s2s, priority=0, weight=5)
                .xmpp_server("c.test", "xmpp.c.test", c_s2s, priority=0, weight=5)
                .no_xmpps_server("a.test").no_xmpps_server("c.test"))
        dns = DnsServer(zone, dns_ip, self.tmp.sub("dns"), port=dns_port)
        # certificates: Prosody s2s_secure_auth = true (no dialback fallback), ejabberd without
        # mod_s2s_dialback; dialback: neither trusts the test CA, both have dialback
        prosody = ProsodyServer(self.tmp.sub("prosody-a.test"), a_ip, {"a.test": leaf_a},
                                dns=dns.address, s2s_port=a_s2s, ca_file=trusted, s2s_auth=mode)
        ejabberd = EjabberdServer(self.tmp.sub("ejabberd-c.test"), c_ip, {"c.test": leaf_c},
                                  dns=dns.address, s2s_port=c_s2s, ca_file=trusted, s2s_auth=mode)
        self.peers = (prosody, ejabberd)

        if STRACE:
            self._timed("trace attach", self.tracer.start)
        self.addCleanup(dns.stop)
        self._timed("dnsmasq start", dns.start)
        self._timed("prosody register", prosody.register, "alice", "a.test", PASSWORD)
        self.addCleanup(prosody.stop)
        self._timed("prosody start", prosody.start)
        self.addCleanup(ejabberd.stop)
        self._timed("ejabberd start", ejabberd.start)
        self._timed("ejabberd register", ejabberd.register, "bob", "c.test", PASSWORD)

        t = time.monotonic()
        result = clients.run(self._exchange(prosody, ejabberd, ca.cert), timeout=60)
        self.timings["clients (login, 2x20 messages)"] = time.monotonic() - t

        # ---- shutdown under the trace, then the loopback check for the whole run
        self._timed("ejabberd stop", ejabberd.stop)
        self._timed("prosody stop", prosody.stop)
        dns.stop()
        self.tracer.stop()
        self.timings["total"] = time.monotonic() - self.t0
        sys.stderr.write(f"\n[{mode}] " + ", ".join(f"{k} {v:.2f}s" for k, v in self.timings.items()) + "\n")
        if STRACE:
            report = loopback_check.parse(self.trace_path)
            sys.stderr.write(f"[{mode}] {report.summary()}\n")
            report.assert_loopback()
            self.assertTrue(report.connected(c_ip, c_s2s), "Prosody never connected to ejabberd's SRV port")
            self.assertTrue(report.connected(a_ip, a_s2s), "ejabberd never connected to Prosody's SRV port")
            self.assertTrue(report.connected(dns_ip, dns_port), "nobody asked our DNS server")
        else:
            sys.stderr.write(f"[{mode}] XFED_INTEROP_STRACE=0: loopback check NOT done\n")

        # ---- messages: all there, with their bodies, no errors
        for direction, (sent, got) in result.items():
            self.assertEqual(got.errors, {}, f"{direction}: stanza errors\n{self._logs()}")
            self.assertEqual(got.missing, [], f"{direction}: not delivered "
                             f"({len(got.missing)} of {len(sent)})\n{self._logs()}")
            for mid, body in sent.items():
                self.assertEqual(got.received[mid].body, body, f"{direction}: body of {mid}")

        # ---- s2s authentication as intended, in both directions
        plog, elog = prosody.log_text(), ejabberd.log_text()
        accepted = set(re.findall(r"Accepted ((?:in|out)bound) s2s (\S+) authentication (\S+ -> \S+)", elog))
        if mode == "certificates":
            self.assertIn("Accepting SASL EXTERNAL identity from c.test", plog)    # c -> a
            self.assertIn("SASL EXTERNAL with c.test succeeded", plog)             # a -> c
            self.assertEqual(accepted, {("inbound", "EXTERNAL", "a.test -> c.test"),
                                        ("outbound", "EXTERNAL", "c.test -> a.test")})
            self.assertNotIn("Initiating dialback", plog)
        else:
            self.assertIn("certificate chain validation result: invalid", plog)
            self.assertNotIn("Accepting SASL EXTERNAL", plog)
            self.assertIn("verified dialback key... it is valid", plog)
            self.assertEqual(accepted, {("inbound", "dialback", "a.test -> c.test"),
                                        ("outbound", "dialback", "c.test -> a.test")})
        prosody.check_dns_confined()

        # ---- SRV records from our DNS were what both servers used
        asked = [(q, n) for q, n, _ in dns.queries()]
        self.assertIn(("SRV", "_xmpp-server._tcp.c.test"), asked)      # asked by Prosody
        self.assertIn(("SRV", "_xmpp-server._tcp.a.test"), asked)      # asked by ejabberd

    async def _exchange(self, prosody: ProsodyServer, ejabberd: EjabberdServer, ca_file: str):
        alice = bob = None
        try:
            alice, bob = await _gather(
                clients.Client.login("alice@a.test", PASSWORD, (prosody.ip, prosody.c2s_port), ca_file),
                clients.Client.login("bob@c.test", PASSWORD, (ejabberd.ip, ejabberd.c2s_port), ca_file))
            out = {}
            for src, dst, tag in ((alice, bob, "a2c"), (bob, alice, "c2a")):
                out[f"{src.bare} -> {dst.bare}"] = await clients.deliver(
                    src, dst, MESSAGES, tag=tag, timeout=40,
                    body=lambda i, mid, src=src, tag=tag: f"{tag} #{i}: hello from {src.bare} <&> ünïcode")
            return out
        finally:
            await clients.close_all(alice, bob)

    def _logs(self) -> str:
        return "\n".join(tail(p.log, 30) for p in getattr(self, "peers", ()))

    # ------------------------------------------------------------------------------------------
    def test_certificates_sasl_external(self):
        self._scenario("certificates")

    def test_dialback_only(self):
        self._scenario("dialback")


async def _gather(*aws):
    import asyncio
    return await asyncio.gather(*aws)


if __name__ == "__main__":
    unittest.main(verbosity=2)
