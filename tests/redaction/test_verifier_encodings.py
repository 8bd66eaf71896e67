"""A faulty or hostile node against the coordinator's verifier: identifiers written in
encodings the shapes did not read (played by ``attack3``, session 8).

Beyond the mutations of ``verifier_mutations`` (wrapping, placeholders, case): a digit
carrying a stroke, an overline or a keycap (``0̶7̶7̶``, ``0️⃣7️⃣``), digit groups joined by
middle dots, bullets or underscores (``07700·900·123``, ``07700_900_123``), a number in
tag characters (invisible copies of ASCII that a program reading the text still reads),
and a NINO with slashes (``QQ/12/34/56/C``). Each got past the verifier; each is now read
as the identifier it is (``_normalise``, ``_residue._NINO``). The classes still open are
marked ``xfail(strict=True)``: they are stated in docs/security.md.
"""

from __future__ import annotations

import pytest
from verifier_mutations import refuses as _refuses

PHONE = "07700900123"
SENTENCE = "The worker said her contact was {} and she was moved on Tuesday."


FIXED = {
    "a stroke through each digit": "".join(c + "\u0336" for c in PHONE),
    "an overline on each digit": "".join(c + "\u0305" for c in PHONE),
    "keycap digits": "".join(c + "\ufe0f\u20e3" for c in PHONE),
    "keycap digits without the selector": "".join(c + "\u20e3" for c in PHONE),
    "enclosing circles": "".join(c + "\u20dd" for c in PHONE),
    "groups joined by middle dots": "07700\u00b7900\u00b7123",
    "groups joined by bullets": "07700\u2022900\u2022123",
    "groups joined by dot operators": "07700\u22c5900\u22c5123",
    "groups joined by underscores": "07700_900_123",
    "tag characters": "".join(chr(0xE0000 + ord(c)) for c in PHONE),
    "a NINO with slashes": "QQ/12/34/56/C",
    "a NINO in tag characters": "".join(chr(0xE0000 + ord(c)) for c in "QQ123456C"),
}


@pytest.mark.parametrize("label", sorted(FIXED))
def test_an_identifier_in_another_encoding_is_refused(verifier: object, label: str) -> None:
    text = SENTENCE.format(FIXED[label])
    assert _refuses(verifier, text), label


@pytest.mark.parametrize("text", [
    "Tasks: \u2022 picking \u2022 packing \u2022 loading, for <AMOUNT_1> a day.",
    "She worked 2\u00b75 hours at <ORGANISATION_1>; <PERSON_1> \u00b7 <PERSON_2> drove.",
    "<PERSON_1> called <PHONE_1> and <PHONE_2>; file ref_2 and item_3 were kept.",
    "Flag \U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f shown on the van.",
    "The 1\ufe0f\u20e3st shift starts at 6.",
])
def test_honest_text_with_those_characters_still_passes(verifier: object, text: str) -> None:
    assert not _refuses(verifier, text)


OPEN = {
    "digits and number words mixed": "07700 nine hundred one two three",
    "Polish number words": "zero siedem siedem zero zero dziewiec zero zero jeden dwa trzy",
    "a Spanish e-mail obfuscation": "ion.popescu arroba gmail punto com",
    "a Polish e-mail obfuscation": "ion.popescu ma\u0142pa gmail kropka com",
    "a name spelled out in letters": "her name was I o a n a  S t a n",
    "a name with dots between letters": "her name was I.o.a.n.a S.t.a.n",
    "a name in leetspeak": "her name was 1oana 5tan",
    "Braille digits": "\u281a\u281b\u281b\u281a\u281a\u280a\u281a\u281a\u2801\u2803\u2809",
}


@pytest.mark.parametrize("label", sorted(OPEN))
@pytest.mark.xfail(strict=True, reason="residual: the verifier reads shapes; these encodings are stated in "
                                       "docs/security.md as still getting past it")
def test_an_identifier_in_an_encoding_still_unread_is_refused(verifier: object, label: str) -> None:
    assert _refuses(verifier, SENTENCE.format(OPEN[label])), label
