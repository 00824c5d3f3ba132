# SPDX-License-Identifier: Apache-2.0
"""Interop test harness: run real XMPP peers (Prosody 0.12, ejabberd 23.01), a private DNS server
and slixmpp clients on loopback, with a test CA, bounded waits and an strace-based loopback check.
Import the modules you need (`from harness import dns, prosody`); see tests/interop/README.md."""
__all__ = ["util", "ports", "addresses", "ca", "dns", "prosody", "ejabberd", "clients",
           "loopback_check"]
