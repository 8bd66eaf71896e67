"""``msin demo``: run the bundled data set through a whole local network and show the result.

Steps (each printed as it happens, with the time since the start):

1. a network CA and one certificate per process;
2. the token key dealt 2-of-3; a membership roster of the demo members signed by two
   of the three key holders and installed at each; coordinator (SQLite) and three key
   holders started as separate processes on loopback, mutual TLS, and waited for;
3. three member nodes configured and started (``msin node run``: outbox delivery and
   the event subscription);
4. each member imports its reports and shares every one of them;
5. wait until the coordinator has every record and matching has settled;
6. print what each member sees (its matches, never who the other members are), what the
   analyst sees (clusters with redacted narratives), then raise an alert as the analyst
   on the record graded actionable and time-sensitive and wait until every member's
   node has received it;
7. take the largest cluster through a case from match to outcome
   (:mod:`msin_fed.demo.case_story`) and print what each party saw at each step;
8. with ``serve``, keep the network running and print every address and file until
   SIGINT (Ctrl-C) or SIGTERM;
9. stop every process; remove the directory unless ``keep`` was given.

The output explains its words: token kinds in plain English
(:data:`~msin_fed.token_inputs.KIND_LABELS`), each grade and TLP shown with its meaning
(:meth:`~msin_fed.model.Grade.describe`, :meth:`~msin_fed.model.Tlp.describe`), reports
in the order of their ids.

Any failing step raises :class:`~msin_fed.demo.processes.DemoError` with a clear message
after everything has been stopped.
"""

from __future__ import annotations

import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from msin_fed.demo import dataset
from msin_fed.demo.case_story import CaseStory, play_case
from msin_fed.demo.network import ANALYST_NAME, COORDINATOR_NAME, LocalNetwork, wait_until
from msin_fed.demo.processes import DemoError
from msin_fed.demo.sweep import files_to_sweep, needles_from_mentions, sweep
from msin_fed.errors import ValidationError
from msin_fed.model import Grade, Tlp
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.token_inputs import describe_kinds

__all__ = ["DEMO_TLP", "DemoResult", "MemberView", "run_demo", "serving_lines", "start_consoles"]

T = TypeVar("T")

_GRADE_SOURCE = {1: "1", 2: "2", 3: "3"}
_GRADE_ASSESSMENT = {1: "A", 2: "B", 3: "C", 4: "D", 5: "E"}
_GRADE_HANDLING = {1: "P", 2: "C"}


@dataclass
class MemberView:
    """What one member's node reports: its matches and the alerts it received."""

    member: str
    shared: int = 0
    matches: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DemoResult:
    """The outcome of a demo run, for tests and for printing."""

    root: Path
    seconds: float = 0.0
    members: dict[str, MemberView] = field(default_factory=dict)
    clusters: list[pb.Cluster] = field(default_factory=list)
    alert_id: str = ""
    #: The case taken from match to outcome, and what each party saw.
    case: CaseStory | None = None
    #: What the privacy sweep found (file, identifier kind and form; never the value).
    privacy_findings: list[str] = field(default_factory=list)
    swept_files: int = 0


#: The TLP every demo report is shared with.
DEMO_TLP = Tlp.AMBER


def _grade(g: pb.Grade) -> str:
    return (
        _GRADE_SOURCE.get(g.source, "?") + _GRADE_ASSESSMENT.get(g.assessment, "?")
        + _GRADE_HANDLING.get(g.handling, "?")
    )


def _natural(text: str) -> list[Any]:
    """Sort key putting R2 before R10: digit runs compared as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text or "")]


def _grade_meaning(text: str) -> str:
    try:
        return Grade.parse(text).describe()
    except ValidationError:
        return f"{text}: not a 3x5x2 grade"


class _Clock:
    def __init__(self, out: Callable[[str], None]) -> None:
        self.start = time.monotonic()
        self.out = out
        self._lock = threading.Lock()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def __call__(self, message: str) -> None:
        with self._lock:
            self.out(f"[{self.elapsed():5.1f}s] {message}")


def _parallel(items: Sequence[str], fn: Callable[[str], T]) -> list[T]:
    """Run ``fn`` for each item concurrently (each spawns a process); first error wins."""
    with ThreadPoolExecutor(max_workers=max(1, len(items))) as pool:
        return list(pool.map(fn, items))


class _Demo:
    def __init__(
        self, root: Path, members: Sequence[str], data: Callable[[str], tuple[Path, Path]],
        say: _Clock, timeout: float,
    ) -> None:
        self.net = LocalNetwork(root, members, progress=say)
        self.members = list(members)
        self.data = data
        self.say = say
        self.deadline = time.monotonic() + timeout
        self.result = DemoResult(root)

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DemoError("the demo ran out of time")
        return left

    # ---------------------------------------------------------------- steps

    def start_services(self) -> None:
        net = self.net
        net.create_pki()
        net.deal_keys()
        net.configure_coordinator()
        net.configure_keyholders()
        assert net.coordinator_process is not None
        # Start all four servers at once, then wait for each.
        net.coordinator_process.start()
        for slot in net.keyholders:
            slot.process.start()
        net.start_coordinator(timeout=min(60.0, self.remaining()))
        self.say(f"coordinator serving on {net.coordinator_address} (SQLite, mutual TLS)")
        net.start_keyholders()

    def prepare_nodes(self) -> None:
        net = self.net
        for member in self.members:
            net.configure_node(member)

        def init(member: str) -> None:
            net.node_cli(member, "init", timeout=self.remaining())

        _parallel(self.members, init)
        self.say(f"{len(self.members)} member node stores created (encrypted): {', '.join(self.members)}")

    def import_and_share(self) -> None:
        net = self.net

        def one(member: str) -> int:
            reports, mentions = self.data(member)
            summary = net.share_all(member, reports, mentions, tlp=DEMO_TLP.value, timeout=self.remaining())
            shared = len(summary["shared"])
            self.result.members[member] = MemberView(member, shared=shared)
            self.say(
                f"{member}: imported {summary['imported']} reports, shared {shared} "
                "(narratives redacted and verified, identifiers as blind tokens, signed)"
            )
            return shared

        self.expected_records = sum(_parallel(self.members, one))

    def start_nodes(self) -> None:
        for member in self.members:
            self.net.nodes[member].process.start()
        self.say(f"{len(self.members)} member nodes running (outbox delivery, event subscription)")

    def _outbox(self, member: str) -> int:
        with self.net.open_node(member) as node:
            return int(node.outbox_size())

    def wait_for_matching(self) -> None:
        """Every shared record delivered (node outboxes empty) and clusters stable."""
        net = self.net
        wait_until(lambda: all(self._outbox(m) == 0 for m in self.members),
                   timeout=min(60.0, self.remaining()), what="every node's outbox to drain", every=0.3,
                   network=net)
        self.say(f"coordinator acknowledged all {self.expected_records} shared records")
        previous: list[str] = []
        stable_since = time.monotonic()

        def settled() -> bool:
            nonlocal previous, stable_since
            clusters = net.list_clusters()
            shape = sorted(f"{c.cluster_id}:{len(c.records)}" for c in clusters)
            if shape != previous:
                previous, stable_since = shape, time.monotonic()
                self.result.clusters = clusters
                return False
            return bool(clusters) and time.monotonic() - stable_since > 1.0

        wait_until(settled, timeout=min(30.0, self.remaining()), what="cross-member matches", every=0.4,
                   network=net)
        self.say(f"matching settled: {len(self.result.clusters)} cross-member clusters")

    def _read_views(self) -> None:
        for member in self.members:
            with self.net.open_node(member) as node:
                view = self.result.members[member]
                view.matches = [
                    {"report_id": m.report_id, "other_members": m.other_members,
                     "matched_kinds": list(m.matched_kinds), "other_member_ids": list(m.other_member_ids),
                     "score": m.score}
                    for m in node.matches()
                ]
                view.alerts = [
                    {"alert_id": a.alert_id, "summary": a.summary, "own_report_id": a.own_report_id}
                    for a in node.alerts()
                ]

    def member_views(self) -> None:
        """Wait until every node's inbox holds a match for each of its clustered records."""
        clustered: dict[str, int] = {m: 0 for m in self.members}
        for cluster in self.result.clusters:
            for record in cluster.records:
                clustered[record.member_id] = clustered.get(record.member_id, 0) + 1

        def complete() -> bool:
            self._read_views()
            return all(len(self.result.members[m].matches) >= clustered[m] for m in self.members)

        wait_until(complete, timeout=min(30.0, self.remaining()), what="match events at every node",
                   every=0.4, network=self.net)
        counts = ", ".join(f"{m} {len(self.result.members[m].matches)}" for m in self.members)
        self.say(f"match events received by every node ({counts} matched reports)")

    def alert(self) -> None:
        net = self.net
        target = None
        for cluster in self.result.clusters:
            for record in cluster.records:
                if record.member_id == dataset.ALERT_MEMBER and _grade(record.grade) == "1AP":
                    target = record.record_id
        if target is None:
            raise DemoError("the record graded 1AP is in no cluster, so the analyst cannot see it")
        self.result.alert_id = net.raise_alert_as_analyst(
            target, "Workers at risk of being moved between sites this week by a known gangmaster; "
            "check labour-provider arrangements at sites in the region.",
        )
        self.say("analyst raised an alert on the record graded 1AP and time-sensitive")

        def everyone() -> bool:
            self._read_views()
            return all(
                any(a["alert_id"] == self.result.alert_id for a in self.result.members[m].alerts)
                for m in self.members
            )

        wait_until(everyone, timeout=min(30.0, self.remaining()), what="every member to receive the alert",
                   every=0.4, network=net)
        self.say(f"alert received by all {len(self.members)} members")


# -------------------------------------------------------------------- printing


def _print_legend(result: DemoResult, out: Callable[[str], None]) -> None:
    """One line for each grade and the TLP the output shows, from the library's vocabulary."""
    grades = sorted({_grade(r.grade) for c in result.clusters for r in c.records} | {"1AP"})
    out("")
    out("How to read what follows")
    out(f"  every report was shared marked {DEMO_TLP.describe()}")
    out("  a grade is the UK 3x5x2 intelligence grade: source (1-3), assessment (A-E), handling (P/C):")
    for grade in grades:
        out(f"    {_grade_meaning(grade)}")
    out("  'linked on' names the kinds of blind token two records share (never the values)")


def _print_result(result: DemoResult, out: Callable[[str], None]) -> None:
    _print_legend(result, out)
    out("")
    out("=" * 78)
    out("What each member sees (matches on its own reports; never who the others are)")
    out("=" * 78)
    for member, view in result.members.items():
        out(f"\n{member}: shared {view.shared} reports, {len(view.matches)} with matches")
        for m in sorted(view.matches, key=lambda m: _natural(str(m.get("report_id") or ""))):
            kinds = describe_kinds(m.get("matched_kinds", []), brief=True)
            out(
                f"  report {m.get('report_id', '?')}: matches {m.get('other_members', '?')} other member(s) "
                f"on {kinds or '?'}"
            )
    out("")
    out("=" * 78)
    out("What STTG's analyst sees (clusters across members, narratives redacted)")
    out("=" * 78)
    for cluster in result.clusters:
        out(
            f"\ncluster {cluster.cluster_id[:12]} ({cluster.kind}): {cluster.members} members, "
            f"{len(cluster.records)} records, linked on {describe_kinds(cluster.matched_kinds, brief=True)}, "
            f"{cluster.first_month}..{cluster.last_month}"
        )
        for record in sorted(cluster.records, key=lambda r: (r.member_id, r.month, r.record_id)):
            out(f"  - {record.member_id} {record.month} {record.sector} grade {_grade(record.grade)}")
            out(f"    {record.narrative}")
    out("")
    out("=" * 78)
    out("The alert, as every member received it (no personal data)")
    out("=" * 78)
    for member, view in result.members.items():
        alert = next((a for a in view.alerts if str(a.get("alert_id")) == result.alert_id), None)
        if alert is not None:
            own = f" (about its own report {alert['own_report_id']})" if alert.get("own_report_id") else ""
            out(f"  {member}: received alert {result.alert_id[:12]}{own}: {alert.get('summary', '')}")
    if result.case is not None:
        out("")
        out("=" * 78)
        out(f"One case from match to outcome ({result.case.case_id}): what each party saw")
        out("=" * 78)
        for step, party, what in result.case.seen:
            out(f"  {step:<11} {party:<16} {what}")


def run_demo(
    *,
    keep: Path | None = None,
    timeout: float = 180.0,
    members: Sequence[str] = dataset.MEMBERS,
    data: Callable[[str], tuple[Path, Path]] = dataset.data_files,
    out: Callable[[str], None] = print,
    show: bool = True,
    serve: bool = False,
) -> DemoResult:
    """Run the demo; return what each party saw. Raises DemoError when a step fails.

    With ``serve`` the network keeps running after the walkthrough, its addresses and
    files printed, until SIGINT or SIGTERM (call from the main thread); then every
    process is stopped as usual.
    """
    if keep is not None:
        if keep.exists() and any(keep.iterdir()):
            raise DemoError(f"--keep {keep}: the directory is not empty")
        keep.mkdir(parents=True, exist_ok=True)
        root = keep
    else:
        root = Path(tempfile.mkdtemp(prefix="msin-demo-"))
    say = _Clock(out)
    demo = _Demo(root, members, data, say, timeout)
    say(f"building a throwaway network in {root}")
    succeeded = False
    shown: list[str] = []
    printed = 0  # lines of `shown` already printed (while serving)
    try:
        demo.start_services()
        demo.prepare_nodes()
        demo.import_and_share()
        demo.start_nodes()
        demo.wait_for_matching()
        demo.member_views()
        demo.alert()
        demo.result.case = play_case(demo.net, demo.result.clusters, say, min(30.0, demo.remaining()))
        demo.result.seconds = say.elapsed()
        succeeded = True
        if serve:
            _print_result(demo.result, shown.append)
            shown.extend(serving_lines(demo.net, start_consoles(demo.net)))
            if show:
                for line in shown:
                    out(line)
                printed = len(shown)
            _serve_until_signalled(demo.net, say)
    except DemoError:
        raise
    except Exception as exc:  # a step failed in a way we did not foresee: still fail clearly
        raise DemoError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        demo.net.stop()
        if succeeded:
            if not serve:
                _print_result(demo.result, shown.append)
            _privacy_sweep(demo.result, root, [data(m)[1] for m in members], shown)
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)
    if show:
        for line in shown[printed:]:
            out(line)
        out("")
        if demo.result.privacy_findings:
            out(f"PRIVACY SWEEP FAILED: {len(demo.result.privacy_findings)} plaintext identifier form(s) found "
                "outside the members' encrypted stores:")
            for finding in demo.result.privacy_findings:
                out(f"  {finding}")
        else:
            out(f"privacy sweep: the coordinator's database, the key holders' files, {demo.result.swept_files} "
                "files in all with every log, and this output hold none of the members' identifiers")
        say(f"done in {demo.result.seconds:.1f}s; every process stopped"
            + (f"; files kept in {keep}" if keep else "; temporary directory removed"))
    return demo.result


def start_consoles(net: LocalNetwork) -> list[tuple[str, str]]:
    """Start the web consoles beside a served network; (what, address and sign-in) of each, to print.

    One node console per member (beside its ``msin node run``) and the analyst console,
    each a :class:`~msin_fed.demo.processes.Process` held in ``net.consoles`` (so that
    ``net.stop()`` ends it with the rest), each with a demo account
    (:func:`msin_fed.web.launch.start_demo_consoles`).
    """
    from msin_fed.web.launch import start_demo_consoles

    return start_demo_consoles(net)


def serving_lines(net: LocalNetwork, consoles: Sequence[tuple[str, str]] = ()) -> list[str]:
    """Every address of a running network, and where its configuration and identity files are."""
    def pid(process: Any) -> str:
        return f" (pid {process.pid})" if process is not None and process.pid is not None else ""

    lines = ["", "=" * 78, "The network keeps running: every process and where its files are", "=" * 78]
    lines.append(f"coordinator   {net.coordinator_address}{pid(net.coordinator_process)}")
    lines.append(f"  config {net.root / 'coordinator' / 'coordinator.toml'}; identity {net.identity_dir(COORDINATOR_NAME)}")
    for slot in net.keyholders:
        lines.append(f"key holder {slot.name} {slot.address}{pid(slot.process)}")
        lines.append(f"  config {slot.config}; identity {net.identity_dir(slot.name)}")
    for member, node in net.nodes.items():
        lines.append(f"node {member} (msin node run){pid(node.process)}")
        lines.append(f"  config {node.config}; identity {net.identity_dir(member)}")
    for what, address in consoles:
        lines.append(f"{what} {address}")
    lines.append(f"analyst identity {net.identity_dir(ANALYST_NAME)} (for the coordinator's analyst calls)")
    lines.append(f"network CA {net.ca_dir}; dealing {net.keys_dir}; every log under {net.root}")
    lines.append("try: msin node matches --config <a node's config>   (stop that node first: one process per store)")
    lines.append("serving until Ctrl-C (SIGINT) or SIGTERM; then every process is stopped")
    return lines


def _serve_until_signalled(net: LocalNetwork, say: Callable[[str], None]) -> None:
    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        received.append(signum)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        reported: set[str] = set()
        while not stop.wait(1.0):
            for process in net.processes():
                if not process.alive() and process.name not in reported:
                    reported.add(process.name)
                    say(f"{process.name} is not running (see its log {process.log})")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    name = signal.Signals(received[0]).name if received else "signal"
    say(f"{name} received: stopping every process")


def _privacy_sweep(result: DemoResult, root: Path, mention_files: Sequence[Path | None], shown: list[str]) -> None:
    """Search everything outside the members' stores, and the demo's own output, for identifiers."""
    needles = needles_from_mentions([p for p in mention_files if p is not None and p.is_file()])
    files = files_to_sweep(root)
    result.swept_files = len(files)
    result.privacy_findings = [str(f.relative_to(root)) for f in sweep(files, needles)]
    printed = "\n".join(shown).casefold()
    result.privacy_findings += [
        f"demo output: {n.kind} ({n.label})" for n in needles if n.text.casefold() in printed
    ]
