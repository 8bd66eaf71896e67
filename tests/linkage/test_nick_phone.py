"""A nickname at a phone: ``nick_phone``, the name with a word read as the formal name it
may stand for (``nick_dob``'s names) with the phone, is the whole name there. ``Dima
Petrova`` / ``Dmytro Petrova`` at his own mobile, one record without a date of birth, were
read as a housemate of another given name (the shared phone's given-name disagreement,
-6); they are one person. A sister at that phone, a father and son of one name (the
son's nickname) at the house's landline, and the nickname at an agency's landline many
workers give stay apart.

End to end through ``msin link``'s pipeline (one CSV per member, real OPRF tokens under a
fresh key, the one scoring core).
"""

from __future__ import annotations

from pathlib import Path

from mention_files import write_mentions

from msin_fed.linkage.pipeline import link_files
from msin_fed.model.registry import parse_mention
from msin_fed.token_inputs import inputs_for_mention

Row = dict[str, str]
MOBILE = "07746 168922"


def _row(rid: str, given: str, family: str, dob: str = "", **more: str) -> Row:
    return {"record_id": rid, "given_name": given, "family_name": family, "date_of_birth": dob, **more}


def _linked(tmp_path: Path, *members: list[Row]) -> set[tuple[str, str]]:
    files = [write_mentions(tmp_path / f"m{i}.csv", rows) for i, rows in enumerate(members)]
    return {tuple(sorted((p.left_id, p.right_id))) for p in link_files(files).pairs}  # type: ignore[misc]


def test_nick_phone_is_of_the_name_read_formally_and_the_phone() -> None:
    mention = parse_mention(_row("x", "Dima", "Petrova", phone=MOBILE)).mention
    assert mention is not None
    made = {i.data for i in inputs_for_mention(mention) if i.kind == "nick_phone"}
    assert b"nick_phone:dmytro petrova|+447746168922" in made
    assert all(d.endswith(b"|+447746168922") for d in made)
    # no phone, no token: never a function of the name alone
    bare = parse_mention(_row("y", "Dima", "Petrova")).mention
    assert bare is not None
    assert not [i for i in inputs_for_mention(bare) if i.kind == "nick_phone"]


def test_a_nickname_at_his_own_mobile_links(tmp_path: Path) -> None:
    a = [_row("a1", "Dima", "Petrova", phone=MOBILE)]
    b = [_row("b1", "Dmytro", "Petrova", "1996-09-10", phone="+44 (0)7746168922")]
    assert _linked(tmp_path, a, b) == {("a1", "b1")}


def test_a_sister_at_that_phone_stays_apart(tmp_path: Path) -> None:
    a = [_row("a1", "Dima", "Petrova", phone=MOBILE)]
    b = [_row("b1", "Daria", "Petrova", "1999-01-04", phone=MOBILE)]
    assert _linked(tmp_path, a, b) == set()


def test_a_father_and_his_son_called_by_the_nickname_at_one_landline_stay_apart(tmp_path: Path) -> None:
    landline = "01205 364411"
    a = [_row("a1", "William", "Smith", "1961-05-02", phone=landline)]
    b = [_row("b1", "Bill", "Smith", "1988-11-19", phone=landline)]
    assert _linked(tmp_path, a, b) == set()


def test_the_nickname_at_an_agency_landline_many_workers_give_stays_apart(tmp_path: Path) -> None:
    office = "01205 585071"
    workers = [("Andris", "Kalnins"), ("Minh", "Tran"), ("Arben", "Hoxha"), ("Oksana", "Kovalenko"),
               ("Maria", "Nowak"), ("Ion", "Radu"), ("Elena", "Marin"), ("Piotr", "Zielinski")]
    members = [[_row(f"w{m}{j}", *workers[2 * m + j], phone=office) for j in range(2)] for m in range(4)]
    members[0].append(_row("a1", "Dima", "Petrova", phone=office))
    members[1].append(_row("b1", "Dmytro", "Petrova", "1996-09-10", phone=office))
    assert _linked(tmp_path, *members) == set()
