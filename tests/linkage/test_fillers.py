"""Padding inputs (fillers) cost no OPRF evaluation of their own and look like tokens.

A filler pads a kind's count (a phone's readings from home, repeated characters of a
deletion neighbourhood). Its token is SHA-512 of the token of its value's pad (``pad:``
+ the value, evaluated once per padded value and never sent) and its own data, not an
evaluation by the key holders. Played as the coordinator (it sees 64-byte values and
counts) and as a member comparing its own tokens: the real tokens are SHA-512 outputs
(RFC 9497 Finalize) and so are the fillers; neither can tell them apart without the
pad's token, and the test checks what can be checked from the outside: their size, their
byte distribution, and that nothing but equality links. Two records of one value get the
same fillers (``tests/linkage/test_poisoning_attacks.py`` plays why).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import csv

from test_clusters import matcher_of

from msin_fed.linkage import pipeline
from msin_fed.model import TOKEN_SIZE
from msin_fed.model.registry import parse_mention
from msin_fed.oprf import derive_key_pair
from msin_fed.token_inputs import inputs_for_mention, tokens_of
from msin_fed.tokenizer import LocalTokenizer

SK, _PK = derive_key_pair(b"\x09" * 32, b"msin filler test")
ROW = dict(record_id="p1", given_name="Anna", family_name="Popescu", date_of_birth="1990-01-11",
           phone="07700 900112", email="anna.popescu77@example.com", national_id="QQ112233A")


class CountingTokenizer:
    """The real local OPRF, counting what it is asked to evaluate."""

    def __init__(self) -> None:
        self.oprf = LocalTokenizer(SK)
        self.asked: list[bytes] = []

    def __call__(self, inputs: list[bytes]) -> list[bytes]:
        self.asked.extend(inputs)
        return self.oprf.tokenize(inputs)


def _inputs() -> list:  # type: ignore[type-arg]
    return inputs_for_mention(parse_mention(ROW).mention)


def test_fillers_are_never_evaluated_and_get_a_tokens_size() -> None:
    inputs = _inputs()
    fillers = [i for i in inputs if i.filler]
    # Every phone gives four phone_home inputs, fillers where it has fewer readings from
    # home; the repeated digits and letters of the phone, the e-mail and the NINO give
    # neighbourhood fillers.
    assert sum(1 for i in inputs if i.kind == "phone_home") == 4
    assert sum(1 for i in fillers if i.kind == "phone_home") >= 2
    assert {i.kind for i in fillers} >= {"phone_home", "phone_near", "email_near", "nid_near"}
    oprf = CountingTokenizer()
    tokens = tokens_of(inputs, oprf)
    assert len(tokens) == len(inputs)
    pads = {i.pad for i in fillers}
    assert len(pads) == 3  # the phone, the e-mail address, the NINO
    assert len(oprf.asked) == len(inputs) - len(fillers) + len(pads)
    assert not {i.data for i in fillers} & set(oprf.asked)
    assert all(len(t) == TOKEN_SIZE for t in tokens)
    assert len(set(tokens)) == len(tokens)
    # Real tokens are the evaluations, in order; the same input gives the same token
    # again, a filler too (of the whole value: two records of it share it).
    assert tokens_of(inputs, CountingTokenizer()) == tokens


def test_a_filler_is_distributed_as_a_real_token() -> None:
    real: list[bytes] = []
    filled: list[bytes] = []
    for n in range(60):
        row = dict(ROW, record_id=f"p{n}", phone=f"07700 9{n:05d}", email=f"a{n}@example.com")
        inputs = inputs_for_mention(parse_mention(row).mention)
        for item, token in zip(inputs, tokens_of(inputs, LocalTokenizer(SK).tokenize), strict=True):
            (filled if item.filler else real).append(token)
    # The rows share their name, date and NINO (and so the NINO's fillers): count each once.
    real, filled = sorted(set(real)), sorted(set(filled))
    assert len(filled) > 150 and len(real) > 1000

    def chi2(tokens: list[bytes]) -> float:
        counts = Counter(b for t in tokens for b in t)
        expected = len(tokens) * TOKEN_SIZE / 256
        return sum((counts.get(v, 0) - expected) ** 2 / expected for v in range(256))

    # Byte values of both uniform (255 degrees of freedom: mean 255, sd ~22.6; 400 is
    # beyond 6 sd), and the top bit of every position balanced in both.
    assert chi2(real) < 400 and chi2(filled) < 400
    for tokens in (real, filled):
        for pos in range(TOKEN_SIZE):
            ones = sum(t[pos] >> 7 for t in tokens)
            assert abs(ones / len(tokens) - 0.5) < 0.12


def test_msin_link_evaluates_no_filler_and_links_as_before(tmp_path: Path) -> None:
    rows = [ROW, dict(ROW, record_id="p2", given_name="ANNA", national_id="", date_of_birth="11/01/1990")]
    paths = []
    for n, row in enumerate(rows):
        path = tmp_path / f"member_{n}.csv"
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(row))
            writer.writeheader()
            writer.writerow(row)
        paths.append(path)
    oprf = CountingTokenizer()
    result = pipeline.link_files(paths, tokenize=oprf)
    assert [(p.left_id, p.right_id) for p in result.pairs] == [("p1", "p2")]
    assert result.evaluated == len(set(oprf.asked)) < result.tokens
    # Through the matcher too: fillers are held once and join nobody.
    m = matcher_of([("a", "m1", {k: v for k, v in ROW.items() if k != "record_id"}),
                    ("b", "m2", {k: v for k, v in ROW.items() if k not in ("record_id", "national_id")})])
    assert all(m.frequency(k, v) == 1 for r in ("a", "b") for v, k in m._values[r].items()
               if v not in m._values["b" if r == "a" else "a"])
