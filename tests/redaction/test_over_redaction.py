"""What the redactor must leave in the text: words that identify nobody.

Each row failed before the fix at its cause (contractions read as names, places and
organisations read as names, a reporter's role blanked as if it were a name).
"""

from __future__ import annotations

import pytest

from msin_fed.redaction import Redactor

KEEP = [
    ("I didn't get paid and wasn't allowed out, couldn't leave", ("didn't", "wasn't", "couldn't")),
    ("She said they don't pay and won't give back the passports", ("don't", "won't")),
    ("HMRC and the GLAA visited; jobs were on Gumtree, wages via Revolut", ("HMRC", "GLAA", "Gumtree", "Revolut")),
    ("He is Bulgarian, she is Romanian; both came from Bulgaria via Stansted Airport", ("Bulgarian", "Romanian", "Bulgaria", "Stansted")),
    ("They shop at Tesco and Lidl in Boston", ("Tesco", "Lidl", "Boston")),
    ("A silver Ford Transit collects them at 05:30 from Peterborough station", ("silver Ford Transit", "05:30", "Peterborough station")),
    ("Paid £450 for 60 hours, 3,000 lei sent home on 12/03/2024", ("£450", "60 hours", "3,000 lei", "12/03/2024")),
    ("Her mother lives in Suceava; he is from Craiova, she was born in Constanta", ("Suceava", "Craiova", "Constanta")),
    ("They took the coach from Victoria to Lagos State, then a minibus", ("Victoria", "Lagos State")),
    ("Keys are in the glovebox, he recieved the acommodation letter at the laundrette", ("glovebox", "recieved", "acommodation", "laundrette")),
    ("Referred to the Modern Slavery Helpline and Stronger Together; genres: Animation, Comedy, Kids and Family", ("Stronger Together", "Animation", "Comedy", "Family")),
    ("Hi Marian, the van is a grey Passat", ("Hi", "grey Passat")),
    ('Alexandra:"I\'m Grace\'s daughter", she said', ("I'm",)),
]


@pytest.mark.parametrize(("text", "keep"), KEEP, ids=[k[0][:30] for k in KEEP])
def test_harmless_words_survive(redactor: Redactor, text: str, keep: tuple[str, ...]) -> None:
    out = redactor.redact(text).text
    for word in keep:
        assert word in out, (word, out)


@pytest.mark.parametrize(
    "role", ["Night shift manager", "Store security", "HR team", "Anonymous caller", "Branch recruiter, Boston",
             "Field manager (direct witness)", "Union representative at supplier"],
)
def test_a_reporter_role_is_not_a_name(redactor: Redactor, role: str) -> None:
    text = (
        "The night shift manager saw it. Night shift workers and store security were told; HR team and caller too. "
        "The branch recruiter in Boston, a field manager and a union representative at the supplier were witnesses."
    )
    out = redactor.redact(text, [role]).text
    assert out == text


def test_a_reporter_name_is_still_a_name(redactor: Redactor) -> None:
    out = redactor.redact("Rose Hill phoned the hotline. Hill said the van left at six.", ["Rose Hill"]).text
    assert "Rose" not in out and "Hill" not in out
    out = redactor.redact("John Field saw it; Field is the night manager.", ["John Field"]).text
    assert "John" not in out and "Field" not in out


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Store security saw Ion take the passports.", "Ion"),
        ("They pay Amber every Friday.", "Amber"),
        ("Hi Marian, the rent is due.", "Marian"),
        ("the brothers North, Hall and Webb run the gang", "Hall"),
        ("Wages go to Dervishi and the rest to Ionescu.", "Dervishi"),
    ],
)
def test_names_that_are_words_or_look_like_typos_are_still_names(redactor: Redactor, text: str, name: str) -> None:
    assert name not in redactor.redact(text).text
