"""Hostile MRC and EM files, fuzzed with hypothesis in a process with a memory limit.

tests/fuzz_readers.py does the fuzzing; see its docstring for what is checked.
"""

import subprocess
import sys
from pathlib import Path

import pytest

CHILD = Path(__file__).with_name("fuzz_readers.py")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the memory limit (RLIMIT_AS, /proc) is Linux's")
def test_hostile_files_give_clear_errors_within_a_memory_limit(tmp_path):
    done = subprocess.run(
        [sys.executable, str(CHILD), str(tmp_path), "--examples", "300"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    assert "mrc: 300 examples" in done.stdout and "em: 300 examples" in done.stdout
