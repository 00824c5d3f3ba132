# SPDX-License-Identifier: Apache-2.0
"""xfed's edge against a real Prosody 0.12, on loopback, DNS from our own dnsmasq.

Scenario x direction x expected outcome (from the partner settings and the negotiation table of
lync-xmpp-spec.md §1.2):

| scenario | partner settings on xfed | direction | expected |
|---|---|---|---|
| Google Talk style | a.test: TLS NotSupported, SASL NotSupported, dialback | a.test -> contoso.test | Prosody authenticates with dialback (xfed verifies over a separate connection); the message reaches the edge, no gateway is connected, so it bounces with service-unavailable |
| (same) | (same) | contoso.test -> a.test | the bounce goes back over xfed's outbound stream, authenticated with dialback (Prosody verifies with xfed, the authoritative server) and arrives at the sender |
| certificates | a.test: the defaults (TLS Required, SASL Required) | a.test -> contoso.test | STARTTLS, then SASL EXTERNAL with Prosody's certificate (both sides trust the test CA); bounce as above |
| (same) | (same) | contoso.test -> a.test | STARTTLS, SASL EXTERNAL with xfed's certificate; the bounces arrive |
| SRV failover | as Google Talk style; a.test has two SRV targets, the first (priority 0) refuses connections | contoso.test -> a.test | xfed tries the first target, then the second, and the bounces arrive |
| through the link | Google Talk style; a test gateway on the internal link (mutual TLS, XEP-0198) | gateway -> contoso.test edge -> a.test | delivered to the Prosody user with its body; the edge acknowledges every stanza |
| (same) | (same) | a.test -> contoso.test edge -> gateway | delivered to the gateway with its body |
| peer vanishes | Google Talk style, gateway connected | gateway -> a.test after Prosody is killed | the outbound stream ends with the peer; the next stanzas find no server (connection refused on every SRV target) and bounce to the gateway with remote-server-not-found, each once; accepted = delivered + bounced |
| not a partner | no partner for a.test | a.test -> contoso.test | refused at the stream header with policy-violation and a text naming the domain; Prosody logs that reason and bounces its queued message |

TLS Required against a peer that offers no STARTTLS is covered by the outbound negotiator's unit
tests only: Prosody 0.12 cannot drop STARTTLS from s2s while keeping it for c2s, which the test
clients need.

Every accepted stanza is accounted for in xfed's counters (accepted = delivered + bounced).
"""
from __future__ import annotations

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import clients, loopback_check                     # noqa: E402
from harness.ca import TestCA                                   # noqa: E402
from harness.dns import DnsServer, Zone                         # noqa: E402
from harness.ports import free_port                             # noqa: E402
from harness.prosody import ProsodyServer, require_prosody      # noqa: E402
from harness.scenario import InteropScenario                    # noqa: E402
from harness.util import STRACE, require_root, require_tools, tail  # noqa: E402
from harness.gateway import TestGateway                         # noqa: E402
from harness.xfed import XfedNode, binaries                     # noqa: E402

SCENARIO_SECONDS = 120
MESSAGES = 5
PASSWORD = "interop-secret"


class EdgeWithProsody(InteropScenario):
    def setUp(self):
        require_root("Prosody runs as its own user; strace attaches to this process")
        require_tools("dnsmasq", "strace", "openssl", "setpriv")
        clients.require_slixmpp()
        require_prosody()
        binaries()
        self.start_scenario("xfed-interop-edge-", SCENARIO_SECONDS)


    def _world(self, partner: bool, mode: str = "dialback", srv_failover: bool = False):
        dns_ip, a_ip, x_ip = self.block.take("dns", "a.test", "contoso.test")
        ca = TestCA(self.tmp.sub("ca"))
        leaf_a = ca.issue("a.test", dns=["a.test", "xmpp.a.test"])
        a_s2s = free_port(a_ip, exclude=(5269, 5222))
        x_s2s = free_port(x_ip, exclude=(5269, 5222))
        dns_port = free_port(dns_ip, udp_too=True)
        zone = Zone("test").a("xmpp.a.test", a_ip).a("edge.contoso.test", x_ip)
        if srv_failover:
            dead_ip = self.block.next("dead")
            zone = (zone.a("dead.a.test", dead_ip)
                    .xmpp_server("a.test", "dead.a.test", free_port(dead_ip), priority=0))
        zone = (zone
                .xmpp_server("a.test", "xmpp.a.test", a_s2s, priority=10)
                .xmpp_server("contoso.test", "edge.contoso.test", x_s2s)
                .no_xmpps_server("a.test").no_xmpps_server("contoso.test"))
        self.dns = DnsServer(zone, dns_ip, self.tmp.sub("dns"), port=dns_port)
        if mode == "dialback":
            # Google Talk style on Prosody's side too: no TLS demanded, dialback.
            self.prosody = ProsodyServer(self.tmp.sub("prosody-a.test"), a_ip, {"a.test": leaf_a},
                                         dns=self.dns.address, s2s_port=a_s2s,
                                         s2s_auth="dialback", s2s_require_encryption=False)
        else:
            # Certificates only: Prosody trusts the test CA and insists on SASL EXTERNAL.
            self.prosody = ProsodyServer(self.tmp.sub("prosody-a.test"), a_ip, {"a.test": leaf_a},
                                         dns=self.dns.address, s2s_port=a_s2s,
                                         s2s_auth="certificates", ca_file=ca.cert)
        self.xfed = XfedNode(self.tmp.sub("xfed"), x_ip, x_s2s, self.dns.address)
        if mode == "certificates":
            # DNS SANs only (ADR 0006): the organisation's domain and the edge's name.
            leaf_x = ca.issue("contoso.test", dns=["contoso.test", "edge.contoso.test"])
            self.xfed.use_certificate(ca.cert, leaf_x.key, leaf_x.chain)
        commands = ["Set-CsAccessEdgeConfiguration -AllowFederatedUsers $true"]
        if partner and mode == "dialback":
            commands.append("New-CsXmppAllowedPartner a.test -TlsNegotiation NotSupported "
                            "-SaslNegotiation NotSupported -EnableKeepAlive $false "
                            "-SupportDialbackNegotiation $true")
        elif partner:
            commands.append("New-CsXmppAllowedPartner a.test -SupportDialbackNegotiation $false")
        self.xfed.ctl_run(*commands)
        if STRACE:
            self.tracer.start()
        self.addCleanup(self.dns.stop)
        self.dns.start()
        self.prosody.register("alice", "a.test", PASSWORD)
        self.addCleanup(self.prosody.stop)
        self.prosody.start()
        self.addCleanup(self.xfed.stop)
        self.xfed.start()
        return ca

    def _bob_and_gateway(self) -> TestGateway:
        """bob@a.test on Prosody, and a test gateway on xfed's link with the lab PKI's
        internal certificate."""
        self.prosody.register("bob", "a.test", PASSWORD)
        gw = TestGateway(self.xfed.ip, self.xfed.link_port(), self.xfed.pki("ca.crt"),
                         self.xfed.pki("internal.crt"), self.xfed.pki("internal.key"))
        self.addCleanup(gw.close)
        return gw

    def _logs(self) -> str:
        return "\n".join([tail(self.prosody.log, 40), self.xfed.log_text()[-4000:]])

    async def _send(self, ca_file: str, n: int, timeout: float = 40):
        alice = await clients.Client.login("alice@a.test", PASSWORD,
                                           (self.prosody.ip, self.prosody.c2s_port), ca_file)
        try:
            ids = alice.send_many("bob@contoso.test", n, tag="a2x")
            got = await alice.wait_for_ids(ids, timeout=timeout)
            return ids, got
        finally:
            await clients.close_all(alice)

    def _finish_trace(self):
        self.xfed.stop()
        self.prosody.stop()
        self.dns.stop()
        self.tracer.stop()
        if STRACE:
            report = loopback_check.parse(self.trace_path)
            report.assert_loopback()

    def test_dialback_both_directions_bounce_without_gateway(self):
        ca = self._world(partner=True)
        ids, got = clients.run(self._send(ca.cert, MESSAGES), timeout=60)
        streams = self.xfed.streams()
        self._finish_trace()
        # Every message came back as an error from xfed: service-unavailable (no gateway).
        self.assertEqual(got.missing, [], f"no answer for some messages\n{self._logs()}")
        self.assertEqual(sorted(got.errors), sorted(ids), f"expected bounces\n{self._logs()}")
        for mid in ids:
            self.assertEqual(got.errors[mid].condition, "service-unavailable", self._logs())
        log = self.xfed.log_text()
        self.assertIn("s2s-in", log)
        self.assertRegex(log, r"s2s-in#\d+ \[contoso.test<->a.test\] established tls= auth=dialback")
        self.assertRegex(log, r"s2s-out#\d+ \[contoso.test<->a.test\] established tls= auth=dialback")
        # Prosody verified xfed's dialback key with xfed, the authoritative server of contoso.test.
        self.assertIn("verified dialback key", self.prosody.log_text(), self._logs())
        stats = streams[-1]
        self.assertEqual(stats["accepted_inbound"], MESSAGES, streams)
        self.assertEqual(stats["bounced"], MESSAGES, streams)
        self.assertEqual(stats["accepted_outbound"], MESSAGES, streams)
        self.assertEqual(stats["delivered_outbound"], MESSAGES, streams)

    def test_starttls_and_sasl_external_both_directions(self):
        ca = self._world(partner=True, mode="certificates")
        ids, got = clients.run(self._send(ca.cert, MESSAGES), timeout=60)
        streams = self.xfed.streams()
        self._finish_trace()
        self.assertEqual(got.missing, [], f"no answer for some messages\n{self._logs()}")
        self.assertEqual(sorted(got.errors), sorted(ids), f"expected bounces\n{self._logs()}")
        for mid in ids:
            self.assertEqual(got.errors[mid].condition, "service-unavailable", self._logs())
        log = self.xfed.log_text()
        self.assertRegex(log, r"s2s-in#\d+ \[contoso.test<->a.test\] established "
                              r"tls=TLSv1\.[23] auth=SASL EXTERNAL", self._logs())
        self.assertRegex(log, r"s2s-out#\d+ \[contoso.test<->a.test\] established "
                              r"tls=TLSv1\.[23] auth=SASL EXTERNAL", self._logs())
        plog = self.prosody.log_text()
        self.assertIn("Accepting SASL EXTERNAL identity from contoso.test", plog, self._logs())
        self.assertNotIn("dialback", log.lower().replace("supportdialback", ""))
        stats = streams[-1]
        self.assertEqual(stats["bounced"], MESSAGES, streams)
        self.assertEqual(stats["delivered_outbound"], MESSAGES, streams)

    def test_messages_cross_the_link_and_s2s_both_ways(self):
        ca = self._world(partner=True)
        gw = self._bob_and_gateway()

        async def exchange():
            bob = await clients.Client.login("bob@a.test", PASSWORD,
                                             (self.prosody.ip, self.prosody.c2s_port), ca.cert)
            try:
                out_ids = [f"x2a-{i}" for i in range(MESSAGES)]
                for i, mid in enumerate(out_ids):
                    gw.send_message("alice@contoso.test/gw", "bob@a.test", f"to bob #{i} <&>", mid)
                got_out = await bob.wait_for_ids(out_ids, timeout=40)
                in_ids = bob.send_many("alice@contoso.test", MESSAGES, tag="a2x")
                return out_ids, got_out, in_ids
            finally:
                await clients.close_all(bob)
        out_ids, got_out, in_ids = clients.run(exchange(), timeout=90)
        got_in = gw.wait_messages(in_ids, timeout=30)
        acked = gw.request_ack()
        streams = self.xfed.streams()
        gw.close()
        self._finish_trace()
        self.assertEqual(got_out.missing, [], f"not delivered to Prosody\n{self._logs()}")
        self.assertEqual(got_out.errors, {}, self._logs())
        for i, mid in enumerate(out_ids):
            self.assertEqual(got_out.received[mid].body, f"to bob #{i} <&>")
        self.assertEqual(sorted(got_in), sorted(in_ids), f"not delivered to the gateway\n{self._logs()}")
        for mid, el in got_in.items():
            self.assertIn(mid, el.findtext("{jabber:server}body", ""), "the body arrived intact")
        self.assertEqual(acked, MESSAGES, "the edge acknowledges every stanza on the link")
        stats = streams[-1]
        self.assertEqual(stats["from_gateways"], MESSAGES, streams)
        self.assertEqual(stats["delivered_outbound"], MESSAGES, streams)
        self.assertEqual(stats["delivered_inbound"], MESSAGES, streams)
        self.assertEqual(stats["bounced"], 0, streams)

    def test_peer_that_vanishes_gets_its_later_stanzas_bounced_once(self):
        ca = self._world(partner=True)
        gw = self._bob_and_gateway()

        async def before():
            bob = await clients.Client.login("bob@a.test", PASSWORD,
                                             (self.prosody.ip, self.prosody.c2s_port), ca.cert)
            try:
                ids = [f"pre-{i}" for i in range(3)]
                for mid in ids:
                    gw.send_message("alice@contoso.test/gw", "bob@a.test", "before", mid)
                return ids, await bob.wait_for_ids(ids, timeout=40)
            finally:
                await clients.close_all(bob)
        pre_ids, got = clients.run(before(), timeout=60)
        self.assertEqual(got.missing, [], self._logs())
        # The peer disappears without closing its streams.
        import signal as _signal
        self.prosody.daemon.signal_all(_signal.SIGKILL)
        time.sleep(1.0)
        post_ids = [f"post-{i}" for i in range(3)]
        for mid in post_ids:
            gw.send_message("alice@contoso.test/gw", "bob@a.test", "after", mid)
        bounced = gw.wait_messages(post_ids, timeout=30)
        streams = self.xfed.streams()
        gw.close()
        self.xfed.stop()
        self.dns.stop()
        self.tracer.stop()
        if STRACE:
            loopback_check.parse(self.trace_path).assert_loopback()
        self.assertEqual(sorted(bounced), sorted(post_ids), f"expected bounces\n{self._logs()}")
        for mid, el in bounced.items():
            self.assertEqual(el.get("type"), "error", mid)
            error = el.find("{jabber:server}error")
            self.assertIsNotNone(error, mid)
            self.assertIsNotNone(
                error.find("{urn:ietf:params:xml:ns:xmpp-stanzas}remote-server-not-found"), mid)
        stats = streams[-1]
        self.assertEqual(stats["accepted_outbound"], 6, streams)
        self.assertEqual(stats["delivered_outbound"] + stats["bounced"], 6, streams)
        self.assertEqual(stats["bounced"], 3, streams)

    def test_srv_first_target_down_uses_the_second(self):
        ca = self._world(partner=True, srv_failover=True)
        ids, got = clients.run(self._send(ca.cert, MESSAGES), timeout=60)
        self._finish_trace()
        self.assertEqual(got.missing, [], f"no answer for some messages\n{self._logs()}")
        self.assertEqual(sorted(got.errors), sorted(ids), self._logs())
        for mid in ids:
            self.assertEqual(got.errors[mid].condition, "service-unavailable", self._logs())
        self.assertRegex(self.xfed.log_text(), r"s2s-out#\d+ \[contoso.test<->a.test\] established")

    def test_domain_not_in_partner_list_is_refused(self):
        ca = self._world(partner=False)
        clients.run(self._send(ca.cert, 1, timeout=10), timeout=60)
        self._finish_trace()
        # xfed refused Prosody's stream at the header, with a stream error that says why, and
        # Prosody saw that reason and bounced its queued message to the sender.
        reason = "a.test is not an allowed XMPP partner of this organisation"
        self.assertIn(f"policy-violation: {reason}", self.xfed.log_text(), self._logs())
        plog = self.prosody.log_text()
        self.assertIn(f"closed: policy-violation ({reason}", plog, self._logs())
        self.assertIn("Sending error replies for 1 queued stanzas", plog, self._logs())
        self.assertNotIn("established", self.xfed.log_text())


if __name__ == "__main__":
    unittest.main(verbosity=2)
