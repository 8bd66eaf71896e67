"""Test data for insights: shared records built from known plaintext, so tests can look for it."""

from __future__ import annotations

import datetime as _dt
import hashlib
import itertools
from collections.abc import Sequence

from msin_fed.coordinator.insights import ActionView, AlertView, ClusterView, InsightData, Outcome

from msin_fed.model import (
    ExploitationType,
    Grade,
    Indicator,
    Region,
    Sector,
    SharedRecord,
    Tlp,
    Token,
)

#: Identifiers planted in narratives, tokens, member ids and record ids. None may leave.
PLANTED = (
    "Wojciech Kowalczyk",
    "07700 900461",
    "+447700900461",
    "LN11 9QT",
    "AB12 CDE",
    "QQ123456C",
    "GB82WEST12345698765432",
    "Fenland Fresh Pack Ltd",
)
MEMBERS = ("member-grocer-alpha", "member-grower-bravo", "member-ngo-charlie", "member-police-delta")

_ids = itertools.count(1)


def token_for(plaintext: str, kind: str = "phone") -> Token:
    """A stand-in token derived from plaintext (the real ones are OPRF outputs)."""
    return Token(kind, hashlib.sha512(plaintext.encode()).digest(), 1)


def make_record(
    *,
    member: str = MEMBERS[0],
    month: str = "2026-10",
    region: Region = Region.EAST_OF_ENGLAND,
    sector: Sector = Sector.PACKHOUSE,
    etype: ExploitationType = ExploitationType.LABOUR_ACCOMMODATED,
    tlp: Tlp = Tlp.GREEN,
    indicators: Sequence[Indicator] = (Indicator.DEBT_BONDAGE,),
    shared_at: _dt.datetime | None = None,
    record_id: str | None = None,
) -> SharedRecord:
    n = next(_ids)
    year, mon = (int(x) for x in month.split("-"))
    return SharedRecord(
        record_id=record_id or f"rec-{member}-{n:05d}",
        member_id=member,
        narrative=f"{PLANTED[0]} ({PLANTED[1]}) collected workers near {PLANTED[3]} in {PLANTED[4]} "
        f"for {PLANTED[7]}; NINO {PLANTED[5]}, paid into {PLANTED[6]}.",
        tokens=tuple(token_for(p, k) for p, k in zip(PLANTED, ("name", "phone", "phone", "postcode",
                                                                "plate", "nino", "iban", "company"),
                                                      strict=True)),
        region=region,
        sector=sector,
        exploitation_type=etype,
        month=month,
        grade=Grade.parse("2BP"),
        tlp=tlp,
        indicators=tuple(indicators),
        shared_at=shared_at or _dt.datetime(year, mon, 3, 9, 0, tzinfo=_dt.UTC),
    )


def spread(count: int, members: Sequence[str] = MEMBERS, **kw: object) -> list[SharedRecord]:
    """``count`` records with the same facts, from the members in turn."""
    return [make_record(member=members[i % len(members)], **kw) for i in range(count)]  # type: ignore[arg-type]


def rich_data() -> InsightData:
    """A store's worth of records across a year, clusters, alerts and actions."""
    records: list[SharedRecord] = []
    months = [f"2025-{m:02d}" for m in (11, 12)] + [f"2026-{m:02d}" for m in range(1, 11)]
    types = [ExploitationType.LABOUR_ACCOMMODATED, ExploitationType.SEXUAL_FIXED_LOCATION,
             ExploitationType.CRIMINAL_GANG_RELATED, ExploitationType.DOMESTIC_BY_RELATIVES]
    regions = [Region.EAST_OF_ENGLAND, Region.EAST_MIDLANDS, Region.SCOTLAND, Region.LONDON]
    sectors = [Sector.PACKHOUSE, Sector.GROWING_PICKING, Sector.HOSPITALITY, Sector.CAR_WASH]
    for i, m in enumerate(months):
        for j, t in enumerate(types):
            n = 4 + ((i * 3 + j * 5) % 9) + (i // 2)
            for k in range(n):
                records.append(make_record(
                    member=MEMBERS[(i + j + k) % 4], month=m, etype=t,
                    region=regions[(j + k) % 4], sector=sectors[(i + k) % 4] if j != 3 else Sector.CARE,
                    indicators=[list(Indicator)[(i + k) % 11], Indicator.WITHHOLDING_OF_WAGES],
                ))
    # A RED and an AMBER+STRICT record that must be left out of everything.
    records.append(make_record(tlp=Tlp.RED, region=Region.WALES, sector=Sector.FISHING, record_id="rec-red-1"))
    records.append(make_record(tlp=Tlp.AMBER_STRICT, region=Region.WALES, sector=Sector.FISHING,
                               record_id="rec-amberstrict-1"))
    records.append(make_record(tlp=Tlp.AMBER, region=Region.LONDON))
    by_member: dict[str, list[SharedRecord]] = {}
    for r in records:
        by_member.setdefault(r.member_id, []).append(r)
    clusters = []
    for c in range(8):
        size = 2 + c  # clusters of 2..9 records spread over members
        rids = tuple(by_member[MEMBERS[(c + x) % 4]][c * 3 + x].record_id for x in range(size))
        clusters.append(ClusterView(f"cluster-internal-{c}", rids,
                                    _dt.datetime(2026, 1 + c, 10, tzinfo=_dt.UTC)))
    clusters.append(ClusterView("cluster-internal-red", ("rec-red-1", "rec-amberstrict-1"),
                                _dt.datetime(2026, 10, 5, tzinfo=_dt.UTC)))
    alerts = [
        AlertView("alert-1", "A labour provider moved <PERSON_1> and 12 others between packhouses at night; "
                  "call 07700 900461 reported.", Tlp.GREEN, Region.EAST_OF_ENGLAND, Sector.PACKHOUSE,
                  ExploitationType.LABOUR_ACCOMMODATED, _dt.datetime(2026, 10, 4, 12, tzinfo=_dt.UTC)),
        AlertView("alert-2", "Car wash staff living on site, documents held by <PERSON_2>.", Tlp.AMBER,
                  Region.LONDON, Sector.CAR_WASH, ExploitationType.CRIMINAL_ILLEGAL_LABOUR,
                  _dt.datetime(2026, 10, 12, 8, tzinfo=_dt.UTC)),
        AlertView("alert-red", "RED ALERT TEXT must never leave", Tlp.RED, Region.WALES, Sector.FISHING,
                  ExploitationType.LABOUR_EXPLOITATION, _dt.datetime(2026, 10, 13, tzinfo=_dt.UTC),
                  record_id="rec-red-1"),
        AlertView("alert-strict", "AMBER STRICT ALERT TEXT must never leave", Tlp.AMBER_STRICT, Region.WALES,
                  Sector.FISHING, ExploitationType.LABOUR_EXPLOITATION,
                  _dt.datetime(2026, 10, 14, tzinfo=_dt.UTC), record_id="rec-amberstrict-1"),
    ]
    actions = []
    outcomes = list(Outcome)
    for i in range(40):
        c = clusters[i % 6]
        actions.append(ActionView(
            f"act-{i}", outcomes[i % 6 if i % 7 else 0], _dt.date(2026, 2 + i % 9, 1 + i % 27),
            record_id=c.record_ids[i % len(c.record_ids)], member_id=MEMBERS[i % 4],
            created_at=_dt.datetime(2026, 10, 20, tzinfo=_dt.UTC)))
    for i in range(6):
        actions.append(ActionView(f"act-alert-{i}", Outcome.REFERRED_TO_GLAA, _dt.date(2026, 10, 6 + i),
                                  alert_id="alert-1", member_id=MEMBERS[i % 4]))
    actions.append(ActionView("act-red", Outcome.REFERRED_TO_LAW_ENFORCEMENT, _dt.date(2026, 10, 15),
                              alert_id="alert-red", member_id=MEMBERS[0]))
    return InsightData(records, clusters, actions, alerts)
