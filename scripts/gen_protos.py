"""Generate the Python code for protos/msin/v1 into msin_fed/proto (never edit the output).

Usage: python scripts/gen_protos.py [OUT_DIR]

grpcio-tools writes absolute imports (``from msin.v1 import x_pb2``) that only work
when ``msin`` is a top-level package; the generated modules live in ``msin_fed.proto``,
so this script rewrites those imports to relative ones. The descriptors keep their
``msin/v1/*.proto`` file names, so server reflection shows the real contract.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"
DEFAULT_OUT = ROOT / "msin_fed" / "proto"

_ABSOLUTE_IMPORT = re.compile(r"^from msin\.v1 import (\w+) as (\w+)$", re.MULTILINE)
_PYI_IMPORT = re.compile(r"^import msin\.v1\.(\w+)$", re.MULTILINE)

HEADER = '"""Generated from protos/msin/v1 by scripts/gen_protos.py. Do not edit."""\n'


def generate(out_dir: Path) -> list[Path]:
    """Generate every protos/msin/v1/*.proto into ``out_dir``; return the files written."""
    import grpc_tools
    from grpc_tools import protoc  # build-time only; part of the test extra

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    protos = sorted((PROTO_ROOT / "msin" / "v1").glob("*.proto"))
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            "protoc",
            f"-I{PROTO_ROOT}",
            f"-I{well_known}",
            f"--python_out={tmp}",
            f"--pyi_out={tmp}",
            f"--grpc_python_out={tmp}",
            *[str(p) for p in protos],
        ]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed")
        generated = Path(tmp) / "msin" / "v1"
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for src in sorted(generated.iterdir()):
            text = src.read_text()
            text = _ABSOLUTE_IMPORT.sub(r"from . import \1 as \2", text)
            text = _PYI_IMPORT.sub(r"from . import \1", text)
            dest = out_dir / src.name
            dest.write_text(text)
            written.append(dest)
        init = out_dir / "__init__.py"
        init.write_text(HEADER)
        written.append(init)
        shutil.copyfile(ROOT / "scripts" / "proto_py.typed", out_dir / "py.typed")
        written.append(out_dir / "py.typed")
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    for path in generate(target):
        print(path.relative_to(target.parent) if path.is_relative_to(target.parent) else path)
