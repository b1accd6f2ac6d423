"""The committed protobuf modules are what ``cwmpd.usp.generate`` makes from the BBF schemas,
and they load on this Python's protobuf without a warning."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cwmpd.usp import generate

COMMITTED = Path(generate.__file__).parent / "proto"


@pytest.fixture
def protoc() -> str:
    """The pinned protoc; skips with one line (fails under CI=true) when it is not here."""
    found = shutil.which("protoc")
    version = generate.protoc_version(found) if found else "none"
    if found is None or version != generate.PROTOC_VERSION:
        msg = f"needs {generate.PROTOC_VERSION} (Debian 12: protobuf-compiler), found {version}"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return found


def test_regenerating_gives_the_committed_files(spec: Path, protoc: str, tmp_path: Path) -> None:
    """Byte for byte, .py and .pyi, from ../shared/spec/usp/*-1-4.proto."""
    written = generate.generate(spec / "usp", tmp_path, protoc)
    assert sorted(p.name for p in written) == sorted(
        p.name for p in COMMITTED.iterdir() if p.name.endswith(("_pb2.py", "_pb2.pyi"))
    )
    for path in written:
        assert path.read_bytes() == (COMMITTED / path.name).read_bytes(), path.name


def test_the_cli_reports_a_bad_spec_dir(tmp_path: Path, protoc: str) -> None:
    """A folder without the schemas makes the generator exit 1 with a message."""
    assert generate.main([str(tmp_path), "--out", str(tmp_path / "out")]) == 1


def test_a_wrong_protoc_is_refused(tmp_path: Path) -> None:
    """Another compiler would write other bytes: the generator names the one it needs."""
    fake = tmp_path / "protoc"
    fake.write_text("#!/bin/sh\necho libprotoc 9.99.0\n")
    fake.chmod(0o755)
    with pytest.raises(generate.GeneratorError, match=r"3\.21\.12"):
        generate.generate(tmp_path, tmp_path / "out", str(fake))


def test_the_licence_header_is_kept() -> None:
    """Each generated file starts with its schema's BBF licence header."""
    for path in COMMITTED.glob("*_pb2.py*"):
        head = path.read_text(encoding="utf-8")[:3000]
        assert "Copyright (c) 2017-2023, Broadband Forum" in head, path.name
        assert "Generated from usp-" in head


def test_the_modules_load_without_warnings() -> None:
    """A fresh interpreter imports both modules with warnings as errors."""
    code = (
        "from cwmpd.usp.proto import usp_msg_1_4_pb2, usp_record_1_4_pb2\n"
        "print(usp_record_1_4_pb2.Record.DESCRIPTOR.full_name)"
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "usp_record.Record"


def test_licence_header_parser() -> None:
    """The // block becomes # lines and stops at the first non-comment line."""
    text = 'syntax = "proto3";\n\n//***\n// A\n//\nmessage X {}\n// not this\n'
    assert generate.licence_header(text) == "#***\n# A\n#\n"
    assert generate.module_name("usp-msg-1-4.proto") == "usp_msg_1_4_pb2"
