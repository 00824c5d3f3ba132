# SPDX-License-Identifier: Apache-2.0
"""A minimal gateway on xfed's internal link (ADR 0004), standing in for the front end's XMPP
gateway until it exists: direct TLS with the lab PKI's internal certificate, a jabber:server
stream, XEP-0198 <enable/>, <r/> answered with <a h/>, and stanzas with full from/to."""
from __future__ import annotations

import socket
import ssl
import threading
import time
import xml.etree.ElementTree as ET

from .util import HarnessError, scaled

SERVER = "jabber:server"
SM = "urn:xmpp:sm:3"


class TestGateway:
    __test__ = False

    def __init__(self, host: str, port: int, ca: str, cert: str, key: str,
                 name: str = "fe.contoso.test", edge_name: str = "edge.contoso.test"):
        ctx = ssl.create_default_context(cafile=ca)
        ctx.load_cert_chain(cert, key)
        raw = socket.create_connection((host, port), timeout=scaled(10))
        self.sock = ctx.wrap_socket(raw, server_hostname=edge_name)
        self.sock.settimeout(None)
        self.name, self.edge_name = name, edge_name
        self.received: list[ET.Element] = []
        self.handled = 0
        self.acked_by_edge = 0
        self.sent = 0
        self._lock = threading.Condition()
        self._parser = ET.XMLPullParser(events=("start", "end"))
        self._depth = 0
        self._features = False
        self._enabled = False
        self._closed = False
        self._send(f"<?xml version='1.0'?><stream:stream xmlns='{SERVER}' "
                   "xmlns:stream='http://etherx.jabber.org/streams' "
                   f"from='{name}' to='{edge_name}' version='1.0'>")
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._wait(lambda: self._features, "stream features")
        self._send(f"<enable xmlns='{SM}'/>")
        self._wait(lambda: self._enabled, "<enabled/>")

    def _send(self, text: str) -> None:
        self.sock.sendall(text.encode())

    def _wait(self, pred, what: str, timeout: float = 10) -> None:
        end = time.monotonic() + scaled(timeout)
        with self._lock:
            while not pred():
                left = end - time.monotonic()
                if left <= 0 or self._closed:
                    raise HarnessError(f"test gateway: no {what} from the edge")
                self._lock.wait(left)

    def _read(self) -> None:
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                with self._lock:
                    self._closed = True
                    self._lock.notify_all()
                return
            self._parser.feed(data)
            for event, el in self._parser.read_events():
                if event == "start":
                    self._depth += 1
                    continue
                self._depth -= 1
                if self._depth != 1:
                    continue
                self._on_element(el)

    def _on_element(self, el: ET.Element) -> None:
        tag = el.tag
        with self._lock:
            if tag.endswith("}features"):
                self._features = True
            elif tag == f"{{{SM}}}enabled":
                self._enabled = True
            elif tag == f"{{{SM}}}r":
                self._send(f"<a xmlns='{SM}' h='{self.handled}'/>")
            elif tag == f"{{{SM}}}a":
                self.acked_by_edge = int(el.get("h", "0"))
            elif tag.startswith(f"{{{SERVER}}}"):
                self.handled += 1
                self.received.append(el)
            self._lock.notify_all()

    def send_message(self, frm: str, to: str, body: str, mid: str) -> None:
        from xml.sax.saxutils import escape, quoteattr
        self._send(f"<message from={quoteattr(frm)} to={quoteattr(to)} id={quoteattr(mid)} "
                   f"type='chat'><body>{escape(body)}</body></message>")
        self.sent += 1

    def request_ack(self, timeout: float = 10) -> int:
        """Asks the edge how many of our stanzas it has handled; returns its h."""
        want = self.sent
        self._send(f"<r xmlns='{SM}'/>")
        self._wait(lambda: self.acked_by_edge >= want, f"<a h='{want}'/>", timeout)
        return self.acked_by_edge

    def wait_messages(self, ids: list[str], timeout: float = 30) -> dict[str, ET.Element]:
        def have():
            got = {m.get("id") for m in self.received}
            return all(i in got for i in ids)
        try:
            self._wait(have, f"messages {ids}", timeout)
        except HarnessError:
            pass
        return {m.get("id"): m for m in self.received if m.get("id") in ids}

    def close(self) -> None:
        try:
            self._send("</stream:stream>")
            self.sock.close()
        except OSError:
            pass
