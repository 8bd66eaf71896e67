"""A node user sees what will leave before it leaves: ``Node.preview_share`` and ``msin node share --preview``.

Real node store, real redactor; the tokenizer fails if asked anything and there is no
coordinator address, so a preview that tried to send would fail.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from msin_fed.node import Node, Passphrase, SharePreview, load_config

from msin_fed.cli import main
from msin_fed.cli.node import _highlighter
from msin_fed.cli.redact import EXIT_REFUSED
from msin_fed.model import Tlp
from msin_fed.redaction import Redactor

from .conftest import EMAIL, FAST_KDF, NAME, NINO, PHONE, PLATE, REPORTER, make_report

PASS = Passphrase("node passphrase for tests")
SECRETS = (PHONE, EMAIL, PLATE, NINO, *NAME, REPORTER)
# A six-digit number with no cue: the first pass keeps it (like a count), the
# verification scan refuses it.
LEAKY = "The letter Ion Popescu showed had 448812 at the top."


class _NoTokens:
    """A tokenizer that must never be used by a preview."""

    calls = 0

    @property
    def epoch(self) -> int:
        raise AssertionError("a preview asked for the token epoch")

    def tokenize(self, inputs: Sequence[bytes]) -> list[bytes]:
        type(self).calls += 1
        raise AssertionError("a preview asked a key holder for tokens")


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


def _node(path: Path, redactor: Redactor) -> Node:
    return Node.open(path, key=PASS, create=True, kdf=FAST_KDF, redactor=redactor, tokenizer=_NoTokens())


def test_preview_shows_what_would_leave_and_sends_nothing(tmp_path: Path, redactor: Redactor) -> None:
    node = _node(tmp_path / "a.db", redactor)
    node.add_report(make_report("R1"))
    preview = node.preview_share("R1", tlp="AMBER", handling="C")
    assert isinstance(preview, SharePreview)
    for value in SECRETS:
        assert value not in preview.narrative
    assert "<PERSON_1>" in preview.narrative and "<PHONE_1>" in preview.narrative
    # Every placeholder span points at that placeholder in the narrative.
    assert preview.placeholders
    for start, end, label in preview.placeholders:
        assert preview.narrative[start:end] == label
    assert preview.placeholder_counts()["PERSON"] == 1
    assert {"phone", "email", "vehicle", "nino", "name_dob"} <= set(preview.token_kinds)
    assert list(preview.token_kinds) == sorted(preview.token_kinds)
    assert sum(preview.token_counts().values()) == len(preview.token_kinds)
    assert str(preview.grade) == "2BC" and preview.tlp is Tlp.AMBER
    assert not preview.would_refuse
    # Nothing sent, nothing queued, no member identity or key holder needed.
    assert _NoTokens.calls == 0
    assert node.outbox_size() == 0 and node.shares() == []
    # The preview is what share() would send: the same redaction.
    assert redactor.redact_verified(make_report("R1").narrative, [*make_report("R1").identifiers(), REPORTER]).text == preview.narrative
    node.close()


def test_preview_says_when_verification_would_refuse(tmp_path: Path, redactor: Redactor) -> None:
    node = _node(tmp_path / "a.db", redactor)
    node.add_report(make_report("R2", narrative=LEAKY))
    preview = node.preview_share("R2")
    assert preview.would_refuse and preview.tlp is None
    assert {f.entity_type for f in preview.residue} == {"ID_NUMBER"}
    assert node.outbox_size() == 0
    node.close()


def test_highlighting_on_a_terminal_and_brackets_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert _highlighter(Tty())("a <PERSON_1> b") == "a \x1b[1;33m<PERSON_1>\x1b[0m b"
    assert _highlighter(io.StringIO())("a <PERSON_1> b") == "a [PERSON_1] b"
    monkeypatch.setenv("NO_COLOR", "1")
    assert _highlighter(Tty())("a <PERSON_1> b") == "a [PERSON_1] b"


def test_cli_preview_prints_narrative_and_token_kinds(tmp_path: Path) -> None:
    cfg = tmp_path / "node.toml"
    # No coordinator, no key holders, no identity: anything but a local preview would fail.
    cfg.write_text('[node]\nstore = "node.db"\nkey_file = "node.key"\n')
    assert main(["node", "init", "--config", str(cfg)]) == 0
    with Node.open(config=load_config(cfg)) as node:
        node.add_report(make_report("R1"))
        node.add_report(make_report("R2", narrative=LEAKY))

    def preview(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "msin_fed.cli", "node", "share", "--preview", *extra, "--config", str(cfg)],
            capture_output=True, text=True, timeout=300,
        )

    result = preview("R1", "--tlp", "GREEN")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "nothing has been sent" in out and "grade 2BP; TLP:GREEN" in out
    assert "[PERSON_1]" in out and "<PERSON_1>" not in out  # not a terminal: brackets
    assert "tokens that would be sent:" in out and "phone number x1" in out and "e-mail address x1" in out
    assert "verification: passes" in out
    for value in SECRETS:
        assert value not in out and value not in result.stderr

    refused = preview("R2")
    assert refused.returncode == EXIT_REFUSED
    assert "REFUSED" in refused.stdout and "ID_NUMBER" in refused.stdout
    assert "TLP not chosen" in refused.stdout

    with Node.open(config=load_config(cfg)) as node:
        assert node.outbox_size() == 0 and node.shares() == []
    # Sharing still needs a TLP.
    assert main(["node", "share", "R1", "--config", str(cfg)]) == 2
