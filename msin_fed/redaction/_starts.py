"""Where a pattern can match, found once per text, so that it is tried only there.

Python's regular expression engine tries a pattern at every position of the text unless the
pattern starts with a literal. The residue scan's keyword-led patterns (``\\b(?:boss|driver|
...)``, ``[\\s,]+(?:said|told|...)``, the 250 country names) and its digit-led ones do not, and
trying each at every position was most of the scan's cost. Instead:

* :func:`heads` reads a compiled pattern's syntax tree and returns the literal strings one of
  which every match begins with (after zero-width assertions, and after a *lead* of spaces,
  commas or opening parentheses), or that every match begins with a digit;
* :class:`KeyIndex` finds every occurrence of every pattern's literals in a text in one
  Aho-Corasick pass (``pyahocorasick``);
* :func:`matches_at` tries the pattern at those positions only, leftmost first, and skips
  positions inside a match found, which is exactly what ``finditer`` returns when every
  position where the pattern can match is among them (``pattern.match(text, s)`` sees the
  text before ``s``, so lookbehinds and ``\\b`` behave as in ``finditer``).

The positions are a superset by construction; ``tests/redaction/test_starts.py`` compares the
two on random text for every pattern the scan keys this way, and the residue scan's own
differential test compares whole scans with the frozen scanner they replaced.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

import ahocorasick

__all__ = ["DIGIT", "Head", "KeyIndex", "heads", "matches_at"]

#: The key standing for "a digit" (a ``\\d`` starts the match).
DIGIT = "\\d"
_LEAD_CHARS = ",("
_MAX_PATHS = 4000


@dataclass(frozen=True)
class Head:
    """How matches of a pattern begin with a key.

    ``bounded``: a ``\\b`` comes right before the key (and the key starts with a word
    character), so the key never starts a match right after a word character.
    ``led``: spaces, commas or ``(`` may come before the key inside the match.
    ``after_non_digit``: (for :data:`DIGIT`) the match never starts right after a digit.
    """

    bounded: bool = False
    led: bool = False
    after_non_digit: bool = False


@dataclass(frozen=True)
class _Path:
    prefix: str = ""
    bounded: bool = False
    led: bool = False
    after_non_digit: bool = False
    digit: bool = False


class _Unkeyable(Exception):
    pass


def heads(pattern: re.Pattern[str], max_len: int = 12) -> dict[str, Head]:
    """The keys every match of ``pattern`` begins with (lower-cased: look them up in the
    lower-cased text), each with how it begins; raises ValueError when some match can
    begin otherwise (a character class, an unbounded ``.``...)."""
    parsed = _parser.parse(pattern.pattern, pattern.flags)
    icase = bool(parsed.state.flags & re.IGNORECASE)
    done: list[_Path] = []
    try:
        rest = _seq(list(parsed), [_Path()], icase, done, max_len)
    except _Unkeyable:
        raise ValueError(f"cannot key {pattern.pattern[:60]!r}") from None
    done.extend(rest)
    out: dict[str, Head] = {}
    for path in done:
        key = DIGIT if path.digit else path.prefix
        if not key:
            raise ValueError(f"some match of {pattern.pattern[:60]!r} starts without a literal")
        old = out.get(key)
        bounded = path.bounded and not path.led and _is_word(key[0]) and not path.digit
        # A \b before a digit means a non-digit (a non-word character) before it.
        new = Head(bounded, path.led, (path.after_non_digit or path.bounded) and not path.led)
        if old is not None:
            new = Head(old.bounded and new.bounded, old.led or new.led, old.after_non_digit and new.after_non_digit)
        out[key] = new
    # A key that another key begins with covers it: keep the shorter, with both ways in.
    keys = sorted(out, key=len)
    kept: dict[str, Head] = {}
    for key in keys:
        cover = next((k for k in kept if k != DIGIT and key != DIGIT and key.startswith(k)), None)
        if cover is None:
            kept[key] = out[key]
        else:
            a, b = kept[cover], out[key]
            kept[cover] = Head(a.bounded and b.bounded, a.led or b.led, a.after_non_digit and b.after_non_digit)
    return kept


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _caseless(ch: str) -> bool:
    """Under IGNORECASE, ``ch`` matches its lower-case form only in a lower-cased text."""
    if ch.isascii():
        return True
    return unicodedata.category(ch) in ("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Zs", "Nd")  # caseless classes


def _lead_only(items: Iterable[tuple[Any, Any]]) -> bool:
    """Every character ``items`` can consume is a space, a comma or ``(``."""
    for op, av in items:
        if op is _sre.LITERAL:
            ch = chr(av)
            if not (ch in _LEAD_CHARS or ch.isspace()):
                return False
        elif op is _sre.IN:
            for iop, iav in av:
                if iop is _sre.LITERAL and (chr(iav) in _LEAD_CHARS or chr(iav).isspace()):
                    continue
                if iop is _sre.CATEGORY and iav is _sre.CATEGORY_SPACE:
                    continue
                return False
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            if not _lead_only(av[2]):
                return False
        elif op is _sre.SUBPATTERN:
            if not _lead_only(av[3]):
                return False
        elif op is _sre.BRANCH:
            if not all(_lead_only(alt) for alt in av[1]):
                return False
        elif op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
            continue
        else:
            return False
    return True


def _seq(items: Sequence[tuple[Any, Any]], paths: list[_Path], icase: bool, done: list[_Path], max_len: int) -> list[_Path]:
    """Extend ``paths`` (still open) over ``items``; closed paths go to ``done``."""
    for op, av in items:
        if not paths:
            return paths
        if len(paths) + len(done) > _MAX_PATHS:
            raise _Unkeyable
        if op is _sre.AT:
            if av is _sre.AT_BOUNDARY:
                paths = [p if p.prefix or p.led else _Path(p.prefix, True, p.led, p.after_non_digit) for p in paths]
            continue
        if op in (_sre.ASSERT, _sre.ASSERT_NOT):
            direction, sub = av
            if op is _sre.ASSERT_NOT and direction < 0 and _excludes_digits(sub):
                paths = [p if p.prefix or p.led else _Path(p.prefix, p.bounded, p.led, True) for p in paths]
            continue
        if op is _sre.LITERAL:
            paths = _literal(paths, [chr(av)], icase, done, max_len)
            continue
        if op is _sre.IN:
            if all(iop is _sre.LITERAL for iop, _ in av):
                paths = _literal(paths, [chr(iav) for _, iav in av], icase, done, max_len)
            elif _lead_only([(op, av)]):
                paths = _lead(paths, done)
            elif av == [(_sre.CATEGORY, _sre.CATEGORY_DIGIT)]:
                for p in paths:
                    done.append(_Path(p.prefix, p.bounded, p.led, p.after_non_digit, digit=not p.prefix))
                paths = []
            else:
                done.extend(paths)
                paths = []
            continue
        if op is _sre.BRANCH:
            out: list[_Path] = []
            for alt in av[1]:
                out.extend(_seq(list(alt), paths, icase, done, max_len))
            paths = out
            continue
        if op is _sre.SUBPATTERN:
            _group, add, delete, sub = av
            sub_icase = (icase or bool(add & re.IGNORECASE)) and not (delete & re.IGNORECASE)
            paths = _seq(list(sub), paths, sub_icase, done, max_len)
            continue
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            lo, hi, sub = av
            if _lead_only(sub):
                paths = _lead(paths, done)
                continue
            taken = _seq(list(sub), paths, icase, done, max_len)
            if lo == 0:
                if hi == 1:
                    paths = paths + taken
                else:
                    done.extend(taken)
            elif lo == hi == 1:
                paths = taken
            else:
                done.extend(taken)
                paths = []
            continue
        # Anything else (a class, ANY, a back reference...) ends the literal part.
        done.extend(paths)
        paths = []
    return paths


def _excludes_digits(sub: Any) -> bool:
    """A lookbehind of one character class that holds the digits (``(?<![\\w\\-])``)."""
    items = list(sub)
    if len(items) != 1 or items[0][0] is not _sre.IN:
        return False
    return any(iop is _sre.CATEGORY and iav in (_sre.CATEGORY_DIGIT, _sre.CATEGORY_WORD) for iop, iav in items[0][1])


def _lead(paths: list[_Path], done: list[_Path]) -> list[_Path]:
    out = []
    for p in paths:
        if p.prefix:
            done.append(p)
        else:
            out.append(_Path("", p.bounded, True, p.after_non_digit))
    return out


def _literal(paths: list[_Path], chars: list[str], icase: bool, done: list[_Path], max_len: int) -> list[_Path]:
    out = []
    for p in paths:
        if len(p.prefix) >= max_len:
            done.append(p)
            continue
        for ch in chars:
            low = ch.lower()
            if len(low) != 1 or (icase and not _caseless(ch)):
                done.append(p)
                break
            if not p.prefix and (ch in _LEAD_CHARS or ch.isspace()):
                out.append(_Path("", p.bounded, True, p.after_non_digit))
            else:
                out.append(_Path(p.prefix + low, p.bounded, p.led, p.after_non_digit))
    return out


class KeyIndex:
    """One Aho-Corasick automaton over the keys of several patterns.

    ``starts(low)`` returns, for each pattern (by position in ``patterns``), the sorted
    positions where it can match in the text whose lower-case copy (same length) is
    ``low``: where one of its keys occurs, moved back over a lead where it may have one,
    dropped where a ``\\b`` before the key cannot hold; and, for a pattern that can start
    with a digit, the digits (those after a non-digit where that is all it allows).

    Which characters are word characters, spaces, commas and ``(`` is the same in a text
    and its lower-case copy (``tests/redaction/test_starts.py`` checks every code point),
    so the copy serves for both, whichever of the two a pattern is matched on.
    """

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        self.patterns = tuple(patterns)
        self._automaton = ahocorasick.Automaton()
        by_key: dict[str, list[tuple[int, bool, bool]]] = {}
        self._digits: list[tuple[int, Head]] = []
        for i, pattern in enumerate(self.patterns):
            for key, head in heads(pattern).items():
                if key == DIGIT:
                    self._digits.append((i, head))
                else:
                    by_key.setdefault(key, []).append((i, head.bounded, head.led))
        for key, entries in by_key.items():
            # The boundary is checked once per occurrence when every pattern of the key has one.
            every_bounded = all(b for _, b, _ in entries)
            self._automaton.add_word(key, (len(key), every_bounded, tuple(entries)))
        self._automaton.make_automaton()

    def starts(self, low: str, digits: Sequence[int] = (), runs: Sequence[int] = ()) -> list[list[int]]:
        """Candidate match starts per pattern; ``digits``: positions of the text's digits,
        ``runs``: those not after a digit (both only needed for digit keys)."""
        found: list[list[int]] = [[] for _ in self.patterns]
        for end, (length, every_bounded, entries) in self._automaton.iter(low):
            s = end - length + 1
            after_word = s > 0 and (low[s - 1].isalnum() or low[s - 1] == "_")
            if every_bounded and after_word:
                continue
            for i, bounded, led in entries:
                if bounded and after_word:
                    continue
                if led:
                    found[i].extend(_lead_back(low, s))
                else:
                    found[i].append(s)
        for i, head in self._digits:
            positions = runs if head.after_non_digit else digits
            if head.led:
                for d in positions:
                    found[i].extend(_lead_back(low, d))
            else:
                found[i].extend(positions)
        return [sorted(set(f)) for f in found]


def _lead_back(text: str, s: int) -> range:
    """``s`` and the positions of the spaces, commas and ``(`` right before it."""
    start = s
    while start and (text[start - 1] in _LEAD_CHARS or text[start - 1].isspace()):
        start -= 1
    return range(start, s + 1)


def matches_at(pattern: re.Pattern[str], text: str, starts: Iterable[int]) -> Iterator[re.Match[str]]:
    """What ``pattern.finditer(text)`` yields, given sorted ``starts`` that hold every
    position where ``pattern`` can match (and a pattern that never matches empty)."""
    pos = 0
    for s in starts:
        if s < pos:
            continue
        m = pattern.match(text, s)
        if m is not None:
            yield m
            pos = m.end()
