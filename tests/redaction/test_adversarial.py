"""The adversarial corpus: text written to get identifiers past the redactor, and look-alikes it must keep.

Two files in ``data/``: ``adversarial_tuning.jsonl`` (what the redactor may be tuned on) and
``adversarial_heldout.jsonl`` (same classes, other wording, names, numbers and sentence
shapes; not to be looked at while tuning). Each line::

    {"id": ..., "class": ..., "text": ..., "hides": [raw identifier as it appears in the text, ...],
     "known": [structured-field values, optional], "keep": [harmless text that must survive, ...]}

Each case goes through the real redactor, ``Redactor().redact_verified(text, known)``, what a
member runs to share. A ``RedactionRefused`` is no leak (nothing leaves the node); the keep
values are then checked on the first pass's output, except that refusing a case with nothing to
hide is itself a failure (a harmless report could not be shared).

A ``hides`` value leaks when its letters and digits survive in sequence after folding (case,
diacritics, compatibility forms such as full-width digits, zero-width and other format
characters, Cyrillic and Greek look-alike letters, letter O for zero), so an obfuscated form
that survives counts: ``07700 900123`` leaks from ``O77OO\u00a09OO\u200b123`` as well. The match
may not run on into a longer word or number (``Hall`` does not leak from ``Hallam``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from msin_fed.errors import RedactionRefused
from msin_fed.redaction import Redactor

DATA = Path(__file__).parent / "data"
SPLITS = ("tuning", "heldout")

# Latin look-alikes among Cyrillic and Greek letters (capital and small). This is the test's
# own table, deliberately not the redactor's folding: the check must not share its blind spots.
_LOOKALIKE_TABLE = str.maketrans(
    # Cyrillic (and Latin script g)
    "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0423\u0425\u0405\u0406\u0408\u051a\u051c\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0455\u0456\u0458\u04bb\u0501\u051b\u051d\u04cf\u0261"
    # Greek
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7\u03bf\u03b9\u03ba\u03bd\u03c1\u03c4\u03c5\u03c7\u03b1",
    "ABEKMHOPCTYXSIJQWaeopcyxsijhdqwlg"
    "ABEZHIKMNOPTYXoikvptuxa",
)


def fold(text: str) -> str:
    """Compatibility forms, format characters, look-alike letters, diacritics and case folded away.

    Letter O is folded to zero everywhere (both sides of a comparison are folded alike, so a
    name such as Popescu still matches itself).
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = unicodedata.normalize("NFKD", text.translate(_LOOKALIKE_TABLE))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold().replace("o", "0")


def _same_class(a: str, b: str) -> bool:
    return (a.isalpha() and b.isalpha()) or (a.isdigit() and b.isdigit())


def _squash(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


def survives(identifier: str, output: str) -> bool:
    """True when ``identifier``'s letters and digits are still in ``output``, in sequence.

    Separators, spacing and obfuscation in either string do not matter; the match must not
    start in the middle of a longer word or number, nor end in one.
    """
    needle = _squash(identifier)
    if not needle:
        return False
    hay = fold(output)
    where = [i for i, ch in enumerate(hay) if ch.isalnum()]
    squashed = "".join(hay[i] for i in where)
    for m in re.finditer(f"(?={re.escape(needle)})", squashed):
        first, last = where[m.start()], where[m.start() + len(needle) - 1]
        if first > 0 and _same_class(hay[first - 1], needle[0]):
            continue
        if last + 1 < len(hay) and _same_class(hay[last + 1], needle[-1]):
            continue
        return True
    return False


def load(split: str) -> list[dict[str, Any]]:
    with (DATA / f"adversarial_{split}.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


CASES = {split: load(split) for split in SPLITS}
ALL = [case for split in SPLITS for case in CASES[split]]


def outcome(redactor: Redactor, case: dict[str, Any]) -> tuple[list[str], list[str], bool]:
    """(hides that leaked, keeps that were lost, refused) for one case, through redact_verified."""
    text, known = case["text"], case.get("known", [])
    try:
        out = redactor.redact_verified(text, known).text
    except RedactionRefused:
        first_pass = redactor.redact(text, known).text
        lost = [k for k in case["keep"] if k not in first_pass]
        return [], lost, True
    return [h for h in case["hides"] if survives(h, out)], [k for k in case["keep"] if k not in out], False


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in ALL])
def test_adversarial_case(redactor: Redactor, case: dict[str, Any]) -> None:
    leaked, lost, refused = outcome(redactor, case)
    assert not leaked, f"{case['class']}: {len(leaked)} of {len(case['hides'])} identifiers leaked: {leaked}"
    assert not (refused and not case["hides"]), f"{case['class']}: a text with nothing to hide was refused"
    assert not lost, f"{case['class']}: harmless text lost: {lost}"


# --- the corpus itself and the leak check (these pass today) ---------------------------------


def test_corpus_is_well_formed() -> None:
    ids = [c["id"] for c in ALL]
    assert len(ids) == len(set(ids)), "case ids are unique"
    assert len(ALL) >= 150
    assert len(CASES["tuning"]) > len(CASES["heldout"]) >= len(ALL) // 4
    for c in ALL:
        assert set(c) <= {"id", "class", "text", "hides", "known", "keep"}, c["id"]
        assert c["hides"] or c["keep"], c["id"]
        for h in c["hides"]:
            assert h in c["text"], f"{c['id']}: a hides value is the identifier as it appears in the text"
            assert survives(h, c["text"]), f"{c['id']}: the leak check finds {h!r} in its own text"
        for k in c["keep"]:
            assert k in c["text"], f"{c['id']}: keep value {k!r} is in the text"
            assert not any(survives(h, k) for h in c["hides"]), f"{c['id']}: keep value {k!r} holds no identifier"


def test_a_perfect_redaction_passes_every_case() -> None:
    # Every case can be passed: replacing each hides value where it stands (longest first)
    # leaves no identifier to find and every keep value in place.
    for c in ALL:
        out = c["text"]
        for h in sorted(c["hides"], key=len, reverse=True):
            out = out.replace(h, "<X>")
        assert not [h for h in c["hides"] if survives(h, out)], c["id"]
        assert all(k in out for k in c["keep"]), c["id"]


def test_every_class_is_in_both_splits() -> None:
    classes = {split: {c["class"] for c in CASES[split]} for split in SPLITS}
    assert classes["tuning"] == classes["heldout"]
    # The held-out half is not the tuning half reworded: no text and no identifier in common.
    tuning_hides = {_squash(h) for c in CASES["tuning"] for h in c["hides"]}
    for c in CASES["heldout"]:
        assert c["text"] not in {t["text"] for t in CASES["tuning"]}
        assert not {_squash(h) for h in c["hides"]} & tuning_hides, c["id"]


@pytest.mark.parametrize(
    ("identifier", "output"),
    [
        ("07700 900123", "call 07700 900123 now"),
        ("07700 900123", "call 07700\u00a0900\u200b123 now"),  # NBSP, zero-width space
        ("07700 900123", "call 07700-900-123"),
        ("07700 900123", "call \uff10\uff17\uff17\uff10\uff10 \uff19\uff10\uff10\uff11\uff12\uff13"),  # full-width
        ("07700 900123", "call O77OO 9OO123"),  # letter O for zero
        ("O77OO 9OO 319", "from 07700900319."),
        ("900123", "<PHONE_1> 900123"),  # the tail of a number left after its placeholder
        ("900123", "<PHONE_1>900123"),
        ("Ion Popescu", "driver Ion Popescu."),
        ("Ion Popescu", "driver ION POPESCU."),
        ("Ion Popescu", "driver I\u043en P\u043ep\u0435scu."),  # Cyrillic o and e
        ("I\u043en P\u043ep\u0435scu", "driver Ion Popescu."),
        ("Ștefan", "Stefan said"),
        ("AB12 CDE", "reg \u0410\u041212 \u0421D\u0415"),
        ("ion.popescu(at)gmail.com", "write to ion.popescu at gmail.com"),
        ("P E 1 1 2 A B", "at PE11 2AB"),
        ("J.K.1.2.3.4.5.6.C", "NI JK123456C"),
        ("Hall", "North, Hall and Baker"),
        ("davies", "last name? Davies."),
    ],
)
def test_leak_check_sees_obfuscated_survivors(identifier: str, output: str) -> None:
    assert survives(identifier, output)


@pytest.mark.parametrize(
    ("identifier", "output"),
    [
        ("07700 900123", "call <PHONE_1> now"),
        ("Ion Popescu", "driver <PERSON_1>."),
        ("Ion Popescu", "driver <PERSON_1> Popesc."),  # a part is not the sequence
        ("Hall", "worked at Hallam Farm"),  # not inside a longer word
        ("Mai", "in May and Maidstone"),
        ("900123", "ref 19001234"),  # not inside a longer number
        ("4000", "earned £40,000"),
        ("", "anything"),
    ],
)
def test_leak_check_ignores_what_is_gone(identifier: str, output: str) -> None:
    assert not survives(identifier, output)
