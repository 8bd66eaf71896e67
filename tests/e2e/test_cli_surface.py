"""Every analyst and node command of the CLI surface, run as real ``msin`` processes against
a real coordinator and three key holders over mutual TLS (and the same as library calls).

One network for the module: members alpha and beta import reports, share them in bulk
(alpha by ``msin node share --all``, beta by ``Node.share_many``), and the analyst reads
clusters, alerts, actions and the audit log with ``msin analyst``.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import grpc
import pytest
from e2e_net import eventually

from msin_fed import pki
from msin_fed.analyst import AnalystClient
from msin_fed.demo.network import ANALYST_NAME, COORDINATOR_NAME, LocalNetwork
from msin_fed.errors import ConfigError, RemoteError
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.views import ActionOutcome

PHONE_SHARED = "07700 900456"  # alpha-1 and beta-1: one perpetrator
PHONE_ALPHA = "07700 900457"
PHONE_BETA = "07700 900458"
NAME_ONLY = ("Mariana", "Ionescu")
LEAKY = "The letter shown to the picker had 448812 at the top."  # verification refuses it
REPORTER = "Pat Whistleblower"
PLAINTEXT = (PHONE_SHARED, PHONE_ALPHA, PHONE_BETA, "07700900456", "+447700900456", *NAME_ONLY, REPORTER)

REPORTS = ["report_id", "narrative", "region", "sector", "exploitation_type", "month", "grade",
           "indicators", "victims_count", "time_sensitive", "reporter"]
MENTIONS = ["record_id", "given_name", "family_name", "phone"]


def _files(directory: Path, rows: list[tuple[str, str, str, bool, tuple[str, str, str]]]) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    reports, mentions = directory / "reports.csv", directory / "mentions.csv"
    with reports.open("w", newline="") as rh, mentions.open("w", newline="") as mh:
        rw, mw = csv.writer(rh), csv.writer(mh)
        rw.writerow(REPORTS)
        mw.writerow(MENTIONS)
        for rid, narrative, grade, urgent, mention in rows:
            rw.writerow([rid, narrative, "TLF", "packhouse", "labour_multiple_exploiters", "2026-05", grade,
                         "withholding_of_wages", "4", "true" if urgent else "false", REPORTER])
            if any(mention):
                mw.writerow([rid, *mention])
    return reports, mentions


def _driver(phone: str) -> str:
    return f"Workers said their wages are collected by a driver on {phone}, who keeps part against a debt."


def msin(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """One real ``msin`` process."""
    return subprocess.run([sys.executable, "-m", "msin_fed.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


def ok(*args: str) -> str:
    done = msin(*args)
    assert done.returncode == 0, f"msin {' '.join(args)}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@dataclass
class Net:
    net: LocalNetwork
    alpha: Path
    beta: Path
    analyst: Path
    share_all: subprocess.CompletedProcess[str]
    outbox_before_sync: list[dict[str, object]]
    redactor_loads: int

    def records(self, member: str) -> dict[str, str]:
        node = self.net.open_node(member)
        try:
            return {s.report_id: s.record_id for s in node.shares()}
        finally:
            node.close()


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    root = tmp_path_factory.mktemp("surface")
    network = LocalNetwork(root / "net", members=["alpha", "beta"])
    try:
        network.create_pki()
        network.deal_keys()
        network.start_keyholders()
        network.start_coordinator()
        alpha = network.configure_node("alpha").config
        beta = network.configure_node("beta").config
        analyst = network.configure_analyst()
        a_reports, a_mentions = _files(root / "alpha-in", [
            ("alpha-1", _driver(PHONE_SHARED), "1AP", True, ("", "", PHONE_SHARED)),
            ("alpha-2", _driver(PHONE_ALPHA), "2BP", False, ("", "", PHONE_ALPHA)),
            ("alpha-3", f"{' '.join(NAME_ONLY)} was seen at the farm gate asking about work.", "2BP", False,
             (*NAME_ONLY, "")),
            ("alpha-4", LEAKY, "2BP", False, ("", "", "")),
        ])
        b_reports, b_mentions = _files(root / "beta-in", [
            ("beta-1", _driver(PHONE_SHARED), "2BP", False, ("", "", PHONE_SHARED)),
            ("beta-2", _driver(PHONE_BETA), "2BP", False, ("", "", PHONE_BETA)),
        ])
        ok("node", "init", "--config", str(alpha))
        ok("node", "init", "--config", str(beta))
        ok("node", "import", "--config", str(alpha), str(a_reports), str(a_mentions))
        ok("node", "import", "--config", str(beta), str(b_reports), str(b_mentions))

        share_all = msin("node", "share", "--all", "--tlp", "AMBER", "--no-sync", "--config", str(alpha))
        outbox = json.loads(ok("node", "outbox", "--json", "--config", str(alpha)))

        # beta through the library, counting how often the redaction pipeline is built.
        import msin_fed.redaction as redaction

        loads = 0
        real = redaction.Redactor

        class Counting(real):  # type: ignore[misc,valid-type]
            def __init__(self, *args: object, **kwargs: object) -> None:
                nonlocal loads
                loads += 1
                super().__init__(*args, **kwargs)

        redaction.Redactor = Counting  # type: ignore[misc]
        try:
            node = network.open_node("beta")
            with node:
                outcomes = node.share_many(None, tlp="GREEN")
                assert [o.status for o in outcomes] == ["shared", "shared"]
        finally:
            redaction.Redactor = real  # type: ignore[misc]

        ok("node", "sync", "--config", str(alpha))
        ok("node", "sync", "--config", str(beta))
        client = AnalystClient.from_config(analyst)
        with client:
            eventually(lambda: any(c.members == 2 for c in client.clusters()), 30, "the alpha-beta cluster")
        yield Net(network, alpha, beta, analyst, share_all, outbox, loads)
    finally:
        network.stop()


def test_version_is_the_installed_distributions() -> None:
    assert ok("--version").strip() == f"msin {version('msin-fed')}"


def test_share_all_reports_each_report_and_loads_the_pipeline_once(net: Net) -> None:
    done = net.share_all
    assert done.returncode == 3, done.stderr  # one report refused by verification
    out = done.stdout
    assert "alpha-1: shared as record" in out and "alpha-2: shared as record" in out
    assert "alpha-3: shared as record r" in out and "(0 token(s))" in out
    assert "warning: no identifier in this report yields a token (a name alone never does)" in out
    assert "alpha-4: REFUSED: redaction verification found residue: " in out and "ID_NUMBER" in out
    assert "3 shared, 0 already shared, 1 refused by verification, 0 failed" in out
    # Not a terminal: plain progress lines on stderr, one per report.
    progress = [line for line in done.stderr.splitlines() if line.startswith("sharing ")]
    assert progress == ["sharing 1/4: alpha-1 shared", "sharing 2/4: alpha-2 shared",
                        "sharing 3/4: alpha-3 shared", "sharing 4/4: alpha-4 refused"]
    for value in PLAINTEXT:
        assert value not in out and value not in done.stderr
    # --no-sync: three submissions queued, none sent.
    assert [(o["op"], o["report_id"], o["attempts"]) for o in net.outbox_before_sync] == [
        ("submit", "alpha-1", 0), ("submit", "alpha-2", 0), ("submit", "alpha-3", 0)]
    assert net.redactor_loads == 1  # beta's two reports: one pipeline

    again = msin("node", "share", "alpha-1", "alpha-4", "--tlp", "AMBER", "--json", "--config", str(net.alpha))
    assert again.returncode == 3
    outcomes = {o["report_id"]: o for o in json.loads(again.stdout)}
    assert outcomes["alpha-1"]["status"] == "already_shared" and outcomes["alpha-1"]["record_id"]
    assert outcomes["alpha-4"]["status"] == "refused"
    missing = msin("node", "share", "alpha-1", "nope", "--tlp", "AMBER", "--config", str(net.alpha))
    assert missing.returncode == 1 and "nope: FAILED: no report with this id is stored" in missing.stdout
    both = msin("node", "share", "alpha-1", "--all", "--tlp", "AMBER", "--config", str(net.alpha))
    assert both.returncode == 2 and "not both" in both.stderr


def test_node_reports_status_outbox(net: Net) -> None:
    states = {r["report_id"]: r for r in json.loads(ok("node", "reports", "--json", "--config", str(net.alpha)))}
    assert states["alpha-1"]["share_state"] == "acknowledged" and states["alpha-1"]["tlp"] == "AMBER"
    assert states["alpha-4"]["share_state"] == "not shared" and states["alpha-4"]["record_id"] is None
    assert states["alpha-1"]["grade"] == "1AP" and states["alpha-1"]["mentions"] == 1
    assert states["alpha-4"]["mentions"] == 0
    ok("node", "sync", "--config", str(net.alpha))
    text = ok("node", "reports", "--config", str(net.alpha))
    assert "alpha-1: 2026-05 TLF packhouse" in text and "acknowledged as r" in text
    assert "matches 1 other member(s)" in text.splitlines()[0]

    status = json.loads(ok("node", "status", "--json", "--config", str(net.alpha)))
    assert status["member_id"] == "alpha" and status["reports"] == 4
    assert status["shares"] == {"acknowledged": 3} and status["outbox"] == 0
    assert status["active_matches"] == 1 and status["checkpoints"] >= 1
    text = ok("node", "status", "--config", str(net.alpha))
    assert "member: alpha" in text and "shares: 3 acknowledged" in text and "outbox: 0 waiting" in text
    assert ok("node", "outbox", "--config", str(net.alpha)).strip() == "outbox empty"
    for out in (text, ok("node", "reports", "--config", str(net.alpha))):
        for value in PLAINTEXT:
            assert value not in out


def test_analyst_clusters_with_filters(net: Net) -> None:
    cfg = str(net.analyst)
    found = json.loads(ok("analyst", "clusters", "--json", "--config", cfg))
    (cluster,) = [c for c in found if c["members"] == 2]
    assert cluster["kind"] == "perpetrator" and "phone" in cluster["matched_kinds"]
    assert {r["member_id"] for r in cluster["records"]} == {"alpha", "beta"}
    text = ok("analyst", "clusters", "--config", cfg)
    assert f"{cluster['cluster_id']}: perpetrator, 2 record(s) of 2 member(s) (alpha, beta); linked on" in text
    # Filters: each one that excludes, and ones that keep it.
    for args in (["--kind", "site"], ["--min-members", "3"], ["--region", "Wales"], ["--since", "2026-06"],
                 ["--matched-kind", "email"], ["--sector", "hospitality"]):
        assert json.loads(ok("analyst", "clusters", "--json", *args, "--config", cfg)) == [], args
    kept = ok("analyst", "clusters", "--json", "--region", "East Midlands", "--min-members", "2",
              "--since", "2026-05", "--matched-kind", "phone", "--kind", "perpetrator", "--config", cfg)
    assert [c["cluster_id"] for c in json.loads(kept)] == [cluster["cluster_id"]]
    bad = msin("analyst", "clusters", "--region", "Atlantis", "--config", cfg)
    assert bad.returncode == 2 and "region" in bad.stderr
    bad = msin("analyst", "clusters", "--since", "May 2026", "--config", cfg)
    assert bad.returncode == 1 and "INVALID_ARGUMENT" in bad.stderr and "since_month" in bad.stderr
    for value in PLAINTEXT:
        assert value not in text


def test_analyst_cluster_alerts_actions_and_node_alert_and_actions(net: Net) -> None:
    cfg = str(net.analyst)
    alpha_records, beta_records = net.records("alpha"), net.records("beta")
    (cluster,) = [c for c in json.loads(ok("analyst", "clusters", "--json", "--config", cfg)) if c["members"] == 2]
    cid = cluster["cluster_id"]

    # A member raises an alert on its own urgent report; the analyst on the same record.
    out = ok("node", "alert", "raise", "alpha-1", "--summary", "Wages taken by a driver; workers at risk now.",
             "--config", str(net.alpha))
    member_alert = out.split()[1]
    assert out.startswith(f"alert {member_alert} raised on alpha-1")
    # The coordinator checks summaries like narratives: a refusal exits 3 and names the type.
    refused = msin("analyst", "alert", "raise", alpha_records["alpha-1"], "--summary",
                   "Ion Popescu drives the van.", "--config", cfg)
    assert refused.returncode == 3 and "PERSON" in refused.stderr and "Popescu" not in refused.stderr
    out = ok("analyst", "alert", "raise", alpha_records["alpha-1"], "--summary", "A second packhouse is affected.",
             "--config", cfg)
    analyst_alert = out.split()[1]
    not_urgent = msin("analyst", "alert", "raise", beta_records["beta-1"], "--summary", "x y z", "--config", cfg)
    assert not_urgent.returncode == 1 and "FAILED_PRECONDITION" in not_urgent.stderr
    assert "not graded actionable and time-sensitive" in not_urgent.stderr
    alerts = json.loads(ok("analyst", "alerts", "--json", "--config", cfg))
    assert [a["alert_id"] for a in alerts][:2] == [analyst_alert, member_alert]  # newest first
    assert alerts[0]["raised_by_role"] == "analyst" and alerts[1]["raised_by_role"] == "member"
    assert alerts[0]["grade"] == "1AP" and alerts[0]["tlp"] == "AMBER" and alerts[0]["region"] == "TLF"
    only = json.loads(ok("analyst", "alerts", "--json", "--record", beta_records["beta-1"], "--config", cfg))
    assert only == []

    # Actions: alpha on its match, the analyst on the member's alert; beta sees none of them.
    out = ok("node", "action", "record", "--outcome", "investigated", "--report", "alpha-1",
             "--date", "2026-06-02", "--config", str(net.alpha))
    member_action = out.split()[1]
    out = ok("analyst", "action", "record", "--outcome", "referred_to_glaa", "--alert", member_alert, "--config", cfg)
    analyst_action = out.split()[1]
    bad = msin("node", "action", "record", "--outcome", "prayed", "--report", "alpha-1", "--config", str(net.alpha))
    assert bad.returncode == 2 and "outcome" in bad.stderr and "investigated" in bad.stderr
    bad = msin("node", "action", "record", "--outcome", "investigated", "--report", "alpha-4", "--config",
               str(net.alpha))
    assert bad.returncode == 2 and "not shared" in bad.stderr
    mine = json.loads(ok("node", "actions", "--json", "--config", str(net.alpha)))
    assert [(a["action_id"], a["outcome"], a["date"], a["recorded_by"]) for a in mine] == [
        (member_action, "investigated", "2026-06-02", "alpha")]
    assert f"{member_action} 2026-06-02 investigated about report alpha-1" in ok(
        "node", "actions", "--config", str(net.alpha))
    assert json.loads(ok("node", "actions", "--json", "--config", str(net.beta))) == []
    every = json.loads(ok("analyst", "actions", "--json", "--config", cfg))
    assert [a["action_id"] for a in every][:2] == [analyst_action, member_action]
    assert every[0]["recorded_by"] == ANALYST_NAME and every[0]["alert_id"] == member_alert
    about = json.loads(ok("analyst", "actions", "--json", "--alert", member_alert, "--config", cfg))
    assert [a["action_id"] for a in about] == [analyst_action]

    # One cluster in full: records with redacted narratives, alerts, actions, a time line.
    detail = json.loads(ok("analyst", "cluster", cid, "--json", "--config", cfg))
    records = {r["record_id"]: r for r in detail["cluster"]["records"]}
    assert set(records) == {alpha_records["alpha-1"], beta_records["beta-1"]}
    assert "<PHONE" in records[alpha_records["alpha-1"]]["narrative"]
    assert records[alpha_records["alpha-1"]]["grade"] == "1AP" and records[alpha_records["alpha-1"]]["shared_at"]
    assert {a["alert_id"] for a in detail["alerts"]} == {member_alert, analyst_alert}
    assert {a["action_id"] for a in detail["actions"]} == {member_action, analyst_action}
    steps = [(s["what"], s["by"]) for s in detail["timeline"]]
    assert steps.count(("shared", "alpha")) == 1 and steps.count(("shared", "beta")) == 1
    assert ("alert", "member") in steps and ("action", ANALYST_NAME) in steps
    assert [s["at"] for s in detail["timeline"]] == sorted(s["at"] for s in detail["timeline"])
    text = ok("analyst", "cluster", cid, "--config", cfg)
    assert f"cluster {cid}: perpetrator; 2 member(s)" in text and "time line:" in text
    assert "alerts: 2; actions: 2" in text
    gone = msin("analyst", "cluster", "no-such-cluster", "--config", cfg)
    assert gone.returncode == 1 and "NOT_FOUND" in gone.stderr
    for out in (text, json.dumps(detail), json.dumps(alerts), json.dumps(every)):
        for value in PLAINTEXT:
            assert value not in out


def test_analyst_audit_shows_entries_and_verification(net: Net) -> None:
    cfg = str(net.analyst)
    page = json.loads(ok("analyst", "audit", "--json", "--limit", "1000", "--config", cfg))
    assert page["status"]["ok"] is True and "head file" in page["status"]["anchors"]
    actions = {e["action"] for e in page["entries"]}
    assert {"intake", "disclose_clusters"} <= actions
    assert [e["seq"] for e in page["entries"]] == list(range(1, len(page["entries"]) + 1))
    assert page["head_seq"] >= len(page["entries"])
    later = json.loads(ok("analyst", "audit", "--json", "--after", "2", "--limit", "3", "--config", cfg))
    assert [e["seq"] for e in later["entries"]] == [3, 4, 5]
    text = ok("analyst", "audit", "--limit", "2", "--config", cfg)
    assert "entries 1-2 of" in text and "audit log intact" in text


def test_roles_are_read_from_certificates(net: Net, tmp_path: Path) -> None:
    # A member's certificate in an analyst configuration: refused before any call.
    cfg = tmp_path / "as-member.toml"
    cfg.write_text(f'[analyst]\nidentity_dir = "{net.net.identity_dir("alpha")}"\n'
                   f'[coordinator]\naddress = "{net.net.coordinator_address}"\nname = "{COORDINATOR_NAME}"\n')
    done = msin("analyst", "clusters", "--config", str(cfg))
    assert done.returncode == 2 and "analyst certificate" in done.stderr
    with pytest.raises(ConfigError):
        AnalystClient.from_config(cfg)
    # And at the coordinator: a member calling the analyst-only methods directly.
    channel = pki.secure_channel(net.net.coordinator_address, net.net.identity("alpha"), role="coordinator",
                                 name=COORDINATOR_NAME)
    stub = pb_grpc.CoordinatorStub(channel)  # type: ignore[no-untyped-call]
    try:
        for method, request in (("GetAudit", pb.GetAuditRequest()), ("ListAlerts", pb.ListAlertsRequest()),
                                ("GetCluster", pb.GetClusterRequest(cluster_id="x"))):
            with pytest.raises(grpc.RpcError) as caught:
                getattr(stub, method)(request, timeout=15)
            assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED, method
    finally:
        channel.close()


def test_unreachable_coordinator_is_named(net: Net, tmp_path: Path) -> None:
    from msin_fed.demo.processes import free_port

    address = f"127.0.0.1:{free_port()}"
    cfg = tmp_path / "nowhere.toml"
    cfg.write_text(f'[analyst]\nidentity_dir = "{net.net.identity_dir(ANALYST_NAME)}"\ntimeout = 3\n'
                   f'[coordinator]\naddress = "{address}"\nname = "{COORDINATOR_NAME}"\n')
    done = msin("analyst", "alerts", "--config", str(cfg))
    assert done.returncode == 1 and address in done.stderr and "UNAVAILABLE" in done.stderr
    with AnalystClient.from_config(cfg) as client, pytest.raises(RemoteError) as caught:
        client.audit_status()
    assert caught.value.code == "UNAVAILABLE" and address in str(caught.value)


def test_library_surface_returns_typed_views(net: Net) -> None:
    from msin_fed.views import ActionInfo, AuditStatus, Cluster, ClusterDetail

    with AnalystClient.from_config(net.analyst) as client:
        clusters = client.clusters(min_members=2)
        assert clusters and all(isinstance(c, Cluster) for c in clusters)
        detail = client.cluster(clusters[0].cluster_id)
        assert isinstance(detail, ClusterDetail) and detail.cluster.member_ids == ("alpha", "beta")
        assert isinstance(client.audit_status(), AuditStatus)
        action_id = client.record_action(ActionOutcome.VICTIMS_SUPPORTED, record_id=detail.cluster.records[0].record_id)
        (latest,) = client.actions(1)
        assert isinstance(latest, ActionInfo) and latest.action_id == action_id
        assert latest.outcome is ActionOutcome.VICTIMS_SUPPORTED
    node = net.net.open_node("beta")
    with node:
        (match,) = node.coordinator_matches()
        assert match.report_id == "beta-1" and match.other_members == 1 and "phone" in match.matched_kinds
        assert node.coordinator_matches("beta-1") == [match]
        assert node.status().shares == {"acknowledged": 2}


def test_other_listings_print_json(net: Net) -> None:
    usage = json.loads(ok("node", "usage", "--json", "--config", str(net.alpha)))
    assert sorted(usage) == ["kh1", "kh2", "kh3"]
    # Any 2 of the 3 holders evaluate: at least two counted alpha's tokens.
    assert sum(u["used"] > 0 for u in usage.values()) >= 2
    assert all(u["daily_budget"] >= u["used"] and u["resets_at"].endswith("Z") for u in usage.values())
    issued = json.loads(ok("ca", "list", str(net.net.ca_dir), "--json"))
    assert {(c["role"], c["name"], c["state"]) for c in issued} >= {
        ("member", "alpha", "valid"), ("analyst", ANALYST_NAME, "valid"), ("coordinator", COORDINATOR_NAME, "valid")}


def test_bulk_share_with_key_holders_down_fails_and_queues_nothing(net: Net, tmp_path: Path) -> None:
    # Last in the module: it stops two of the three key holders (threshold 2).
    reports, mentions = _files(tmp_path / "more", [
        ("alpha-5", _driver("07700 900459"), "2BP", False, ("", "", "07700 900459")),
        ("alpha-6", _driver("07700 900460"), "2BP", False, ("", "", "07700 900460")),
    ])
    ok("node", "import", "--config", str(net.alpha), str(reports), str(mentions))
    for slot in net.net.keyholders[:2]:
        slot.process.stop()
    done = msin("node", "share", "alpha-5", "alpha-6", "--tlp", "AMBER", "--no-sync", "--config", str(net.alpha))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "alpha-5: FAILED: tokens unavailable (" in done.stdout
    assert "alpha-6: FAILED: not attempted: tokens unavailable" in done.stdout
    assert "0 shared, 0 already shared, 0 refused by verification, 2 failed" in done.stdout
    assert ok("node", "outbox", "--config", str(net.alpha)).strip() == "outbox empty"
    states = {r["report_id"]: r["share_state"] for r in json.loads(ok("node", "reports", "--json", "--config",
                                                                        str(net.alpha)))}
    assert states["alpha-5"] == states["alpha-6"] == "not shared"


def test_progress_is_a_bar_on_a_terminal() -> None:
    import io

    from msin_fed.node import ShareOutcome

    from msin_fed.cli.node import _progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    update, close = _progress(screen)
    for i, rid in enumerate(("A", "B", "C"), 1):
        update(i, 3, ShareOutcome(rid, "shared"))
    close()
    text = screen.getvalue()
    assert "\r" in text and "3/3" in text and "100%" in text and "C: shared" in text
    assert "sharing 1/3" not in text  # the bar, not the plain lines
    plain = io.StringIO()
    update, close = _progress(plain)
    update(1, 2, ShareOutcome("A", "refused"))
    close()
    assert plain.getvalue() == "sharing 1/2: A refused\n"
