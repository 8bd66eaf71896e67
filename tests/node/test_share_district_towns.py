"""A node tokenises a postcode-only site with the town its member's own reports write the
district with, exactly as ``msin link`` does from the same rows in a file.

Real canonical import into a real SQLite store, real OPRF tokens (a local key), the
real ``msin link`` reader (:func:`msin_fed.linkage.mentions.read_mentions`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from mention_files import write_mentions
from msin_fed.node import Node, Passphrase

from msin_fed import pki
from msin_fed.linkage.mentions import read_mentions
from msin_fed.oprf import derive_key_pair
from msin_fed.token_inputs import tokens_of
from msin_fed.tokenizer import LocalTokenizer

from .conftest import FAST_KDF
from .fakes import ReplacingRedactor

PASS = Passphrase("node passphrase for tests")
SK, _PK = derive_key_pair(b"\x07" * 32, b"msin test epoch 1")

#: Two of the member's own addresses write PE21 with Boston (its area is named after
#: Peterborough); its site is known by its postcode only.
OWN = [
    {"record_id": "h1", "street_address": "12 Fydell Street", "postcode": "PE21 8AA", "locality": "Boston"},
    {"record_id": "h2", "street_address": "3 Main Ridge", "postcode": "PE21 6NN", "locality": "BOSTON"},
    {"record_id": "s1", "site_name": "Holly Willow House", "postcode": "PE21 2HD"},
]


def _link_tokens(path: Path, record_id: str) -> set[tuple[str, bytes]]:
    """The tokens ``msin link`` makes for ``record_id`` of the file at ``path``."""
    (inputs,) = [inputs for m, inputs in read_mentions(path).mentions if m.record_id == record_id]
    values = tokens_of(list(inputs), LocalTokenizer(SK).tokenize)
    return {(item.kind, v) for item, v in zip(inputs, values, strict=True)}


def _shared_tokens(tmp: Path, rows: Sequence[Mapping[str, str]], record_id: str,
                   member: pki.Identity) -> set[tuple[str, bytes]]:
    """The tokens a node holding ``rows`` (one report each) shares for ``record_id``."""
    reports = tmp / "reports.csv"
    reports.write_text("report_id,narrative,region,sector,exploitation_type,month,grade\n" + "".join(
        f"{r['record_id']},Nothing named.,East Midlands,growing_picking,labour_exploitation,2024-05,2BP\n"
        for r in rows), encoding="utf-8")
    with Node.open(tmp / "node.db", key=PASS, create=True, kdf=FAST_KDF, identity=member,
                   redactor=ReplacingRedactor(), tokenizer=LocalTokenizer(SK)) as node:
        node.import_file(reports, write_mentions(tmp / "mentions.csv", rows))
        record = node.share(record_id, tlp="AMBER")
    return {(t.kind, t.value) for t in record.tokens}


def test_a_node_shares_a_postcode_only_site_with_its_members_district_town_as_msin_link_does(
    tmp_path: Path, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    member = make_identity("member", "alpha")
    (tmp_path / "n").mkdir()
    shared = _shared_tokens(tmp_path / "n", OWN, "s1", member)
    assert shared == _link_tokens(write_mentions(tmp_path / "own.csv", OWN), "s1")
    # the town is the member's own evidence: the site alone gets only its area's town ...
    alone = _link_tokens(write_mentions(tmp_path / "alone.csv", OWN[-1:]), "s1")
    assert alone < shared
    # ... and what it adds is what another member's "Holly Willow House, Boston" shares
    other = write_mentions(tmp_path / "other.csv", [{"record_id": "b1", "site_name": "Holly Willow House",
                                             "locality": "Boston"}])
    assert "site_locality" in {k for k, _v in (shared - alone) & _link_tokens(other, "b1")}


def test_a_node_shares_a_company_with_its_town_as_msin_link_does(
    tmp_path: Path, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    member = make_identity("member", "alpha")
    # a postcode only (its towns: the area's and the district's as the member writes it),
    # and a town only (kept with the company though no address holds it)
    rows = [*OWN[:2], {"record_id": "c1", "company_name": "Apex Recruitment Ltd", "postcode": "PE21 7HQ"},
            {"record_id": "c2", "company_name": "Fenway Harvest Ltd", "locality": "Spalding"}]
    shared = {}
    for rid in ("c1", "c2"):
        (tmp_path / rid).mkdir()
        shared[rid] = _shared_tokens(tmp_path / rid, rows, rid, member)
        assert shared[rid] == _link_tokens(write_mentions(tmp_path / f"{rid}.csv", rows), rid)
        assert "company_locality" in {k for k, _v in shared[rid]}
    # the district's town is what another member's "Apex Recruitment, Boston" shares
    other = write_mentions(tmp_path / "other.csv", [{"record_id": "b1", "company_name": "APEX RECRUITMENT",
                                             "locality": "Boston"}])
    assert "company_locality" in {k for k, _v in shared["c1"] & _link_tokens(other, "b1")}
