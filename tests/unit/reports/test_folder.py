"""The report folder: the manifest read defensively, staging folders, the replace, write errors."""

import errno
import json
import os
import socket
import subprocess
import sys

import pytest

from sroi_lib.errors import InputError, RunFailed
from sroi_lib.reports.folder import (MAX_MANIFEST_BYTES, STAGING_DIR, clean_staging, read_manifest, replace_folder,
                                     scan_reports, staging, write_error)
from tests.conftest import write_report_folder

GOOD = {"contract_id": "a", "inputs": {"parameters": {"path": "parameters/a.yaml", "sha256": "a" * 64}},
        "outputs": {n: "b" * 64 for n in ("results.json", "lines.csv", "report.html", "report.ipynb")},
        "parameters": {}}


def manifest_in(tmp_path, content) -> object:
    folder = tmp_path / "r"
    folder.mkdir(exist_ok=True)
    path = folder / "manifest.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return folder


def problems(tmp_path, content) -> str:
    with pytest.raises(InputError) as err:
        read_manifest(manifest_in(tmp_path, content))
    return str(err.value)


def test_a_good_manifest_is_read(tmp_path):
    assert read_manifest(manifest_in(tmp_path, GOOD))["contract_id"] == "a"


@pytest.mark.parametrize("content, message", [
    ("{not json", "is not valid JSON"),
    ('{"contract_id": NaN}', "NaN is not a number JSON allows"),
    ('{"contract_id": Infinity}', "Infinity is not a number JSON allows"),
    ("[1, 2]", "holds a list, not a JSON object"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("\ufeff{}".encode("utf-16"), "is not UTF-8 text"),
    ({**GOOD, "inputs": []}, "'inputs' should be an object, not a list"),
    ({**GOOD, "contract_id": 7}, "'contract_id' should be text, not a number (7)"),
    ({k: v for k, v in GOOD.items() if k != "outputs"}, "has no 'outputs'"),
    ({**GOOD, "inputs": {"parameters": "x"}}, "input 'parameters' should be an object with a path"),
    ({**GOOD, "inputs": {"parameters": {"path": 3, "sha256": "a" * 64}}}, "input 'parameters' has no path"),
    ({**GOOD, "inputs": {"parameters": {"path": "p", "sha256": 12}}}, "input 'parameters' has no sha256"),
    ({**GOOD, "inputs": {"parameters": {"path": "p", "sha256": "a" * 64, "base": "/etc"}}}, "unknown base '/etc'"),
    ({**GOOD, "inputs": {"map": {"path": "p", "sha256": "a" * 64}}}, "lists no parameters file"),
    ({**GOOD, "outputs": {**GOOD["outputs"], "../../x": "a" * 64}}, "output '../../x', which is not a report file"),
    ({**GOOD, "outputs": {**GOOD["outputs"], "lines.csv": True}}, "should be 64 hexadecimal digits, not true/false"),
    ({**GOOD, "outputs": {"results.json": "a" * 64}}, "has no sha256 for report.html"),
    ('{"contract_id": "a", "contract_id": "b"}', "the key 'contract_id' is given twice in one object"),
    (json.dumps(GOOD)[:-1] + ', "inputs": {}}', "the key 'inputs' is given twice"),
    ('{"inputs": {"parameters": {"path": "a.yaml", "path": "/etc/passwd"}}}', "the key 'path' is given twice"),
])
def test_a_malformed_manifest_is_refused_with_a_reason(tmp_path, content, message):
    assert message in problems(tmp_path, content)


def test_a_huge_manifest_is_refused_unread(tmp_path):
    assert f"is larger than {MAX_MANIFEST_BYTES:,} bytes" in problems(tmp_path, " " * (MAX_MANIFEST_BYTES + 1))


def test_not_a_folder_and_no_manifest(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="is not a folder"):
        read_manifest(tmp_path / "f")
    with pytest.raises(InputError, match="has no manifest.json"):
        read_manifest(tmp_path)


def test_an_unreadable_manifest(tmp_path, monkeypatch):
    folder = manifest_in(tmp_path, GOOD)
    real_open = open

    def refuse(path, *args, **kwargs):
        if str(path).endswith("manifest.json"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, *args, **kwargs)
    monkeypatch.setattr("builtins.open", refuse)
    with pytest.raises(InputError, match=r"cannot be read \(Permission denied\)"):
        read_manifest(folder)


def test_scan_of_a_missing_folder_is_empty(tmp_path):
    assert scan_reports(tmp_path / "nope").folders == []


def test_staging_is_removed_when_the_run_ends_even_on_error(tmp_path):
    with pytest.raises(RuntimeError):
        with staging(tmp_path, "a") as stage:
            assert stage.report.is_dir() and stage.runtime.is_dir() and stage.root.parent.name == STAGING_DIR
            (stage.runtime / "kernel-1.json").write_text("{}")
            raise RuntimeError
    assert not (tmp_path / STAGING_DIR).exists()


def test_stale_staging_of_a_dead_process_is_cleaned_and_a_live_one_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    area = tmp_path / STAGING_DIR
    starting = f"a-b-{os.getpid()}-00ff"  # a live run that has not written its owner file yet
    for name, owner in (("dead", {"pid": int(dead.stdout)}), ("alive", {"pid": os.getpid()}),
                        ("reused", {"pid": os.getpid(), "started": "1"}), ("no-owner", None),
                        (f"x-{dead.stdout.strip()}-00ff", None), (starting, None)):
        (area / name / "report").mkdir(parents=True)
        if owner:
            (area / name / "owner.json").write_text(json.dumps(owner))
    removed = clean_staging(tmp_path)
    assert sorted(p.name for p in removed) == sorted(["dead", "no-owner", "reused", f"x-{dead.stdout.strip()}-00ff"])
    assert sorted(p.name for p in area.iterdir()) == sorted(["alive", starting])


def test_replace_folder_puts_the_old_report_back_if_the_move_fails(tmp_path, monkeypatch):
    final, new, aside = tmp_path / "a", tmp_path / "new", tmp_path / "aside"
    final.mkdir()
    (final / "old.txt").write_text("old")
    new.mkdir()
    real = os.replace
    calls = []

    def second_fails(a, b):
        calls.append(a)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(a, b)
    monkeypatch.setattr(os, "replace", second_fails)
    with pytest.raises(OSError):
        replace_folder(new, final, aside)
    assert (final / "old.txt").read_text() == "old" and not aside.exists()


@pytest.mark.parametrize("code, kind, words", [
    (errno.ENOSPC, RunFailed, "is full"), (errno.EDQUOT, RunFailed, "quota"),
    (errno.EROFS, InputError, "read-only"), (errno.EACCES, InputError, "you may not write there"),
])
def test_write_errors_are_one_plain_line(tmp_path, code, kind, words):
    error = write_error(OSError(code, os.strerror(code)), tmp_path)
    assert isinstance(error, kind) and words in str(error) and "previous report is unchanged" in str(error)
    other = OSError(errno.EIO, "I/O error")
    assert write_error(other, tmp_path) is other


def test_write_report_folder_helper_makes_a_complete_folder(tmp_path):
    write_report_folder(tmp_path / "a", {"contract": {"contract_id": "a"}})
    assert [p.name for p in scan_reports(tmp_path).folders] == ["a"]


def test_a_report_moved_aside_by_a_killed_run_is_put_back(tmp_path):
    entry = tmp_path / STAGING_DIR / "a-999999-ff"
    (entry / "old").mkdir(parents=True)
    (entry / "old" / "results.json").write_text("{}")
    (entry / "owner.json").write_text(json.dumps({"pid": 2 ** 22 + 7, "contract_id": "a"}))  # no such process
    clean_staging(tmp_path)
    assert (tmp_path / "a" / "results.json").read_text() == "{}" and not (tmp_path / STAGING_DIR).exists()


def test_staging_of_a_run_on_another_computer_is_left_alone(tmp_path):
    # A cluster's workers on several computers share the output folder: a pid recorded by another computer says
    # nothing about the processes here, so only its own computer may remove the folder.
    area = tmp_path / STAGING_DIR
    for name, host in (("elsewhere", "another-computer.invalid"), ("here", socket.gethostname())):
        (area / name / "report").mkdir(parents=True)
        (area / name / "owner.json").write_text(json.dumps({"pid": 2 ** 22 + 7, "host": host, "contract_id": "a"}))
    removed = clean_staging(tmp_path)
    assert [p.name for p in removed] == ["here"]
    assert [p.name for p in area.iterdir()] == ["elsewhere"]


def test_a_staging_folder_names_its_computer(tmp_path):
    with staging(tmp_path, "a") as stage:
        owner = json.loads((stage.root / "owner.json").read_text())
    assert owner["host"] == socket.gethostname() and owner["pid"] == os.getpid()
