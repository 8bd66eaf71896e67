"""Person names introduced by a cue (``called ion``, ``Mr NGUYEN``, ``supervisor Darius``).

The small English NER model misses many foreign, lower-case and capitalised names; a
cue word before them is strong evidence whatever the case. After a strong cue
(``named``, ``called``, ``Mr``) any case is accepted; after a role word
(``supervisor``, ``driver``) only a capitalised word is, so "the driver said" stays.
"""

from __future__ import annotations

import re

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from msin_fed.redaction._text import COMMON_WORDS
from msin_fed.redaction._vocab import given_names, is_english_word, is_kept_word, is_name_word, is_town

__all__ = ["PersonCueRecognizer"]

_TOKEN = r"[^\W\d_][^\W\d_'’-]*(?:[-'’][^\W\d_]+)*"  # noqa: S105 - a regex, not a secret


class PersonCueRecognizer(LocalRecognizer):
    """One to three name words after a naming cue or a role word."""

    ENTITY = "PERSON"
    STRONG = (
        r"named|called|calls himself|calls herself|name is|name was|name's|names are|known as|"
        r"goes by|aka|a\.k\.a\.?|alias|nicknamed|surname|first name|forename|last name|family name|given name|"
        r"full name|real name|maiden name|middle name|name(?=\s*[:?=-])|mr\.?|mrs\.?|ms\.?|miss|dr\.?|"
        r"signed by|signed as|introduced himself as|introduced herself as"
    )
    ROLES = (
        r"worker|workers|supervisor|gangmaster|gang master|driver|boss|manager|landlord|foreman|victim|"
        r"caller|recruiter|agent|controller|colleague|brother|sister|cousin|friend|wife|husband|son|"
        r"daughter|partner|uncle|aunt|director|owner|contact|man|woman|guy|lady|person|individual|"
        r"suspect|fixer|translator|interpreter|team leader|chargehand|housemate|flatmate|and|with|by|"
        r"from|to|told|asked|paid|met|pays|called"
    )
    SCORE = 0.8

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[self.ENTITY],
            supported_language=supported_language,
            name="PersonCueRecognizer",
        )
        self._strong = re.compile(
            rf"(?i:\b(?:{self.STRONG}))(?:\s*(?:\?|-|–|=|is|was|:))?[\s:,\"'‘“]+((?:{_TOKEN})(?:[ ](?:{_TOKEN})){{0,2}})"
        )
        # Capitalised words right before a reporting verb or a birth detail: "Obi told us", "Ion, born".
        # Starts only where a word starts: a match from inside a word implies one from its
        # start, which the scan reaches first, so this changes no result and saves most of the work.
        self._before_verb = re.compile(
            rf"(?<![^\W\d_])((?:{_TOKEN})(?:[ ](?:{_TOKEN})){{0,2}})(?=,?\s+(?:\(date of birth|\(dob|\(born|born\b|dob\b|d\.o\.b"
            r"|told\b|said\b|says\b|tells\b|was seen|phoned\b|texted\b|arrived\b|gave (?:his|her)|showed\b|carries\b"
            r"|collects\b|drives\b|keeps\b|threatened\b|threatens\b|owes\b))"
        )
        self._role = re.compile(
            rf"(?i:\b(?:{self.ROLES})(?:\s+(?:is|was))?)[\s,:]+((?:{_TOKEN})(?:[ ](?:{_TOKEN})){{0,2}})"
        )

        # A nickname given as such, whatever its words: "known as 'the Boss'".
        self._nickname = re.compile(
            r"(?i:\b(?:known as|nicknamed|nickname|calls? (?:himself|herself|themselves)|goes by|alias|aka|a\.k\.a\.?|called)"
            r")\s*(?:the name\s*)?[\"'‘“]([^\"'’”\n]{2,40})[\"'’”]"
        )
        # A dialogue label at the start of a line or after a quote: "Naomi: they took my passport".
        self._label = re.compile(rf"(?m)(?:^|[\"“])[ \t]*((?:{_TOKEN})(?: (?:{_TOKEN}))?)[ \t]*:[ \t]")
        # Capitalised words in a list with "and": "the brothers North, Hall and Webb run the gang".
        self._listed = re.compile(
            r"(?m:(?<=[a-z,;] )|^|(?<=[.!?] ))((?:[A-Z][a-z'’-]+, ){1,4}[A-Z][a-z'’-]+,? (?:and|&) [A-Z][a-z'’-]+)\b"
        )

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Name spans after cues, trimmed of common words."""
        results: list[RecognizerResult] = []
        seen: set[tuple[int, int]] = set()
        for rx, score in ((self._strong, self.SCORE), (self._role, self.SCORE - 0.1), (self._before_verb, 0.6)):
            for m in rx.finditer(text):
                if rx is self._before_verb:
                    span = self._trim_right(text, m.start(1), m.end(1))
                else:
                    span = self._trim(text, m.start(1), m.end(1), capitalised=rx is self._role)
                if span is not None and rx is self._role and _CONNECTOR.fullmatch(m.group(0)[: m.start(1) - m.start()]):
                    # After a bare "and", "with", "to": only a word that could be nobody else's
                    # ("and Family" is a genre, "and Darius" a person).
                    if all(is_english_word(w) and not is_name_word(w) for w in text[span[0] : span[1]].split()):
                        continue
                if span is not None and not is_town(text[span[0] : span[1]]) and span not in seen:
                    seen.add(span)
                    results.append(
                        RecognizerResult(
                            self.ENTITY, span[0], span[1], score,
                            recognition_metadata={
                                RecognizerResult.RECOGNIZER_NAME_KEY: "PersonCueRecognizer",
                                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                            },
                        )
                    )
        results += [r for r in self._extra(text) if (r.start, r.end) not in seen]
        return results

    def _extra(self, text: str) -> list[RecognizerResult]:
        """Nicknames, dialogue labels and listed surnames."""
        found: list[tuple[int, int, float]] = []
        # (a span found twice, by two rules, is reported once)
        for m in self._nickname.finditer(text):
            found.append((m.start(1), m.end(1), self.SCORE))
        for m in self._label.finditer(text):
            words = m.group(1).split()
            if not any(_not_name(w) or _is_label_word(w) for w in words):
                found.append((m.start(1), m.end(1), 0.7))
        for m in self._listed.finditer(text):
            listed = [(w.start(), w.end(), w.group(0)) for w in re.finditer(r"[A-Z][a-z'’-]+", m.group(1))]
            if any(is_kept_word(w) or w.lower() in _CALENDAR for _, _, w in listed):
                continue
            # Names, not a list of things: every word is a name somewhere ("North", "Hall",
            # "Webb") or in no English dictionary; "Animation, Comedy and Kids" are genres.
            if all(not is_english_word(w) or is_name_word(w) for _, _, w in listed):
                found += [(m.start(1) + b, m.start(1) + e, 0.6) for b, e, _ in listed]
        return [
            RecognizerResult(
                self.ENTITY, s, e, score,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: "PersonCueRecognizer",
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                },
            )
            for s, e, score in found
        ]

    @staticmethod
    def _trim(text: str, start: int, end: int, capitalised: bool) -> tuple[int, int] | None:
        """Keep the leading run of words that are not common English words (and, after a role,
        capitalised or a given name)."""
        last = None
        whole = text[start:end]
        first = ""
        for word in re.finditer(r"\S+", whole):
            w = word.group(0)
            # After a role, a lower-case word counts only as a given name ("spoke to kerry
            # green"), or as the next word of a name already begun.
            if _not_name(w) or (capitalised and not w[0].isupper() and not (first or _given(w))):
                break
            if w.isupper() and len(w) <= 3 and not whole.isupper():
                break
            # After the first word, an English word continues the name only in matching case
            # (and in lower case only if it is a name somewhere: "kerry green", not "ion drives").
            if first and is_english_word(w) and not (
                (w[0].isupper() and first[0].isupper()) or (w.islower() and first.islower() and is_name_word(w))
            ):
                break
            first = first or w
            last = start + word.end()
        if last is None or last - start < 2:
            return None
        return start, last

    @staticmethod
    def _trim_right(text: str, start: int, end: int) -> tuple[int, int] | None:
        """Keep the trailing run of capitalised words that are not common words."""
        words = list(re.finditer(r"\S+", text[start:end]))
        begin = None
        for word in reversed(words):
            w = word.group(0)
            if _not_name(w) or not w[0].isupper():
                break
            begin = start + word.start()
        if begin is None or end - begin < 2:
            return None
        return begin, end


_CONNECTOR = re.compile(r"(?i)(?:and|with|by|from|to|told|asked|paid|met|pays|called)[\s,:]+")
_CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december".split()
)


# Labels of a form or a transcript, not people ("Note:", "Caller:", "Q:").
_LABELS = frozenset(
    "note notes update summary caller interviewer interviewee worker q a question answer date time location "
    "subject re action actions outcome source reporter details description comment comments reply response "
    "message text email sms call transcript translation translator interpreter officer staff manager "
    "supervisor analyst member police witness victim suspect agent client name address phone tel mobile "
    "warning important nb ps fyi attention result results status step stage report incident concern "
    "dob nino ni id reg vrm vehicle plate account bank iban sort passport licence postcode when where who".split()
)


def _given(word: str) -> bool:
    # A given name that is no English word: "kerry", "trung"; not "night" or "rota".
    return word.isalpha() and word.lower() in given_names() and not is_english_word(word)


def _is_label_word(word: str) -> bool:
    w = word.lower()
    return (
        len(word) < 2 or w in _LABELS or w in _CALENDAR or word.islower()
        # "Desk:", "Bot:": an English word that is nobody's name labels a line, not a speaker.
        or (is_english_word(w) and not is_name_word(w))
    )


def _not_name(word: str) -> bool:
    w = word.lower().strip("'’")
    # A place or nationality word that is also a family name ("Moldovan") is a name after a cue.
    return w in COMMON_WORDS or w in STOP_WORDS or (is_kept_word(word) and not is_name_word(word))
