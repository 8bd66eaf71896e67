"""A hostile member relabelling a token's kind, through the real coordinator (gRPC, mutual
TLS, SQLite file) with real OPRF tokens (played by ``attack5``, session 9).

The coordinator accepts any known kind beside a token: it cannot tell what a token is of.
A member that knows a victim's first name and birthday evaluates ``part_dob:`` + them
(one evaluation, well within its budget) and submits one record holding that token
labelled ``nino``. Before the fix, its ListMatches answered "matched another member on a
National Insurance number", and the victim's member was told the same; now a value that
two records label differently agrees on nothing (``core.score_pairs``).
"""

from __future__ import annotations

from collections.abc import Callable

from msin_fed import pki
from msin_fed.linkage.pipeline import oprf_tokenize
from msin_fed.model import Token
from msin_fed.proto import coordinator_pb2 as pb

from .conftest import EPOCH, TOKEN_KEY, Live, record, row_tokens, signed_batch, submission

MakeId = Callable[[str, str], pki.Identity]
DOB = "1999-02-03"


def test_a_first_name_and_birthday_labelled_as_a_nino_is_no_match_over_the_wire(
    live: Live, make_identity: MakeId
) -> None:
    ids = {m: make_identity("member", m) for m in ("ngo-a", "hostile")}
    stubs = {m: live.stub(i) for m, i in ids.items()}
    victim = record("ngo-a", "v1", row_tokens(dict(given_name="Maria", family_name="Popescu", date_of_birth=DOB)))
    stubs["ngo-a"].SubmitBatch(signed_batch(ids["ngo-a"], submission(victim)), timeout=10)

    [value] = oprf_tokenize([f"part_dob:maria|{DOB}".encode()], TOKEN_KEY)
    probes = [record("hostile", f"h-{kind}", (Token(kind, value, EPOCH),)) for kind in ("nino", "passport", "phone")]
    response = stubs["hostile"].SubmitBatch(signed_batch(ids["hostile"], *map(submission, probes)), timeout=10)
    assert [a.record_id for a in response.acks] == [p.record_id for p in probes]  # accepted: it cannot tell

    for probe in probes:
        got = stubs["hostile"].ListMatches(pb.ListMatchesRequest(record_id=probe.record_id), timeout=5).matches
        assert list(got) == [], probe.record_id
    assert list(stubs["ngo-a"].ListMatches(pb.ListMatchesRequest(record_id="v1"), timeout=5).matches) == []
