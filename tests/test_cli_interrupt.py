"""Ctrl-C ends an mcg command with the shell's exit status for SIGINT."""

from __future__ import annotations

import signal
import subprocess
import sys
import time


def test_ctrl_c_exits_130(tmp_path):
    command = [
        sys.executable, "-m", "mcg_lib.cli", "--data-root", str(tmp_path / "data"),
        "generate", "dumps", "--snapshot", "big", "--out", str(tmp_path / "dumps"), "--releases", "5000000",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Long enough for the interpreter to start and the command to begin writing.
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 130
    assert b"Interrupted." in stderr
    assert b"Traceback" not in stderr
