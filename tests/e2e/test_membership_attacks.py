"""Membership by quorum and lasting budgets, attacked over real ``msin keyholder serve``
processes and mutual TLS: STTG's CA can issue certificates but cannot get anyone
evaluated; a rostered member's budget holds across restarts; a roster needs t signatures
and never goes back."""

from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path

import grpc
import pytest

from msin_fed import oprf, pki
from msin_fed.demo.network import COORDINATOR_NAME, KeyHolderSlot, LocalNetwork
from msin_fed.demo.processes import DemoError, run_cli
from msin_fed.errors import KeyHoldersUnavailable
from msin_fed.proto import keyholder_pb2, keyholder_pb2_grpc
from msin_fed.threshold import load_public
from msin_fed.tokenizer import HolderEndpoint, Tokenizer

pytestmark = pytest.mark.slow

#: The demo's phones live in 07700 900xxx: STTG's dictionary is the whole range.
DICTIONARY = [f"phone:+447700900{i:03d}".encode() for i in range(1000)]
MEMBER_PHONES = [b"phone:+447700900123", b"phone:+447700900456", b"phone:+447700900789"]


def _endpoints(net: LocalNetwork) -> list[HolderEndpoint]:
    return [HolderEndpoint(k.name, k.address) for k in net.keyholders]


def _tokenizer(net: LocalNetwork, identity: pki.Identity) -> Tokenizer:
    return Tokenizer(_endpoints(net), net.threshold, identity, public=load_public(net.keys_dir / "public.json"),
                     timeout=10)


def _channel(holder: KeyHolderSlot, identity: pki.Identity) -> grpc.Channel:
    """A channel that talks only to ``holder`` (its keyholder certificate name is checked)."""
    return pki.secure_channel(holder.address, identity, role="keyholder", name=holder.name)


def _evaluate(holder: KeyHolderSlot, identity: pki.Identity, count: int = 1) -> keyholder_pb2.EvaluateResponse:
    channel = _channel(holder, identity)
    try:
        stub = keyholder_pb2_grpc.KeyHolderStub(channel)  # type: ignore[no-untyped-call]
        elements = [oprf.blind(f"phone:+4477009{i:05d}".encode())[1] for i in range(count)]
        reply: keyholder_pb2.EvaluateResponse = stub.Evaluate(
            keyholder_pb2.EvaluateRequest(blinded_elements=elements), timeout=10
        )
        return reply
    finally:
        channel.close()


def _refusal(holder: KeyHolderSlot, identity: pki.Identity, count: int = 1) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as exc:
        _evaluate(holder, identity, count)
    return exc.value


def _msin(net: LocalNetwork, *args: str) -> str:
    return run_cli(list(args), net.root / "test-cli.log", what=f"msin {' '.join(args[:3])}")


def _issue_member(net: LocalNetwork, name: str, out: Path) -> pki.Identity:
    """STTG issuing a member certificate with its own CA, as an operator would."""
    _msin(net, "ca", "issue", str(net.ca_dir), "--role", "member", "--name", name, "--out", str(out))
    return pki.load_identity(out)


def test_a_ca_issued_unrostered_member_is_refused_by_every_holder(keyholder_network: LocalNetwork) -> None:
    net = keyholder_network
    gamma = _issue_member(net, "gamma", net.root / "ids" / "gamma")
    for slot in net.keyholders:
        error = _refusal(slot, gamma)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, slot.name
        assert "not on the membership roster" in (error.details() or "")
        channel = _channel(slot, gamma)
        with pytest.raises(grpc.RpcError) as usage:
            keyholder_pb2_grpc.KeyHolderStub(channel).GetUsage(  # type: ignore[no-untyped-call]
                keyholder_pb2.GetUsageRequest(), timeout=10
            )
        channel.close()
        assert usage.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # The rostered members are served as before.
    assert _evaluate(net.keyholders[0], net.identity("alpha")).evaluated_elements


def test_sttg_dictionary_attack_with_self_issued_members_recovers_nothing(keyholder_network: LocalNetwork) -> None:
    net = keyholder_network
    # What STTG holds in its shared database: the tokens of a member's phones.
    with _tokenizer(net, net.identity("alpha")) as member:
        targets = set(member.tokenize(MEMBER_PHONES))
    # STTG mints as many member certificates as it likes: two with the command, twenty more
    # with the same library call, plus its own coordinator and analyst certificates.
    sybils = [_issue_member(net, f"sybil{i}", net.root / "ids" / f"sybil{i}") for i in (1, 2)]
    for i in range(3, 23):
        sybils.append(pki.load_identity(pki.issue(net.ca_dir, "member", f"sybil{i}", net.root / "ids" / f"sybil{i}")))
    attackers = [*sybils, net.identity(COORDINATOR_NAME), net.identity("sttg-analyst")]
    recovered: set[bytes] = set()
    started = time.monotonic()
    for identity in attackers:
        with _tokenizer(net, identity) as tok:
            with pytest.raises(KeyHoldersUnavailable) as exc:
                recovered |= set(tok.tokenize(DICTIONARY)) & targets
            assert "PERMISSION_DENIED" in str(exc.value), identity.name
    assert len(recovered & targets) == 0
    assert time.monotonic() - started < 120
    for slot in net.keyholders:
        log = (slot.config.parent / "keyholder.log").read_text()
        assert "evaluated member=sybil" not in log
        assert "+447700900" not in log


def test_over_budget_is_refused_with_the_reset_time_and_still_is_after_a_restart(
    keyholder_network: LocalNetwork,
) -> None:
    net = keyholder_network
    # A second certificate for alpha (a new key on the roster) shares alpha's budget.
    alpha2_dir = net.root / "ids" / "alpha-second"
    pki.issue(net.ca_dir, "member", "alpha", alpha2_dir)
    net.install_roster(["alpha", "beta"], version=2, daily_budget=20)
    roster = net.keyholders[0].config.parent / "roster.json"
    _msin(net, "keyholder", "roster", "propose", "--base", str(roster), "--out", str(net.root / "v3.json"),
          "--add", f"alpha={alpha2_dir / 'cert.pem'}")
    for slot in net.keyholders[: net.threshold]:
        _msin(net, "keyholder", "roster", "sign", str(net.root / "v3.json"), "--config", str(slot.config))
    for slot in net.keyholders:
        _msin(net, "keyholder", "roster", "install", str(net.root / "v3.json"), "--config", str(slot.config))
    shown = _msin(net, "keyholder", "roster", "show", "--config", str(net.keyholders[0].config))
    assert "roster version 3" in shown
    assert "at most 30 guesses per member per day across the network" in shown  # floor(3 x 20 / 2)

    kh1 = net.keyholders[0]
    alpha, alpha2 = net.identity("alpha"), pki.load_identity(alpha2_dir)
    assert len(_evaluate(kh1, alpha, 12).evaluated_elements) == 12
    assert len(_evaluate(kh1, alpha2, 8).evaluated_elements) == 8
    tomorrow = _dt.datetime.now(_dt.UTC).date() + _dt.timedelta(days=1)
    for identity in (alpha, alpha2):
        error = _refusal(kh1, identity)
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "daily budget of 20 elements" in (error.details() or "")
        assert f"resets at {tomorrow.isoformat()}T00:00:00Z" in (error.details() or "")
    # beta's budget is its own.
    assert _evaluate(kh1, net.identity("beta"), 5).evaluated_elements

    kh1.process.stop()
    net.start_keyholder(kh1)
    error = _refusal(kh1, alpha)
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert f"resets at {tomorrow.isoformat()}T00:00:00Z" in (error.details() or "")
    # The member sees its own use; STTG's analyst sees only totals; a member may not.
    usage = _msin(net, "keyholder", "usage", "--identity-dir", str(net.identity_dir("alpha")),
                  "--holder", f"kh1={kh1.address}")
    assert "kh1: 20 of 20 elements used" in usage and "network bound 30 a day" in usage
    net.configure_node("alpha")
    net.node_cli("alpha", "init")
    from_node = net.node_cli("alpha", "usage")
    assert "kh1: 20 of 20 elements used" in from_node and "kh2: 0 of 20 elements used" in from_node
    totals = _msin(net, "keyholder", "totals", "--identity-dir", str(net.identity_dir("sttg-analyst")),
                   "--holder", f"kh1={kh1.address}")
    assert "kh1: 25 elements for 2 of 2 rostered members" in totals
    with pytest.raises(DemoError, match="PERMISSION_DENIED"):
        _msin(net, "keyholder", "totals", "--identity-dir", str(net.identity_dir("alpha")),
              "--holder", f"kh1={kh1.address}")


def test_a_roster_with_t_minus_1_signatures_or_an_older_version_is_refused(keyholder_network: LocalNetwork) -> None:
    net = keyholder_network
    kh1 = net.keyholders[0]
    installed = kh1.config.parent / "roster.json"
    gamma = _issue_member(net, "gamma", net.root / "ids" / "gamma")
    proposal = net.root / "add-gamma.json"
    _msin(net, "keyholder", "roster", "propose", "--base", str(installed), "--out", str(proposal),
          "--add", f"gamma={net.identity_dir('gamma') / 'cert.pem'}")
    _msin(net, "keyholder", "roster", "sign", str(proposal), "--config", str(kh1.config))
    for slot in net.keyholders:
        with pytest.raises(DemoError, match="1 valid signature"):
            _msin(net, "keyholder", "roster", "install", str(proposal), "--config", str(slot.config))
    # Even written straight over the installed file, a running holder keeps the quorum's roster.
    installed.write_bytes(proposal.read_bytes())
    assert _refusal(kh1, gamma).code() == grpc.StatusCode.PERMISSION_DENIED
    assert "roster file refused" in (kh1.config.parent / "keyholder.log").read_text()

    # With the second signature every holder takes it, without a restart.
    _msin(net, "keyholder", "roster", "sign", str(proposal), "--config", str(net.keyholders[1].config))
    for slot in net.keyholders:
        _msin(net, "keyholder", "roster", "install", str(proposal), "--config", str(slot.config))
    with _tokenizer(net, gamma) as tok:
        assert len(tok.tokenize(MEMBER_PHONES)) == len(MEMBER_PHONES)

    # Version 1 (without gamma) is validly signed, but older: refused.
    with pytest.raises(DemoError, match="older than the installed version 2"):
        _msin(net, "keyholder", "roster", "install", str(net.keys_dir / "roster-v1.json"), "--config",
              str(kh1.config))
    installed.write_bytes((net.keys_dir / "roster-v1.json").read_bytes())
    assert _evaluate(kh1, gamma).evaluated_elements  # the running holder keeps version 2
    # Restarted on the rolled-back file, the holder refuses to start rather than drop gamma's
    # removal history: the usage store remembers version 2.
    kh1.process.stop()
    kh1.process.start()
    deadline = time.monotonic() + 60
    while kh1.process.alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not kh1.process.alive()
    assert "older than version 2 accepted before (rollback refused)" in kh1.process.log.read_text()


def test_a_rostered_name_with_another_certificate_key_is_refused(keyholder_network: LocalNetwork) -> None:
    net = keyholder_network
    # STTG issues a second "alpha" certificate (a new key, the same name).
    impostor = _issue_member(net, "alpha", net.root / "ids" / "alpha-impostor")
    assert impostor.name == "alpha"
    for slot in net.keyholders:
        error = _refusal(slot, impostor)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, slot.name
        assert "certificate key of 'alpha' is not one the membership roster" in (error.details() or "")
    with _tokenizer(net, impostor) as tok, pytest.raises(KeyHoldersUnavailable, match="PERMISSION_DENIED"):
        tok.tokenize(MEMBER_PHONES)
    # The real alpha is unaffected.
    assert _evaluate(net.keyholders[0], net.identity("alpha")).evaluated_elements
