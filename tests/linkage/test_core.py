"""``linkage.core.entity_count``: how many entities a token's holders are, from what else they share."""

from __future__ import annotations

import pytest

from msin_fed.linkage.core import entity_count, entity_type

T = b"the token"


def held(kind: str, *others: tuple[str, str]) -> dict[bytes, str]:
    """A record holding the token (of ``kind``) and ``(kind, label)`` others."""
    return {T: kind, **{f"{k}:{v}".encode(): k for k, v in others}}


@pytest.mark.parametrize(("kind", "records", "entities"), [
    # one person: a phone whose holders also share a NINO or the name with date of birth
    ("phone", [held("phone", ("nino", "n1")), held("phone", ("nino", "n1")),
               held("phone", ("name_dob", "x")), held("phone", ("name_dob", "x"), ("nino", "n1"))], 1),
    # an agency landline: holders share its address, nothing personal
    ("phone", [held("phone", ("address", "a"), ("name_dob", f"p{i}")) for i in range(6)], 6),
    # a NINO: one person unless the holders' names with dates of birth say otherwise
    ("nino", [held("nino", ("phone", f"p{i}")) for i in range(6)], 1),
    ("nino", [held("nino", ("name_dob", "x"), ("name_lsh_dob", "b1")),
              held("nino", ("name_dob", "y"), ("name_lsh_dob", "b2")),
              held("nino", ("name_dob", "x"), ("name_lsh_dob", "b1"))], 2),
    # ... or another NINO-like document of the same kind differs
    ("passport", [held("passport", ("nino", "n1")), held("passport", ("nino", "n2"))], 2),
    ("passport", [held("passport", ("nino", "n1"), ("nid_near", "n")),
                  held("passport", ("nino", "n2"), ("nid_near", "n"))], 1),
    # a name token is one person when the holders share a phone too, not when they share nothing
    ("name_postcode", [held("name_postcode", ("phone", "p")), held("name_postcode", ("phone", "p"))], 1),
    ("name_postcode", [held("name_postcode"), held("name_postcode"), held("name_postcode")], 3),
    # a site in two localities; companies with two numbers
    ("site_district", [held("site_district", ("site_locality", "a")), held("site_district", ("site_locality", "b"))], 2),
    ("site_district", [held("site_district", ("site_locality", "a")), held("site_district")], 1),
    ("company", [held("company", ("company_number", "1")), held("company", ("company_number", "2")),
                 held("company")], 2),
])
def test_entity_count(kind: str, records: list[dict[bytes, str]], entities: int) -> None:
    tokens = {i: r for i, r in enumerate(records)}
    assert entity_count(T, kind, list(tokens), tokens) == entities


def test_entity_type_of_matched_kinds() -> None:
    assert entity_type({"site_district", "site_near"}) == "site"
    assert entity_type({"company", "company_postcode", "address"}) == "company"
    assert entity_type({"company", "name_dob"}) == "perpetrator"
    assert entity_type({"phone"}) == "perpetrator"
