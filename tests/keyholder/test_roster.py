"""The membership roster: signatures, versions, fingerprints, and a holder enforcing it
over real gRPC and mutual TLS on loopback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from keyholder_net import EPOCH, SIGNING_KEYS, Network, roster_of, signed

from msin_fed import oprf, pki
from msin_fed.errors import ConfigError, ValidationError
from msin_fed.keyholder import (
    Roster,
    RosterMember,
    RosterRefused,
    UsageStore,
    guesses_per_day,
    install_roster,
    load_config,
    running,
    spki_fingerprint,
)
from msin_fed.keyholder.roster import read_signed_roster, verify_roster, write_signed_roster
from msin_fed.proto import keyholder_pb2, keyholder_pb2_grpc

PINS = {name: bytes(k.verify_key) for name, k in SIGNING_KEYS.items()}
FP = "ab" * 32


def _roster(version: int = 1, *members: str) -> Roster:
    return Roster(version, 100, {m: RosterMember(m, frozenset({FP})) for m in members or ("grower-a",)})


def _stub(net: Network, identity: pki.Identity, i: int = 0) -> Any:
    endpoint = net.endpoints[i]
    return keyholder_pb2_grpc.KeyHolderStub(
        pki.secure_channel(endpoint.target, identity, role="keyholder", name=endpoint.name)
    )


def _batch(n: int = 1) -> keyholder_pb2.EvaluateRequest:
    return keyholder_pb2.EvaluateRequest(blinded_elements=[oprf.blind(b"x%d" % i)[1] for i in range(n)])


def test_t_signatures_are_needed_and_each_counts_once() -> None:
    roster = _roster()
    assert verify_roster(signed(roster, ("kh1", "kh2")), PINS, 2) == roster
    with pytest.raises(RosterRefused, match="1 valid signature"):
        verify_roster(signed(roster, ("kh1",)), PINS, 2)
    # One holder's signature filed under two names counts once (not at all).
    one = signed(roster, ("kh1",))
    doubled = type(one)(roster, {"kh1": one.signatures["kh1"], "kh2": one.signatures["kh1"]})
    with pytest.raises(RosterRefused, match="1 valid signature"):
        verify_roster(doubled, PINS, 2)
    # An unpinned signer counts for nothing.
    from nacl.signing import SigningKey

    stranger = signed(roster, ("kh1",)).signed_by("sttg", SigningKey.generate())
    with pytest.raises(RosterRefused):
        verify_roster(stranger, {**PINS}, 2)
    # Signatures cover the content: changing a member breaks them.
    tampered = type(one)(_roster(1, "grower-a", "sybil"), signed(roster).signatures)
    with pytest.raises(RosterRefused, match="0 valid"):
        verify_roster(tampered, PINS, 2)


def test_versions_only_go_up() -> None:
    v1, v2 = _roster(1), _roster(2, "grower-a", "ngo-c")
    assert verify_roster(signed(v2), PINS, 2, current=v1) == v2
    with pytest.raises(RosterRefused, match="older than the installed version 2"):
        verify_roster(signed(v1), PINS, 2, current=v2)
    with pytest.raises(RosterRefused, match="needs a higher version"):
        verify_roster(signed(Roster(2, 100, {})), PINS, 2, current=v2)
    assert verify_roster(signed(v2), PINS, 2, current=v2) == v2


def test_roster_files_round_trip_and_bad_ones_name_the_field(tmp_path: Path) -> None:
    doc = signed(_roster(3, "grower-a", "ngo-c"))
    path = write_signed_roster(doc, tmp_path / "r.json")
    assert read_signed_roster(path) == doc
    for text, field in [
        ('{"format": "other"}', "format"),
        ('{"format": "msin-roster/1", "roster": {"version": 0, "daily_budget": 5}}', "version"),
        ('{"format": "msin-roster/1", "roster": {"version": 1, "daily_budget": 5, "members": '
         '{"a": {"keys": ["XYZ"]}}}}', "members.a.keys"),
        ('{"format": "msin-roster/1", "roster": {"version": 1}}', "roster.daily_budget"),
        ("not json", "roster"),
    ]:
        path.write_text(text)
        with pytest.raises(ValidationError) as exc:
            read_signed_roster(path)
        assert exc.value.field == field


def test_the_bound_is_holders_times_budget_over_threshold() -> None:
    assert guesses_per_day(5000, 3, 2) == 7500
    assert guesses_per_day(5000, 4, 3) == 6666
    assert guesses_per_day(20, 3, 2) == 30


def test_fingerprint_is_of_the_public_key(make_identity: Callable[[str, str], pki.Identity], tmp_path: Path,
                                          ca_dir: Path) -> None:
    a = make_identity("member", "grower-a")
    again = pki.load_identity(pki.issue(ca_dir, "member", "grower-a", tmp_path / "again"))
    assert len(spki_fingerprint(a.cert_pem)) == 64
    assert spki_fingerprint(a.cert_pem) != spki_fingerprint(again.cert_pem)  # a new key


def test_a_holder_without_a_roster_evaluates_for_nobody(
    start_network: Callable[..., Network], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    net = start_network(names=("kh1",), roster=False)
    with pytest.raises(grpc.RpcError) as exc:
        _stub(net, make_identity("member", "grower-a")).Evaluate(_batch())
    assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "no membership roster is installed" in exc.value.details()


def test_install_picks_up_without_restart_and_refuses_rollback(
    start_network: Callable[..., Network], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    net = start_network(names=("kh1",), members=("grower-a",))
    newcomer = make_identity("member", "ngo-c")
    stub = _stub(net, newcomer)
    with pytest.raises(grpc.RpcError) as exc:
        stub.Evaluate(_batch())
    assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
    config = net.configs[0]
    v2 = signed(roster_of([make_identity("member", "grower-a"), newcomer], version=2))
    usage = UsageStore(config.usage_db)
    try:
        install_roster(write_signed_roster(v2, net.dirs[0] / "v2.json"), config.roster, usage)
        assert stub.Evaluate(_batch()).epoch == EPOCH
        v1 = signed(roster_of([make_identity("member", "grower-a")], version=1))
        with pytest.raises(RosterRefused, match="older"):
            install_roster(write_signed_roster(v1, net.dirs[0] / "v1.json"), config.roster, usage)
        # Removing the installed file does not bring an older version back either.
        config.roster.file.unlink()
        with pytest.raises(RosterRefused, match="older than version 2 accepted before"):
            install_roster(net.dirs[0] / "v1.json", config.roster, usage)
    finally:
        usage.close()
    info = stub.GetUsage(keyholder_pb2.GetUsageRequest())
    assert (info.member_id, info.used, info.roster_version) == ("ngo-c", 1, 2)


def test_a_rolled_back_roster_file_stops_a_restart(
    tmp_path: Path, start_network: Callable[..., Network], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    net = start_network(names=("kh1",), members=("grower-a",))
    config = net.configs[0]
    usage = UsageStore(config.usage_db)
    v2 = signed(roster_of([make_identity("member", "grower-a")], version=2))
    try:
        install_roster(write_signed_roster(v2, tmp_path / "v2.json"), config.roster, usage)
    finally:
        usage.close()
    write_signed_roster(signed(roster_of([make_identity("member", "grower-a")], version=1)), config.roster.file)
    with pytest.raises(ConfigError, match="rollback refused"), running(load_config(net.dirs[0] / "keyholder.toml")):
        pass


def test_roster_threshold_below_the_dealings_is_refused(
    tmp_path: Path, dealing_dir: Path, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    from keyholder_net import write_config

    identity = make_identity("keyholder", "kh1")
    assert identity.directory is not None
    path = write_config(tmp_path, identity.directory, dealing_dir / "holder-1.share.json", roster_threshold=1)
    with pytest.raises(ConfigError) as exc, running(load_config(path)):
        pass
    assert exc.value.key == "roster.threshold" and "dealing's threshold (2)" in exc.value.reason


def test_a_removed_member_is_refused_at_once_and_totals_are_for_sttg_only(
    start_network: Callable[..., Network], make_identity: Callable[[str, str], pki.Identity]
) -> None:
    net = start_network(names=("kh1",), members=("grower-a", "retailer-b"))
    grower, retailer = make_identity("member", "grower-a"), make_identity("member", "retailer-b")
    assert _stub(net, retailer).Evaluate(_batch(3)).epoch == EPOCH
    config = net.configs[0]
    usage = UsageStore(config.usage_db)
    try:
        v2 = signed(roster_of([grower], version=2))
        install_roster(write_signed_roster(v2, net.dirs[0] / "v2.json"), config.roster, usage)
    finally:
        usage.close()
    with pytest.raises(grpc.RpcError) as exc:
        _stub(net, retailer).Evaluate(_batch())
    assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "'retailer-b' is not on the membership roster (version 2)" in exc.value.details()
    totals = _stub(net, make_identity("analyst", "sttg-analyst")).GetUsageTotals(
        keyholder_pb2.GetUsageTotalsRequest()
    )
    assert (totals.members_rostered, totals.members_active, totals.elements, totals.roster_version) == (1, 1, 3, 2)
    for role, name in (("member", "grower-a"), ("coordinator", "sttg")):
        with pytest.raises(grpc.RpcError) as exc:
            _stub(net, make_identity(role, name)).GetUsageTotals(keyholder_pb2.GetUsageTotalsRequest())
        assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
