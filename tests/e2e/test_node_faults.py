"""Member nodes through faults, as real processes: the network cut for a while (the
outbox holds and then drains), and a node killed in the middle of its subscription
(every match and alert event produced while it was down arrives after its restart,
none twice)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_net import eventually, query, write_reports

from msin_fed.demo.network import LocalNetwork
from msin_fed.demo.processes import Process, wait_serving

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNetwork]:
    root = tmp_path_factory.mktemp("faults") / "net"
    net = LocalNetwork(root, members=["alpha", "beta", "gamma", "delta", "epsilon", "zeta"])
    try:
        net.create_pki()
        net.deal_keys()
        net.configure_coordinator()
        net.configure_keyholders()
        net.start_coordinator(timeout=60)
        net.start_keyholders()
        for member in net.members:
            net.configure_node(member)
            net.node_cli(member, "init")
        yield net
    finally:
        net.stop()


def _outbox(net: LocalNetwork, member: str) -> int:
    with net.open_node(member) as node:
        return int(node.outbox_size())


def _matched_reports(net: LocalNetwork, member: str) -> set[str]:
    with net.open_node(member) as node:
        return {m.report_id for m in node.matches() if m.report_id}


def _stored_records(net: LocalNetwork) -> list[tuple[object, ...]]:
    return query(net.root / "coordinator" / "shared.db", "select record_id, member_id from records")


def test_network_cut_outbox_holds_then_drains(network: LocalNetwork, tmp_path: Path) -> None:
    net = network
    alpha = write_reports(tmp_path, "A", ["07700 900301", "07700 900302", "07700 900303"])
    beta = write_reports(tmp_path, "B", ["+44 7700 900301", "07700 900399", "0044 7700 900303"])
    assert net.share_all("alpha", *alpha)["shared"] == ["A-1", "A-2", "A-3"]
    net.nodes["alpha"].process.start()
    eventually(lambda: _outbox(net, "alpha") == 0, 30, "alpha's outbox to drain")

    # Beta's nominated user shares (only the key holders are needed for that); then the
    # network is cut: the coordinator is gone while beta's node starts delivering.
    assert net.share_all("beta", *beta)["shared"] == ["B-1", "B-2", "B-3"]
    assert net.coordinator_process is not None
    net.coordinator_process.stop()
    net.nodes["beta"].process.start()
    time.sleep(3.0)
    assert _outbox(net, "beta") == 3  # held, not dropped
    net.check_alive()  # the nodes ride it out

    # The network comes back: the outbox drains and both sides hear of the matches.
    net.start_coordinator(timeout=60)
    # gRPC's own reconnect backoff (up to 120 s by default) decides how soon a node
    # notices; allow for it.
    eventually(lambda: _outbox(net, "beta") == 0, 90, "beta's outbox to drain after the cut")
    eventually(lambda: _matched_reports(net, "beta") == {"B-1", "B-3"}, 30, "beta's match events")
    eventually(lambda: _matched_reports(net, "alpha") == {"A-1", "A-3"}, 30,
               "alpha's match events (its subscription resumed after the cut)")
    rows = [r for r in _stored_records(net) if r[1] in ("alpha", "beta")]
    assert len(rows) == 6 and len({r[0] for r in rows}) == 6  # nothing lost, nothing twice


def test_node_killed_mid_subscription_loses_no_event(network: LocalNetwork, tmp_path: Path) -> None:
    net = network
    gamma = write_reports(tmp_path, "G", ["07700 900501", "07700 900502"])
    delta = write_reports(tmp_path, "D", ["07700 900501", "+447700900502", "07700 900599"], urgent=0)
    assert net.share_all("gamma", *gamma)["shared"] == ["G-1", "G-2"]
    gamma_node = net.nodes["gamma"].process
    gamma_node.start()
    eventually(lambda: _outbox(net, "gamma") == 0, 30, "gamma's outbox to drain")
    time.sleep(1.0)  # subscribed and idle
    gamma_node.kill()

    # While gamma is down: delta's records match both of gamma's, and an alert goes out.
    assert net.share_all("delta", *delta)["shared"] == ["D-1", "D-2", "D-3"]
    net.nodes["delta"].process.start()
    eventually(lambda: _outbox(net, "delta") == 0, 30, "delta's outbox to drain")
    eventually(lambda: _matched_reports(net, "delta") == {"D-1", "D-2"}, 30, "delta's match events")
    with net.open_node("delta") as node:
        urgent = next(s.record_id for s in node.shares() if s.report_id == "D-1")
    alert_id = net.raise_alert_as_analyst(urgent, "Workers at risk of being moved this week; check sites.")

    db = net.root / "coordinator" / "shared.db"
    for_gamma = {
        int(c) for (c,) in query(db, "select cursor from events where subscriber in ('gamma', '*')")
    }
    assert len(for_gamma) >= 3  # two matches and the alert, at least

    gamma_node.start()

    def gamma_has_everything() -> bool:
        with net.open_node("gamma") as node:
            return {c for c, _e, _t in node.events()} >= for_gamma

    eventually(gamma_has_everything, 30, "gamma to receive every event produced while it was down")
    with net.open_node("gamma") as node:
        cursors = [c for c, _e, _t in node.events()]
        assert len(cursors) == len(set(cursors))  # none stored twice
        assert {m.report_id for m in node.matches()} == {"G-1", "G-2"}
        assert [a.alert_id for a in node.alerts()] == [alert_id]

    # The coordinator keeps producing events for everyone (signed audit checkpoints), so
    # one may be stored after gamma's read above: every event stored for gamma arrives, in
    # the end, and none twice.
    def gamma_has_all_stored() -> bool:
        stored = {int(c) for (c,) in query(db, "select cursor from events where subscriber in ('gamma', '*')")}
        with net.open_node("gamma") as node:
            cursors = [c for c, _e, _t in node.events()]
        assert len(cursors) == len(set(cursors))  # none stored twice
        return set(cursors) == stored

    eventually(gamma_has_all_stored, 30, "gamma to hold exactly the events stored for it")


ROGUE = Path(__file__).with_name("rogue_keyholder.py")


def test_nodes_match_through_different_key_holders_one_down_one_lying(
    network: LocalNetwork, tmp_path: Path
) -> None:
    net = network
    kh1, _kh2, kh3 = net.keyholders
    epsilon = write_reports(tmp_path, "E", ["07700 900701"])
    zeta = write_reports(tmp_path, "Z", ["+44 (0)7700 900701"])

    # epsilon shares while kh3 is down: its tokens come from kh1 and kh2.
    kh3.process.stop()
    assert net.share_all("epsilon", *epsilon)["shared"] == ["E-1"]
    net.start_keyholder(kh3)

    # zeta shares while kh1 lies: kh1 is asked first, caught by its proof, named, and
    # replaced by kh3, so its tokens come from kh2 and kh3.
    kh1.process.stop()
    rogue = Process("rogue kh1", [], kh1.config.parent / "rogue.out.log",
                    argv=[sys.executable, str(ROGUE), str(kh1.config)]).start()
    try:
        wait_serving(kh1.address, net.identity("zeta"), role="keyholder", name="kh1",
                     what="rogue key holder", process=rogue)
        assert net.share_all("zeta", *zeta)["shared"] == ["Z-1"]
    finally:
        rogue.stop()
        net.start_keyholder(kh1)
    agent_log = (net.nodes["zeta"].directory / "agent.log").read_text()
    assert "key holder kh1 failed: InvalidProof" in agent_log

    # Different pairs of key holders, the same tokens: the two records match.
    for member in ("epsilon", "zeta"):
        net.nodes[member].process.start()
    eventually(lambda: _matched_reports(net, "epsilon") == {"E-1"}, 60, "epsilon's match")
    eventually(lambda: _matched_reports(net, "zeta") == {"Z-1"}, 60, "zeta's match")
