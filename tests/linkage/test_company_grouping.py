"""Company entity counts do not depend on the order of the holders' tokens.

``core.entity_count`` groups the holders of a company token as companies (one per
number, at the postcodes its mentions give, and the places of mentions without a
number). Token bytes change with the key and with the random fillers, so a grouping that
followed their order gave other counts (and another EM fit) on every run. Real rows,
real OPRF tokens under two fresh keys; the holders shuffled every way.
"""

from __future__ import annotations

import itertools
import os
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from msin_fed.linkage.core import entity_count
from msin_fed.linkage.mentions import mention_from_row
from msin_fed.linkage.pipeline import oprf_tokenize
from msin_fed.oprf import derive_key_pair
from msin_fed.token_inputs import inputs_for_mention

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_clusters import engine_clusters, matcher_of
from test_repeated_entities import pair_set

Row = dict[str, str]

#: A phoenix company (a new number, given without a postcode), a
#: company with branches in two towns (its number at one), the same trading name in a
#: third town, and mentions without a number at each place and nowhere.
ROWS: list[Row] = [
    dict(company_name="Apex Agriculture Ltd", company_number="01234567", postcode="PE21 7TB"),
    dict(company_name="APEX AGRICULTURE LIMITED", company_number="09876543"),
    dict(company_name="Apex Agriculture", company_number="9876543"),
    dict(company_name="Apex Agriculture Ltd", postcode="PE21 7TB"),
    dict(company_name="Apex Agriculture Ltd", company_number="04209490", postcode="LS9 2EU"),
    dict(company_name="Apex Agriculture", postcode="LS9 2EU"),
    dict(company_name="Apex Agriculture", postcode="BD3 4LT"),
    dict(company_name="Apex Agriculture Ltd", postcode="SL1 8JW"),
    dict(company_name="Apex Agricultre Ltd", postcode="SL1 8JW"),
    dict(company_name="Apex Agriculture"),
]


def _inputs(row: Row) -> list[tuple[str, bytes]]:
    mention, problems = mention_from_row({"record_id": "x", **row})
    assert mention is not None, problems
    return [(i.kind, i.data) for i in inputs_for_mention(mention)]


def _key() -> bytes:
    return derive_key_pair(os.urandom(32), b"test company grouping")[0]


def _counts(rows: Sequence[Row], key: bytes, order: Sequence[int]) -> dict[tuple[int, bytes], int]:
    """Entity count of every company token held by two or more records, by its input."""
    inputs = [_inputs(r) for r in rows]
    distinct = sorted({d for ins in inputs for _k, d in ins})
    token = dict(zip(distinct, oprf_tokenize(distinct, key), strict=True))
    tokens = {i: {token[d]: k for k, d in inputs[i]} for i in order}
    holders: dict[bytes, list[int]] = {}
    for i in order:
        for _k, d in inputs[i]:
            holders.setdefault(d, []).append(i)
    out: dict[tuple[int, bytes], int] = {}
    for d, group in holders.items():
        kind = d.split(b":")[0].decode()
        if kind.startswith("company") and kind != "company_number" and len(group) >= 2:
            out[(0, d)] = entity_count(token[d], kind, group, tokens)
            for pair in itertools.combinations(sorted(group), 2):
                if kind == "company_near":
                    out[(1 + pair[0] * 100 + pair[1], d)] = entity_count(token[d], kind, group, tokens, pair)
    return out


def test_company_counts_are_the_same_under_any_key_and_holder_order() -> None:
    rng = random.Random(17)
    base = _counts(ROWS, _key(), range(len(ROWS)))
    assert base  # the rows share company tokens
    for _ in range(6):
        order = list(range(len(ROWS)))
        rng.shuffle(order)
        assert _counts(ROWS, _key(), order) == base


def test_company_counts_read_the_numbers_and_places() -> None:
    counts = _counts(ROWS, _key(), range(len(ROWS)))
    name = next(c for (p, d), c in counts.items() if p == 0 and d == b"company:apex agriculture")
    # three numbers (one known nowhere, which may be the company at one unknown place),
    # and two places no number is known at (BD3, SL1): 3 + (2 - 1)
    assert name == 4
    # the name with the first company's postcode: its numbered mention and one without
    assert counts[(0, b"company_postcode:apex agriculture|PE21 7TB")] == 1


def test_a_company_known_nowhere_may_be_the_one_at_a_new_place() -> None:
    rows = [
        dict(company_name="Union Foods Ltd", company_number="01234567", postcode="PE21 7TB"),
        dict(company_name="Union Foods", company_number="01234567"),
        dict(company_name="Union Foods", company_number="07654321"),
        dict(company_name="UNION FOODS", postcode="LS9 2EU"),
    ]
    counts = _counts(rows, _key(), range(len(rows)))
    # two numbers; the mention at LS9 may be the one known nowhere: two companies
    assert counts[(0, b"company:union foods")] == 2
    rows.append(dict(company_name="Union Foods", postcode="BD3 4LT"))
    counts = _counts(rows, _key(), range(len(rows)))
    assert counts[(0, b"company:union foods")] == 3  # a second unknown place: a third company


def test_mentions_at_a_postcode_no_number_is_known_at_are_one_company(tmp_path: Path) -> None:
    # The name is held by a company whose number is given without a postcode and by
    # mentions at two postcodes: the two at PE30 are one company whichever it is (the one
    # known nowhere, or one of its own), so they link; the one at SL1 is not joined.
    records = [
        ("k1", "m1", dict(company_name="Crown Personnel Ltd", company_number="07311256")),
        ("k2", "m2", dict(company_name="CROWN PERSONNEL", postcode="PE30 8EX")),
        ("k3", "m3", dict(company_name="Crown Personnel Limited", postcode="PE30 8EX")),
        ("k4", "m4", dict(company_name="Crown Personnel", postcode="SL1 8JW")),
    ]
    m = matcher_of(records)
    assert pair_set(m.pairs()) == {("k2", "k3")}
    assert engine_clusters(records, tmp_path / "shared.db") == [{"k2", "k3"}]
