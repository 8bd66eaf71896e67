"""Synthetic multi-member entity mentions with ground truth, in the canonical columns.

A population of people (many sharing a name: namesakes), each known to one or more
members. Every mention is held the way a member would hold it: some fields missing,
phones, dates, postcodes, plates and bank details in assorted formats, diacritics kept
or dropped, given and family names swapped, typos in names (some at a word's first or
last letter) and addresses, phones keyed with a digit wrong, two swapped or one dropped
by some members. A few labour agencies' office landlines and addresses are given by many
unrelated people, the trap that must not chain them together; so are a gangmaster's
mobile and the plate of the agency's minibus. Vietnamese (family name first, a middle name some members drop),
Hungarian and Slovak people come with their own naming, names are transliterated in
other ways by some members, dates of birth are keyed wrong (often naming no real day), and some people keep a mobile from home, which one member
writes without its country prefix.

``write_set(directory, seed)`` writes ``member_<n>.csv`` files and returns them with the
true pairs ``(record_id, record_id)`` of mentions of one person in different files.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

COLUMNS = (
    "record_id", "given_name", "family_name", "date_of_birth", "phone", "email",
    "street_address", "locality", "postcode", "country", "vehicle_registration",
    "national_id", "passport_number", "bank_account", "company_name", "company_number",
    "site_name",
)

#: seeds used to tune the model, and seeds it is reported on
SPLITS: dict[str, tuple[int, ...]] = {"tune": (1, 2, 3), "test": (101, 102, 103)}

GIVEN = ["Ștefan", "Ion", "Andrei", "Mihai", "Gheorghe", "Vasile", "Ana", "Maria", "Elena",
         "Ioana", "Piotr", "Łukasz", "Krzysztof", "Tomasz", "Agnieszka", "Małgorzata", "Jānis",
         "Andris", "Tomas", "Jonas", "Darius", "Vilma", "Minh", "Thanh", "Hùng", "Lan", "Dritan",
         "Arben", "Besnik", "Ardit", "John", "David", "James", "Sarah", "Emma", "Mohammed",
         "Ahmed", "Fatima", "Oksana", "Dmytro", "Yuliia", "Bogdan", "Radu", "Florin", "Gabriela",
         "Katarzyna", "William", "Robert", "Georgi", "Dimitar", "Nikolay"]
FAMILY = ["Popescu", "Ionescu", "Popa", "Radu", "Dumitrescu", "Stan", "Wiśniewski", "Kowalski",
          "Nowak", "Wójcik", "Kamiński", "Lewandowski", "Bērziņš", "Kalniņš", "Kazlauskas",
          "Petrauskas", "Jankauskas", "Nguyễn", "Trần", "Lê", "Phạm", "Hoxha", "Krasniqi",
          "Gashi", "Berisha", "Smith", "Jones", "Taylor", "Brown", "Khan", "Ali", "Hussain",
          "Shevchenko", "Kovalenko", "Bondarenko", "Marin", "Constantin", "Șerban", "Țurcanu",
          "Ivanov", "Petrova", "Georgiev", "Dimitrov"]

#: People of three more communities, with their own naming: Vietnamese names are family,
#: middle, given (``Nguyễn Văn Hùng``; many members write only ``Hùng Nguyễn``), Hungarian
#: ones family first at home (``Kovács László``), Slovak women's family names end in -ová.
VIETNAMESE = (["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"],
              ["Văn", "Thị", "Đức", "Ngọc", "Quang"],
              ["Hùng", "Hương", "Tuấn", "Dũng", "Thảo", "Linh", "Phương", "Quý"])
HUNGARIAN = (["László", "Zoltán", "Erzsébet", "Gábor", "Katalin", "István", "Éva", "Ferenc"],
             ["Kovács", "Szabó", "Tóth", "Horváth", "Nagy", "Varga", "Kiss", "Molnár"])
SLOVAK = (["Ján", "Peter", "Marek", "Zuzana", "Jana", "Mária", "Ľubomír", "Štefan"],
          ["Horváth", "Kováč", "Baláž", "Tóth", "Šimko", "Varga", "Lukáč", "Hudák"])
SLOVAK_WOMEN = {"Zuzana", "Jana", "Mária"}

#: Home-country mobiles: country, example of the national significant number's shape
#: (``#`` a random digit). Written in national form by some members.
HOME_MOBILES = {"RO": "7########", "PL": "5########", "BG": "88#######", "LT": "6#######",
                "SK": "9########", "HU": "20#######", "VN": "9########", "AL": "69#######",
                "UA": "50#######"}
#: A country of a person, from the family name (the nationality a member may write).
NATIONALITY = {**{f: "RO" for f in ["Popescu", "Ionescu", "Popa", "Radu", "Dumitrescu", "Stan",
                                    "Marin", "Constantin", "Șerban", "Țurcanu"]},
               **{f: "PL" for f in ["Wiśniewski", "Kowalski", "Nowak", "Wójcik", "Kamiński", "Lewandowski"]},
               **{f: "LV" for f in ["Bērziņš", "Kalniņš"]},
               **{f: "LT" for f in ["Kazlauskas", "Petrauskas", "Jankauskas"]},
               **{f: "AL" for f in ["Hoxha", "Krasniqi", "Gashi", "Berisha"]},
               **{f: "UA" for f in ["Shevchenko", "Kovalenko", "Bondarenko"]},
               **{f: "BG" for f in ["Ivanov", "Petrova", "Georgiev", "Dimitrov"]},
               **{f: "GB" for f in ["Smith", "Jones", "Taylor", "Brown"]},
               **{f: "PK" for f in ["Khan", "Ali", "Hussain"]},
               **{f: "VN" for f in VIETNAMESE[0]}, **{f: "HU" for f in HUNGARIAN[1]},
               **{f: "SK" for f in SLOVAK[1]}}

#: Other Latin spellings a member may write for a name (transliterations from Cyrillic,
#: Arabic and Vietnamese by other schemes, or as heard).
TRANSLITERATIONS = {
    "Yuliia": ["Yulia", "Iuliia", "Julia"], "Dmytro": ["Dmitro", "Dmitriy"], "Oksana": ["Oxana"],
    "Shevchenko": ["Shevtchenko", "Schewtschenko"], "Kovalenko": ["Kowalenko"],
    "Bondarenko": ["Bondarenco"], "Georgi": ["Georgy", "Gueorgui"], "Nikolay": ["Nikolai", "Nicolay"],
    "Dimitar": ["Dimitur", "Dimitr"], "Ivanov": ["Ivanoff"], "Georgiev": ["Gueorguiev", "Georgiew"],
    "Mohammed": ["Muhammad", "Mohamed", "Mohammad"], "Hussain": ["Hussein", "Husain"],
    "Ahmed": ["Ahmad"], "Fatima": ["Fatma"], "Khan": ["Kahn"], "Nguyễn": ["Nguyen", "Ngyuen"],
    "Krasniqi": ["Krasniqui"], "Hoxha": ["Hodja", "Hoxa"], "Andrei": ["Andrey", "Andrej"],
    "Vasile": ["Vasili"], "Gheorghe": ["Georghe"], "Łukasz": ["Lukash"],
}

#: Values members write in a field they have nothing for.
JUNK = ["N/A", "n/a", "unknown", "Unknown", "-", "?", "not known", "NK", "none"]

#: Nicknames and short forms a member may write instead of the given name (this
#: generator's own list, written apart from the matcher's tables).
NICKNAMES = {
    "John": ["Johnny", "Jack"], "David": ["Dave"], "James": ["Jim", "Jimmy"],
    "William": ["Bill", "Will", "Billy"], "Robert": ["Bob", "Rob", "Bobby"],
    "Sarah": ["Sally"], "Mohammed": ["Mo"], "Ion": ["Ionuț", "Nelu"], "Gheorghe": ["Gigi"],
    "Vasile": ["Vasilică"], "Piotr": ["Piotrek"], "Krzysztof": ["Krzysiek"],
    "Tomasz": ["Tomek"], "Agnieszka": ["Aga"], "Małgorzata": ["Gosia", "Małgosia"],
    "Katarzyna": ["Kasia", "Kaśka"], "Dmytro": ["Dima"], "Georgi": ["Gosho"],
    "Dimitar": ["Mitko"], "Nikolay": ["Kolyo"], "Jonas": ["Jonukas"], "Dritan": ["Tani"],
    "Gabriela": ["Gabi"], "Florin": ["Florinel"], "Andrei": ["Andi"], "Elena": ["Lena"],
}

#: Cyrillic spellings of the names of the Ukrainian and Bulgarian people of the population.
CYRILLIC = {
    "Oksana": "Оксана", "Dmytro": "Дмитро", "Yuliia": "Юлія", "Bogdan": "Богдан",
    "Shevchenko": "Шевченко", "Kovalenko": "Коваленко", "Bondarenko": "Бондаренко",
    "Georgi": "Георги", "Dimitar": "Димитър", "Nikolay": "Николай", "Ivanov": "Иванов",
    "Petrova": "Петрова", "Georgiev": "Георгиев", "Dimitrov": "Димитров",
}


@dataclass(frozen=True)
class MemberStyle:
    """How one member keeps data: its date layout and the messiness of its export."""

    dates: tuple[str, ...] = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%Y%m%d", "%d-%m-%Y")
    mojibake: float = 0.0  # names exported as UTF-8 read as Windows-1252
    cyrillic: float = 0.0  # Ukrainian/Bulgarian names written in Cyrillic
    ocr: float = 0.0  # a NINO keyed with O for 0, I for 1, S for 5
    no_postcode: bool = False  # keeps the town of an address, not its postcode
    no_locality: bool = False  # keeps the postcode of an address, not its town
    nationality: bool = False  # fills ``country`` with the person's nationality
    junk: float = 0.0  # writes N/A, unknown, - in a field it has nothing for
    one_field: float = 0.0  # the whole name in one field (family first for VN/HU)
    home_phone: float = 0.0  # a home-country mobile, in national form without its prefix
    tn: float = 0.0  # a temporary reference (TN + date of birth + sex) for a missing NINO
    bad_iban: float = 0.0  # an IBAN keyed with one character wrong (checksum fails)
    bad_postcode: float = 0.0  # a postcode cut to its district, or keyed with O for 0 / I for 1
    bad_date: float = 0.0  # a date of birth keyed month first, or with the day's digits swapped
    bad_phone: float = 0.0  # a phone keyed with one digit wrong, two adjacent swapped, or one dropped


#: Member ``n`` keeps data in style ``MEMBER_STYLES[n % len(MEMBER_STYLES)]``.
MEMBER_STYLES: tuple[MemberStyle, ...] = (
    MemberStyle(dates=("%m/%d/%Y",), nationality=True),  # US order throughout
    MemberStyle(dates=("%d/%m/%y", "%d.%m.%y"), no_locality=True, junk=0.3, bad_phone=0.15),  # two-digit years
    MemberStyle(mojibake=0.5, one_field=0.5, bad_postcode=0.4),
    MemberStyle(cyrillic=0.6, ocr=0.5, tn=0.6, bad_iban=0.4),
    MemberStyle(no_postcode=True, home_phone=0.7, bad_phone=0.1),
    MemberStyle(dates=("%d %b %Y", "%d-%b-%y", "%B %d, %Y"), junk=0.2, one_field=0.3, bad_phone=0.15),  # month names
    MemberStyle(dates=("%m-%d-%Y", "%m/%d/%Y"), nationality=True, bad_iban=0.3),
    MemberStyle(home_phone=0.5, tn=0.5, bad_postcode=0.3, bad_date=0.2),
)
STREETS = ["High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue",
           "Victoria Street", "Green Lane", "Manor Road", "Queens Road", "London Road",
           "Farm Lane", "Albert Street", "King Street", "New Road", "Chapel Street"]
ABBREV = {"Street": "St", "Road": "Rd", "Avenue": "Ave", "Lane": "Ln"}
TOWNS = [("Boston", "PE21"), ("Spalding", "PE11"), ("Wisbech", "PE13"), ("Kings Lynn", "PE30"),
         ("Evesham", "WR11"), ("Hereford", "HR1"), ("Peterborough", "PE1"), ("Leeds", "LS9"),
         ("Bradford", "BD3"), ("Luton", "LU1"), ("Slough", "SL1"), ("Glasgow", "G42")]
INWARD = "ABDEFGHJLNPQRSTUWXYZ"
SORT_BANKS = ["NWBK", "BARC", "LOYD", "HBUK", "MIDL"]


def _iban_gb(bank: str, sort: str, account: str) -> str:
    bban = bank + sort + account
    digits = "".join(str(int(c, 36)) for c in bban + "GB00")
    check = 98 - int(digits) % 97
    return f"GB{check:02d}{bban}"


@dataclass
class Person:
    pid: int
    given: str
    family: str
    dob: dt.date
    phone: str
    email: str
    street: str
    town: str
    postcode: str
    vehicle: str
    nino: str
    passport: str
    passport_country: str
    sort: str
    account: str
    bank: str
    nationality: str = "GB"
    home_phone: str = ""  # E.164 of a mobile from home, if any
    middle: str = ""  # a Vietnamese middle name
    sex: str = "M"
    has_nino: bool = True


def _person(rng: random.Random, pid: int, given: str, family: str) -> Person:
    town, outward = rng.choice(TOWNS)
    postcode = f"{outward} {rng.randint(1, 9)}{rng.choice(INWARD)}{rng.choice(INWARD)}"
    nino = (rng.choice("ABCEHJKLMPRSTWXYZ") + rng.choice("ABCEHJKLMPRSTWXYZ")
            + "".join(rng.choices(string.digits, k=6)) + rng.choice("ABCD"))
    letters = "ABCDEFGHJKLMNOPRSTUVWXY"
    plate = (rng.choice(letters) + rng.choice(letters) + f"{rng.randint(10, 75):02d}"
             + "".join(rng.choices(letters, k=3)))
    ascii_name = (given + family).encode("ascii", "ignore").decode().lower() or "x"
    return Person(
        pid=pid, given=given, family=family,
        dob=dt.date(1960, 1, 1) + dt.timedelta(days=rng.randint(0, 15000)),
        phone="07" + rng.choice("4579") + "".join(rng.choices(string.digits, k=8)),
        email=f"{ascii_name}{rng.randint(1, 999)}@{rng.choice(['gmail.com', 'yahoo.com', 'mail.ro'])}",
        street=f"{rng.randint(1, 180)} {rng.choice(STREETS)}", town=town, postcode=postcode,
        vehicle=plate, nino=nino,
        passport="".join(rng.choices(string.digits, k=9)),
        passport_country=rng.choice(["RO", "PL", "LT", "LV", "VN", "AL", "GB", "UA"]),
        sort="".join(rng.choices(string.digits, k=6)),
        account="".join(rng.choices(string.digits, k=8)),
        bank=rng.choice(SORT_BANKS),
        **_origin(rng, given, family),
    )


def _origin(rng: random.Random, given: str, family: str) -> dict[str, object]:
    """Nationality, a home mobile (half of those from abroad), sex, whether a NINO was issued."""
    nationality = NATIONALITY.get(family) or ("SK" if family.endswith("ová") else "") or rng.choice(
        ["RO", "PL", "LT", "AL", "GB"])
    home = ""
    if nationality in HOME_MOBILES and rng.random() < 0.5:
        import phonenumbers

        for _ in range(50):
            digits = "".join(rng.choice(string.digits) if c == "#" else c for c in HOME_MOBILES[nationality])
            number = phonenumbers.parse("+" + str(phonenumbers.country_code_for_region(nationality)) + digits)
            if phonenumbers.is_valid_number(number):
                home = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                break
    women = {"Ana", "Maria", "Elena", "Ioana", "Agnieszka", "Małgorzata", "Vilma", "Lan", "Fatima",
             "Oksana", "Yuliia", "Gabriela", "Katarzyna", "Sarah", "Emma", "Erzsébet", "Katalin",
             "Éva", "Hương", "Thảo", "Linh", "Phương", *SLOVAK_WOMEN}
    return {"nationality": nationality, "home_phone": home,
            "sex": "F" if given.split()[-1] in women else "M", "has_nino": rng.random() < 0.8}


def _fold(text: str) -> str:
    import unicodedata

    table = str.maketrans({"ł": "l", "Ł": "L"})
    text = unicodedata.normalize("NFKD", text.translate(table))
    return "".join(c for c in text if not unicodedata.combining(c))


#: Of the name typos, the share that falls on a word's first or last letter (``Ohn`` /
#: ``John``, ``Kowalskj``; a swap of its first or last two letters, ``oJhn``): the
#: other typos never touch either.
EDGE_TYPO = 0.3


def _typo(rng: random.Random, text: str, edge: random.Random | None = None) -> str:
    """One typo: a letter substituted, dropped or added inside the text (never at its first
    or last letter), or two adjacent letters swapped (the first two at most, never the
    last). With ``edge`` (a generator of its own, so ``rng`` makes the same draws either
    way), ``EDGE_TYPO`` of them fall at a word's first or last letter instead."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    op = rng.choice(["sub", "del", "ins", "swap"])
    words = [(m.start(), m.end() - 1) for m in re.finditer(r"\w\w+", text)]
    if edge is not None and words and edge.random() < EDGE_TYPO:
        first, last = edge.choice(words)
        at_start = edge.random() < 0.5
        if op == "swap":
            i = first + 1 if at_start else last  # swaps text[i - 1] and text[i]
        elif op == "ins":
            i = first if at_start else last + 1  # before the first letter, after the last
        else:
            i = first if at_start else last
    if op == "sub":
        return text[:i] + rng.choice("aeiounrst") + text[i + 1 :]
    if op == "del":
        return text[:i] + text[i + 1 :]
    if op == "ins":
        return text[:i] + rng.choice("aeiounrst") + text[i:]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def _mistyped_phone(rng: random.Random, written: str) -> str:
    """The phone as written with one keying error in its last eight digits: a digit
    substituted, two adjacent digits swapped, or a digit dropped."""
    spots = [k for k, ch in enumerate(written) if ch.isdigit()][-8:]
    if len(spots) < 2:
        return written
    op = rng.choice(["sub", "swap", "drop"])
    j = rng.randrange(len(spots) - 1) if op == "swap" else rng.randrange(len(spots))
    k = spots[j]
    if op == "swap" and written[k] != written[spots[j + 1]]:
        chars = list(written)
        chars[k], chars[spots[j + 1]] = chars[spots[j + 1]], chars[k]
        return "".join(chars)
    if op == "drop":
        return written[:k] + written[k + 1 :]
    return written[:k] + rng.choice([d for d in string.digits if d != written[k]]) + written[k + 1 :]


def _phone_format(rng: random.Random, phone: str) -> str:
    national = phone[1:]
    return rng.choice([
        phone, f"{phone[:5]} {phone[5:]}", f"+44 {national[:4]} {national[4:]}",
        f"0044{national}", f"({phone[:5]}) {phone[5:]}", f"+44 (0){national}",
    ])


def _dob_format(rng: random.Random, dob: dt.date, style: MemberStyle | None = None) -> str:
    return dob.strftime(rng.choice((style or MemberStyle()).dates))


def _mojibake(text: str) -> str:
    """UTF-8 bytes read as Windows-1252 (bytes it leaves undefined read as Latin-1)."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


_OCR = {"0": "O", "1": "I", "5": "S"}


def _ocr_nino(rng: random.Random, nino: str) -> str:
    """The NINO with one digit that a scan or a typist confuses with a letter as that letter."""
    spots = [i for i in range(2, 8) if nino[i] in _OCR]
    if not spots:
        return nino
    i = rng.choice(spots)
    return nino[:i] + _OCR[nino[i]] + nino[i + 1 :]


def _mention(rng: random.Random, p: Person, rid: str, agencies: Sequence[tuple[str, str, str, str, str]],
             style: MemberStyle | None = None, mess: random.Random | None = None) -> dict[str, str]:
    """One member's row for ``p``. ``mess``: the set's own generator of the messiness
    added after the rest (a typo at a word's first or last letter, a mistyped phone), so
    ``rng`` makes the same draws with it as without and the other rows stay as they were."""
    style = style or MemberStyle()
    row = {c: "" for c in COLUMNS}
    row["record_id"] = rid
    given, family = p.given, p.family
    if given in NICKNAMES and rng.random() < 0.15:
        given = rng.choice(NICKNAMES[given])
    elif rng.random() < 0.05:
        given = given[0] + rng.choice([".", ""])  # only the initial
    if given in TRANSLITERATIONS and rng.random() < 0.15:
        given = rng.choice(TRANSLITERATIONS[given])
    if family in TRANSLITERATIONS and rng.random() < 0.15:
        family = rng.choice(TRANSLITERATIONS[family])
    if p.middle and rng.random() < 0.6:
        given = f"{p.middle} {given}"  # a Vietnamese middle name, which many members drop
    if given in CYRILLIC and family in CYRILLIC and rng.random() < style.cyrillic:
        given, family = CYRILLIC[given], CYRILLIC[family]
    elif rng.random() < 0.4:
        given, family = _fold(given), _fold(family)
    if rng.random() < 0.1:
        given = _typo(rng, given, mess)
    elif rng.random() < 0.1:
        family = _typo(rng, family, mess)
    if rng.random() < 0.1:
        given, family = family, given
    if rng.random() < 0.15:
        given, family = given.upper(), family.upper()
    if rng.random() < 0.05:
        given = ""  # only the family name known
    if given and family and rng.random() < style.one_field:
        # One field for the whole name: family first for names written so at home.
        whole = f"{family} {given}" if p.nationality in ("VN", "HU") else f"{given} {family}"
        given, family = whole, ""
    if rng.random() < style.mojibake:
        given, family = _mojibake(given), _mojibake(family)
    row["given_name"], row["family_name"] = given, family
    if rng.random() < 0.9:
        row["date_of_birth"] = _dob_format(rng, p.dob, style)
        if rng.random() < style.bad_date:
            day = f"{p.dob.day:02d}"
            if rng.random() < 0.5 and day[0] != day[1]:
                day = day[::-1]  # the day's digits swapped: often no day of that month
                row["date_of_birth"] = f"{day}/{p.dob.month:02d}/{p.dob.year}"
            else:  # month first at a member that writes day first
                row["date_of_birth"] = f"{p.dob.month:02d}/{day}/{p.dob.year}"
    home = False  # the phone written is the mobile from home
    if rng.random() < 0.65:
        row["phone"] = _phone_format(rng, p.phone)
        if p.home_phone and rng.random() < style.home_phone:
            row["phone"] = _national(p.home_phone)  # from home, without its prefix
            home = True
        elif p.home_phone and rng.random() < 0.3:
            row["phone"] = _international(p.home_phone)
            home = True
    agency = None
    if p.pid % 9 == 0:  # recruited through an agency: gives its office details
        agency = agencies[p.pid % len(agencies)]
        r = rng.random()
        if r < 0.7:  # the office landline, or the gangmaster's mobile as every worker's contact
            row["phone"] = _phone_format(rng, agency[0] if r < 0.45 else agency[3])
            home = False
    if rng.random() < 0.3:
        row["email"] = p.email.upper() if rng.random() < 0.2 else p.email
    if rng.random() < 0.6:
        street, town, postcode = p.street, p.town, p.postcode
        if agency is not None and rng.random() < 0.7:
            street, town, postcode = agency[1], "Boston", agency[2]
        for full, short in ABBREV.items():
            if rng.random() < 0.4:
                street = street.replace(full, short + rng.choice(["", "."]))
        if rng.random() < 0.1:
            street = _typo(rng, street)
        if rng.random() < 0.5:
            postcode = postcode.replace(" ", "").lower() if rng.random() < 0.5 else postcode
        if rng.random() < style.bad_postcode:
            postcode = _bad_postcode(rng, postcode)
        row["street_address"], row["locality"] = street, town
        if rng.random() < 0.9 and not style.no_postcode:
            row["postcode"] = postcode
        if style.no_locality and row["postcode"]:
            row["locality"] = ""
    if rng.random() < 0.3:
        plate = p.vehicle
        if agency is not None and rng.random() < 0.5:
            plate = agency[4]  # the minibus that takes the agency's workers to the fields
        row["vehicle_registration"] = rng.choice([plate, f"{plate[:4]} {plate[4:]}", plate.lower()])
    if rng.random() < 0.25 and p.has_nino:
        n = _ocr_nino(rng, p.nino) if rng.random() < style.ocr else p.nino
        row["national_id"] = rng.choice([n, f"{n[:2]} {n[2:4]} {n[4:6]} {n[6:8]} {n[8]}", n[:8]])
    elif not p.has_nino and rng.random() < style.tn:
        # HMRC's temporary reference: TN, the date of birth (ddmmyy) and the sex.
        tn = f"TN{p.dob:%d%m%y}{p.sex}"
        row["national_id"] = rng.choice([tn, f"TN {tn[2:4]} {tn[4:6]} {tn[6:8]} {tn[8]}"])
    if rng.random() < 0.2 and (p.passport_country == "GB" or not row["postcode"]):
        # ``country`` is also the default region of phones and postcodes: a member that
        # records a foreign passport holds the UK phone in international form.
        row["passport_number"] = p.passport
        row["country"] = p.passport_country
        if row["phone"] and p.passport_country != "GB" and not home:
            national = "".join(ch for ch in row["phone"] if ch.isdigit())
            if national.startswith("0044"):
                national = national[4:]
            elif national.startswith("44"):
                national = national[2:]
            national = national.removeprefix("0")
            row["phone"] = rng.choice(["+44 ", "0044 "]) + national
    if rng.random() < 0.25:
        if rng.random() < 0.5:
            row["bank_account"] = f"{p.sort[:2]}-{p.sort[2:4]}-{p.sort[4:]} {p.account}"
        else:
            iban = _iban_gb(p.bank, p.sort, p.account)
            row["bank_account"] = _bad_iban(rng, iban) if rng.random() < style.bad_iban else iban
    if style.nationality and not row["country"]:
        row["country"] = p.nationality
    if mess is not None and row["phone"] and mess.random() < style.bad_phone:
        row["phone"] = _mistyped_phone(mess, row["phone"])
    if not any(row[c] for c in COLUMNS if c not in ("record_id", "given_name", "family_name")):
        row["date_of_birth"] = _dob_format(rng, p.dob, style)
    if style.junk:
        for column in ("given_name", "family_name", "date_of_birth", "phone", "email", "postcode",
                       "national_id", "vehicle_registration", "bank_account", "company_name"):
            if not row[column] and rng.random() < style.junk:
                row[column] = rng.choice(JUNK)
    return row


def _bad_postcode(rng: random.Random, postcode: str) -> str:
    """The postcode cut to its district (``PE21``), or with a digit keyed as the letter it
    looks like (``PE2I 8AA``, ``LS9 3LX`` -> ``LS9 3LX`` unchanged when it has none)."""
    if rng.random() < 0.5:
        return postcode.upper().replace(" ", "")[:-3]
    spots = [i for i, ch in enumerate(postcode) if ch in "015"]
    if not spots:
        return postcode
    i = rng.choice(spots)
    return postcode[:i] + {"0": "O", "1": "I", "5": "S"}[postcode[i]] + postcode[i + 1 :]


def _national(e164: str) -> str:
    import phonenumbers

    return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL)


def _international(e164: str) -> str:
    import phonenumbers

    return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _bad_iban(rng: random.Random, iban: str) -> str:
    """The IBAN keyed with one digit wrong or two adjacent digits swapped (its checksum fails)."""
    digits = [i for i in range(2, len(iban)) if iban[i].isdigit()]
    for _ in range(20):
        i = rng.choice(digits)
        if rng.random() < 0.5 and i + 1 < len(iban) and iban[i + 1].isdigit() and iban[i] != iban[i + 1]:
            bad = iban[:i] + iban[i + 1] + iban[i] + iban[i + 2 :]
        else:
            bad = iban[:i] + rng.choice([d for d in string.digits if d != iban[i]]) + iban[i + 1 :]
        if int("".join(str(int(c, 36)) for c in bad[4:] + bad[:4])) % 97 != 1:
            return bad
    return iban


def _agencies(rng: random.Random) -> list[tuple[str, str, str, str, str]]:
    """Three labour agencies: office landline, address, postcode, the gangmaster's mobile
    and the minibus's plate, each given by many of the workers it placed."""
    return [("01205 " + "".join(rng.choices(string.digits, k=6)),
             f"Unit {rng.randint(1, 20)} Riverside Industrial Estate", f"PE21 {rng.randint(1, 9)}TB",
             "07" + rng.choice("4579") + "".join(rng.choices(string.digits, k=8)),
             "".join(rng.choices("ABCDEFGHJKLMNOPRSTUVWXY", k=2)) + f"{rng.randint(10, 75):02d}"
             + "".join(rng.choices("ABCDEFGHJKLMNOPRSTUVWXY", k=3)))
            for _ in range(3)]


def draw_population(rng: random.Random, people: int) -> list[Person]:
    """``people`` people, a fifth of them namesakes of someone drawn before."""
    population: list[Person] = []
    for pid in range(people):
        middle = ""
        if population and rng.random() < 0.2:  # a namesake of someone already drawn
            other = rng.choice(population)
            given, family, middle = other.given, other.family, other.middle
        elif rng.random() < 0.15:  # Vietnamese, Hungarian or Slovak naming
            community = rng.choice(["VN", "VN", "HU", "SK"])
            if community == "VN":
                family, middle, given = (rng.choice(part) for part in VIETNAMESE)
            elif community == "HU":
                given, family = rng.choice(HUNGARIAN[0]), rng.choice(HUNGARIAN[1])
            else:
                given, family = rng.choice(SLOVAK[0]), rng.choice(SLOVAK[1])
                if given in SLOVAK_WOMEN:
                    family = (family[:-1] if family.endswith("o") else family) + "ová"
        else:
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            if given in CYRILLIC and rng.random() < 0.7:  # a family name of that community
                family = rng.choice([f for f in FAMILY if f in CYRILLIC])
        person = _person(rng, pid, given, family)
        person.middle = middle
        population.append(person)
    return population


def _mess_seed(seed: int) -> int:
    """The seed of a set's generator of the messiness added after the rest (``_mention``'s
    ``mess``): its own, so the set's other draws are those it made before."""
    return seed * 86028121 + 29


def write_set(directory: Path, seed: int, people: int = 500, members: int = 5
              ) -> tuple[list[Path], set[tuple[str, str]]]:
    """Write one synthetic set; return its files and true cross-file pairs."""
    rng = random.Random(seed)
    mess = random.Random(_mess_seed(seed))
    directory.mkdir(parents=True, exist_ok=True)
    population = draw_population(rng, people)
    agencies = _agencies(rng)
    rows: list[list[dict[str, str]]] = [[] for _ in range(members)]
    holders: dict[int, list[tuple[int, str]]] = {}
    counter = 0
    for p in population:
        k = rng.choices([1, 2, 3, 4], weights=[40, 35, 20, 5])[0]
        for member in rng.sample(range(members), min(k, members)):
            counter += 1
            rid = f"m{member}-{counter:05d}"
            style = MEMBER_STYLES[member % len(MEMBER_STYLES)]
            rows[member].append(_mention(rng, p, rid, agencies, style, mess))
            holders.setdefault(p.pid, []).append((member, rid))
    files = []
    for member, member_rows in enumerate(rows):
        rng.shuffle(member_rows)
        path = directory / f"member_{member}.csv"
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
            writer.writeheader()
            writer.writerows(member_rows)
        files.append(path)
    truth: set[tuple[str, str]] = set()
    for mentions in holders.values():
        for i, (ma, ra) in enumerate(mentions):
            for mb, rb in mentions[i + 1 :]:
                if ma != mb:
                    truth.add((ra, rb) if ma < mb else (rb, ra))
    return files, truth


# ---------------------------------------------------------------- the repeats set

SITE_WORDS = ["Fen", "Marsh", "Manor", "Willow", "Oak", "Brook", "Church", "Hill", "Grange",
              "Low", "High", "Mill", "Orchard", "Moor", "Ash", "Holly", "Elm", "Cross"]
SITE_KINDS = ["Farm", "Packhouse", "Nursery", "Fields", "Growers", "House", "Barn", "Works"]
COMPANY_WORDS = ["Greenfield", "Eastfield", "Northway", "Fenland", "Harvest", "Premier",
                 "Sunrise", "Rapid", "Golden", "Crown", "Direct", "Prime", "Apex", "Union"]
COMPANY_KINDS = ["Labour Services", "Staffing", "Recruitment", "Produce", "Logistics",
                 "Personnel", "Agriculture", "Workforce Solutions", "Foods"]
SUFFIX_VARIANTS = [("Ltd", "Limited"), ("Limited", "LTD"), ("Ltd.", "ltd"), ("", "Ltd")]


def _site_mention(rng: random.Random, name: str, town: str, postcode: str, rid: str,
                  style: MemberStyle | None = None) -> dict[str, str]:
    style = style or MemberStyle()
    row = {c: "" for c in COLUMNS}
    row["record_id"] = rid
    if rng.random() < 0.15:
        name = _typo(rng, name)
    if rng.random() < 0.2:
        name = name.upper()
    if rng.random() < 0.1:
        name = "The " + name
    row["site_name"] = name
    r = rng.random()
    if style.no_postcode:
        pass
    elif r < 0.45:
        row["postcode"] = postcode
    elif r < 0.65:  # the same postcode written compactly (a site has one postcode)
        row["postcode"] = postcode.replace(" ", "").lower()
    if (rng.random() < 0.6 and not style.no_locality) or not row["postcode"]:
        row["locality"] = town.upper() if rng.random() < 0.2 else town
    return row


def _company_mention(rng: random.Random, name: str, suffixes: tuple[str, str], number: str,
                     postcode: str, rid: str) -> dict[str, str]:
    row = {c: "" for c in COLUMNS}
    row["record_id"] = rid
    if rng.random() < 0.12:
        name = _typo(rng, name)
    suffix = rng.choice(suffixes)
    text = f"{name} {suffix}".strip()
    row["company_name"] = text.upper() if rng.random() < 0.2 else text
    if rng.random() < 0.3:
        row["company_number"] = number.lstrip("0") if rng.random() < 0.3 else number
    if rng.random() < 0.4:
        row["postcode"] = postcode
    return row


# Companies and sites as members write them (issue 17): one registered name, many
# spellings. Written from what exports hold, not from the matcher's rules.
STYLED_WORDS = ["Baltic", "Carpathian", "Danube", "Vistula", "Tatra", "Balkan", "Puszta",
                "Nemunas", "Olt", "Struma", "Morava", "Drava"]
#: Legal forms of other countries, each as members write it (dotted, cased, or spaced),
#: and whether it is written before the name (Lithuanian UAB, Romanian S.C. ... S.R.L.).
FOREIGN_FORMS: list[tuple[list[str], bool]] = [
    (["SRL", "S.R.L.", "srl", "S.R.L"], False),
    (["Sp. z o.o.", "sp. z o.o.", "Sp z oo", "SP. Z O.O.", "sp.z o.o."], False),
    (["s.r.o.", "S.R.O.", "sro", "spol. s r.o."], False),
    (["Kft.", "KFT", "Kft"], False),
    (["EOOD", "E.O.O.D.", "eood"], False),
    (["UAB"], True),
]
TRADING_WORDS = ["Quickstaff", "Fieldforce", "Harvesthands", "Pickright", "Labourlink", "Workwise"]


def _styled_company_forms(rng: random.Random, i: int, word: str, kind: str, trading: str) -> list[str]:
    """The ways members write one company, by the class of company ``i`` is: initials
    (``J&K``, ``J and K``, ``J.K.``, ``JK``), a foreign legal form (dotted or not, before
    or after the name, or left out), a legal name with a trading name in one cell or
    either alone (``trading``, one per company: a trading name two companies use is the
    confusers' class), or ``& Co`` / ``Co.`` / ``Company``."""
    style = i % 4
    if style == 0:
        a, b = rng.sample("ABDGHJKLMPRST", 2)
        return [f"{a}&{b} {kind} Ltd", f"{a} & {b} {kind}", f"{a} and {b} {kind} Limited",
                f"{a}.{b}. {kind} Ltd", f"{a}{b} {kind.upper()} LTD", f"{a}. {b}. {kind}"]
    if style == 1:
        forms, before = rng.choice(FOREIGN_FORMS)
        name = f"{word} {kind}"
        written = [f"{f} {name}" if before else f"{name} {f}" for f in forms]
        return [*written, name, name.upper()]
    if style == 2:
        legal = f"{word} {kind} Ltd"
        return [legal, f"{legal} t/a {trading}", f"{legal} T/A {trading}", f"{legal} trading as {trading}",
                trading, f"{trading} ({legal})"]
    name = f"{word} {kind}"
    return [f"{name} & Co", f"{name} & Co. Ltd", f"{name} Co.", f"{name} Company Limited", f"{name} Ltd"]


def _number_written(rng: random.Random, number: str) -> str:
    """A company number as members key it: plain, without its leading zeros, labelled
    (``CRN``, ``Co. No.``, ``Reg no:``) or with a country prefix."""
    return rng.choice([number, number.lstrip("0"), f"CRN {number}", f"Co. No. {number.lstrip('0')}",
                       f"Reg no: {number}", f"GB{number}", f"{number[:4]} {number[4:]}"])


def _unit_site_name(rng: random.Random, name: str) -> str:
    """A site's name with the unit it occupies written beside it, as some members do."""
    unit = f"Unit {rng.randint(1, 20)}"
    return rng.choice([f"{unit}, {name}", f"{unit} {name}", f"{name} ({unit.lower()})", f"{name}, {unit}"])


#: Long business words as members shorten them (the generator's own list, from what
#: company registers and invoices hold).
SHORT_FORMS = {"International": ["Intl", "Int'l", "Intl."], "Services": ["Svcs", "Servs", "Svcs."],
               "Management": ["Mgmt", "Mgt"], "Agricultural": ["Agri", "Agric."],
               "Brothers": ["Bros", "Bros."], "Distribution": ["Distrib", "Dist."],
               "Associates": ["Assoc", "Assocs"], "Holdings": ["Hldgs"], "Engineering": ["Eng", "Engg"]}
#: Family names of the communities, as a family firm is named (diacritics and Cyrillic as
#: one member keeps them, folded or transliterated at another).
FIRM_FAMILIES = [("Wiśniewski", "Wisniewski"), ("Dąbrowski", "Dabrowski"), ("Ștefănescu", "Stefanescu"),
                 ("Kovács", "Kovacs"), ("Димитров", "Dimitrov"), ("Петров", "Petrov"),
                 ("Jankauskas", "Jankauskas"), ("Horváth", "Horvath"), ("Nowak", "Nowak"), ("Țurcanu", "Turcanu")]
FIRM_TRADES = ["Agricultural Services", "International Haulage", "Property Management", "Brothers Distribution",
               "Engineering Services", "Associates", "Holdings", "Labour Services"]


def _firm_forms(rng: random.Random, family: tuple[str, str], trade: str, digit: str) -> list[str]:
    """The ways members write one family firm (``Wiśniewski & Sons Agricultural Services
    Ltd``): the family name with or without its diacritics (or in Cyrillic), ``& Sons`` /
    ``and Sons``, the trade's long words shortened (``Agri Svcs``), the trade dropped
    (``Wisniewski & Sons``), and a number in the name with or without its leading zero."""
    native, plain = family
    sons = rng.random() < 0.6
    head = f"{{}}{' & Sons' if sons else ''}{(' ' + digit) if digit else ''}"
    forms = []
    for _ in range(8):
        who = native if rng.random() < 0.5 else plain
        text = head.format(who)
        if sons and rng.random() < 0.4:
            text = text.replace(" & ", " and ")
        if digit and rng.random() < 0.5:
            text = text.replace(f" {digit}", f" {digit.lstrip('0')}")
        r = rng.random()
        if r < 0.25 and sons:
            words = text  # the trade dropped: the family firm as people call it
        else:
            words = " ".join(rng.choice(SHORT_FORMS[w]) if w in SHORT_FORMS and rng.random() < 0.5 else w
                             for w in trade.split())
            words = f"{text} {words}"
        forms.append(f"{words} {rng.choice(['Ltd', 'Limited', 'LTD', ''])}".strip())
    return forms


def _add_written_differently(rng: random.Random, place: object, sites: list[tuple[str, str, str]]) -> None:
    """Companies and sites as members write them differently (issue 17's classes): family
    firms (:func:`_firm_forms`) with a short name mistyped now and then beside their
    postcode; and sites whose postcode one member mistypes in its last part. Drawn from an
    RNG of their own so the other entities of a seed stay as they were."""
    for c, family in enumerate(rng.sample(FIRM_FAMILIES, 8)):
        digit = f"0{rng.randint(1, 9)}" if c % 4 == 3 else ""
        forms = _firm_forms(rng, family, rng.choice(FIRM_TRADES), digit)
        number = f"{rng.randint(100000, 13999999):08d}"
        town, outward = rng.choice(TOWNS)
        postcode = f"{outward} {rng.randint(1, 9)}{rng.choice(INWARD)}{rng.choice(INWARD)}"
        k = rng.choices([2, 3, 5], weights=[40, 40, 20])[0]

        def make(rid: str, _style: MemberStyle, forms: list[str] = forms, no: str = number,
                 pc: str = postcode) -> dict[str, str]:
            row = {col: "" for col in COLUMNS}
            name = rng.choice(forms)
            if rng.random() < 0.2:
                name = _typo(rng, name)
            row.update(record_id=rid, company_name=name)
            if rng.random() < 0.2:
                row["company_number"] = _number_written(rng, no)
            if rng.random() < 0.7:
                row["postcode"] = pc
            return row

        place(f"firm{c}", k, make)  # type: ignore[operator]
    for s, (name, town, postcode) in enumerate(sites):
        k = rng.choices([2, 3], weights=[50, 50])[0]

        def make_s(rid: str, style: MemberStyle, n: str = name, t: str = town, pc: str = postcode) -> dict[str, str]:
            row = _site_mention(rng, n, t, pc, rid, style)
            if row["postcode"] and rng.random() < 0.3:  # the last part keyed wrong
                head, _, tail = pc.partition(" ")
                i = rng.randrange(len(tail))
                row["postcode"] = f"{head} {tail[:i]}{rng.choice(INWARD if i else '123456789')}{tail[i + 1:]}"
            return row

        place(f"sitepc{s}", k, make_s)  # type: ignore[operator]


#: Words of companies members place by their town (the generator's own list, apart from
#: :data:`COMPANY_WORDS`, so every registered name stays unique).
PLACED_WORDS = ["Meridian", "Lakeside", "Westgate", "Oakridge", "Silverline", "Brightway", "Cornerstone",
                "Redwood", "Kingsway", "Riverbank"]


def _add_placed_companies(rng: random.Random, place: object) -> None:
    """Companies as members that keep the town write them: by name and town only, by
    name, postcode and town, by name and postcode, or with the street and town but no
    postcode; some with the company's own phone (its office line), a few with the number.
    Drawn from an RNG of their own so the other entities of a seed stay as they were."""
    for c, word in enumerate(rng.sample(PLACED_WORDS, 8)):
        name = f"{word} {rng.choice(COMPANY_KINDS)}"
        number = f"{rng.randint(100000, 13999999):08d}"
        town, outward = rng.choice(TOWNS)
        postcode = f"{outward} {rng.randint(1, 9)}{rng.choice(INWARD)}{rng.choice(INWARD)}"
        street = f"Unit {rng.randint(1, 30)}, {rng.randint(1, 180)} {rng.choice(STREETS)}"
        office = "01" + "".join(rng.choices(string.digits, k=9))
        suffixes = rng.choice(SUFFIX_VARIANTS)
        k = rng.choices([2, 3, 5], weights=[40, 40, 20])[0]

        def make(rid: str, _style: MemberStyle, n: str = name, no: str = number, t: str = town, pc: str = postcode,
                 st: str = street, ph: str = office, sf: tuple[str, str] = suffixes) -> dict[str, str]:
            row = {col: "" for col in COLUMNS}
            text = f"{n} {rng.choice(sf)}".strip()
            row.update(record_id=rid, company_name=text.upper() if rng.random() < 0.2 else text)
            r = rng.random()
            if r < 0.35:
                row["locality"] = t.upper() if rng.random() < 0.2 else t
            elif r < 0.55:
                row.update(postcode=pc, locality=t)
            elif r < 0.8:
                row["postcode"] = pc
            else:
                row.update(street_address=st, locality=t)
            if rng.random() < 0.3:
                row["phone"] = _phone_format(rng, ph)
            if rng.random() < 0.2:
                row["company_number"] = _number_written(rng, no)
            return row

        place(f"placed{c}", k, make)  # type: ignore[operator]


def write_repeats_set(directory: Path, seed: int, people: int = 600, members: int = 8,
                      sites: int = 60, companies: int = 40
                      ) -> tuple[list[Path], set[tuple[str, str]]]:
    """A tuning set of the repeats the network exists for: people, sites and companies
    known to up to ``members`` members, some more than once at one member, among
    namesakes, same-named sites in other districts and agency workers sharing a line."""
    rng = random.Random(seed)
    mess = random.Random(_mess_seed(seed))
    directory.mkdir(parents=True, exist_ok=True)
    population = draw_population(rng, people)
    agencies = _agencies(rng)
    rows: list[list[dict[str, str]]] = [[] for _ in range(members)]
    holders: dict[str, list[tuple[int, str]]] = {}
    counter = 0

    def place(entity: str, k: int, make: object) -> None:
        nonlocal counter
        chosen = rng.sample(range(members), min(k, members))
        if rng.random() < 0.2:
            chosen.append(rng.choice(chosen))  # one member holds two reports of it
        for member in chosen:
            counter += 1
            rid = f"m{member}-{counter:05d}"
            rows[member].append(make(rid, MEMBER_STYLES[member % len(MEMBER_STYLES)]))  # type: ignore[operator]
            holders.setdefault(entity, []).append((member, rid))

    for p in population:
        k = rng.choices([1, 2, 3, 4, 5, 6, 8], weights=[30, 25, 15, 10, 8, 7, 5])[0]
        place(f"p{p.pid}", k, lambda rid, style, p=p: _mention(rng, p, rid, agencies, style, mess))
    used: set[tuple[str, str]] = set()
    for s in range(sites):
        while True:
            name = f"{rng.choice(SITE_WORDS)} {rng.choice(SITE_WORDS[:8])} {rng.choice(SITE_KINDS)}"
            if s % 6 == 0:
                name = f"Manor {rng.choice(SITE_KINDS)}"  # a common site name, in many places
            town, outward = rng.choice(TOWNS)
            if (name, town) not in used:  # two of one name in one town no one can tell apart
                used.add((name, town))
                break
        postcode = f"{outward} {rng.randint(1, 9)}{rng.choice(INWARD)}{rng.choice(INWARD)}"
        k = rng.choices([1, 2, 3, 5, 8], weights=[30, 25, 20, 15, 10])[0]
        place(f"s{s}", k, lambda rid, style, n=name, t=town, pc=postcode:
              _site_mention(rng, n, t, pc, rid, style))
    # Registered company names are unique (up to suffixes, case and punctuation).
    names = rng.sample([f"{w} {k}" for w in COMPANY_WORDS for k in COMPANY_KINDS], companies)
    for c, name in enumerate(names):
        number = f"{rng.randint(100000, 13999999):08d}"
        postcode = f"PE21 {rng.randint(1, 9)}{rng.choice(INWARD)}{rng.choice(INWARD)}"
        suffixes = rng.choice(SUFFIX_VARIANTS)
        k = rng.choices([1, 2, 3, 5, 8], weights=[30, 25, 20, 15, 10])[0]
        place(f"c{c}", k, lambda rid, _style, n=name, sf=suffixes, no=number, pc=postcode:
              _company_mention(rng, n, sf, no, pc, rid))
    # Companies written many ways, and sites named with a unit, each one entity (own
    # generator, so the draws above stay as they were).
    vr = random.Random(seed * 104729 + 7)
    words = vr.sample(STYLED_WORDS, len(STYLED_WORDS))
    trading = vr.sample(TRADING_WORDS, len(TRADING_WORDS))
    for c in range(12):
        forms = _styled_company_forms(vr, c, words[c], vr.choice(COMPANY_KINDS), trading[c % len(trading)])
        number = f"{vr.randint(100000, 13999999):08d}"
        postcode = f"PE21 {vr.randint(1, 9)}{vr.choice(INWARD)}{vr.choice(INWARD)}"
        k = vr.choices([2, 3, 5, 8], weights=[30, 30, 25, 15])[0]

        def make_c(rid: str, _style: MemberStyle, forms: list[str] = forms, no: str = number,
                   pc: str = postcode) -> dict[str, str]:
            row = {col: "" for col in COLUMNS}
            row.update(record_id=rid, company_name=vr.choice(forms))
            if vr.random() < 0.3:
                row["company_number"] = _number_written(vr, no)
            if vr.random() < 0.4:
                row["postcode"] = pc
            return row

        place(f"styled{c}", k, make_c)
    for s in range(10):
        name = f"{vr.choice(STYLED_WORDS)} {vr.choice(SITE_KINDS)}"
        town, outward = vr.choice(TOWNS)
        if (name, town) in used:
            continue
        used.add((name, town))
        postcode = f"{outward} {vr.randint(1, 9)}{vr.choice(INWARD)}{vr.choice(INWARD)}"
        k = vr.choices([2, 3, 5], weights=[40, 40, 20])[0]
        place(f"unit{s}", k, lambda rid, style, n=name, t=town, pc=postcode:
              _site_mention(rng, _unit_site_name(vr, n) if vr.random() < 0.5 else n, t, pc, rid, style))
    wr = random.Random(seed * 15485863 + 11)
    picked = []
    for _s in range(8):
        name = f"{wr.choice(STYLED_WORDS)} {wr.choice(SITE_WORDS)} {wr.choice(SITE_KINDS)}"
        town, outward = wr.choice(TOWNS)
        if (name, town) not in used:
            used.add((name, town))
            picked.append((name, town, f"{outward} {wr.randint(1, 9)}{wr.choice(INWARD)}{wr.choice(INWARD)}"))
    _add_written_differently(wr, place, picked)
    _add_placed_companies(random.Random(seed * 32452843 + 13), place)
    files = []
    for member, member_rows in enumerate(rows):
        rng.shuffle(member_rows)
        path = directory / f"member_{member}.csv"
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
            writer.writeheader()
            writer.writerows(member_rows)
        files.append(path)
    truth: set[tuple[str, str]] = set()
    for mentions in holders.values():
        for i, (ma, ra) in enumerate(mentions):
            for mb, rb in mentions[i + 1 :]:
                if ma != mb:
                    truth.add((ra, rb) if ra < rb else (rb, ra))
    return files, truth
