"""Trying a pattern only where it can start gives exactly what ``finditer`` gives.

Every pattern the residue scan tries from its key index (``_starts.py``) is checked against
its own ``finditer`` on text made of its keys, digits, separators and odd Unicode; and the
key extraction itself on small patterns whose keys are known.
"""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import msin_fed.redaction._residue as residue
from msin_fed.redaction._starts import DIGIT, KeyIndex, heads, matches_at

INDEX, SLOTS, ON_TEXT = residue._key_index()
_SEPARATORS = [" ", "  ", ",", ", ", ".", "(", ")", "\t", "\n", "-", "'", "’", ":", "?", "\u00a0", "@", "#", "/"]
_ODD = ["ſ", "ı", "K", "\u200b", "０", "٣", "Ⅳ", "ß", "É", "é", "_", "\x00"]


def _text_for(keys: list[str]) -> st.SearchStrategy[str]:
    pieces = st.one_of(
        st.sampled_from(keys),
        st.sampled_from([k.upper() for k in keys] + [k.title() for k in keys]),
        st.sampled_from(_SEPARATORS),
        st.sampled_from(_ODD),
        st.text(alphabet="0123456789", min_size=1, max_size=6),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8),
        st.characters(codec="utf-8"),
    )
    return st.lists(pieces, max_size=40).map("".join)


def _keys(pattern: re.Pattern[str]) -> list[str]:
    words = [k for k in heads(pattern) if k != DIGIT]
    # Whole words of the pattern too (the keys are only their first letters where an
    # optional part follows).
    words += [w for w in re.findall(r"[a-z]{2,}", pattern.pattern.lower()) if len(w) <= 12][:80]
    return words or ["x"]


# Named by place in the index: a pattern's text is not the same in every process (alternatives
# of equal length come in set order), and xdist workers must collect the same test names.
@pytest.mark.parametrize("pattern", INDEX.patterns, ids=[f"index-{i}" for i in range(len(INDEX.patterns))])
def test_index_matches_are_finditer_matches(pattern: re.Pattern[str]) -> None:
    on_text = pattern in ON_TEXT

    @settings(max_examples=150, deadline=None)
    @given(_text_for(_keys(pattern)))
    def check(raw: str) -> None:
        text = raw
        low = text.lower()
        if len(low) != len(text):
            return  # the scan does not use the index then
        t = residue._Text(text, low)
        if on_text:
            got = [m.span() for m in t.keyed_text(pattern)]
            want = [m.span() for m in pattern.finditer(text)]
        else:
            got = [m.span() for m in matches_at(pattern, low, t._slot(pattern))]
            want = [m.span() for m in pattern.finditer(low)]
        assert got == want

    check()


@pytest.mark.parametrize("name", ["_POSTCODE", "_IBAN", "_NINO", "_PLATE", "_COMPACT_PLATE", "_LOOSE_PLATE"])
def test_shapes_near_digits_are_finditer_matches(name: str) -> None:
    pattern = getattr(residue, name)

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.one_of(
        st.text(alphabet="ABCDEFGHKLMNPQRSTWXYZabcdexyz", min_size=1, max_size=4),
        st.text(alphabet="0123456789", min_size=1, max_size=6),
        st.sampled_from([" ", " ", "-", ".", "\u00a0", "\t", "_", "@", "ſ", "K", "ı", "é", "\n", "  "]),
    ), max_size=30).map("".join))
    def check(text: str) -> None:
        t = residue._Text(text, text.lower())
        assert [m.span() for m in t.near_digits(pattern)] == [m.span() for m in pattern.finditer(text)]

    check()


@pytest.mark.parametrize("name", ["_DIGIT_RUN", "_SPLIT_NUMBER", "_SORT_CODE"])
def test_digit_led_shapes_are_finditer_matches(name: str) -> None:
    pattern = getattr(residue, name)
    extra = {"_DIGIT_RUN": "+(", "_SPLIT_NUMBER": "+", "_SORT_CODE": ""}[name]

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.one_of(
        st.text(alphabet="0123456789", min_size=1, max_size=7),
        st.sampled_from([" ", "  ", "-", ".", "/", ",", ";", ":", "(", ")", "+", "£", "\u200b", " and ", " then ", "a"]),
    ), max_size=30).map("".join))
    def check(text: str) -> None:
        t = residue._Text(text, text.lower())
        starts = sorted({*t.runs, *(i for ch in extra for i in t.find_all(ch))})
        assert [m.span() for m in matches_at(pattern, text, starts)] == [m.span() for m in pattern.finditer(text)]

    check()


def test_heads_of_known_patterns() -> None:
    assert set(heads(re.compile(r"\b(?:boss|driver)\s+"))) == {"boss", "driver"}
    assert heads(re.compile(r"\bboss"))["boss"].bounded
    found = heads(re.compile(r"[\s,]+(?:said|told)\b"))
    assert set(found) == {"said", "told"} and all(h.led for h in found.values())
    assert set(heads(re.compile(r"d\.?o\.?b"))) == {"dob", "d.ob", "do.b", "d.o.b"}
    assert set(heads(re.compile(r"(?<![\w\-])\d{2}-\d{3}|\bzip"))) == {DIGIT, "zip"}
    assert heads(re.compile(r"(?<![\w\-])\d{2}-\d{3}"))[DIGIT].after_non_digit
    # A key another key begins with is covered by it.
    assert set(heads(re.compile(r"name|named|nam"))) == {"nam"}


@pytest.mark.parametrize("source", [r"[a-z]+\d", r"\w+@", r".x", r"(?i:ab)?c?", r"(?:x|\s*)y?", r"(?i)ſx"])
def test_heads_refuse_a_pattern_with_a_match_without_a_key(source: str) -> None:
    with pytest.raises(ValueError):
        heads(re.compile(source))


def test_index_finds_keys_anywhere() -> None:
    index = KeyIndex([re.compile(r"\bcar\b"), re.compile(r"[\s,]+said")])
    text = "The car, said he; a scar, Car said"
    low = text.lower()
    starts = index.starts(low)
    assert starts[0] == [4, 26]  # "scar" is not after a word boundary; "Car" is found in the lower-case copy
    assert [m.span() for m in matches_at(re.compile(r"\bcar\b"), low, starts[0])] == [(4, 7), (26, 29)]
    assert [m.group() for m in matches_at(index.patterns[1], text, starts[1])] == [", said", " said"]


def test_lower_case_keeps_word_space_and_lead_characters() -> None:
    # The index decides boundaries and leads on the lower-case copy for patterns matched on
    # the text too; that holds only while lower() keeps these classes, for every code point.
    changed = []
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        low = ch.lower()
        if len(low) != 1:
            continue  # a text with such a character is not matched from the index
        for test in (lambda c: c.isalnum() or c == "_", str.isspace, lambda c: c in ",("):
            if test(ch) != test(low):
                changed.append(hex(cp))
    assert changed == []
