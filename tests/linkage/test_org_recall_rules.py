"""Company and site recall rules of link-org5 (issue 17), each through the real pipeline
with its confuser: real rows, real OPRF tokens, the in-memory :class:`Matcher` (``msin
link``) and the coordinator's ``MatchEngine`` over a real SQLite file for the clusters.

* a long company name with a letter dropped (``Rapid Logitics`` for ``Rapid Logistics``)
  is the name, as a long name with a letter changed already was; a phoenix of that name
  (another number) leaves it naming neither, and two agencies whose names are one letter
  apart stay two when one is short;
* a family firm's name with the trade dropped (``Horvath & Sons`` for ``Horvath & Sons
  Associates``) where one mention gives no place: the leading words (two or more) are the
  name, among the companies whose names begin with them. Two agencies whose names begin
  alike name neither; placed at two postcodes, or a phoenix under the full name, neither.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_clusters import Records, engine_clusters, matcher_of
from test_repeated_entities import pair_set


def _linked(records: Records, tmp_path: Path) -> set[tuple[str, str]]:
    m = matcher_of(records)
    clustered = sorted(m.clusters(), key=lambda c: (-len(c), min(c)))
    assert engine_clusters(records, tmp_path / f"shared-{len(list(tmp_path.iterdir()))}.db") == clustered
    return pair_set(m.pairs())


def test_a_long_company_name_with_a_letter_dropped_is_the_name(tmp_path: Path) -> None:
    # 14 letters and 13: the company's name is the longer one
    dropped = ("d1", "m1", dict(company_name="Rapid Logitics Ltd."))
    full = ("f1", "m2", dict(company_name="RAPID LOGISTICS LTD"))
    assert _linked([dropped, full], tmp_path) == {("d1", "f1")}
    # and beside the numbered company's postcode, as any mention of the name
    numbered = ("n1", "m3", dict(company_name="Rapid Logistics Limited", company_number="04417001",
                                 postcode="PE21 7HQ"))
    assert _linked([dropped, numbered], tmp_path) == {("d1", "n1")}


def test_a_letter_dropped_from_a_name_two_companies_hold_names_neither(tmp_path: Path) -> None:
    # a phoenix: the same name under another number at the same postcode
    old = ("o1", "m2", dict(company_name="Rapid Logistics Ltd", company_number="04417001", postcode="PE21 7HQ"))
    new = ("p1", "m3", dict(company_name="Rapid Logistics Ltd", company_number="11820332", postcode="PE21 7HQ"))
    dropped = ("d1", "m1", dict(company_name="Rapid Logitics Ltd"))
    assert _linked([old, new, dropped], tmp_path) == set()
    # one trading name in two towns: the mention without a place may be either
    leeds = ("l1", "m3", dict(company_name="Rapid Logistics Ltd", postcode="LS9 2EU"))
    boston = ("b1", "m2", dict(company_name="Rapid Logistics", postcode="PE21 7HQ"))
    assert _linked([leeds, boston, dropped], tmp_path) == set()


def test_a_short_name_with_a_letter_dropped_stays_apart_without_its_postcode(tmp_path: Path) -> None:
    # 13 letters and 12: too short to be the name by itself (another agency one letter off)
    a = ("a1", "m1", dict(company_name="Crown Stafing Ltd"))
    b = ("b1", "m2", dict(company_name="Crown Staffing Ltd"))
    assert _linked([a, b], tmp_path) == set()


def test_a_family_firm_with_the_trade_dropped_and_no_place_is_the_firm(tmp_path: Path) -> None:
    short = ("h1", "m1", dict(company_name="Horváth and Sons Limited", postcode="LS9 3YT"))
    full = ("h2", "m2", dict(company_name="Horvath & Sons Assoc", company_number="08860665"))
    assert _linked([short, full], tmp_path) == {("h1", "h2")}
    # the other way round: the full name placed, the short one given alone
    placed = ("d1", "m1", dict(company_name="Dąbrowski and Sons Hldgs", postcode="PE11 5JD"))
    alone = ("d2", "m2", dict(company_name="DABROWSKI & SONS"))
    assert _linked([placed, alone], tmp_path) == {("d1", "d2")}


def test_leading_words_two_agencies_begin_with_name_neither(tmp_path: Path) -> None:
    services = ("a1", "m1", dict(company_name="Apex Labour Services Ltd", postcode="PE13 2AB"))
    supply = ("a2", "m2", dict(company_name="Apex Labour Supply Ltd", postcode="PE13 2AB"))
    short = ("a3", "m3", dict(company_name="Apex Labour Ltd"))
    assert _linked([services, supply, short], tmp_path) == set()


def test_leading_words_at_two_postcodes_or_under_a_phoenix_name_neither(tmp_path: Path) -> None:
    # the same name in another town: both placed, the places decide (two postcodes)
    leeds = ("h1", "m1", dict(company_name="Horvath & Sons", postcode="LS9 3YT"))
    boston = ("h2", "m2", dict(company_name="Horvath & Sons Associates", postcode="PE21 7HQ"))
    assert _linked([leeds, boston], tmp_path) == set()
    # a phoenix: the full name under two numbers at one address; the short name alone
    old = ("p1", "m1", dict(company_name="Horvath & Sons Associates", company_number="04417001",
                            postcode="PE21 7HQ"))
    new = ("p2", "m2", dict(company_name="Horvath & Sons Associates Ltd", company_number="11820332",
                            postcode="PE21 7HQ"))
    short = ("p3", "m3", dict(company_name="Horvath and Sons"))
    assert _linked([old, new, short], tmp_path) == set()
