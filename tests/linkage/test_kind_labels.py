"""Every token kind the matcher knows reads in plain English (demo, CLI and consoles)."""

from __future__ import annotations

from msin_fed.linkage import token_kinds
from msin_fed.token_inputs import KIND_LABELS, kind_label


def test_every_token_kind_has_a_plain_english_label() -> None:
    missing = sorted(set(token_kinds()) - set(KIND_LABELS))
    assert not missing, f"token kinds without a label in token_inputs.KIND_LABELS: {missing}"
    assert all("_" not in kind_label(k) for k in token_kinds())
