# SPDX-License-Identifier: Apache-2.0
"""xfed's edge against a real ejabberd 23.01, on loopback, DNS from our own dnsmasq.

| scenario | partner settings on xfed | direction | expected |
|---|---|---|---|
| certificates | c.test: the defaults (TLS Required, SASL Required), dialback off | c.test -> contoso.test | STARTTLS, SASL EXTERNAL with ejabberd's certificate; no gateway: the message bounces with service-unavailable |
| (same) | (same) | contoso.test -> c.test | STARTTLS, SASL EXTERNAL with xfed's certificate; the bounce reaches the sender |
| mixed | c.test: TLS Required, SASL Optional, dialback on; ejabberd does not trust xfed's CA, xfed trusts ejabberd's | c.test -> contoso.test | STARTTLS, then SASL EXTERNAL: xfed validates ejabberd's certificate, so it offers EXTERNAL |
| (same) | (same) | contoso.test -> c.test | STARTTLS, then dialback: ejabberd cannot validate xfed's certificate, offers no EXTERNAL, and the partner allows dialback |
"""
from __future__ import annotations

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import clients, loopback_check                     # noqa: E402
from harness.ca import TestCA                                   # noqa: E402
from harness.dns import DnsServer, Zone                         # noqa: E402
from harness.ejabberd import EjabberdServer, require_ejabberd   # noqa: E402
from harness.ports import free_port, is_free                    # noqa: E402
from harness.scenario import InteropScenario                    # noqa: E402
from harness.util import STRACE, require_root, require_tools, tail  # noqa: E402
from harness.xfed import XfedNode, binaries                     # noqa: E402

SCENARIO_SECONDS = 150
MESSAGES = 5
PASSWORD = "interop-secret"


class EdgeWithEjabberd(InteropScenario):
    def setUp(self):
        require_root("ejabberd runs in a mount namespace; strace attaches to this process")
        require_tools("dnsmasq", "strace", "openssl")
        clients.require_slixmpp()
        require_ejabberd()
        binaries()
        self.start_scenario("xfed-interop-ejabberd-", SCENARIO_SECONDS)


    def _scenario(self, mode: str):
        dns_ip, c_ip, x_ip = self.block.take("dns", "c.test", "contoso.test")
        ca = TestCA(self.tmp.sub("ca"))
        leaf_c = ca.issue("c.test", dns=["c.test", "xmpp.c.test"])
        # ejabberd's A lookups go through glibc, which only speaks to port 53.
        if not (is_free(dns_ip, 53) and is_free(dns_ip, 53, udp=True)):
            self.skipTest(f"port 53 on {dns_ip} is taken")
        c_s2s = free_port(c_ip, exclude=(5269, 5222))
        x_s2s = free_port(x_ip, exclude=(5269, 5222))
        zone = (Zone("test")
                .a("xmpp.c.test", c_ip).a("edge.contoso.test", x_ip)
                .xmpp_server("c.test", "xmpp.c.test", c_s2s)
                .xmpp_server("contoso.test", "edge.contoso.test", x_s2s)
                .no_xmpps_server("c.test").no_xmpps_server("contoso.test"))
        self.dns = DnsServer(zone, dns_ip, self.tmp.sub("dns"), port=53)
        auth = "certificates" if mode == "certificates" else "dialback"
        self.ejabberd = EjabberdServer(self.tmp.sub("ejabberd-c.test"), c_ip, {"c.test": leaf_c},
                                       dns=self.dns.address, s2s_port=c_s2s,
                                       ca_file=ca.cert if mode == "certificates" else None,
                                       s2s_auth=auth)
        self.xfed = XfedNode(self.tmp.sub("xfed"), x_ip, x_s2s, self.dns.address)
        leaf_x = ca.issue("contoso.test", dns=["contoso.test", "edge.contoso.test"])
        self.xfed.use_certificate(ca.cert, leaf_x.key, leaf_x.chain)
        partner = ("New-CsXmppAllowedPartner c.test -SupportDialbackNegotiation $false"
                   if mode == "certificates" else
                   "New-CsXmppAllowedPartner c.test -SaslNegotiation Optional")
        self.xfed.ctl_run("Set-CsAccessEdgeConfiguration -AllowFederatedUsers $true", partner)
        if STRACE:
            self.tracer.start()
        self.addCleanup(self.dns.stop)
        self.dns.start()
        self.addCleanup(self.ejabberd.stop)
        self.ejabberd.start()
        self.ejabberd.register("carol", "c.test", PASSWORD)
        self.addCleanup(self.xfed.stop)
        self.xfed.start()

        async def send():
            carol = await clients.Client.login("carol@c.test", PASSWORD,
                                               (self.ejabberd.ip, self.ejabberd.c2s_port), ca.cert)
            try:
                ids = carol.send_many("bob@contoso.test", MESSAGES, tag="c2x")
                return ids, await carol.wait_for_ids(ids, timeout=40)
            finally:
                await clients.close_all(carol)
        ids, got = clients.run(send(), timeout=90)
        streams = self.xfed.streams()
        self.xfed.stop()
        self.ejabberd.stop()
        self.dns.stop()
        self.tracer.stop()
        if STRACE:
            loopback_check.parse(self.trace_path).assert_loopback()
        logs = "\n".join([tail(self.ejabberd.log, 40), self.xfed.log_text()[-4000:]])
        self.assertEqual(got.missing, [], f"no answer for some messages\n{logs}")
        self.assertEqual(sorted(got.errors), sorted(ids), logs)
        for mid in ids:
            self.assertEqual(got.errors[mid].condition, "service-unavailable", logs)
        inbound = "SASL EXTERNAL"
        outbound = "SASL EXTERNAL" if mode == "certificates" else "dialback"
        log = self.xfed.log_text()
        self.assertRegex(log, r"s2s-in#\d+ \[contoso.test<->c.test\] established tls=TLSv1\.[23] "
                              rf"auth={inbound}", logs)
        self.assertRegex(log, r"s2s-out#\d+ \[contoso.test<->c.test\] established tls=TLSv1\.[23] "
                              rf"auth={outbound}", logs)
        self.assertEqual(streams[-1]["bounced"], MESSAGES, streams)

    def test_starttls_and_sasl_external_both_directions(self):
        self._scenario("certificates")

    def test_external_in_dialback_out_when_only_one_side_trusts(self):
        self._scenario("dialback")


if __name__ == "__main__":
    unittest.main(verbosity=2)
