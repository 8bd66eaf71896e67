"""Typed, domain-separated token inputs: the one place that says what gets tokenized.

Every input is ``kind:`` followed by canonical text (``phone:+447700900123``), so a
phone can never collide with a plate holding the same characters, and every composite
(name + date of birth, site + postcode, ...) is defined here and nowhere else. The
inputs are then blinded and evaluated by the key holders; the coordinator only ever
sees the resulting OPRF tokens and their kinds.

Kinds (see :func:`msin_fed.linkage.scoring.token_kinds` and docs/linkage.md):

* strong identifiers: ``phone``, ``email``, ``vehicle``, ``nino``, ``national_id``,
  ``passport``, ``iban``, ``bank`` (a GB IBAN also yields the ``bank`` input of its sort
  code and account, so the two forms match), ``company_number``;
* person composites, always with the date of birth, so that no token is a function of
  a name alone (nor of a date alone): ``name_dob`` (folded name words sorted, so
  swapped given/family names agree), ``name_phon_dob`` (metaphone codes of the words,
  sorted), ``name_init_dob`` (one word plus the initial of another, both ways round),
  ``initials_dob`` (the initials of all words, sorted), ``part_dob`` (each name word
  alone), ``part_near_dob`` (the longest word whole and with each letter deleted, with the
  initials of the other words), ``nick_dob`` (one word read as the canonical name a nickname or short form
  stands for, :mod:`msin_fed.names`), ``name_dob_swap`` (the name with day and month as
  an unordered pair, for dates whose two readings are both real), and ``name_lsh_dob``: :data:`LSH_BANDS` MinHash/LSH bands, each
  :data:`LSH_ROWS` min-hashes of the name's character bigrams joined with one partial
  form of the date of birth (:func:`dob_variants`: two of its three fields, or the year
  and the sorted digits of month and day), for names with typos and dates with one;
* ``name_postcode`` (name words sorted + postcode: a name with a place, never alone),
  ``phon_postcode`` (the words' metaphone codes + postcode), ``name_phone_near`` (the
  metaphone code of one name word + the phone with one digit deleted, per word and digit), ``dob_postcode``,
  ``address`` (street + postcode, or + locality without one);
* sites and companies: ``site_postcode`` (folded site name + postcode),
  ``site_district`` (+ postcode district), ``site_locality`` (+ locality), ``site_near``
  and ``site_near_locality`` (the name whole and with one character deleted, with the
  postcode or the locality), ``company`` (folded name, legal
  suffixes dropped), ``company_postcode``, ``company_near`` (whole and one deletion,
  only for names of two words or more and :data:`ORG_FUZZY_MIN` letters),
  ``company_head`` (the name and each run of two or more of its leading words);
* ``nid_near``, ``phone_near``, ``email_near``: the deletion neighbourhood of a
  national id, NINO, passport number, phone or e-mail address (each one character deleted, as a whole-value token), so a
  single typo or transposition still agrees while no token stands for a character.

docs/linkage.md has the table of what each kind is a function of;
``bench/fuzzy_tokens.py`` measures that none is computable from a name or a date alone.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import jellyfish
import numpy as np
import wordfreq

from msin_fed import names, normalize
from msin_fed.errors import ValidationError
from msin_fed.model.identifiers import BankAccount, Iban
from msin_fed.model.report import EntityMention
from msin_fed.model.shared import TOKEN_SIZE

__all__ = [
    "KIND_LABELS",
    "LSH_BANDS",
    "LSH_ROWS",
    "ORG_FUZZY_MIN",
    "TokenInput",
    "describe_kinds",
    "district_towns",
    "dob_variants",
    "inputs_for_mention",
    "kind_label",
    "name_band_keys",
]

#: Each token kind in plain English, for people reading matches (the demo, the CLI, the
#: consoles). Several kinds can read alike: they differ in how the same facts are
#: combined, which matters to the matcher, not to the reader.
KIND_LABELS: dict[str, str] = {
    "phone": "phone number",
    "phone_near": "phone number (one digit off)",
    "email": "e-mail address",
    "vehicle": "vehicle registration",
    "nino": "National Insurance number",
    "national_id": "national identity number",
    "passport": "passport number",
    "nid_near": "identity document number (one character off)",
    "iban": "bank account (IBAN)",
    "bank": "bank account (sort code and account number)",
    "company_number": "company number",
    "name_dob": "full name and date of birth",
    "name_dob_swap": "full name and date of birth (day and month swapped)",
    "nick_dob": "name (a nickname or short form) and date of birth",
    "name_phon_dob": "name as it sounds and date of birth",
    "name_init_dob": "name and date of birth",
    "part_dob": "part of the name and date of birth",
    "part_near_dob": "part of the name (one typo apart) and date of birth",
    "part_start_dob": "name (a word's start one typo apart) and date of birth",
    "initials_dob": "initials and date of birth",
    "name_lsh_dob": "similar name and date of birth",
    "name_postcode": "name and postcode",
    "dob_postcode": "date of birth and postcode",
    "address": "street address",
    "site_postcode": "site name and postcode",
    "site_district": "site name and postcode district",
    "site_locality": "site name and locality",
    "site_near": "similar site name and postcode",
    "site_near_locality": "similar site name and locality",
    "company": "company name",
    "company_near": "similar company name",
    "company_postcode": "company name and postcode",
    "company_locality": "company name and town",
    "company_near_postcode": "similar company name and postcode",
    "company_prefix": "company name (words dropped) and postcode",
    "company_head": "company name (words dropped)",
    "site_near_postcode": "site name and a postcode one character off",
    "email_near": "e-mail address (one character off)",
    "phon_postcode": "name as it sounds and postcode",
    "name_phone_near": "similar name and a phone number one digit off",
    "prefix_phone": "start of the name and phone number",
    "name_bank": "name and bank account",
    "name_vehicle": "name and vehicle registration",
    "name_phone": "full name and phone number",
    "name_plate": "full name and vehicle registration",
    "nick_phone": "full name (a nickname read as the name) and phone number",
    "phone_home": "phone number (read as dialled from home)",
    "name_address": "full name and street address",
    "dob_address": "date of birth and street address",
    "dob_phone": "date of birth and phone number",
    "bank_near": "bank account (one keying error off)",
}


def kind_label(kind: str) -> str:
    """A token kind in plain English ("name and date of birth" for ``name_init_dob``)."""
    return KIND_LABELS.get(kind, kind.replace("_", " "))


#: Kinds that read as another in a short summary (the same facts, combined differently).
_BRIEF = {
    "phone_near": "phone", "nid_near": "national_id", "bank_near": "bank", "phone_home": "phone", "name_dob": "name_init_dob",
    "name_phon_dob": "name_init_dob", "part_dob": "name_init_dob", "initials_dob": "name_init_dob",
    "part_near_dob": "name_init_dob", "part_start_dob": "name_init_dob",
    "name_lsh_dob": "name_init_dob", "name_dob_swap": "name_init_dob", "nick_dob": "name_init_dob",
}


def describe_kinds(kinds: Iterable[str], *, brief: bool = False) -> str:
    """Kinds in plain English, each wording once, in the order first given ("phone number, ...").

    ``brief`` reads variants of the same facts as one ("name and date of birth" for the
    six name-and-date-of-birth kinds, "phone number" for a phone one digit off too).
    """
    return ", ".join(dict.fromkeys(kind_label(_BRIEF.get(k, k) if brief else k) for k in kinds))

#: ``name_lsh_dob`` shape: LSH_BANDS band tokens of LSH_ROWS name min-hashes each (two
#: rows: the date variant in every band is a further conjunct, see :func:`_name_band_inputs`).
LSH_BANDS = 12
LSH_ROWS = 2
_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(0x6D73696E)  # fixed: every node must use the same functions
_A = _rng.integers(1, _PRIME, size=LSH_BANDS * LSH_ROWS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, size=LSH_BANDS * LSH_ROWS, dtype=np.uint64)


@dataclass(frozen=True, slots=True, repr=False)
class TokenInput:
    """One typed OPRF input: ``kind`` and the domain-separated bytes ``kind:canonical``."""

    kind: str
    data: bytes
    #: Padding (:func:`filler`): its token is derived from the evaluation of ``pad``,
    #: never evaluated itself (:func:`tokens_of`).
    filler: bool = False
    #: For a filler, the input (never sent) whose token its own is derived from.
    pad: bytes = b""

    def __post_init__(self) -> None:
        if not self.data.startswith(self.kind.encode() + b":"):
            raise ValueError("token input data must start with its kind and a colon")

    def __repr__(self) -> str:
        return f"TokenInput(kind={self.kind!r}, <{len(self.data)} bytes>)"


def _make(kind: str, *parts: str) -> TokenInput:
    # Parts are canonical (folded or validated) and never contain "|".
    return TokenInput(kind, (kind + ":" + "|".join(parts)).encode("ascii"))


def filler(kind: str, of: str, value: str, place: int) -> TokenInput:
    """A padding input of ``kind`` standing at ``place`` for the whole ``value``: it keeps
    a kind's count from telling a record's shape (repeated characters, a phone's
    readings from home, a site name's digits).

    Not random: a random filler matches nothing, so between two records of one value the
    tokens they do not share would be the fillers, and tell what the padding hides (two
    records of a foreign mobile written from home shared 3 of its 4 ``phone_home``
    tokens, of a UK number 1). A filler is of the whole value, so it agrees exactly when
    the value does. Its token costs no evaluation of its own: it is derived from the
    token of ``pad:`` + the value (:func:`tokens_of`), one evaluation per padded value,
    which is never sent, so the coordinator cannot derive the fillers from tokens it
    holds.
    """
    return TokenInput(kind, _make(kind, f"filler {place}", of, value).data, filler=True,
                      pad=("pad:" + value).encode("ascii"))


def tokens_of(inputs: Sequence[TokenInput], evaluate: Callable[[list[bytes]], list[bytes]],
              size: int = TOKEN_SIZE) -> list[bytes]:
    """The token of each of ``inputs``, in order, from one call of ``evaluate`` (the OPRF)
    on the real inputs and the fillers' distinct pads.

    A filler's token is SHA-512 of its pad's token and its own data: without the pad's
    token (an OPRF output never sent) it is indistinguishable from uniform bytes, as an
    OPRF token is (RFC 9497 Finalize is a SHA-512 output), so it looks like a token of a
    value nobody else holds, and two records of one value get the same fillers.
    """
    if size > hashlib.sha512().digest_size:
        raise ValueError("a filler token is at most a SHA-512 output")
    real = [item.data for item in inputs if not item.filler]
    pads = sorted({item.pad for item in inputs if item.filler})
    evaluated = evaluate(real + pads) if real or pads else []
    if len(evaluated) != len(real) + len(pads):
        raise RuntimeError("tokenizer returned the wrong number of tokens")
    values = iter(evaluated[: len(real)])
    pad_token = dict(zip(pads, evaluated[len(real):], strict=True))
    return [hashlib.sha512(b"msin filler\x00" + pad_token[item.pad] + b"\x00" + item.data).digest()[:size]
            if item.filler else next(values) for item in inputs]


def _name_parts(mention: EntityMention) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(given words, family words); a whole name splits as first word / the rest."""
    name = mention.name
    if name is None:
        return (), ()
    given = normalize.name_words(name.given, "given_name") if name.given.strip() else ()
    family = normalize.name_words(name.family, "family_name") if name.family.strip() else ()
    if not given and not family:
        words = normalize.name_words(name.value, "given_name")
        return words[:1], words[1:]
    return given, family


#: ``part_near_dob`` is made for a longest name word of at least this many letters.
PART_NEAR_MIN = 5
#: ... of this many words of that length (alphabetically first).
PART_NEAR_WORDS = 1

#: At most this many ``nick_dob`` inputs per mention.
MAX_NICK_INPUTS = 8


def _nick_names(words: tuple[str, ...]) -> list[str]:
    """The name with one word read as a canonical name it may stand for
    (:func:`msin_fed.names.name_keys`), sorted; at most :data:`MAX_NICK_INPUTS`."""
    made: list[str] = []
    for i, word in enumerate(words):
        for key in names.name_keys(word):
            made.append(" ".join(sorted((*words[:i], key, *words[i + 1 :]))))
    return list(dict.fromkeys(made))[:MAX_NICK_INPUTS]


def _nick_inputs(words: tuple[str, ...], dob: str) -> Iterator[TokenInput]:
    """``nick_dob``: each of :func:`_nick_names` + the date of birth. ``Bill Smith`` and
    ``William Smith`` share ``smith william``; ``Kasia``/``Katarzyna`` and
    ``Gosho``/``Georgi`` likewise. Never without the whole date of birth."""
    for text in _nick_names(words):
        yield _make("nick_dob", text, dob)


def _swapped(dob: str) -> str | None:
    """The date of birth with day and month as an unordered pair (``1985-{03,07}``) when
    both could be a month and differ, i.e. when a member writing month first and one
    writing day first would hold the two readings; else None."""
    year, month, day = dob.split("-")
    if month == day or int(day) > 12:
        return None
    low, high = sorted((month, day))
    return f"{year}-{{{low},{high}}}"


def _name_forms(words: tuple[str, ...]) -> list[str]:
    """The whole name's words sorted, then, for a name of three words, each two of them:
    a middle name many members drop (Vietnamese ``Nguyễn Văn Hùng``, known elsewhere as
    ``Hùng Nguyễn``; a second given name) still leaves the name another member holds.
    Never fewer than two words, so a form is never one word of the name."""
    distinct = tuple(dict.fromkeys(words))
    forms = [" ".join(sorted(distinct))]
    if len(distinct) == 3:
        forms += [" ".join(sorted(distinct[:i] + distinct[i + 1 :])) for i in range(3)]
    return forms


def _person_inputs(given: tuple[str, ...], family: tuple[str, ...], dob: str) -> Iterator[TokenInput]:
    words = tuple(dict.fromkeys(given + family))
    for form in _name_forms(words):
        yield _make("name_dob", form, dob)
    swapped = _swapped(dob)
    if swapped is not None:
        yield _make("name_dob_swap", " ".join(sorted(words)), swapped)
    yield from _nick_inputs(words, dob)
    yield _make("name_phon_dob", " ".join(sorted(sound(w) for w in words)), dob)
    for word in words:
        if len(word) >= 2:
            yield _make("part_dob", word, dob)
    # The longest word (the first of them alphabetically) whole and with each letter
    # deleted, with the whole date of birth: a family name one typo off (``Kowalenko``/
    # ``Kovalenko``, ``Wsniewski``/``Wisniewski``) beside an initial, a one-word name or
    # a nickname still agrees on a word. One word, to keep the count down (a deletion
    # neighbourhood costs the word's length): the longest is most often the family name,
    # and a typo is likelier in a long word.
    # Bound to the initials of the name's other words too: a member knowing only that
    # word and the birthday could otherwise compute every one of these tokens, and a
    # record of the word beside the word with a letter added (``Katarzyna Katarzynab``)
    # then agreed on "one word exactly, the longest one typo off", two words, with a
    # ``Katarzyna Nowak`` born that day.
    longest = max((len(w) for w in words), default=0)
    if longest >= PART_NEAR_MIN:
        for word in sorted(w for w in words if len(w) == longest)[:PART_NEAR_WORDS]:
            others = "".join(sorted(w[0] for w in words if w != word))
            yield from _near("part_near_dob", "part", f"{dob}|{others}|", word)
    yield from _start_inputs(words, dob)
    if len(words) >= 2:
        # The initials of all name words, sorted, with the date of birth: survives a
        # typo anywhere after the first letter of every word.
        yield _make("initials_dob", "".join(sorted(w[0] for w in words)), dob)
    if given and family:
        g, f = " ".join(given), " ".join(family)
        # Unordered: "initial of one | the other whole", both ways round.
        yield _make("name_init_dob", g[0], f, dob)
        yield _make("name_init_dob", f[0], g, dob)


def _start_inputs(words: tuple[str, ...], dob: str) -> Iterator[TokenInput]:
    """``part_start_dob``: the date of birth and the name words, sorted, with one of them
    whole or with its first or second letter deleted (the rest whole). A word mistyped at
    its start (``alorin``/``Florin``, ``lorin``, ``oIana``/``Ioana``, ``arga``/``Varga``)
    has another initial and sound, which the other typo kinds need (``initials_dob``,
    ``name_init_dob``, ``name_phon_dob``, and ``part_near_dob`` the other words'
    initials); two names one such typo apart share one or two of these, and never
    without the rest of the name: no token is of one word and the date. Two words or
    more; a word of one letter (an initial) has no variants. Repeated variants
    (``Aaron``) are replaced by fillers, as in :func:`_near`."""
    if len(words) < 2:
        return
    whole = " ".join(sorted(words))
    yield _make("part_start_dob", dob, whole)
    for word in words:
        if len(word) < 2:
            continue
        rest = [w for w in words if w != word]
        seen: set[str] = set()
        for i in (0, 1):
            variant = word[:i] + word[i + 1 :]
            if variant in seen:
                yield filler("part_start_dob", "part", f"{dob}|{whole}|{word}", i)
            else:
                seen.add(variant)
                yield _make("part_start_dob", dob, " ".join(sorted([*rest, variant])))


def _swapped_dob(mention: EntityMention) -> str:
    """The date of birth of a mention whose date names no real day only because day and
    month were keyed the other way round (``10/13/1991`` at a day-first member): one
    record keyed month first among day-first ones, which the member's inferred order
    cannot read. Else ``""``."""
    loose = next((f for f in mention.invalid_fields if f.column == "date_of_birth"), None)
    return (normalize.swapped_date_of_birth(loose.value) or "") if loose is not None else ""


def _phone(value: str, region: str) -> str:
    """E.164 of a phone, read where :func:`normalize.phone_region` says (a UK number in
    national form under a foreign ``country`` is read as a UK one)."""
    return normalize.phone(value, normalize.phone_region(value, region))


def _postcode(value: str, country: str, fld: str) -> str:
    """A postcode in UK form when it is a valid UK postcode, whatever the row's country
    (often the person's nationality), else in the country's form."""
    if country != "GB":
        try:
            return normalize.postcode(value, "GB", fld)
        except ValidationError:
            pass
    return normalize.postcode(value, country, fld)


def _near(kind: str, of: str, prefix: str, body: str) -> Iterator[TokenInput]:
    """Deletion neighbourhood: ``body`` whole and with each one character deleted.

    Two values one substitution, insertion, deletion or adjacent transposition apart
    share a variant (a deletion is the shorter value whole). Identical variants (from
    repeated characters) are replaced by fillers, so the number of tokens reveals only
    the length: each filler is of the whole value and its place (:func:`filler`), so
    two records of one value share all their tokens and a value one typo off none of
    its fillers, and which tokens two records share does not show the repeats either.
    """
    yield _make(kind, of, prefix + body)
    seen: set[str] = set()
    for i in range(len(body)):
        variant = body[:i] + body[i + 1 :]
        if variant in seen:
            yield filler(kind, of, prefix + body, i)
        else:
            seen.add(variant)
            yield _make(kind, of, prefix + variant)


def _bigrams(text: str) -> set[str]:
    padded = f"_{text}_"
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


def dob_variants(dob: str) -> tuple[str, ...]:
    """Partial forms of an ISO date of birth, each holding most of it, none near-constant.

    The date with one field wildcarded (year+month, year+day, month+day): two dates one
    field apart (a typo in the day, a year off by one) agree on exactly one of them. And
    the year with the digits of month and day sorted: agrees when those digits are
    transposed or day and month swapped (``1933-02-12``/``1933-01-22``,
    ``07/03``/``03/07``).
    """
    year, month, day = dob.split("-")
    return (
        f"{year}-{month}-**",
        f"{year}-**-{day}",
        f"****-{month}-{day}",
        f"{year}-~{''.join(sorted(month + day))}",
    )


def _minhashes(text: str) -> list[int]:
    """The :data:`LSH_BANDS` x :data:`LSH_ROWS` min-hashes of ``text``'s bigrams."""
    digests = [
        int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big") % _PRIME
        for s in sorted(_bigrams(text))
    ]
    x = np.array(digests, dtype=np.uint64)[:, None] >> np.uint64(1)
    # (a*x + b) mod p in wrapping 64-bit arithmetic: not the exact universal family, but
    # a fixed pseudo-random order per function, which is all MinHash needs here.
    hashed = (x * _A[None, :] + _B[None, :]) % np.uint64(_PRIME)
    return [int(v) for v in hashed.min(axis=0)]


def name_band_keys(words: tuple[str, ...]) -> list[str]:
    """The name half of each ``name_lsh_dob`` band: :data:`LSH_ROWS` min-hashes each.

    Over the bigrams of the folded words sorted (so swapped given/family names agree),
    and of name material only: the date of birth is bound to every band afterwards as
    a whole multi-field variant, never mixed into the shingles, where a band could fall
    on name bigrams only or on date bigrams only and then stand for the name alone or
    the date alone (the previous design: 97% and 41% of people had such a band).
    """
    mins = _minhashes(" ".join(sorted(words)))
    return [
        ".".join(format(v, "x") for v in mins[b * LSH_ROWS : (b + 1) * LSH_ROWS])
        for b in range(LSH_BANDS)
    ]


def _name_band_inputs(words: tuple[str, ...], dob: str) -> Iterator[TokenInput]:
    """``name_lsh_dob:<band>|<name min-hashes>|<date variant>``, :data:`LSH_BANDS` of them.

    Band ``b`` binds date variant ``b % 4`` (:func:`dob_variants`), so every band needs
    the name's min-hashes *and* most of the date of birth: a name dictionary alone
    computes none, nor does a date. A one-typo name with the same date shares the bands
    whose min-hashes miss the typo; the same name with one date field wrong still shares
    the bands of the variant that agrees.
    """
    variants = dob_variants(dob)
    for band, key in enumerate(name_band_keys(words)):
        yield _make("name_lsh_dob", str(band), key, variants[band % len(variants)])


#: Spellings of one sound in the transliterations a name of the communities is written
#: in (German ``tsch``/``sch``/``w`` for English ``ch``/``sh``/``v``, French ``gue``/``gui``
#: for a hard ``g``): ``Schewtschenko``/``Shevchenko``, ``Gueorguiev``/``Georgiev``,
#: ``Kowalenko``/``Kovalenko``. Metaphone reads each spelling otherwise.
_TRANSLIT = (("tsch", "ch"), ("sch", "sh"), ("w", "v"), ("gue", "ge"), ("gui", "gi"))
#: A word-initial ``i`` before a vowel is the ``y`` of another scheme (``Iuliia``/``Yuliia``,
#: ``Iurii``/``Yurii``); a ``j`` is not read so (``Jan`` and ``Ion`` are two names).
_INITIAL_I = re.compile(r"^i(?=[aeiou])")


def sound(word: str) -> str:
    """The metaphone code of a folded name word, read past transliteration spellings
    (:data:`_TRANSLIT`): what ``name_phon_dob`` and ``phon_postcode`` compare."""
    for spelling, common in _TRANSLIT:
        word = word.replace(spelling, common)
    return jellyfish.metaphone(_INITIAL_I.sub("y", word))


def _phonetic(words: tuple[str, ...]) -> str:
    """Metaphone codes of the distinct name words, sorted: order, diacritics and most
    one-letter typos (``Popescu``/``Popesku``) give the same text."""
    return " ".join(sorted({sound(w) for w in words}))


#: Fuzzy variants of an organisation's name alone are made only for names this long and
#: of two words or more: a variant of ``Farms`` would be the common word ``farm``, while
#: a variant of a longer name of several words is still most of that name.
ORG_FUZZY_MIN = 10


def _org_body(name: str) -> str:
    return name.replace(" ", "")


_QUALIFIER = re.compile(r"\([^)]*\)")
_DOTTED = re.compile(r"\b((?:[A-Za-z]\.){2,})")
#: What separates a legal name from a trading name in one cell (``X Ltd t/a Y``, ``X Ltd
#: trading as Y``, ``X Ltd dba Y``, ``X Ltd / Y``): either is how a member may know it.
_TRADING_AS = re.compile(
    r"(?<!\w)(?:t/a|t\.a\.|t/as|trading as|trading under|dba|d/b/a|d\.b\.a\.|aka|a\.k\.a\.)(?!\w)|\s/\s",
    re.IGNORECASE,
)
#: A unit, plot or bay number written before, after or beside a site's name (``Unit 4,
#: Hand Car Wash``, ``Fenland Packhouse unit 2``): the part of the site, not its name.
_UNIT = re.compile(r"^(?:units?|plot|bay|yard|block|shed)\s*[0-9]+[a-z]?(?:\s*(?:-|&|and)?\s*[0-9]+[a-z]?)?$")
#: Words that say a name is an address (an estate or a street): its unit number is then
#: what tells two sites of the estate apart, and stays.
_ESTATE_WORDS = frozenset({"estate", "park", "industrial", "trading", "business", "centre", "center"})


def _org_name(value: str, fld: str) -> str:
    """The folded name without bracketed qualifiers (``Hand Car Wash (unit 2)``, ``(yard)``:
    a part of the site, or a member's own note, not its name), dotted abbreviations
    closed up (``L.L.P.`` is ``LLP``)."""
    bare = _QUALIFIER.sub(" ", value)
    bare = _DOTTED.sub(lambda m: m.group(1).replace(".", ""), bare if bare.strip() else value)
    name = normalize.org_name(bare, fld)
    return _without_unit(name) if fld == "site_name" else name


def _without_unit(name: str) -> str:
    """A folded site name without a unit number at its start or end (``unit 4 hand car
    wash``), unless the rest names an estate or a street, whose units are other sites."""
    words = name.split()
    for cut in (3, 2):  # "units 3 4", "unit 4"
        for head, rest in ((words[:cut], words[cut:]), (words[-cut:], words[:-cut])):
            if len(rest) >= 1 and _UNIT.match(" ".join(head)) and not set(rest) & (_ESTATE_WORDS | _THOROUGHFARES):
                return " ".join(rest)
    return name


def _company_names(value: str) -> list[str]:
    """The legal name and, after ``t/a`` (trading as), the trading name: either is how a
    member may know the company."""
    parts = [p for p in _TRADING_AS.split(value) if p.strip()]
    names: list[str] = []
    for part in parts or [value]:
        try:
            names.append(_org_name(part, "company_name"))
        except ValidationError:
            continue  # a part of only noise words ("Ltd"): the other part names it
    return list(dict.fromkeys(names)) or [_org_name(value, "company_name")]


def _towns(locality: str) -> list[str]:
    """The folded parts of a locality (``Lockwood, Huddersfield``: the area and the town),
    each a place a site may be known by."""
    parts = [normalize.fold(p) for p in locality.split(",")]
    return list(dict.fromkeys(p for p in parts if p))


def _district(postcode: str) -> str:
    """The outward code of a UK postcode (``PE21 8AA`` -> ``PE21``); other countries' whole."""
    head, _, tail = postcode.partition(" ")
    return head if tail else postcode


def _org_near(kind: str, of: str, body: str, keep: frozenset[int] = frozenset()) -> Iterator[TokenInput]:
    """The name whole and with each one letter deleted (:func:`_near`). A digit is never
    deleted (a filler stands in, so the count is still the length): ``Unit 4``
    and ``Unit 7`` of one estate are two sites, not one typo apart; nor is a letter at a
    position in ``keep``."""
    for i, item in enumerate(_near(kind, of, "", body)):
        if i and (body[i - 1].isdigit() or i - 1 in keep):
            yield filler(kind, of, body, i)
        else:
            yield item


#: A word this short in a company name (initials closed up, ``JK``; ``Olt``, ``A1``) is
#: kept whole in its near misses: ``JK Services`` and ``JB Services`` (at one office,
#: or anywhere) are two agencies, not one typo apart.
_SHORT_WORD = 3


def _short_word_positions(name: str) -> frozenset[int]:
    """Positions (in the name without spaces) of the letters of its short words."""
    out: set[int] = set()
    at = 0
    for word in name.split():
        if len(word) <= _SHORT_WORD:
            out.update(range(at, at + len(word)))
        at += len(word)
    return frozenset(out)


def _name_heads(name: str) -> list[str]:
    """The name and its leading words (``wisniewski sons agricultural services``:
    ``wisniewski sons agricultural``, ``wisniewski sons``, ``wisniewski``), each a name a
    member may write when it drops the trade; never a short word or a common word alone
    (``J``, ``Greenfield`` is kept, ``Farm`` is not)."""
    words = name.split()
    heads = [" ".join(words[:k]) for k in range(1, len(words))]
    heads = [h for h in heads if " " in h or (len(h) > _SHORT_WORD and not _is_common_word(h))]
    return [*heads, name]


def _site_inputs(name: str, postcode: str, towns: list[str]) -> Iterator[TokenInput]:
    """A site by name and postcode, by name and district, by name and locality, and one
    typo from the name with the postcode or with the locality.

    Never the name alone: a site is known by its name *and* where it is (``Manor Farm``
    names farms across the country), and every fuzzy variant carries the place too. The
    full postcode is a token of its own so that two records naming one site at two
    postcodes of a district (two branches of a car wash) can be told apart. Names are
    compared without spaces (``Car Wash``/``Carwash``).
    """
    body = _org_body(name)
    fuzzy = len(body) >= 5
    if postcode:
        yield _make("site_postcode", body, postcode)
        yield _make("site_district", body, "district " + _district(postcode))
        if fuzzy:
            yield from _org_near("site_near", "postcode " + postcode, body)
        head, _, tail = postcode.partition(" ")
        if tail:
            # The postcode one character off in its last part (``PE21 8AB`` keyed ``PE21
            # 8AD``): the name in the district with the inward code's deletion neighbourhood.
            for i in range(len(tail)):
                yield _make("site_near_postcode", body, "district " + head, tail[:i] + tail[i + 1 :])
    for town in towns:
        yield _make("site_locality", body, "locality " + town)
        if fuzzy:
            yield from _org_near("site_near_locality", "locality " + town, body)


#: A word this frequent (Zipf scale: 3.5 is about three in a million words) in any of
#: these languages is a common word; a company named by it alone (``Recruitment Ltd``,
#: ``Farm Ltd``) is known by it only with a postcode or a number.
_COMMON_ZIPF = 3.5
_WORD_LANGUAGES = ("en", "ro", "pl", "hu", "bg", "lt", "sk", "uk")


@functools.lru_cache(maxsize=4096)
def _is_common_word(word: str) -> bool:
    """Whether a folded word is a common word of English or a community's language."""
    return any(wordfreq.zipf_frequency(word, lang) >= _COMMON_ZIPF for lang in _WORD_LANGUAGES)


def _company_inputs(name: str, postcode: str, towns: Sequence[str] = ()) -> Iterator[TokenInput]:
    """A company by its folded name (suffixes dropped: UK registered names are unique up
    to those), by name and postcode, by name and each of ``towns`` (where the mention
    places it: the town it gives, or its postcode's towns), and one typo from a long name
    of several words. A name of one common word is never a token alone: only with the
    postcode (nor with a town: a word and a town are a dictionary's)."""
    if " " in name or not _is_common_word(name):
        yield _make("company", name)
        for town in towns:
            yield _make("company_locality", name, "locality " + town)
    body = _org_body(name)
    if postcode:
        yield _make("company_postcode", name, postcode)
        # With the postcode: the name one typo off however short (a short name of
        # another company one letter away is seldom at the same postcode; its short words
        # are kept whole), and the name with its last words dropped (the trade a member
        # leaves out: ``Wisniewski & Sons`` for ``Wisniewski & Sons Agricultural Services``).
        if len(body) > _SHORT_WORD:
            yield from _org_near("company_near_postcode", "postcode " + postcode, body, _short_word_positions(name))
        for head in _name_heads(name):
            yield _make("company_prefix", head, postcode)
    if " " in name and len(body) >= ORG_FUZZY_MIN:
        yield from _org_near("company_near", "company", body, _short_word_positions(name))
    # The name and each run of two or more of its leading words, with no place: a member
    # that drops the trade (``Horvath & Sons`` for ``Horvath & Sons Associates``) and gives
    # no postcode, or whose other mention gives none. Never one word (``Apex``, a family
    # name): two words or more are a name, not a word of one.
    for head in _name_heads(name):
        if " " in head:
            yield _make("company_head", head)


#: Words that say a street is a thoroughfare (``High Street``, ``Fydell Road``).
_THOROUGHFARES = frozenset({
    "street", "road", "lane", "avenue", "drive", "court", "crescent", "close", "place",
    "square", "gardens", "terrace", "parade", "boulevard", "highway", "way", "grove", "row",
    "walk", "mews", "rise", "wharf", "quay",
})


def _is_street(street: str, *towns: str) -> bool:
    """Whether a folded street address names a street of its own, not only its town.

    A person token bound to the street (``name_address``, ``dob_address``) must be bound
    to a value of a wide domain. Exports put the town, the county or a placeholder in the
    street column (``Boston``, ``Lincolnshire``, ``unknown address``, ``caravan``): the
    token would then be of a name (or a date) and a town, which a dictionary of the
    network's names and towns sweeps in a few thousand evaluations. So the street needs
    a word that is not one of its town's, and a house number or a thoroughfare word
    (``12 ...``, ``... road``) beside it (docs/linkage.md section 6 gives the figures).
    """
    town_words = {w for t in towns for w in t.split()}
    words = street.split()
    # The letters of each word (``127manor``, a number keyed onto the name, is ``manor``).
    letters = [re.sub(r"[^a-z]", "", w) for w in words]
    own = [w for w in letters if len(w) >= 2 and w not in town_words and w not in _THOROUGHFARES]
    return bool(own) and any(any(ch.isdigit() for ch in w) or w in _THOROUGHFARES for w in words)


def _invalid_district(mention: EntityMention) -> str:
    """The UK district a postcode that failed validation still names (``PE21``), or ""."""
    return next((d for f in mention.invalid_fields if f.column == "postcode"
                 for d in [normalize.postcode_district(f.value)] if d), "")


def _home_readings(value: str, country: str, e164: str) -> list[str]:
    """The readings of a phone besides ``e164`` (:func:`normalize.phone_readings`)."""
    try:
        readings = normalize.phone_readings(value, country)
    except ValidationError:
        return []
    return [r for r in readings if r != e164]


#: A NINO-like value that fails the NINO rules (a digit missing or extra, a letter no
#: prefix may hold), read with O/0, I/1, S/5 by position.
_LOOSE_NINO = re.compile(r"(?!TN)[A-Z]{2}[0-9]{5,7}[A-D]?")
#: At most this many account readings of an IBAN whose checksum fails.
MAX_LOOSE_ACCOUNTS = 6


def _iban_ok(text: str) -> bool:
    return int("".join(str(int(ch, 36)) for ch in text[4:] + text[:4])) % 97 == 1


def _iban_repairs(text: str) -> list[str]:
    """Valid IBANs one keying error from ``text`` (whose checksum fails): its account with
    the check digits recomputed (the check digits mistyped), then each one substitution
    or adjacent transposition in the account that makes the checksum verify."""
    bban = text[4:]
    digits = "".join(str(int(ch, 36)) for ch in bban + text[:2] + "00")
    found = [f"{text[:2]}{98 - int(digits) % 97:02d}{bban}"]
    pool = {True: "0123456789", False: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    for i in range(4, len(text)):
        for ch in pool[text[i].isdigit()]:
            candidate = text[:i] + ch + text[i + 1 :]
            if ch != text[i] and _iban_ok(candidate):
                found.append(candidate)
        if i + 1 < len(text) and text[i] != text[i + 1]:
            candidate = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
            if _iban_ok(candidate):
                found.append(candidate)
    return list(dict.fromkeys(found))


def _loose_inputs(mention: EntityMention) -> Iterator[TokenInput]:
    """Near-miss tokens of identifiers that failed validation: a mistyped identifier still
    identifies someone. An IBAN whose checksum fails gives ``bank_near`` for each account
    one keying error away (every valid bank value gives ``bank_near`` of itself); a
    NINO-like value that breaks the NINO rules gives the ``nid_near`` neighbourhood a
    NINO one typo from it shares. Never a TN number (a date of birth and a sex)."""
    for field in mention.invalid_fields:
        text = re.sub(r"[\s\-./]", "", field.value).upper()
        if field.column == "bank_account" and re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", text):
            accounts = []
            for repaired in _iban_repairs(text):
                inner = normalize.bank_from_gb_iban(repaired)
                if repaired.startswith("GB") and inner is None:
                    continue
                accounts.append(inner or repaired)
            for account in list(dict.fromkeys(accounts))[:MAX_LOOSE_ACCOUNTS]:
                yield _make("bank_near", account)
        elif field.column == "national_id":
            fixed = normalize.nino_ocr(text) if len(text) in (8, 9) else text
            if _LOOSE_NINO.fullmatch(fixed) and not normalize.is_nino(fixed):
                body = fixed[:-1] if fixed[-1].isalpha() else fixed
                yield from _near("nid_near", "nino", "", body)


#: A district's town is learned from this many places or more, ...
_TOWN_SEEN = 2
#: ... of which this share name the one town.
_TOWN_SHARE = 0.75


def district_towns(mentions: Iterable[EntityMention]) -> dict[str, str]:
    """The town each UK postcode district is written with in ``mentions`` (one member's
    file or import: its addresses and sites that give both a postcode and a locality),
    for a site another member knows only by its town (``PE21`` is Boston, not the
    Peterborough its area is named after; no district table ships, so the member's own
    data stands in). A district gets a town when at least two of its places give a
    locality and three in four of those end in that town."""
    seen: dict[str, collections.Counter[str]] = {}
    for m in mentions:
        places: set[tuple[str, str]] = set()  # a mention's place once, whichever field gave it
        for postcode, locality in ((m.address.postcode, m.address.locality) if m.address is not None else ("", ""),
                                   (m.site.postcode, m.site.locality) if m.site is not None else ("", "")):
            towns = _towns(locality) if postcode.strip() else []
            if not towns:
                continue
            try:
                code = _postcode(postcode, m.country, "postcode")
            except ValidationError:
                continue
            if " " in code:
                places.add((_district(code), towns[-1]))
        for district, town in places:
            seen.setdefault(district, collections.Counter())[town] += 1
    out: dict[str, str] = {}
    for district, counts in seen.items():
        town, n = counts.most_common(1)[0]
        total = sum(counts.values())
        if total >= _TOWN_SEEN and n >= _TOWN_SHARE * total:
            out[district] = town
    return out


def _postcode_towns(code: str, towns_of: Mapping[str, str] | None) -> list[str]:
    """The towns a place known by its postcode only may be known by elsewhere: the town
    its area is named after, and its district's town as the member writes it."""
    towns = [t for t in [normalize.postcode_area_town(code)] if t]
    learned = (towns_of or {}).get(_district(code)) if " " in code else None
    if learned and learned not in towns:
        towns.append(learned)
    return towns


def inputs_for_mention(mention: EntityMention, towns_of: Mapping[str, str] | None = None) -> list[TokenInput]:
    """Every token input of ``mention``, deduplicated, in a stable order.

    ``towns_of``: the town of each postcode district as the mention's member writes it
    (:func:`district_towns` of its file or import), for a site given by postcode only.

    Raises :class:`ValidationError` naming the field of the first value that does not
    normalize (an impossible phone number, a bad IBAN checksum, ...).
    """
    out: list[TokenInput] = []
    country = mention.country
    phone_digits = ""
    if mention.phone is not None:
        region = mention.phone.region if mention.phone.region else country
        e164 = _phone(mention.phone.value, region)
        phone_digits = e164[1:]
        out.append(_make("phone", e164))
        out.extend(_near("phone_near", "phone", "+", phone_digits))
        # A mobile from home written without its country prefix: its readings there too,
        # as ``phone_home``, which every phone also gives of itself (a token of another
        # kind never equals a ``phone`` token) and which counts only when no ``phone``
        # is shared, so one number read several ways still counts once.
        # Every phone gives the same number of them (itself, its readings, fillers of the
        # phone), so the kinds and counts, and which of them two records of one phone
        # share, do not tell a foreign mobile, or one written as dialled from home, from
        # a UK number.
        homes = _home_readings(mention.phone.value, country, e164)[: normalize.MAX_HOME_READINGS]
        out.append(_make("phone_home", e164))
        out.extend(_make("phone_home", other) for other in homes)
        out.extend(filler("phone_home", "phone", e164, i) for i in range(len(homes), normalize.MAX_HOME_READINGS))
    if mention.email is not None:
        address = normalize.email(mention.email.value)
        out.append(_make("email", address))
        out.extend(_near("email_near", "email", "", address))
    plate = normalize.vehicle(mention.vehicle.value) if mention.vehicle is not None else ""
    if plate:
        out.append(_make("vehicle", plate))
    if mention.nino is not None:
        canonical = normalize.nino(mention.nino.value)
        out.append(_make("nino", canonical))
        out.extend(_near("nid_near", "nino", "", canonical))
    if mention.national_id is not None:
        nid = mention.national_id
        canonical = normalize.national_id(nid.value, nid.country)
        out.append(_make("national_id", canonical))
        cc, _, number = canonical.partition(":")
        out.extend(_near("nid_near", "national_id", cc + ":", number))
    if mention.passport is not None:
        pp = mention.passport
        country2 = pp.country if len(pp.country) == 2 else country
        canonical = normalize.passport(pp.value, country2)
        # The number alone: the row's country is often the holder's nationality or the
        # member's own, not the issuer, and a number repeated across issuers is rare.
        _cc, _, number = canonical.partition(":")
        out.append(_make("passport", number))
        out.extend(_near("nid_near", "passport", "", number))
    bank_values: list[str] = []
    if isinstance(mention.bank, Iban):
        canonical = normalize.iban(mention.bank.value)
        out.append(_make("iban", canonical))
        bank_values.append(canonical)
        inner = normalize.bank_from_gb_iban(canonical)
        if inner is not None:
            out.append(_make("bank", inner))
            bank_values.append(inner)
    elif isinstance(mention.bank, BankAccount):
        bank_values.append(normalize.bank_account(mention.bank.value))
        out.append(_make("bank", bank_values[-1]))
    for value in bank_values:
        if ":" in value or not value.startswith("GB"):
            out.append(_make("bank_near", value))
    out.extend(_loose_inputs(mention))
    if mention.company_number is not None:
        out.append(_make("company_number", normalize.company_number(mention.company_number.value)))

    dob = (
        normalize.date_of_birth(mention.date_of_birth.value)
        if mention.date_of_birth is not None
        else _swapped_dob(mention)
    )
    given, family = _name_parts(mention)
    pcode = ""
    street = ""
    locality = ""
    if mention.address is not None:
        addr = mention.address
        street = normalize.address(addr.value)
        if addr.postcode.strip():
            pcode = _postcode(addr.postcode, addr.country or country, "postcode")
        if addr.locality.strip():
            locality = normalize.fold(addr.locality)
        # Both forms when both are known: one member may hold the postcode, another
        # only the town (the scoring model caps the kind, so both agreeing counts once).
        if pcode:
            out.append(_make("address", street, pcode))
        # The street in its postcode district: agrees with a member that wrote only the
        # district (``PE21``) or a postcode with the inward code mistyped.
        district = _district(pcode) if " " in pcode else _invalid_district(mention)
        if district:
            out.append(_make("address", street, "district " + district))
        if locality:
            out.append(_make("address", street, "locality " + locality))
        elif pcode:
            # Another member may know the address by its town, not its postcode: the
            # town the postcode's area is named after (LS -> Leeds, SE -> London).
            town = normalize.postcode_area_town(pcode)
            if town:
                out.append(_make("address", street, "locality " + town))
    if (given or family) and dob:
        out.extend(_person_inputs(given, family, dob))
    if mention.site is not None:
        site_pc = mention.site.postcode.strip()
        site_code = _postcode(site_pc, country, "postcode") if site_pc else pcode
        town = mention.site.locality if mention.site.locality.strip() else (
            mention.address.locality if mention.address is not None else "")
        towns = _towns(town)
        if not towns and site_code:
            # Known by its postcode only: another member may know it by its town, taken
            # here as the town the postcode area is named after (a postcode district of
            # another town of the area gives no agreement, never a wrong one: the site
            # kinds' entity counts tell same-named sites at two places apart).
            towns = _postcode_towns(site_code, towns_of)
        out.extend(_site_inputs(_org_name(mention.site.value, "site_name"), site_code, towns))
    if mention.company_name is not None:
        # The town the mention places the company in: the one it gives (with the company
        # or its address), else its postcode's towns as a site's (the area's, and the
        # district's as this member writes it).
        written = mention.company_name.locality or (mention.address.locality if mention.address is not None else "")
        company_towns = _towns(written) or (_postcode_towns(pcode, towns_of) if pcode else [])
        for name in _company_names(mention.company_name.value):
            out.extend(_company_inputs(name, pcode, company_towns))
    if dob and pcode:
        out.append(_make("dob_postcode", dob, pcode))
    town = locality or (normalize.postcode_area_town(pcode) if pcode else "")
    if dob and street and _is_street(street, locality, town):
        # The date of birth at the street, in its district and in its town: a member that
        # keeps the town and one that keeps the postcode (or only its district) agree.
        district = _district(pcode) if " " in pcode else _invalid_district(mention)
        if district:
            out.append(_make("dob_address", dob, street, "district " + district))
        if town:
            out.append(_make("dob_address", dob, street, "locality " + town))
    if dob and phone_digits:
        # The date of birth with the phone: one phone and one birthday are one person,
        # whatever the names (a one-word or mistyped name shares no name token).
        out.append(_make("dob_phone", dob, "+" + phone_digits))
    if (given or family) and pcode:
        # The whole name only: a postcode is a household's or a house in multiple
        # occupation's, and a two-word form of a three-word name (``Nguyen Van``) is
        # shared by the brothers and countrymen living there.
        out.append(_make("name_postcode", " ".join(sorted(set(given + family))), pcode))
    if (given or family) and pcode:
        out.append(_make("phon_postcode", _phonetic(given + family), pcode))
    if (given or family) and street and (locality or pcode):
        # The whole name at the street in its town (as written, or the town a postcode's
        # area is named after): a member that keeps the town and one that keeps the
        # postcode agree on the person at that address, not only on the address.
        if town and _is_street(street, locality, town):
            out.append(_make("name_address", " ".join(sorted(set(given + family))), street, "locality " + town))
    if (given or family) and phone_digits:
        # The whole name with the phone: a person answering on a line many give (an
        # agency's office, a gangmaster's mobile) is still that person by name.
        out.append(_make("name_phone", " ".join(sorted(set(given + family))), "+" + phone_digits))
        # The same with a nickname read as its formal name (``nick_dob``'s names): ``Dima``
        # / ``Dmytro Petrova`` at his own mobile, one record without a date of birth, are
        # one whole name there, not a housemate of another given name.
        words = tuple(dict.fromkeys(given + family))
        out.extend(_make("nick_phone", text, "+" + phone_digits) for text in _nick_names(words))
    if (given or family) and phone_digits:
        # A phone one digit off only counts with a name word agreeing (by sound) too; and
        # one phone given by people whose names share no word is no one's identity.
        # The three longest words at most: a report's token count stays bounded.
        longest = sorted({w for w in given + family if len(w) >= 2}, key=lambda w: (-len(w), w))[:3]
        for code in sorted({jellyfish.metaphone(w) for w in longest}):
            out.extend(_near("name_phone_near", code, "+", phone_digits))
        # Two letters of a name word with the phone: weighs nothing, it only tells "a
        # nickname or two typos" (``Gosho``/``Georgi Mihaylov``) from "another name".
        # One per word: a second word of the same start is numbered (``ka``, ``ka2``), so
        # the count is the number of words and ``Katarzyna Kazlauskas`` and ``Mihai
        # Kazlauskas`` at one landline agree on one word of two, not on all of hers.
        starts: dict[str, int] = {}
        for head in sorted(w[:2] for w in dict.fromkeys(given + family) if len(w) >= 2):
            starts[head] = starts.get(head, 0) + 1
            out.append(_make("prefix_phone", head if starts[head] == 1 else f"{head}{starts[head]}",
                             "+" + phone_digits))
    if (given or family) and plate:
        # The whole name with the plate: a worker named in full beside the minibus many of
        # an agency's workers give is still that person by name, as at its landline
        # (``name_phone``); one token, never of the name without the plate.
        out.append(_make("name_plate", " ".join(sorted(set(given + family))), plate))
    if (given or family) and bank_values:
        # The same for a bank account (wages paid into a controller's account): weighs
        # nothing, it only tells "the account of one person" from "one account given by
        # people whose names share no word's sound nor first two letters".
        longest = sorted({w for w in given + family if len(w) >= 2}, key=lambda w: (-len(w), w))[:3]
        heads = sorted({jellyfish.metaphone(w) for w in longest} | {"~" + w[:2] for w in given + family if len(w) >= 2})
        for value in bank_values:
            out.extend(_make("name_bank", head, value) for head in heads)
    if (given or family) and plate:
        # The same for a plate (a minibus every worker it carries gives): weighs nothing,
        # it only tells "one person's car" from "one plate given by people whose names
        # share no word's sound nor first two letters".
        longest = sorted({w for w in given + family if len(w) >= 2}, key=lambda w: (-len(w), w))[:3]
        heads = sorted({jellyfish.metaphone(w) for w in longest} | {"~" + w[:2] for w in given + family if len(w) >= 2}
                       | {"^" + w[0] for w in given + family})
        out.extend(_make("name_vehicle", head, plate) for head in heads)
    if (given or family) and dob:
        out.extend(_name_band_inputs(given + family, dob))
    elif given or family:
        # A date of birth that names no real day (``31/02/1985``) still holds two fields
        # of one: the name bands with the date's partial forms, never the whole date.
        loose = next((f for f in mention.invalid_fields if f.column == "date_of_birth"), None)
        fields = normalize.date_fields(loose.value) if loose is not None else None
        if fields is not None:
            year, month, day = fields
            out.extend(_name_band_inputs(given + family, f"{year:04d}-{month:02d}-{day:02d}"))
    return list(dict.fromkeys(out))

