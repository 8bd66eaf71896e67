"""End to end over real gRPC with mutual TLS on loopback: the real coordinator, three key
holders (threshold 2), the real redactor, nodes configured from TOML files.

Covers issue 5's Done-when: import, share, acknowledgement, a match event for a report
shared by two nodes, withdraw; a node SIGKILLed between send and acknowledgement resends
on restart and the coordinator holds the record exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from msin_fed.node import Node, load_config, write_key_file

from msin_fed import pki
from msin_fed.threshold import deal, write_dealing

pytestmark = pytest.mark.slow

REPORTS = """report_id,narrative,region,sector,exploitation_type,month,indicators,victims_count,grade,time_sensitive,reporter
{rid},"Workers at the packhouse are driven in by a gangmaster who keeps their wages. Call 07700 900123 to reach him, the van is AB12 CDE.",TLK,packhouse,labour_exploitation,2024-05,withholding_of_wages;debt_bondage,4,2BP,yes,Sam Reporter
{rid2},"Cash-in-hand pickers reported long hours at a farm.",TLK,growing_picking,labour_exploitation,2024-06,excessive_overtime,,3CP,no,
"""
MENTIONS = """record_id,given_name,family_name,date_of_birth,phone,email,street_address,locality,postcode,country,vehicle_registration,national_id,passport_number,bank_account,company_name,company_number,site_name
{rid},Ion,Popescu,1990-02-03,07700 900123,,,,,GB,AB12 CDE,,,,,,
"""


@dataclass
class Network:
    coordinator: Any  # coordinator.server.CoordinatorServer
    address: str
    holders: list[tuple[str, int]]
    public: Path
    redactor: Any
    base: Path


@pytest.fixture(scope="module")
def network(
    tmp_path_factory: pytest.TempPathFactory, make_identity: Callable[[str, str], pki.Identity]
) -> Iterator[Network]:
    from msin_fed.coordinator.config import config_from_mapping
    from msin_fed.coordinator.server import CoordinatorServer

    from msin_fed.keyholder.config import KeyHolderConfig
    from msin_fed.keyholder.service import running as keyholder_running
    from msin_fed.redaction import Redactor

    base = tmp_path_factory.mktemp("net")
    written = write_dealing(deal(2, 3, epoch=1), base / "dealing")
    public, shares = written[0], written[1:]
    redactor = Redactor()
    # The key holders evaluate only for rostered members: sign one roster by two of them.
    from nacl.signing import SigningKey

    from msin_fed.keyholder import RosterConfig, SignedRoster
    from msin_fed.keyholder.roster import Roster, members_from_certificates, write_signed_roster

    signing = {f"ag{i}": SigningKey.generate() for i in (1, 2, 3)}
    members = ("grower", "retailer", "ngo", "agency", "labourco")
    roster = SignedRoster(Roster(1, 10_000_000, members_from_certificates(
        (m, make_identity("member", m).cert_pem) for m in members)))
    for name in ("ag1", "ag2"):
        roster = roster.signed_by(name, signing[name])
    with ExitStack() as stack:
        holders = []
        for i, share in enumerate(shares, start=1):
            ident = make_identity("keyholder", f"ag{i}")
            roster_file = write_signed_roster(roster, base / f"ag{i}" / "roster.json")
            cfg = KeyHolderConfig(
                listen="127.0.0.1:0",
                identity_dir=ident.directory,  # type: ignore[arg-type]
                crl=ident.directory / "crl.pem",  # type: ignore[operator]
                share_files=(share,),
                rate_limit_per_second=10_000.0,
                burst=10_000,
                usage_db=base / f"ag{i}" / "usage.db",
                roster=RosterConfig(roster_file, 2, {n: bytes(k.verify_key) for n, k in signing.items()}),
            )
            running = stack.enter_context(keyholder_running(cfg))
            holders.append((f"ag{i}", running.port))
        coord_id = make_identity("coordinator", "sttg")
        config = config_from_mapping(
            {
                "server": {
                    "identity_dir": str(coord_id.directory),
                    "crl": str(coord_id.directory / "crl.pem"),  # type: ignore[operator]
                    "listen": "127.0.0.1:0",
                    "grace_seconds": 0.5,
                },
                "store": {"url": str(base / "coordinator.db")},
                "tokens": {"epoch": 1},
            },
            base,
        )
        server = stack.enter_context(CoordinatorServer(config, verifier=redactor))
        yield Network(server, f"localhost:{server.port}", holders, public, redactor, base)


def _write_config(net: Network, directory: Path, member: pki.Identity) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    write_key_file(directory / "node.key")
    holders = ",\n".join(
        f'  {{ name = "{name}", address = "localhost:{port}" }}' for name, port in net.holders
    )
    path = directory / "node.toml"
    path.write_text(
        textwrap.dedent(
            f"""\
            [node]
            store = "node.db"
            key_file = "node.key"
            identity_dir = "{member.directory}"
            default_region = "TLK"

            [coordinator]
            address = "{net.address}"
            name = "sttg"

            [key_holders]
            threshold = 2
            public = "{net.public}"
            holders = [
            {holders}
            ]

            [delivery]
            backoff_base = 0.2
            backoff_cap = 1.0
            poll_interval = 0.2
            """
        )
    )
    return path


def _open(net: Network, config_path: Path, *, create: bool = False) -> Node:
    config = load_config(config_path)
    return Node.open(config=config, create=create, redactor=net.redactor)


def _imported(net: Network, tmp: Path, member: pki.Identity, rid: str) -> tuple[Node, Path]:
    cfg = _write_config(net, tmp, member)
    node = _open(net, cfg, create=True)
    (tmp / "r.csv").write_text(REPORTS.format(rid=rid, rid2=rid + "-b"))
    (tmp / "m.csv").write_text(MENTIONS.format(rid=rid))
    assert node.import_file(tmp / "r.csv", tmp / "m.csv").report_ids == (rid, rid + "-b")
    return node, cfg


def test_share_match_between_two_nodes_and_withdraw(
    network: Network, tmp_path: Path, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    a, _ = _imported(network, tmp_path / "a", make_identity("member", "grower"), "CASE-1")
    b, _ = _imported(network, tmp_path / "b", make_identity("member", "retailer"), "INC-77")
    with a, b:
        rec_a = a.share("CASE-1", tlp="AMBER", handling="P")
        rec_b = b.share("INC-77", tlp="GREEN", handling="C")
        assert "07700" not in rec_a.narrative and "AB12" not in rec_a.narrative
        assert a.sync(timeout=0.5).delivery.acknowledged == 1
        assert b.sync(timeout=0.5).delivery.acknowledged == 1
        assert a.outbox_size() == 0 and a.shares()[0].state == "acknowledged"
        stored = network.coordinator.store.get_record(rec_a.record_id)
        assert stored is not None and stored.member_id == "grower"

        deadline = time.time() + 15
        while not (a.matches() and b.matches()) and time.time() < deadline:
            a.sync(timeout=0.3)
            b.sync(timeout=0.3)
        (ma,) = a.matches()
        (mb,) = b.matches()
        assert (ma.report_id, ma.other_members) == ("CASE-1", 1)
        assert mb.report_id == "INC-77" and "phone" in mb.matched_kinds

        b.withdraw("INC-77")
        b.sync(timeout=0.3)
        assert network.coordinator.store.get_record(rec_b.record_id) is None
        assert b.shares()[0].state == "withdrawn"
        deadline = time.time() + 15
        while a.matches() and time.time() < deadline:
            a.sync(timeout=0.3)
        assert a.matches() == []
        assert a.matches(include_removed=True)[0].change == "removed"
    # Shares, outbox, events and token cache included: no planted identifier in the file.
    raw = (tmp_path / "a" / "node.db").read_bytes()
    for value in ("07700 900123", "07700900123", "+447700900123", "AB12 CDE", "AB12CDE", "ab12cde",
                  "Popescu", "popescu", "POPESCU", "Sam Reporter", "CASE-1", "1990-02-03", "gangmaster"):
        assert value.encode() not in raw, value


_KILLED_CHILD = """
import sys, time
from msin_fed.node import Node, load_config
from msin_fed.node.delivery import deliver_due

node = Node.open(config=load_config(sys.argv[1]))

def stall(items):
    # The coordinator has stored the batch; die before the node removes it.
    print("SENT", flush=True)
    time.sleep(60)

deliver_due(node.store, node._get_stub(), signing_key=node.identity.signing_key, on_acknowledged=stall)
"""


def test_sigkill_between_send_and_ack_resends_once(
    network: Network, tmp_path: Path, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    node, cfg = _imported(network, tmp_path / "k", make_identity("member", "ngo"), "K-1")
    record = node.share("K-1", tlp="AMBER")
    submission_id = node.shares()[0].submission_id
    node.close()

    env = dict(os.environ, PYTHONUNBUFFERED="1")
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_CHILD, str(cfg)], stdout=subprocess.PIPE, env=env, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "SENT"
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert network.coordinator.store.get_record(record.record_id) is not None

    again = _open(network, cfg)
    with again:
        assert again.outbox_size() == 1  # nothing was lost ...
        report = again.deliver()
        assert (report.acknowledged, report.duplicates, report.remaining) == (1, 1, 0)
        assert again.shares()[0].state == "acknowledged"
    # ... and nothing stored twice.
    ours = [r for r in network.coordinator.store.iter_records() if r.member_id == "ngo"]
    assert [r.record_id for r in ours] == [record.record_id]
    with network.coordinator.store.read() as conn:
        known = network.coordinator.store.known_submissions(conn, [submission_id])
    assert known == {submission_id: ("ngo", record.record_id)}


def test_enqueued_then_killed_before_send_is_sent_on_restart(
    network: Network, tmp_path: Path, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    node, cfg = _imported(network, tmp_path / "q", make_identity("member", "agency"), "Q-1")
    record = node.share("Q-1", tlp="GREEN")
    # Simulate the crash: no close, no delivery; the file is all that survives.
    node._store._conn.close()
    again = _open(network, cfg)
    with again:
        again.start()
        deadline = time.time() + 10
        while again.outbox_size() and time.time() < deadline:
            time.sleep(0.05)
        assert again.outbox_size() == 0
    assert network.coordinator.store.get_record(record.record_id) is not None


def test_cli_share_sync_matches_withdraw(
    network: Network,
    tmp_path: Path,
    make_identity: Callable[[str, str], pki.Identity],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from msin_fed.cli import main

    cfg = _write_config(network, tmp_path, make_identity("member", "labourco"))
    assert main(["node", "init", "--config", str(cfg)]) == 0  # uses the key file written above
    (tmp_path / "r.csv").write_text(REPORTS.format(rid="L-1", rid2="L-2"))
    (tmp_path / "m.csv").write_text(MENTIONS.format(rid="L-1"))
    assert main(["node", "import", "--config", str(cfg), str(tmp_path / "r.csv"), str(tmp_path / "m.csv")]) == 0
    capsys.readouterr()
    assert main(["node", "share", "--config", str(cfg), "L-2", "--tlp", "GREEN"]) == 0
    out = capsys.readouterr().out
    assert "delivery: acknowledged; 0 item(s) left" in out and "Sam" not in out
    assert main(["node", "sync", "--config", str(cfg), "--timeout", "0.3"]) == 0
    assert main(["node", "withdraw", "--config", str(cfg), "L-2"]) == 0
    assert ": withdrawn" in capsys.readouterr().out
    assert main(["node", "matches", "--config", str(cfg), "--json"]) == 0
    assert capsys.readouterr().out.strip().startswith("[")
