"""Given-name variants: nicknames and short forms read as the names they stand for.

A member may hold ``Bill`` where another holds ``William``, ``Kasia`` for ``Katarzyna``,
``Gosho`` for ``Georgi``. :func:`name_keys` gives, for one folded name word, the
canonical names it may stand for: English ones from the hand-curated ``nicknames``
package (carltonnorthern's list), the network's other communities (Romanian, Polish,
Bulgarian, Lithuanian, Ukrainian, Albanian, Hungarian, Slovak, South Asian, Irish) from
``given_name_variants.csv`` beside this module. Two words agree when their keys meet.

The keys feed only composites with the date of birth (``nick_dob`` in
:mod:`msin_fed.token_inputs`): a canonical name, like any name, is never a token alone.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from nicknames import NickNamer

from msin_fed import normalize

__all__ = ["MAX_KEYS", "name_keys"]

#: At most this many canonical names per word (a few short forms, ``Al`` or ``Chris``,
#: stand for a dozen names): the token count of a mention stays bounded.
MAX_KEYS = 8


@cache
def _tables() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """(variant -> its canonical names, every canonical name), all folded."""
    canonicals: dict[str, set[str]] = {}
    heads: set[str] = set()
    namer = NickNamer()
    for canonical, variants in namer.nickname_lookup.items():
        head = normalize.fold(canonical)
        heads.add(head)
        for variant in variants:
            # The list holds some pairs both ways round (``bill`` has the nickname
            # ``william`` as well as the reverse); a name is read only as a name at least
            # as long as itself, so two formal names never meet through a short form
            # they share (``william`` and ``robert`` through ``bill``).
            folded = normalize.fold(variant)
            if len(head) >= len(folded):
                canonicals.setdefault(folded, set()).add(head)
    text = resources.files("msin_fed").joinpath("given_name_variants.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    for row in rows:
        head, variant = normalize.fold(row["name"]), normalize.fold(row["variant"])
        heads.add(head)
        canonicals.setdefault(variant, set()).add(head)
    return {k: frozenset(v) for k, v in canonicals.items()}, frozenset(heads)


def name_keys(word: str) -> tuple[str, ...]:
    """The canonical names folded ``word`` may stand for, sorted: itself when it is a
    canonical name, and those it is a known variant of (``bill`` -> ``robert``,
    ``william``, ...). Empty for a word that is neither (no variant is known)."""
    variants, heads = _tables()
    keys = set(variants.get(word, ()))
    if word in heads:
        keys.add(word)
    return tuple(sorted(keys))[:MAX_KEYS]
