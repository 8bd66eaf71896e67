"""The tuning generator's messiness of a mistyped phone and a name typo at a word's first
or last letter (``bench/data/synth.py``): drawn from a generator of its own, so every
other draw of a set, and so every other row, is what it was without them."""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from data import synth


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _one_keying_error(a: str, b: str) -> bool:
    """``b`` is ``a`` with one digit substituted, two adjacent swapped, or one dropped."""
    if len(b) == len(a) - 1:
        return any(a[:i] + a[i + 1 :] == b for i in range(len(a)))
    if len(b) != len(a):
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                              and a[diff[1]] == b[diff[0]])


def test_a_mistyped_phone_is_one_keying_error_in_its_last_eight_digits() -> None:
    rng = random.Random(5)
    seen = set()
    for written in ["07700 900123", "+44 7700 900123", "(01205)  166294", "0044 7979 123456"] * 50:
        bad = synth._mistyped_phone(rng, written)
        a, b = _digits(written), _digits(bad)
        assert a != b and _one_keying_error(a, b)
        assert b[:3] == a[:3]  # the prefix is kept: the number still reads as a UK one
        seen.add("drop" if len(b) < len(a) else "swap" if sum(x != y for x, y in zip(a, b, strict=True)) == 2 else "sub")
    assert seen == {"sub", "swap", "drop"}


def test_an_edge_typo_falls_at_a_words_first_or_last_letter_and_the_rest_never_do() -> None:
    def edges(text: str, typo: str) -> tuple[bool, bool]:
        return typo[0] != text[0], typo[-1] != text[-1]

    rng, edge = random.Random(3), random.Random(4)
    plain = {edges("Constantin", synth._typo(rng, "Constantin")) for _ in range(400)}
    assert (False, True) not in plain and (True, True) not in plain  # the last letter stays
    hit = [edges("Constantin", synth._typo(rng, "Constantin", edge)) for _ in range(400)]
    firsts, lasts = sum(f for f, _l in hit), sum(la for _f, la in hit)
    # about EDGE_TYPO of the typos, half at each end (some leave the letter as it was)
    assert 0.05 * 400 < firsts < synth.EDGE_TYPO * 400 and 0.05 * 400 < lasts < synth.EDGE_TYPO * 400


def test_the_new_messiness_leaves_the_other_draws_and_rows_as_they_were() -> None:
    population = synth.draw_population(random.Random(11), 80)
    agencies = synth._agencies(random.Random(12))
    style = synth.MemberStyle(bad_phone=0.5)
    with_mess, without = random.Random(13), random.Random(13)
    mess = random.Random(14)
    changed = {"given_name", "family_name", "phone"}
    differing = set()
    for p in population:
        a = synth._mention(with_mess, p, f"r{p.pid}", agencies, style, mess)
        b = synth._mention(without, p, f"r{p.pid}", agencies, style)
        assert with_mess.getstate() == without.getstate()
        assert {c for c in a if a[c] != b[c]} <= changed
        differing |= {c for c in a if a[c] != b[c]}
    assert "phone" in differing and differing & {"given_name", "family_name"}


def test_the_sets_mistype_phones_at_the_members_that_do_so() -> None:
    assert [s.bad_phone > 0 for s in synth.MEMBER_STYLES[:5]] == [False, True, False, False, True]
    assert synth._mess_seed(1) != synth._mess_seed(2)
