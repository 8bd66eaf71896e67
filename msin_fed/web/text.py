"""Showing stored text in pages: escaped, with invisible and reordering characters made visible.

Narratives come from members, staff and files; they may hold bidirectional controls
(U+202E turns the rest of a line around), zero-width characters (that hide a word from a
reader but not from a search) and other control or format characters. A page shows each
as a visible mark such as ``⟨U+202E⟩`` instead of the character itself, so nothing stored
can reorder or hide part of a page; everything else is HTML-escaped.
"""

from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

__all__ = ["PLACEHOLDER", "highlight_placeholders", "invisible_characters", "visible"]

#: Unicode categories never shown as themselves: controls, format characters (bidi
#: controls, zero-width joiners and spaces, the BOM), private use, unassigned, and the
#: line and paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"})
_KEPT = frozenset("\n\t")

#: The placeholders a redactor writes (``<PERSON_1>``); the same pattern as the node's.
PLACEHOLDER = re.compile(r"<([A-Z][A-Z_]*)_([0-9]+)>")


def _hidden(ch: str) -> bool:
    return ch not in _KEPT and unicodedata.category(ch) in _HIDDEN_CATEGORIES


def invisible_characters(text: str) -> list[str]:
    """The code points (``U+202E``) of every character :func:`visible` would mark, in order."""
    return [f"U+{ord(ch):04X}" for ch in text if _hidden(ch)]


def _mark(ch: str) -> str:
    code = f"U+{ord(ch):04X}"
    name = unicodedata.name(ch, "unnamed character").lower()
    return f'<span class="msin-invisible" title="{escape(name)}">\u27e8{code}\u27e9</span>'


def visible(text: object) -> Markup:
    """``text`` escaped for HTML, each hidden character replaced by a visible ``⟨U+XXXX⟩`` mark."""
    value = "" if text is None else str(text)
    out: list[str] = []
    run: list[str] = []
    for ch in value:
        if _hidden(ch):
            if run:
                out.append(str(escape("".join(run))))
                run = []
            out.append(_mark(ch))
        else:
            run.append(ch)
    if run:
        out.append(str(escape("".join(run))))
    return Markup("".join(out))  # noqa: S704 - every piece above is escaped or a fixed mark


def highlight_placeholders(text: str) -> Markup:
    """:func:`visible` text with each redaction placeholder in a ``<mark>``."""
    out: list[str] = []
    last = 0
    for match in PLACEHOLDER.finditer(text):
        out.append(str(visible(text[last : match.start()])))
        out.append(f'<mark class="msin-placeholder">{escape(match.group(0))}</mark>')
        last = match.end()
    out.append(str(visible(text[last:])))
    return Markup("".join(out))  # noqa: S704 - built from escaped pieces
