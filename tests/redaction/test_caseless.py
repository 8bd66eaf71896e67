"""The redactor on a narrative whose case carries nothing: all in capitals or all in lower case.

Its recognizers and NER read capitals (a street is capitalised words before a street type,
spaced codes are capitals); such a narrative is analysed with its case repaired
(``_case.repair_case``). Before, 12 and 23 of the tuning half's 157 hidden identifiers
leaked from it upper- and lower-cased.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from msin_fed.redaction import Redactor
from msin_fed.redaction._case import repair_case

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_adversarial import survives

DATA = Path(__file__).parent / "data"


def _leaks(redactor: Redactor, cases: list[dict[str, object]], form: object) -> list[str]:
    items = [(form(c["text"]), [form(k) for k in c.get("known", [])]) for c in cases]  # type: ignore[operator, attr-defined]
    out = redactor.redact_many(items)
    return [h for c, o in zip(cases, out, strict=True) for h in c["hides"] if survives(h, o.text)]  # type: ignore[attr-defined]


def test_names_streets_and_codes_in_capitals_or_lower_case_are_redacted(redactor: Redactor) -> None:
    lines = (DATA / "adversarial_tuning.jsonl").read_text(encoding="utf-8").splitlines()
    cases = [c for c in (json.loads(line) for line in lines if line.strip()) if c.get("hides")]
    assert len(cases) > 100
    assert len(_leaks(redactor, cases, str.upper)) <= 1
    assert len(_leaks(redactor, cases, str.lower)) <= 2
    for text, hidden in (("THE WORKERS SLEEP IN A HOUSE ON WENLOCK CRESCENT NEAR THE DEPOT.", "WENLOCK"),
                         ("the caravan is at postcode p e 2 1 7 c k, behind the farm shop.", "p e 2 1 7 c k"),
                         ("they were driven to the farm every morning by gheorghe ionescu.", "ionescu")):
        assert not survives(hidden, redactor.redact(text).text), text


def test_case_is_repaired_only_where_it_carries_nothing() -> None:
    assert repair_case("The worker said <PERSON_1> drove them to the farm near Spalding every day.") is None
    repaired = repair_case("THE WORKER SAID <PERSON_1> DROVE THEM TO THE FARM NEAR SPALDING EVERY DAY.")
    assert repaired is not None and "<PERSON_1>" in repaired and len(repaired) == 74
    assert repaired.startswith("The worker") and "drove them to the farm" in repaired and "Spalding" in repaired


def test_organisations_and_family_names_that_are_words_are_redacted_in_a_caseless_text(redactor: Redactor) -> None:
    """Before, the case repair left ``eastern labour solutions ltd`` and ``green acres farm``
    in lower case (ordinary words), so the recognizers, which read capitals, passed them;
    and a family name the lexicon holds as a word (``kola``) beside a given name stayed."""
    text = ("the workers were supplied by eastern labour solutions ltd and driven to green acres farm "
            "every morning by valbona kola, who keeps their passports.")
    for form in (str.lower, str.upper):
        out = redactor.redact(form(text)).text
        for hidden in ("eastern labour solutions", "green acres", "kola"):
            assert not survives(form(hidden), out), (form.__name__, hidden, out)
        assert form("driven to") in out and form("passports") in out  # the prose stays


def test_a_date_in_capitals_is_no_plate(redactor: Redactor) -> None:
    """``ON 12 MAY 2024`` reads as the plate shape ON12 MAY once capitals carry nothing: the
    redactor replaced it and the verifier refused what was left."""
    text = "UNANNOUNCED AUDIT VISIT ON 12 MAY 2024 AT A PACKING SITE OUTSIDE KETTERING. THE VAN IS AB12 CDE."
    out = redactor.redact(text).text
    assert "ON 12 MAY 2024 AT" in out and "AB12 CDE" not in out
    assert redactor.residue(["STATEMENT TAKEN ON 23 MAY 2024 IN LEICESTER, THROUGH AN INTERPRETER."]) == [()]
    found = redactor.residue(["THE VAN THEY USE IS ON23 MAY, A WHITE TRANSIT THAT COLLECTS THEM."])[0]
    assert [f.entity_type for f in found] == ["VEHICLE_REGISTRATION"]


def test_a_word_of_the_names_list_in_capitals_needs_what_it_needs_in_lower_case(redactor: Redactor) -> None:
    """In capitals every word has a capital: ``FOR WEEKS`` refused 201 held-out reports typed
    in capitals. A name beside a cue, a given name, or a word no dictionary knows still is one."""
    honest = "A YOUNG WORKER NAMED <PERSON_1> HAS NOT BEEN PAID FOR WEEKS. THEY MEET IN THE VILLAGE HALL."
    assert redactor.residue([honest]) == [()]
    for leaky, name in (("WE MET MR WEEKS AT THE FARM, HE TOOK THEIR PASSPORTS AWAY.", "WEEKS"),
                        ("THE MONEY GOES TO DEAN HALL EVERY WEEK, THE WORKERS SAID TO US.", "HALL"),
                        ("THE DRIVER IS POPESCU AND HE TAKES THEM TO THE FARM EVERY DAY.", "POPESCU")):
        found = redactor.residue([leaky])[0]
        assert any(leaky[f.start : f.end] == name for f in found), leaky
