"""Candidates, entity counts and pair scores over blind tokens: the one matching core.

``msin link`` (:class:`msin_fed.linkage.matcher.Matcher`, in memory) and the
coordinator's ``MatchEngine`` (over its SQL store) both call these functions; they
differ only in where holders and tokens are read from. Everything here sees what the
coordinator sees: record keys, their member, and each record's tokens as
``value -> kind``. Token values are OPRF outputs (domain separated by kind), so at honest
nodes a value identifies its kind; but a member's node may send any label, so a value two
records label differently agrees on nothing (a first name and birthday labelled ``nino``
would weigh as one).

**Entity count, not record count.** A token's discount is driven by how many distinct
*entities* hold it (:func:`entity_count`), estimated from the structure of what its
holders share besides it:

* an issued person identifier (NINO, passport, national id, bank account) or a
  site/company token stands for one entity; its holders are one entity unless they
  contradict each other (both hold a name with a date of birth and share none of its
  tokens, both hold a NINO or passport and share neither it nor a near miss of it, a
  site at two postcodes or in two localities, one bank account given by people whose
  names share no word's sound nor start), and a group never takes in a holder that
  contradicts one of its members; company tokens' holders are grouped as companies
  (:func:`_companies`): one per number, at every postcode its numbered mentions give
  (a company's sites), and a mention without a number joins the company known at its
  postcode, or is another company when none is (one trading name in two towns);
* any other token (a phone, an address, a plate, a name composite) is held by as many
  entities as its holders form groups when two holders are joined only if they also
  share an issued identifier, a whole name with its date of birth, or the whole name
  (or its sound) with the same postcode (for name tokens: an issued identifier or a
  phone, e-mail, plate or address). One name word's sound with the phone is no proof:
  a family giving the house's landline shares it.

So a NINO held by six records that also share a name and a phone counts as one entity
and keeps its full weight, while an agency landline held by six workers who share
nothing personal besides it (its address is not personal) counts as six and is
discounted. An entity count depends only on the token's holders and their own tokens,
which never change while a record is stored, so the count changes only when the token
gains or loses a holder, and the pairs it touches are exactly those rescored then.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from msin_fed.linkage.disjoint import DisjointSets
from msin_fed.linkage.scoring import (
    COMPANY_KINDS,
    IDENTITY_KINDS,
    ISSUED_KINDS,
    NAME_DOB_KINDS,
    NAME_OTHER_KINDS,
    SITE_KINDS,
    ScoringModel,
)

__all__ = [
    "PER_MEMBER_ENTITIES",
    "PairScore",
    "candidate_pairs",
    "cluster_records",
    "entity_count",
    "entity_type",
    "given_names_differ",
    "near_name_counts",
    "records_contradict",
    "score_pairs",
    "start_typo_counts",
]

K = TypeVar("K", bound=Hashable)
#: A record's tokens: value -> kind.
Held = Mapping[bytes, str]

#: Kinds whose value stands for one entity: holders are one unless they contradict.
#: A holder pair sharing one of these (besides the token counted) is one person.
#: Not ``name_phone_near``: one name word's sound with the phone is what a family
#: giving the house's landline shares.
_PERSON_PROOF = ISSUED_KINDS | {"name_postcode", "phon_postcode", "name_dob", "name_phon_dob"}
_NAME_PROOF = ISSUED_KINDS | {"phone", "email", "vehicle", "address"}
#: Kinds with one value per record whose disagreement contradicts a shared identity.
_CONTRADICT = ("nino", "passport", "national_id")
_DOCUMENTS = frozenset(_CONTRADICT)
_NAME_KINDS = NAME_DOB_KINDS | NAME_OTHER_KINDS
#: What undoes a name-and-date disagreement: the name agreeing with the date (or part of
#: it), the whole name (or its sound) at one postcode, or a document. Not one name word's
#: sound with a phone: family members share a family name and the house's landline.
#: (A nickname read as the formal name at the phone, ``nick_phone``, is the whole name
#: there too: no housemate's other given name.)
_WHOLE_NAME_OR_DOCUMENT = NAME_DOB_KINDS | _DOCUMENTS | {"name_postcode", "phon_postcode", "nick_phone"}
#: ... nor the whole name with a phone or street (namesakes at one agency), but a date of
#: birth shared with a place or phone: the dates agree, so the names differ by a typo or
#: a one-word name, not as a namesake's other birthday.
_DOB_PLACE = frozenset({"dob_postcode", "dob_address", "dob_phone"})
#: What undoes the name-and-date disagreement: the dates agreeing with a name (part of it,
#: its sound, its bands), or with a place or phone, or a document. Not the whole name at
#: one postcode, street or phone: a father and son of one name at one house, born on
#: other days, share those (the fitted model's "name with postcode, dates differ" level).
_DATE_AGREES = NAME_DOB_KINDS | _DOCUMENTS | _DOB_PLACE
#: The whole name agreeing despite a word that differs: its sound, a nickname read as the
#: formal name, the initials of every word (a word cut to its initial, or mistyped after
#: it), or the name with the postcode (``_partial_name``).
_WHOLE_NAME_FUZZY = _DOCUMENTS | {"name_phon_dob", "nick_dob", "name_dob_swap", "initials_dob", "name_postcode",
                                  "phon_postcode"}
#: The whole name with a place or phone (``ScoringModel.groups``' ``name_contact``).
_NAME_AT_PLACE = frozenset({"name_postcode", "phon_postcode", "name_phone", "name_address", "name_plate",
                            "nick_phone"})
#: A site's postcode agreeing (up to one character), and its locality.
_SITE_POSTCODE = frozenset({"site_postcode", "site_near", "site_near_postcode"})
_SITE_LOCALITY = frozenset({"site_locality", "site_near_locality"})
#: Company kinds of a name one typo off or cut short: the two records scored start as
#: one company (:func:`_companies`' ``pair``), as their names' own tokens differ.
_PAIR_SEEDED = frozenset({"company_near", "company_near_postcode", "company_prefix", "company_head"})
#: A company's name, alone or at a place: even a pair that holds it alone is counted as
#: the companies their places make (one name at two postcodes, or in two towns, is two
#: companies as far as anyone can tell; neither is a contradiction of one company).
_PLACED_NAME = frozenset({"company", "company_postcode", "company_locality"})
#: ``name_dob`` tokens of a name of three words: the whole name and each two of its words.
_THREE_WORD_FORMS = 4


@dataclass(frozen=True, slots=True)
class PairScore:
    """A matched pair's score and the kinds that carried weight (what members are told)."""

    score: float
    kinds: frozenset[str]


def _kinds(held: Held) -> frozenset[str]:
    return frozenset(held.values())


def _shares(a: Held, b: Held, kinds: Collection[str], besides: bytes) -> bool:
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return any(v != besides and k in kinds and large.get(v) == k for v, k in small.items())


def _contradict(kind: str, a: Held, b: Held, ka: frozenset[str], kb: frozenset[str]) -> bool:
    """Whether two holders of one identity token say they are different entities."""
    if kind in SITE_KINDS:
        both = ka & kb
        if not both & {"site_postcode", "site_locality"}:
            return False
        postcode = _shares(a, b, _SITE_POSTCODE, b"")
        if "site_postcode" in both and not postcode:
            return True
        # Two localities: another town, unless the postcode agrees (up to one character):
        # a postcode alone gives its area's town, which need not be the one written.
        return ("site_locality" in both and not postcode
                and not _shares(a, b, _SITE_LOCALITY, b""))
    if kind in COMPANY_KINDS:  # only other numbers (entity_count groups companies itself)
        return "company_number" in ka and "company_number" in kb and not _shares(a, b, {"company_number"}, b"")
    if ka & kb & NAME_DOB_KINDS and not _shares(a, b, NAME_DOB_KINDS, b""):
        return True  # both name a person with a date of birth, and not the same one
    if kind in ("bank", "iban") and "name_bank" in ka and "name_bank" in kb and not _shares(a, b, {"name_bank"}, b""):
        return True  # one account, people of names sharing no word's sound nor start
    for other in _CONTRADICT:
        if other != kind and other in ka and other in kb and not _shares(a, b, {other, "nid_near"}, b""):
            return True
    return False


#: At most this many groups of one member's records alone count towards an entity count
#: (:func:`entity_count` given ``member``): one member must not be able to make a
#: perpetrator's NINO or phone look common by submitting it under made-up names.
PER_MEMBER_ENTITIES = 2


def entity_count(
    value: bytes,
    kind: str,
    holders: Collection[K],
    tokens: Mapping[K, Held],
    pair: tuple[K, K] | None = None,
    member: Mapping[K, Hashable] | None = None,
) -> int:
    """How many distinct entities the ``holders`` of token ``value`` (of ``kind``) are.

    Holders are grouped (see the module docstring); the count is the number of groups,
    at least 1. For an identity kind scored for ``pair``, the pair starts as one group:
    whether its two records contradict each other is the pair's own evidence (its
    disagreements), not a fact about how many entities hold the value.

    ``member`` (record -> member): groups made of one member's records alone count at
    most :data:`PER_MEMBER_ENTITIES` per member (a group spanning members always counts),
    so a value looks common only when several members see it held by different
    entities: a hostile member's crafted records (the value under made-up names) add at
    most that many. Company tokens are grouped by number and are not capped.
    """
    # In an order fixed by the holders' tokens, not their keys, so that msin link and the
    # coordinator (which key records differently) group alike.
    ids = sorted(holders, key=lambda r: sorted(tokens.get(r, {})))
    if len(ids) <= 1:
        return 1
    held = [tokens.get(r, {}) for r in ids]
    if kind in COMPANY_KINDS:
        seed = [tokens.get(r, {}) for r in pair] if pair is not None and kind in _PAIR_SEEDED else []
        return _companies(held, seed).count()
    if kind in IDENTITY_KINDS:
        # Holders join unless they contradict, and a group never takes in a holder that
        # contradicts one of its members: a mention without a company number must not
        # bridge two companies whose numbers differ.
        kinds = [_kinds(h) for h in held]
        groups: list[list[int]] = []
        if pair is not None:
            groups.append([i for i, r in enumerate(ids) if r in pair])
        for i, r in enumerate(ids):
            if pair is not None and r in pair:
                continue
            for group in groups:
                if not any(_contradict(kind, held[i], held[j], kinds[i], kinds[j]) for j in group):
                    group.append(i)
                    break
            else:
                groups.append([i])
        return _capped([[ids[i] for i in g] for g in groups], member)
    parent = list(range(len(ids)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    proof = _NAME_PROOF if kind in _NAME_KINDS else _PERSON_PROOF
    count = len(ids)
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            ri, rj = find(i), find(j)
            if ri != rj and _shares(held[i], held[j], proof, value):
                parent[rj] = ri
                count -= 1
                if count == 1:
                    return 1
    if member is None:
        return count
    roots: dict[int, list[K]] = {}
    for i, r in enumerate(ids):
        roots.setdefault(find(i), []).append(r)
    return _capped(list(roots.values()), member)


def _capped(groups: Sequence[Sequence[K]], member: Mapping[K, Hashable] | None) -> int:
    """The number of ``groups``, those of one member's records alone counted at most
    :data:`PER_MEMBER_ENTITIES` per member."""
    if member is None:
        return max(len(groups), 1)
    alone: dict[Hashable, int] = {}
    count = 0
    for group in groups:
        owners = {member.get(r, r) for r in group}
        if len(owners) > 1:
            count += 1
            continue
        (owner,) = owners
        if alone.get(owner, 0) < PER_MEMBER_ENTITIES:
            alone[owner] = alone.get(owner, 0) + 1
            count += 1
    return max(count, 1)


class _Companies:
    """The companies the holders of one company token are (:func:`_companies`)."""

    __slots__ = ("numbered", "unplaced")

    def __init__(self, numbered: list[set[bytes]], unplaced: int) -> None:
        #: Each company a number names, as the places its numbered mentions give (the
        #: name with each postcode and town: its sites; empty: known nowhere).
        self.numbered = numbered
        #: Places (connected by shared postcodes, or towns for mentions giving no
        #: postcode) of mentions without a number that no numbered company is known at.
        self.unplaced = unplaced

    def _nowhere(self) -> int:
        return sum(1 for known in self.numbered if not known)

    def count(self) -> int:
        """How many companies: one per number, and one per place no numbered company is
        known at, beyond those a company known nowhere may be."""
        return max(len(self.numbered) + max(0, self.unplaced - self._nowhere()), 1)

    def at(self, places: set[bytes]) -> int:
        """How many of them may be the one at ``places``: those known there and those
        known nowhere; where none is known, the companies known nowhere are the
        candidates for the one company there (at least one: its own)."""
        known = sum(1 for sites in self.numbered if sites & places)
        nowhere = self._nowhere()
        return known + nowhere if known else max(nowhere, 1)


def _companies(held: Iterable[Held], pair: Sequence[Held] = ()) -> _Companies:
    """The companies the holders of one company token are.

    A contradiction between two company mentions is two numbers, nothing else: a company
    named at two postcodes may be one company with two sites. So holders giving a number
    make one company per number (numbers shared by a holder are one company), known at
    every postcode and town its mentions give (the name with the postcode,
    ``company_postcode``, or with the town, ``company_locality``): those are its sites. A
    mention without a number at one of those postcodes (or, giving none, in one of those
    towns; or at a postcode in a town a numbered mention gives without a postcode) is
    that company; the other such mentions' postcodes, joined where they share one, are
    each a company, as far as anyone can tell (one trading name in two towns), unless a
    company known nowhere (its numbers given with no place) may be it; so are the towns
    of mentions giving a town but no postcode where no company, numbered or not, is known.
    A mention without number or place may be any of them. A postcode's towns (the area's,
    the district's) are coarser than it: two postcodes are compared as postcodes, never
    by their towns.

    Every step is a union of sets or a count, so the result does not depend on the order
    of the holders (token bytes change with the key and the random fillers; a first-fit
    grouping made the counts, and the EM fit, vary by run).

    ``pair``: for a name one typo off (``company_near``) the two records scored, which
    start as one company: their postcodes are of two spellings of the name and cannot be
    compared with each other, but every other holder's can be compared with theirs, so a
    near miss of a name that other companies hold is as ambiguous as the name.
    """
    def own(hs: Iterable[Held], kind: str) -> set[bytes]:
        return {v for h in hs for v, k in h.items() if k == kind}

    def item(hs: Sequence[Held]) -> tuple[set[bytes], set[bytes], set[bytes]]:
        return own(hs, "company_number"), own(hs, "company_postcode"), own(hs, "company_locality")

    items: list[tuple[set[bytes], set[bytes], set[bytes]]] = []
    if pair:
        items.append(item(pair))
    for h in held:
        if not any(h is p for p in pair):
            items.append(item([h]))
    # Numbered companies: holders joined by a number they share (union-find over numbers).
    numbers: DisjointSets[bytes] = DisjointSets()
    for number, _pc, _towns in items:
        if number:
            first = min(number)
            for n in number:
                numbers.union(n, first)
    sites: dict[bytes, set[bytes]] = {}
    bare: set[bytes] = set()  # towns numbered mentions give without a postcode
    for number, pc, towns in items:
        if number:
            sites.setdefault(numbers.find(next(iter(number))), set()).update(pc, towns)
            if not pc:
                bare |= towns
    numbered = list(sites.values())
    known_at = set().union(*numbered) if numbered else set()
    # Places of mentions without a number that no numbered company is known at, joined
    # where one mention gives several (a trading name beside a legal one).
    loose: DisjointSets[bytes] = DisjointSets()
    loose_towns: set[bytes] = set()
    for number, pc, towns in items:
        if number or not pc or pc & known_at or towns & bare:
            continue
        loose_towns |= towns
        first_place = min(pc)
        for v in pc:
            loose.union(v, first_place)
    # Mentions giving a town and no postcode, where no company of the name is known.
    in_town: DisjointSets[bytes] = DisjointSets()
    for number, pc, towns in items:
        if number or pc or not towns or towns & (known_at | loose_towns):
            continue
        first_town = min(towns)
        for v in towns:
            in_town.union(v, first_town)
    return _Companies(numbered, len(loose.groups()) + len(in_town.groups()))


def candidate_pairs(
    groups: Iterable[Mapping[K, Hashable]], key: Callable[[K], object] | None = None
) -> set[tuple[K, K]]:
    """Every pair of records of *different* members within a holder group.

    ``groups`` are the holders (record -> member) of tokens whose pairs need scoring:
    tokens a new or withdrawn record holds (their counts changed, so all their pairs
    rescore). Pairs are ordered by ``key`` (the record itself when None).
    """
    order = key or (lambda r: r)
    out: set[tuple[K, K]] = set()
    for held in groups:
        if len(held) < 2:
            continue
        ids = sorted(held, key=order)  # type: ignore[arg-type]
        for i, a in enumerate(ids):
            ma = held[a]
            for b in ids[i + 1 :]:
                if held[b] != ma:
                    out.add((a, b))
    return out


def score_pairs(
    model: ScoringModel,
    candidates: Iterable[tuple[K, K]],
    tokens: Mapping[K, Held],
    member: Mapping[K, Hashable],
    holders: Mapping[bytes, Collection[K]],
) -> dict[tuple[K, K], PairScore]:
    """The matched pairs among ``candidates`` (unmatched ones are absent).

    ``tokens`` holds every candidate's and every holder's tokens; ``holders`` the holders
    of every value two candidates share that ``max_frequency`` records or fewer hold (a
    shared value missing from it is too frequent to count).
    """
    counts: dict[bytes, int] = {}
    disagree_kinds = frozenset(model.disagreement)
    out: dict[tuple[K, K], PairScore] = {}
    for a, b in candidates:
        ta, tb = tokens.get(a), tokens.get(b)
        if not ta or not tb or member[a] == member[b]:
            continue
        small, large = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
        shared: list[tuple[str, int]] = []
        for value, kind in small.items():
            if large.get(value) != kind:
                # Not held, or held under another kind: an honest node labels a value by
                # the kind its input names (``kind:...``), so two labels of one value mean
                # one record lies about it (a member's first name and birthday labelled
                # ``nino`` to weigh as one); it agrees on nothing.
                continue
            group = holders.get(value)
            if group is None:  # too frequent to count, but it still stands for its near misses
                shared.append((kind, model.max_frequency))
                continue
            if len(group) == 2 and kind not in _PLACED_NAME:
                # The pair alone: whether they are one is its own evidence, not a fact
                # about the value (two records sharing only a plate are not "two entities
                # holding it"; the fitted model weighs a value of 2-3 entities less). Not a
                # company's name: its two places may say two companies (_PLACED_NAME).
                n = 1
            elif kind in IDENTITY_KINDS and (kind not in COMPANY_KINDS or kind in _PAIR_SEEDED):
                n = entity_count(value, kind, group, tokens, (a, b), member)
            elif value in counts:
                n = counts[value]
            else:
                n = counts[value] = entity_count(value, kind, group, tokens, member=member)
            shared.append((kind, n))
        shared = _part_near(shared, ta, tb)
        partial = _partial_name(ta, tb, shared)
        shared = _part_start(shared, partial)
        if partial:
            # Two names of three words agreeing on two of them (one form) with one birthday:
            # ``Nguyen Van Hung`` / ``Nguyen Van Nam``, ``Mohammed Ali Khan`` / ``Mohammed
            # Tariq Khan``. The two-word forms are for a member that dropped a word; here both
            # give all three and one differs, so the form is no whole-name agreement; nor is
            # the birthday at one house or phone evidence of one person (twins share both).
            shared = [(k, n) for k, n in shared if k != "name_dob" and k not in _DOB_PLACE]
        if not partial and _one_word_alone(ta, tb, shared):
            # One word of a name and the date of birth, and nothing else: what a member
            # probing for a victim knows (her first name and birthday, written alone, with
            # an initial or beside a made-up family name, or a record of hers holding no
            # more), and what two people of one given name born on one day share. Never a
            # match, however many bands agree.
            continue
        if not partial and _one_word_name(ta, tb, shared):
            # One record's name is one word, and the other's name holds it (or holds it one
            # typo off) with the same date of birth: the whole of that name agrees, not
            # one word of two that differ elsewhere (``Szabó`` / ``László Szabó``).
            shared.append(("name_init_dob", min(n for k, n in shared if k in _PART_KINDS)))
        if any(k == "company_locality" for k, _n in shared) and _postcodes_differ(ta, tb):
            # two postcodes are compared as postcodes, not by the towns they are in
            shared = [(k, n) for k, n in shared if k != "company_locality"]
        if any(k in _COMPANY_PLACE and n == 1 for k, n in shared):
            shared = _postcode_among_companies(shared, ta, tb, tokens, holders)
        prefix = _name_prefix(ta, tb, shared)
        if prefix:
            # one name is the other's leading words, at one postcode: the name there
            shared.append(("company_postcode", prefix))
        head = _name_head(ta, tb, shared)
        if head:
            # one name is the other's leading words, and one of them gives no place
            shared.append(("company", head))
        if _long_name_near(ta, tb, shared):
            # a long company name one typo off is the name: two registered names that
            # long are seldom one typo apart (the near kind's count is the name's length)
            shared.append(("company", min(n for k, n in shared if k == "company_near")))
        ka, kb = _kinds(ta), _kinds(tb)
        if _shape(ka) * _shape(kb) < 0:
            continue  # a person and a site or company are never one entity
        disagree = _disagreements(disagree_kinds, ka, kb, {k for k, _n in shared}, partial)
        score = model.pair_score(shared, disagree)
        if "name_dob" in disagree and (partial or {k for k, _n in shared} & _NAME_AT_PLACE):
            # Not through pair_score: a second disagreement of the name and date, for the
            # two cases where the names otherwise agree. Two three-word names of one birthday
            # differing in a whole word (twins at one house share its address and
            # birthday too); one whole name at one house or phone with other birthdays (a
            # father and son). The dates (or the third words) say they are two people.
            score -= model.disagreement.get("name_dob", 0.0)
        if "prefix_phone" in disagree_kinds and _word_differs(ta, tb, shared, partial):
            # not through pair_score: the kind is shared (the agreeing words), which
            # would waive it there
            score -= model.disagreement["prefix_phone"]
        if model.is_match(score):
            kinds = frozenset(k for k, n in shared if model.useful(k, n))
            out[(a, b)] = PairScore(round(score, 6), kinds)
    return out


def _shape(kinds: frozenset[str]) -> int:
    """+1 a record of a person only, -1 of a site or company only, 0 both or unknown."""
    person, org = bool(kinds & _NAME_KINDS), bool(kinds & (SITE_KINDS | COMPANY_KINDS))
    return (1 if person else 0) - (1 if org else 0)


def _disagreements(
    kinds: frozenset[str], ka: frozenset[str], kb: frozenset[str], agreed: set[str], partial: bool = False
) -> list[str]:
    """The disagreement kinds of a pair: kinds both hold and share nothing of.

    Some are read more narrowly. ``name_dob``: both hold a name with a date of birth and
    share none of its kinds (nor a date of birth with a place or phone), so the names (or
    the dates) differ; the whole name at one postcode, street or phone does not undo it
    (a father and son of one name at one house); it does not count against a shared
    identity document (NINO, passport, national id), which outweighs an alias or a
    mistyped date, only against values many people may give (a phone, a bank account
    wages are paid into). With ``partial`` (two three-word names agreeing on two words,
    :func:`_partial_name`) it counts unless the whole name agrees some other way (its
    sound, a nickname, the postcode) or a document does. ``name_phone_near``: both hold a
    phone and a name, share the phone, and no name word sounds alike: one phone given by
    people of different names. ``name_bank``, ``name_vehicle``: the same for a shared bank
    account or plate.
    """
    out: list[str] = []
    for kind in kinds & ka & kb:
        if kind == "name_dob":
            if partial:
                if not agreed & _WHOLE_NAME_FUZZY:
                    out.append(kind)
            elif not agreed & _DATE_AGREES:
                out.append(kind)
        elif kind == "name_phone_near":
            if "phone" in agreed and not agreed & {kind, "prefix_phone"}:
                out.append(kind)
        elif kind == "prefix_phone":
            continue  # read by _word_differs
        elif kind == "name_bank":
            if agreed & {"bank", "iban"} and kind not in agreed:
                out.append(kind)
        elif kind == "name_vehicle":
            if "vehicle" in agreed and kind not in agreed:
                out.append(kind)
        elif kind not in agreed:
            out.append(kind)
    return out


#: A company's name at a place: with its postcode, or in a town.
_COMPANY_PLACE = frozenset({"company_postcode", "company_locality"})


def _postcodes_differ(a: Held, b: Held) -> bool:
    """Both records give a company postcode and share none."""
    pa = {v for v, k in a.items() if k == "company_postcode"}
    pb = {v for v, k in b.items() if k == "company_postcode"}
    return bool(pa and pb and not pa & pb)


def _postcode_among_companies(
    shared: list[tuple[str, int]], a: Held, b: Held, tokens: Mapping[K, Held], holders: Mapping[bytes, Collection[K]]
) -> list[tuple[str, int]]:
    """The name with the postcode (or in the town), counted among every company holding
    the name.

    Its own holders may all be of one company while the name is held by another whose
    mentions never give a place (a phoenix company at its predecessor's address), or
    give one the token's holders do not hold (a postcode of the town): a mention without
    a number there may be of either, so the name at the place counts as held by as many
    companies as could be there (known there, or known nowhere). The postcode is the
    place when the two share one, else the town. Two mentions giving one number are
    that company wherever they are.
    """
    if _shares(a, b, {"company_number"}, b""):
        return shared
    names = [v for v, k in a.items() if k == "company" and b.get(v) == k and v in holders]
    places = ({v for v, k in a.items() if k == "company_postcode" and b.get(v) == k}
              or {v for v, k in a.items() if k == "company_locality" and b.get(v) == k})
    if not names or not places:
        return shared
    empty: Held = {}
    most = 1
    for name in names:
        companies = _companies(tokens.get(r, empty) for r in holders[name])
        if companies.count() > 1:
            most = max(most, companies.at(places))
    return [(k, max(n, most)) if k in _COMPANY_PLACE else (k, n) for k, n in shared]


#: ``part_near_dob`` tokens two records of one word one typo apart share at most (a
#: substitution or a deletion one, an adjacent transposition two); the same word shares
#: all of them (its length + 1, at least 5), which ``part_dob`` counts already.
_PART_NEAR_TYPO = 2
#: One name word with the date of birth, exactly or one typo off.
_PART_KINDS = frozenset({"part_dob", "part_near_dob"})
#: What a pair agreeing on one name word and the date of birth may share and no more.
_ONE_WORD_ONLY = _PART_KINDS | {"name_lsh_dob"}
#: What :func:`_other_third_word` reads besides the whole-name kinds.
_TYPO_KINDS = frozenset({"name_dob", "part_dob", "part_near_dob"})


def _part_near(shared: list[tuple[str, int]], a: Held, b: Held) -> list[tuple[str, int]]:
    """``shared`` without its ``part_near_dob`` tokens unless they say "the longest word
    one typo off, and every other word of the shorter name agrees".

    More than a typo leaves is the word itself (``part_dob`` counts it). And a name word
    left unexplained (fewer words agreeing exactly, ``part_dob``, than the shorter name
    has besides the one off) is another name near it: ``Jan Kowalski`` / ``Anna
    Kowalska``, twins born the same day, or ``Nguyen Van Hung`` / ``Ngyuen Van Nam``. An
    initial gives no ``part_dob``, so ``D. Kowalenko`` / ``Dmytro Kovalenko`` agree."""
    near = sum(1 for k, _n in shared if k == "part_near_dob")
    if not near:
        return shared
    words = min(sum(1 for k in h.values() if k == "part_dob") for h in (a, b))
    if near > _PART_NEAR_TYPO or sum(1 for k, _n in shared if k == "part_dob") + 1 < words:
        return [(k, n) for k, n in shared if k != "part_near_dob"]
    return shared


def _part_start(shared: list[tuple[str, int]], partial: bool) -> list[tuple[str, int]]:
    """``shared`` without its ``part_start_dob`` tokens unless they say "one word one typo
    off at its start, every other word agreeing": one or two of them
    (a word substituted, dropped, added or swapped at its first two letters shares one,
    a repeated letter two), and not the whole name (``name_dob``, which shares them all).
    Nor between two three-word names agreeing on two words (:func:`_partial_name`):
    ``Nguyen Van Hung`` / ``Nguyen Van Dung`` born the same day are brothers."""
    near = sum(1 for k, _n in shared if k == "part_start_dob")
    if not near:
        return shared
    if partial or near > _PART_NEAR_TYPO or any(k == "name_dob" for k, _n in shared):
        return [(k, n) for k, n in shared if k != "part_start_dob"]
    return shared


def _one_word_name(a: Held, b: Held, shared: Sequence[tuple[str, int]]) -> bool:
    """One record names a person by one word (one ``part_dob`` token and no
    ``initials_dob``, which two words give), the pair shares it with the date of birth
    (exactly or one typo off) and nothing reads the names as agreeing more already."""
    kinds = {k for k, _n in shared}
    if not kinds & _PART_KINDS or kinds & {"name_dob", "nick_dob", "name_init_dob"}:
        return False
    if not kinds - NAME_DOB_KINDS:
        # One name word and a birthday are what a member probing for a victim knows (her
        # first name and date of birth), and what two people of one common given name born
        # on one day share: the rule reads a one-word name only beside other evidence.
        return False
    return any(sum(1 for k in h.values() if k == "part_dob") == 1 and "initials_dob" not in h.values() for h in (a, b))


def _one_word_alone(a: Held, b: Held, shared: Sequence[tuple[str, int]]) -> bool:
    """The pair agrees on one name word with the date of birth (exactly or one typo off)
    and on nothing else but name bands: whatever else either name holds (a second word, an
    initial, a made-up word) is not shared. The bands of a name holding that word share its
    bigrams, so they agree with any name holding it and lift nothing; and a word one typo
    off is no more than the word (a member knowing it may mistype it on purpose)."""
    kinds = {k for k, _n in shared}
    if kinds and kinds <= NAME_DOB_KINDS and all(_one_word(h) for h in (a, b)):
        return True  # both name one word: the whole name agrees, and is still one word
    if not kinds & _PART_KINDS or not kinds <= _ONE_WORD_ONLY:
        return False
    # A kept ``part_near_dob`` is the longest word one typo off (:func:`_part_near`), a
    # word besides those ``part_dob`` shares: ``Lan mSith`` / ``Lan Smith`` agree on two.
    words = sum(1 for k, _n in shared if k == "part_dob") + ("part_near_dob" in kinds)
    # Never more words than either name has: a record of one word and the birthday, met
    # by a crafted one holding that word, a made-up word and two of its typo tokens, still
    # agrees on one word (an honest pair cannot agree on more words than a name holds).
    return min(words, *(sum(1 for k in h.values() if k == "part_dob") for h in (a, b))) <= 1


def _one_word(held: Held) -> bool:
    """The record names a person by one word (one ``part_dob``, no ``initials_dob``)."""
    return sum(1 for k in held.values() if k == "part_dob") == 1 and "initials_dob" not in held.values()


def _partial_name(a: Held, b: Held, shared: Sequence[tuple[str, int]]) -> bool:
    """Both records name a person of three words (four ``name_dob`` tokens: the whole
    name and each two of its words) with one date of birth and share exactly one of them:
    two of their words agree and the third differs. Had either dropped a word, its one
    ``name_dob`` token would be the other's form; had both the same words, all four agree."""
    agreed = sum(1 for k, _n in shared if k == "name_dob")
    if agreed != 1 or 0 < sum(1 for k, _n in shared if k == "part_near_dob") <= _PART_NEAR_TYPO:
        return False  # ... or the third word is the longest and one typo off
    return all(sum(1 for k in h.values() if k == "name_dob") == _THREE_WORD_FORMS for h in (a, b))


def _name_prefix(a: Held, b: Held, shared: list[tuple[str, int]]) -> int:
    """The entity count of the name at the postcode when one record's company name is the
    other's leading words (``Wisniewski & Sons`` / ``Wisniewski & Sons Agricultural
    Services``) and both give one postcode; 0 otherwise.

    ``company_prefix`` tokens are a name and each of its leading words with the postcode,
    so the shorter name's are all among the longer's; two names that only begin alike
    (``... Labour Services`` / ``... Labour Supply``) share all but their whole names."""
    kinds = {k for k, _n in shared}
    if "company_prefix" not in kinds or kinds & {"company", "company_postcode"}:
        return 0
    agreed = [n for k, n in shared if k == "company_prefix"]
    if len(agreed) != min(sum(1 for k in h.values() if k == "company_prefix") for h in (a, b)):
        return 0
    return min(agreed)


#: A company mention's places: the name with its postcode, or in a town.
_COMPANY_PLACES = frozenset({"company_postcode", "company_locality"})


def _name_head(a: Held, b: Held, shared: list[tuple[str, int]]) -> int:
    """The entity count of the name when one record's company name is the other's leading
    words (``Horvath & Sons`` / ``Horvath & Sons Associates``) and one of the two gives no
    place (no postcode, no town); 0 otherwise.

    ``company_head`` tokens are a name and each run of two or more of its leading words,
    so the shorter name's are all among the longer's. Both placed, the places decide: at
    one postcode ``company_prefix`` reads the same, and the two names' places cannot be
    compared by their tokens (each is of its own name), so two placed mentions are never
    read by their heads."""
    kinds = {k for k, _n in shared}
    if "company_head" not in kinds or kinds & {"company", "company_postcode", "company_locality"}:
        return 0
    if all(_COMPANY_PLACES & _kinds(h) for h in (a, b)):
        return 0
    agreed = [n for k, n in shared if k == "company_head"]
    if len(agreed) != min(sum(1 for k in h.values() if k == "company_head") for h in (a, b)):
        return 0
    return min(agreed)


#: A company name of this many letters or more (its ``company_near`` tokens are the name
#: whole and with each letter deleted) one typo from another counts as that name.
_LONG_COMPANY_NAME = 14


def _long_name_near(a: Held, b: Held, shared: list[tuple[str, int]]) -> bool:
    """Whether the pair's company names are one typo apart and the company's is long.

    The company's name is the longer of the two when each record gives one name: a
    letter dropped (``Rapid Logitics`` for ``Rapid Logistics``) leaves the written name
    one short of it. A record giving two (``t/a``) holds both names' tokens, so its count
    is no one name's length: then the shorter record's count is read, as a bound."""
    kinds = {k for k, _n in shared}
    if "company_near" not in kinds or "company" in kinds:
        return False
    counts = [sum(1 for k in h.values() if k == "company_near") for h in (a, b)]
    one_name = all(sum(1 for k in h.values() if k == "company") == 1 for h in (a, b))
    length = (max(counts) if one_name else min(counts)) - 1
    return length >= _LONG_COMPANY_NAME


def _word_differs(a: Held, b: Held, shared: list[tuple[str, int]], partial: bool = False) -> bool:
    """One phone, and a name word of one record that the other's name has neither the
    start nor the sound of.

    With the phone shared, each name word whose first two letters agree shares one
    ``prefix_phone`` token (an initial has none), and each whose metaphone code agrees
    shares its ``name_phone_near`` tokens, one per variant of the phone (as many as the
    phone's own ``phone_near`` tokens). Fewer words agreeing both ways than the shorter
    name has, and no whole name agreeing (with the date, the postcode, or by sound), is
    another person at that phone: a family member or housemate with the house's landline
    shares its family name, not the given one. A typo keeps a word's start or its sound.
    With ``partial`` (two three-word names agreeing on two words, :func:`_partial_name`)
    the name-and-date kinds the two words share are no whole name: twins at the landline.
    """
    kinds = {k for k, _n in shared}
    if "phone" not in kinds or kinds & (_WHOLE_NAME_FUZZY if partial else _WHOLE_NAME_OR_DOCUMENT):
        return False

    def count(items: Iterable[str], kind: str) -> int:
        return sum(1 for k in items if k == kind)

    agreed = [k for k, _n in shared]
    heads = min(count(a.values(), "prefix_phone"), count(b.values(), "prefix_phone"))
    if not 0 < count(agreed, "prefix_phone") < heads:
        return False
    per_code = count(agreed, "phone_near")  # the shared phone's variants
    if not per_code:
        return True
    codes = min(count(h.values(), "name_phone_near") / max(count(h.values(), "phone_near"), 1) for h in (a, b))
    return count(agreed, "name_phone_near") / per_code < codes - 0.5


def given_names_differ(a: Held, b: Held, shared: list[tuple[str, int]]) -> bool:
    """:func:`score_pairs`' reading of a shared phone whose holders' given names differ
    (the ``prefix_phone`` disagreement), for the EM fit to class pairs as the model does."""
    shared = _part_near(shared, a, b)
    return _word_differs(a, b, shared, _partial_name(a, b, shared))


def near_name_counts(a: Held, b: Held, shared: list[tuple[str, int]]) -> bool:
    """Whether :func:`score_pairs` counts the pair's shared ``part_near_dob`` tokens
    (:func:`_part_near`), for the EM fit to read the pair as the model does."""
    return any(k == "part_near_dob" for k, _n in _part_near(shared, a, b))


def start_typo_counts(a: Held, b: Held, shared: list[tuple[str, int]]) -> bool:
    """Whether :func:`score_pairs` counts the pair's shared ``part_start_dob`` tokens
    (:func:`_part_start`), for the EM fit to read the pair as the model does."""
    shared = _part_near(shared, a, b)
    return any(k == "part_start_dob" for k, _n in _part_start(shared, _partial_name(a, b, shared)))


def entity_type(kinds: Iterable[str]) -> str:
    """What a match or cluster is of, from the kinds it matched on: ``"site"``,
    ``"company"`` or ``"perpetrator"`` (a person; any person kind makes it one)."""
    ks = set(kinds)
    if not ks:
        return "perpetrator"
    if ks <= SITE_KINDS | {"address"} and ks & SITE_KINDS:
        return "site"
    if ks <= COMPANY_KINDS | {"address", "phone", "email"} and ks & COMPANY_KINDS:
        return "company"
    if ks <= SITE_KINDS | COMPANY_KINDS | {"address"}:
        return "site" if ks & SITE_KINDS else "company"
    return "perpetrator"


#: The kinds :func:`records_contradict` reads (a record holding none of them contradicts
#: only a record of another shape).
_CONTRADICTION_KINDS = frozenset(
    {*_CONTRADICT, "company_number", "site_postcode", "name_dob"}
)


def records_contradict(a: Held, b: Held) -> bool:
    """Whether two records say they are different entities, from their tokens alone.

    Only evidence that cannot be a typo: two NINOs, passports or national ids sharing
    no near miss, companies with different numbers, one site name at two postcodes (the
    name agrees with the district or locality, the postcode does not, not even one typo
    from it), and a person against a site or company. Names with dates of birth that
    share no token are not a contradiction here: a name mistyped at both members, or
    given as one word, shares none either.
    """
    return _records_contradict(a, b, _kinds(a), _kinds(b))


def _records_contradict(a: Held, b: Held, ka: frozenset[str], kb: frozenset[str]) -> bool:
    if _shape(ka) * _shape(kb) < 0:
        return True
    if "company_number" in ka and "company_number" in kb and not _shares(a, b, {"company_number"}, b""):
        return True
    if (
        "site_postcode" in ka
        and "site_postcode" in kb
        and _shares(a, b, {"site_district", "site_locality", "site_near_locality"}, b"")
        and not _shares(a, b, {"site_postcode", "site_near", "site_near_postcode"}, b"")
    ):
        return True
    if any(doc in ka and doc in kb and not _shares(a, b, {doc, "nid_near"}, b"") for doc in _CONTRADICT):
        return True
    return "name_dob" in ka and "name_dob" in kb and _other_third_word(a, b)


def _other_third_word(a: Held, b: Held) -> bool:
    """Two names of three words with one date of birth agreeing on two words only, and
    on nothing that reads the whole name another way (:func:`_partial_name`): twins, or
    countrymen of one family and middle name born the same day. A mention that dropped
    the middle word may match either; it must not join the two."""
    shared = _part_near([(k, 1) for v, k in a.items() if k in _WHOLE_NAME_FUZZY or k in _TYPO_KINDS if b.get(v) == k], a, b)
    return _partial_name(a, b, shared) and not any(k in _WHOLE_NAME_FUZZY for k, _n in shared)


def cluster_records(
    edges: Iterable[tuple[K, K, float]],
    tokens: Mapping[K, Held],
    key: Callable[[K], object] | None = None,
    on_merge: Callable[[K, K, float, Sequence[K], Sequence[K]], None] | None = None,
    member: Mapping[K, Hashable] | None = None,
) -> list[set[K]]:
    """Clusters of matched records (what STTG sees), largest first; singletons left out.

    Matched pairs are merged strongest first, and two clusters are never merged when a
    record of one contradicts a record of the other (:func:`records_contradict`) that it
    was not itself matched with: one wrong or weak pair must not chain two people, a
    phoenix company and its predecessor, or one site name at two postcodes into one
    cluster. A pair the model matched despite a contradiction (a document shared by
    records whose names differ) is the pair's own evidence and still joins its records.

    Nor are two clusters merged that each know a person's name with the date of birth
    from two of their records (a matched pair agreeing on them, so two members), when no
    record of one giving a name and date agrees with a record of the other (every pair
    across shares no name with the date, no date with a place or phone, no document):
    two namesakes born on other days, joined by a report without a date matching one of
    each, or by a pair matched despite its own disagreement. One record's other date is
    no contradiction (a date or name mistyped at both ends shares nothing either), nor is
    a cluster's date that only one record gives (one member alone cannot split a cluster
    by sending a record with another birthday).

    Given ``member`` (each record's member), one member's word alone keeps no two
    clusters apart: two records of one member (never paired with each other) contradict
    only as twins or as a person and an organisation, not by their documents, company
    numbers or site postcodes, and the two clusters' dates must be known from matched
    pairs of four members, not through one member's records on both sides. Otherwise a
    hostile member's two records, each matched with one honest record more strongly than
    the honest records match each other, one with each date of birth the person gave, or
    each with another made-up NINO, split any person.

    The result depends only on the pairs, their scores and the records' tokens, so the
    coordinator (incrementally, per connected component) and ``msin link`` (in one go)
    give the same clusters. ``on_merge`` (for ``bench/cluster_merges.py``) is told every
    merge made: the joining pair, its score and the two clusters' records, before.
    """
    order = key or (lambda r: r)
    # Strongest first; a tie by the smaller record, whichever way round each caller gives a pair.
    ranked = sorted(edges, key=lambda e: (-e[2], *sorted((order(e[0]), order(e[1])))))  # type: ignore[type-var]
    matched = {(a, b) for a, b, _s in ranked} | {(b, a) for a, b, _s in ranked}
    parent: dict[K, K] = {}
    members: dict[K, list[K]] = {}

    def find(x: K) -> K:
        if x not in parent:
            parent[x] = x
            members[x] = [x]
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    empty: Held = {}
    # Kinds and shape once per record; a record holding none of the kinds a contradiction
    # reads can only contradict one of another shape, so most pairs need no look.
    kinds: dict[K, frozenset[str]] = {}
    for a, b, _score in ranked:
        for r in (a, b):
            if r not in kinds:
                kinds[r] = _kinds(tokens.get(r, empty))

    def member_of(x: K) -> Hashable:
        return x if member is None else member.get(x, x)

    def contradict(x: K, y: K) -> bool:
        kx, ky = kinds[x], kinds[y]
        if not (kx & _CONTRADICTION_KINDS and ky & _CONTRADICTION_KINDS):
            return _shape(kx) * _shape(ky) < 0
        tx, ty = tokens.get(x, empty), tokens.get(y, empty)
        if member_of(x) == member_of(y):
            # Two records of one member (never paired with each other): its documents,
            # numbers or postcodes, which it may make up, are its word alone; twins' names
            # are not made up (each must read as the name of a record it matches), and one
            # member knowing both twins is common (tuning split, confusers).
            return _shape(kx) * _shape(ky) < 0 or ("name_dob" in kx and "name_dob" in ky and _other_third_word(tx, ty))
        return _records_contradict(tx, ty, kx, ky)

    # The values of a record's tokens that agree on a name with the date of birth
    # (_DATE_AGREES), for the records that give one. By value alone: a value two records
    # label differently agreeing here only leaves the two clusters free to merge.
    births: dict[K, frozenset[bytes]] = {
        r: frozenset(v for v, k in tokens.get(r, empty).items() if k in _DATE_AGREES)
        for r, ks in kinds.items()
        if "name_dob" in ks
    }

    def born(x: K) -> bool:
        return x in births

    def same_birth(x: K, y: K) -> bool:
        return not births[x].isdisjoint(births[y])

    # Roots of clusters holding a matched pair that agrees on a name with the date of
    # birth, with the members of each such pair.
    dated: dict[K, set[frozenset[Hashable]]] = {}
    for a, b, score in ranked:
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        left, right = members[ra], members[rb]
        if len(left) + len(right) > 2 and any(
            (x, y) not in matched and contradict(x, y) for x in left for y in right
        ):
            continue
        born_left, born_right = [x for x in left if born(x)], [y for y in right if born(y)]
        if (
            ra in dated
            and rb in dated
            and any(p.isdisjoint(q) for p in dated[ra] for q in dated[rb])
            and not any(same_birth(x, y) for x in born_left for y in born_right)
        ):
            continue
        agreeing = {
            frozenset((member_of(x), member_of(y)))
            for x in born_left for y in born_right if (x, y) in matched and same_birth(x, y)
        }
        if ra in dated or rb in dated or agreeing:
            dated[ra] = dated.get(ra, set()) | dated.pop(rb, set()) | agreeing
        if on_merge is not None:
            on_merge(a, b, score, tuple(left), tuple(right))
        if len(left) < len(right):
            ra, rb, left, right = rb, ra, right, left
        parent[rb] = ra
        left.extend(right)
        del members[rb]
        if rb in dated:
            dated[ra] = dated.pop(rb)
    groups = [set(g) for g in members.values() if len(g) >= 2]
    return sorted(groups, key=lambda g: (-len(g), order(min(g, key=order))))  # type: ignore[arg-type]
