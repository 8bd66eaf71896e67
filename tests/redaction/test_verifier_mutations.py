"""A faulty or hostile node against the coordinator's verifier: the refused corpus, mutated.

The verifier is what the coordinator refuses records by, and it is being made cheaper
(worker processes, cheap exact tests that skip the heavy path). Every narrative of the
adversarial corpus that hides an identifier is sent through each mutation of
``verifier_mutations`` (odd Unicode, split identifiers, other spaces and dashes, case,
placeholder wrappers, a long text whose identifier comes last); wherever the scanner as
it was before it was made cheaper (``bench/residue_reference.py``, frozen) refuses the
mutated text, the verifier the coordinator loads (``load_verifier``) must refuse it too.

Two mutations got past both: a narrative wrapped at a width (an export, a text field, a
faulty node), which breaks ``PE21 7CK``, ``QQ 12 34 56 D`` or a date across lines where
the shapes' separators were spaces only; and an identifier written as a placeholder's
number (``<PHONE_07700900123>``), which the scan masked as a placeholder. Both are now
refused, and honest redacted narratives wrapped at any width still pass.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

from bench.residue_reference import ResidueScanner as ReferenceScanner
from msin_fed.redaction import Redactor
from msin_fed.redaction.corpus import generate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from verifier_mutations import MUTATIONS, PLACEHOLDER_INSIDE, mutated, refused_corpus
from verifier_mutations import refuses as _refuses

OLD = ReferenceScanner()
THRESHOLD = 0.5


def _old_refuses(text: str) -> bool:
    return any(f.score >= THRESHOLD for f in OLD.scan(text))


def test_what_the_reference_refuses_after_any_mutation_the_coordinators_verifier_refuses(verifier: object) -> None:
    texts = [t for t in refused_corpus() if _old_refuses(t)][::3]
    assert len(texts) > 55
    checked = 0
    escaped = []
    for name, _text, new in mutated(texts):
        if _old_refuses(new):
            checked += 1
            if not _refuses(verifier, new):
                escaped.append((name, new[-120:]))
    assert checked > 35 * len(MUTATIONS)
    assert escaped == []


@pytest.mark.parametrize("join", ["\n", "\r\n"])
def test_a_narrative_wrapped_at_any_width_is_refused(verifier: object, join: str) -> None:
    """Each refused narrative, wrapped at widths that put a line break inside its
    identifiers (the reference accepted 30 of the corpus with a break at every space)."""
    texts = [t for t in refused_corpus() if _refuses(verifier, t)]
    escaped = []
    for text in texts:
        for width in (8, 12, 20, 30):
            wrapped = join.join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False))
            if not _refuses(verifier, wrapped):
                escaped.append((width, wrapped))
        every = text.replace(" ", join)
        if not _refuses(verifier, every):
            escaped.append((0, every))
    assert escaped == []
    # Before: a postcode, a NINO, a date or a phone broken across lines got through.
    for leak in ("They live at PE21\n7CK now.", "NI number QQ 12\n34 56 D", "born 12\n03\n1985",
                 "call\r\n+84\r\n91\r\n234\r\n56\r\n78\r\nif stopped"):
        assert not _old_refuses(leak) and _refuses(verifier, leak), leak


def test_an_identifier_written_as_a_placeholders_number_is_refused(verifier: object) -> None:
    for leak in ("Call him on <PHONE_07700900123> tonight.", "Paid into <ACCOUNT_12345678> weekly.",
                 "His NI is <NINO_12345678> and he works nights.", "Call <PERSON_1> on <PHONE_447700900123>."):
        assert not _old_refuses(leak) and _refuses(verifier, leak), leak
    # A placeholder as a redactor writes it is no finding, wrapped or not.
    assert not _refuses(verifier, "<PERSON_1> met <PERSON_12>\r\nat the farm;\nhe was paid <AMOUNT_3>.")


def test_honest_redacted_narratives_wrapped_at_any_width_still_pass(redactor: Redactor, verifier: object) -> None:
    docs = [d for split in ("tuning", "heldout") for d in generate(split, 25, 5)]
    clean = [r.text for r in redactor.redact_many([(d.text, d.known) for d in docs])]
    clean = [t for t in clean if not _refuses(verifier, t)]
    assert len(clean) > 35
    for width in (20, 60):
        for join in ("\n", "\r\n"):
            assert [t for t in clean if _refuses(verifier, join.join(textwrap.wrap(t, width)))] == []


def _escapes(verifier: object, texts: list[str], mutation: object) -> list[str]:
    out = []
    for text in texts:
        new = mutation(text)  # type: ignore[operator]
        if new != text and not _refuses(verifier, new):
            out.append(new)
    return out


def test_placeholders_or_fillers_put_inside_an_identifier_are_refused(verifier: object) -> None:
    """A placeholder glued into an identifier or its cue, or standing between its parts,
    broke the shape the verifier reads (21, 18 and 66 of the refused corpus got through)."""
    texts = [t for t in refused_corpus() if _refuses(verifier, t)]
    for name, mutation in PLACEHOLDER_INSIDE.items():
        assert _escapes(verifier, texts, mutation) == [], name
    for leak in ("Call him on 07700 <DATE> 900123 tonight.", "They live at PE21 <LOCATION> 7CK now.",
                 "NI number QQ 12 <X_1> 34 56 D on the form.", "The postcode was LE3 *** 9HT.",
                 "He drives AB12 [REDACTED] CDE daily.", "She was <X_1>born on 4/7/02.", "Call 077<PHONE_1>00 900 527.",
                 "The caravan is at PE2_6XW.", "Mr Gheor<X_1>ghe pays them."):
        assert _refuses(verifier, leak), leak


def test_a_narrative_in_capitals_or_in_lower_case_is_refused(verifier: object) -> None:
    """A narrative all in capitals or all in lower case hides names and streets from rules
    that read capitals (9 and 19 of the refused corpus got through); what still does is
    counted in docs/security.md."""
    texts = [t for t in refused_corpus() if _refuses(verifier, t)]
    assert len(_escapes(verifier, texts, str.upper)) <= 2
    assert len(_escapes(verifier, texts, str.lower)) <= 10
    for leak in ("THE MEN ANSWER TO A MAN THEY CALL UNCLE BO WHO KEEPS THE PASSPORTS.",
                 "they drive to work with kevin shaw every day.", "he lives on wenlock crescent with six others.",
                 "THEY SLEEP IN A HOUSE ON TOBY COVES.", "it was hill who took the wages, not the agency.",
                 "CHRISTINE: THEY TOOK OUR PHONES.", "workers named carlos as the driver."):
        assert _refuses(verifier, leak), leak


def test_honest_redacted_narratives_in_lower_case_or_with_numbers_beside_placeholders_still_pass(
    redactor: Redactor, verifier: object
) -> None:
    docs = generate("tuning", 60, 11)
    clean = [r.text for r in redactor.redact_many([(d.text, d.known) for d in docs])]
    clean = [t for t in clean if not _refuses(verifier, t)]
    assert len(clean) > 50
    lower = [re.sub(r"[^<>]+(?=<|$)", lambda m: m.group(0).lower(), t) for t in clean]
    assert [t for t in lower if _refuses(verifier, t)] == []
    for honest in ("Flat 5 <ADDRESS_1> was where they slept.", "He paid £450 <DATE_1> 3 times.",
                   "<PERSON_1>'s van came at 5 <TIME_1> every day.", "They were 14 <PERSON_1> and 3 others.",
                   "THE VAN PICKS THEM UP AT THE CAR PARK AT 5AM AND THE DRIVER SAYS NOTHING.",
                   "the field was wet and the church hall was cold; the men were paid in cash."):
        assert not _refuses(verifier, honest), honest


@pytest.mark.parametrize("tail", [" Reviewed by the Team.", " Thanks, <PERSON_1>.", "\nExported by Case Manager"])
@pytest.mark.parametrize("body", ["UNCLE TU MOVED THE WORKERS TO WENLOCK CRESCENT LAST WEEK.",
                                  "uncle tu moved the workers to wenlock crescent last week."])
def test_a_caseless_body_beside_one_line_in_ordinary_case_is_still_refused(verifier: object, body: str, tail: str) -> None:
    """The case of one line does not vouch for the rest: a body in capitals or with no
    capital at all is read recased whatever the other lines are written in."""
    assert _refuses(verifier, body)
    assert _refuses(verifier, body + tail)
    assert _refuses(verifier, tail.strip() + "\n" + body)
