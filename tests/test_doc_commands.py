"""Command lines in the docs' code blocks are accepted by the real ``msin`` parser.

Optional flags (``[--json]``) are dropped; lines still showing alternatives or optional
parts (``[--tlp T]``, ``a|b``, ``(... | ...)``) are templates, not commands, and are left
out; every other ``msin ...`` line must parse.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from msin_fed.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", ROOT / "deploy" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _commands(doc: Path) -> list[str]:
    out = []
    for block in _BLOCK.findall(doc.read_text()):
        for raw in block.replace("\\\n", " ").splitlines():
            line = " ".join(raw.split())
            for prefix in ("/opt/msin/bin/", ".venv/bin/"):
                line = line.removeprefix(prefix)
            if not line.startswith("msin ") or "&&" in line:
                continue
            line = line.split("  #", 1)[0].split(" # ", 1)[0].strip()
            line = re.sub(r" \[--[\w-]+\]", "", line)  # an optional flag: check the line without it
            if re.search(r"[\[\]|]|\.\.\.", line):
                continue
            out.append(line)
    return out


CASES = [(doc.relative_to(ROOT).as_posix(), line) for doc in DOCS for line in _commands(doc)]


def test_the_docs_show_the_new_commands() -> None:
    shown = [line.split() for _doc, line in CASES]
    for command in ("msin analyst cluster", "msin analyst audit", "msin analyst alerts", "msin analyst clusters",
                    "msin node alert raise", "msin node reports", "msin node status", "msin node outbox"):
        words = command.split()
        assert any(s[: len(words)] == words for s in shown), command


@pytest.mark.parametrize(("doc", "line"), CASES, ids=[f"{d}:{line[:60]}" for d, line in CASES])
def test_documented_command_parses(doc: str, line: str) -> None:
    argv = shlex.split(line)[1:]
    parser = build_parser([argv[0]] if argv and not argv[0].startswith("-") else [])
    try:
        parser.parse_args(argv)
    except SystemExit as exc:
        if exc.code == 0:  # --help, --version
            return
        raise AssertionError(f"{doc}: '{line}' is rejected by the msin parser") from None
