"""External evaluation set: presidio-evaluator's own sentence templates, filled by Faker's en_GB locale.

Nothing here was written by this project, which is the point: the redactor was never tuned on
it. ``generate(n, seed)`` gives ``n`` seeded sentences, each with the entity spans the generator
planted, typed in our terms (``IN_SCOPE``) or kept as the generator's own type when out of scope
(``OUT_OF_SCOPE``: organisations, towns, countries, ages, years... not identifiers a member must
remove). ``evaluate(sentences, outputs)`` scores a redactor's outputs:

- **leak** per in-scope type: a planted span leaks when its letters and digits survive in the
  output in sequence (case and diacritics folded; the match may not start or end inside a longer
  word or number), so ``leak = 1 - recall``;
- for persons, also a stricter **name-word leak**: the name leaks as above or some word of it
  (3 letters or more) is still in the output where it stood (``Ryley <PERSON_1>`` leaks the
  given name), as the corpus benchmark counts names;
- **over-redaction**: share of the words outside every planted span (in scope or not) that the
  output no longer holds where they stood;
- **contractions replaced**: of those words, the contractions (``didn't``, ``I'm``, ``it's``...);
- for information, the share of each out-of-scope type's spans that was replaced.

Generation is offline: the templates, name records and provider data ship inside the
presidio-evaluator wheel; its ``HospitalProvider`` (which queries WikiData when built) is left
out, no template uses it, and ``generate`` runs with sockets blocked.
"""

from __future__ import annotations

import datetime
import random
import re
import socket
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from faker.providers import BaseProvider

# The generator's template types, by what they are to a member sharing a report.
IN_SCOPE = {
    "person": "PERSON", "name": "PERSON", "name_female": "PERSON", "name_male": "PERSON",
    "first_name": "PERSON", "first_name_male": "PERSON", "first_name_female": "PERSON",
    "first_name_nonbinary": "PERSON", "last_name": "PERSON", "last_name_male": "PERSON",
    "last_name_female": "PERSON",
    "phone_number": "PHONE",
    "email": "EMAIL",
    "address": "ADDRESS", "street_name": "ADDRESS", "building_number": "ADDRESS",
    "secondary_address": "ADDRESS",
    "postcode": "POSTCODE", "zipcode": "POSTCODE",
    "iban": "IBAN",
    "credit_card_number": "CARD",
    "date_of_birth": "DOB",
    "us_driver_license": "LICENCE",
}
# Generated, but not what the redactor removes (or not identifying): reported, never scored as leaks.
OUT_OF_SCOPE = (
    "organization", "city", "country", "state_abbr", "nationality", "nation_woman", "nation_man",
    "nation_plural", "age", "year", "date_time", "day_of_week", "job", "prefix", "prefix_male",
    "prefix_female", "url", "ip_address", "ssn",
)
# Our types that the generator never plants (no template for them): NINO, passports, plates, sort codes.
TYPES = ("PERSON", "PHONE", "EMAIL", "ADDRESS", "POSTCODE", "IBAN", "CARD", "DOB", "LICENCE")

_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_CONTRACTION = re.compile(
    r"(?i)^(?:[^\W_]+n['\u2019]t|(?:i|you|we|they|he|she|it|that|there|here|what|who|let)['\u2019](?:m|re|ve|ll|d|s))$"
)
_LETTERS = re.compile(r"[^\W\d_]+")
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>")


@dataclass(frozen=True)
class Span:
    kind: str  # one of TYPES when in scope, else the generator's own type
    start: int
    end: int
    value: str
    in_scope: bool


@dataclass(frozen=True)
class Sentence:
    text: str
    spans: tuple[Span, ...]
    template_id: int


@contextmanager
def _no_network() -> Iterator[None]:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError("bench/external.py: generation must not touch the network")

    saved = socket.socket.connect, socket.create_connection
    socket.socket.connect, socket.create_connection = refuse, refuse  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.socket.connect, socket.create_connection = saved  # type: ignore[method-assign]


def _merge_street_numbers(spans: list[Span], text: str) -> list[Span]:
    """A building number is scored with the street it stands before ("12 Mill Lane"): alone, a
    bare "12" is neither identifying nor recognisable in the output."""
    spans = sorted(spans, key=lambda s: s.start)
    out: list[Span] = []
    for s in spans:
        prev = out[-1] if out else None
        if (prev is not None and prev.kind == s.kind == "ADDRESS" and prev.value.isdigit()
                and text[prev.end:s.start].strip() == ""):
            out[-1] = Span("ADDRESS", prev.start, s.end, text[prev.start:s.end], True)
        else:
            out.append(s)
    return out


class _FixedClock(BaseProvider):
    """``date_time`` within a fixed window: Faker's own ends at the current time, so the same seed
    gave other timestamps (and other sentences) on every run."""

    def date_time(self) -> datetime.datetime:
        return self.generator.date_time_between(  # type: ignore[no-any-return]
            start_date=datetime.datetime(1970, 1, 1), end_date=datetime.datetime(2026, 1, 1))


def _unescape(text: str, spans: list[tuple[str, int, int]]) -> tuple[str, list[tuple[str, int, int]]]:
    """The templates write line breaks as a literal backslash-n, and presidio-evaluator turns the
    ``>`` of quoted e-mail lines into ``}}``; give the text the line breaks and ``>`` its templates
    meant, and move the spans with it."""
    out: list[str] = []
    new_at = [0] * (len(text) + 1)
    i = 0
    while i < len(text):
        new_at[i] = sum(map(len, out))
        if text.startswith("\\n", i):
            out.append("\n")
            new_at[i + 1] = new_at[i] + 1
            i += 2
        elif text.startswith("}}", i) and not any(a <= i < b for _, a, b in spans):
            out.append(">")
            new_at[i + 1] = new_at[i] + 1
            i += 2
        else:
            out.append(text[i])
            i += 1
    new_at[len(text)] = sum(map(len, out))
    return "".join(out), [(k, new_at[a], new_at[b]) for k, a, b in spans]


def generate(n: int, seed: int = 2026, locale: str = "en_GB") -> list[Sentence]:
    """``n`` sentences from presidio-evaluator's templates and Faker ``locale``, seeded."""
    import contextlib
    import io

    from presidio_evaluator.data_generator import (
        PresidioSentenceFaker,
        presidio_additional_entity_providers,
        presidio_templates_file_path,
    )
    from presidio_evaluator.data_generator.faker_extensions import HospitalProvider

    templates = presidio_templates_file_path.read_text(encoding="utf-8").splitlines()
    kinds = {k for line in templates for k in re.findall(r"{{(\w+)}}", line)}
    unknown = kinds - set(IN_SCOPE) - set(OUT_OF_SCOPE)
    if unknown:
        raise RuntimeError(f"presidio-evaluator templates use types this bench does not map: {sorted(unknown)}")
    providers = [p for p in presidio_additional_entity_providers if p is not HospitalProvider] + [_FixedClock]
    with _no_network(), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        # The generator draws its name records (full names, initials) with the random module
        # before it seeds it: seed first, or every run differs.
        random.seed(seed)
        faker = PresidioSentenceFaker(
            locale, lower_case_ratio=0.05, entity_providers=providers,
            entity_type_mapping={k: k for k in kinds}, random_seed=seed,
        )
        samples = faker.generate_new_fake_sentences(n)
    out = []
    for s in samples:
        text, raw = _unescape(s.full_text, [(sp.entity_type, sp.start_position, sp.end_position) for sp in s.spans])
        spans = [Span(IN_SCOPE.get(k, k), a, b, text[a:b], k in IN_SCOPE) for k, a, b in raw]
        out.append(Sentence(text, tuple(_merge_street_numbers(spans, text)), int(s.template_id or 0)))
    return out


# --- scoring ---------------------------------------------------------------------------------


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def survives(value: str, output: str) -> bool:
    """``value``'s letters and digits still in ``output`` in sequence, not inside a longer word or number."""
    needle = "".join(ch for ch in _fold(value) if ch.isalnum())
    if not needle:
        return False
    hay = _fold(output)
    where = [i for i, ch in enumerate(hay) if ch.isalnum()]
    squashed = "".join(hay[i] for i in where)

    def same(a: str, b: str) -> bool:
        return (a.isalpha() and b.isalpha()) or (a.isdigit() and b.isdigit())

    for m in re.finditer(f"(?={re.escape(needle)})", squashed):
        first, last = where[m.start()], where[m.start() + len(needle) - 1]
        if first > 0 and same(hay[first - 1], needle[0]):
            continue
        if last + 1 < len(hay) and same(hay[last + 1], needle[-1]):
            continue
        return True
    return False


def replaced_ranges(original: str, output: str) -> list[tuple[int, int]]:
    """Character ranges of ``original`` that a placeholder took in ``output``.

    Both redactors only replace spans with ``<TYPE>`` / ``<TYPE_n>`` placeholders, so the text
    between placeholders is the original's, in order.
    """
    parts = _PLACEHOLDER.split(output)
    if len(parts) == 1:
        return []
    pattern = "(.+?)".join(re.escape(p) for p in parts)
    m = re.fullmatch(pattern, original, flags=re.DOTALL)
    if m is None:  # not a pure replacement: fall back to a character diff
        import difflib

        ops = difflib.SequenceMatcher(None, original, output, autojunk=False).get_opcodes()
        return [(i1, i2) for tag, i1, i2, _, _ in ops if tag in ("replace", "delete")]
    return [m.span(g) for g in range(1, len(parts))]


@dataclass
class Scores:
    planted: Counter[str] = field(default_factory=Counter)
    leaked: Counter[str] = field(default_factory=Counter)
    partial: Counter[str] = field(default_factory=Counter)
    words: int = 0
    words_replaced: int = 0
    contractions: int = 0
    contractions_replaced: int = 0
    out_of_scope: Counter[str] = field(default_factory=Counter)
    out_of_scope_replaced: Counter[str] = field(default_factory=Counter)
    refused: int = 0

    def leak_rate(self, kind: str | None = None, *, partial: bool = False) -> float:
        kinds = [kind] if kind else list(self.planted)
        total = sum(self.planted[k] for k in kinds)
        counts = self.partial if partial else self.leaked
        return sum(counts[k] for k in kinds) / total if total else 0.0


def evaluate(sentences: Sequence[Sentence], outputs: Sequence[str], refused: Sequence[bool] = ()) -> Scores:
    """Score ``outputs`` (one per sentence); a refused sentence leaks nothing (it is not shared),
    but its over-redaction is still counted on the redacted text."""
    scores = Scores()
    refused = list(refused) or [False] * len(sentences)
    for sent, out, ref in zip(sentences, outputs, refused, strict=True):
        scores.refused += ref
        gone = replaced_ranges(sent.text, out)

        def taken(start: int, end: int, gone: list[tuple[int, int]] = gone) -> bool:
            return any(a < end and start < b for a, b in gone)

        for sp in sent.spans:
            if sp.in_scope:
                scores.planted[sp.kind] += 1
                scores.leaked[sp.kind] += (not ref) and survives(sp.value, out)
                if sp.kind == "PERSON":
                    scores.partial[sp.kind] += (not ref) and (survives(sp.value, out) or any(
                        not taken(sp.start + w.start(), sp.start + w.end())
                        for w in _LETTERS.finditer(sp.value) if len(w.group()) >= 3))
            else:
                scores.out_of_scope[sp.kind] += 1
                scores.out_of_scope_replaced[sp.kind] += taken(sp.start, sp.end)
        for w in _WORD.finditer(sent.text):
            if any(sp.start < w.end() and w.start() < sp.end for sp in sent.spans):
                continue
            hit = taken(w.start(), w.end())
            scores.words += 1
            scores.words_replaced += hit
            if _CONTRACTION.match(w.group()):
                scores.contractions += 1
                scores.contractions_replaced += hit
    return scores
