"""Street addresses with a house number (``Flat 2, 14 Mill Lane``), which Presidio lacks.

The town after the street is kept: analysts need it, and it is coarse.
"""

from __future__ import annotations

from presidio_analyzer import Pattern

from msin_fed.redaction.recognizers._base import ClassPatternRecognizer

__all__ = ["StreetAddressRecognizer", "StreetNameRecognizer"]

# Street types of the UK and of the English-speaking world (USPS Publication 28's suffixes,
# which English-language address generators use too), less words that name a station or
# port rather than a street. Matched only after a capitalised street name.
_STREET_TYPES = (
    r"(?:Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Close|Cl|Drive|Dr|Drives|Way|Ways|Court|Ct|Courts|Crescent|Cres"
    r"|Place|Pl|Terrace|Gardens|Garden|Gdns|Grove|Groves|Hill|Hills|Row|Walk|Walks|Square|Squares|Sq|Mews"
    r"|Parade|View|Views|Green|Greens|Rise|Vale|Yard|Wharf|Park|Parks|Fields|Field|Broadway|Boulevard|Blvd"
    r"|Chase|End|Gate|Gates|Gateway|Meadow|Meadows|Alley|Branch|Bridge|Brook|Brooks|Burg|Burgs|Bypass|Camp"
    r"|Canyon|Cape|Causeway|Circle|Circles|Circus|Cliff|Cliffs|Corner|Corners"
    r"|Cove|Coves|Creek|Crest|Crossing|Crossroad|Croft|Curve|Dale|Dam|Dene|Divide|Estate|Estates|Expressway"
    r"|Extension|Fall|Falls|Ferry|Flats|Ford|Fords|Forest|Forge|Forges|Fork|Forks|Fort|Freeway|Glade|Glen"
    r"|Glens|Harbor|Harbour|Haven|Heights|Highway|Hollow|Inlet|Island|Islands|Isle|Junction|Key|Keys|Knoll"
    r"|Knolls|Lake|Lakes|Landing|Lights|Loaf|Lock|Locks|Lodge|Loop|Mall|Manor|Manors|Mill|Mills"
    r"|Motorway|Mount|Mountain|Mountains|Neck|Orchard|Oval|Overpass|Parkway|Pass|Passage|Path|Pike|Pines"
    r"|Plain|Plains|Plaza|Point|Points|Prairie|Radial|Ranch|Rapids|Ridge|Ridges|River|Roads|Route|Rue|Run"
    r"|Shoal|Shoals|Shore|Shores|Skyway|Spring|Springs|Spur|Spurs|Stravenue|Stream|Streets|Summit"
    r"|Throughway|Trace|Track|Trafficway|Trail|Tunnel|Turnpike|Underpass|Valley|Valleys"
    r"|Viaduct|Village|Villages|Ville|Villas|Vista|Wall|Wells|Wynd|Brae|Loan|Quay|Approach|Brow|Hey|Ings"
    r"|Lea|Leys|Nook|Stead|Wood|Woods|Strada|Str|Ulica|Ul|Calle|Via|Strasse|Straße|Utca|Iela|Gatve|Ulice)"
)
# The types common enough in UK prose to find a street by, with no preposition or number before it.
_COMMON_TYPES = (
    r"(?:Road|Rd|Street|St|Lane|Avenue|Ave|Close|Crescent|Terrace|Gardens|Mews|Drive|Grove|Coves?|Way|Court"
    r"|Place|Square|Row|Walk|Parade|Rise|Hill|Green|View|Park)"
)
_WORD = r"[A-Z][\w'’-]*"


class StreetAddressRecognizer(ClassPatternRecognizer):
    """House number (with optional flat) and a street name ending in a street type."""

    ENTITY = "STREET_ADDRESS"
    PATTERNS = [
        Pattern(
            "house number and street",
            rf"(?:(?i:flat|unit|apartment|apt|room)\s*\d+[A-Za-z]?,?\s+)?\b\d{{1,4}}[A-Za-z]?,?\s+(?:{_WORD}\s+){{1,3}}{_STREET_TYPES}\b",
            0.85,
        ),
        Pattern(
            "house number and street (lower case)",
            rf"(?i)\b\d{{1,4}}[a-z]?,?\s+(?:[a-z][\w'-]*\s+){{1,2}}{_COMMON_TYPES}\b",
            0.6,
        ),
    ]
    CONTEXT = ["address", "lives", "living", "house", "flat", "staying", "at"]

    def validate_result(self, pattern_text: str) -> bool | None:
        """Reject counts and durations that happen to precede a capitalised word ("12 Workers Way" stays)."""
        words = pattern_text.split()
        # "40 hours Park" style accidents: a unit word right after the number.
        return not (len(words) > 1 and words[1].lower() in {"hours", "workers", "days", "weeks", "people", "men", "women"})


class StreetNameRecognizer(ClassPatternRecognizer):
    """A street line with no house number (``on Toby Coves``, ``in Mill Lane``) and a flat or
    unit line on its own (``Flat 51Q``): either identifies where someone lives."""

    ENTITY = "STREET_ADDRESS"
    PATTERNS = [
        Pattern(
            "street name after a preposition",
            rf"(?<=\b(?:on|in|at|off|near|from|of|to|along|opposite|behind|by) )(?:{_WORD}\s+){{1,3}}{_STREET_TYPES}\b",
            0.6,
        ),
        Pattern("street name and type", rf"\b(?:{_WORD}\s+){{1,2}}{_COMMON_TYPES}\b", 0.5),
        Pattern(
            "street line on its own line or after a flat line",
            rf"(?m)(?:^[ \t]*|(?i:flat|studio|apartment|unit)\s*\d+[A-Za-z]?,?\s+)(?:{_WORD}\s+){{1,3}}{_STREET_TYPES}\b",
            0.6,
        ),
        Pattern(
            "street type first (Rue, Strada, ul.)",
            r"\b(?:Rue|Via|Viale|Calle|Avenida|Rua|Strada|Str\.|Ulica|ul\.|Aleja|al\.|Piazza|Platz|Bulevardul|Bd\.|"
            r"Calea|Soseaua|Șoseaua|Ulitsa|ulitsa|Vulytsia|vul\.|Ulice|Utca|Iela|Gatvė|Gatve|Pho|Duong|Đường|Phố)"
            r"\s+(?:(?:de|la|le|del|della|di|du|des|da|do|dos|das|der|van|von)\s+)*[A-ZÀ-Ý][\w'’.-]+"
            r"(?:\s+[A-ZÀ-Ý][\w'’-]+){0,2}(?:,?\s+(?:nr\.?\s*)?\d+[a-zA-Z]?)?",
            0.65,
        ),
        Pattern(
            "flat or unit line",
            r"(?i)\b(?:flat|apartment|apt\.?|unit|studio|room|suite|caravan|plot|pitch|house|block)\s*(?:no\.?\s*)?\d+[a-z]?\b",
            0.6,
        ),
    ]

    def validate_result(self, pattern_text: str) -> bool | None:
        """A street is not a count of rooms ("room 2 of 4" stays a room) nor an English phrase in capitals."""
        words = pattern_text.split()
        if words[0].lower() in {"room", "house", "block", "plot", "pitch"} and len(words) == 2 and len(words[1]) == 1:
            return False
        return None
