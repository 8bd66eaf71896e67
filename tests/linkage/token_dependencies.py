"""What each token input of a mention is a function of, found by changing one field at a time.

Kind-agnostic: it reads no kind name. For every input the tokenizer makes of a base
mention, each *component* (the name, a field of the date of birth, a digit of the phone, a
level of the postcode, the street, the town, ...) is changed in a few ways; the input
depends on the component when it is gone under every one of those changes (an input that
survives one change of a component is a function of something coarser, so it is counted as
not depending on it: the estimate errs towards the attacker). The attacker's cost of
sweeping an input, per name of its dictionary, is then the product of the domain sizes of
the other components it depends on (docs/linkage.md section 6 gives the sizes and the
line: the month+day band, 366 values).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from msin_fed.errors import ValidationError
from msin_fed.model.registry import parse_mention
from msin_fed.token_inputs import TokenInput, inputs_for_mention

Row = dict[str, str]

#: Components of a person's identity an attacker can hold as a dictionary.
NAME = "name"
#: What the attacker must try per name (or per date) for each other component: a
#: regional network's people live in a few dozen towns (postcode areas), some 160 postcode
#: districts (8 per area), ~24,000 postcodes (docs/linkage.md: ~1,100 per town); a network
#: knows a few hundred companies and sites; streets and house numbers per town.
DOMAIN: dict[str, int] = {
    "dob_year": 100, "dob_month": 12, "dob_day": 31,
    "town": 20, "pc_area": 20, "pc_district": 8, "pc_sector": 10, "pc_unit": 15,
    "street_name": 300, "house_number": 50,
    "email": 10**8, "vehicle": 10**6, "national_id": 10**6, "passport": 10**6, "bank": 10**8,
    "company_name": 300, "company_number": 10**6, "site_name": 300,
}
#: A phone digit: 10 each (a component per position).
PHONE_DIGIT = 10
#: The cheapest person token docs/linkage.md section 6 accepts: the month+day band of
#: ``name_lsh_dob``, 366 values per name.
LINE = 366
#: Components that are a person's (not an organisation's): a token of none of them is an
#: organisation's or a place's, which are not personal data.
PERSONAL = {"name", "dob_year", "dob_month", "dob_day", "email", "vehicle", "national_id", "passport",
            "bank"}


def _with(row: Row, **changes: str) -> Row:
    return {**row, **changes}


def _digit_changes(row: Row) -> list[tuple[str, Row]]:
    phone = row.get("phone", "")
    out = []
    digits = [i for i, ch in enumerate(phone) if ch.isdigit()]
    for n, i in enumerate(digits):
        changed = [phone[:i] + str((int(phone[i]) + 5) % 10) + phone[i + 1:]]
        out += [(f"phone_d{n}", _with(row, phone=c)) for c in changed]
    return out


def perturbations(row: Row) -> list[tuple[str, Row]]:
    """(component, the row with that component changed), a few per component."""
    out: list[tuple[str, Row]] = []
    if row.get("given_name") or row.get("family_name"):
        out += [(NAME, _with(row, given_name=g, family_name=f)) for g, f in
                (("Mihai", "Ionescu"), ("Grzegorz", "Wisniewski"), ("Tuan", "Pham"))]
    dob = row.get("date_of_birth", "")
    if dob:
        y, m, d = dob.split("-")
        out += [("dob_year", _with(row, date_of_birth=f"{int(y) + k}-{m}-{d}")) for k in (1, -20)]
        out += [("dob_month", _with(row, date_of_birth=f"{y}-{(int(m) + k) % 12 + 1:02d}-{d}")) for k in (0, 5)]
        out += [("dob_day", _with(row, date_of_birth=f"{y}-{m}-{(int(d) + k) % 28 + 1:02d}")) for k in (2, 10)]
    out += _digit_changes(row)
    pc = row.get("postcode", "")
    if pc:
        head, tail = pc.split(" ")
        area = head.rstrip("0123456789")
        out += [("pc_unit", _with(row, postcode=f"{head} {tail[0]}{u}")) for u in ("QX", "AB")]
        out += [("pc_sector", _with(row, postcode=f"{head} {(int(tail[0]) + k) % 10}{tail[1:]}")) for k in (1, 3)]
        out += [("pc_district", _with(row, postcode=f"{area}{int(head[len(area):]) + k} {tail}")) for k in (1, 4)]
        out += [("pc_area", _with(row, postcode=f"{a}{head[len(area):]} {tail}")) for a in ("NG", "LN")]
    if row.get("locality"):
        out += [("town", _with(row, locality=t)) for t in ("Spalding", "Wisbech")]
    street = row.get("street_address", "")
    if street:
        number, _, rest = street.partition(" ")
        out += [("house_number", _with(row, street_address=f"{int(number) + k} {rest}")) for k in (2, 31)]
        out += [("street_name", _with(row, street_address=f"{number} {s}")) for s in ("Norfolk Street", "Wide Bargate")]
    simple = {
        "email": ("email", ["mb.77@example.org", "zz9@example.net"]),
        "vehicle_registration": ("vehicle", ["AB13 CDE", "XY12 CDF"]),
        "national_id": ("national_id", ["JG103758A", "JH103759B"]),
        "passport_number": ("passport", ["123456788", "923456789"]),
        "bank_account": ("bank", ["20-00-00 12345679", "20-00-01 22345678"]),
        "company_name": ("company_name", ["Wash Fresh Produce Ltd", "Marsh Lane Growers Ltd"]),
        "company_number": ("company_number", ["07654322", "17654321"]),
        "site_name": ("site_name", ["Grange Farm", "Riverside Packhouse"]),
    }
    for column, (component, values) in simple.items():
        if row.get(column):
            out += [(component, _with(row, **{column: v})) for v in values]
    return out


def inputs_of(row: Row) -> list[TokenInput] | None:
    """The inputs a node makes of ``row`` (lenient, as it shares), or None if it shares none."""
    return _inputs_of(tuple(sorted(row.items())))


@functools.lru_cache(maxsize=20_000)
def _inputs_of(items: tuple[tuple[str, str], ...]) -> list[TokenInput] | None:
    row = dict(items)
    try:
        mention = parse_mention({"record_id": "r", **row}).mention
        return None if mention is None else inputs_for_mention(mention)
    except ValidationError:
        return None


@dataclass(frozen=True)
class Dependence:
    kind: str
    data: bytes
    components: frozenset[str]

    @property
    def personal(self) -> bool:
        return bool(self.components & PERSONAL) or any(c.startswith("phone_d") for c in self.components)

    def cost(self, without: Iterable[str] = (NAME,)) -> int:
        """Values to try per dictionary entry: the product of the other components' domains."""
        skip = set(without)
        out = 1
        for c in self.components - skip:
            out *= PHONE_DIGIT if c.startswith("phone_d") else DOMAIN[c]
        return out


def dependencies(row: Row, inputs: Callable[[Row], list[TokenInput] | None] = inputs_of) -> list[Dependence]:
    """Every input of ``row`` with the components it depends on."""
    base = inputs(row)
    assert base is not None, row
    changed: dict[str, list[set[bytes]]] = {}
    for component, other in perturbations(row):
        made = inputs(other)
        if made is not None:  # a change the tokenizer refuses tells nothing
            changed.setdefault(component, []).append({i.data for i in made})
    out = []
    for item in dict.fromkeys(base):
        deps = frozenset(
            c for c, sets in changed.items()
            if sets and (all(item.data not in s for s in sets) if c != NAME else any(item.data not in s for s in sets))
        )
        out.append(Dependence(item.kind, item.data, deps))
    return out


def too_cheap(deps: Iterable[Dependence]) -> list[tuple[str, str, int]]:
    """Inputs a name or a date-of-birth dictionary sweeps below the line: (kind, why, cost)."""
    out = []
    dob = {"dob_year", "dob_month", "dob_day"}
    for d in deps:
        if not d.personal:
            continue  # an organisation's or a place's
        if NAME in d.components and d.cost() < LINE:
            out.append((d.kind, f"name with {sorted(d.components - {NAME})}", d.cost()))
        elif NAME not in d.components and d.components & dob and d.cost(dob) < LINE:
            out.append((d.kind, f"date of birth with {sorted(d.components - dob)}", d.cost(dob)))
    return out
