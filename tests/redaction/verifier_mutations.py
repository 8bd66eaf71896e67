"""Mutations of narratives the verifier refuses, as a faulty or hostile node might send them.

Each mutation keeps the identifier readable to a person (the coordinator's staff) while
changing what a scanner keys on: odd Unicode (look-alike and full-width digits, zero-width
and format characters, other spaces and dashes, combining marks, decomposed forms), an
identifier split across lines or punctuation, placeholder-looking wrappers, foreign
formats, and a long narrative whose identifier comes at its end.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

from msin_fed.errors import RedactionRefused

DATA = Path(__file__).parent / "data"


def refuses(verifier: object, text: str) -> bool:
    """Whether the coordinator's verifier (the ``verifier`` fixture) refuses ``text``."""
    try:
        verifier.verify(text)  # type: ignore[attr-defined]
    except RedactionRefused:
        return True
    return False

_FULLWIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))
_DIGITS_SPLIT = re.compile(r"(?<=\d)(?=\d)")


def refused_corpus() -> list[str]:
    """The adversarial corpus's texts that hide an identifier (both splits)."""
    out = []
    for split in ("tuning", "heldout"):
        for line in (DATA / f"adversarial_{split}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                if case.get("hides"):
                    out.append(case["text"])
    return out


def _between_digits(text: str, mark: str) -> str:
    return _DIGITS_SPLIT.sub(mark, text)


MUTATIONS: dict[str, Callable[[str], str]] = {
    "full-width digits": lambda t: t.translate(_FULLWIDTH),
    "zero-width space between digits": lambda t: _between_digits(t, "\u200b"),
    "word joiner between digits": lambda t: _between_digits(t, "\u2060"),
    "soft hyphen between digits": lambda t: _between_digits(t, "\u00ad"),
    "BOM between digits": lambda t: _between_digits(t, "\ufeff"),
    "no-break spaces": lambda t: t.replace(" ", "\u00a0"),
    "thin spaces": lambda t: t.replace(" ", "\u2009"),
    "ideographic spaces": lambda t: t.replace(" ", "\u3000"),
    "en dashes": lambda t: t.replace("-", "\u2013"),
    "minus signs": lambda t: t.replace("-", "\u2212"),
    "NFD": lambda t: unicodedata.normalize("NFD", t),
    "NFKD": lambda t: unicodedata.normalize("NFKD", t),
    "upper case": str.upper,
    "lower case": str.lower,
    "tabs for spaces": lambda t: t.replace(" ", "\t"),
    "line breaks for spaces": lambda t: t.replace(" ", "\n"),
    "CRLF": lambda t: t.replace(" ", "\r\n"),
    "after a placeholder": lambda t: "<PERSON_1> " + t,
    "glued to a placeholder": lambda t: re.sub(r"(?<=\s)(?=\S)", "<X_1>", t, count=3),
    "in brackets": lambda t: re.sub(r"(\d[\d \-]{5,}\d)", r"[\1]", t),
    "in quotes": lambda t: re.sub(r"(\d[\d \-]{5,}\d)", "\u201c\\1\u201d", t),
}


#: The text's case carries nothing: names and streets are not capitalised, or every word is.
CASELESS = ("upper case", "lower case")

_PH = "<DATE_1>"
_GAP = re.compile(r"(?<=[0-9A-Za-z]) (?=[0-9A-Za-z])")


def _between_parts(text: str) -> str:
    """A placeholder in each gap of an identifier written in parts (a digit in one of the
    two parts beside the gap): ``07700 <DATE_1> 900123``, ``PE21 <DATE_1> 7CK``."""
    def gap(m: re.Match[str]) -> str:
        before = re.search(r"\S+$", text[: m.start()])
        after = re.match(r"\S+", text[m.end() :])
        parts = (before.group(0) if before else "") + (after.group(0) if after else "")
        return f" {_PH} " if any(ch.isdigit() for ch in parts) else " "
    return _GAP.sub(gap, text)


#: A placeholder put inside an identifier, glued to it or spaced, where it breaks the
#: shape or the cue the verifier reads.
PLACEHOLDER_INSIDE: dict[str, Callable[[str], str]] = {
    "glued to a placeholder": MUTATIONS["glued to a placeholder"],
    "placeholder inside a number": lambda t: re.sub(r"(?<=\d{3})(?=\d)", "<X_1>", t, count=1),
    "placeholder between its parts": _between_parts,
    "placeholder inside each word": lambda t: re.sub(r"\b([^\W\d_]{2})(?=[^\W\d_]{2})", r"\1<X_1>", t),
}


#: Costly to scan (19,000 characters): applied to every ``LONG_EVERY``-th text only.
LONG = "The worker described the farm at length. " * 460
LONG_EVERY = 12


def mutated(texts: list[str]) -> Iterator[tuple[str, str, str]]:
    """(mutation, original, mutated) for every text and every mutation that changes it,
    and for some texts the text at the end of a long narrative."""
    for i, text in enumerate(texts):
        for name, fn in MUTATIONS.items():
            new = fn(text)
            if new != text:
                yield name, text, new
        if i % LONG_EVERY == 0:
            yield "after 19,000 characters", text, LONG + text
