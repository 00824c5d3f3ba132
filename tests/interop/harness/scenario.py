# SPDX-License-Identifier: Apache-2.0
"""What every interop scenario needs around it: an overall deadline (SIGALRM), a temp dir, a
block of loopback addresses, and the strace-based loopback check, all cleaned up even when the
scenario fails."""
from __future__ import annotations

import os
import signal
import unittest

from . import loopback_check
from .addresses import AddressBlock
from .util import TempDir, scaled


class ScenarioTimeout(Exception):
    pass


class InteropScenario(unittest.TestCase):
    """Call start_scenario(prefix, seconds) first thing in setUp()."""

    def start_scenario(self, prefix: str, seconds: float) -> None:
        budget = int(scaled(seconds))

        def on_alarm(*_):
            raise ScenarioTimeout(f"scenario exceeded its {budget}s deadline")
        self._old_alarm = signal.signal(signal.SIGALRM, on_alarm)
        self.tmp = TempDir(prefix)
        self.addCleanup(self.tmp.cleanup)
        self.block = AddressBlock()
        self.addCleanup(self.block.release)
        self.trace_path = os.path.join(self.tmp.path, "network.trace")
        self.tracer = loopback_check.SelfTrace(self.trace_path)
        self.addCleanup(self.tracer.stop)
        self.addCleanup(self._cancel_alarm)    # registered last: runs first
        signal.alarm(budget)

    def _cancel_alarm(self) -> None:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, self._old_alarm)
