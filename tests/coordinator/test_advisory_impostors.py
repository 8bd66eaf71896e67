"""Play someone casting Advisory Group votes it should not have, over real mutual TLS.

The CA (STTG) can issue a certificate of any role under a configured adviser's name; a
console can name any person. Neither may add a vote: the quorum counts configured names
of advisory certificates, once each.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from msin_fed.coordinator.config import CaseConfig
from msin_fed.coordinator.service import AccessDenied, Caller, Refused
from msin_fed.coordinator.store import SharedStore

from msin_fed import pki
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc

from .conftest import Live
from .test_case_service import World, _caller

MakeId = Callable[[str, str], pki.Identity]


@pytest.mark.parametrize("role", ["member", "analyst", "keyholder", "admin", "coordinator"])
def test_another_role_under_an_advisers_name_cannot_recommend_over_the_wire(
        live: Live, make_identity: MakeId, role: str) -> None:
    impostor = make_identity(role, "advisory-1")
    channel = pki.secure_channel(f"127.0.0.1:{live.port}", impostor, role="coordinator", name="sttg")
    live._channels.append(channel)
    stub = pb_grpc.CasesStub(channel)  # type: ignore[no-untyped-call]
    for call in (
        lambda: stub.Recommend(pb.RecommendRequest(case_id="case-0123456789abcdef", text="Close it."), timeout=20),
        lambda: stub.Recommend(pb.RecommendRequest(case_id="case-0123456789abcdef",
                                                   recommendation_id="rec-0123456789abcdef"), timeout=20),
        lambda: stub.AddNote(pb.AddNoteRequest(case_id="case-0123456789abcdef", text="A note."), timeout=20),
    ):
        with pytest.raises(grpc.RpcError) as exc:
            call()
        assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_one_adviser_through_persons_certificates_and_repeats_is_one_vote(
        store: SharedStore, make_identity: MakeId, tmp_path: Path) -> None:
    world = World(store, make_identity, tmp_path, CaseConfig(quorum=2))
    case = world.cases.open_case(world.sttg, cluster_id=world.cluster)
    world.cases.refer(world.sttg, case.case_id, "Which member should act first?")
    first = _caller(world.advisers[0])
    # A second certificate under the same name (as the CA could issue), and console persons.
    second = _caller(make_identity("advisory", "advisory-1"))
    voters = [first, second] + [Caller(first.role, first.name, first.signing_public_key,
                                       first.sealing_public_key, person=p) for p in ("jo", "sam", "advisory-2")]
    rec = world.cases.recommend(voters[0], case.case_id, text="Audit the site within a month.")
    for v in voters:
        rec = world.cases.recommend(v, case.case_id, recommendation_id=rec.recommendation_id)
    assert rec.agreed == ("advisory-1",) and not rec.recorded
    # A non-advisory caller under an adviser's name does not count either.
    for role in ("member", "analyst"):
        with pytest.raises(AccessDenied):
            world.cases.recommend(Caller(role, "advisory-2", None, None), case.case_id,
                                  recommendation_id=rec.recommendation_id)
    # The second configured adviser records it; nobody agrees to it again afterwards.
    rec = world.cases.recommend(_caller(world.advisers[1]), case.case_id, recommendation_id=rec.recommendation_id)
    assert rec.recorded and rec.agreed == ("advisory-1", "advisory-2")
    with pytest.raises(Refused):
        world.cases.recommend(_caller(world.advisers[2]), case.case_id, recommendation_id=rec.recommendation_id)
