"""The record's own identifiers as a deny-list, found in any case, spacing or format.

A member already knows who and what its report names; those values must not survive
in the narrative however they are written: ``07700 900123`` as ``+44 7700-900-123``,
``Ion POPESCU`` as ``popescu``, ``AB12 CDE`` as ``ab12cde``, a date of birth as
``3rd March 1990``. Matching runs on a folded copy of the text (lower case, no
diacritics, same length) so offsets carry over.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from msin_fed.model.identifiers import (
    BankAccount,
    CompanyNumber,
    DateOfBirth,
    Email,
    Iban,
    Identifier,
    NationalId,
    Nino,
    Passport,
    PersonName,
    Phone,
    SiteName,
    StreetAddress,
    VehicleRegistration,
)
from msin_fed.redaction._text import COMMON_WORDS, fold

__all__ = ["KnownIdentifierRecognizer", "KnownPattern", "patterns_for"]

_SEP = r"[\s\-./()]*"
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_STREET_SYNONYMS = {
    "road": "road|rd", "rd": "road|rd", "street": "street|st", "st": "street|st",
    "lane": "lane|ln", "avenue": "avenue|ave", "ave": "avenue|ave", "close": "close|cl",
    "drive": "drive|dr", "court": "court|ct", "crescent": "crescent|cres", "place": "place|pl",
    "gardens": "gardens|gdns", "square": "square|sq",
}
_COMPANY_ENDINGS = re.compile(r"(?i)\b(ltd|limited|llp|plc|recruitment|staffing|agency|services|solutions)\.?$")


@dataclass(frozen=True)
class KnownPattern:
    """One form of a known identifier: a regex over folded text, or (faster, for codes and
    numbers) a compact letters-and-digits string found in the text with separators squashed
    out. ``prefixes`` are optional compact prefixes to take in (a phone's ``0``, ``44``, ``0044``).
    A regex is compiled only for a text holding one of its ``needles``: compiling is most of
    the cost of a record's deny-list, and most forms do not occur in most texts."""

    entity_type: str
    group: int
    source: str = ""
    compact: str = ""
    prefixes: tuple[str, ...] = ()
    #: Every match of ``source`` holds one of these strings; empty: no such guarantee.
    needles: tuple[str, ...] = ()

    @property
    def regex(self) -> re.Pattern[str] | None:
        """The compiled form of ``source`` (compiled on first use)."""
        return _bounded(self.source) if self.source else None


def _squash(value: str) -> str:
    return "".join(c for c in fold(value) if c.isalnum())


@lru_cache(maxsize=4096)
def _bounded(body: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])")


_QUANTIFIERS = frozenset("?*{")


def _leading_literal(body: str) -> str:
    """The letters and digits that every match of ``body`` starts with ("" if none are sure).

    Bodies here are escaped words joined by separator classes; the run stops at the first
    other character, and gives back its last character when a quantifier makes it optional.
    """
    end = 0
    while end < len(body) and body[end].isalnum():
        end += 1
    if end < len(body) and body[end] in _QUANTIFIERS:
        end -= 1
    return body[:max(end, 0)]


def _flex(value: str) -> str:
    """Characters of ``value`` (letters and digits only) with any separators between."""
    chars = [c for c in fold(value) if c.isalnum()]
    return _SEP.join(re.escape(c) for c in chars)


def _words(value: str) -> str:
    """Words of ``value`` with any whitespace, hyphens or dots between."""
    parts = [re.escape(w) for w in re.findall(r"[^\W_]+", fold(value))]
    return r"[\s\-.,'’]*".join(parts)


def _phone(p: Phone, group: int) -> list[KnownPattern]:
    digits = re.sub(r"\D", "", p.value)
    out = [KnownPattern("PHONE_NUMBER", group, compact=digits)] if len(digits) >= 6 else []
    try:
        num = phonenumbers.parse(p.value, p.region or "GB")
    except phonenumbers.NumberParseException:
        return out
    cc = str(num.country_code)
    prefixes = (f"00{cc}0", f"00{cc}", f"{cc}0", cc, "0", "8")
    return [KnownPattern("PHONE_NUMBER", group, compact=str(num.national_number), prefixes=prefixes), *out]


def _dob(d: DateOfBirth) -> list[str]:
    day = d.date
    dd, mm, yyyy, yy = day.day, day.month, day.year, f"{day.year % 100:02d}"
    mon = _MONTHS[mm - 1]
    sep = r"\s*[./\-\s]\s*"
    ordinal = r"(?:st|nd|rd|th)?"
    day_forms = rf"(?:0?{dd}{ordinal}|{_ORDINAL_WORDS[dd - 1]})"
    return [
        rf"0?{dd}{sep}0?{mm}{sep}(?:{yyyy}|{yy})",
        rf"{yyyy}{sep}0?{mm}{sep}0?{dd}",
        rf"(?:the\s+)?{day_forms}(?:\s+of)?[\s\-]+{mon}[a-z]*\.?,?[\s\-]+(?:{yyyy}|'?{yy})",
        rf"{mon}[a-z]*\.?\s+(?:the\s+)?{day_forms},?\s+(?:{yyyy}|'?{yy})",
        rf"{yyyy}{mm:02d}{dd:02d}",
    ]


_UNITS = "first second third fourth fifth sixth seventh eighth ninth".split()
#: "seventh", "twenty[- ]first": the day of the month in words, for dates of birth written out.
_ORDINAL_WORDS = [
    *_UNITS, "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth", *[rf"twenty[\s\-]?{u}" for u in _UNITS],
    "thirtieth", r"thirty[\s\-]?first",
]


def _name_parts(name: str) -> list[str]:
    return [w for w in re.findall(r"[^\W\d_]+", fold(name)) if len(w) >= 2 and w not in COMMON_WORDS]


def _address(a: StreetAddress) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    locality = fold(a.locality).strip()
    postcode = re.sub(r"\W", "", fold(a.postcode))
    if postcode:
        out.append(("UK_POSTCODE", "#" + postcode))
    for part in (p.strip() for p in a.value.split(",")):
        compact = re.sub(r"\W", "", fold(part))
        if not compact or fold(part).strip() == locality or compact == postcode:
            continue
        words = re.findall(r"[^\W_]+", fold(part))
        if not any(ch.isdigit() for ch in part) and len(words) < 2:
            continue  # a lone town or county word: kept, like other towns
        body = [re.escape(w) if w not in _STREET_SYNONYMS else f"(?:{_STREET_SYNONYMS[w]})" for w in words]
        out.append(("STREET_ADDRESS", r"[\s\-.,'’]*".join(body)))
    return out


def _site(s: SiteName, kind: str) -> list[tuple[str, str]]:
    entity = "COMPANY" if kind == "company" or _COMPANY_ENDINGS.search(s.value) else "SITE"
    out = [(entity, _words(s.value))]
    words = re.findall(r"[^\W_]+", fold(s.value))
    if len(words) >= 2:
        core = " ".join(words[:-1])
        if len(core) >= 5 and core not in COMMON_WORDS:
            out.append((entity, _words(core)))
    if s.postcode:
        out.append(("UK_POSTCODE", "#" + _squash(s.postcode)))
    return out


def _from_string(value: str) -> list[tuple[str, str]]:
    from msin_fed.redaction.recognizers.phone_number import MultiRegionPhoneRecognizer

    text = value.strip()
    if not text:
        return []
    if "@" in text:
        return [("EMAIL_ADDRESS", re.escape(fold(text)))]
    if MultiRegionPhoneRecognizer.is_phone(text):
        return [("PHONE_NUMBER", "#phone")]
    try:
        return [("DATE_OF_BIRTH", p) for p in _dob(DateOfBirth(text))]
    except ValueError:
        pass
    if any(ch.isdigit() for ch in text):
        return [("IDENTIFIER", "#" + _squash(text))]
    if is_role(text):
        return []
    return [("PERSON", _words(text))] + [("PERSON", re.escape(w)) for w in _name_parts(text)]


# Words of job titles and teams: a reporter given as "Night shift manager" or "Store
# security" is a role, which identifies nobody, and its words are everyday words.
_ROLE_WORDS = frozenset("""
manager managers supervisor supervisors security staff team lead leader head officer officers worker workers
shift night day morning evening late early store shop site farm warehouse depot packhouse line floor hr
compliance ethical trade trading sourcing audit auditor auditors assistant deputy senior junior director
coordinator co-ordinator operative operatives agency driver drivers picker pickers packer packers member
members colleague colleagues employee employees contractor anonymous unknown hotline helpline caller
whistleblower customer service services department dept desk office welfare safeguarding lead chargehand
foreman forewoman technician engineer cleaner cleaners steward stewards guard guards reception receptionist
admin administrator volunteer volunteers ngo charity police officer analyst investigator inspector
representative rep union witness recruiter recruiters branch supplier distribution centre center field
""".split())


def is_role(value: str) -> bool:
    """True for a value that names a role, not a person: every word an English word, a place, an
    organisation or a role word, and none but the role words and places anybody's name
    ("Night shift manager", "Branch recruiter, Boston", "Field manager"; not "John Field")."""
    from msin_fed.redaction._vocab import is_english_word, is_kept_word, is_name_word

    words = re.findall(r"[^\W\d_]+", fold(value))
    if not words or not all(w in _ROLE_WORDS or is_english_word(w) or is_kept_word(w) for w in words):
        return False
    return not any(is_name_word(w) for w in words if w not in _ROLE_WORDS and not is_kept_word(w))


def patterns_for(known: Sequence[Identifier | str]) -> list[KnownPattern]:
    """Every form of every known identifier; ``group`` ties the forms to their identifier.

    Bodies starting with ``#`` are compact strings (matched with separators squashed out);
    the others are regexes over folded text.
    """
    out: list[KnownPattern] = []
    for group, ident in enumerate(known):
        pairs: list[tuple[str, str]]
        if isinstance(ident, str):
            pairs = _from_string(ident)
            if pairs and pairs[0][1] == "#phone":
                out += _phone(Phone(ident.strip()), group)
                continue
        elif isinstance(ident, PersonName):
            parts = _name_parts(ident.value) + _name_parts(ident.given) + _name_parts(ident.family)
            pairs = [("PERSON", _words(ident.value))] + [("PERSON", re.escape(w)) for w in dict.fromkeys(parts)]
        elif isinstance(ident, Phone):
            out += _phone(ident, group)
            continue
        elif isinstance(ident, Email):
            pairs = [("EMAIL_ADDRESS", re.escape(fold(ident.value)))]
        elif isinstance(ident, DateOfBirth):
            pairs = [("DATE_OF_BIRTH", p) for p in _dob(ident)]
        elif isinstance(ident, StreetAddress):
            pairs = _address(ident)
        elif isinstance(ident, SiteName):
            pairs = _site(ident, "site")
        elif isinstance(ident, BankAccount):
            digits = re.sub(r"\D", "", ident.value)
            # Whole (sort code + account as one run of digits) and each part alone.
            pairs = [("BANK_ACCOUNT", "#" + digits), ("BANK_ACCOUNT", "#" + ident.sort_code + ident.account),
                     ("SORT_CODE", "#" + ident.sort_code), ("BANK_ACCOUNT", "#" + digits[6:]),
                     ("BANK_ACCOUNT", "#" + ident.account)]
        else:
            entity = {
                VehicleRegistration: "VEHICLE_REGISTRATION", Nino: "UK_NINO", Passport: "PASSPORT",
                Iban: "IBAN_CODE", CompanyNumber: "COMPANY_NUMBER", NationalId: "NATIONAL_ID",
            }.get(type(ident), "IDENTIFIER")
            pairs = [(entity, "#" + _squash(ident.value))]
        bodies: dict[str, list[str]] = {}
        for entity, body in pairs:
            if body.startswith("#"):
                if len(body) > 3:
                    out.append(KnownPattern(entity, group, compact=body[1:]))
            elif body:
                bodies.setdefault(entity, []).append(body)
        # One regex per identifier and type: the forms as alternatives, longest first.
        for entity, forms in bodies.items():
            ordered = sorted(dict.fromkeys(forms), key=len, reverse=True)
            literals = [_leading_literal(f) for f in ordered]
            needles = tuple(dict.fromkeys(literals)) if all(literals) else ()
            out.append(KnownPattern(entity, group, source="(?:" + "|".join(ordered) + ")", needles=needles))
    return list(dict.fromkeys(out))


class KnownIdentifierRecognizer(LocalRecognizer):
    """Ad-hoc recognizer for one record: its known identifiers, score 1.0."""

    SCORE = 1.0

    def __init__(self, known: Sequence[Identifier | str], supported_language: str = "en") -> None:
        self.patterns = patterns_for(known)
        super().__init__(
            supported_entities=sorted({p.entity_type for p in self.patterns}) or ["IDENTIFIER"],
            supported_language=supported_language,
            name="KnownIdentifierRecognizer",
        )

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Every occurrence of every known form; metadata carries the identifier's group."""
        folded = fold(text)
        results = []
        squashed, index = _squash_with_index(folded)
        for p in self.patterns:
            if p.compact:
                spans: Iterable[tuple[int, int]] = self._compact_spans(p, folded, squashed, index)
            elif p.source and (not p.needles or any(n in folded for n in p.needles)):
                spans = ((m.start(), m.end()) for m in _bounded(p.source).finditer(folded) if m.end() > m.start())
            else:
                spans = ()
            for start, end in spans:
                results.append(
                    RecognizerResult(
                        p.entity_type, start, end, self.SCORE,
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: "KnownIdentifierRecognizer",
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                            "known_group": p.group,
                        },
                    )
                )
        return results

    @staticmethod
    def _compact_spans(
        p: KnownPattern, folded: str, squashed: str, index: list[int]
    ) -> list[tuple[int, int]]:
        out = []
        pos = squashed.find(p.compact)
        while pos != -1:
            first = pos
            for prefix in p.prefixes:  # longest first
                if first >= len(prefix) and squashed[first - len(prefix) : first] == prefix:
                    first -= len(prefix)
                    break
            start, end = index[first], index[pos + len(p.compact) - 1] + 1
            if start > 0 and folded[start - 1] == "+":
                start -= 1
            before = folded[start - 1] if start > 0 else " "
            after = folded[end] if end < len(folded) else " "
            if not before.isalnum() and not after.isalnum():
                out.append((start, end))
            pos = squashed.find(p.compact, pos + 1)
        return out


def _squash_with_index(folded: str) -> tuple[str, list[int]]:
    """Letters and digits only, with each one's position in ``folded``."""
    index = [i for i, ch in enumerate(folded) if ch.isalnum()]
    return "".join(folded[i] for i in index), index


_ = _dt  # dates come from DateOfBirth.date
