"""Named points where a test can kill the process as `kill -9` would: the fault-injection tests run a stage in a
child process with `ASN_KILL_AT=<point>` and check what a crash there leaves behind. Without the variable a point
costs one dictionary lookup."""

from __future__ import annotations

import os
import signal

KILL_AT = "ASN_KILL_AT"


def point(name: str) -> None:
    """Die here, at once and without cleaning up, if `ASN_KILL_AT` names this point."""
    if os.environ.get(KILL_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)
