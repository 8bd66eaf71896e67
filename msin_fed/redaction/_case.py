"""Case repair for a narrative whose case carries nothing (all capitals, or all lower case).

The recognizers and the NER read capitals: a street is capitalised words before a street
type, a given name inside a sentence is a capitalised word, ``P E 1 1 2 A B`` is spaced
capitals. A narrative typed all in capitals or all in lower case says nothing by its case,
so the redactor reads a copy with the case a writer would have used, where it can tell:
names (any given or family name of some country, whatever else the word means: recall
first) and words in no English dictionary are capitalised, and a street type after them;
codes with a digit and the single letters spaced beside them are put in capitals; a
sentence starts with a capital; every other word is in lower case. Same length, so the
spans found on the copy are spans of the text.
"""

from __future__ import annotations

import re

import wordfreq
from spacy.lang.en.stop_words import STOP_WORDS

from msin_fed.redaction._text import PLACEHOLDER, in_capitals, letter_case
from msin_fed.redaction._vocab import is_english_word, is_name_word
from msin_fed.redaction.recognizers.organisation import COMPANY_ENDINGS, SITE_ENDINGS
from msin_fed.redaction.recognizers.street_address import _STREET_TYPES

__all__ = ["repair_case"]

_TOKEN = re.compile(r"[^\W_]+")
_LETTERS = re.compile(r"[^\W\d_]+")
_STREET_TYPE = re.compile(rf"{_STREET_TYPES}")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"'(\n\u2014\u2013-])\s*$")
_SPACED = re.compile(r"[ .\-]{1,2}")


def _caseless(text: str) -> bool:
    """All in capitals (a stray small letter allowed) or all in lower case (the word I
    aside). A text with capitals at its sentence starts only is left as it is: its other
    words may well be in lower case because they are not names."""
    upper, lower = letter_case(w for w in (m.group(0) for m in _LETTERS.finditer(text)) if w != "I")
    return in_capitals(upper, lower) or (lower >= 20 and upper == 0)


def repair_case(text: str) -> str | None:
    """``text`` with the case a writer would have used, when its own carries nothing; else ``None``."""
    masked = PLACEHOLDER.sub(lambda m: "\x00" * len(m.group(0)), text)
    if not _caseless(masked):
        return None
    tokens = list(_TOKEN.finditer(masked))
    out = list(text)
    titled: set[int] = set()
    names: set[int] = set()
    for i, m in enumerate(tokens):
        token = m.group(0)
        if len(token.lower()) != len(token) or len(token.upper()) != len(token):
            continue
        if any(ch.isdigit() for ch in token):
            new = token.upper()
        elif len(token) <= 3 and _beside_code(tokens, i, masked) and not _date_word(tokens, i, masked):
            new = token.upper()  # "p e 1 1 2 a b", "jk-123456-c"
        else:
            low = token.lower()
            start = bool(_SENTENCE_START.search(masked, max(0, m.start() - 3), m.start()))
            name = low not in STOP_WORDS and (is_name_word(low) or not is_english_word(low))
            street = i - 1 in titled and masked[tokens[i - 1].end() : m.start()] == " " and bool(
                _STREET_TYPE.fullmatch(low.title())
            )
            if name or street:
                titled.add(i)
            if name:
                names.add(i)
            new = low.title() if (name or street or start) and len(low.title()) == len(low) else low
        out[m.start() : m.end()] = new
    _title_beside_names(tokens, masked, out, names)
    _title_organisations(tokens, masked, out)
    return "".join(out)


#: Below this Zipf frequency an English word beside a name is read as a name (``kola``,
#: ``moldovan``, ``lysenko`` are in the lexicon; ``said``, ``drove``, ``farm`` are far above).
_RARE_ZIPF = 3.5


def _title_beside_names(tokens: list[re.Match[str]], text: str, out: list[str], names: set[int]) -> None:
    """Capitalise a rare word next to a name (``valbona kola``, ``marinov desislava``): a
    family name the lexicon also holds as a word. Common words (``said``) stay."""
    for i in sorted(names):
        for j in (i - 1, i + 1):
            if j in names or not 0 <= j < len(tokens):
                continue
            a, b = sorted((tokens[i], tokens[j]), key=lambda t: t.start())
            word = tokens[j].group(0).lower()
            if text[a.end() : b.start()] != " " or word in STOP_WORDS or not word.isalpha() or len(word) < 2:
                continue
            if wordfreq.zipf_frequency(word, "en") < _RARE_ZIPF:
                title = word.title()
                if len(title) == len(word):
                    out[tokens[j].start() : tokens[j].end()] = title


#: The single words that end a site or company name (``organisation.py``'s endings).
_ORG_ENDINGS = frozenset(e.lower() for e in SITE_ENDINGS + COMPANY_ENDINGS if " " not in e)


def _title_organisations(tokens: list[re.Match[str]], text: str, out: list[str]) -> None:
    """Capitalise an organisation's name: the word that ends one (``farm``, ``ltd``) and up
    to three words before it that are no stop word (``green acres farm``, ``eastern labour
    solutions ltd``). In a caseless text nothing else tells ``Green Acres Farm`` from ``a
    green farm``: recall first, so a generic phrase (``poultry farm``) may be redacted too."""
    for i, m in enumerate(tokens):
        if m.group(0).lower() not in _ORG_ENDINGS:
            continue
        first = i
        while first > 0 and i - first < 3:
            prev = tokens[first - 1]
            word = prev.group(0).lower()
            if text[prev.end() : tokens[first].start()] != " " or word in STOP_WORDS or not word.isalpha():
                break
            first -= 1
        if first == i:
            continue
        for t in tokens[first : i + 1]:
            title = t.group(0).lower().title()
            if len(title) == len(t.group(0)):
                out[t.start() : t.end()] = title


_MONTHS = frozenset("jan feb mar apr may jun jul aug sep sept oct nov dec".split())
_PREPOSITIONS = frozenset("on by to of in at til till from".split())
_DAY_OR_YEAR = re.compile(r"0?[1-9]|[12]\d|3[01]|(?:19|20)\d\d")


def _date_word(tokens: list[re.Match[str]], i: int, text: str) -> bool:
    """A month or a preposition beside a day or a year (``on 12 may 2024 at``): a date, whose
    words stay words rather than the capitals of a code (a plate ``ON 12 MAY``)."""
    low = tokens[i].group(0).lower()
    if low not in _MONTHS and low not in _PREPOSITIONS:
        return False
    return any(
        0 <= j < len(tokens) and _DAY_OR_YEAR.fullmatch(tokens[j].group(0)) is not None
        and text[min(tokens[i].end(), tokens[j].end()) : max(tokens[i].start(), tokens[j].start())].strip(" ,") == ""
        for j in (i - 1, i + 1)
    )


def _beside_code(tokens: list[re.Match[str]], i: int, text: str) -> bool:
    """A short run of letters spaced beside a code part: a digit run or a single letter
    (``p e 1 1 2 a b``, ``y x 1 9 k l m``, ``jk-123456-c``)."""
    for j in (i - 1, i + 1):
        if 0 <= j < len(tokens):
            a, b = sorted((tokens[i], tokens[j]), key=lambda t: t.start())
            other = tokens[j].group(0)
            single = len(other) == 1 and len(tokens[i].group(0)) == 1
            if _SPACED.fullmatch(text[a.end() : b.start()]) and (single or any(ch.isdigit() for ch in other)):
                return True
    return False
