"""A seeded synthetic corpus of UK labour-exploitation reports with planted identifiers.

Hotline calls, audit findings and worker-voice statements, each naming people from the
communities most affected, with phones, e-mails, postcodes, plates, NINOs, IBANs, sort
codes and accounts, passports, dates of birth, addresses, sites and companies written
in varied formats and cases. Every planted value is recorded with its type and whether
it is also in the report's structured fields (``known``), so a benchmark can measure
what leaks. Look-alikes that must be kept (amounts, counts, durations, towns, dates)
are recorded too.

Two splits: ``tuning`` (templates T, name pool A) and ``heldout`` (templates H, name
pool B, other streets, sites and companies); generate the held-out one with a seed you
did not tune on.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass, field

import phonenumbers

from msin_fed.model.identifiers import (
    BankAccount,
    CompanyNumber,
    DateOfBirth,
    Email,
    Iban,
    Identifier,
    Nino,
    Passport,
    PersonName,
    Phone,
    SiteName,
    StreetAddress,
    VehicleRegistration,
)
from msin_fed.redaction._names import POOL_A, POOL_B
from msin_fed.redaction._text import fold

__all__ = ["SPLITS", "CorpusDoc", "Planted", "generate", "kept", "leaked"]

SPLITS = ("tuning", "heldout")


@dataclass(frozen=True)
class Planted:
    """One planted identifier: benchmark type, the exact text written, and whether it is a known field."""

    kind: str
    surface: str
    known: bool


@dataclass
class CorpusDoc:
    """One report: its text, its structured identifiers, what was planted and what must be kept."""

    doc_id: str
    text: str
    known: list[Identifier] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)


_TOWNS = ("Wisbech", "Boston", "Spalding", "King's Lynn", "Peterborough", "Evesham", "Hereford", "Thetford",
          "Kettering", "Corby", "Grimsby", "Scunthorpe", "Maidstone", "Sittingbourne", "Leicester", "Bradford")
_AREAS = ("PE", "LN", "NR", "CB", "HR", "WR", "NN", "DN", "ME", "LE", "BD", "HU", "IP", "CT", "TN", "ST")
_STREETS = {
    "tuning": ("Mill Lane", "Church Road", "Station Road", "Victoria Street", "Park Avenue", "Chapel Close",
               "Queens Drive", "London Road", "Orchard Way", "High Street"),
    "heldout": ("Fen Road", "Albert Street", "Meadow Close", "Kingsway Court", "Windmill Lane", "Water Lane",
                "Elm Grove", "Sutton Road", "Bridge Street", "Princes Avenue"),
}
_SITES = {
    "tuning": ("Green Acres Farm", "Fenland Packhouse", "Willow Nurseries", "Sunrise Hand Car Wash", "Marsh End Farm",
               "Oakleigh Orchards"),
    "heldout": ("Holbeach Growers", "Brookside Farm", "Redhouse Packing", "Crown Nails", "Meadowbank Poultry",
                "Riverside Hand Car Wash"),
}
_COMPANIES = {
    "tuning": ("Baltic Staffing Ltd", "Eastern Labour Solutions Ltd", "Prime Recruitment", "Fenway Personnel Ltd"),
    "heldout": ("Danube Workforce Ltd", "Quickstaff Employment", "Northgate Agency Ltd", "Carpathia Services Ltd"),
}
_PHONE_REGIONS = ("GB", "GB", "GB", "RO", "BG", "LT", "PL", "SK", "AL", "VN", "NG", "UA")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")

# Templates: {P} a person, other fields by type. T for tuning, H for held-out.
_OPENERS = {
    "tuning": {
        "hotline": ["Hotline call received {date}. The caller, who works at a site near {town}, reported concerns.",
                    "Call to the helpline on {date} from a worker in {town}."],
        "audit": ["Ethical audit of a supplier site near {town}, {date}. Findings below.",
                  "Unannounced audit visit on {date} at a packing site outside {town}."],
        "voice": ["Worker voice statement taken on {date} in {town}.",
                  "Statement given through an interpreter on {date}, {town}."],
    },
    "heldout": {
        "hotline": ["Anonymous call logged {date}; caller is based around {town}.",
                    "Modern slavery helpline referral, {date}, {town} area."],
        "audit": ["Social compliance audit, {town}, {date}.", "Site assessment carried out {date} near {town}."],
        "voice": ["Interview notes, {date}, {town} drop-in centre.", "Account given by a worker on {date} in {town}."],
    },
}
_SENTENCES = {
    "tuning": {
        "controller": ["The gangmaster is {P}, who drives the workers to the fields every morning.",
                       "A man called {P} collects the wages and keeps most of it.",
                       "Workers say {P} is in charge and threatens anyone who complains."],
        "victim": ["Worker {P} said her passport was taken on arrival.",
                   "{P} told us she owes a debt of {money} for travel.", "Another worker, {P}, sleeps in the van."],
        "repeat": ["{P} was seen again at the site last week.", "Nobody dares speak against {P}."],
        "phone": ["The caller gave a number for him: {v}.", "He can be reached on {v}.", "His mobile is {v}."],
        "email": ["Job adverts ask people to write to {v}.", "The agency uses the e-mail {v}."],
        "address": ["Eight men live at {v}, {town}, in one house.", "The workers stay at {v}, {town}."],
        "postcode": ["The house is in {town}, postcode {v}.", "Pick-up point is a lay-by near {v}."],
        "vehicle": ["They are driven in a white Transit, registration {v}.", "The minibus reg is {v}."],
        "nino": ["His NI number is {v}.", "Payslips show the national insurance number {v} for several people."],
        "iban": ["Wages go into the account IBAN {v}.", "Money is sent to {v} in his name."],
        "bank": ["Pay goes to sort code {sc} account {acc}.", "Transfers to account number {acc}, sort code {sc}."],
        "passport": ["She showed a copy of passport {v}.", "The passport number is {v}."],
        "dob": ["{P} (date of birth {v}) is the youngest.", "{P}, born {v}, arrived in May."],
        "site": ["They work at {v} most days.", "The site is {v}, outside {town}."],
        "company": ["The workers are supplied by {v}.", "Payslips come from {v}."],
        "company_number": ["Companies House lists the agency as company number {v}."],
    },
    "heldout": {
        "controller": ["Everyone answers to {P}, who takes their bank cards.", "The boss {P} decides who works each day.",
                       "Workers named their controller as {P}."],
        "victim": ["A young worker named {P} has not been paid for weeks.", "{P} said the debt keeps growing.",
                   "We spoke to {P} who was afraid to talk."],
        "repeat": ["Later {P} phoned the worker to warn her.", "According to the workers {P} carries a knife."],
        "phone": ["Contact number given: {v}.", "He calls from {v} at night.", "Tel {v}."],
        "email": ["Recruitment messages come from {v}.", "Contact e-mail on the advert was {v}."],
        "address": ["Accommodation at {v}, {town} is overcrowded.", "She was living at {v} with eleven others."],
        "postcode": ["Workers are dropped at {v} each evening.", "Postcode of the house: {v}."],
        "vehicle": ["A silver van {v} was seen at the gate.", "Vehicle used: {v}."],
        "nino": ["NINO {v} is used by three different workers.", "National insurance no. {v}."],
        "iban": ["Payments were routed to {v}.", "Bank details on the sheet: IBAN {v}."],
        "bank": ["Account {acc} (sort code {sc}) receives the wages.", "Bank: s/c {sc}, a/c {acc}."],
        "passport": ["Passport no. {v} is held by the supervisor.", "He keeps passport {v} in his car."],
        "dob": ["{P}, DOB {v}, says he is forced to work.", "{P} gave her date of birth as {v}."],
        "site": ["Workers are taken to {v} near {town}.", "Conditions at {v} are poor."],
        "company": ["The labour provider is {v}.", "{v} issues the payslips."],
        "company_number": ["The provider's company no. {v} appears on the invoice."],
    },
}
_KEEP_SENTENCES = [
    "About {count} workers are on site and they work {hours} hours a day.",
    "Each worker pays {money} a week for a bed.",
    "This has been going on since {date2}.",
    "They get a day off every {days} days.",
]


def _case(rng: random.Random, text: str) -> str:
    r = rng.random()
    if r < 0.15:
        return text.lower()
    if r < 0.3:
        return text.upper()
    return text


def _phone(rng: random.Random) -> tuple[str, Phone]:
    region = rng.choice(_PHONE_REGIONS)
    base = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert base is not None
    for _ in range(50):
        digits = str(base.national_number)
        keep = 3 if len(digits) > 7 else 2
        candidate = digits[:keep] + "".join(rng.choice(string.digits) for _ in digits[keep:])
        num = phonenumbers.parse("+" + str(base.country_code) + candidate)
        if phonenumbers.is_valid_number(num):
            break
    fmt = rng.choice((phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.E164,
                      phonenumbers.PhoneNumberFormat.NATIONAL))
    if region != "GB" and fmt == phonenumbers.PhoneNumberFormat.NATIONAL and rng.random() < 0.5:
        fmt = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    text = phonenumbers.format_number(num, fmt)
    if fmt == phonenumbers.PhoneNumberFormat.NATIONAL and region == "GB" and rng.random() < 0.3:
        text = text.replace(" ", "")
    if fmt == phonenumbers.PhoneNumberFormat.INTERNATIONAL and rng.random() < 0.2:
        text = "00" + text[1:]
    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    return text, Phone(e164)


def _postcode(rng: random.Random) -> str:
    area = rng.choice(_AREAS)
    district = str(rng.randint(1, 39))
    unit = rng.choice("ABDEFGHJLNPQRSTUWXYZ") + rng.choice("ABDEFGHJLNPQRSTUWXYZ")
    return f"{area}{district} {rng.randint(1, 9)}{unit}"


def _plate(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNOPRSTUVWXY"
    r = rng.random()
    if r < 0.7:
        return f"{rng.choice(letters)}{rng.choice(letters)}{rng.choice(['15', '16', '65', '18', '68', '19', '70', '21', '71'])} " \
               + "".join(rng.choice(letters) for _ in range(3))
    if r < 0.85:  # Romanian
        return f"{rng.choice(['B', 'CJ', 'IS', 'TM'])} {rng.randint(10, 99)} " + "".join(rng.choice(letters) for _ in range(3))
    return f"{rng.choice(['CA', 'CB', 'PB'])} {rng.randint(1000, 9999)} " + "".join(rng.choice(letters) for _ in range(2))


def _nino(rng: random.Random) -> str:
    first, second = rng.choice("ABCEGHJKLMNPRSTWXYZ"), rng.choice("ABCEGHJKLMNPRSTWXYZ")
    if first + second in ("GB", "NK", "TN", "ZZ", "BG", "KN", "NT"):
        first = "J"
    d = "".join(rng.choice(string.digits) for _ in range(6))
    suffix = rng.choice("ABCD")
    return rng.choice((f"{first}{second} {d[:2]} {d[2:4]} {d[4:]} {suffix}", f"{first}{second}{d}{suffix}"))


def _iban(rng: random.Random) -> str:
    def digits(n: int) -> str:
        return "".join(rng.choice(string.digits) for _ in range(n))

    country = rng.choice(("GB", "RO", "LT", "BG", "PL"))
    bban = {
        "GB": rng.choice(["WEST", "BARC", "LOYD", "NWBK", "HBUK"]) + digits(14),
        "RO": rng.choice(["BTRL", "RNCB", "BRDE"]) + digits(16),
        "LT": digits(16),
        "BG": rng.choice(["BNBG", "UNCR"]) + digits(14),
        "PL": digits(24),
    }[country]
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    check = 98 - int(numeric) % 97
    iban = f"{country}{check:02d}{bban}"
    if rng.random() < 0.6:
        iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return iban


def _passport(rng: random.Random) -> tuple[str, str]:
    kind = rng.choice(("GB", "RO", "BG", "VN", "UA", "PL"))
    def digits(n: int) -> str:
        return "".join(rng.choice(string.digits) for _ in range(n))

    value = {
        "GB": digits(9), "RO": "0" + digits(7), "BG": "38" + digits(7), "VN": "C" + digits(7),
        "UA": "F" + rng.choice("ABEKM") + digits(6), "PL": rng.choice(["EA", "ER", "EU"]) + digits(7),
    }[kind]
    return value, kind


def _dob(rng: random.Random) -> tuple[str, DateOfBirth]:
    y, m, d = rng.randint(1965, 2006), rng.randint(1, 12), rng.randint(1, 28)
    text = rng.choice((f"{d:02d}/{m:02d}/{y}", f"{d}.{m}.{y}", f"{y}-{m:02d}-{d:02d}", f"{d} {_MONTHS[m - 1]} {y}",
                       f"{_MONTHS[m - 1]} {d}, {y}"))
    return text, DateOfBirth(f"{y}-{m:02d}-{d:02d}")


def generate(split: str = "tuning", n: int = 200, seed: int = 0) -> list[CorpusDoc]:
    """``n`` reports of ``split`` (``tuning`` or ``heldout``), deterministic for a seed."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    rng = random.Random(f"{split}:{seed}")
    pool = POOL_A if split == "tuning" else POOL_B
    sentences = _SENTENCES[split]
    docs = []
    for i in range(n):
        docs.append(_one(rng, split, pool, sentences, f"{split}-{seed}-{i:04d}"))
    return docs


def _person(rng: random.Random, pool: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]) -> tuple[str, str]:
    given, family = pool[rng.choice(sorted(pool))]
    return rng.choice(given), rng.choice(family)


def _name_forms(rng: random.Random, given: str, family: str) -> str:
    form = rng.random()
    if form < 0.45:
        text = f"{given} {family}"
    elif form < 0.6:
        text = given
    elif form < 0.75:
        text = family
    elif form < 0.85:
        text = f"{family.upper()} {given}"
    else:
        text = f"{given} {family}"
    return _case(rng, text)


def _one(rng: random.Random, split: str, pool: dict[str, tuple[tuple[str, ...], tuple[str, ...]]],
         sentences: dict[str, list[str]], doc_id: str) -> CorpusDoc:
    doc = CorpusDoc(doc_id, "")
    town = rng.choice(_TOWNS)
    date = f"{rng.randint(1, 28)} {rng.choice(_MONTHS)} 202{rng.randint(3, 5)}"
    kind = rng.choice(("hotline", "audit", "voice"))
    parts = [rng.choice(_OPENERS[split][kind]).format(date=date, town=town)]
    doc.keep += [town, date]

    people = []
    for role in ("controller", "victim", "victim"):
        given, family = _person(rng, pool)
        known = rng.random() < 0.5
        people.append((given, family, known))
        if known:
            doc.known.append(PersonName.of(given, family))
        surface = _name_forms(rng, given, family)
        money = f"£{rng.choice([450, 1200, 2500, 800])}"
        parts.append(rng.choice(sentences[role]).format(P=surface, money=money))
        doc.planted.append(Planted("PERSON", surface, known))
    g, f, k = people[0]
    surface = _case(rng, rng.choice([f, g, f"{g} {f}"]))
    parts.append(rng.choice(sentences["repeat"]).format(P=surface))
    doc.planted.append(Planted("PERSON", surface, k))

    kinds = ["phone", "email", "address", "postcode", "vehicle", "nino", "iban", "bank", "passport", "dob", "site",
             "company", "company_number"]
    for what in rng.sample(kinds, rng.randint(6, 10)):
        known = rng.random() < 0.4
        tmpl = rng.choice(sentences[what])
        if what == "phone":
            text, phone = _phone(rng)
            planted: list[tuple[str, str, Identifier]] = [("PHONE", text, phone)]
            parts.append(tmpl.format(v=text))
        elif what == "email":
            gg, ff = _person(rng, pool)
            domain = rng.choice(["gmail.com", "yahoo.co.uk", "outlook.com", "mail.ru", "abv.bg"])
            text = _case(rng, f"{fold(gg)}.{fold(ff)}{rng.randint(1, 99)}@{domain}")
            planted = [("EMAIL", text, Email(text))]
            parts.append(tmpl.format(v=text))
        elif what == "address":
            street = f"{rng.randint(1, 240)} {rng.choice(_STREETS[split])}"
            if rng.random() < 0.2:
                street = f"Flat {rng.randint(1, 9)}, {street}"
            street = _case(rng, street) if rng.random() < 0.5 else street
            pc = _postcode(rng)
            planted = [("ADDRESS", street, StreetAddress(f"{street}, {town}", postcode=pc, locality=town))]
            parts.append(tmpl.format(v=street, town=town))
        elif what == "postcode":
            pc = _case(rng, _postcode(rng))
            if rng.random() < 0.2:
                pc = pc.replace(" ", "")
            planted = [("POSTCODE", pc, StreetAddress(f"{town} {pc}", postcode=pc, locality=town))]
            parts.append(tmpl.format(v=pc, town=town))
        elif what == "vehicle":
            plate = _plate(rng)
            plate = plate.lower() if rng.random() < 0.1 else plate
            plate = plate.replace(" ", "") if rng.random() < 0.3 else plate
            planted = [("VEHICLE", plate, VehicleRegistration(plate))]
            parts.append(tmpl.format(v=plate))
        elif what == "nino":
            text = _case(rng, _nino(rng)) if rng.random() < 0.3 else _nino(rng)
            planted = [("NINO", text, Nino(text))]
            parts.append(tmpl.format(v=text))
        elif what == "iban":
            text = _iban(rng)
            planted = [("IBAN", text, Iban(text))]
            parts.append(tmpl.format(v=text))
        elif what == "bank":
            sc = "".join(rng.choice(string.digits) for _ in range(6))
            acc = "".join(rng.choice(string.digits) for _ in range(8))
            sct = rng.choice((f"{sc[:2]}-{sc[2:4]}-{sc[4:]}", sc, f"{sc[:2]} {sc[2:4]} {sc[4:]}"))
            parts.append(tmpl.format(sc=sct, acc=acc))
            bank = BankAccount(f"{sc} {acc}")
            planted = [("SORT_CODE", sct, bank), ("ACCOUNT", acc, bank)]
        elif what == "passport":
            text, country = _passport(rng)
            planted = [("PASSPORT", text, Passport(text, country=country))]
            parts.append(tmpl.format(v=text))
        elif what == "dob":
            text, dob = _dob(rng)
            gg, ff = _person(rng, pool)
            who = _name_forms(rng, gg, ff)
            planted = [("DOB", text, dob)]
            parts.append(tmpl.format(v=text, P=who))
            doc.planted.append(Planted("PERSON", who, False))
        elif what == "site":
            site = rng.choice(_SITES[split])
            planted = [("SITE", site, SiteName(site))]
            parts.append(tmpl.format(v=site, town=town))
        elif what == "company":
            company = rng.choice(_COMPANIES[split])
            planted = [("COMPANY", company, SiteName(company))]
            parts.append(tmpl.format(v=company))
        else:
            number = rng.choice((f"{rng.randint(1, 15999999):08d}", f"SC{rng.randint(100000, 999999)}"))
            planted = [("COMPANY_NUMBER", number, CompanyNumber(number))]
            parts.append(tmpl.format(v=number))
        for ptype, surface, _ident in planted:
            doc.planted.append(Planted(ptype, surface, known))
        if known and planted[0][2] not in doc.known:
            doc.known.append(planted[0][2])

    keep_values = {
        "count": str(rng.randint(6, 60)), "hours": str(rng.randint(10, 16)), "money": f"£{rng.randint(40, 150)}",
        "date2": f"{rng.choice(_MONTHS)} 202{rng.randint(2, 5)}", "days": str(rng.randint(10, 21)),
    }
    for tmpl in rng.sample(_KEEP_SENTENCES, 2):
        parts.insert(rng.randint(1, len(parts)), tmpl.format(**keep_values))
        doc.keep += [v for k, v in keep_values.items() if "{" + k + "}" in tmpl]
    doc.text = " ".join(parts)
    return doc


def _squash(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


def leaked(planted: Planted, redacted: str) -> bool:
    """True when ``planted`` can still be recovered from ``redacted``.

    Names leak when any of their words (3+ letters) survives as a word; everything else
    leaks when its letters and digits survive in sequence (separators ignored).
    """
    if planted.kind == "PERSON":
        words = set(re.findall(r"[^\W\d_]{3,}", fold(redacted)))
        return any(w in words for w in re.findall(r"[^\W\d_]{3,}", fold(planted.surface)))
    if planted.kind in ("SITE", "COMPANY"):
        return fold(planted.surface) in fold(redacted)
    return _squash(planted.surface) in _squash(redacted)


def kept(value: str, redacted: str) -> bool:
    """True when a look-alike that must be kept (amount, count, town, date) is still there."""
    return value in redacted
