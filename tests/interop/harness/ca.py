# SPDX-License-Identifier: Apache-2.0
"""A throw-away certificate authority made with the openssl command line.

    ca = TestCA(tmp.sub("ca"))
    leaf = ca.issue("a.test", dns=["a.test", "*.a.test"], xmpp_addrs=["a.test"])
    leaf.key, leaf.cert, leaf.chain, leaf.pem, ca.cert

Certificates are issued with `openssl ca`, so validity can be set exactly (`not_before` /
`not_after`, e.g. an expired certificate) and SANs can hold DNS names, IP addresses and the
XmppAddr otherName (id-on-xmppAddr, 1.3.6.1.5.5.7.8.5, RFC 6120 13.7.1.4). Every file is mode 0644
in a 0755 directory, so that Prosody (user prosody) and ejabberd (user ejabberd) can read them;
acceptable only for test keys.
"""
from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from typing import Optional, Sequence

from .util import run, write_file

XMPP_ADDR_OID = "1.3.6.1.5.5.7.8.5"
_TIMEOUT = 30


def _genkey(path: str, key: str) -> None:
    if key == "ec":
        cmd = ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
    elif key.startswith("rsa"):
        bits = key[3:].lstrip(":") or "2048"
        cmd = ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}"]
    else:
        raise ValueError(f"key type {key!r}: use 'ec' or 'rsa[:bits]'")
    run(cmd + ["-out", path], timeout=_TIMEOUT)
    os.chmod(path, 0o644)


def _asn1_time(t: _dt.datetime) -> str:
    t = t.astimezone(_dt.timezone.utc)
    return t.strftime("%Y%m%d%H%M%SZ")     # GeneralizedTime; openssl ca accepts both forms


@dataclass
class Leaf:
    name: str
    key: str            # private key (PEM)
    cert: str           # the leaf certificate alone (PEM)
    chain: str          # leaf + issuing CA (PEM), what servers should present
    pem: str            # key + leaf + CA in one file (what ejabberd's certfiles wants)
    ca_cert: Optional[str]
    dns: list[str] = field(default_factory=list)
    xmpp_addrs: list[str] = field(default_factory=list)


class TestCA:
    __test__ = False     # not a unittest class, whatever the name says

    def __init__(self, directory: str, name: str = "xfed interop test CA", key: str = "ec",
                 days: int = 30):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        os.chmod(directory, 0o755)
        self.name = name
        self.key = os.path.join(directory, "ca.key")
        self.cert = os.path.join(directory, "ca.crt")
        self._db = os.path.join(directory, "db")
        os.makedirs(self._db, exist_ok=True)
        write_file(os.path.join(self._db, "index.txt"), "")
        write_file(os.path.join(self._db, "index.txt.attr"), "unique_subject = no\n")
        write_file(os.path.join(self._db, "serial"), os.urandom(8).hex().upper() + "\n")
        self._conf = write_file(os.path.join(directory, "ca.cnf"), f"""\
[ca]
default_ca = test_ca
[test_ca]
dir = {self._db}
database = $dir/index.txt
serial = $dir/serial
new_certs_dir = $dir
certificate = {self.cert}
private_key = {self.key}
default_md = sha256
default_days = {days}
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[policy_any]
commonName = supplied
[req]
distinguished_name = dn
[dn]
""")
        _genkey(self.key, key)
        run(["openssl", "req", "-x509", "-new", "-config", self._conf, "-key", self.key,
             "-subj", f"/CN={name}", "-days", str(days), "-sha256",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-addext", "subjectKeyIdentifier=hash",
             "-out", self.cert], timeout=_TIMEOUT)
        os.chmod(self.cert, 0o644)
        self._n = 0

    def issue(self, name: str, dns: Sequence[str] = (), xmpp_addrs: Sequence[str] = (),
              ips: Sequence[str] = (), cn: Optional[str] = None, key: str = "ec",
              days: int = 30, not_before: Optional[_dt.datetime] = None,
              not_after: Optional[_dt.datetime] = None, server_auth: bool = True,
              client_auth: bool = True) -> Leaf:
        """Issue a leaf certificate. `dns` defaults to [name]; pass xmpp_addrs to add XmppAddr
        otherNames; `not_before`/`not_after` (aware or naive-UTC datetimes) override `days`."""
        self._n += 1
        base = os.path.join(self.dir, f"{self._n:02d}-{_safe(name)}")
        dns = list(dns) if dns else [name]
        keyf, csr, crt = base + ".key", base + ".csr", base + ".crt"
        _genkey(keyf, key)
        run(["openssl", "req", "-new", "-config", self._conf, "-key", keyf,
             "-subj", f"/CN={cn or name}", "-out", csr], timeout=_TIMEOUT)
        alt = [f"DNS.{i} = {d}" for i, d in enumerate(dns, 1)]
        alt += [f"otherName.{i} = {XMPP_ADDR_OID};UTF8:{x}" for i, x in enumerate(xmpp_addrs, 1)]
        alt += [f"IP.{i} = {ip}" for i, ip in enumerate(ips, 1)]
        usage = ["digitalSignature"] + (["keyEncipherment"] if key.startswith("rsa") else [])
        eku = (["serverAuth"] if server_auth else []) + (["clientAuth"] if client_auth else [])
        ext = write_file(base + ".ext", "[leaf]\nbasicConstraints = critical,CA:FALSE\n"
                         f"keyUsage = critical,{','.join(usage)}\n"
                         + (f"extendedKeyUsage = {','.join(eku)}\n" if eku else "")
                         + "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid,issuer\n"
                         + ("subjectAltName = @alt\n[alt]\n" + "\n".join(alt) + "\n" if alt else ""))
        validity: list[str]
        if not_before or not_after:
            nb = not_before or _dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(minutes=5)
            na = not_after or nb + _dt.timedelta(days=days)
            validity = ["-startdate", _asn1_time(_aware(nb)), "-enddate", _asn1_time(_aware(na))]
        else:
            validity = ["-days", str(days)]
        run(["openssl", "ca", "-batch", "-notext", "-config", self._conf, "-extfile", ext,
             "-extensions", "leaf", "-in", csr, "-out", crt] + validity, timeout=_TIMEOUT)
        return _bundle(name, keyf, crt, self.cert, base, dns, list(xmpp_addrs))


def self_signed(directory: str, name: str, dns: Sequence[str] = (), key: str = "ec",
                days: int = 30) -> Leaf:
    """A self-signed certificate (trusted by nobody): for 'untrusted peer' cases."""
    os.makedirs(directory, exist_ok=True)
    base = os.path.join(directory, f"selfsigned-{_safe(name)}")
    dns = list(dns) if dns else [name]
    _genkey(base + ".key", key)
    run(["openssl", "req", "-x509", "-new", "-key", base + ".key", "-subj", f"/CN={name}",
         "-days", str(days), "-addext", "subjectAltName=" + ",".join(f"DNS:{d}" for d in dns),
         "-out", base + ".crt"], timeout=_TIMEOUT)
    return _bundle(name, base + ".key", base + ".crt", None, base, dns, [])


def describe(cert_path: str) -> str:
    """`openssl x509 -text` of a certificate (for debugging and assertions)."""
    return run(["openssl", "x509", "-noout", "-text", "-in", cert_path], timeout=_TIMEOUT).stdout


def _bundle(name, keyf, crt, ca_cert, base, dns, xmpp_addrs) -> Leaf:
    key_pem, crt_pem = _read(keyf), _read(crt)
    ca_pem = _read(ca_cert) if ca_cert else ""
    chain = write_file(base + ".chain.pem", crt_pem + ca_pem)
    pem = write_file(base + ".pem", key_pem + crt_pem + ca_pem)
    os.chmod(crt, 0o644)
    return Leaf(name, keyf, crt, chain, pem, ca_cert, dns, xmpp_addrs)


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _aware(t: _dt.datetime) -> _dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=_dt.timezone.utc)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "_" for c in name)
