"""``msin demo`` end to end: the whole network as real processes, what each party sees,
and a privacy sweep of everything the network wrote outside the members' stores."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from msin_fed.cli import main
from msin_fed.demo import dataset
from msin_fed.demo.run import DemoResult, run_demo
from msin_fed.demo.sweep import Needle, files_to_sweep, needles_from_mentions, sweep
from msin_fed.proto import coordinator_pb2 as pb

pytestmark = pytest.mark.slow


@dataclass
class DemoRun:
    result: DemoResult
    output: list[str]
    root: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    root = tmp_path_factory.mktemp("demo") / "network"
    output: list[str] = []
    result = run_demo(keep=root, out=output.append)
    yield DemoRun(result, output, root)


def _matched(run: DemoRun, member: str) -> set[str]:
    return {m["report_id"] for m in run.result.members[member].matches}


def test_demo_reports_its_time_and_stops_everything(demo: DemoRun) -> None:
    # How long it takes is a benchmark's business (a loaded machine doubles it); that it
    # measured itself and stopped every process is this test's.
    assert demo.result.seconds > 0
    assert any("every process stopped" in line for line in demo.output)
    assert not list(demo.root.rglob("*.pid"))


def test_every_member_shared_everything(demo: DemoRun) -> None:
    assert {m: v.shared for m, v in demo.result.members.items()} == {m: 12 for m in dataset.MEMBERS}


def test_gangmaster_is_linked_across_members(demo: DemoRun) -> None:
    # Name, date of birth and phone (two phone formats) at the grower and the labour provider.
    assert "FG-2026-001" in _matched(demo, "fenland_growers")
    assert "BS-2026-001" in _matched(demo, "brightstaff")


def test_gangmaster_phone_alone_links_the_supermarket(demo: DemoRun) -> None:
    # One phone in three formats, held by five records at three members, nothing else shared.
    assert {"FM-2026-001", "FM-2026-005"} <= _matched(demo, "freshmart")
    assert "BS-2026-012" in _matched(demo, "brightstaff")


def test_labour_provider_is_linked(demo: DemoRun) -> None:
    # Company number with and without its leading zero, sort code and account in two
    # layouts, the recruitment e-mail.
    assert {"FG-2026-002", "FG-2026-010"} <= _matched(demo, "fenland_growers")
    assert {"BS-2026-002", "BS-2026-006"} <= _matched(demo, "brightstaff")
    assert {"FM-2026-003", "FM-2026-011"} <= _matched(demo, "freshmart")


def test_enforcer_written_with_and_without_diacritics_is_linked(demo: DemoRun) -> None:
    assert "FG-2026-004" in _matched(demo, "fenland_growers")
    assert "BS-2026-003" in _matched(demo, "brightstaff")


def test_packhouse_site_is_linked(demo: DemoRun) -> None:
    assert "FG-2026-006" in _matched(demo, "fenland_growers")
    assert "FM-2026-009" in _matched(demo, "freshmart")


def test_namesakes_are_not_matched(demo: DemoRun) -> None:
    # Two different John Smiths; a picker sharing the gangmaster's name only; "Ana
    # Ionescu" known by name alone at three members.
    assert not {"FM-2026-004", "FM-2026-006"} & _matched(demo, "freshmart")
    assert not {"BS-2026-004", "BS-2026-007"} & _matched(demo, "brightstaff")
    assert not {"FG-2026-005", "FG-2026-012"} & _matched(demo, "fenland_growers")


def test_members_never_learn_who_the_others_are(demo: DemoRun) -> None:
    for member, view in demo.result.members.items():
        assert view.matches
        for match in view.matches:
            assert match["other_member_ids"] == []
            assert match["other_members"] >= 1
    start = next(i for i, line in enumerate(demo.output) if line.startswith("What each member sees"))
    end = next(i for i, line in enumerate(demo.output) if line.startswith("What STTG's analyst sees"))
    member_section = "\n".join(demo.output[start + 2 : end - 1])
    for member in dataset.MEMBERS:
        own_heading = f"\n{member}: shared"
        others = [m for m in dataset.MEMBERS if m != member]
        block = member_section.split(own_heading, 1)[1].split("\n\n", 1)[0]
        assert not any(other in block for other in others)


def test_analyst_sees_cross_member_clusters_with_redacted_narratives(demo: DemoRun) -> None:
    clusters = demo.result.clusters
    assert len(clusters) >= 3
    for cluster in clusters:
        assert cluster.members >= 2
        assert len({r.member_id for r in cluster.records}) == cluster.members
        for record in cluster.records:
            assert record.narrative
    narratives = " ".join(r.narrative for c in clusters for r in c.records)
    assert "<PERSON_" in narratives and "<PHONE_" in narratives


def test_alert_reaches_every_member_and_only_its_owner_sees_its_report(demo: DemoRun) -> None:
    alert_id = demo.result.alert_id
    assert alert_id
    for member, view in demo.result.members.items():
        alerts = [a for a in view.alerts if a["alert_id"] == alert_id]
        assert len(alerts) == 1, member
        expected_own = dataset.ALERT_REPORT if member == dataset.ALERT_MEMBER else None
        assert (alerts[0]["own_report_id"] or None) == expected_own


def test_members_hold_audit_checkpoints_that_verify_the_coordinators_chain(
    demo: DemoRun, capsys: pytest.CaptureFixture[str]
) -> None:
    member = dataset.MEMBERS[0]
    capsys.readouterr()
    node_config = demo.root / "nodes" / member / "node.toml"
    assert main(["node", "checkpoints", "--config", str(node_config), "--json"]) == 0
    exported = demo.root / f"{member}-checkpoints.json"
    exported.write_text(capsys.readouterr().out)
    assert json.loads(exported.read_text())["checkpoints"], "no checkpoint reached the member"
    config = demo.root / "coordinator" / "coordinator.toml"
    assert main(["coordinator", "audit", "verify", "--config", str(config), "--checkpoints", str(exported)]) == 0
    assert "audit log intact" in capsys.readouterr().out


# ------------------------------------------------------------------ privacy sweep

#: Known redaction defect (msin_fed.redaction, not this suite): a sort code and account
#: written as one run of 14 digits ("20457741234567", report FG-2026-010) is neither
#: redacted, although it is on the record's deny-list, nor refused by the verifier.



def _needles() -> list[Needle]:
    needles = needles_from_mentions([dataset.data_files(m)[1] for m in dataset.MEMBERS])
    # Who told each member ("reporter") never leaves the node either: sweep the
    # specific ones (generic job titles also occur in narratives).
    for member in dataset.MEMBERS:
        with dataset.data_files(member)[0].open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if "," in row["reporter"]:
                    needles.append(Needle("reporter", "as written", row["reporter"]))
    return needles


def test_privacy_sweep_finds_no_plaintext_identifier(demo: DemoRun) -> None:
    files = files_to_sweep(demo.root)
    assert any(p.name == "shared.db" for p in files)
    assert sum(1 for p in files if p.suffix == ".log") >= 8
    assert any(p.name.endswith(".share.json") for p in files)
    needles = _needles()
    findings = sweep(files, needles)
    # The demo's own output (what it printed) must not show identifiers either.
    printed = "\n".join(demo.output).casefold()
    findings_printed = [n for n in needles if n.text.casefold() in printed]
    unexpected = [str(f) for f in findings]
    unexpected += [f"demo output: {n.kind} ({n.label})" for n in findings_printed]
    assert not unexpected
    # The demo's own sweep (what `msin demo` reports and fails on) agrees.
    demo_unexpected = list(demo.result.privacy_findings)
    assert not demo_unexpected
    assert demo.result.swept_files >= 20


def test_shared_database_holds_tokens_not_inputs(demo: DemoRun) -> None:
    import sqlite3

    conn = sqlite3.connect(f"file:{demo.root / 'coordinator' / 'shared.db'}?mode=ro", uri=True)
    try:
        values = [bytes(v) for (v,) in conn.execute("select value from tokens")]
    finally:
        conn.close()
    assert values and all(len(v) == 64 for v in values)
    assert not any(v.startswith((b"phone:", b"vehicle:", b"email:")) for v in values)


def test_cluster_kinds_are_known(demo: DemoRun) -> None:
    assert {c.kind for c in demo.result.clusters} <= {"perpetrator", "site"}
    assert all(isinstance(c, pb.Cluster) for c in demo.result.clusters)


def test_one_case_goes_from_match_to_outcome_and_each_party_view_is_shown(demo: DemoRun) -> None:
    case = demo.result.case
    assert case is not None and case.case_id and len(case.members) >= 2
    steps = [step for step, _party, _what in case.seen]
    assert steps[0] == "open" and steps[-1] == "outcome"
    assert {"discussion", "contact", "advisory", "escalation"} <= set(steps)
    first, second = case.members[0], case.members[1]
    contacts = {party: what for step, party, what in case.seen if step == "contact"}
    assert contacts[first].startswith(second) and contacts[second].startswith(first)
    for third in case.members[2:]:
        assert contacts[third] == "no other member revealed"  # it declined
    for step, party, what in case.seen:
        if step == "discussion" and party in case.members:
            assert not any(other in what for other in case.members if other != party)
    assert case.stix_objects > 3
    assert any("what each party saw" in line for line in demo.output)


def test_output_explains_its_words(demo: DemoRun) -> None:
    from msin_fed.token_inputs import KIND_LABELS

    text = "\n".join(demo.output)
    # Token kinds in plain English, never the internal names.
    labels = set(KIND_LABELS.values())
    said = []
    for line in demo.output:
        found = re.search(r"other member\(s\) on (.+)$", line) or re.search(r"linked on (.+), \d{4}-\d\d\.\.", line)
        if found:
            said += found.group(1).split(", ")
    assert said and set(said) <= labels, set(said) - labels
    assert "phone number" in said and "name and date of birth" in said
    # One line on what the grades shown and the TLP mean, from the library's vocabulary.
    assert "1AP: reliable source; known directly to the source; lawful sharing permitted" in text
    assert "TLP:AMBER: only on a need-to-know basis" in text
    # Each member's reports in the order of their ids.
    for member in dataset.MEMBERS:
        start = next(i for i, line in enumerate(demo.output) if line.startswith(f"\n{member}: shared"))
        ids = []
        for line in demo.output[start + 1:]:
            if not line.startswith("  report "):
                break
            ids.append(line.split()[1].rstrip(":"))
        assert ids and ids == sorted(ids, key=lambda r: [int(p) if p.isdigit() else p for p in r.split("-")]), ids


def test_every_private_key_the_demo_wrote_is_owner_only(demo: DemoRun) -> None:
    import stat

    names = ("key.pem", "signing.key", "sealing.key", "ca.key", "roster-signing.key", "checkpoint.key", "store.key")
    keys = [p for p in demo.root.rglob("*") if p.is_file() and (p.name in names or p.name.endswith(".share.json"))]
    assert len(keys) > 10
    assert {str(p.relative_to(demo.root)): oct(stat.S_IMODE(p.stat().st_mode)) for p in keys
            if stat.S_IMODE(p.stat().st_mode) != 0o600} == {}
