"""Writing the returns template on a full disk: one plain message, exit 1, nothing written, no second traceback.

openpyxl's own save leaves its zip archive open when a write fails; Python then closed it while collecting it,
failed again on the full disk and printed "Exception ignored in: <function ZipFile.__del__>" with a traceback
after sroi's message. The disk is made "full" for a real ``sroi`` process by a file-size limit (``RLIMIT_FSIZE``:
a write past it fails with EFBIG, as ENOSPC does on a full disk), so the interpreter's own shutdown is seen too.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys

import pytest

from tests.conftest import ROOT

CONTRACT = ROOT / "parameters" / "lcc-care-at-home.yaml"


def _small_files(limit: int):
    def apply():  # pragma: no cover - runs in the child process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing
    return apply


@pytest.mark.parametrize("limit", [100, 3000])  # inside the first part written, and mid-way through the archive
def test_a_full_disk_during_the_template_save_prints_one_message_and_no_traceback(tmp_path, limit):
    out = tmp_path / "returns.xlsx"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-m", "sroi_lib.cli", "template", "returns", "--contract", str(CONTRACT),
                           "-o", str(out)], capture_output=True, text=True, timeout=120, env=env,
                          preexec_fn=_small_files(limit))
    assert done.returncode == 1, done.stderr
    assert "was not written: the disk is full" in done.stderr and "Nothing was written" in done.stderr
    assert "Exception ignored" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert list(tmp_path.iterdir()) == []  # neither the workbook nor its temporary file is left


def test_the_same_command_writes_the_template_when_there_is_room(tmp_path):
    out = tmp_path / "returns.xlsx"
    done = subprocess.run([sys.executable, "-m", "sroi_lib.cli", "template", "returns", "--contract", str(CONTRACT),
                           "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and out.stat().st_size > 6000, done.stderr  # the limits above fall inside the file
