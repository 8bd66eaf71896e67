# ruff: noqa: RUF001, RUF002  (Cyrillic letters and mojibake examples are the point here)
"""Canonical forms of identifiers, so two members holding one value differently agree.

Each function takes the raw text a member holds and returns the canonical text that goes
into a typed token input (:mod:`msin_fed.token_inputs`), or raises
:class:`~msin_fed.errors.ValidationError` naming the field and the problem. Nothing
invalid is silently tokenized: a wrong checksum, an impossible phone number or a date
that does not exist is an error, never a token that can match nothing (or anything).

Messages never contain the value itself.
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from importlib import resources
from types import MappingProxyType

import ftfy
import ftfy.bad_codecs  # registers the sloppy-windows-1252 codec repair_text uses
import phonenumbers
from anyascii import anyascii

from msin_fed.errors import ValidationError

__all__ = [
    "NINO_PATTERN",
    "address",
    "bank_account",
    "company_number",
    "date_fields",
    "date_of_birth",
    "email",
    "fold",
    "iban",
    "infer_date_order",
    "is_junk",
    "is_mobile_abroad",
    "name_words",
    "national_id",
    "nino",
    "nino_ocr",
    "org_name",
    "parse_date_of_birth",
    "passport",
    "phone",
    "phone_readings",
    "postcode",
    "postcode_area_town",
    "postcode_district",
    "repair_text",
    "swapped_date_of_birth",
    "temporary_reference_dob",
    "transliterate",
    "vehicle",
]

_SEPARATORS = re.compile(r"[\s\-./(),_:]+")


def _text(fld: str, value: object, max_length: int = 200) -> str:
    if not isinstance(value, str):
        raise ValidationError(fld, f"must be text, not {type(value).__name__}")
    text = value.strip()
    if not text:
        raise ValidationError(fld, "is empty")
    if len(text) > max_length:
        raise ValidationError(fld, f"is too long ({len(text)} characters, at most {max_length})")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ValidationError(fld, "contains control characters")
    return text


def _compact(text: str) -> str:
    return _SEPARATORS.sub("", text).upper()


def _region(fld: str, region: str) -> str:
    if not isinstance(region, str) or not re.fullmatch(r"[A-Za-z]{2}", region.strip()):
        raise ValidationError(fld, "region must be a two-letter ISO 3166 code such as GB")
    return region.strip().upper()


def phone(value: str, region: str = "GB", fld: str = "phone") -> str:
    """E.164 form (``+447700900123``); national numbers are read in ``region``.

    A number must be *possible* (right length for its country); validity against the
    numbering plan is not required, because reserved ranges (Ofcom's 07700 900xxx) and
    newly issued blocks are real in intelligence data.
    """
    text = _text(fld, value, 40)
    if not re.fullmatch(r"[0-9+()\s.\-/]+", text):
        raise ValidationError(fld, "wrong format (digits, spaces, + ( ) - . / only)")
    digits = re.sub(r"[^0-9+]", "", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    try:
        number = phonenumbers.parse(digits, _region(fld, region))
    except phonenumbers.NumberParseException:
        raise ValidationError(fld, "is not a telephone number") from None
    reason = phonenumbers.is_possible_number_with_reason(number)
    national = phonenumbers.national_significant_number(number)
    # A leading zero that is neither a trunk prefix the parser stripped nor part of a valid
    # number (as Italy's is) is what is left of a too-short one: GB "07700 12" would
    # otherwise pass as "+440770012", PL "0770012" as "+480770012".
    stray_zero = bool(number.italian_leading_zero) and not phonenumbers.is_valid_number(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE or len(national) < 7 or stray_zero:
        raise ValidationError(fld, "is not a possible number for its country (wrong length)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_region(value: str, country: str = "GB") -> str:
    """The region to read phone ``value`` in, for a row whose ``country`` is ``country``.

    ``country`` is often the person's nationality, while the network is UK-based and its
    members write UK numbers in national form (``07409 661374`` in a Polish row is a UK
    mobile). A national number that is no valid number of ``country`` is read as a UK one
    when it is a valid UK number, or when it is not even possible in ``country`` but is in
    the UK; one possible in neither is read in the first of :data:`HOME_REGIONS` where it
    is valid (a mobile from home written as dialled at home, ``0722 123 456``).
    International numbers (``+``, ``00``) are read as written. Never raises: a value that
    fits none comes back with ``country`` and fails in :func:`phone`.
    """
    if value.strip().startswith(("+", "00")):
        return country

    def reading(region: str) -> phonenumbers.PhoneNumber | None:
        try:
            return phonenumbers.parse(phone(value, region))
        except ValidationError:
            return None

    here = reading(country) if country != "GB" else None
    if here is not None and phonenumbers.is_valid_number(here):
        return country
    uk = reading("GB")
    if uk is not None and (here is None or phonenumbers.is_valid_number(uk)):
        return "GB"
    if here is None:
        # Possible neither here nor in the UK: a mobile from home dialled as at home.
        for home in HOME_REGIONS:
            number = reading(home)
            if number is not None and phonenumbers.is_valid_number(number):
                return home
    return country


#: Where the network's people come from (docs/linkage.md): a mobile from home written in
#: national form without its country prefix is read in each of these where it is valid.
HOME_REGIONS = ("RO", "PL", "BG", "LT", "LV", "SK", "HU", "CZ", "UA", "AL", "VN", "IN", "PK",
                "BD", "IE")


def phone_readings(value: str, country: str = "GB", fld: str = "phone") -> list[str]:
    """E.164 readings of phone ``value``: the one :func:`phone` gives in the region
    :func:`phone_region` picks, then, for a number in national form that is *no valid*
    number there, its reading in each of :data:`HOME_REGIONS` where it is a valid mobile
    number (at most :data:`MAX_HOME_READINGS`).

    A worker's mobile from home is often written as dialled at home (``0722 123 456``,
    ``512 345 678``) in a row whose ``country`` is GB or empty, while another member
    writes it with its prefix (``+40 722 123 456``); the extra readings let the two agree.
    Raises :class:`ValidationError` as :func:`phone` does when not even the first reading
    is a possible number.
    """
    region = phone_region(value, country)
    first = phone(value, region, fld)
    readings = [first]
    if value.strip().startswith(("+", "00")):
        return readings
    if region in (country, "GB") and phonenumbers.is_valid_number(phonenumbers.parse(first)):
        return readings
    for home in HOME_REGIONS:
        if home == region:
            continue
        try:
            number = phonenumbers.parse(re.sub(r"[^0-9]", "", value), home)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in _MOBILE:
            readings.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return list(dict.fromkeys(readings))[: 1 + MAX_HOME_READINGS]


def is_mobile_abroad(e164: str) -> bool:
    """Whether an E.164 number is a mobile of one of :data:`HOME_REGIONS`: the number a
    member may have written from home without its prefix (see :func:`phone_readings`)."""
    number = phonenumbers.parse(e164)
    region = phonenumbers.region_code_for_number(number)
    return region in HOME_REGIONS and phonenumbers.number_type(number) in _MOBILE


#: At most this many readings from home per phone (each is one more token).
MAX_HOME_READINGS = 3
_MOBILE = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


#: What members write in a field they have nothing for (compared case-folded, without
#: spaces, dots and slashes). ``NA`` alone is left to names: it is also a given name.
_JUNK = frozenset({"na", "nk", "unknown", "unk", "notknown", "none", "nil", "null", "-", "--", "---",
                   "?", "??", "???", "x", "xx", "xxx", "tbc", "tba", "notgiven", "notstated",
                   "notprovided", "notrecorded", "refused", "nodata", "blank", "n", "0", "00", "000",
                   "dontknow", "dk", "unknow", "unkown", "noname", "nofixedabode", "nfa", "*"})
_JUNK_MARKS = re.compile(r"[\s./_]+")


def is_junk(value: str, *, name: bool = False) -> bool:
    """Whether ``value`` is a placeholder for nothing (``N/A``, ``unknown``, ``-``, ``?``,
    ``not known``) rather than a value: such a cell is read as empty, so ``N/A`` in a name
    column is not the name ``n a`` nor ``unknown`` a family name. With ``name``, a bare
    ``NA`` / ``Na`` (a given name) is a value; ``N/A`` is still junk."""
    text = value.strip()
    if not text:
        return False
    key = _JUNK_MARKS.sub("", text.casefold())
    if name and key == "na" and "/" not in text and "." not in text:
        return False
    return key in _JUNK or (not key and bool(text))


_TEMPORARY_REFERENCE = re.compile(r"TN([0-9]{2})([0-9]{2})([0-9]{2})[MF]?")


def temporary_reference_dob(value: str, today: _dt.date | None = None) -> str | None:
    """The ISO date of birth inside an HMRC temporary reference number (``TN 07 03 85 M``:
    TN, the holder's date of birth as ddmmyy, the sex), or None when ``value`` is not one.

    A TN number is no NINO and identifies no one (everyone of one birthday and sex shares
    it), so it is never a token; the date it carries is the holder's date of birth.
    """
    match = _TEMPORARY_REFERENCE.fullmatch(_compact(value))
    if match is None:
        return None
    day, month, year = (int(g) for g in match.groups())
    now = today or _dt.date.today()
    try:
        found = _dt.date(_century(year, now), month, day)
    except ValueError:
        return None
    return found.isoformat() if _dt.date(1900, 1, 1) <= found <= now else None


def email(value: str, fld: str = "email") -> str:
    """Lower-cased address without surrounding space (``mailto:`` dropped)."""
    text = _text(fld, value, 254).lower()
    text = text.removeprefix("mailto:").strip("<> ")
    if not re.fullmatch(r"[a-z0-9!#$%&'*+/=?^_`{|}~.\-]+@[a-z0-9\-]+(\.[a-z0-9\-]+)+", text):
        raise ValidationError(fld, "wrong format (expected name@domain)")
    local, _, _domain = text.partition("@")
    if local.startswith(".") or local.endswith(".") or ".." in text:
        raise ValidationError(fld, "wrong format (misplaced dot)")
    return text


#: Letters and digits a scan or a typist confuses (O/0, I/1, S/5), both ways round.
_AS_DIGIT = str.maketrans("OIS", "015")
_AS_LETTER = str.maketrans("015", "OIS")

#: UK registration marks: current (AB12CDE), prefix (A123BCD), suffix (ABC123D), dateless.
_UK_PLATE_CURRENT = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z]{3}")
_UK_PLATE_ANY = re.compile(
    r"[A-Z]{2}[0-9]{2}[A-Z]{3}|[A-Z][0-9]{1,3}[A-Z]{3}|[A-Z]{3}[0-9]{1,3}[A-Z]|[A-Z]{1,3}[0-9]{1,4}|[0-9]{1,4}[A-Z]{1,3}"
)


def _plate_ocr(text: str) -> str:
    """A seven-character mark that fits no UK format as written but the current one
    (two letters, two digits, three letters) once O/0, I/1, S/5 are read by position."""
    if len(text) != 7 or _UK_PLATE_ANY.fullmatch(text):
        return text
    fixed = (text[:2].translate(_AS_LETTER) + text[2:4].translate(_AS_DIGIT)
             + text[4:].translate(_AS_LETTER))
    return fixed if _UK_PLATE_CURRENT.fullmatch(fixed) else text


def vehicle(value: str, fld: str = "vehicle_registration") -> str:
    """Registration mark in capitals without spaces or dashes (``AB12CDE``).

    A mark that fits no UK format as written but fits the current one with O/0, I/1 or
    S/5 read by position (``AB1O CDE``, ``A812 CDE`` is not changed: 8 is no confusion
    here) is read in that form.
    """
    text = _compact(_text(fld, value, 16))
    if not re.fullmatch(r"[A-Z0-9]{2,10}", text):
        raise ValidationError(fld, "wrong format (2-10 letters and digits, such as AB12 CDE)")
    if not any(ch.isdigit() for ch in text) and len(text) < 3:
        raise ValidationError(fld, "wrong format (too short)")
    return _plate_ocr(text)


_UK_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})|GIR0AA")


@functools.cache
def _area_towns() -> dict[str, str]:
    text = resources.files("msin_fed").joinpath("postcode_areas.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {row["area"]: fold(row["town"]) for row in rows}


def postcode_area_town(canonical_postcode: str) -> str:
    """The folded post town a canonical UK postcode's area is named after (``LS9 3LX`` ->
    ``leeds``, ``SE1 7PB`` -> ``london``), or ``""`` for a postcode of no known area.

    A district away from that town has another post town (``PE21`` is Boston, not
    Peterborough), so this is a town the postcode *may* be written as, for evidence that
    needs further agreement (a street), never a place by itself.
    """
    match = re.match(r"([A-Z]{1,2})[0-9]", canonical_postcode)
    return _area_towns().get(match.group(1), "") if match else ""


#: The letters each place of a UK postcode may hold (BS 7666): no Q, V, X first, no I, J,
#: Z second, only some letters after the district digit, and an inward code of a digit and
#: two of ABD-HJLNP-UW-Z. Used to read a digit keyed as a letter (and back) by position.
_UK_POSTCODE_STRICT = re.compile(
    r"[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"[0-9][ABD-HJLNP-UW-Z]{2}"
)
_UK_OUTWARD_STRICT = re.compile(
    r"[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])"
)
_OCR_PAIRS = {"0": "O", "O": "0", "1": "I", "I": "1", "5": "S", "S": "5"}


def _postcode_ocr(text: str, shape: re.Pattern[str] = _UK_POSTCODE_STRICT) -> str:
    """A compact UK postcode with O/0, I/1, S/5 read by position: when ``text`` breaks the
    rules of what each place may hold and exactly one reading of those characters keeps
    them (``PE2I8AA`` -> ``PE218AA``, ``SWIAIAA`` -> ``SW1A1AA``); else ``text``."""
    if shape.fullmatch(text) or len(text) > 8:
        return text
    spots = [i for i, ch in enumerate(text) if ch in _OCR_PAIRS]
    found: set[str] = set()
    for mask in range(1, 1 << len(spots)):
        chars = list(text)
        for bit, i in enumerate(spots):
            if mask >> bit & 1:
                chars[i] = _OCR_PAIRS[chars[i]]
        candidate = "".join(chars)
        if shape.fullmatch(candidate):
            found.add(candidate)
    return found.pop() if len(found) == 1 else text


def postcode_district(value: str) -> str | None:
    """The UK district (outward code, ``PE21``) a value written as a district alone or as
    a whole postcode names (O/0, I/1, S/5 read by position), else None."""
    text = _compact(value) if isinstance(value, str) else ""
    whole = _postcode_ocr(text)
    if _UK_POSTCODE_STRICT.fullmatch(whole):
        return whole[:-3]
    outward = _postcode_ocr(text, _UK_OUTWARD_STRICT)
    return outward if _UK_OUTWARD_STRICT.fullmatch(outward) else None


def postcode(value: str, country: str = "GB", fld: str = "postcode") -> str:
    """UK postcodes as ``SW1A 1AA`` (validated; a digit keyed as the letter it looks like,
    or back, is read by position: ``PE2I 8AA`` is ``PE21 8AA``); other countries compact,
    upper-cased."""
    text = _compact(_text(fld, value, 12))
    country = _region("country", country)
    if country in ("GB", "UK", "GG", "JE", "IM"):
        text = _postcode_ocr(text)
        match = _UK_POSTCODE.fullmatch(text)
        if not match:
            raise ValidationError(fld, "wrong format (expected a UK postcode such as SW1A 1AA)")
        return "GIR 0AA" if text == "GIR0AA" else f"{match.group(1)} {match.group(2)}"
    if not re.fullmatch(r"[A-Z0-9]{3,10}", text):
        raise ValidationError(fld, "wrong format (3-10 letters and digits)")
    return text


#: A National Insurance number, compact and in capitals: HMRC's allocation rules (no D, F,
#: I, Q, U or V first, no D, F, I, O, Q, U or V second, no BG, GB, KN, NK, NT, TN or ZZ
#: prefix), six digits, an optional A-D suffix. The one NINO rule: the model's
#: :class:`~msin_fed.model.Nino` and the identifier registry use it too. QQ, HMRC's
#: specimen prefix, is accepted (the letter rules allow it).
NINO_PATTERN = re.compile(r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-TW-Z][A-CEGHJ-NP-TW-Z][0-9]{6}[A-D]?")
_NINO = NINO_PATTERN


def nino_ocr(value: str) -> str:
    """``value`` compact, with O/0, I/1, S/5 read by position when that makes it a NINO
    (see :func:`nino`); any other value compact and unchanged."""
    text = _compact(value)
    fixed = _nino_ocr(text)
    return fixed if _NINO.fullmatch(fixed) else text


def _nino_ocr(text: str) -> str:
    """A compact NINO with O/0, I/1, S/5 read by position: letters in the first two
    places, digits in the next six (``AB12O456C`` is ``AB120456C``). Values of another
    length are returned unchanged."""
    if len(text) not in (8, 9):
        return text
    return text[:2].translate(_AS_LETTER) + text[2:8].translate(_AS_DIGIT) + text[8:]


def nino(value: str, fld: str = "national_id") -> str:
    """National Insurance number without spaces and without the A-D suffix (``QQ123456``).

    The suffix carries no identity and members often omit it, so it is dropped. The
    format fixes what each position holds, so a letter O, I or S among the digits (or a
    0, 1 or 5 in the prefix) is read as the character it stands for.
    """
    text = _nino_ocr(_compact(_text(fld, value, 16)))
    if not _NINO.fullmatch(text):
        raise ValidationError(
            fld, "wrong format (two letters, six digits, optional A-D, such as QQ 12 34 56 C)"
        )
    return text[:8]


def is_nino(value: str) -> bool:
    """Whether ``value`` has the shape of a UK National Insurance number (O/0, I/1, S/5
    read by position, as :func:`nino` does)."""
    return bool(_NINO.fullmatch(_nino_ocr(_compact(value))))


def national_id(value: str, country: str = "GB", fld: str = "national_id") -> str:
    """A national identity number: a NINO when it has that shape, else ``CC:NUMBER``.

    Returns ``"nino", canonical`` pairs through :func:`msin_fed.token_inputs`; here only
    the non-UK form: issuing country and the number in capitals without separators.
    """
    text = _compact(_text(fld, value, 24))
    if not re.fullmatch(r"[A-Z0-9]{4,20}", text):
        raise ValidationError(fld, "wrong format (4-20 letters and digits)")
    return f"{_region('country', country)}:{text}"


def passport(value: str, country: str, fld: str = "passport_number") -> str:
    """``CC:NUMBER``: the issuing country (ISO alpha-2) and the number in capitals."""
    text = _compact(_text(fld, value, 20))
    if not re.fullmatch(r"[A-Z0-9]{5,12}", text):
        raise ValidationError(fld, "wrong format (5-12 letters and digits)")
    if not any(ch.isdigit() for ch in text):
        raise ValidationError(fld, "wrong format (a passport number has digits)")
    return f"{_region('country', country)}:{_passport_ocr(text)}"


_PASSPORT_SHAPE = re.compile(r"([A-Z]{0,2})([0-9][0-9OIS]*[0-9])")


def _passport_ocr(text: str) -> str:
    """A number of up to two letters then digits, with an O, I or S between its digits,
    read with 0, 1, 5 there (``05I23456`` is ``05123456``); a letter before the first
    digit or after the last is left as written (it may be a series letter)."""
    match = _PASSPORT_SHAPE.fullmatch(text)
    if match is None or sum(ch.isdigit() for ch in match.group(2)) < 5:
        return text
    return match.group(1) + match.group(2).translate(_AS_DIGIT)


def iban(value: str, fld: str = "bank_account") -> str:
    """IBAN in capitals without spaces, its ISO 13616 mod-97 checksum verified."""
    text = _compact(_text(fld, value, 42))
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", text):
        raise ValidationError(fld, "wrong format (expected an IBAN such as GB82 WEST 1234 ...)")
    rearranged = text[4:] + text[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    if int(digits) % 97 != 1:
        raise ValidationError(fld, "IBAN checksum does not verify")
    if text.startswith("GB") and len(text) != 22:
        raise ValidationError(fld, "a GB IBAN has 22 characters")
    return text


def bank_account(value: str, fld: str = "bank_account") -> str:
    """UK sort code and account as ``SSSSSS:AAAAAAAA`` (7-digit accounts zero-padded)."""
    text = _text(fld, value, 30)
    if not re.fullmatch(r"[0-9\s\-./:]+", text):
        raise ValidationError(fld, "wrong format (sort code and account number digits only)")
    digits = re.sub(r"[^0-9]", "", text)
    if not re.fullmatch(r"[0-9]{13,14}", digits):
        raise ValidationError(
            fld, "wrong format (six-digit sort code and 7-8 digit account, such as 12-34-56 12345678)"
        )
    return f"{digits[:6]}:{digits[6:].rjust(8, '0')}"


def bank_from_gb_iban(canonical_iban: str) -> str | None:
    """The sort code and account inside a canonical GB IBAN, so both forms match."""
    if canonical_iban.startswith("GB") and len(canonical_iban) == 22:
        return f"{canonical_iban[8:14]}:{canonical_iban[14:22]}"
    return None


_COMPANY_PREFIXES = frozenset(
    {"SC", "NI", "OC", "SO", "NC", "LP", "SL", "NL", "FC", "SF", "NF", "IP", "SP", "NP", "RC",
     "SR", "NR", "IC", "SI", "NO", "GE", "SE", "ES", "R0", "CE", "CS", "FE", "GS", "AC", "SA",
     "NA", "ZC", "SZ", "IS", "NZ", "NV", "PC", "RS"}
)


#: What members write before a company number (``CRN 01234567``, ``Co. No. 1234567``,
#: ``Reg no: 1234567``, ``#1234567``), and a country prefix (``GB01234567``, ``UK 1234567``).
_NUMBER_LABEL = re.compile(
    r"^(?:(?:COMPANY|CO|REG(?:ISTRATION|ISTERED)?|CRN|CH|NUMBER|NO|NUM|NR|#)+)?(?:GB|UK|ENGLANDANDWALES|EW)?(?=[0-9A-Z]{2})"
)


def _company_number(text: str) -> str | None:
    if re.fullmatch(r"[0-9]{1,8}", text) and int(text):
        return text.rjust(8, "0")
    match = re.fullmatch(r"([A-Z][A-Z0-9])([0-9]{1,6})", text)
    if match and match.group(1) in _COMPANY_PREFIXES:
        return match.group(1) + match.group(2).rjust(6, "0")
    return None


def company_number(value: str, fld: str = "company_number") -> str:
    """Companies House number: eight characters, leading zeros restored (``SC012345``);
    a label (``CRN``, ``Co. No.``) or a GB/UK prefix before it dropped when the number
    as written is none (``NO123456`` is a number of the NO series)."""
    text = _compact(_text(fld, value, 40)).replace("#", "")
    if re.fullmatch(r"0+", text):
        raise ValidationError(fld, "is all zeros")
    number = _company_number(text) or _company_number(_NUMBER_LABEL.sub("", text))
    if number is None:
        raise ValidationError(
            fld, "wrong format (up to eight digits, or a prefix such as SC or NI and six digits)"
        )
    return number


# Letters NFKD does not decompose into an ASCII base letter.
_SPECIAL = str.maketrans(
    {"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d",
     "þ": "th", "Þ": "th", "ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe",
     "\u0131": "i", "ħ": "h", "Ħ": "h", "ŀ": "l", "ŋ": "n", "\u017f": "s"}
)


def repair_text(text: str) -> str:
    """``text`` with mojibake undone: UTF-8 read as Windows-1252 or Latin-1 by some
    export (``È˜tefan`` -> ``Ștefan``, ``WiÅ›niewski`` -> ``Wiśniewski``), by ``ftfy``,
    which changes only text that is far likelier mojibake than real. ASCII is returned as is."""
    if text.isascii():
        return text
    text = ftfy.fix_text(text, uncurl_quotes=False, fix_line_breaks=False, normalization="NFC")
    # ftfy leaves a few short sequences it finds plausible as written (``Nguyá»…n``,
    # ``Èšurcanu``); text whose Windows-1252 / Latin-1 bytes are valid UTF-8 that
    # differs is mojibake all the same (real Latin text almost never is such bytes).
    for codec in ("sloppy-windows-1252", "latin-1"):
        try:
            fixed = text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
        if fixed != text:
            return unicodedata.normalize("NFC", fixed)
    return text


# Cyrillic to Latin. Members' Latin spellings come from passports, so the schemes are
# the passport ones: ICAO Doc 9303 (Russian passports) when a Russian-only letter shows,
# Ukraine's national system (2010) when a Ukrainian-only letter does, and otherwise
# Bulgaria's Streamlined System (2009), which also reads most unmarked Russian names as
# their holders' passports do (``Иванов`` Ivanov, ``Николай`` Nikolay / ICAO Nikolai).
_CYR_COMMON = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "sht", "ъ": "a", "ь": "y", "ю": "yu", "я": "ya",
    # letters of the other Cyrillic alphabets, in their usual Latin form
    "ђ": "dj", "ј": "j", "љ": "lj", "њ": "nj", "ћ": "c", "џ": "dz", "ѓ": "gj", "ќ": "kj",
    "ѕ": "dz", "ў": "u",
}
_CYR_UKRAINIAN = {
    **_CYR_COMMON, "г": "h", "ґ": "g", "и": "y", "і": "i", "х": "kh", "щ": "shch", "ь": "",
    "є": "ie", "ї": "i", "й": "i", "ю": "iu", "я": "ia",
}
#: Ukrainian letters spelt with a leading y at the start of a word (``Юлія`` Yuliia).
_UKRAINIAN_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_CYR_ICAO = {
    **_CYR_COMMON, "х": "kh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ё": "e",
    "й": "i", "ю": "iu", "я": "ia",
}
_CYRILLIC = re.compile(r"[Ѐ-ӿ]")


def transliterate(text: str) -> str:
    """Cyrillic in ``text`` in Latin letters by the passport scheme its letters point to
    (see above; ``Георги Димитров`` -> ``Georgi Dimitrov``, ``Юлія`` -> ``Yuliia``); other
    scripts by ``anyascii``. Latin text (with its diacritics) is returned unchanged."""
    if text.isascii():
        return text
    if _CYRILLIC.search(text):
        lower = text.lower()
        if any(ch in lower for ch in "ыэё"):
            table, initial = _CYR_ICAO, {}
        elif any(ch in lower for ch in "ієїґ"):
            table, initial = _CYR_UKRAINIAN, _UKRAINIAN_INITIAL
        else:
            table, initial = _CYR_COMMON, {}
        if table is _CYR_COMMON:  # Streamlined: -ия at the end of a word is -ia
            text = re.sub(r"ия\b", "иа", text)
            text = re.sub(r"ИЯ\b", "ИА", text)
        out: list[str] = []
        previous = ""
        for ch in text:
            low = ch.lower()
            latin = (initial.get(low) if not previous.isalpha() else None) or table.get(low)
            if latin is None:
                out.append(ch)
            else:
                out.append(latin.capitalize() if ch != low else latin)
            previous = ch
        text = "".join(out)
    return "".join(ch if ch.isascii() or _latin(ch) else anyascii(ch) for ch in text)


def _latin(ch: str) -> bool:
    """Whether ``ch`` is a Latin letter (kept for :func:`fold`'s own diacritic rules)."""
    try:
        return "LATIN" in unicodedata.name(ch) or unicodedata.combining(ch) > 0
    except ValueError:
        return False


def fold(text: str) -> str:
    """Lower-case ASCII letters, digits and single spaces: diacritics and punctuation gone.

    ``Ștefan`` and ``Stefan``, ``Wiśniewski`` and ``WISNIEWSKI`` fold alike; apostrophes
    vanish (``O'Brien`` -> ``obrien``), other punctuation separates words. Mojibake is
    undone first and other scripts are transliterated (:func:`repair_text`,
    :func:`transliterate`): ``WiÅ›niewski`` and ``Георги`` fold as ``wisniewski`` and ``georgi``.
    """
    text = transliterate(repair_text(text))
    text = unicodedata.normalize("NFKC", text).translate(_SPECIAL)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().translate(_SPECIAL)
    text = re.sub(r"['\u2019\u2018`]", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return text.strip()


_NAME_NOISE = frozenset({"mr", "mrs", "ms", "miss", "dr", "jr", "sr", "snr", "jnr"})


def name_words(value: str, fld: str = "name") -> tuple[str, ...]:
    """The folded words of a name, titles dropped, in the order given (mojibake undone
    first, so a name whose export turned a letter into control characters still folds)."""
    text = _text(fld, repair_text(value) if isinstance(value, str) else value, 120)
    if any(ch.isdigit() for ch in text):
        raise ValidationError(fld, "wrong format (a name has no digits)")
    words = tuple(w for w in fold(text).split() if w not in _NAME_NOISE)
    if not words:
        raise ValidationError(fld, "wrong format (a name needs letters)")
    return words


#: The date-of-birth layouts accepted, each with the order of its fields ("dmy" layouts
#: are read month first under ``order="mdy"``); ``y`` is a two-digit year.
_DOB_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"), "ymd"),
    (re.compile(r"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})"), "ymd"),
    (re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})"), "ymd"),
    (re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})"), "dmy"),
    (re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})"), "dmy"),
    (re.compile(r"([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})"), "dmy"),
    (re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{2})"), "dmy"),
    (re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{2})"), "dmy"),
    (re.compile(r"([0-9]{1,2})-([0-9]{1,2})-([0-9]{2})"), "dmy"),
)

#: English month names and their usual short forms (``Mar``, ``Sept``), for dates
#: written with the month in words (``7 Mar 1985``, ``07-Mar-85``, ``March 7, 1985``).
_MONTHS = {name: i for i, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for name in names}
_DAY_NAMED = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)?[\s\-/.]*([A-Za-z]{3,9})\.?[\s\-/.,]*([0-9]{4}|[0-9]{2})")
_NAMED_DAY = re.compile(r"([A-Za-z]{3,9})\.?[\s\-/.]*([0-9]{1,2})(?:st|nd|rd|th)?,?[\s\-/.]*([0-9]{4})")


def _named_month(text: str) -> tuple[int, int, int, bool] | None:
    """(day, month, year, two-digit year) of a date with its month in words, else None."""
    match = _DAY_NAMED.fullmatch(text)
    if match is not None:
        day, name, year = match.groups()
    else:
        match = _NAMED_DAY.fullmatch(text)
        if match is None:
            return None
        name, day, year = match.groups()
    month = _MONTHS.get(name.lower())
    return None if month is None else (int(day), month, int(year), len(year) == 2)


#: A two-digit year is read in the century that makes its holder at least this old.
TWO_DIGIT_YEAR_MIN_AGE = 12


def _century(year: int, today: _dt.date) -> int:
    """The four-digit year of a two-digit year of birth: this century when that leaves the
    person at least :data:`TWO_DIGIT_YEAR_MIN_AGE`, else the last (``85`` 1985, ``05`` 2005)."""
    return 2000 + year if 2000 + year <= today.year - TWO_DIGIT_YEAR_MIN_AGE else 1900 + year


def infer_date_order(values: Iterable[str], *, least: int = 3) -> str:
    """``"mdy"`` when the day-first layouts among ``values`` are read month first, else ``"dmy"``.

    One member's file (or one import) keeps one convention. A value whose first field is
    over 12 can only be day first, one whose second is over 12 only month first; the
    order with at least ``least`` such values and four times as many as the other wins.
    Day first (the UK convention) stands when the values do not say.
    """
    day_first = month_first = 0
    for value in values:
        text = value.strip() if isinstance(value, str) else ""
        match = _DAY_MONTH.fullmatch(text)
        if match is None:
            continue
        first, second = int(match.group(1)), int(match.group(2))
        if first > 12 >= second >= 1:
            day_first += 1
        elif second > 12 >= first >= 1:
            month_first += 1
    return "mdy" if month_first >= least and month_first >= 4 * day_first else "dmy"


_DAY_MONTH = re.compile(r"([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{2}|[0-9]{4})")


def parse_date_of_birth(
    value: str, fld: str = "date_of_birth", today: _dt.date | None = None, order: str = "dmy"
) -> _dt.date:
    """The date of a date of birth in ISO, yyyy/mm/dd, yyyymmdd, dd/mm/yyyy, dd.mm.yyyy or
    dd-mm-yyyy, or those three with a two-digit year (see :func:`_century`), or with the
    month in English words (``7 Mar 1985``, ``07-Mar-85``, ``March 7, 1985``).

    ``order="mdy"`` reads the day-first layouts month first (a member writing US dates,
    :func:`infer_date_order`); a value that can only be day first is still read so.
    A value in one of those layouts that names no day of the calendar (``31/02/1990``,
    month 13) is *not a real date*, which says more than "wrong format".
    """
    if order not in ("dmy", "mdy"):
        raise ValueError("order must be 'dmy' or 'mdy'")
    text = _text(fld, value, 20)
    now = today or _dt.date.today()
    named = _named_month(text)
    if named is not None:
        day, month, year, short = named
        try:
            found = _dt.date(_century(year, now) if short else year, month, day)
        except ValueError:
            raise ValidationError(fld, "is not a real date (that month has no such day)") from None
        if not _dt.date(1900, 1, 1) <= found <= now:
            raise ValidationError(fld, "is outside 1900 to today")
        return found
    for shape, layout in _DOB_SHAPES:
        match = shape.fullmatch(text)
        if match is None:
            continue
        first, second, third = (int(g) for g in match.groups())
        if layout == "dmy" and len(match.group(3)) == 2:
            third = _century(third, now)
        if layout == "ymd":
            year, month, day = first, second, third
        elif order == "mdy" and 1 <= first <= 12:
            year, month, day = third, first, second
        else:
            year, month, day = third, second, first
        if not 1 <= month <= 12:
            swapped = layout == "dmy" and 1 <= first <= 12 and 13 <= second <= 31
            hint = "; it looks like month before day: write day first, DD/MM/YYYY" if swapped else ""
            raise ValidationError(fld, f"is not a real date (the month must be 1 to 12{hint})")
        if year < 1900:
            break
        try:
            found = _dt.date(year, month, day)
        except ValueError:
            raise ValidationError(fld, "is not a real date (that month has no such day)") from None
        if found > now:
            break
        return found
    else:
        raise ValidationError(
            fld, "wrong format (expected YYYY-MM-DD, DD/MM/YYYY, DD.MM.YYYY or YYYYMMDD)"
        )
    raise ValidationError(fld, "is outside 1900 to today")


def date_fields(value: str, order: str = "dmy") -> tuple[int, int, int] | None:
    """(year, month, day) as written in one of the numeric layouts of
    :func:`parse_date_of_birth`, whether or not they name a real day (``31/02/1985`` is
    ``(1985, 2, 31)``), or None. For a date that fails validation but still holds most of
    a date of birth: its fields are evidence, never a date."""
    text = value.strip() if isinstance(value, str) else ""
    for shape, layout in _DOB_SHAPES:
        match = shape.fullmatch(text)
        if match is None:
            continue
        first, second, third = (int(g) for g in match.groups())
        if layout == "ymd":
            year, month, day = first, second, third
        else:
            if len(match.group(3)) == 2:
                third = _century(third, _dt.date.today())
            year, month, day = (third, first, second) if order == "mdy" else (third, second, first)
        if month > 12 >= day >= 1:  # month and day the other way round
            month, day = day, month
        if 1900 <= year <= _dt.date.today().year and 1 <= month <= 12 and 1 <= day <= 31:
            return year, month, day
        return None
    return None


def swapped_date_of_birth(value: str, today: _dt.date | None = None) -> str | None:
    """ISO date of a date of birth that names no real day as written only because its
    month is over 12 and reads as a real past date with day and month the other way
    round (``10/13/1991`` in a day-first file: 1991-10-13, keyed month first), else None.

    Unambiguous: the written order cannot be right, the other is a date. A date naming
    no day either way (``31/02/1985``) stays an invalid field (:func:`date_fields`)."""
    text = value.strip() if isinstance(value, str) else ""
    fields = date_fields(text)
    if fields is None:
        return None
    try:
        parse_date_of_birth(text, today=today)
        return None  # a real date as written: nothing to swap
    except ValidationError:
        pass
    year, month, day = fields  # already the other way round when the month was over 12
    try:
        found = _dt.date(year, month, day)
    except ValueError:
        return None
    if not _dt.date(1900, 1, 1) <= found <= (today or _dt.date.today()):
        return None
    return found.isoformat()


def date_of_birth(
    value: str, fld: str = "date_of_birth", today: _dt.date | None = None, order: str = "dmy"
) -> str:
    """ISO date (``1985-03-07``) of a date of birth (see :func:`parse_date_of_birth`)."""
    return parse_date_of_birth(value, fld, today, order).isoformat()


_STREET_WORDS = {
    "st": "street", "rd": "road", "ave": "avenue", "av": "avenue", "ln": "lane",
    "dr": "drive", "ct": "court", "cres": "crescent", "cl": "close", "pl": "place",
    "sq": "square", "gdns": "gardens", "hwy": "highway", "pde": "parade", "tce": "terrace",
    "terr": "terrace", "blvd": "boulevard", "mt": "mount", "nth": "north", "sth": "south",
    "flat": "", "apt": "", "unit": "", "no": "", "the": "",
}


def address(value: str, fld: str = "street_address") -> str:
    """Folded street address, common abbreviations expanded (``12 High St.`` ->
    ``12 high street``), flat/unit words dropped."""
    text = fold(_text(fld, value, 200))
    words = [_STREET_WORDS.get(w, w) for w in text.split()]
    words = [w for w in words if w]
    if not words or not any(ch.isalpha() for ch in "".join(words)):
        raise ValidationError(fld, "wrong format (an address needs a street name)")
    return " ".join(words)


_ORG_NOISE = frozenset({"ltd", "limited", "plc", "llp", "llc", "co", "company", "the", "and"})

#: Business words as company registers, invoices and case notes shorten them, each read
#: as the word: ``Intl``, ``Int'l`` and ``International`` agree, as do ``Agri Svcs`` and
#: ``Agricultural Services``. Never one whole word for another (``Agriculture`` stays):
#: a mistyped word would then be two edits from its reading, not one.
ORG_WORD_FORMS: Mapping[str, str] = MappingProxyType({
    **dict.fromkeys(("intl", "internat", "internatl", "int"), "international"),
    **dict.fromkeys(("svcs", "svc", "servs", "serv", "srvs"), "services"),
    **dict.fromkeys(("mgmt", "mgt", "mngt", "mgmnt", "managment"), "management"),
    **dict.fromkeys(("agri", "agric", "agr"), "agricultural"),
    **dict.fromkeys(("bros", "bro"), "brothers"),
    **dict.fromkeys(("distrib", "dist", "distr", "distn"), "distribution"),
    **dict.fromkeys(("assoc", "assocs", "asscs"), "associates"),
    **dict.fromkeys(("hldgs", "hldg", "hlds", "hdgs"), "holdings"),
    **dict.fromkeys(("eng", "engg", "engr", "engin"), "engineering"),
    **dict.fromkeys(("mfg", "mfr", "manuf"), "manufacturing"),
    **dict.fromkeys(("grp",), "group"),
    **dict.fromkeys(("natl",), "national"),
    **dict.fromkeys(("constr", "const"), "construction"),
    **dict.fromkeys(("transp", "trans"), "transport"),
    **dict.fromkeys(("props", "prop", "ppty"), "properties"),
    **dict.fromkeys(("ents", "entps"), "enterprises"),
    **dict.fromkeys(("ctr", "cntr", "center"), "centre"),
    **dict.fromkeys(("mktg",), "marketing"),
    **dict.fromkeys(("solns", "sols", "soln"), "solutions"),
    **dict.fromkeys(("contr", "contrs"), "contractors"),
    **dict.fromkeys(("sys",), "systems"),
    **dict.fromkeys(("recruit",), "recruitment"),
})

#: Legal forms of companies, written without spaces or dots as they fold (``S.R.L.`` and
#: ``srl``, ``Sp. z o.o.`` and ``sp z oo``): the UK's and those of the network's other
#: communities' countries (Romania, Poland, Slovakia and Czechia, Hungary, Bulgaria,
#: Lithuania and Latvia, Ukraine, Albania, Germany, the Low Countries, Scandinavia,
#: France, Spain, Italy, India). A registered name is unique up to its legal form, and
#: members write it or leave it out. Dropped only at either end of a name and never to
#: nothing, so a word that is also a legal form inside a name stays.
LEGAL_FORMS = frozenset({
    "ltd", "limited", "plc", "llp", "llc", "lp", "cic", "inc", "incorporated", "corp",
    "corporation", "co", "company", "coltd", "colimited", "cyf", "cyfyngedig",
    "srl", "sa", "sc",  # Romania (S.C. ... S.R.L., S.A.)
    "spzoo", "spolkazoo", "spzo", "spj", "spk",  # Poland
    "sro", "spolsro", "as", "vos",  # Slovakia, Czechia
    "kft", "zrt", "nyrt", "bt", "kkt",  # Hungary
    "eood", "ood", "ead", "ad",  # Bulgaria
    "uab", "ab", "mb", "sia",  # Lithuania, Latvia
    "tov", "ooo",  # Ukraine, Russia
    "shpk", "shak",  # Albania
    "gmbh", "ag", "kg", "ug", "ohg",  # Germany, Austria
    "bv", "nv", "vof", "bvba", "sprl",  # the Low Countries
    "oy", "oyj", "aps", "asa",  # Scandinavia
    "sas", "sarl", "eurl", "sasu",  # France
    "sl", "slu", "spa",  # Spain, Italy
    "pvt", "pvtltd", "privatelimited", "pte", "pteltd",  # India, Singapore
})
_LONGEST_FORM = 4  # words: ``sp z o o``, ``private limited``


def _strip_legal_forms(words: list[str]) -> list[str]:
    """``words`` without legal forms at their end (several: ``Co. Ltd``) or, when two
    words or more are left, at their start (``UAB Baltic Staffing``, ``S.C. Agro
    S.R.L.``; ``AB Foods`` keeps its ``AB``); never to nothing."""
    changed = True
    while changed and len(words) > 1:
        changed = False
        for k in range(min(_LONGEST_FORM, len(words) - 1), 0, -1):
            if "".join(words[-k:]) in LEGAL_FORMS:
                words, changed = words[:-k], True
                break
            if len(words) - k >= 2 and "".join(words[:k]) in LEGAL_FORMS:
                words, changed = words[k:], True
                break
    return words


def _join_initials(words: list[str]) -> list[str]:
    """Runs of one-letter words closed up: ``J K Services`` (``J & K``, ``J and K``,
    ``J. K.``) is ``JK Services``, as ``J.K.`` and ``JK`` are written."""
    out: list[str] = []
    run = ""
    for w in words:
        if len(w) == 1 and w.isalpha():
            run += w
            continue
        if run:
            out.append(run)
            run = ""
        out.append(w)
    if run:
        out.append(run)
    return out


def org_name(value: str, fld: str = "company_name") -> str:
    """Folded organisation or site name: legal forms (``Ltd``, ``S.R.L.``, ``Sp. z o.o.``,
    ``Kft.``) and ``the``/``and``/``&`` dropped, initials closed up (``J & K`` ``JK``)."""
    folded = fold(_text(fld, value, 160)).split()
    words = _strip_legal_forms(_join_initials([w for w in folded if w not in ("the", "and")]))
    words = [w for w in words if w not in _ORG_NOISE]
    if not words:
        raise ValidationError(fld, "wrong format (a name needs letters or digits)")
    # A shortened business word read whole; a number without its leading zeros (``Unit
    # 04``, ``Route 01 Logistics``: one number however it is keyed).
    return " ".join(ORG_WORD_FORMS.get(w, (w.lstrip("0") or "0") if w.isdigit() else w) for w in words)
