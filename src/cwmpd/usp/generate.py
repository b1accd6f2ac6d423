"""Generate ``proto/usp_*_pb2.py`` (and ``.pyi``) from the Broadband Forum USP ``.proto`` files.

Usage: ``python -m cwmpd.usp.generate SPEC_DIR [--out DIR] [--protoc PROTOC]``; SPEC_DIR holds
``usp/usp-msg-1-4.proto`` and ``usp/usp-record-1-4.proto``.

Only the 1-4 schemas are compiled: every USP schema only ever added fields, so 1.4 reads and
writes what 1.0-1.3 peers send and accept. The compiler is pinned to protoc 3.21.12 (Debian
12's ``protobuf-compiler``): its output loads on Debian 12's python3-protobuf (4.21) and on
the newest PyPI protobuf alike, while newer compilers emit a ``runtime_version`` check that
Debian 12 lacks. Each output file starts with the licence header of its ``.proto`` (the BBF
licence asks for it), then protoc's own output unchanged, so regenerating is byte-identical.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SOURCES = ("usp-msg-1-4.proto", "usp-record-1-4.proto")
PROTOC_VERSION = "libprotoc 3.21.12"
OUT = Path(__file__).parent / "proto"


class GeneratorError(Exception):
    """The compiler or the schema files are not what this generator needs."""


def module_name(source: str) -> str:
    """The Python module protoc writes for ``source`` ("usp-msg-1-4.proto" -> "usp_msg_1_4_pb2")."""
    return source.removesuffix(".proto").replace("-", "_") + "_pb2"


def licence_header(proto_text: str) -> str:
    """The leading ``//`` comment block of a .proto (its BBF licence) as ``#`` comment lines."""
    lines: list[str] = []
    for line in proto_text.splitlines():
        stripped = line.strip()
        if stripped.startswith("syntax") and not lines:
            continue
        if not stripped.startswith("//"):
            if lines:
                break
            continue
        lines.append(("#" + stripped[2:]).rstrip())
    return "\n".join(lines) + "\n"


def protoc_version(protoc: str) -> str:
    """What ``protoc --version`` prints ("libprotoc 3.21.12")."""
    done = subprocess.run([protoc, "--version"], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def generate(spec_usp: Path, out: Path, protoc: str = "protoc") -> list[Path]:
    """Compile the schemas in ``spec_usp`` into ``out``; return the files written."""
    found = shutil.which(protoc)
    if found is None:
        raise GeneratorError(f"{protoc} not found (Debian: apt-get install protobuf-compiler)")
    version = protoc_version(found)
    if version != PROTOC_VERSION:
        raise GeneratorError(f"{found} is {version}; this generator needs {PROTOC_VERSION}")
    for source in SOURCES:
        if not (spec_usp / source).is_file():
            raise GeneratorError(f"{spec_usp / source} is missing")
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [found, f"-I{spec_usp}", f"--python_out={tmp}", f"--pyi_out={tmp}", *SOURCES],
            check=True,
            cwd=spec_usp,
        )
        for source in SOURCES:
            header = licence_header((spec_usp / source).read_text(encoding="utf-8"))
            note = f"# Generated from {source} by cwmpd.usp.generate ({version}).\n"
            for suffix in (".py", ".pyi"):
                name = module_name(source) + suffix
                body = (Path(tmp) / name).read_text(encoding="utf-8")
                target = out / name
                target.write_text(header + note + body, encoding="utf-8")
                written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("spec_dir", type=Path, help="folder holding usp/usp-*-1-4.proto")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--protoc", default="protoc")
    args = ap.parse_args(argv)
    try:
        written = generate(args.spec_dir / "usp", args.out, args.protoc)
    except (GeneratorError, OSError, subprocess.CalledProcessError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for path in written:
        print(f"{path}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
