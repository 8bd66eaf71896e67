"""A worker named in full beside a plate many of an agency's workers give (its minibus):
``name_plate``, the whole name with the registration mark, is that person by name, as
``name_phone`` is at the agency's landline. The plate alone, shared by many workers, is
discounted to almost nothing; namesakes at the minibus born on other days, a father and
son of one name who share a car, and workers of other names stay apart.

End to end through ``msin link``'s pipeline (one CSV per member, real OPRF tokens under a
fresh key, the one scoring core), and the clusters it writes.
"""

from __future__ import annotations

from pathlib import Path

from mention_files import write_mentions

from msin_fed.linkage.pipeline import link_files
from msin_fed.model.registry import parse_mention
from msin_fed.token_inputs import inputs_for_mention

Row = dict[str, str]

MINIBUS = "GX12 ABC"
#: Eight workers of other names, two at each of four members, all giving the minibus: the
#: plate is held by eight entities, so it adds at most the frequent cap (3.5).
_WORKERS = [("Andris", "Kalnins"), ("Minh", "Tran"), ("Arben", "Hoxha"), ("Oksana", "Kovalenko"),
            ("Maria", "Nowak"), ("Ion", "Radu"), ("Elena", "Marin"), ("Piotr", "Zielinski")]


def _row(rid: str, given: str, family: str, dob: str = "", **more: str) -> Row:
    return {"record_id": rid, "given_name": given, "family_name": family, "date_of_birth": dob,
            "vehicle_registration": MINIBUS, **more}


def _members(*extra: list[Row]) -> list[list[Row]]:
    """Four members holding two workers each, then ``extra`` members' rows appended to the
    first members in turn (one list per member)."""
    members = [[_row(f"w{m}{j}", *_WORKERS[2 * m + j], phone=f"07700 9001{m}{j}") for j in range(2)]
               for m in range(4)]
    for i, rows in enumerate(extra):
        members[i] += rows
    return members


def _linked(tmp_path: Path, members: list[list[Row]]) -> set[tuple[str, str]]:
    files = [write_mentions(tmp_path / f"m{i}.csv", rows) for i, rows in enumerate(members)]
    return {tuple(sorted((p.left_id, p.right_id))) for p in link_files(files).pairs}  # type: ignore[misc]


def test_name_plate_is_of_the_whole_name_and_the_plate_only() -> None:
    mention = parse_mention(_row("x", "Ion", "POPESCU")).mention
    assert mention is not None
    [made] = [i for i in inputs_for_mention(mention) if i.kind == "name_plate"]
    assert made.data == b"name_plate:ion popescu|GX12ABC"
    # no plate, no token: never a function of the name alone
    bare = parse_mention({"record_id": "y", "given_name": "Ion", "family_name": "Popescu",
                          "phone": "07700 900555"}).mention
    assert bare is not None
    assert not [i for i in inputs_for_mention(bare) if i.kind == "name_plate"]


def test_a_worker_named_in_full_at_the_agency_minibus_links(tmp_path: Path) -> None:
    members = _members([_row("a1", "Ion", "Popescu")],
                       [_row("b1", "POPESCU", "ION", "1985-03-07")])
    assert _linked(tmp_path, members) == {("a1", "b1")}


def test_the_workers_of_other_names_at_the_minibus_stay_apart(tmp_path: Path) -> None:
    assert _linked(tmp_path, _members()) == set()


def test_namesakes_at_the_minibus_born_on_other_days_stay_apart(tmp_path: Path) -> None:
    # Two men of one common name working for the agency, known to two members with their
    # dates of birth: the name-and-date disagreement outweighs the name at the plate.
    members = _members([_row("a1", "Ion", "Popescu", "1985-03-07")],
                       [_row("b1", "Ion", "Popescu", "1991-10-22")])
    assert _linked(tmp_path, members) == set()


def test_a_father_and_son_of_one_name_sharing_a_car_stay_apart(tmp_path: Path) -> None:
    # Their own car (no workers): the plate is the pair's alone and weighs in full, so the
    # whole name beside it is a second name-at-a-place agreement, and the dates, decades
    # apart, count against it twice.
    car = "LB67 XVS"
    father = _row("a1", "Mihai", "Stan", "1961-05-02", vehicle_registration=car)
    son = _row("b1", "Mihai", "Stan", "1988-11-19", vehicle_registration=car)
    assert _linked(tmp_path, [[father], [son]]) == set()
