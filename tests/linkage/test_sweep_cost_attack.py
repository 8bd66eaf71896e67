"""STTG with an evaluation oracle, against every token kind there is or will be.

The dictionary attacks (``test_name_dictionary_attack.py``, ``test_new_kinds_attacks.py``)
evaluate the inputs an attacker forms from a name, a date or a town, kind by kind; a kind
added later is swept only once someone writes its halves into them. This test reads no
kind name: for every input the tokenizer makes of a mention (of many shapes: every field,
every field but one, a name with one or two others), it finds what the input is a function
of by changing one component at a time (``token_dependencies``), and prices the sweep an
attacker holding a name (or a date-of-birth) dictionary needs to hit it. No input a person's
name determines may cost less than the line docs/linkage.md section 6 draws (the month+day
band of ``name_lsh_dob``, 366 values per name), nor may any input the date of birth
determines with towns, districts, companies or sites alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

from msin_fed.token_inputs import TokenInput, _make, inputs_for_mention

sys.path.insert(0, str(Path(__file__).resolve().parent))
from token_dependencies import LINE, Row, dependencies, inputs_of, too_cheap

#: A person as a member may hold her: every column of the mention layout filled.
FULL: Row = dict(
    given_name="Andrei", family_name="Popescu", date_of_birth="1991-04-12", phone="07700 900461",
    email="andrei.p@example.com", street_address="14 Fydell Street", locality="Boston", postcode="PE21 8LF",
    vehicle_registration="AB12 CDE", national_id="JG103759A", passport_number="123456789",
    bank_account="20-00-00 12345678", company_name="Fenland Harvest Labour Ltd", company_number="07654321",
    site_name="Manor Farm",
)
#: The same shapes with a foreign mobile, a three-word name and a day that could be a month.
FOREIGN: Row = dict(FULL, given_name="Van Hung", family_name="Nguyen", phone="+40 722 123 456",
                    date_of_birth="1988-03-07", postcode="PE13 2AB", locality="Wisbech")
_SMALL = ["date_of_birth", "locality", "postcode", "company_name", "site_name", "phone", "street_address"]


def _shapes() -> list[Row]:
    """Every field; every field but one; a name (or a date of birth, or nothing personal)
    with one or two of the fields an attacker may know of a person (one, for the foreign
    person)."""
    out: list[Row] = []
    for base, most in ((FULL, 2), (FOREIGN, 1)):
        out.append(base)
        if base is FULL:
            out += [{k: v for k, v in base.items() if k != drop} for drop in base if drop != "given_name"]
        name = {k: base[k] for k in ("given_name", "family_name")}
        for i, a in enumerate(_SMALL):
            for b in [None, *(_SMALL[i + 1:] if most == 2 else ())]:
                picked = {k: base[k] for k in (a, b) if k is not None}
                out += [{**name, **picked}, picked]
                if "street_address" in picked:  # a street is written with its town or postcode
                    out += [{**name, **picked, "locality": base["locality"]}, {**name, **picked, "postcode": base["postcode"]}]
    unique = {tuple(sorted(r.items())): r for r in out}
    return [r for r in unique.values() if inputs_of(r)]


SHAPES = _shapes()


def test_no_input_of_any_kind_is_swept_by_a_name_or_date_dictionary_below_the_line() -> None:
    assert len(SHAPES) > 60
    kinds: set[str] = set()
    found: dict[tuple[str, str], int] = {}
    for row in SHAPES:
        deps = dependencies(row)
        kinds.update(d.kind for d in deps)
        for kind, why, cost in too_cheap(deps):
            found[(kind, f"{why} in a record of {sorted(row)}")] = cost
    # The harness saw the person kinds it prices (names with dates, postcodes, phones, streets).
    assert {"name_dob", "name_lsh_dob", "name_postcode", "name_phone", "name_address", "dob_postcode"} <= kinds
    assert found == {}


def test_the_pricing_finds_what_it_must() -> None:
    """The control: a tokenizer with a name bound to a town, to a postcode district, to a
    company, to the year of birth, or a date of birth with a district, is caught, each at
    its price; and the month+day band is priced at the line."""
    def leaky(row: Row) -> list[TokenInput] | None:
        made = inputs_of(row)
        if made is None:
            return None
        name = f"{row.get('given_name', '')} {row.get('family_name', '')}".lower()
        extra = []
        if row.get("locality") and name.strip():
            extra.append(_make("leak_town", name, row["locality"].lower()))
        if row.get("postcode") and name.strip():
            extra.append(_make("leak_district", name, row["postcode"].split()[0]))
        if row.get("company_name") and name.strip():
            extra.append(_make("leak_company", name, row["company_name"].lower()))
        if row.get("date_of_birth") and name.strip():
            extra.append(_make("leak_year", name, row["date_of_birth"][:4]))
        if row.get("date_of_birth") and row.get("postcode"):
            extra.append(_make("leak_dob_district", row["date_of_birth"], row["postcode"].split()[0]))
        return [*made, *extra]

    found = {kind: cost for kind, _why, cost in too_cheap(dependencies(FULL, leaky))}
    assert found == {"leak_town": 20, "leak_district": 20 * 8, "leak_company": 300, "leak_year": 100,
                     "leak_dob_district": 20 * 8}
    bands = {d.cost() for d in dependencies(FULL) if d.kind == "name_lsh_dob"}
    assert min(bands) == 12 * 31 >= LINE  # the month+day variant: at the line, accepted
    assert inputs_for_mention  # the tokenizer under test is the node's own
