"""The text every detector reads: Unicode and obfuscation folded, offsets kept.

``normalise(text)`` returns a :class:`NormalisedText`: ``.text`` is what the detectors
see, and ``.to_original(start, end)`` maps any span found on it to the smallest span of
the original that covers it, so the redactor replaces the characters that were really
there. The steps, in order:

1. **Characters** (each character, or a base character with the combining marks after
   it): zero-width, bidi and other format characters (Unicode ``Cf``, variation
   selectors, the combining grapheme joiner, Hangul fillers) are removed, but tag
   characters (invisible copies of ASCII) are read as the ASCII they copy; every Unicode
   space becomes an ASCII space (line and paragraph separators a newline); hyphens,
   dashes and minus signs become ``-``; the fraction and division slashes ``/``; middle
   dots and bullets ``.``; marks on a digit (strokes, overlines, keycaps, enclosing
   circles) are dropped with the variation selectors among them;
   typographic apostrophes and primes ``'`` and typographic double quotes ``"``
   (``O’Brien`` reads ``O'Brien``); decimal digits of any script become ASCII digits;
   everything else is NFKC (full-width forms, ligatures, super- and subscripts, circled
   and mathematical letters and digits; ``…`` becomes ``...``). Spacing accents that NFKC
   would turn into a space and a combining mark are kept as they are.
2. **Look-alike letters** (Unicode's confusables data, through ``confusable_homoglyphs``):
   a Cyrillic, Greek or other non-Latin letter that looks like a Latin letter or digit is
   replaced by it when it stands in a Latin-script context: in a word that also holds
   Latin letters or digits (``Рорescu``, ``О7700``), in a word mixing two non-Latin
   scripts, or in a word written wholly in look-alikes that is glued to Latin letters or
   digits (``іоn@gmail.com``). A word that is genuinely Cyrillic or Greek
   (``Олена``, ``Вера said``) is left exactly as written: folding it would garble it.
   A word is folded only when every non-Latin letter in it has a look-alike, so no word
   comes out half converted. Non-ASCII Latin look-alikes (``ɑ``, small capitals) fold
   too; Latin letters with diacritics (``Ștefan``, ``Łukasz``) and letters of living
   orthographies (``ı``, ``ɣ``, ``ʋ``) stay.
3. **Digit look-alikes in numbers**: ``O``/``o`` -> ``0``, ``l``/``I``/``|`` -> ``1``,
   ``S`` -> ``5``, ``B`` -> ``8``, only inside a number-shaped run: digits and those
   letters, in groups joined by single spaces, ``-``, ``.`` or ``/``, every group holding
   a real digit, six or more characters in all, more real digits than letters
   (``07700 9OO123``, ``O7700900123``, ``1O/O3/1985``). Words (``Oliver``, ``I``,
   ``Bob``), postcodes (``SW1A 1AA``, ``B15 2TT``), amounts and times stay.
4. **Obfuscated e-mail addresses**: ``name(at)gmail.com``, ``name [at] gmail [dot] com``,
   ``name at gmail dot com``, ``name AT gmail DOT co DOT uk``, ``name @ gmail . com``,
   ``name{at}gmail{dot}com`` all read ``name@gmail.com`` (the whole original span maps
   back). The domain must end in a real top-level domain (tldextract's bundled public
   suffix list). A bare word ``at`` counts only when the word before it is not ordinary
   prose (``she works at tesco dot com`` stays) and, for a literal dot, when the last
   label is not a capitalised sentence start (``met Ion at home.It was``).

Between steps 2 and 3 an underscore between two digits becomes ``-`` (``07700_900_123``;
a placeholder's underscore follows a letter). Step 1 and the e-mail step can change length; steps 2 and 3 replace one character by
one. An ASCII text with nothing to fold comes back as it is (``is_identity()``), in
microseconds.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

__all__ = ["NormalisedText", "normalise"]

# A segment maps output [o0, o1) to original [i0, i1). A linear segment maps character
# for character (o1 - o0 == i1 - i0); any other maps each of its characters to the whole
# original range (an expansion such as a ligature, or a contraction such as " dot ").
_Segment = tuple[int, int, int, int, bool]


@dataclass(frozen=True)
class NormalisedText:
    """A text as the detectors read it, with the way back to the original offsets."""

    original: str
    text: str
    # Sorted by output offset; None when offsets are the identity (same length, every
    # change one character for one).
    _segments: tuple[_Segment, ...] | None = field(default=None, repr=False, compare=False)
    _starts: tuple[int, ...] = field(default=(), repr=False, compare=False)

    def is_identity(self) -> bool:
        """True when ``text == original`` and offsets are the identity."""
        return self._segments is None and self.text == self.original

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span [start, end) of .text to the smallest span of .original that covers it."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) outside a text of length {len(self.text)}")
        segments = self._segments
        if segments is None:
            return start, end
        if start == end:
            pos = self._position(start)
            return pos, pos
        seg = segments[bisect_right(self._starts, start) - 1]
        a = seg[2] + (start - seg[0]) if seg[4] else seg[2]
        seg = segments[bisect_right(self._starts, end - 1) - 1]
        b = seg[2] + (end - seg[0]) if seg[4] else seg[3]
        return a, b

    def _position(self, pos: int) -> int:
        """The original offset of a position between characters of .text."""
        assert self._segments is not None
        if pos >= len(self.text):
            return len(self.original)
        seg = self._segments[bisect_right(self._starts, pos) - 1]
        return seg[2] + (pos - seg[0]) if seg[4] else seg[2]


# --------------------------------------------------------------------------- characters

_SPACE_LIKE = {"\u0085": "\n", "\u2028": "\n", "\u2029": "\n"}
# Typographic apostrophes and quotes, explicit before NFKC (NFKC leaves most of them, and
# would turn the acute accent used as an apostrophe into a space and a combining mark).
_QUOTES = dict.fromkeys(
    "\u2018\u2019\u201a\u201b\u02bc\u02bb\u02b9\u2032\u2035\u00b4\uff07", "'"
) | dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036\uff02", '"')
_SLASHES = dict.fromkeys("\u2044\u2215\u29f8\uff0f", "/")
_DASHES = dict.fromkeys("\u2212\u2796\u02d7\u2043\u207b\u208b", "-")
# Ideographic full stops, and the middle dots and bullets written between digit groups
# (``07700·900·123``, ``07700•900•123``) as dots would be.
_DOTS = dict.fromkeys("\u3002\uff61\u00b7\u2022\u2219\u22c5\u2027\u30fb\uff65\u2981", ".")
_EXPLICIT = _SPACE_LIKE | _QUOTES | _SLASHES | _DASHES | _DOTS

# Default-ignorable characters outside category Cf (variation selectors, combining
# grapheme joiner, Mongolian free variation selectors, Hangul fillers, Khmer inherent vowels).
_IGNORABLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]"
)


_TAG_OFFSET = 0xE0000
_TAG_FIRST, _TAG_LAST = "\U000e0020", "\U000e007e"


def _map_char(ch: str) -> str:
    """One character after NFKC, through the space, dash, slash and quote maps."""
    if ch.isascii():
        return ch
    explicit = _EXPLICIT.get(ch)
    if explicit is not None:
        return explicit
    cat = unicodedata.category(ch)
    if cat == "Zs":
        return " "
    if cat == "Pd":
        return "-"
    if _TAG_FIRST <= ch <= _TAG_LAST:
        # Tag characters are invisible copies of ASCII (U+E0020-E007E): a text can carry
        # an identifier in them that no reader sees; read them as what they copy.
        return chr(ord(ch) - _TAG_OFFSET)
    if cat == "Cf" or cat == "Cc" or _IGNORABLE.match(ch):
        return ""
    if cat == "Nd":
        return str(unicodedata.decimal(ch))
    return ch


@cache
def _image(cluster: str) -> str:
    """What one character, or a base character and its combining marks, normalises to."""
    if len(cluster) == 1:
        ch = cluster
        explicit = _EXPLICIT.get(ch)
        if explicit is not None:
            return explicit
        mapped = _map_char(ch)
        if mapped != ch:
            return mapped
        nfkc = unicodedata.normalize("NFKC", ch)
        if nfkc == ch:
            return ch
        # Spacing accents (¨ ¸ ˜ ...) would become a space and a combining mark.
        if len(nfkc) > 1 and nfkc[0] == " " and unicodedata.combining(nfkc[1]):
            return ch
        return "".join(_map_char(c) for c in nfkc)
    nfkc = unicodedata.normalize("NFKC", cluster)
    return "".join(_map_char(c) for c in nfkc)


@cache
def _is_mark(ch: str) -> bool:
    """A character that belongs to the cluster of the character before it."""
    if unicodedata.category(ch)[0] == "M":
        return not _IGNORABLE.match(ch)
    # Conjoining Hangul vowels and finals compose with the jamo before them.
    return "\u1161" <= ch <= "\u11ff" or "\ud7b0" <= ch <= "\ud7ff"


@cache
def _decoration(ch: str) -> bool:
    """A combining or enclosing mark, or a variation selector (what may follow a digit)."""
    return unicodedata.category(ch)[0] == "M" or bool(_IGNORABLE.match(ch))


@cache
def _digit_base(ch: str) -> bool:
    """A character that normalises to one ASCII digit."""
    image = _image(ch)
    return len(image) == 1 and "0" <= image <= "9"


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")

# An edit of the current text: replace [start, end) by the string.
_Edit = tuple[int, int, str]


def _character_edits(text: str) -> list[_Edit]:
    edits: list[_Edit] = []
    for m in _NON_ASCII_RUN.finditer(text):
        i, end = m.span()
        while i < end:
            ch = text[i]
            j = i + 1
            if i == m.start() and i > 0 and (_is_mark(ch) or (_decoration(ch) and _digit_base(text[i - 1]))):
                i -= 1  # a mark starting the run belongs to the ASCII character before it
            while j < end and _is_mark(text[j]):
                j += 1
            if j < len(text) and _digit_base(text[i]):
                # A digit has no accents in any orthography: strokes, overlines, keycaps,
                # enclosing circles and variation selectors on it are decoration, and
                # would break the number's run (``0̶7̶7̶``, ``0️⃣7️⃣``).
                while j < end and _decoration(text[j]):
                    j += 1
                cluster = text[i:j]
                image = _image(text[i])
                if image != cluster:
                    edits.append((i, j, image))
                i = j
                continue
            cluster = text[i:j]
            image = _image(cluster)
            if image != cluster:
                edits.append((i, j, image))
            i = j
    return edits


# --------------------------------------------------------------------------- look-alikes

# Letters of living orthographies that the confusables data maps to a Latin letter.
_ORTHOGRAPHIC = frozenset("ıɣʋɩƖʒƷȝȜ")


@cache
def _confusables() -> tuple[dict[str, str], dict[str, str]]:
    """(look-alike -> ASCII letter or digit, character -> script) from Unicode's data."""
    from confusable_homoglyphs.categories import alias
    from confusable_homoglyphs.confusables import confusables_data

    def ascii_targets(ch: str) -> list[str]:
        out = []
        for entry in confusables_data.get(ch, ()):
            glyph = entry["c"].replace("\u200e", "").replace("\u200f", "")
            if len(glyph) == 1 and glyph.isascii() and glyph.isalnum():
                out.append(glyph)
        return out

    table: dict[str, str] = {}
    for ch in confusables_data:
        if len(ch) != 1 or ch.isascii() or not ch.isalpha() or ch in _ORTHOGRAPHIC:
            continue
        if unicodedata.normalize("NFKC", ch) != ch:
            continue  # step 1 has already folded it
        script = alias(ch)
        direct = ascii_targets(ch)
        if not direct:
            continue
        if script == "LATIN":
            if unicodedata.decomposition(ch):
                continue  # a Latin letter with a diacritic is a letter, not a look-alike
            direct = [g for g in direct if g.isalpha()]
            if not direct:
                continue
        # Prototypes are lower case (І -> l); prefer a letter of the same case, directly
        # or through the prototype's own look-alikes (l -> I).
        extended = direct + [g for t in direct for g in ascii_targets(t)]
        letters = [g for g in extended if g.isalpha()]
        same_case = [g for g in letters if g.isupper() == ch.isupper()]
        table[ch] = (same_case or [g for g in direct if g.isalpha()] or direct)[0]
    scripts = {ch: alias(ch) for ch in table}
    return table, scripts


@cache
def _look_alike_pattern() -> re.Pattern[str]:
    table, _ = _confusables()
    # A class holding characters beyond the BMP makes the scan slow: those are matched
    # as a range and checked against the table one by one.
    bmp = "".join(re.escape(c) for c in sorted(table) if ord(c) < 0x10000)
    return re.compile(f"[{bmp}]|[\U00010000-\U0010ffff]")


@cache
def _script(ch: str) -> str:
    from confusable_homoglyphs.categories import alias

    return str(alias(ch))


_WORD_CHAR = re.compile(r"\w")
_SPACE = re.compile(r"\s")


def _fold_look_alikes(text: str) -> str:
    pattern = _look_alike_pattern()
    if not pattern.search(text):
        return text
    table, _ = _confusables()
    chars: list[str] | None = None
    done = -1
    for m in pattern.finditer(text):
        if m.start() < done or m.group(0) not in table:
            continue
        start = m.start()
        while start > 0 and _WORD_CHAR.match(text[start - 1]):
            start -= 1
        end = m.end()
        while end < len(text) and _WORD_CHAR.match(text[end]):
            end += 1
        done = end
        if _should_fold(text, start, end, table):
            if chars is None:
                chars = list(text)
            for k in range(start, end):
                folded = table.get(text[k])
                if folded is not None:
                    chars[k] = folded
    return text if chars is None else "".join(chars)


def _should_fold(text: str, start: int, end: int, table: dict[str, str]) -> bool:
    latin_or_digit = False
    foreign_scripts: set[str] = set()
    all_confusable = True
    for ch in text[start:end]:
        if ch.isascii():
            latin_or_digit = True
            continue
        if not ch.isalpha():
            if ch.isdigit():
                latin_or_digit = True
            continue
        script = _script(ch)
        if script == "LATIN":
            latin_or_digit = True
            continue
        foreign_scripts.add(script)
        if ch not in table:
            all_confusable = False
    if not foreign_scripts:
        return True  # only Latin look-alikes (gmɑil)
    if not all_confusable:
        return False  # folding would leave a half-converted word
    if latin_or_digit or len(foreign_scripts) > 1:
        return True
    # A word wholly in look-alikes: fold when glued to Latin letters or digits in the
    # same whitespace-free token (іоn@gmail.com), keep when it stands alone (Вера said).
    left = start
    while left > 0 and not _SPACE.match(text[left - 1]):
        left -= 1
    right = end
    while right < len(text) and not _SPACE.match(text[right]):
        right += 1
    context = text[left:start] + text[end:right]
    return any(c.isascii() and c.isalnum() for c in context)


# --------------------------------------------------------------------------- digit look-alikes

_DIGIT_LIKE = {"O": "0", "o": "0", "l": "1", "I": "1", "|": "1", "S": "5", "B": "8"}
_DIGIT_NEAR = re.compile(r"[0-9][OolISB|]|[OolISB|][0-9]")
# Groups hold a real digit; a bar never starts a group (table borders: |07700900123|).
_GROUP = r"[OolISB]*[0-9][0-9OolISB|]*"
_NUMBER_RUN = re.compile(rf"{_GROUP}(?:[ .\-/]{_GROUP})*")
_RUN_CHARS = frozenset("0123456789OolISB| .-/")


def _fold_digit_look_alikes(text: str) -> str:
    chars: list[str] | None = None
    done = 0
    for near in _DIGIT_NEAR.finditer(text):
        if near.start() < done:
            continue
        # The number-shaped run around this letter: back to where such characters stop.
        left = near.start()
        while left > 0 and text[left - 1] in _RUN_CHARS:
            left -= 1
        for m in _NUMBER_RUN.finditer(text, left):
            if m.end() > near.start():
                break
        else:
            continue
        start, end = m.span()
        done = max(end, near.end())
        if start > near.start():
            continue
        while end > start and text[end - 1] == "|":
            end -= 1
        # Letters glued to a word before or after belong to the word (Tel07700 ...).
        if start > 0 and text[start - 1].isalpha():
            while start < end and text[start] in _DIGIT_LIKE:
                start += 1
        if end < len(text) and text[end].isalpha():
            while end > start and text[end - 1] in _DIGIT_LIKE:
                end -= 1
        # Two letters or more before the digits are a code's prefix, not digits (BB593592A, SS12...).
        lead = start
        while lead < end and text[lead] in _DIGIT_LIKE:
            lead += 1
        if lead - start >= 2:
            start = lead
        body = text[start:end]
        digits = sum(c.isdigit() for c in body)
        letters = len(body) - digits - sum(c in " .-/" for c in body)
        if not letters or digits + letters < 6 or digits <= letters:
            continue
        if chars is None:
            chars = list(text)
        for k in range(start, end):
            digit = _DIGIT_LIKE.get(text[k])
            if digit is not None:
                chars[k] = digit
    return text if chars is None else "".join(chars)


# --------------------------------------------------------------------------- e-mail

_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_BR_OPEN = r"[\[({<]"
_BR_CLOSE = r"[\])}>]"
# The "at" forms, found by their first character so that the scan stays in C; spaces
# around them are taken in afterwards. Group "bare" is the plain word.
_AT = re.compile(rf"{_BR_OPEN}[ \t]*(?:[aA][tT]|@)[ \t]*{_BR_CLOSE}|@|[ \t](?P<bare>[aA][tT])[ \t]")
_BRACKET_DOT = rf"[ \t]*{_BR_OPEN}[ \t]*(?:[dD][oO][tT]|\.)[ \t]*{_BR_CLOSE}[ \t]*"
_WORD_DOT = r"[ \t]+(?:dot|DOT|Dot)[ \t]+"
_DOT_STRICT = rf"(?:{_BRACKET_DOT}|{_WORD_DOT}|\.)"
_DOT_LOOSE = rf"(?:{_BRACKET_DOT}|{_WORD_DOT}|[ \t]*\.[ \t]*)"
_DOMAIN_STRICT = re.compile(rf"{_LABEL}(?:{_DOT_STRICT}{_LABEL})+")
_DOMAIN_LOOSE = re.compile(rf"{_LABEL}(?:{_DOT_LOOSE}{_LABEL})+")
_DOT_ANY = re.compile(rf"{_BRACKET_DOT}|{_WORD_DOT}|[ \t]*\.[ \t]*")
# The local part, matched backwards on the reversed text before the "at".
_LOCAL_REVERSED = re.compile(
    r"[\w%+\-]+(?:(?:\.|[ \t]+(?:tod|TOD|toD)[ \t]+"
    rf"|[ \t]*{_BR_CLOSE}[ \t]*(?:[tT][oO][dD]|\.)[ \t]*{_BR_OPEN}[ \t]*)[\w%+\-]+)*"
)
_LOCAL_BEFORE = re.compile(r"[\w.@%+\-]")
_LOCAL_WINDOW = 80

# Words that stand before "at" in prose, not local parts (bare "at" only).
_PROSE = frozenset(
    """
    a an the and or but not no nor so then than now only just even also still already again
    is was were are be been being am has have had do does did will would can could may might
    must shall should i me my we us our you your he him his she her it its they them their
    this that these those here there who whom which what when where why how all both each
    one some any many more most other such same own
    work works worked working job jobs employed employment shift shifts staff employee
    employees worker workers manager interview interviewed applied apply applying
    shop shops shopping shopped bought buy buying sold sell sells selling order ordered orders
    paid pay pays paying found find advertised advert adverts ad ads listed posted registered
    booked book seen saw see met meet meeting arrived arrive arrives lives lived live living
    stays stayed stay staying based available online account accounts logged login looked look
    looking searched search checked check stopped dropped picked left home people everyone
    someone somebody nobody anyone time once twice
    """.split()
)


@cache
def _tlds() -> frozenset[str]:
    import tldextract

    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
    return frozenset(s.rsplit(".", 1)[-1].lower() for s in extract.tlds)


def _email_edits(text: str) -> list[_Edit]:
    edits: list[_Edit] = []
    for m in _AT.finditer(text):
        start, end = m.span()
        bare = m.group("bare") is not None
        while start > 0 and text[start - 1] in " \t":
            start -= 1
        while end < len(text) and text[end] in " \t":
            end += 1
        if edits and start < edits[-1][1]:
            continue
        window = text[max(0, start - _LOCAL_WINDOW) : start][::-1]
        local = _LOCAL_REVERSED.match(window)
        if local is None:
            continue
        local_text = local.group(0)[::-1]
        local_start = start - len(local_text)
        if local_start > 0 and _LOCAL_BEFORE.match(text[local_start - 1]):
            continue  # part of something longer (or the window cut a word)
        domain = (_DOMAIN_STRICT if bare else _DOMAIN_LOOSE).match(text, end)
        if domain is None:
            continue
        # Shrink the domain from the right until it ends in a top-level domain.
        parts = _DOT_SPLIT.split(domain.group(0))
        tlds = _tlds()
        while len(parts) >= 3 and parts[-1].lower() not in tlds:
            parts = parts[:-2]
        if len(parts) < 3:
            continue
        domain_end = end + sum(map(len, parts))
        if domain_end < len(text) and (text[domain_end].isalnum() or text[domain_end] in "_-"):
            continue
        if bare:
            if local_text.lower() in _PROSE:
                continue
            if parts[-2] == "." and parts[-1][:1].isupper() and parts[-1][1:].islower():
                continue  # "at home.It was": a sentence start, not a top-level domain
        new: list[_Edit] = [
            (local_start + d.start(), local_start + d.end(), ".")
            for d in _DOT_ANY.finditer(local_text)
            if d.group(0) != "."
        ]
        if text[start:end] != "@":
            new.append((start, end, "@"))
        pos = end
        for k, part in enumerate(parts):
            if k % 2 == 1 and part != ".":
                new.append((pos, pos + len(part), "."))
            pos += len(part)
        # An address already plain needs no edit.
        if edits and new and new[0][0] < edits[-1][1]:
            continue
        edits.extend(new)
    return edits


# Splits a domain into labels and separators alternately: gmail, " dot ", co, "[.]", uk.
_DOT_SPLIT = re.compile(rf"({_BRACKET_DOT}|{_WORD_DOT}|[ \t]*\.[ \t]*)")


# --------------------------------------------------------------------------- assembly


def _apply(text: str, segments: list[_Segment], edits: Sequence[_Edit]) -> tuple[str, list[_Segment]]:
    """Apply sorted, non-overlapping edits; one-for-one replacements keep the segments."""
    pieces: list[str] = []
    new: list[_Segment] = []
    starts = [seg[0] for seg in segments]
    pos = 0
    seg_pos = 0  # current-text offset up to which segments have been copied
    si = 0
    shift = 0

    def copy(a: int, b: int) -> None:
        nonlocal si
        while si < len(segments) and segments[si][1] <= a:
            si += 1
        k = si
        while k < len(segments) and segments[k][0] < b:
            o0, o1, i0, i1, lin = segments[k]
            lo, hi = max(a, o0), min(b, o1)
            if lo < hi:
                if lin:
                    new.append((lo + shift, hi + shift, i0 + lo - o0, i0 + hi - o0, True))
                else:
                    new.append((lo + shift, hi + shift, i0, i1, False))
            if o1 > b:
                break
            k += 1

    for s, e, r in edits:
        pieces.append(text[pos:s])
        pieces.append(r)
        pos = e
        if e - s == 1 and len(r) == 1:
            continue
        copy(seg_pos, s)
        if r:
            i0, i1 = _lookup(segments, starts, s, e)
            new.append((s + shift, s + shift + len(r), i0, i1, False))
        shift += len(r) - (e - s)
        seg_pos = e
    pieces.append(text[pos:])
    copy(seg_pos, len(text))
    return "".join(pieces), new


def _lookup(segments: list[_Segment], starts: list[int], start: int, end: int) -> tuple[int, int]:
    seg = segments[bisect_right(starts, start) - 1]
    a = seg[2] + (start - seg[0]) if seg[4] else seg[2]
    seg = segments[bisect_right(starts, end - 1) - 1]
    b = seg[2] + (end - seg[0]) if seg[4] else seg[3]
    return a, b


_DIGIT_UNDERSCORE = re.compile(r"(?<=[0-9])_(?=[0-9])")


def normalise(text: str) -> NormalisedText:
    """The text detectors should read, and the way back to ``text``'s offsets."""
    current = text
    segments: list[_Segment] | None = None
    if not text.isascii():
        edits = _character_edits(text)
        if edits:
            if any(e - s != 1 or len(r) != 1 for s, e, r in edits):
                segments = [(0, len(text), 0, len(text), True)]
                current, segments = _apply(text, segments, edits)
            else:
                current, _ = _apply(text, [], edits)
        if not current.isascii():
            current = _fold_look_alikes(current)
    if "_" in current:
        # ``07700_900_123``: an underscore between digits joins groups as a dash would
        # (never inside a placeholder, whose underscore follows a letter).
        current = _DIGIT_UNDERSCORE.sub("-", current)
    current = _fold_digit_look_alikes(current)
    edits = _email_edits(current)
    if edits:
        if segments is None:
            segments = [(0, len(current), 0, len(current), True)]
        current, segments = _apply(current, segments, edits)
    if segments is None:
        if current == text:
            return NormalisedText(text, text)
        return NormalisedText(text, current)
    return NormalisedText(text, current, tuple(segments), tuple(s[0] for s in segments))
