# SPDX-License-Identifier: Apache-2.0
"""slixmpp clients that never resolve anything, with bounded waits.

    async def scenario():
        alice = await Client.login("alice@a.test", "pw", ("127.100.7.2", 5222), ca_file=ca.cert)
        bob = await Client.login("bob@c.test", "pw", ("127.100.7.3", 5222), ca_file=ca.cert)
        ids = alice.send_many("bob@c.test", 20, tag="a2b")
        result = await bob.wait_for_ids(ids, timeout=30)   # Collected(received, errors, missing)
        ...
        await close_all(alice, bob)
    run(scenario(), timeout=60)

Why the overrides: slixmpp 1.8 resolves the JID's domain even when connect() is given an IP
address (connect((ip, port)) only sets the fallback; `_connect_routine` still calls
`get_dns_records(default_domain)`, which asks SRV, AAAA and A through aiodns/c-ares, i.e. the
system's resolv.conf). `get_dns_records` is overridden to return the given address only, and
use_ipv6/use_aiodns are off as a second line. TLS is verified against the JID domain with a
context that trusts only the test CA (shared by all clients: slixmpp's default builds one per
client from the system store). SCRAM's pure-Python PBKDF2 is replaced by hashlib's.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import ssl
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Iterable, Optional, Sequence, TypeVar

from .util import HarnessError, scaled

try:
    import slixmpp
    from slixmpp.util.sasl import mechanisms as _mech
    _mech.SCRAM.Hi = lambda self, text, salt, it: hashlib.pbkdf2_hmac(self.hash().name, bytes(text), salt, it)
    HAVE_SLIXMPP = True
except ImportError:            # the test decides whether that is a skip or a failure
    slixmpp = None
    HAVE_SLIXMPP = False

T = TypeVar("T")
log = logging.getLogger("interop.clients")


def require_slixmpp() -> None:
    if not HAVE_SLIXMPP:
        from .util import skip_or_fail
        import sys
        skip_or_fail(f"slixmpp is not importable from {sys.executable} "
                     "(Debian: python3-slixmpp, for /usr/bin/python3)")


@dataclass
class Received:
    id: Optional[str]
    frm: str
    to: str
    type: str
    body: Optional[str]
    at: float


@dataclass
class StanzaError:
    id: Optional[str]
    frm: str
    type: str          # error type: cancel, wait, modify, auth
    condition: str     # e.g. remote-server-not-found, service-unavailable
    text: Optional[str]
    kind: str          # message, iq or presence
    at: float


@dataclass
class Collected:
    received: dict[str, Received] = field(default_factory=dict)
    errors: dict[str, StanzaError] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def ok(self) -> bool:
        return not self.errors and not self.missing


_ssl_contexts: dict[Optional[str], ssl.SSLContext] = {}


def ssl_context(ca_file: Optional[str]) -> ssl.SSLContext:
    """A client context that trusts only `ca_file` (None: the system store), cached per file."""
    ctx = _ssl_contexts.get(ca_file)
    if ctx is None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = True
        ctx.verify_mode = ssl.CERT_REQUIRED
        if ca_file:
            ctx.load_verify_locations(ca_file)
        else:
            ctx.load_default_certs()
        _ssl_contexts[ca_file] = ctx
    return ctx


if HAVE_SLIXMPP:
    class _NoDnsClient(slixmpp.ClientXMPP):
        def __init__(self, jid: str, password: str, address: tuple[str, int], ctx: ssl.SSLContext):
            super().__init__(jid, password)
            self.use_ipv6 = False
            self.use_aiodns = False
            self._fixed_address = address
            self._ctx = ctx
            self.ssl_context = ctx

        async def get_dns_records(self, domain, port=None):      # never resolve
            return [(domain, self._fixed_address[0], self._fixed_address[1])]

        def get_ssl_context(self):
            return self._ctx


class Client:
    """One logged-in slixmpp session that records every message and stanza error it receives."""

    def __init__(self, jid: str, password: str, address: tuple[str, int], ca_file: Optional[str],
                 resource: str = "interop"):
        require_slixmpp()
        self.jid = f"{jid}/{resource}" if "/" not in jid else jid
        self.bare = self.jid.split("/")[0]
        self.address = address
        self.xmpp = _NoDnsClient(self.jid, password, address, ssl_context(ca_file))
        self.xmpp.auto_authorize = None
        self.xmpp.auto_subscribe = False
        self.messages: list[Received] = []
        self.by_id: dict[str, Received] = {}
        self.errors: dict[str, StanzaError] = {}
        self._changed = asyncio.Event()
        self._ready = asyncio.Event()
        self._failure: Optional[str] = None
        self._counter = 0
        x = self.xmpp
        x.add_event_handler("session_start", self._on_session)
        x.add_event_handler("failed_auth", lambda *_: self._fail("authentication failed"))
        x.add_event_handler("connection_failed", lambda e: self._fail(f"connection failed: {e}"))
        x.add_event_handler("disconnected", lambda *_: self._fail("disconnected"))
        x.add_event_handler("message", self._on_message)
        x.add_event_handler("presence_error", lambda p: self._on_error(p, "presence"))
        x.add_event_handler("iq_error", lambda iq: self._on_error(iq, "iq"))

    # -- login -------------------------------------------------------------------------------
    @classmethod
    async def login(cls, jid: str, password: str, address: tuple[str, int], ca_file: Optional[str],
                    timeout: float = 20, resource: str = "interop", presence: bool = True) -> "Client":
        c = cls(jid, password, address, ca_file, resource)
        await c.connect(timeout, presence)
        return c

    async def connect(self, timeout: float = 20, presence: bool = True) -> None:
        self._send_presence = presence
        self.xmpp.connect(self.address)      # an address: no SRV; get_dns_records: no A/AAAA
        try:
            await asyncio.wait_for(self._ready.wait(), scaled(timeout))
        except asyncio.TimeoutError:
            self._failure = self._failure or f"no session within {scaled(timeout):.0f}s"
        if self._failure or not self.xmpp.authenticated:
            why = self._failure
            self.xmpp.cancel_connection_attempt()
            await self.close(2)
            raise HarnessError(f"{self.jid} could not log in at {self.address[0]}:{self.address[1]}: {why}")

    def _fail(self, why: str) -> None:
        if not self._ready.is_set():
            self._failure = why
            self._ready.set()

    async def _on_session(self, _event) -> None:
        if self._send_presence:
            self.xmpp.send_presence()
        self._ready.set()

    # -- receiving -----------------------------------------------------------------------------
    def _on_message(self, msg) -> None:
        now = time.monotonic()
        mid = msg["id"] or None
        if msg["type"] == "error":
            self._on_error(msg, "message")
            return
        r = Received(mid, str(msg["from"]), str(msg["to"]), msg["type"], msg["body"] or None, now)
        self.messages.append(r)
        if mid:
            self.by_id[mid] = r
        self._changed.set()

    def _on_error(self, stanza, kind: str) -> None:
        e = stanza["error"]
        se = StanzaError(stanza["id"] or None, str(stanza["from"]), e["type"] or "",
                         e["condition"] or "", e["text"] or None, kind, time.monotonic())
        self.errors[se.id or f"noid-{len(self.errors)}"] = se
        self._changed.set()

    async def wait_for_ids(self, ids: Iterable[str], timeout: float = 30,
                           errors_at: Sequence["Client"] = ()) -> Collected:
        """Wait until every id arrived here as a message, or as a stanza error here or at one of
        `errors_at` (bounces go back to the sender: pass the sending client), or the timeout."""
        want = list(ids)
        watch = [self] + [c for c in errors_at if c is not self]
        end = time.monotonic() + scaled(timeout)
        while True:
            missing = [i for i in want if i not in self.by_id and not any(i in c.errors for c in watch)]
            left = end - time.monotonic()
            if not missing or left <= 0:
                break
            waits = []
            for c in watch:
                c._changed.clear()
                waits.append(asyncio.ensure_future(c._changed.wait()))
            done, pending = await asyncio.wait(waits, timeout=left, return_when=asyncio.FIRST_COMPLETED)
            for f in pending:
                f.cancel()
        return self.collected(want, errors_at)

    def collected(self, ids: Iterable[str], errors_at: Sequence["Client"] = ()) -> Collected:
        out = Collected()
        watch = [self] + [c for c in errors_at if c is not self]
        for i in ids:
            if i in self.by_id:
                out.received[i] = self.by_id[i]
                continue
            err = next((c.errors[i] for c in watch if i in c.errors), None)
            if err is not None:
                out.errors[i] = err
            else:
                out.missing.append(i)
        return out

    # -- sending -------------------------------------------------------------------------------
    def next_id(self, tag: str = "m") -> str:
        self._counter += 1
        return f"{tag}-{self.xmpp.boundjid.user}-{self._counter}-{int(time.time() * 1000) % 100000}"

    def send_message(self, to: str, body: str, id: Optional[str] = None, mtype: str = "chat") -> str:
        mid = id or self.next_id()
        m = self.xmpp.make_message(mto=to, mbody=body, mtype=mtype)
        m["id"] = mid
        m.send()
        return mid

    def send_many(self, to: str, n: int, tag: str = "m",
                  body: Callable[[int, str], str] = lambda i, mid: f"message {i} ({mid})") -> list[str]:
        """Send n messages with unique ids (returned in order); bounded by n."""
        ids = []
        for i in range(n):
            mid = self.next_id(tag)
            self.send_message(to, body(i, mid), mid)
            ids.append(mid)
        return ids

    async def close(self, timeout: float = 5) -> None:
        try:
            fut = self.xmpp.disconnect(wait=min(1.0, timeout))
            if fut is not None:
                await asyncio.wait_for(fut, timeout)
        except (asyncio.TimeoutError, Exception):     # closing is best effort
            self.xmpp.abort()


async def close_all(*clients: Optional[Client], timeout: float = 5) -> None:
    await asyncio.gather(*(c.close(timeout) for c in clients if c is not None), return_exceptions=True)


async def deliver(sender: "Client", receiver: "Client", n: int, tag: str = "m",
                  body: Callable[[int, str], str] = lambda i, mid: f"message {i} ({mid})",
                  timeout: float = 30) -> tuple[dict[str, str], Collected]:
    """sender sends n messages (unique ids) to receiver's bare JID; wait for them at the receiver
    and for bounces at the sender. Returns ({id: body sent}, Collected)."""
    bodies: dict[str, str] = {}

    def remember(i: int, mid: str) -> str:
        bodies[mid] = body(i, mid)
        return bodies[mid]
    ids = sender.send_many(receiver.bare, n, tag=tag, body=remember)
    got = await receiver.wait_for_ids(ids, timeout, errors_at=[sender])
    return {i: bodies[i] for i in ids}, got


def run(coro: Awaitable[T], timeout: float) -> T:
    """Run a coroutine on a fresh event loop with a hard bound (raises HarnessError on timeout)."""
    async def bounded():
        try:
            return await asyncio.wait_for(coro, scaled(timeout))
        except asyncio.TimeoutError as e:
            raise HarnessError(f"client scenario exceeded {scaled(timeout):.0f}s") from e
    logging.getLogger("slixmpp").setLevel(logging.WARNING)
    return asyncio.run(bounded())
