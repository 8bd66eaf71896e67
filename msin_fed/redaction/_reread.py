"""Other readings of a narrative for the verification pass: what a faulty or hostile node
can write so that the residue scan's shapes and cues no longer see an identifier.

Each reading has the length of the text, so the findings on it are positions of the
text as given; the verifier scans it besides the text and keeps every finding of both.

- ``unsplit``: a placeholder or filler (``<DATE>``, ``<X_1>``, ``[REDACTED]``, ``***``)
  put inside an identifier (``077<X_1>00 900 527``, ``PE21 <LOCATION> 7CK``,
  ``<X_1>born 4/7/02``) is read as nothing: each such filler becomes zero-width
  characters, which normalisation removes.
- ``recased``: a narrative whose case carries nothing (all capitals, or no capital but
  at sentence starts) has its names and streets capitalised where the scan's rules would
  read them as names if written in ordinary case, and every other word in lower case.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache

from msin_fed.redaction._residue import (
    _COMMON_NAME,
    _NAME,
    _NAME_PART,
    _NOT_NAME,
    _PLACEHOLDER,
    _POST_CUE,
    _ROLE_CUE,
    _WORD,
    _fold,
    _in_capitals,
    _street_suffixes,
    _word_kind,
)

__all__ = ["recased", "unsplit"]

_ZERO_WIDTH = "\u200b"

# What a node may put inside an identifier: a placeholder numbered or not, a bracketed
# tag, a short run of symbols no identifier or amount is written with.
_PLACEHOLDER_LIKE = re.compile(r"<[A-Za-z][A-Za-z_]*(?:_[0-9]+)?>")
_OTHER_FILLER_CHARS = frozenset("[{*#_~|^")
_FILLER = re.compile(r"<[A-Za-z][A-Za-z_]*(?:_[0-9]+)?>|\[[A-Za-z_ ]{1,24}\]|\{[A-Za-z_ ]{1,24}\}|[*#_~|^]{1,5}")
# A part of an identifier written in parts: letters and digits with a digit among them,
# up to three capitals (``TN``, ``SM``), or one letter (``P E 1 1 2 A B``).
_PART = re.compile(r"[^\W_]*\d[^\W_]*|[A-Z]{1,3}|[^\W\d_]")


def unsplit(text: str) -> tuple[str, str, tuple[tuple[int, int], ...]]:
    """``text`` read two ways (same length): with each filler glued to a letter or digit
    (``077<X_1>00``, ``<X_1>born``) read as nothing; and with each filler standing between
    two identifier parts (``07700 <DATE> 900123``) read as nothing too, with the spans of
    those cuts (a finding on the second reading counts only where it spans one: what lies
    on one side of a placeholder was read on the first).

    A cut becomes zero-width characters (the filler and, between parts, the spaces before it).
    """
    fillers = _PLACEHOLDER_LIKE if _OTHER_FILLER_CHARS.isdisjoint(text) else _FILLER
    glued: list[tuple[int, int]] = []
    spaced: list[tuple[int, int]] = []
    for m in fillers.finditer(text):
        start, end = m.span()
        if (start and text[start - 1].isalnum()) or text[end : end + 1].isalnum():
            glued.append((start, end))
            continue
        if text[start - 1 : start] not in (" ", "\t") or text[end : end + 1] not in (" ", "\t"):
            continue
        gap = start
        while gap and text[gap - 1] in " \t":
            gap -= 1
        right_at = end
        while text[right_at : right_at + 1] in (" ", "\t"):
            right_at += 1
        a, b = text[gap - 1 : gap], text[right_at : right_at + 1]
        # Cheap first: a part beside it ends or starts with a digit or a capital, or is one letter.
        if not (a.isalnum() and b.isalnum()) or not (
            a.isupper() or b.isupper() or (gap >= 2 and not text[gap - 2].isalnum())
            or any(ch.isdigit() for ch in text[max(0, gap - 4) : gap]) or any(ch.isdigit() for ch in text[right_at : right_at + 4])
        ):
            continue
        left = _token_before(text, gap)
        right = _token_after(text, end)
        if left and right and (
            any(ch.isdigit() for ch in left) or any(ch.isdigit() for ch in right)
            or (_PART.fullmatch(left) and _PART.fullmatch(right))
        ):
            spaced.append((gap, end))
    first = _cut(text, glued)
    return first, _cut(first, spaced), tuple(spaced)


def _token_before(text: str, end: int) -> str:
    """The letters and digits right before ``end`` (``""`` when none, or when they are
    the tail of a longer token joined by an underscore)."""
    start = end
    while start and text[start - 1].isalnum():
        start -= 1
    return text[start:end] if start == 0 or text[start - 1] != "_" else ""


def _token_after(text: str, start: int) -> str:
    """The letters and digits after the spaces at ``start``."""
    while text[start : start + 1] in (" ", "\t"):
        start += 1
    end = start
    while end < len(text) and text[end].isalnum():
        end += 1
    return text[start:end]


def _cut(text: str, cuts: list[tuple[int, int]]) -> str:
    if not cuts:
        return text
    out: list[str] = []
    last = 0
    for start, end in cuts:
        out += (text[last:start], _ZERO_WIDTH * (end - start))
        last = end
    return "".join([*out, text[last:]])


# ---------------------------------------------------------------- case

# Where the scan's rules want a capital: after a cue that leads to a name ("they call",
# "known as", "uncle", a role), before a verb of speech ("wood who", "dean said").
_LEAD = re.compile(
    r"\b(?:called|named|known\s+as|aka|alias|goes\s+by|surname|mr|mrs|ms|miss|dr|uncle|auntie|aunty|aunt|mama|papa"
    r"|(?:they|we|everyone|people|workers|men|women)\s+call(?:s|ed)?(?:\s+(?:him|her|them))?"
    r"|(?:known|refer(?:s|red)?\s+to(?:\s+[^\W\d]+){0,3})\s+(?:only\s+)?as)[\s,:'\"]+$",
)
_LABEL = re.compile(r"[ \t]*(?::|\s[\-\u2013\u2014]\s)")
_MIXED = re.compile(r"[a-z][,;]? +[A-Z][a-z]")
_SENTENCE_END = re.compile(r"(?:^|[.!?:;\"'(\n])\s*$")


def _caseless(text: str) -> bool:
    """No word tells a name by its case: all in capitals, or no capital but at a sentence
    start (and the word I)."""
    if _MIXED.search(text):
        return False  # a capitalised word after a word in lower case: case tells
    upper = lower = 0
    capitalised_inside = False
    for m in _WORD.finditer(text):
        word = m.group(0)
        if word.isupper():
            upper += len(word)
        elif word.islower():
            lower += len(word)
        else:
            lower += len(word) - 1
            upper += 1
            if not _SENTENCE_END.search(text, max(0, m.start() - 3), m.start()):
                capitalised_inside = True
    if upper + lower < 20:
        return False
    if _in_capitals(upper, lower):
        return True
    return not capitalised_inside and not any(w.isupper() and len(w) > 1 for w in _words(text))


def _words(text: str) -> list[str]:
    return [m.group(0) for m in _WORD.finditer(text)]


@lru_cache(maxsize=1)
def _given_names() -> frozenset[str]:
    """Folded first names of Faker's English locales: a given name a capital would show."""
    import faker.providers.person as person  # data only: no Faker generator is built

    names: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        if not module.name.startswith("en"):
            continue
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        for attr, values in vars(provider).items():
            if attr.startswith("first_names") and isinstance(values, list | tuple | dict | set | frozenset):
                names.update(_fold(p) for v in values for p in _NAME_PART.findall(str(v)) if len(p) >= 2)
    return frozenset(names)


@lru_cache(maxsize=1)
def _suffixes() -> frozenset[str]:
    return frozenset(s.lower() for s in _street_suffixes())


def recased(text: str, layout: str | None = None) -> str | None:
    """``text`` recased for the scan when its case carries nothing, else ``None``; a text
    in ordinary case has its parts (lines, sentences of ``layout``, the text as sent)
    recased that are all in capitals or have no capital at all.

    Every word goes to lower case, then these are capitalised: a name pair (a given name
    of the English locales and a names-list word beside it: ``gary marsh``), a names-list
    word where a cue wants a name (``they call uncle tu``, ``it was wood who``), a
    dialogue label that is a names-list word (``naomi:``), and a street of a given name or
    a word in no English dictionary before a street type (``toby coves``, ``wenlock
    crescent``). Placeholders stay as written.
    """
    if _caseless(text):
        return _recase(text)
    # A part in capitals or with no capital at all beside parts in ordinary case (a body in
    # capitals with one line "Reviewed by the Team."): that part's case carries nothing
    # either. Parts are cut where ``layout`` (the text as sent) ends a line or a sentence.
    out: list[str] | None = None
    for start, end in _segments(layout if layout is not None else text):
        part = text[start:end]
        if _without_case(part):
            again = _recase(part)
            if again != part:
                out = out if out is not None else list(text)
                out[start:end] = again
    return "".join(out) if out is not None else None


_SEGMENT_END = re.compile(r"[.!?]+(?=\s)|\r\n|[\n\r\v\f\u2028\u2029]")


def _segments(layout: str) -> list[tuple[int, int]]:
    parts, start = [], 0
    for m in _SEGMENT_END.finditer(layout):
        parts.append((start, m.end()))
        start = m.end()
    parts.append((start, len(layout)))
    return [(s, e) for s, e in parts if e > s]


def _without_case(part: str) -> bool:
    """All in capitals (two words or more), or not one capital letter: 12 letters or more."""
    words = _words(_PLACEHOLDER.sub(" ", part))
    upper = sum(len(w) for w in words if w.isupper())
    lower = sum(len(w) for w in words if w.islower())
    if upper + lower < 12 or upper + lower < sum(len(w) for w in words):
        return False  # short, or a word capitalised: case tells
    if lower == 0:
        return sum(1 for w in words if w.isupper() and len(w) > 1) >= 2
    return upper == 0


def _recase(text: str) -> str:
    masked = _PLACEHOLDER.sub(lambda m: "\x00" * len(m.group(0)), text)
    words = [m for m in _WORD.finditer(masked) if len(m.group(0).lower()) == len(m.group(0))]
    kinds = [_word_kind(m.group(0).lower()) for m in words]
    given = _given_names()
    suffixes = _suffixes()
    low = masked.lower() if len(masked.lower()) == len(masked) else masked
    capital: set[int] = set()
    for i, (m, kind) in enumerate(zip(words, kinds, strict=True)):
        word = _folded(m)
        nxt = i + 1 < len(words) and masked[m.end() : words[i + 1].start()] == " "
        if nxt and kind == _NAME and word in given and kinds[i + 1] in (_NAME, _COMMON_NAME, _NOT_NAME):
            capital.update((i, i + 1))  # "gary marsh", "sarah field"
        if kind in (_NAME, _COMMON_NAME) and (
            _LEAD.search(low, max(0, m.start() - 60), m.start())
            or _ends_at(masked, m.start())
            or _POST_CUE.match(masked, m.end())
            or (_LABEL.match(masked, m.end()) and _SENTENCE_END.search(masked, max(0, m.start() - 3), m.start()))
        ):
            capital.add(i)
        if nxt and _folded(words[i + 1]) in suffixes and (word in given or kind == _NOT_NAME):
            capital.update((i, i + 1))  # "toby coves", "wenlock crescent"
    out = list(low)
    for i in capital:
        m = words[i]
        out[m.start()] = m.group(0)[0].upper()
    for m in _PLACEHOLDER.finditer(text):
        out[m.start() : m.end()] = m.group(0)
    return "".join(out)


def _folded(m: re.Match[str]) -> str:
    return _fold(m.group(0))


def _ends_at(text: str, start: int) -> bool:
    """A role cue ends right where the word starts."""
    return any(c.end() == start for c in _ROLE_CUE.finditer(text, max(0, start - 30), start))
