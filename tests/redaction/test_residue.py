"""The verification pass: a residue scan independent of the redactor's detectors, table-driven.

Each RESIDUE row is text a first pass might leave behind, with the part that must be
found and the finding type; each HARMLESS row is text that must pass untouched.
"""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

import msin_fed.redaction._residue as residue_module
from msin_fed.errors import RedactionRefused
from msin_fed.redaction import Redactor
from msin_fed.redaction._residue import ResidueScanner, common_words, names_gazetteer

SCANNER = ResidueScanner()

# (text, the identifying part, finding type)
RESIDUE = [
    # digit runs of 6 or more, any separators, any validity
    ("call 07700 900123 tonight", "07700 900123", "PHONE_NUMBER"),
    ("his mobile 0770-090-0123 rang", "0770-090-0123", "PHONE_NUMBER"),
    ("the Bucharest number 0040-21-318-0045", "0040-21-318-0045", "PHONE_NUMBER"),
    ("ring (+234) 803 555 0192 for visas", "234) 803 555 0192", "PHONE_NUMBER"),
    ("one digit short: 07700 90012", "07700 90012", "PHONE_NUMBER"),
    ("starts 07700 and ends 900123", "900123", "PHONE_NUMBER"),
    ("seven seven zero zero nine zero zero one two three", "seven seven zero zero nine zero zero one two three", "PHONE_NUMBER"),
    ("Account number: first four 8831, last four 2290.", "8831", "BANK_ACCOUNT"),
    ("paid into the same account, 20457741234567, weekly", "20457741234567", "BANK_ACCOUNT"),
    ("sort code 80 77 73 and account 10805532", "10805532", "BANK_ACCOUNT"),
    ("bank details are 09-01-28 and more", "09-01-28", "BANK_ACCOUNT"),
    ("card 4111 1111 1111 1111 was used", "4111 1111 1111 1111", "CREDIT_CARD"),
    ("digits with zero-width 3\u200b1\u200b8\u200b4\u200b2\u200b7", "3\u200b1\u200b8\u200b4\u200b2\u200b7", "ID_NUMBER"),
    ("full-width \uff10\uff17\uff17\uff10\uff10 \uff19\uff10\uff10\uff11\uff12\uff13", "\uff10\uff17\uff17\uff10\uff10 \uff19\uff10\uff10\uff11\uff12\uff13", "PHONE_NUMBER"),
    ("letter O for zero: O77OO 9OO123", "O77OO 9OO123", "PHONE_NUMBER"),
    ("licence no. 01234/15/1211 copied", "01234/15/1211", "ID_NUMBER"),
    ("the mobile was <PHONE_1> then 330", "330", "PHONE_NUMBER"),
    # e-mail shapes in any obfuscation
    ("write to phuong.bui4@outlook.com today", "phuong.bui4@outlook.com", "EMAIL_ADDRESS"),
    ("mail john(at)gmail.com", "john(at)gmail.com", "EMAIL_ADDRESS"),
    ("mail john at gmail dot com", "john at gmail dot com", "EMAIL_ADDRESS"),
    ("reply to anna[at]yahoo[dot]co[dot]uk", "anna[at]yahoo[dot]co[dot]uk", "EMAIL_ADDRESS"),
    ("her old address was besnikgashi at gmail.", "besnikgashi at gmail", "EMAIL_ADDRESS"),
    # postcodes regardless of letter rules, spaced out
    ("postcode PE13 2AB", "PE13 2AB", "UK_POSTCODE"),
    ("near qv1 1zz", "qv1 1zz", "UK_POSTCODE"),
    ("the house is P E 1 1 2 A B", "P E 1 1 2 A B", "UK_POSTCODE"),
    ("zip code 79000, with no wages", "79000", "POSTAL_CODE"),
    # IBAN, NINO, plates
    ("IBAN GB82 WEST 1234 5698 7654 32 and more", "GB82 WEST 1234 5698 7654 32", "IBAN_CODE"),
    ("to ro04rncb0438347018820937 weekly", "ro04rncb0438347018820937", "IBAN_CODE"),
    ("NI number AB 12 34 56 C", "AB 12 34 56 C", "UK_NINO"),
    ("NINO JK-123456-C and J.K.1.2.3.4.5.6.C", "J.K.1.2.3.4.5.6.C", "UK_NINO"),
    ("NINO QQ123456D is unallocated", "QQ123456D", "UK_NINO"),
    ("white Transit AB12 CDE", "AB12 CDE", "VEHICLE_REGISTRATION"),
    ("minibus reg yl19hen", "yl19hen", "VEHICLE_REGISTRATION"),
    ("prefix plate B65CAH", "B65CAH", "VEHICLE_REGISTRATION"),
    ("plate B 123 ABC and CA 1234 AB", "CA 1234 AB", "VEHICLE_REGISTRATION"),
    ("the car is a ka 19 xyz", "ka 19 xyz", "VEHICLE_REGISTRATION"),
    ("Vehicle used: cb7953yu.", "cb7953yu", "VEHICLE_REGISTRATION"),
    ("Van registration \u0410\u041212 \u0421D\u0415, white", "\u0410\u041212 \u0421D\u0415", "VEHICLE_REGISTRATION"),
    # dates of birth after a cue, in digits or words; a date followed by an age
    ("DOB 22/12/1999 on the sheet", "22/12/1999", "DATE_OF_BIRTH"),
    ("born on the seventh of March 1985", "the seventh of March 1985", "DATE_OF_BIRTH"),
    ("she is 1 Dec 2003, which makes her 17", "1 Dec 2003", "DATE_OF_BIRTH"),
    # street and flat lines
    ("walking down Toby Coves at 6am", "Toby Coves", "STREET_ADDRESS"),
    ("at 56 meadow close, Leicester", "56 meadow close", "STREET_ADDRESS"),
    ("Location: Flat 51Q above the shop", "Flat 51Q", "STREET_ADDRESS"),
    ("<ADDRESS_1>\n Apt. 932\n Spain 33282", "Apt. 932", "STREET_ADDRESS"),
    ("<ADDRESS_1>\n Apt. 932\n Spain 33282", "33282", "POSTAL_CODE"),
    # names: capitalised gazetteer words, cues, labels, nicknames, pairs, beside placeholders
    ("Then Sarah Johnson arrived.", "Johnson", "PERSON"),
    ("The gangmaster is Gheorghe, who drives.", "Gheorghe", "PERSON"),
    ("Worker IFEANYI ADEYEMI said so.", "ADEYEMI", "PERSON"),
    ("last name? davies, he thinks", "davies", "PERSON"),
    ("the lad goes by ndubuisi, family name eze", "ndubuisi", "PERSON"),
    ("Naomi: he took it", "Naomi", "PERSON"),
    ("Chidi: we sleep in the barn.", "Chidi", "PERSON"),
    ("The supervisors are North, Hall and Baker.", "Hall", "PERSON"),
    ("It was Wood who handed over the wages.", "Wood", "PERSON"),
    ("Everyone calls the controller 'the Boss'.", "the Boss", "PERSON"),
    ("a man they call Uncle Tu takes the wages", "Uncle Tu", "PERSON"),
    ("The men refer to the driver only as Scorpion.", "Scorpion", "PERSON"),
    ("Workers named their controller as kola.", "kola", "PERSON"),
    ("We spoke to hall who was afraid to talk.", "hall", "PERSON"),
    ("Everyone answers to <PERSON_1> ngo, who takes their cards.", "ngo", "PERSON"),
    ("the wages. le dung gave her date of birth", "dung", "PERSON"),
    ("the house: <POSTCODE_1>. DEAN HALL, DOB <DOB_1>, says", "HALL", "PERSON"),
    ("in his car. Ermal Zeneli, <DOB_1>, says", "Zeneli", "PERSON"),
    ("Le Van Thanh drives the van", "Thanh", "PERSON"),
    ("The gangmaster is I\u043en P\u043e\u0440escu.", "P\u043e\u0440escu", "PERSON"),
    ("nobody dares speak against gheorghe", "gheorghe", "PERSON"),
    ("Another worker, <PERSON_1> Vasiliauskas, sleeps in the van.", "Vasiliauskas", "PERSON"),
]

HARMLESS = [
    "<PERSON_1> met <PERSON_2> at <SITE_1>; <PHONE_1> and <IBAN_3>.",
    "Each worker pays £138 a week for a bed and £1500.00 for travel.",
    "About 14 workers are on site; they work 12 hours a day, every 18 days off.",
    "Site assessment carried out 12 August 2025 near King's Lynn.",
    "Interview notes, 17 November 2024, King's Lynn drop-in centre.",
    "This has been going on since 12/03/2024, between 2019-2023, and from 12.03.2024 at 10.30.",
    "They start at 04:30 and finish at 22:00, seven days a week.",
    "I didn't get paid. We couldn't leave and they won't tell us why. It's not fair, she'd said.",
    "We went to Tesco and HMRC in Bulgaria. The Romanian men use Gumtree and Revolut at Stansted.",
    "The GLAA and the NRM were told; the Modern Slavery Helpline called back. Police said nothing.",
    "They drive a silver Ford Transit and a black Mercedes Sprinter to Wisbech, Boston and Spalding.",
    "The workers were taken to Victoria coach station and then to Peterborough.",
    "Postcode of the house is withheld. The caller was afraid.",
    "Workers born in Romania. The youngest, aged 17, lives in Room 3.",
    "NI number according to the timesheet was wrong.",
    "Since 12 March 2023 about 14 workers aged 20 to 30 work here.",
    "Workers at the packhouse are driven in by a gangmaster who keeps their wages. Call <PHONE_1> to reach him.",
    "The workers stay at FLAT 5, <ADDRESS_1>, Thetford.",
]


def _types_at(text: str, part: str) -> set[str]:
    start = text.index(part)
    end = start + len(part)
    return {f.entity_type for f in SCANNER.scan(text) if f.start < end and start < f.end}


@pytest.mark.parametrize(("text", "part", "kind"), RESIDUE, ids=[f"{r[2]}-{i}" for i, r in enumerate(RESIDUE)])
def test_residue_is_found_with_its_type(text: str, part: str, kind: str) -> None:
    assert kind in _types_at(text, part), SCANNER.scan(text)


@pytest.mark.parametrize("text", HARMLESS, ids=[f"harmless-{i}" for i in range(len(HARMLESS))])
def test_harmless_look_alikes_are_not_findings(text: str) -> None:
    assert SCANNER.scan(text) == ()


def test_positions_are_in_the_text_as_given() -> None:
    # Normalisation removes the zero-width spaces; findings still point into the original.
    text = "Transfers to 3\u200b1\u200b8\u200b4\u200b2\u200b7\u200b6\u200b0 and mail ana(at)gmail(dot)com now."
    found = SCANNER.scan(text)
    spans = {text[f.start : f.end] for f in found}
    assert "3\u200b1\u200b8\u200b4\u200b2\u200b7\u200b6\u200b0" in spans
    assert "ana(at)gmail(dot)com" in spans
    for f in found:
        assert 0 <= f.start < f.end <= len(text)


def test_placeholders_are_never_findings_nor_glue() -> None:
    assert SCANNER.scan("<PHONE_1> <PHONE_2> <ACCOUNT_1> <PERSON_1> <PERSON_2>") == ()
    # Digits on either side of a placeholder are not joined through it into one run.
    assert SCANNER.scan("£12 <IBAN_1> 34") == ()


def test_refusal_names_types_and_positions_never_text(redactor: Redactor) -> None:
    text = "<PERSON_1> said the boss took £200. Then Sarah Johnson arrived; call 07700 900123."
    with pytest.raises(RedactionRefused) as info:
        redactor.verify(text)
    assert {f.entity_type for f in info.value.findings} >= {"PERSON", "PHONE_NUMBER"}
    for f in info.value.findings:
        assert text[f.start : f.end] not in str(info.value)


def test_verify_is_the_residue_scan(redactor: Redactor) -> None:
    # Digits spelled out: no recognizer of the first pass reads them; the scan does.
    text = "His number is seven seven zero zero nine zero zero one two three."
    assert redactor.residue([text]) == [SCANNER.scan(text)]
    with pytest.raises(RedactionRefused):
        redactor.verify(text)
    assert redactor.residue(["<PERSON_1> pays £40 a week.", text])[0] == ()


def test_the_scan_shares_no_code_with_the_detectors() -> None:
    tree = ast.parse(Path(residue_module.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    forbidden = ("presidio", "msin_fed.redaction.recognizers", "msin_fed.redaction._ner", "msin_fed.redaction._pipeline",
                 "msin_fed.redaction._redactor", "phonenumbers")
    assert not [m for m in imported if m.startswith(forbidden)], imported
    # spaCy is read for its stop words and lemma tables only: no pipeline is loaded.
    assert "spacy.load" not in Path(residue_module.__file__).read_text(encoding="utf-8")


def test_gazetteer_is_faker_names_of_many_locales() -> None:
    names = names_gazetteer()
    assert len(names) > 40_000
    for name in ("popescu", "nguyen", "nowak", "adeyemi", "oksana", "smith", "gheorghe"):
        assert name in names
    # Ordinary English verbs and adjectives are not names on their own ("Will", "May", "North").
    common = common_words()
    assert {"will", "may", "north", "march"} <= common
    assert "smith" not in common and "johnson" not in common


def test_the_scan_is_cheap() -> None:
    text = " ".join(t for t, _, _ in RESIDUE[:12]) + " " + " ".join(HARMLESS[:6])
    SCANNER.scan(text)
    started = time.perf_counter()
    for _ in range(20):
        SCANNER.scan(text)
    per_scan = (time.perf_counter() - started) / 20
    # A few hundred microseconds on an idle core; generous for a shared, loaded machine.
    assert per_scan < 0.05, per_scan


def test_recheck_adds_the_detectors_second_run(redactor: Redactor, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "<PERSON_1> pays £40. Then Sarah Johnson arrived; call 07700 900123."
    scan_only = set(redactor.residue([text])[0])
    monkeypatch.setattr(redactor, "recheck", True)
    both = set(redactor.residue([text])[0])
    assert scan_only < both  # the detectors' own findings (their types) are added to the scan's
    assert {f.entity_type for f in both - scan_only} & {"PERSON", "PHONE_NUMBER"}
