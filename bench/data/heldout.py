"""Held-out multi-member entity mentions, written independently of ``synth.py``.

The point of this set is that the matcher is measured on data made by a generator its
tuner never looked at. It models how UK anti-slavery intelligence and HR exports really
differ between organisations, not how any matcher works:

* **Members keep data differently.** Each member has a profile (police-like, helpline,
  regulator, bank, local authority, shelter, supply-chain auditor, charity caseworker):
  which fields it records, its date format, how it writes phones, whether it fills the
  ``country`` column with the person's nationality, and how sloppy its typing is.
* **Persons** (workers and controllers) from Romania, Poland, Bulgaria, Lithuania,
  Slovakia, Hungary, Vietnam, Albania, South Asia, Ireland and the UK, with diacritics,
  transliteration variants, nicknames, family-first order, one-field names, Cyrillic,
  mojibake, typos and OCR confusions. Controllers are known to more members (a long
  tail up to all of them: the headline case). Namesakes (common names, some with the
  same birth year) are different people.
* **Shared values that are not identity:** agency landlines, a gangmaster's mobile given
  as every worker's contact, a controller's bank account receiving workers' wages, a
  minibus plate, houses of multiple occupation and agency offices as home addresses.
* **Sites** (farms, packhouses, car washes, nail bars, factories) and **labour
  companies** (Ltd/Limited/LLP, company numbers with and without leading zeros, phoenix
  companies reusing a name under a new number) are entities too; "Manor Farm" and "Hand
  Car Wash" at different postcodes are different sites.
* **Broken values:** impossible dates, US-order dates, two-digit years, malformed
  postcodes, NINOs with O for 0, temporary TN numbers, IBANs with a bad checksum, home
  country numbers written without their prefix, junk such as ``N/A``.

Every mention is its own row with a unique ``record_id`` (one mention per report), so a
pair of record ids names a pair of mentions. ``truth.csv`` maps every record id to its
member, entity id and entity type (person/site/company).

Run:  python bench/data/heldout.py OUT_DIR [--seed N] [--members 8]
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import random
import string
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DEFAULT_SEED",
    "HeldoutSet",
    "Mention",
    "generate",
    "write_set",
]

#: Seed of the reported held-out set; the stream is keyed by a string of its own, so it
#: shares nothing with any integer seed of another generator.
DEFAULT_SEED = 4417

COLUMNS: tuple[str, ...] = (
    "record_id", "given_name", "family_name", "date_of_birth", "phone", "email",
    "street_address", "locality", "postcode", "country", "vehicle_registration",
    "national_id", "passport_number", "bank_account", "company_name", "company_number",
    "site_name",
)
TRUTH_COLUMNS: tuple[str, ...] = ("record_id", "member", "entity_id", "entity_type")

# --------------------------------------------------------------------------- names

# given names: (male, female); family names: (male form, female form) where they inflect.
_NAMES: dict[str, dict[str, list[str] | list[tuple[str, str]]]] = {
    "RO": {
        "m": ["Ion", "Ionuț", "Gheorghe", "Constantin", "Ștefan", "Mihai", "Andrei", "Florin",
              "Marian", "Nicolae", "Vasile", "Dumitru", "Cătălin", "Răzvan", "Costel", "Petru",
              "Adrian", "Bogdan", "Daniel", "Alexandru", "Sorin", "Viorel"],
        "f": ["Maria", "Elena", "Ioana", "Andreea", "Mihaela", "Florentina", "Gabriela", "Ana",
              "Alina", "Cristina", "Nicoleta", "Mădălina", "Ramona", "Larisa"],
        "fam": [(s, s) for s in ["Popescu", "Ionescu", "Popa", "Stan", "Dumitrescu", "Dinu",
                                 "Stoica", "Gheorghe", "Matei", "Constantin", "Marin", "Rusu",
                                 "Munteanu", "Lungu", "Ștefănescu", "Bălan", "Ciobanu", "Moldovan",
                                 "Țurcanu", "Sârbu", "Dobre", "Căpraru", "Mărgărit", "Niculescu",
                                 "Florea", "Lazăr", "Oprea", "Tudor", "Vlad", "Preda", "Mîndru"]],
    },
    "PL": {
        "m": ["Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał", "Marcin", "Łukasz",
              "Jakub", "Wojciech", "Grzegorz", "Mariusz", "Dariusz", "Bartłomiej", "Sławomir",
              "Zbigniew", "Kamil", "Mateusz", "Przemysław"],
        "f": ["Anna", "Katarzyna", "Małgorzata", "Agnieszka", "Joanna", "Magdalena", "Ewa",
              "Monika", "Dorota", "Beata", "Agata", "Żaneta"],
        "fam": [("Nowak", "Nowak"), ("Kowalski", "Kowalska"), ("Wiśniewski", "Wiśniewska"),
                ("Wójcik", "Wójcik"), ("Kowalczyk", "Kowalczyk"), ("Kamiński", "Kamińska"),
                ("Lewandowski", "Lewandowska"), ("Zieliński", "Zielińska"),
                ("Szymański", "Szymańska"), ("Woźniak", "Woźniak"), ("Dąbrowski", "Dąbrowska"),
                ("Kozłowski", "Kozłowska"), ("Jankowski", "Jankowska"), ("Mazur", "Mazur"),
                ("Krawczyk", "Krawczyk"), ("Grabowski", "Grabowska"), ("Pawłowski", "Pawłowska"),
                ("Michalski", "Michalska"), ("Król", "Król"), ("Wieczorek", "Wieczorek"),
                ("Jabłoński", "Jabłońska"), ("Sikora", "Sikora"), ("Górski", "Górska"),
                ("Pietrzak", "Pietrzak"), ("Kaczmarek", "Kaczmarek"), ("Wróbel", "Wróbel"),
                ("Brzęczyszczykiewicz", "Brzęczyszczykiewicz")],
    },
    "BG": {
        "m": ["Ivan", "Georgi", "Dimitar", "Nikolay", "Petar", "Hristo", "Stoyan", "Todor",
              "Yordan", "Vasil", "Angel", "Krasimir", "Plamen", "Kiril", "Atanas"],
        "f": ["Maria", "Ivanka", "Elena", "Yordanka", "Petya", "Desislava", "Gergana", "Radka",
              "Tsvetanka", "Vesela", "Svetla"],
        "fam": [(s, s + "a") for s in ["Ivanov", "Georgiev", "Dimitrov", "Petrov", "Nikolov",
                                       "Hristov", "Stoyanov", "Todorov", "Yordanov", "Atanasov",
                                       "Angelov", "Vasilev", "Iliev", "Kolev", "Marinov", "Popov",
                                       "Mihaylov", "Kostadinov", "Stefanov"]],
    },
    "LT": {
        "m": ["Tomas", "Mantas", "Darius", "Žydrūnas", "Vytautas", "Mindaugas", "Andrius",
              "Gediminas", "Rimantas", "Saulius"],
        "f": ["Rūta", "Jurgita", "Aistė", "Inga", "Laima"],
        "fam": [(s + "as", s + "ienė") for s in ["Kazlausk", "Jankausk", "Petrausk",
                                                  "Vasiliausk", "Žukausk", "Paulausk",
                                                  "Kavaliausk"]]
               + [("Stankevičius", "Stankevičienė"), ("Butkus", "Butkienė")],
    },
    "SK": {
        "m": ["Ján", "Jozef", "Milan", "Peter", "Marek", "František", "Ladislav", "Dušan"],
        "f": ["Mária", "Zuzana", "Jana", "Eva", "Renáta"],
        "fam": [("Horváth", "Horváthová"), ("Baláž", "Balážová"), ("Kováč", "Kováčová"),
                ("Lakatoš", "Lakatošová"), ("Oláh", "Oláhová"), ("Gábor", "Gáborová"),
                ("Červeňák", "Červeňáková"), ("Dužda", "Duždová")],
    },
    "HU": {
        "m": ["László", "István", "József", "János", "Zoltán", "Sándor", "Gábor", "Ferenc"],
        "f": ["Katalin", "Erzsébet", "Ilona", "Éva", "Zsuzsanna"],
        "fam": [(s, s) for s in ["Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss",
                                 "Molnár", "Németh", "Farkas"]],
    },
    "VN": {
        "m": ["Văn Minh", "Văn Hùng", "Văn Nam", "Đức Anh", "Văn Tuấn", "Quang Huy", "Văn Long",
              "Minh Đức"],
        "f": ["Thị Lan", "Thị Hoa", "Thị Mai", "Thị Hương", "Ngọc Anh"],
        "fam": [(s, s) for s in ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ",
                                 "Đặng", "Bùi", "Đỗ"]],
    },
    "AL": {
        "m": ["Arben", "Besnik", "Dritan", "Gentian", "Ilir", "Klodian", "Erion", "Elvis",
              "Fatjon", "Mergim", "Ermal"],
        "f": ["Elira", "Anisa", "Blerta", "Drita"],
        "fam": [(s, s) for s in ["Hoxha", "Shehu", "Gashi", "Krasniqi", "Berisha", "Dervishi",
                                 "Lika", "Kola", "Çela", "Muça", "Dervishaj", "Përmeti"]],
    },
    "PK": {
        "m": ["Mohammed", "Imran", "Asif", "Tariq", "Zahid", "Gurpreet", "Harjit",
              "Sukhwinder", "Rajesh", "Amir"],
        "f": ["Fatima", "Ayesha", "Nasreen", "Parveen", "Harpreet"],
        "fam": [(s, s) for s in ["Khan", "Ali", "Hussain", "Ahmed", "Shah", "Iqbal", "Singh",
                                 "Patel", "Sharma", "Mahmood"]],
    },
    "IE": {
        "m": ["Patrick", "John", "Michael", "Thomas", "Martin", "James", "Christopher"],
        "f": ["Mary", "Bridget", "Margaret", "Kathleen"],
        "fam": [(s, s) for s in ["Connors", "Doran", "Ward", "McDonagh", "Joyce", "Rooney",
                                 "Stokes", "Maughan", "O'Brien", "O'Neill", "McCarthy"]],
    },
    "GB": {
        "m": ["John", "David", "Michael", "James", "Robert", "William", "Paul", "Mark",
              "Thomas", "Daniel", "Lee", "Gary", "Darren", "Stephen", "Anthony", "Wayne"],
        "f": ["Sarah", "Claire", "Emma", "Lisa", "Michelle", "Joanne", "Karen", "Elizabeth",
              "Katherine", "Rebecca"],
        "fam": [(s, s) for s in ["Smith", "Jones", "Williams", "Taylor", "Brown", "Davies",
                                 "Evans", "Wilson", "Johnson", "Roberts", "Walker", "Wright",
                                 "Thompson", "Robinson", "White", "Hughes", "Edwards", "Green",
                                 "Hall", "Wood", "Harris", "Lewis", "Martin", "Jackson", "Clarke",
                                 "MacDonald", "Price", "Murphy", "Fitzgerald"]],
    },
}
_NATIONALITY_WEIGHTS = {"RO": 26, "PL": 13, "BG": 14, "LT": 6, "SK": 5, "HU": 4, "VN": 7,
                        "AL": 6, "PK": 5, "IE": 4, "GB": 10}

#: Nicknames and anglicised forms used in place of the given name.
_NICKNAMES: dict[str, list[str]] = {
    "William": ["Bill", "Will", "Billy"], "Robert": ["Bob", "Rob", "Bobby"],
    "Michael": ["Mike", "Mick"], "James": ["Jim", "Jimmy", "Jamie"], "Anthony": ["Tony"],
    "Thomas": ["Tom", "Tommy"], "Daniel": ["Dan", "Danny"], "David": ["Dave"],
    "Stephen": ["Steve"], "Elizabeth": ["Liz", "Beth"], "Katherine": ["Kate", "Kath"],
    "Rebecca": ["Becky"], "John": ["Johnny", "Jon"], "Patrick": ["Paddy", "Pat"],
    "Christopher": ["Chris"], "Margaret": ["Maggie"], "Bridget": ["Biddy"],
    "Katarzyna": ["Kasia"], "Małgorzata": ["Gosia", "Małgosia"], "Jakub": ["Kuba", "Jacob"],
    "Tomasz": ["Tomek", "Tom"], "Bartłomiej": ["Bartek"], "Wojciech": ["Wojtek", "Voytek"],
    "Krzysztof": ["Krzysiek", "Chris"], "Piotr": ["Peter", "Piotrek"], "Paweł": ["Paul"],
    "Michał": ["Michael"], "Łukasz": ["Luke"], "Grzegorz": ["Greg", "Grzesiek"],
    "Agnieszka": ["Aga"], "Joanna": ["Asia"], "Magdalena": ["Magda"], "Przemysław": ["Przemek"],
    "Gheorghe": ["George", "Gică"], "Ion": ["Ionel", "Nelu", "John"], "Nicolae": ["Nicu"],
    "Constantin": ["Costel", "Costi"], "Alexandru": ["Alex"], "Ștefan": ["Fane", "Steven"],
    "Dumitru": ["Mitică"], "Vasile": ["Vasilică"], "Andrei": ["Andrew"], "Mihai": ["Michael"],
    "Ivan": ["Ivo", "Vanyo"], "Georgi": ["Gosho", "George"], "Dimitar": ["Mitko", "Jimmy"],
    "Nikolay": ["Niki", "Kolyo"], "Hristo": ["Itso", "Chris"], "Todor": ["Tosho"],
    "Atanas": ["Nasko"], "Yordan": ["Dancho"], "Mohammed": ["Mo"], "Arben": ["Beni"],
    "Vytautas": ["Vytas"], "László": ["Laci"], "István": ["Pista", "Steve"],
    "József": ["Jóska", "Joe"], "Ján": ["Jano"], "Jozef": ["Jožo", "Joe"],
}
#: Spellings of one name that different registrars and transliterations produce.
_SPELLINGS: dict[str, list[str]] = {
    "Mohammed": ["Muhammad", "Mohamed", "Mohammad", "Mohd"], "Nikolay": ["Nikolai"],
    "Hristo": ["Christo", "Khristo"], "Yordan": ["Iordan", "Jordan"],
    "Mihaylov": ["Mihailov", "Michailov"], "Georgiev": ["Gueorguiev"],
    "Hristov": ["Christov", "Khristov"], "Yordanov": ["Iordanov", "Jordanov"],
    "Tsvetanka": ["Cvetanka", "Zwetanka"], "Petar": ["Peter", "Petur"],
    "Vasilev": ["Vassilev", "Vasiliev"], "MacDonald": ["McDonald", "Macdonald"],
    "Hussain": ["Hussein", "Husain"], "Ahmed": ["Ahmad"], "Stoyan": ["Stojan"],
    "Nguyễn": ["Nguyen", "Ngyuen"], "Mahmood": ["Mahmud", "Mehmood"],
    "O'Brien": ["O\u2019Brien", "OBrien", "O Brien"], "O'Neill": ["O\u2019Neill", "ONeill", "O'Neil"],
    "McDonagh": ["MacDonagh", "McDonough"], "Connors": ["Connor", "O'Connor"],
    "Gurpreet": ["Gurprit"], "Sukhwinder": ["Sukhvinder"],
}
_CYRILLIC = dict(zip("abvgdezijklmnoprstufh", "абвгдезийклмнопрстуфх", strict=True))
_CYRILLIC.update({"zh": "ж", "ts": "ц", "ch": "ч", "sh": "ш", "sht": "щ", "yu": "ю", "ya": "я",
                  "y": "й", "c": "ц", "w": "в", "q": "к", "x": "кс"})

# ------------------------------------------------------------------------- places

#: (district, town, nearby villages): agricultural, food-processing and urban hotspots.
_DISTRICTS: list[tuple[str, str, list[str]]] = [
    ("PE21", "Boston", ["Kirton", "Fishtoft", "Wyberton"]),
    ("PE11", "Spalding", ["Pinchbeck", "Weston", "Cowbit"]),
    ("PE12", "Holbeach", ["Long Sutton", "Fleet", "Gedney"]),
    ("PE13", "Wisbech", ["Walsoken", "Leverington", "Elm"]),
    ("PE1", "Peterborough", ["Millfield", "Eastfield"]),
    ("PE15", "March", ["Wimblington", "Doddington"]),
    ("LN1", "Lincoln", ["Saxilby", "Nettleham"]), ("LN6", "Lincoln", ["North Hykeham"]),
    ("NG24", "Newark", ["Balderton", "Collingham"]), ("LE4", "Leicester", ["Belgrave"]),
    ("LE5", "Leicester", ["Evington", "Hamilton"]), ("B19", "Birmingham", ["Lozells"]),
    ("B10", "Birmingham", ["Small Heath"]), ("WS1", "Walsall", ["Caldmore"]),
    ("WV2", "Wolverhampton", ["Blakenhall"]), ("BD3", "Bradford", ["Barkerend"]),
    ("HD1", "Huddersfield", ["Lockwood"]), ("HU3", "Hull", ["Hessle Road"]),
    ("DN15", "Scunthorpe", ["Frodingham"]), ("DN31", "Grimsby", ["Freeman Street"]),
    ("NR33", "Lowestoft", ["Pakefield", "Kessingland"]), ("IP1", "Ipswich", ["Whitton"]),
    ("CB6", "Ely", ["Littleport", "Sutton"]), ("ME15", "Maidstone", ["Loose", "Coxheath"]),
    ("TN12", "Tonbridge", ["Paddock Wood", "Marden", "Staplehurst"]),
    ("HR4", "Hereford", ["Credenhill", "Burghill"]), ("WR11", "Evesham", ["Badsey", "Offenham"]),
    ("ST6", "Stoke-on-Trent", ["Burslem", "Tunstall"]), ("M8", "Manchester", ["Cheetham Hill"]),
    ("L7", "Liverpool", ["Kensington"]), ("NE6", "Newcastle upon Tyne", ["Byker"]),
    ("G51", "Glasgow", ["Govan"]), ("PH2", "Perth", ["Scone", "Bridgend"]),
    ("KY15", "Cupar", ["Ceres"]), ("E13", "London", ["Plaistow"]), ("N17", "London", ["Tottenham"]),
    ("UB3", "Hayes", ["Harlington"]), ("RM13", "Rainham", ["Wennington"]),
    ("SL1", "Slough", ["Chalvey"]), ("LU1", "Luton", ["Bury Park"]), ("CV6", "Coventry", ["Foleshill"]),
]
_STREETS = ["High Street", "Station Road", "Church Lane", "London Road", "Victoria Road",
            "Queens Road", "Mill Lane", "Park Avenue", "Spalding Road", "Fen Road",
            "Holbeach Road", "Chapel Street", "West Street", "Albert Road", "Grange Road",
            "Wellington Street", "Manor Drive", "Willow Close", "Eastgate", "Norfolk Street",
            "Tower Street", "St Johns Road", "Pinfold Lane", "Broad Street", "Kings Crescent"]
_STREET_ABBREV = {"Street": ["St", "St.", "Str"], "Road": ["Rd", "Rd."], "Lane": ["Ln"],
                  "Avenue": ["Ave", "Av."], "Close": ["Cl"], "Crescent": ["Cres"],
                  "Drive": ["Dr"]}
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# ----------------------------------------------------------------- organisations

_BRANDS = ["Fenland", "Marshland", "Holland", "Wash", "Eastern", "Crown", "Riverside",
           "Greenvale", "Sunrise", "Golden Acre", "Meadow", "Anglia", "Lincs", "Bridge",
           "Phoenix", "Premier", "Elite", "Swift", "Apex", "Oak", "Northern", "Unity",
           "Baltic", "Carpathian", "Danube", "Vistula", "Balkan", "Star", "Royal", "Prime"]
_FARM_NAMES = ["Manor", "Grange", "Home", "Church", "Hall", "Lodge", "Park", "Fen", "Marsh",
               "Willow", "Ash Tree", "Hill", "Low", "Top", "Glebe", "Poplar"]
_AGENCY_KINDS = ["Recruitment", "Staffing Solutions", "Services", "Personnel", "Workforce",
                 "Agricultural Services", "Labour Supply", "Employment Agency", "Resourcing",
                 "Contracting"]
_GB_BANKS = ["NWBK", "BARC", "LOYD", "MIDL", "HBUK", "MONZ", "REVO", "SRLG"]
_EMAIL_DOMAINS = {"RO": ["yahoo.ro", "gmail.com", "yahoo.com"], "PL": ["wp.pl", "o2.pl", "gmail.com"],
                  "BG": ["abv.bg", "mail.bg", "gmail.com"], "GB": ["gmail.com", "hotmail.co.uk",
                                                                "yahoo.co.uk", "outlook.com"]}
_JUNK = ["N/A", "n/a", "unknown", "-", "none", "TBC", "?", "not given", "see notes", "0"]

# ------------------------------------------------------------------------ members


@dataclass(frozen=True)
class Profile:
    """How one member organisation records people, sites and companies."""

    name: str
    coverage: float  # relative chance that an entity is known to this member
    keep: dict[str, float]  # chance that a field is recorded when the member could know it
    dob_formats: tuple[str, ...]
    phone_style: str
    country_habit: str  # "blank", "GB" or "nationality"
    sloppiness: float  # multiplies every typo and junk rate
    family_first: float  # chance of writing family name in the given-name column and vice versa
    one_field: float  # chance the whole name goes in one column
    drop_diacritics: float
    nickname: float


_K = dict  # short alias for profile field tables
PROFILES: tuple[Profile, ...] = (
    Profile("police", 1.3, _K(dob=.9, phone=.8, email=.3, address=.8, postcode=.85, vehicle=.6,
                             nino=.5, passport=.5, bank=.2, natid=.2, company_number=.7),
            ("%d/%m/%Y",), "national_spaced", "blank", 0.6, 0.05, 0.02, 0.6, 0.05),
    Profile("helpline", 1.2, _K(dob=.35, phone=.95, email=.2, address=.4, postcode=.5, vehicle=.15,
                               nino=.05, passport=.05, bank=.02, natid=.02, company_number=.1),
            ("%d/%m/%Y", "%d/%m/%y", "text"), "as_heard", "blank", 1.6, 0.12, 0.1, 0.9, 0.3),
    Profile("regulator", 1.1, _K(dob=.7, phone=.7, email=.4, address=.7, postcode=.9, vehicle=.7,
                                nino=.7, passport=.3, bank=.4, natid=.1, company_number=.95),
            ("%Y-%m-%d",), "e164", "GB", 0.5, 0.04, 0.0, 0.4, 0.03),
    Profile("bank", 0.8, _K(dob=.95, phone=.8, email=.8, address=.9, postcode=.95, vehicle=0,
                           nino=.6, passport=.7, bank=1.0, natid=.3, company_number=.9),
            ("%Y%m%d", "%Y-%m-%d"), "e164_spaced", "nationality", 0.4, 0.02, 0.0, 0.05, 0.0),
    Profile("local_authority", 1.0, _K(dob=.6, phone=.6, email=.3, address=.95, postcode=.95,
                                      vehicle=.2, nino=.3, passport=.1, bank=.05, natid=.05,
                                      company_number=.5),
            ("%d-%m-%Y", "%d/%m/%Y"), "national_dashed", "blank", 1.0, 0.06, 0.04, 0.7, 0.08),
    Profile("shelter", 0.9, _K(dob=.5, phone=.7, email=.1, address=.2, postcode=.3, vehicle=.05,
                              nino=.2, passport=.4, bank=.1, natid=.3, company_number=.05),
            ("%d.%m.%Y", "%d/%m/%Y"), "as_heard", "nationality", 1.4, 0.15, 0.12, 0.8, 0.35),
    Profile("auditor", 0.9, _K(dob=.4, phone=.5, email=.2, address=.5, postcode=.8, vehicle=.1,
                              nino=.5, passport=.2, bank=.3, natid=.1, company_number=.8),
            ("%m/%d/%Y", "%Y-%m-%d"), "intl_00", "GB", 1.1, 0.25, 0.05, 0.85, 0.05),
    Profile("caseworker", 1.0, _K(dob=.8, phone=.85, email=.3, address=.6, postcode=.6, vehicle=.1,
                                 nino=.4, passport=.6, bank=.15, natid=.4, company_number=.2),
            ("%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d"), "mixed", "nationality", 1.0, 0.08, 0.05, 0.5, 0.2),
)

# ----------------------------------------------------------------------- entities


@dataclass
class Person:
    eid: str
    nationality: str
    sex: str
    given: str
    family: str
    dob: _dt.date | None
    phones: list[str]  # E.164
    emails: list[str]
    homes: list[tuple[str, str, str]]  # (street, locality, postcode)
    nino: str | None
    passport: str | None
    natid: str | None
    bank: str | None  # IBAN or GB "sort:account"
    vehicle: str | None
    controller: bool


@dataclass
class Site:
    eid: str
    name: str
    street: str
    town: str
    villages: list[str]
    postcode: str


@dataclass
class Company:
    eid: str
    name: str
    number: str | None
    street: str
    town: str
    postcode: str
    landline: str | None


@dataclass(frozen=True)
class Mention:
    """One generated row and the entity it mentions."""

    member: int
    entity_id: str
    entity_type: str
    row: dict[str, str]


@dataclass
class HeldoutSet:
    """Rows per member and the ground truth."""

    seed: int
    members: int
    mentions: list[Mention] = field(default_factory=list)

    def rows(self, member: int) -> list[dict[str, str]]:
        """The canonical rows of one member, in file order."""
        return [m.row for m in self.mentions if m.member == member]


class _Gen:
    """All random choices of one set go through ``self.r`` (one seeded stream)."""

    def __init__(self, seed: int, members: int) -> None:
        self.r = random.Random(f"msin heldout linkage v1/{seed}")
        self.members = members
        self.profiles = [PROFILES[i % len(PROFILES)] for i in range(members)]
        self.used: set[str] = set()

    # ---- unique values
    def unique(self, make: Callable[[], str]) -> str:
        for _ in range(1000):
            value = make()
            if value not in self.used:
                self.used.add(value)
                return value
        raise RuntimeError("value space exhausted")

    def digits(self, n: int) -> str:
        return "".join(self.r.choice(string.digits) for _ in range(n))

    def letters(self, n: int, pool: str = string.ascii_uppercase) -> str:
        return "".join(self.r.choice(pool) for _ in range(n))

    # ---- value makers (canonical truth values)
    def postcode(self, district: str) -> str:
        return f"{district} {self.r.randint(1, 9)}{self.letters(2, _INWARD_LETTERS)}"

    def place(self) -> tuple[str, str, list[str], str]:
        district, town, villages = self.r.choice(_DISTRICTS)
        return district, town, villages, self.postcode(district)

    def street(self) -> str:
        number = self.r.randint(1, 180)
        suffix = self.r.choice(["", "", "", "", "a", "b"])
        return f"{number}{suffix} {self.r.choice(_STREETS)}"

    def gb_mobile(self) -> str:
        return self.unique(self._gb_mobile)

    def _gb_mobile(self) -> str:
        return f"+447{self.r.choice('4579')}{self.digits(8)}"

    def gb_landline(self, area: str = "") -> str:
        area = area or self.r.choice(["1205", "1775", "1406", "1945", "1733", "1522", "116",
                                      "121", "1274", "1482", "1502", "1622", "1432", "1386"])
        return self.unique(lambda: f"+44{area}{self.digits(10 - len(area))}")

    def foreign_mobile(self, nat: str) -> str:
        return self.unique({
            "RO": lambda: f"+407{self.r.choice('2345678')}{self.digits(7)}",
            "PL": lambda: f"+48{self.r.choice('5678')}{self.digits(8)}",
            "BG": lambda: f"+3598{self.r.choice('789')}{self.digits(7)}",
            "LT": lambda: f"+3706{self.digits(7)}",
        }.get(nat, self._gb_mobile))

    def nino(self) -> str:
        first = "ABCEGHJKLMNOPRSTWXYZ"
        second = "ABCEGHJKLMNPRSTWXYZ"

        def make() -> str:
            while True:
                prefix = self.r.choice(first) + self.r.choice(second)
                if prefix not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
                    return f"{prefix}{self.digits(6)}{self.r.choice('ABCD')}"

        return self.unique(make)

    def iban(self, country: str) -> str:
        bban = {
            "GB": lambda: self.r.choice(_GB_BANKS) + self.digits(14),
            "RO": lambda: self.letters(4) + self.letters(16, string.ascii_uppercase + string.digits),
            "PL": lambda: self.digits(24),
            "BG": lambda: self.letters(4) + self.digits(6) + self.letters(8, string.ascii_uppercase + string.digits),
            "LT": lambda: self.digits(16),
        }[country]()
        return self.unique(lambda: _with_check(country, bban))

    def passport(self, nat: str) -> str:
        return self.unique({
            "PL": lambda: self.letters(2) + self.digits(7),
            "AL": lambda: self.letters(2) + self.digits(7),
            "VN": lambda: self.r.choice("BC") + self.digits(7),
            "LT": lambda: self.digits(8),
            "SK": lambda: self.letters(2) + self.digits(6),
        }.get(nat, lambda: self.digits(9)))

    def natid(self, nat: str, dob: _dt.date | None) -> str | None:
        ymd = (dob or _dt.date(1990, 1, 1)).strftime("%y%m%d")
        return {
            "RO": lambda: self.unique(lambda: self.r.choice("12") + ymd + self.digits(6)),
            "PL": lambda: self.unique(lambda: ymd + self.digits(5)),
            "BG": lambda: self.unique(lambda: ymd + self.digits(4)),
        }.get(nat, lambda: None)()

    def vehicle(self, nat: str) -> str:
        plain = "ABCDEFGHJKLMNOPRSTUVWXY"
        return self.unique({
            "RO": lambda: f"{self.r.choice(['B', 'CJ', 'IS', 'TM', 'BC', 'SV'])} {self.digits(2)} {self.letters(3, plain)}",
            "PL": lambda: f"{self.r.choice(['WA', 'PO', 'KR', 'GD', 'WR'])} {self.digits(5)}",
            "BG": lambda: f"{self.r.choice(['CA', 'PB', 'CB', 'B', 'BT'])} {self.digits(4)} {self.letters(2, 'ABEKMHOPCTX')}",
        }.get(nat, lambda: f"{self.letters(2, plain)}{self.r.choice(['15', '16', '65', '66', '18', '68', '19', '69', '21', '71'])} {self.letters(3, plain)}"))

    def dob(self, controller: bool) -> _dt.date:
        start = _dt.date(1958 if controller else 1966, 1, 1)
        return start + _dt.timedelta(days=self.r.randint(0, 365 * 38))

    # ---- entities
    def name_for(self, nat: str, sex: str) -> tuple[str, str]:
        pool = _NAMES[nat]
        given = self.r.choice(pool[sex])
        fam_m, fam_f = self.r.choice(pool["fam"])
        return str(given), str(fam_m if sex == "m" else fam_f)

    def person(self, eid: str, controller: bool, homes: list[tuple[str, str, str]],
               name: tuple[str, str, str, str] | None = None, dob: _dt.date | None = None) -> Person:
        r = self.r
        if name:
            nat, sex, given, family = name
        else:
            nat = r.choices(list(_NATIONALITY_WEIGHTS), list(_NATIONALITY_WEIGHTS.values()))[0]
            sex = "m" if r.random() < (0.8 if controller else 0.65) else "f"
            given, family = self.name_for(nat, sex)
        dob = dob or (self.dob(controller) if r.random() < 0.93 else None)
        phones = [self.gb_mobile() if r.random() < 0.75 or nat not in ("RO", "PL", "BG", "LT")
                  else self.foreign_mobile(nat)]
        for _ in range(r.choice([0, 0, 0, 1, 1, 2] if controller else [0, 0, 0, 0, 1])):
            phones.append(r.choice([self.gb_mobile, lambda: self.foreign_mobile(nat)])())
        first = _strip(given.split()[0]).lower()
        emails = []
        if r.random() < 0.55:
            domain = r.choice(_EMAIL_DOMAINS.get(nat, _EMAIL_DOMAINS["GB"]))
            local = r.choice([f"{first}.{_strip(family).lower()}", f"{first}{r.randint(1, 99)}",
                              f"{_strip(family).lower()}{r.randint(60, 99)}"])
            emails.append(self.unique(lambda: f"{local}{r.choice(['', str(r.randint(1, 9))])}@{domain}"))
        nino = self.nino() if r.random() < (0.75 if nat in ("GB", "IE") else 0.55) else None
        passport = self.passport(nat) if nat not in ("GB", "IE") and r.random() < 0.6 else None
        bank = None
        if r.random() < 0.6:
            if nat in ("RO", "PL", "BG", "LT") and r.random() < 0.4:
                bank = self.iban(nat)
            else:
                bank = self.iban("GB")
        vehicle = self.vehicle(nat if r.random() < 0.4 else "GB") if r.random() < (0.7 if controller else 0.08) else None
        return Person(eid, nat, sex, given, family, dob, phones, emails, homes, nino, passport,
                      self.natid(nat, dob) if r.random() < 0.5 else None, bank, vehicle, controller)

    def site(self, eid: str, name: str | None = None) -> Site:
        r = self.r
        _district, town, villages, postcode = self.place()
        brand = r.choice(_BRANDS)
        if name is None:
            kind = r.choices(["farm", "pack", "wash", "nails", "factory", "other"], [5, 4, 5, 2, 3, 1])[0]
            name = {
                "farm": lambda: r.choice([f"{r.choice(_FARM_NAMES)} Farm", f"{brand} Farms",
                                          f"{r.choice(_FARM_NAMES)} Farm Nurseries"]),
                "pack": lambda: r.choice([f"{brand} Packhouse", f"{brand} Fresh Produce",
                                          f"{brand} Salads Packing Site", f"{brand} Growers Packhouse"]),
                "wash": lambda: r.choice(["Hand Car Wash", f"{brand} Hand Car Wash", "Sparkle Car Wash",
                                          f"{town} Hand Car Wash", "Supa Clean Car Wash", "Shine Valet Centre"]),
                "nails": lambda: r.choice(["Star Nails", "Lotus Nails", "Perfect Nails & Spa", f"{town} Nails"]),
                "factory": lambda: r.choice([f"{brand} Foods Factory", f"{brand} Distribution Centre",
                                             f"{brand} Meat Processing", f"{brand} Laundry"]),
                "other": lambda: r.choice([f"The {brand} Hotel", f"{brand} Care Home", f"{brand} Recycling Yard"]),
            }[kind]()
        street = r.choice([self.street(), f"{r.choice(_STREETS)}", f"Unit {r.randint(1, 30)}, {brand_estate(r)}"])
        return Site(eid, name, street, town, villages, postcode)

    def company(self, eid: str, name: str | None = None) -> Company:
        r = self.r
        _district, town, _v, postcode = self.place()
        if name is None:
            a, b = r.sample(_BRANDS, 2)
            name = r.choice([
                f"{a} {r.choice(_AGENCY_KINDS)} Ltd", f"{a} {b} {r.choice(_AGENCY_KINDS)} Limited",
                f"{a} {r.choice(_AGENCY_KINDS)} (UK) Ltd", f"{a} & {b} Ltd", f"{a} {b} LLP",
                f"{self.letters(2, 'ABDGJKMRST')} {r.choice(_AGENCY_KINDS)} Ltd",
                f"{a} Valeting Ltd", f"{a} Facilities Management Limited",
            ])
        number = None
        if r.random() < 0.85:
            number = self.unique(lambda: r.choice(["SC", "NI", "OC"]) + self.digits(6)
                                 if r.random() < 0.12 else r.choice("01") + self.digits(7))
        landline = self.gb_landline() if r.random() < 0.7 else None
        return Company(eid, name, number, self.street(), town, postcode, landline)


def brand_estate(r: random.Random) -> str:
    return f"{r.choice(_BRANDS)} {r.choice(['Industrial Estate', 'Business Park', 'Trading Estate'])}"


def _with_check(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    number = int("".join(str(int(ch, 36)) for ch in rearranged))
    return f"{country}{98 - number % 97:02d}{bban}"


def _strip(text: str) -> str:
    special = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D"})
    text = unicodedata.normalize("NFKD", text.translate(special))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


# ---------------------------------------------------------------------- rendering

_KEYBOARD = {c: n for c, n in zip(
    "qwertyuiopasdfghjklzxcvbnm",
    ["wa", "qes", "wrd", "etf", "ryg", "tuh", "yij", "uok", "ipl", "ol", "qsz", "awdx", "sefc",
     "drgv", "fthb", "gyjn", "hukm", "jil", "kop", "asx", "zsdc", "xdfv", "cfgb", "vghn", "bhjm",
     "njk"], strict=True)}
_OCR = [("rn", "m"), ("m", "rn"), ("l", "1"), ("O", "0"), ("0", "O"), ("I", "l"), ("cl", "d"),
        ("e", "c"), ("S", "5"), ("B", "8"), ("h", "b"), ("1", "I"), ("5", "S"), ("8", "B"),
        ("u", "v"), ("a", "o")]


class _Render:
    """Writes one entity's values the way one member would."""

    def __init__(self, r: random.Random, profile: Profile) -> None:
        self.r = r
        self.p = profile

    def chance(self, base: float) -> bool:
        return self.r.random() < base * self.p.sloppiness

    def typo(self, text: str) -> str:
        """One keyboard slip: substitution, deletion, doubling or transposition."""
        r = self.r
        idx = [i for i, ch in enumerate(text) if ch.isalpha()]
        if len(idx) < 3:
            return text
        i = r.choice(idx[1:])
        op = r.randrange(4)
        ch = text[i]
        if op == 0 and ch.lower() in _KEYBOARD:
            new = r.choice(_KEYBOARD[ch.lower()])
            return text[:i] + (new.upper() if ch.isupper() else new) + text[i + 1:]
        if op == 1:
            return text[:i] + text[i + 1:]
        if op == 2:
            return text[:i] + ch + text[i:]
        if i + 1 < len(text) and text[i + 1].isalpha():
            return text[:i] + text[i + 1] + ch + text[i + 2:]
        return text[:i] + text[i + 1:]

    def ocr(self, text: str) -> str:
        options = [(a, b) for a, b in _OCR if a in text]
        if not options:
            return text
        a, b = self.r.choice(options)
        at = [i for i in range(len(text)) if text.startswith(a, i)]
        i = self.r.choice(at)
        return text[:i] + b + text[i + len(a):]

    def digit_slip(self, digits: str) -> str:
        """One digit wrong or two neighbours swapped (in the last eight digits)."""
        r = self.r
        pos = [i for i, ch in enumerate(digits) if ch.isdigit()][-8:]
        i = r.choice(pos[:-1])
        if r.random() < 0.6:
            return digits[:i] + r.choice([d for d in string.digits if d != digits[i]]) + digits[i + 1:]
        j = next(k for k in pos if k > i)
        chars = list(digits)
        chars[i], chars[j] = chars[j], chars[i]
        return "".join(chars)

    # ---- names
    def name(self, person: Person) -> tuple[str, str]:
        r, p = self.r, self.p
        given, family = person.given, person.family
        if given in _NICKNAMES and r.random() < p.nickname:
            given = r.choice(_NICKNAMES[given])
        for word in list(_SPELLINGS):
            if r.random() < 0.35:
                if given == word:
                    given = r.choice(_SPELLINGS[word])
                if family == word:
                    family = r.choice(_SPELLINGS[word])
        if person.nationality == "BG" and r.random() < 0.04 * p.sloppiness:
            given, family = _to_cyrillic(given), _to_cyrillic(family)
        if r.random() < p.drop_diacritics:
            given, family = _strip(given), _strip(family)
        elif person.nationality == "RO" and r.random() < 0.25:
            # legacy encodings: cedilla in place of comma below
            given, family = _cedilla(given), _cedilla(family)
        if self.chance(0.006):
            given = given.encode("utf-8").decode("cp1252", errors="replace")
        if person.nationality == "VN" and r.random() < 0.3:
            # written in Vietnamese order: family first, then middle and given names
            given, family = f"{family} {given}", ""
        if self.chance(0.05):
            given = self.typo(given)
        if self.chance(0.04):
            family = self.typo(family)
        if self.chance(0.012):
            family = self.ocr(family)
        if r.random() < (p.family_first + (0.25 if person.nationality in ("HU", "VN", "RO") else 0)):
            given, family = family, given
        if r.random() < p.one_field and family:
            whole = f"{given} {family}" if r.random() < 0.6 else f"{family.upper()} {given}"
            given, family = (whole, "") if r.random() < 0.7 else ("", whole)
        if r.random() < 0.25:
            family = family.upper()
        if r.random() < 0.05:
            given, family = given.lower(), family.lower()
        if r.random() < 0.04 and given:
            given = r.choice(["Mr ", "MR "] if person.sex == "m" else ["Mrs ", "Ms ", "Miss "]) + given
        if r.random() < 0.06 * p.sloppiness and given and " " not in given:
            given = given[0] + "."  # initial only
        return given, family

    # ---- dates
    def dob(self, day: _dt.date) -> str:
        r, p = self.r, self.p
        if self.chance(0.03):
            day = day + _dt.timedelta(days=r.choice([-1, 1, 10, -10, 365, -365]))
        if self.chance(0.015) and day.day <= 12:
            day = _dt.date(day.year, day.day, day.month)
        if self.chance(0.02):
            return r.choice([f"31/02/{day.year}", f"00/00/{day.year}", str(day.year),
                             f"approx {day.year}", f"{day.day:02d}/{day.month:02d}/{day.year}?",
                             f"30.02.{day.year}", f"{day.year}-13-{day.day:02d}"])
        fmt = r.choice(p.dob_formats)
        if fmt == "text":
            return f"{day.day} {day.strftime('%B')} {day.year}"
        return day.strftime(fmt)

    # ---- phones
    def phone(self, e164: str, nationality_country: str) -> str:
        r, p = self.r, self.p
        if self.chance(0.03):
            e164 = self.digit_slip(e164)
        style = p.phone_style
        if style == "mixed":
            style = r.choice(["national_spaced", "e164", "national_dashed", "intl_00", "e164_spaced"])
        if style == "as_heard":
            style = r.choice(["national_spaced", "national_plain", "e164_spaced", "plus_zero",
                              "no_zero", "national_plain"])
        if self.chance(0.01):
            e164 = e164[:-1]  # a digit lost: impossible length
        is_gb = e164.startswith("+44")
        cc_len = 2 if is_gb else (3 if e164[1:4] in ("359", "370") else 2)
        cc, nsn = e164[1:1 + cc_len], e164[1 + cc_len:]
        national = "0" + nsn
        if not is_gb and self.p.country_habit != "nationality" and r.random() < 0.35:
            # home-country number written the way the person says it, without the prefix
            return _group(national if cc != "48" else nsn, [4, 3, 3], r)
        if style == "e164":
            return e164
        if style == "e164_spaced":
            return f"+{cc} " + _group(nsn, [4, 6] if is_gb else [3, 3, 3], r)
        if style == "intl_00":
            return f"00{cc}{nsn}" if r.random() < 0.5 else f"00{cc} {_group(nsn, [4, 3, 3], r)}"
        if style == "plus_zero":
            return f"+{cc} (0){nsn[:4]} {nsn[4:]}"
        if style == "no_zero" and is_gb:
            return _group(nsn, [4, 6], r)
        if style == "national_dashed":
            return _group(national, [5, 3, 3], r, "-")
        if style == "national_plain":
            return national if is_gb else e164
        if not is_gb:
            return f"+{cc} {_group(nsn, [3, 3, 3], r)}"
        if nsn.startswith("7"):
            return _group(national, [5, 6], r)
        return f"({national[:5]}) {national[5:]}" if r.random() < 0.5 else _group(national, [5, 6], r)

    # ---- identifiers
    def nino(self, value: str) -> str:
        r = self.r
        if self.chance(0.03):
            value = self.digit_slip(value[:8]) + value[8:]
        if self.chance(0.015):
            value = value[:2] + value[2:8].replace("0", "O", 1) + value[8:]
        if self.chance(0.008):
            return f"TN{r.randint(1, 28):02d}{r.randint(1, 12):02d}{r.randint(60, 99)}{r.choice('MF')}"
        style = r.randrange(6)
        if style == 0:
            value = f"{value[:2]} {value[2:4]} {value[4:6]} {value[6:8]} {value[8:]}".strip()
        elif style == 1:
            value = value[:8]
        elif style == 2:
            value = value.lower()
        elif style == 3:
            value = f"{value[:2]} {value[2:8]} {value[8:]}".strip()
        return value

    def bank(self, value: str) -> str:
        r = self.r
        if self.chance(0.02):
            i = r.randrange(4, len(value))
            if value[i].isdigit():
                value = value[:i] + str((int(value[i]) + 1) % 10) + value[i + 1:]  # checksum fails
        if value.startswith("GB") and r.random() < 0.55:
            sort, account = value[8:14], value[14:22]
            return r.choice([f"{sort[:2]}-{sort[2:4]}-{sort[4:]} {account}", f"{sort} {account}",
                             f"{sort}{account}", f"{sort[:2]} {sort[2:4]} {sort[4:]}, {account}",
                             f"{sort[:2]}-{sort[2:4]}-{sort[4:]} {account.lstrip('0') or account}"])
        if r.random() < 0.5:
            value = " ".join(value[i:i + 4] for i in range(0, len(value), 4))
        if r.random() < 0.15:
            value = value.lower()
        return value

    def plate(self, value: str) -> str:
        r = self.r
        if self.chance(0.04):
            compact = value.replace(" ", "")
            value = self.ocr(compact) if r.random() < 0.7 else compact
        style = r.randrange(5)
        if style == 0:
            value = value.replace(" ", "")
        elif style == 1:
            value = value.lower()
        elif style == 2:
            value = value.replace(" ", "-")
        return value

    def passport(self, value: str) -> str:
        if self.chance(0.02):
            value = self.digit_slip(value)
        return self.r.choice([value, value, value.lower(), f"{value[:2]} {value[2:]}"])

    def email(self, value: str) -> str:
        r = self.r
        if self.chance(0.02):
            local, _, domain = value.partition("@")
            value = f"{local}@{domain.replace('gmail', 'gmial').replace('yahoo', 'yaho')}"
        if self.chance(0.02):
            value = self.typo(value)
        return r.choice([value, value, value.upper(), f"mailto:{value}", f" {value} "])

    # ---- addresses
    def street(self, value: str) -> str:
        r = self.r
        words = value.split()
        if words and words[-1] in _STREET_ABBREV and r.random() < 0.4:
            words[-1] = r.choice(_STREET_ABBREV[words[-1]])
        text = " ".join(words)
        if r.random() < 0.15 and text[:1].isdigit():
            number, _, rest = text.partition(" ")
            text = f"{number}, {rest}"
        if r.random() < 0.1:
            text = f"Flat {r.randint(1, 6)}, {text}"
        if r.random() < 0.1:
            text = text.upper()
        if self.chance(0.02):
            text = self.typo(text)
        return text

    def postcode(self, value: str) -> str:
        r = self.r
        if self.chance(0.03):
            return r.choice([
                value.split()[0],  # district only
                value.replace("1", "I", 1) if "1" in value else value + "X",
                value.replace("0", "O", 1) if "0" in value else value[:-1],
                value.replace(" ", "")[:-1],
                value[:-1] + "C",  # C is never a last inward letter
            ])
        if self.chance(0.02):
            letters = [i for i in range(len(value) - 2, len(value))]
            i = r.choice(letters)
            value = value[:i] + r.choice(_INWARD_LETTERS) + value[i + 1:]  # a neighbouring unit
        style = r.randrange(6)
        if style == 0:
            value = value.replace(" ", "")
        elif style == 1:
            value = value.lower()
        elif style == 2:
            value = value.replace(" ", "  ")
        return value

    def country(self, nationality: str) -> str:
        habit = self.p.country_habit
        if habit == "blank":
            return "" if self.r.random() < 0.9 else "GB"
        if habit == "GB":
            return "GB" if self.r.random() < 0.8 else "UK"
        return nationality if nationality not in ("IE", "PK") and self.r.random() < 0.8 else "GB"

    def org(self, name: str, company: bool) -> str:
        r = self.r
        text = name
        if company:
            swaps = [(" Ltd", " Limited"), (" Limited", " Ltd"), (" Ltd", " Ltd."), (" Ltd", " LTD"),
                     (" LLP", " L.L.P."), (" (UK)", ""), (" & ", " and "), (" Ltd", ""),
                     (" Limited", "")]
            for old, new in r.sample(swaps, 2):
                if old in text:
                    text = text.replace(old, new)
            if r.random() < 0.04:
                text = f"{text} t/a {r.choice(_BRANDS)} Staffing"
        else:
            if r.random() < 0.1:
                text = f"The {text}"
            if r.random() < 0.1:
                text = text.replace("Car Wash", "Carwash").replace(" & ", " and ")
            if r.random() < 0.08:
                text = f"{text} ({r.choice(['site', 'main site', 'yard', 'unit 2'])})"
        if r.random() < 0.15:
            text = text.upper()
        if self.chance(0.05):
            text = self.typo(text)
        return text

    def company_number(self, value: str) -> str:
        r = self.r
        if self.chance(0.02):
            value = self.digit_slip(value)
        if self.chance(0.01):
            return value + r.choice(["X", "0"])
        if value[0] == "0" and r.random() < 0.3:
            value = value.lstrip("0")
        if r.random() < 0.15:
            value = f"{value[:2]} {value[2:5]} {value[5:]}"
        if r.random() < 0.1:
            value = value.lower()
        return value


def _group(digits: str, sizes: Sequence[int], r: random.Random, sep: str = " ") -> str:
    parts, at = [], 0
    for size in sizes:
        if at >= len(digits):
            break
        parts.append(digits[at:at + size])
        at += size
    if at < len(digits):
        parts[-1] += digits[at:]
    return sep.join(parts)


def _cedilla(text: str) -> str:
    return text.translate(str.maketrans("ȘșȚț", "ŞşŢţ"))


def _to_cyrillic(text: str) -> str:
    out, i, low = [], 0, text.lower()
    while i < len(low):
        for size in (3, 2, 1):
            piece = low[i:i + size]
            if piece in _CYRILLIC:
                out.append(_CYRILLIC[piece])
                i += size
                break
        else:
            out.append(low[i])
            i += 1
    word = "".join(out)
    return " ".join(w.capitalize() for w in word.split())


# ------------------------------------------------------------------------ assembly

#: Members an entity is known to: a long tail. Controllers draw from the heavier table.
_K_WORKER: list[tuple[int, float]] = [(1, 50), (2, 24), (3, 12), (4, 6), (5, 3.5), (6, 2.5), (7, 1.2), (8, 0.8)]
_K_CONTROLLER: list[tuple[int, float]] = [(1, 14), (2, 16), (3, 16), (4, 14), (5, 13), (6, 11), (7, 8), (8, 8)]
_K_ORG: list[tuple[int, float]] = [(1, 30), (2, 22), (3, 16), (4, 11), (5, 8), (6, 6), (7, 4), (8, 3)]


class _Assembler:
    def __init__(self, gen: _Gen) -> None:
        self.g = gen
        self.r = gen.r
        self.out: list[Mention] = []
        self.renders = [_Render(gen.r, p) for p in gen.profiles]

    def who_knows(self, table: list[tuple[int, float]]) -> list[int]:
        k = min(self.g.members, self.r.choices([k for k, _ in table], [w for _, w in table])[0])
        weights = [p.coverage for p in self.g.profiles]
        chosen: list[int] = []
        while len(chosen) < k:
            m = self.r.choices(range(self.g.members), weights)[0]
            if m not in chosen:
                chosen.append(m)
        return chosen

    def repeats(self) -> int:
        """Mentions of one entity at one member: mostly one, sometimes a follow-up report."""
        return self.r.choices([1, 2, 3], [80, 16, 4])[0]

    def emit(self, member: int, eid: str, etype: str, row: dict[str, str]) -> None:
        full = {c: "" for c in COLUMNS}
        full.update(row)
        self.out.append(Mention(member, eid, etype, full))

    def junk(self, render: _Render, row: dict[str, str]) -> None:
        """A field filled with a placeholder instead of being left empty."""
        if render.chance(0.03):
            col = self.r.choice(["phone", "date_of_birth", "postcode", "national_id", "email",
                                 "vehicle_registration", "passport_number"])
            row[col] = self.r.choice(_JUNK)

    def person_row(self, member: int, person: Person, shared: dict[str, str]) -> None:
        r, rd, keep = self.r, self.renders[member], self.g.profiles[member].keep
        given, family = rd.name(person)
        row = {"given_name": given, "family_name": family, "country": rd.country(person.nationality)}
        if person.dob and r.random() < keep["dob"]:
            row["date_of_birth"] = rd.dob(person.dob)
        phone = shared.get("phone") if shared.get("phone") and r.random() < 0.6 else None
        if phone is None and person.phones and r.random() < keep["phone"]:
            phone = person.phones[0] if r.random() < 0.7 else r.choice(person.phones)
        if phone:
            row["phone"] = rd.phone(phone, person.nationality)
        if person.emails and r.random() < keep["email"]:
            row["email"] = rd.email(person.emails[0])
        home = r.choice(person.homes) if person.homes else None
        if shared.get("address") and r.random() < 0.5:
            street, locality, pc = shared["address"].split("|")
            home = (street, locality, pc)
        if home and r.random() < keep["address"]:
            row["street_address"] = rd.street(home[0])
            if r.random() < 0.7:
                row["locality"] = home[1]
        if home and r.random() < keep["postcode"]:
            row["postcode"] = rd.postcode(home[2])
        vehicle = shared.get("vehicle") if shared.get("vehicle") and r.random() < 0.5 else person.vehicle
        if vehicle and r.random() < keep["vehicle"]:
            row["vehicle_registration"] = rd.plate(vehicle)
        if person.nino and r.random() < keep["nino"]:
            row["national_id"] = rd.nino(person.nino)
        elif person.natid and r.random() < keep["natid"]:
            row["national_id"] = person.natid
        if person.passport and r.random() < keep["passport"]:
            row["passport_number"] = rd.passport(person.passport)
        bank = shared.get("bank") if shared.get("bank") and r.random() < 0.6 else person.bank
        if bank and r.random() < keep["bank"]:
            row["bank_account"] = rd.bank(bank)
        anchors = ("date_of_birth", "phone", "national_id", "passport_number", "bank_account", "email")
        if not any(row.get(c) for c in anchors):
            # nobody reports a bare name: the member records at least one fact to act on
            if person.dob and r.random() < 0.5:
                row["date_of_birth"] = rd.dob(person.dob)
            else:
                row["phone"] = rd.phone(r.choice(person.phones), person.nationality)
        self.junk(rd, row)
        self.emit(member, person.eid, "person", row)

    def site_row(self, member: int, site: Site) -> None:
        r, rd, keep = self.r, self.renders[member], self.g.profiles[member].keep
        row = {"site_name": rd.org(site.name, company=False)}
        if r.random() < 0.85:
            row["locality"] = site.town if r.random() < 0.75 else r.choice(
                [*site.villages, f"nr {site.town}", f"{r.choice(site.villages)}, {site.town}"])
        if r.random() < 0.5 + 0.5 * keep["postcode"]:  # a site is mostly placed by its postcode
            row["postcode"] = rd.postcode(site.postcode)
        if r.random() < keep["address"] * 0.5:
            row["street_address"] = rd.street(site.street)
        if not row.get("postcode") and not row.get("locality"):
            row["locality"] = site.town  # a site reported with no place at all is not placed
        self.emit(member, site.eid, "site", row)

    def company_row(self, member: int, company: Company) -> None:
        r, rd, keep = self.r, self.renders[member], self.g.profiles[member].keep
        row = {"company_name": rd.org(company.name, company=True)}
        if company.number and r.random() < keep["company_number"]:
            row["company_number"] = rd.company_number(company.number)
        if r.random() < keep["address"] * 0.6:
            row["street_address"] = rd.street(company.street)
            row["locality"] = company.town
        if r.random() < keep["postcode"] * 0.6:
            row["postcode"] = rd.postcode(company.postcode)
        if company.landline and r.random() < 0.3:
            row["phone"] = rd.phone(company.landline, "GB")
        self.emit(member, company.eid, "company", row)


def generate(seed: int = DEFAULT_SEED, members: int = 8, scale: float = 1.0) -> HeldoutSet:
    """One held-out set: ``members`` members, about 5,500 mentions at ``scale`` 1."""
    if members < 2:
        raise ValueError("members must be at least 2")
    g = _Gen(seed, members)
    a = _Assembler(g)
    r = g.r
    n_agencies = max(2, round(60 * scale))
    n_other_companies = max(1, round(110 * scale))
    n_sites = max(2, round(300 * scale))
    n_controllers = max(2, round(110 * scale))
    n_workers = max(4, round(1200 * scale))

    companies = [g.company(f"C{i:04d}") for i in range(n_agencies + n_other_companies)]
    # phoenix companies: the same name registered again under a new number
    for _ in range(max(1, round(6 * scale))):
        old = r.choice(companies)
        companies.append(g.company(f"C{len(companies):04d}", name=old.name))
    agencies = companies[:n_agencies]
    sites = [g.site(f"S{i:04d}") for i in range(n_sites)]
    # namesake sites elsewhere (another Manor Farm, another Hand Car Wash)
    for _ in range(max(1, round(25 * scale))):
        sites.append(g.site(f"S{len(sites):04d}", name=r.choice(sites).name))

    houses = []  # houses of multiple occupation, and agency offices used as home addresses
    for _ in range(max(2, round(90 * scale))):
        _d, town, _v, pc = g.place()
        houses.append(f"{g.street()}|{town}|{pc}")
    for ag in agencies:
        houses.append(f"{ag.street}|{ag.town}|{ag.postcode}")
    gang_mobiles = [g.gb_mobile() for _ in range(max(1, round(25 * scale)))]
    vans = [g.vehicle("GB") for _ in range(max(1, round(20 * scale)))]

    persons: list[Person] = []
    controllers: list[Person] = []
    for i in range(n_controllers):
        _d, town, _v, pc = g.place()
        homes = [(g.street(), town, pc)]
        if r.random() < 0.4:
            _d, town, _v, pc = g.place()
            homes.append((g.street(), town, pc))
        p = g.person(f"P{i:05d}", True, homes)
        controllers.append(p)
        persons.append(p)
    # namesakes: common names given to several different people, some born the same year
    common: list[tuple[str, str, str, str]] = [
        ("RO", "m", "Ion", "Popescu"), ("RO", "m", "Gheorghe", "Stan"), ("PL", "m", "Piotr", "Nowak"),
        ("BG", "m", "Ivan", "Ivanov"), ("BG", "m", "Georgi", "Georgiev"), ("VN", "m", "Văn Minh", "Nguyễn"),
        ("GB", "m", "John", "Smith"), ("PK", "m", "Mohammed", "Khan"), ("PK", "m", "Mohammed", "Ali"),
        ("RO", "f", "Maria", "Popa"), ("PL", "f", "Anna", "Kowalska"), ("IE", "m", "John", "Ward"),
    ]
    for i in range(n_workers):
        eid = f"P{len(persons):05d}"
        if r.random() < 0.5:
            homes = [tuple(r.choice(houses).split("|"))]  # type: ignore[list-item]
        else:
            _d, town, _v, pc = g.place()
            homes = [(g.street(), town, pc)]
        name = None
        dob = None
        if r.random() < 0.07:
            name = r.choice(common)
            twins = [p for p in persons if (p.given, p.family) == name[2:] and p.dob]
            if twins and r.random() < 0.4:
                base = r.choice(twins).dob
                assert base is not None
                dob = _dt.date(base.year, r.randint(1, 12), r.randint(1, 28))
        persons.append(g.person(eid, False, homes, name=name, dob=dob))
        _ = i

    boss_of: dict[str, Person] = {}
    for p in persons:
        if not p.controller:
            boss_of[p.eid] = r.choice(controllers)
    agency_of = {p.eid: r.choice(agencies) for p in persons}
    gang_phone = {c.eid: r.choice(gang_mobiles) for c in controllers}
    gang_van = {c.eid: r.choice(vans) for c in controllers}

    for p in persons:
        shared: dict[str, str] = {}
        if not p.controller:
            boss = boss_of[p.eid]
            agency = agency_of[p.eid]
            if agency.landline and r.random() < 0.25:
                shared["phone"] = agency.landline
            elif r.random() < 0.12:
                shared["phone"] = gang_phone[boss.eid]
            if r.random() < 0.15:
                shared["address"] = f"{agency.street}|{agency.town}|{agency.postcode}"
            if r.random() < 0.12 and boss.bank:
                shared["bank"] = boss.bank  # wages paid into the controller's account
            if r.random() < 0.1:
                shared["vehicle"] = gang_van[boss.eid]
        table = _K_CONTROLLER if p.controller else _K_WORKER
        for member in a.who_knows(table):
            for _ in range(a.repeats()):
                a.person_row(member, p, shared)
    for site in sites:
        for member in a.who_knows(_K_ORG):
            for _ in range(a.repeats()):
                a.site_row(member, site)
    for company in companies:
        for member in a.who_knows(_K_ORG):
            for _ in range(a.repeats()):
                a.company_row(member, company)

    # file order carries no hint of identity; record ids are unique across members
    r.shuffle(a.out)
    counters = [0] * members
    numbered = []
    for m in a.out:
        counters[m.member] += 1
        row = dict(m.row)
        row["record_id"] = f"h{m.member}-{counters[m.member]:05d}"
        numbered.append(Mention(m.member, m.entity_id, m.entity_type, row))
    return HeldoutSet(seed, members, numbered)


def write_set(out: Path, seed: int = DEFAULT_SEED, members: int = 8,
              scale: float = 1.0) -> tuple[list[Path], Path]:
    """Write ``member-N.csv`` per member and ``truth.csv``; return (member files, truth file)."""
    data = generate(seed, members, scale)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for member in range(members):
        path = out / f"member-{member}.csv"
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
            writer.writeheader()
            writer.writerows(data.rows(member))
        files.append(path)
    truth = out / "truth.csv"
    with open(truth, "w", newline="", encoding="utf-8") as handle:
        plain = csv.writer(handle)
        plain.writerow(TRUTH_COLUMNS)
        for m in data.mentions:
            plain.writerow([m.row["record_id"], m.member, m.entity_id, m.entity_type])
    return files, truth


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--members", type=int, default=8)
    args = parser.parse_args(argv)
    files, truth = write_set(args.out, args.seed, args.members)
    with open(truth, encoding="utf-8") as handle:
        print(f"{sum(1 for _ in handle) - 1} mentions in {len(files)} files; truth in {truth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
