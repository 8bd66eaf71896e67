"""Confusers for the tuning data: different entities that share what one entity would.

``write_confusers_set(directory, seed)`` writes the repeats set of :mod:`data.synth`
(people, sites and companies at up to 8 members) and adds, at random members, the
classes of false match a matcher must resist, each with its ground truth:

- **same-named companies without numbers**: two companies trading under one name in
  other towns (registered names are unique, trading names are not), mentioned by name
  and postcode (or its town, beside the postcode or instead of it), with their own
  numbers only now and then;
- **phoenix companies**: a company dissolved and a new one under the same name at the
  same address with a new number; mentions of either give the number only now and then;
- **a bank account or phone shared by people without dates of birth**: a controller's
  account that several workers' wages are paid into, or one phone a couple or a house
  gives, by people of different names and no date of birth;
- **namesakes without dates of birth**: one common full name given by several people,
  each with their own phone, some at one postcode district;
- **a company with branches** in two or three towns (one company, one number): mentions
  name a branch's postcode and street, and give the number now and then, sometimes
  without its leading zeros, and the branch's town beside the postcode or instead of it;
  all of them are one entity (a company's sites are not other companies);
- **housemates**: different people at one street address who give the house's landline,
  some of one family (one family name), most with their own dates of birth, some with a
  mobile of their own; each is one entity, known to one or two members;
- **a minibus plate** given by every worker it carries (different people, half with a
  date of birth, some with their own phone), each known to one or two members;
- **people born the same day whose three-word names share two words**: Vietnamese
  brothers or countrymen of one family and middle name (``Nguyễn Văn Hùng`` /
  ``Nguyễn Văn Nam``), and names of one given and family name with another middle or
  second given name (``Mohammed Ali Khan`` / ``Mohammed Tariq Khan``), a third of them
  at one address (twins), the rest with a phone or postcode of their own; some mentions
  drop the middle word;
- **namesakes at one house born on other days**: a father and son of one full name at
  one street address, both dates of birth given, sometimes the house's landline;
- **agencies at one office**: different companies at one postcode and street whose names
  are one initial apart, begin alike, or differ in a number, each with its own number
  now and then.

Written for the tuning split only as the other sets are: seeds 1-3 tune, 101-103 test.
"""

from __future__ import annotations

import csv
import random
import string
from pathlib import Path

from data import synth

__all__ = ["write_confusers_set"]


def _row(rid: str, **values: str) -> dict[str, str]:
    row = {c: "" for c in synth.COLUMNS}
    row.update(values, record_id=rid)
    return row


def _company(rng: random.Random, rid: str, name: str, number: str, postcode: str, street: str) -> dict[str, str]:
    suffix = rng.choice(["Ltd", "Limited", "LTD", ""])
    text = f"{name} {suffix}".strip()
    row = _row(rid, company_name=text.upper() if rng.random() < 0.2 else text)
    if rng.random() < 0.25:
        row["company_number"] = number
    if rng.random() < 0.7:
        row["postcode"] = postcode
    if rng.random() < 0.4:
        row["street_address"] = street
    return row


def _in_town(rng: random.Random, row: dict[str, str], town: str) -> dict[str, str]:
    """A company mention as a member that writes the town writes it: the town beside the
    postcode, or the town instead of it (a street, if any, kept without a postcode).
    ``rng`` is the towns' own, so the other draws of a seed stay as they were."""
    r = rng.random()
    if r < 0.3:
        row["locality"] = town.upper() if rng.random() < 0.2 else town
    elif r < 0.55:
        row.update(locality=town, postcode="")
    return row


def _branch(rng: random.Random, rid: str, name: str, number: str, postcode: str, street: str) -> dict[str, str]:
    """A mention of one branch of a company: its name, the branch's postcode and street,
    now and then the company's number (with its leading zeros or, as often keyed, without)."""
    row = _company(rng, rid, name, number, postcode, street)
    if row["company_number"] and rng.random() < 0.5:
        row["company_number"] = number.lstrip("0")
    return row


#: Three-word names with a given and a family name and a middle word (a second given name,
#: a father's name) that differs between people: the generator's own lists.
_MIDDLE_NAMES = (["Mohammed", "Muhammad", "Abdul", "Ahmed", "Maria", "Jan", "Ana"],
                 ["Ali", "Tariq", "Imran", "Asif", "Farooq", "Shahid", "Elena", "Ioana", "Piotr", "Pawel"],
                 ["Khan", "Hussain", "Shah", "Malik", "Popescu", "Kowalski", "Ionescu"])


def _overlapping_names(rng: random.Random, place: object) -> None:
    """The two classes of people whose whole names and dates of birth nearly agree (see
    the module docstring); ``place(entity, members, make)`` adds their mentions. Drawn
    from an RNG of their own, so the other confusers of a seed stay as they were."""

    def digits(k: int) -> str:
        return "".join(rng.choices(string.digits, k=k))

    for i in range(16):  # born the same day, two of three name words in common
        town, outward = rng.choice(synth.TOWNS)
        dob = f"{rng.randint(1960, 2002)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        twins = rng.random() < 0.33
        street = f"{rng.randint(1, 200)} {rng.choice(synth.STREETS)}"
        pc = f"{outward} {rng.randint(1, 9)}{rng.choice(synth.INWARD)}{rng.choice(synth.INWARD)}"
        landline = "01" + digits(9)
        if i % 2 == 0:  # Vietnamese: family, middle, given; the given names differ
            family, middle = rng.choice(synth.VIETNAMESE[0]), rng.choice(synth.VIETNAMESE[1])
            names = [(family, middle, g) for g in rng.sample(synth.VIETNAMESE[2], 2)]
        else:  # given, middle, family; the middle words differ
            given, family = rng.choice(_MIDDLE_NAMES[0]), rng.choice(_MIDDLE_NAMES[2])
            names = [(given, m, family) for m in rng.sample(_MIDDLE_NAMES[1], 2)]
        for j, words in enumerate(names):
            own_pc = f"{outward} {rng.randint(1, 9)}{rng.choice(synth.INWARD)}{rng.choice(synth.INWARD)}"
            own_street, mobile = f"{rng.randint(1, 200)} {rng.choice(synth.STREETS)}", "07" + digits(9)

            def make(rid: str, words: tuple[str, str, str] = words, vietnamese: bool = i % 2 == 0,
                     dob: str = dob, twins: bool = twins, street: str = street, pc: str = pc,
                     own_pc: str = own_pc, own_street: str = own_street, mobile: str = mobile,
                     landline: str = landline, town: str = town) -> dict[str, str]:
                if vietnamese:
                    family, middle, given = words
                else:
                    given, middle, family = words
                if rng.random() < 0.3:  # the middle word dropped
                    row = _row(rid, given_name=given, family_name=family, date_of_birth=dob)
                elif vietnamese and rng.random() < 0.4:  # the whole name in one field
                    row = _row(rid, given_name=f"{family} {middle} {given}", date_of_birth=dob)
                else:
                    row = _row(rid, given_name=f"{given} {middle}" if not vietnamese else f"{middle} {given}",
                               family_name=family, date_of_birth=dob)
                if twins:
                    row.update(street_address=street, postcode=pc)
                    if rng.random() < 0.6:
                        row["phone"] = landline
                else:
                    if rng.random() < 0.6:
                        row["phone"] = mobile
                    if rng.random() < 0.6:
                        row.update(street_address=own_street, postcode=own_pc)
                if rng.random() < 0.5:
                    row["locality"] = town
                return row

            place(f"sameday{i}-{j}", rng.choice([1, 2, 2]), make)  # type: ignore[operator]
    for i in range(10):  # a father and son of one full name at one house, other dates of birth
        given, family = rng.choice(synth.GIVEN), rng.choice(synth.FAMILY)
        town, outward = rng.choice(synth.TOWNS)
        street = f"{rng.randint(1, 200)} {rng.choice(synth.STREETS)}"
        pc = f"{outward} {rng.randint(1, 9)}{rng.choice(synth.INWARD)}{rng.choice(synth.INWARD)}"
        landline = "01" + digits(9)
        year = rng.randint(1955, 1975)
        for j, born in enumerate((year, year + rng.randint(19, 30))):
            dob = f"{born}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

            def make_f(rid: str, dob: str = dob, given: str = given, family: str = family, street: str = street,
                       pc: str = pc, landline: str = landline, town: str = town) -> dict[str, str]:
                row = _row(rid, given_name=given, family_name=family, date_of_birth=dob, street_address=street,
                           postcode=pc, locality=town if rng.random() < 0.5 else "")
                if rng.random() < 0.4:
                    row["phone"] = landline
                return row

            place(f"father{i}-{j}", rng.choice([1, 2]), make_f)  # type: ignore[operator]


def _agencies_at_one_office(rng: random.Random, place: object) -> None:
    """Different agencies at one office (one postcode and street), each with its own
    number now and then: initials one letter apart (``JK Staffing`` / ``JB Staffing``),
    names that begin alike (``Apex Labour Services`` / ``Apex Labour Supply``), and one
    name with another number in it (``Northway 2 Logistics`` / ``Northway 3 Logistics``).
    Drawn from an RNG of their own, so the other confusers of a seed stay as they were."""
    for i in range(9):
        _town, outward = rng.choice(synth.TOWNS)
        pc = f"{outward} {rng.randint(1, 9)}{rng.choice(synth.INWARD)}{rng.choice(synth.INWARD)}"
        street = f"Suite {rng.randint(1, 9)}, {rng.randint(1, 200)} {rng.choice(synth.STREETS)}"
        kind = rng.choice(synth.COMPANY_KINDS)
        if i % 3 == 0:
            a, b, c = rng.sample("ABDGHJKLMPRST", 3)
            names = [f"{a}{b} {kind}", f"{a}{c} {kind}"]
        elif i % 3 == 1:
            word = rng.choice(synth.COMPANY_WORDS)
            names = [f"{word} Labour Services", f"{word} Labour Supply"]
        else:
            word = rng.choice(synth.COMPANY_WORDS)
            n = rng.randint(1, 8)
            names = [f"{word} {n} {kind}", f"{word} {n + 1} {kind}"]
        for j, name in enumerate(names):
            no = f"{rng.randint(100000, 13999999):08d}"

            def make(rid: str, name: str = name, no: str = no, pc: str = pc, street: str = street) -> dict[str, str]:
                row = _row(rid, company_name=f"{name} {rng.choice(['Ltd', 'Limited', ''])}".strip(), postcode=pc)
                if rng.random() < 0.5:
                    row["street_address"] = street
                if rng.random() < 0.25:
                    row["company_number"] = no
                return row

            place(f"office{i}-{j}", rng.choice([2, 3]), make)  # type: ignore[operator]


def write_confusers_set(directory: Path, seed: int) -> tuple[list[Path], set[tuple[str, str]]]:
    """The repeats set plus the confusers above; files and true cross-file pairs."""
    files, truth = synth.write_repeats_set(directory, seed)
    rng = random.Random(seed * 7919 + 17)
    members = len(files)
    added: list[list[dict[str, str]]] = [[] for _ in range(members)]
    holders: dict[str, list[tuple[int, str]]] = {}
    counter = 0

    def place(entity: str, k: int, make: object) -> None:
        nonlocal counter
        for member in rng.sample(range(members), min(k, members)):
            counter += 1
            rid = f"x{member}-{counter:05d}"
            added[member].append(make(rid))  # type: ignore[operator]
            holders.setdefault(entity, []).append((member, rid))

    def number() -> str:
        return f"{rng.randint(100000, 13999999):08d}"

    def postcode(outward: str) -> str:
        return f"{outward} {rng.randint(1, 9)}{rng.choice(synth.INWARD)}{rng.choice(synth.INWARD)}"

    words = [f"{w} {k}" for w in synth.COMPANY_WORDS for k in synth.COMPANY_KINDS]
    rng.shuffle(words)
    towns = random.Random(seed * 49979687 + 3)  # the towns members write (own draws)
    for i in range(8):  # two companies of one trading name in two towns
        name = words.pop()
        for j, (town, outward) in enumerate(rng.sample(synth.TOWNS, 2)):
            no, pc, street = number(), postcode(outward), f"Unit {rng.randint(1, 30)} {rng.choice(synth.STREETS)}"
            place(f"same{i}-{j}", rng.choice([2, 3, 4]),
                  lambda rid, n=name, no=no, pc=pc, st=street, t=town: _in_town(towns, _company(rng, rid, n, no, pc, st), t))
    for i in range(8):  # a phoenix: same name and address, a new number
        name = words.pop()
        pc, street = postcode("PE21"), f"Unit {rng.randint(1, 30)} Riverside Industrial Estate"
        for j in range(2):
            no = number()
            place(f"phoenix{i}-{j}", rng.choice([2, 3, 4]),
                  lambda rid, n=name, no=no, pc=pc, st=street: _company(rng, rid, n, no, pc, st))
    for i in range(6):  # one company with branches in two or three towns, one number
        name = words.pop()
        no = number()
        for town, outward in rng.sample(synth.TOWNS, rng.choice([2, 3])):
            pc, street = postcode(outward), f"Unit {rng.randint(1, 30)} {rng.choice(synth.STREETS)}"
            place(f"branches{i}", rng.choice([1, 2, 3]),
                  lambda rid, n=name, no=no, pc=pc, st=street, t=town: _in_town(towns, _branch(rng, rid, n, no, pc, st), t))
    people = synth.draw_population(rng, 200)
    for i in range(10):  # one bank account (or phone) for several people, no dates of birth
        sort = "".join(rng.choices(string.digits, k=6))
        account = "".join(rng.choices(string.digits, k=8))
        phone = "07" + "".join(rng.choices(string.digits, k=9))
        shared_bank = rng.random() < 0.6
        for j in range(rng.choice([2, 3])):
            p = people.pop()

            def make(rid: str, p: synth.Person = p, bank: bool = shared_bank, sort: str = sort,
                     account: str = account, phone: str = phone) -> dict[str, str]:
                row = _row(rid, given_name=p.given, family_name=p.family)
                if bank:
                    row["bank_account"] = f"{sort[:2]}-{sort[2:4]}-{sort[4:]} {account}"
                else:
                    row["phone"] = phone
                if rng.random() < 0.5:
                    row["locality"] = p.town
                return row

            place(f"shared{i}-{j}", rng.choice([1, 2]), make)
    for i in range(6):  # namesakes without dates of birth, one phone each
        given, family = rng.choice(synth.GIVEN), rng.choice(synth.FAMILY)
        town, outward = rng.choice(synth.TOWNS)
        for j in range(3):
            phone = "07" + "".join(rng.choices(string.digits, k=9))
            pc = postcode(outward)

            def make_n(rid: str, ph: str = phone, pc: str = pc, given: str = given, family: str = family,
                       town: str = town) -> dict[str, str]:
                row = _row(rid, given_name=given, family_name=family, locality=town)
                if rng.random() < 0.6:
                    row["phone"] = ph
                if rng.random() < 0.5:
                    row["postcode"] = pc
                return row

            place(f"namesake{i}-{j}", rng.choice([1, 2]), make_n)
    for i in range(30):  # housemates: one address and landline, different people
        town, outward = rng.choice(synth.TOWNS)
        street = f"{rng.randint(1, 200)} {rng.choice(synth.STREETS)}"
        pc = postcode(outward)
        landline = "01" + "".join(rng.choices(string.digits, k=9))
        family = rng.choice(synth.FAMILY) if rng.random() < 0.5 else None
        for j in range(rng.choice([2, 3, 4])):
            p = people.pop()

            def make_h(rid: str, p: synth.Person = p, family: str | None = family, street: str = street,
                       pc: str = pc, town: str = town, landline: str = landline,
                       dob: bool = rng.random() < 0.7, mobile: bool = rng.random() < 0.3) -> dict[str, str]:
                row = _row(rid, given_name=p.given, family_name=family or p.family, street_address=street,
                           postcode=pc, locality=town if rng.random() < 0.5 else "")
                if dob:
                    row["date_of_birth"] = p.dob.isoformat()
                if mobile and rng.random() < 0.5:
                    row["phone"] = p.phone  # their own mobile, this time
                elif rng.random() < 0.7:
                    row["phone"] = landline
                return row

            place(f"house{i}-{j}", rng.choice([1, 2]), make_h)
    for i in range(5):  # a minibus: the plate every worker it carries gives, different people
        plate = (rng.choice(string.ascii_uppercase) + rng.choice(string.ascii_uppercase)
                 + f"{rng.randint(10, 75):02d}" + "".join(rng.choices(string.ascii_uppercase, k=3)))
        town, _outward = rng.choice(synth.TOWNS)
        for j in range(rng.choice([3, 4, 5])):
            p = people.pop()

            def make_v(rid: str, p: synth.Person = p, plate: str = plate, town: str = town,
                       dob: bool = rng.random() < 0.5, own: bool = rng.random() < 0.3) -> dict[str, str]:
                row = _row(rid, given_name=p.given, family_name=p.family,
                           vehicle_registration=rng.choice([plate, f"{plate[:4]} {plate[4:]}", plate.lower()]))
                if dob:
                    row["date_of_birth"] = p.dob.isoformat()
                if own:
                    row["phone"] = p.phone
                if rng.random() < 0.5:
                    row["locality"] = town
                return row

            place(f"minibus{i}-{j}", rng.choice([1, 2]), make_v)
    _overlapping_names(random.Random(seed * 104729 + 31), place)
    _agencies_at_one_office(random.Random(seed * 7727 + 5), place)
    for member, path in enumerate(files):
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        rows.extend(added[member])
        rng.shuffle(rows)
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(synth.COLUMNS))
            writer.writeheader()
            writer.writerows(rows)
    with open(directory / "confusers.csv", "w", newline="", encoding="utf-8") as handle:
        # which confuser each added record is (the tuner's ground truth, never read by msin link)
        writer = csv.writer(handle)
        writer.writerow(["record_id", "entity_id"])
        writer.writerows((rid, entity) for entity, mentions in holders.items() for _m, rid in mentions)
    out = set(truth)
    for mentions in holders.values():
        for i, (ma, ra) in enumerate(mentions):
            for mb, rb in mentions[i + 1 :]:
                if ma != mb:
                    out.add((ra, rb) if ra < rb else (rb, ra))
    return files, out
