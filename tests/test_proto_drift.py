"""The generated code in msin_fed/proto is exactly what scripts/gen_protos.py makes of protos/."""

from __future__ import annotations

import filecmp
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_generator() -> object:
    spec = importlib.util.spec_from_file_location("gen_protos", ROOT / "scripts" / "gen_protos.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_code_matches_protos(tmp_path: Path) -> None:
    gen = _load_generator()
    written = gen.generate(tmp_path / "proto")  # type: ignore[attr-defined]
    committed = ROOT / "msin_fed" / "proto"
    fresh_names = sorted(p.name for p in written)
    committed_names = sorted(p.name for p in committed.iterdir() if p.is_file())
    assert fresh_names == committed_names, "generated file set differs: run scripts/gen_protos.py"
    _, mismatch, errors = filecmp.cmpfiles(committed, tmp_path / "proto", fresh_names, shallow=False)
    assert not mismatch and not errors, f"out of date: {mismatch or errors}; run scripts/gen_protos.py"


def test_every_proto_is_versioned_and_documented() -> None:
    for proto in sorted((ROOT / "protos" / "msin" / "v1").glob("*.proto")):
        text = proto.read_text()
        assert "package msin.v1;" in text
        lines = text.splitlines()
        for i, line in enumerate(lines):
            stripped = line.strip()
            if stripped.startswith(("message ", "service ", "rpc ", "enum ")):
                above = lines[i - 1].strip() if i else ""
                assert above.startswith("//"), f"{proto.name}:{i + 1} undocumented: {stripped}"


def test_every_field_is_documented() -> None:
    field = re.compile(r"^\s+(repeated\s+)?[\w.]+\s+\w+\s*=\s*\d+;")
    for proto in sorted((ROOT / "protos" / "msin" / "v1").glob("*.proto")):
        lines = proto.read_text().splitlines()
        for i, line in enumerate(lines):
            if field.match(line) and not lines[i - 1].strip().startswith("//"):
                raise AssertionError(f"{proto.name}:{i + 1} field without a comment: {line.strip()}")
