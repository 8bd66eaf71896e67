"""A hostile member labelling a token with another kind (played by ``attack5``, session 9,
through the coordinator's ``MatchEngine`` with real OPRF tokens).

The coordinator sees ``(kind, token)`` pairs and cannot check a kind: the token is an
OPRF output. An honest node's label is the kind its input names (``part_dob:maria|...``),
so one value has one kind at every honest member; but a member's node is the member's, and
it may send any label. The matcher read a shared value's kind from the smaller of the two
records, so a one-token record holding the OPRF evaluation of ``part_dob:`` + a victim's
first name and birthday, labelled ``nino``, weighed 18 (a match alone): one evaluation
confirmed that another member holds her, past every rule for a name word with a birthday
(``core._one_word_alone``), and the same record with a perpetrator's phone joined her to
his cluster. Now a value two records label differently agrees on nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from msin_fed.coordinator.matching import MatchEngine, MatchView
from msin_fed.coordinator.store import SharedStore

from msin_fed.linkage.scoring import DEFAULT_MODEL, STRONG_KINDS, fitted_model

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_poisoning_attacks import OPRF, Row, _tokens

DOB = "1999-02-03"
VICTIM: Row = dict(given_name="Maria", family_name="Popescu", date_of_birth=DOB)
PERPETRATOR: Row = dict(given_name="Marian", family_name="Dobre", date_of_birth="1977-09-14", phone="07700 900461")
#: What the hostile member knows (her first name and birthday, her birthday and postcode),
#: as the inputs its own node can evaluate.
WEAK_INPUTS = {
    "her first name and birthday": b"part_dob:maria|" + DOB.encode(),
    "her birthday and postcode": b"dob_postcode:" + DOB.encode() + b"|PE21 8LF",
}
VICTIM_AT_HOME: Row = dict(VICTIM, postcode="PE21 8LF")


def _views(records: list[tuple[str, str, list[tuple[str, bytes]]]], path: Path, model: str
           ) -> tuple[dict[str, MatchView], list[set[str]]]:
    store = SharedStore(path)
    try:
        engine = MatchEngine(store, DEFAULT_MODEL if model == "default" else fitted_model())
        for rid, member, tokens in records:
            engine.ingest([(rid, member, tokens)])
        return engine.views([r for r, _m, _t in records]), [set(c.record_ids) for c in engine.clusters()]
    finally:
        store.close()


@pytest.mark.parametrize("model", ["default", "fitted"])
@pytest.mark.parametrize("label", sorted(WEAK_INPUTS))
def test_a_weak_token_labelled_as_a_strong_kind_confirms_nobody(tmp_path: Path, label: str, model: str) -> None:
    [token] = OPRF.tokenize([WEAK_INPUTS[label]])
    victim = ("v", "m1", _tokens(VICTIM_AT_HOME))
    linked = []
    for kind in sorted(STRONG_KINDS):
        views, _clusters = _views([victim, ("h", "hostile", [(kind, token)])], tmp_path / f"{kind}.db", model)
        if "h" in views or "v" in views:
            linked.append(kind)
    assert linked == []


def test_the_honest_label_of_the_same_token_confirms_nobody_either(tmp_path: Path) -> None:
    """The rules the relabelling went round: the first name and birthday alone are no match."""
    [token] = OPRF.tokenize([WEAK_INPUTS["her first name and birthday"]])
    views, _clusters = _views([("v", "m1", _tokens(VICTIM)), ("h", "hostile", [("part_dob", token)])],
                              tmp_path / "honest.db", "default")
    assert views == {}


def test_a_relabelled_token_beside_a_perpetrators_phone_does_not_join_her_to_his_cluster(tmp_path: Path) -> None:
    """Merging a victim into a perpetrator's cluster (so alerts go to the wrong place) took
    one record of her first name and birthday labelled ``nino`` and his phone."""
    [token] = OPRF.tokenize([WEAK_INPUTS["her first name and birthday"]])
    phone = [(k, v) for k, v in _tokens(dict(phone="07700 900461")) if k == "phone"]
    records = [("v", "m1", _tokens(VICTIM)),
               ("p1", "m2", _tokens(PERPETRATOR)),
               ("p2", "m3", _tokens(dict(email="md77@example.com", phone="+44 7700 900461"))),
               ("h", "hostile", [("nino", token), *phone])]
    _seen, clusters = _views(records, tmp_path / "join.db", "default")
    assert any({"p1", "p2"} <= c for c in clusters), clusters  # his cluster still forms
    assert not any("v" in c for c in clusters), clusters


def test_a_value_two_honest_records_share_still_agrees(tmp_path: Path) -> None:
    """The fix reads both labels; honest records, which always agree on them, still match."""
    views, clusters = _views([("v", "m1", _tokens(dict(VICTIM, phone="07700 900333"))),
                              ("w", "m2", _tokens(dict(phone="+447700900333")))], tmp_path / "ok.db", "default")
    assert set(views) == {"v", "w"} and "phone" in views["v"].kinds
    assert clusters == [{"v", "w"}]
