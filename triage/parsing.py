"""Understanding a spoken or typed answer: yes/no, numbers and durations, "I don't know", the commands.

Nothing here guesses. A reply is read as the person means it or not at all:
- a clear yes or no, even with more words after it that do not contradict it ("no, nothing like that");
- a hedge ("maybe no", "probably", "I think not") is never a certain answer: the conversation treats it
  as "I don't know" on a red-flag question and reads it back elsewhere;
- numbers in digits or words, durations in hours, days, weeks, fortnights, months and years converted to
  whole weeks by rounding (not truncation), a range ("3 or 4") as its higher value, read back;
- a vague amount ("a few weeks"), a unit the question cannot take ("three weeks" for an age, "7/10" for
  weeks) or an unknown unit is not understood, and the conversation asks again saying how to answer.

All the words live in data/answer_words.json, the one source that also feeds the recognizer grammars
(triage.vocabulary) and the Alexa interaction model.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from .model import Question, load_answer_words

COMMANDS = ("repeat", "help", "back", "start_over", "stop", "more")
_MAX_PHRASE_WORDS = 7
_MAX_INPUT_CHARS = 200  # nobody answers a yes/no question in more; longer input is not understood
_HOURS_PER_WEEK = 168

# Every dash and minus sign people or keyboards produce, and every apostrophe look-alike.
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
_APOSTROPHES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u02bc\u02b9\u0060\u00b4\u2032\uff07"), "'")
_NUMBER_RANGE = re.compile(r"(\d)\s*-\s*(?=\d)")       # "5-6" and "5 - 6" are a range
_MINUS = re.compile(r"(?<![\w])-(?=\d)")                # "-3" keeps its sign as a word
_OUT_OF_TEN = re.compile(r"(\d)\s*/\s*10\b")            # "7/10"
_DIGITS_THEN_LETTERS = re.compile(r"(\d)([a-z])")       # "48hrs", "3wks"
_NOT_WORD = re.compile(r"[^a-z0-9'.\s]")
_LONE_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")
_DECIMAL = re.compile(r"\d{1,6}(\.\d{1,3})?")


def normalize(text: Any) -> str:
    """Lower-case words, apostrophes kept, punctuation dropped; '-3' and '\u22123' become 'minus 3'."""
    if not isinstance(text, str):
        return ""
    return _normalize(text[: _MAX_INPUT_CHARS * 4])  # longer input is refused below anyway


@lru_cache(maxsize=4096)
def _normalize(text: str) -> str:
    # Memoized: the same few hundred answers recur, and the Alexa skill parses on every turn.
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_APOSTROPHES).lower()
    text = _NUMBER_RANGE.sub(r"\1 to ", text)       # "5-6" -> "5 to 6"
    text = _MINUS.sub(" minus ", text)              # "-3" -> "minus 3"
    text = _OUT_OF_TEN.sub(r"\1 out of ten", text)  # "7/10"
    text = _DIGITS_THEN_LETTERS.sub(r"\1 \2", text)
    text = _NOT_WORD.sub(" ", text)
    text = _LONE_DOT.sub(" ", text)                 # keep "7.5" whole
    return " ".join(text.split())


def _phrases(items: Any) -> list[str]:
    return [normalize(p) for p in items]


@lru_cache(maxsize=1)
def _vocab() -> dict[str, Any]:
    words = load_answer_words()
    units: dict[str, tuple[str, Fraction]] = {}
    for name, spec in words["units"].items():
        for word in spec["words"] + spec.get("typed", []):
            units[normalize(word)] = (name, Fraction(str(spec["hours"])))
    return {
        "yes": set(_phrases(words["yes"])) | set(_phrases(words["typed_yes"])),
        "no": set(_phrases(words["no"])) | set(_phrases(words["typed_no"])),
        "hedged_yes": set(_phrases(words["hedged_yes"])),
        "hedged_no": set(_phrases(words["hedged_no"])),
        "hedge": set(_phrases(words["hedge_markers"])),
        "yes_markers": [p.split() for p in _phrases(words["yes_markers"])],
        "no_markers": [p.split() for p in _phrases(words["no_markers"])],
        "contradiction": [p.split() for p in _phrases(words["contradiction_markers"])],
        "fillers": set(_phrases(words["fillers_before"] + words["fillers_after"])),
        "fillers_before": _phrases(words["fillers_before"]),
        "fillers_after": _phrases(words["fillers_after"]),
        "number_before": [p for p in _phrases(words["fillers_before"] + words["number_fillers_before"])
                          if p not in ("a", "an")],  # "a" may be a quantity: "a year"
        "number_after": _phrases(words["fillers_after"] + words["number_fillers_after"]),
        "number_hedges": _phrases(words["number_hedges"]),
        "range_joiners": sorted(_phrases(words["range_joiners"]), key=len, reverse=True),
        "range_openers": _phrases(words["range_openers"]),
        "dont_know": set(_phrases(words["dont_know"])),
        "commands": {normalize(p): name for name, phrases in words["commands"].items() for p in phrases},
        "suffixes": {kind: sorted(_phrases(items), key=len, reverse=True)
                     for kind, items in words["number_suffixes"].items()},
        "units": units,
        "quantities": {normalize(k): Fraction(str(v)) for k, v in words["quantity_words"].items()},
        "halves": [p.split() for p in _phrases(words["half_words"])],
        "zero_duration": set(_phrases(words["zero_duration_phrases"])),
        "ones": {k: int(v) for k, v in words["number_words"].items()},
        "tens": {k: int(v) for k, v in words["tens_words"].items()},
        "negative": set(words["negative_words"]),
    }


@lru_cache(maxsize=64)
def _question_words(question_id: str | None) -> dict[str, Any]:
    """Answer words that mean something only to one question ("one leg" to "Are both legs affected?")."""
    spec = load_answer_words().get("question_words", {}).get(question_id or "", {})
    return {"yes": set(_phrases(spec.get("yes", []))), "no": set(_phrases(spec.get("no", []))),
            "zero": set(_phrases(spec.get("zero", []))), "no_means": spec.get("no_means")}


def _strip_edges(tokens: list[str], before: list[str], after: list[str]) -> list[str]:
    """Drop filler phrases ('um', 'about', 'please') from both ends, repeatedly, longest first (so
    "right now" goes whole, not as "now" leaving "right")."""
    before = sorted(before, key=lambda p: -len(p.split()))
    after = sorted(after, key=lambda p: -len(p.split()))
    changed = True
    while changed and tokens:
        changed = False
        for phrase in before:
            words = phrase.split()
            if len(tokens) > len(words) and tokens[:len(words)] == words:
                tokens = tokens[len(words):]
                changed = True
        for phrase in after:
            words = phrase.split()
            if len(tokens) > len(words) and tokens[-len(words):] == words:
                tokens = tokens[:-len(words)]
                changed = True
    return tokens


def _contains(tokens: tuple[str, ...], phrases: list[list[str]]) -> bool:
    return any(tokens[i:i + len(p)] == tuple(p) for p in phrases for i in range(len(tokens) - len(p) + 1))


# ---------------------------------------------------------------------------------------------- yes/no

@dataclass(frozen=True)
class YesNoReading:
    """answer: True/False or None (no polarity heard); hedged: said with doubt ("maybe no", "probably");
    dont_know: "I don't know" with no yes or no in it."""
    answer: bool | None = None
    hedged: bool = False
    dont_know: bool = False


_NOT_UNDERSTOOD = YesNoReading()


def _labels(phrase: str, question_id: str | None) -> tuple[str, ...]:
    """Every meaning a phrase may have; a question's own words override the general ones."""
    vocab, own = _vocab(), _question_words(question_id)
    if phrase in own["yes"]:
        return ("yes",)
    if phrase in own["no"]:
        return ("no",)
    found = [kind for kind in ("yes", "no", "hedged_yes", "hedged_no", "dont_know", "hedge") if phrase in vocab[kind]]
    if phrase in vocab["fillers"]:
        found.append("filler")
    return tuple(found)


_EFFECT = {"yes": ("yes", False, False), "no": ("no", False, False), "hedged_yes": ("yes", True, False),
           "hedged_no": ("no", True, False), "dont_know": (None, False, True), "hedge": (None, True, False),
           "filler": (None, False, False)}


@lru_cache(maxsize=4096)
def _readings(tokens: tuple[str, ...], question_id: str | None) -> frozenset[tuple[frozenset[str], bool, bool]]:
    """Every way to read all the words as known phrases: (polarities, hedged, dont_know) per reading."""
    @lru_cache(maxsize=None)
    def from_(start: int) -> frozenset[tuple[frozenset[str], bool, bool]]:
        if start == len(tokens):
            return frozenset({(frozenset(), False, False)})
        found: set[tuple[frozenset[str], bool, bool]] = set()
        for end in range(start + 1, min(len(tokens), start + _MAX_PHRASE_WORDS) + 1):
            for label in _labels(" ".join(tokens[start:end]), question_id):
                polarity, hedged, dont_know = _EFFECT[label]
                for rest_pol, rest_hedged, rest_dk in from_(end):
                    pol = rest_pol | {polarity} if polarity else rest_pol
                    if len(pol) <= 1:  # "yes no" has no consistent reading
                        found.add((pol, hedged or rest_hedged, dont_know or rest_dk))
        return frozenset(found)

    return from_(0)


def _combine(readings: frozenset[tuple[frozenset[str], bool, bool]]) -> YesNoReading | None:
    """One meaning from all readings, or None when there is none. Readings that hear a yes or no win
    over readings that hear only fillers ("it is" is a yes, not a filler); two polarities are
    ambiguous; any doubt in any reading makes the answer hedged (caution)."""
    if not readings:
        return None
    with_polarity = [r for r in readings if r[0]]
    if with_polarity:
        polarities = {next(iter(r[0])) for r in with_polarity}
        if len(polarities) != 1:
            return _NOT_UNDERSTOOD
        hedged = any(r[1] or r[2] for r in with_polarity)
        return YesNoReading(answer=polarities.pop() == "yes", hedged=hedged)
    if any(r[2] for r in readings) or any(r[1] for r in readings):
        return YesNoReading(dont_know=True)  # "maybe", "I think": doubt without a yes or no
    return _NOT_UNDERSTOOD  # fillers only: "okay", "um"


def _rest_after_answer(answer: bool, rest: tuple[str, ...], question_id: str | None) -> YesNoReading | None:
    """The words after a leading clear yes/no: None if they contradict it, else the answer (hedged if
    they carry doubt: "no, I think it's fine")."""
    vocab = _vocab()
    opposite = vocab["no_markers"] if answer else vocab["yes_markers"]
    if _contains(rest, opposite) or (answer and any(t.endswith("n't") for t in rest)):
        return None
    against = ("no", "hedged_no") if answer else ("yes", "hedged_yes")
    for start in range(len(rest)):  # a whole phrase of the other answer: "yes, the right one" (one leg)
        for end in range(start + 1, min(len(rest), start + _MAX_PHRASE_WORDS) + 1):
            if set(_labels(" ".join(rest[start:end]), question_id)) & set(against):
                return None
    doubt = [p.split() for p in vocab["hedge"] | vocab["dont_know"]]
    return YesNoReading(answer=answer, hedged=_contains(rest, doubt))


def _starts_clearly(tokens: tuple[str, ...]) -> bool:
    """Begins, after fillers, with a word that is nothing but an answer ("yes", "nope"), unlike "I have"
    in "I have a headache"."""
    vocab = _vocab()
    body = tuple(_strip_edges(list(tokens) + ["."], vocab["fillers_before"], []))[:-1]
    return bool(_match_any(body, 0, vocab["yes_markers"] + vocab["no_markers"])) or (
        len(body) == 1 and (body[0] in vocab["yes"] or body[0] in vocab["no"]))


@lru_cache(maxsize=4096)
def _read_yes_no(t: str, question_id: str | None) -> YesNoReading:
    if not t or len(t) > _MAX_INPUT_CHARS:
        return _NOT_UNDERSTOOD
    tokens = tuple(t.split())
    whole = _combine(_readings(tokens, question_id))
    if whole is not None:
        return whole
    # A leading clear answer followed by other words: the longest prefix that reads as an answer, then
    # the shortest one with that meaning, so every word after the answer itself is checked.
    for end in range(len(tokens) - 1, 0, -1):
        prefix = _combine(_readings(tokens[:end], question_id))
        if prefix is None or prefix.answer is None:
            continue
        shortest = next(size for size in range(1, end + 1)
                        if (_combine(_readings(tokens[:size], question_id)) or _NOT_UNDERSTOOD).answer == prefix.answer)
        if not _starts_clearly(tokens[:shortest]) or _contains(tokens, _vocab()["contradiction"]):
            return _NOT_UNDERSTOOD  # "I have a headache"; "no, a bit" (every word looked at, fillers too)
        after = _rest_after_answer(prefix.answer, tokens[shortest:], question_id)
        if after is None:
            return _NOT_UNDERSTOOD
        return YesNoReading(answer=prefix.answer, hedged=prefix.hedged or after.hedged)
    return _NOT_UNDERSTOOD


def read_yes_no(text: Any, question_id: str | None = None) -> YesNoReading:
    """What a reply says as yes or no, with any doubt kept (see YesNoReading).

    `question_id` adds that question's own answer words from answer_words.json "question_words"."""
    return _read_yes_no(normalize(text), question_id)


def parse_yes_no(text: Any, question_id: str | None = None) -> bool | None:
    """True for a certain yes, False for a certain no; None when not understood, contradictory
    ('yes no'), "I don't know", or hedged ('maybe no'): a hedge is never a certain answer."""
    reading = read_yes_no(text, question_id)
    return None if reading.hedged or reading.dont_know else reading.answer


def is_dont_know(text: Any) -> bool:
    return _is_dont_know(normalize(text))


@lru_cache(maxsize=4096)
def _is_dont_know(t: str) -> bool:
    if not t or len(t) > _MAX_INPUT_CHARS:
        return False
    vocab = _vocab()
    if t in vocab["dont_know"]:
        return True
    stripped = " ".join(_strip_edges(t.split(), vocab["fillers_before"], vocab["fillers_after"]))
    return stripped in vocab["dont_know"]


def parse_command(text: Any) -> str | None:
    return _parse_command(normalize(text))


@lru_cache(maxsize=4096)
def _parse_command(t: str) -> str | None:
    if not t or len(t) > _MAX_INPUT_CHARS:
        return None
    vocab = _vocab()
    if t in vocab["commands"]:
        return vocab["commands"][t]
    if any(t in vocab[kind] for kind in ("yes", "no", "hedged_yes", "hedged_no", "dont_know")):
        return None  # "uh huh" is a yes, not "huh"
    stripped = " ".join(_strip_edges(t.split(), vocab["fillers_before"], vocab["fillers_after"]))
    return vocab["commands"].get(stripped)


# --------------------------------------------------------------------------------------------- numbers

def _words_to_int(tokens: list[str] | tuple[str, ...]) -> int | None:
    """'one hundred and twenty three' -> 123; digits pass through; anything else -> None."""
    vocab = _vocab()
    if len(tokens) == 1 and re.fullmatch(r"\d{1,6}", tokens[0]):
        return int(tokens[0])
    total, current, seen_any = 0, 0, False
    last = None  # guards against 'seven seven' or 'twenty thirty'
    for token in tokens:
        if token == "and" and seen_any:
            continue
        if token in vocab["ones"]:
            if last in ("ones",) or (last == "tens" and vocab["ones"][token] >= 10):
                return None
            current += vocab["ones"][token]
            last = "ones"
        elif token in vocab["tens"]:
            if last in ("ones", "tens"):
                return None
            current += vocab["tens"][token]
            last = "tens"
        elif token == "hundred":
            if last == "hundred":
                return None
            current = (current or 1) * 100
            last = "hundred"
        elif token == "thousand":
            total += (current or 1) * 1000
            current = 0
            last = "thousand"
        else:
            return None
        seen_any = True
    return total + current if seen_any else None


def _is_number_word(token: str) -> bool:
    vocab = _vocab()
    return token in vocab["ones"] or token in vocab["tens"] or token in ("hundred", "thousand")


def _match_any(tokens: tuple[str, ...], at: int, phrases: list[list[str]]) -> int:
    """Length of the longest phrase found at `at`, 0 if none."""
    best = 0
    for words in phrases:
        if len(words) > best and tokens[at:at + len(words)] == tuple(words):
            best = len(words)
    return best


def _quantity(tokens: tuple[str, ...], at: int) -> tuple[Fraction, int] | None:
    """A quantity at `at`: digits ('48', '1.5'), number words ('forty seven', 'one hundred and five'),
    a quantity word ('a', 'a couple of', 'half a'), with 'and a half' after it. Returns (value, next)."""
    vocab = _vocab()
    value: Fraction | None = None
    end = at
    quantity_phrases = sorted(vocab["quantities"], key=lambda p: -len(p.split()))
    if at < len(tokens) and _DECIMAL.fullmatch(tokens[at]):
        value, end = Fraction(tokens[at]), at + 1
    elif at < len(tokens) and _is_number_word(tokens[at]):
        end = at
        while end < len(tokens) and (_is_number_word(tokens[end]) or
                                     (tokens[end] == "and" and end + 1 < len(tokens) and _is_number_word(tokens[end + 1]))):
            end += 1
        number = _words_to_int(tokens[at:end])
        if number is None:
            return None
        value = Fraction(number)
    else:
        for phrase in quantity_phrases:
            words = tuple(phrase.split())
            if tokens[at:at + len(words)] == words:
                following = tokens[at + len(words)] if at + len(words) < len(tokens) else None
                if phrase in ("a", "an") and following is not None and (
                        _DECIMAL.fullmatch(following) or _is_number_word(following)):
                    return _quantity(tokens, at + 1)  # "a 6", "a hundred"
                value, end = vocab["quantities"][phrase], at + len(words)
                break
    if value is None:
        return None
    half = _match_any(tokens, end, vocab["halves"])  # "two and a half"
    if half:
        value, end = value + Fraction(1, 2), end + half
    return value, end


def _unit_at(tokens: tuple[str, ...], at: int) -> tuple[str, Fraction] | None:
    return _vocab()["units"].get(tokens[at]) if at < len(tokens) else None


@dataclass(frozen=True)
class _Amount:
    value: Fraction
    unit: str | None  # a duration unit's name ('months'), or None for a bare number
    hours: Fraction   # the amount in hours when it has a unit


def _amount(tokens: tuple[str, ...]) -> _Amount | None:
    """A whole amount: one quantity, optionally with a unit, or a sum of quantities with units
    ('a year and two months', 'six weeks and two days', 'a year and a half')."""
    terms: list[tuple[Fraction, tuple[str, Fraction] | None]] = []
    at = 0
    while at < len(tokens):
        if terms:
            if tokens[at] != "and" or terms[-1][1] is None:
                return None
            at += 1
        found = _quantity(tokens, at)
        if found is None:
            return None
        value, at = found
        unit = _unit_at(tokens, at)
        if unit is not None:
            at += 1
            half = _match_any(tokens, at, _vocab()["halves"])  # "a year and a half"
            if half:
                value, at = value + Fraction(1, 2), at + half
        terms.append((value, unit))
    if not terms:
        return None
    if len(terms) == 1:
        value, unit = terms[0]
        return _Amount(value, unit[0] if unit else None, value * unit[1] if unit else Fraction(0))
    if any(unit is None for _, unit in terms):
        return None
    hours = sum((value * unit[1] for value, unit in terms if unit), Fraction(0))
    return _Amount(hours, "hours", hours)


def _range(tokens: tuple[str, ...]) -> tuple[_Amount, _Amount] | None:
    """Two amounts with a joiner ('3 or 4', 'six to seven weeks', 'between 5 and 6', '6 maybe 7')."""
    vocab = _vocab()
    opened = _match_any(tokens, 0, [p.split() for p in vocab["range_openers"]])
    body = tokens[opened:]
    joiners = [j.split() for j in vocab["range_joiners"]] + ([["and"]] if opened else [])
    for at in range(1, len(body) - 1):
        size = _match_any(body, at, joiners)
        if not size:
            continue
        low, high = _amount(body[:at]), _amount(body[at + size:])
        if low is None or high is None:
            continue
        if low.unit is None and high.unit is not None:  # "two or three months": the unit applies to both
            low = _Amount(low.value, high.unit, low.value * (high.hours / high.value) if high.value else Fraction(0))
        if (low.unit is None) != (high.unit is None):
            return None
        return low, high
    return None


@dataclass(frozen=True)
class NumberReading:
    """value: the whole number meant (weeks for a duration), or None; confirm: read it back first
    (a range, a hedge, a fraction); problem when None: 'not_number', 'wrong_unit' or 'vague'."""
    value: int | None = None
    confirm: bool = False
    problem: str | None = None


def _strip_suffix(tokens: tuple[str, ...], suffixes: list[str]) -> tuple[tuple[str, ...], bool]:
    joined = " ".join(tokens)
    for suffix in suffixes:
        if joined.endswith(" " + suffix):
            return tuple(joined[: -len(suffix) - 1].split()), True
    return tokens, False


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def _to_int(amount: _Amount, unit: str | None) -> tuple[int | None, bool]:
    """The number for the question's unit and whether it is inexact (said as a fraction)."""
    if unit == "weeks":
        weeks = amount.hours / _HOURS_PER_WEEK if amount.unit is not None else amount.value
        return _round_half_up(weeks), amount.unit is None and weeks.denominator != 1
    if amount.unit is not None and not (unit == "years" and amount.unit == "years"):
        return None, False  # "three weeks" as an age, "three months" as a pain score
    if amount.value.denominator == 1:
        return int(amount.value), False
    return None, False  # "7.5" where a whole number is wanted: asked again, never rounded silently


@lru_cache(maxsize=4096)
def _read_number(t: str, unit: str | None, question_id: str | None) -> NumberReading:
    if not t or len(t) > _MAX_INPUT_CHARS:
        return NumberReading(problem="not_number")
    vocab = _vocab()
    tokens = tuple(t.split())
    own = _question_words(question_id)
    stripped = " ".join(_strip_edges(list(tokens), vocab["number_before"], vocab["number_after"]))
    if unit == "weeks" and (t in vocab["zero_duration"] or stripped in vocab["zero_duration"]):
        return NumberReading(0)  # "yesterday", "less than a week"
    if t in own["zero"] or stripped in own["zero"]:
        return NumberReading(0)  # "not yet" to weeks of treatment
    reading = _number_from_tokens(tokens, unit)
    if reading.value is not None or reading.problem == "wrong_unit":
        return reading
    # A leading yes or no before the number: "no, it's been about three weeks".
    for end in range(1, min(len(tokens), _MAX_PHRASE_WORDS)):
        lead = _combine(_readings(tokens[:end], question_id))
        if lead is not None and lead.answer is not None and not lead.hedged:
            after = _number_from_tokens(tokens[end:], unit)
            if after.value is not None:
                return after
    says_a_number = any(_DECIMAL.fullmatch(token) or _is_number_word(token) for token in tokens)
    if own["no_means"] is not None and not says_a_number:  # "no, I tried for 3 weeks" is not zero
        polarity = _read_yes_no(t, question_id)
        if polarity.answer is False:  # "never", "I haven't", "none" to weeks of treatment
            return NumberReading(int(own["no_means"]), confirm=polarity.hedged)
    return reading


def _number_from_tokens(tokens: tuple[str, ...], unit: str | None) -> NumberReading:
    vocab = _vocab()
    body = list(tokens)
    hedged = False
    for _ in range(4):  # fillers and hedges at either end, in any order
        before = len(body)
        body = _strip_edges(body, vocab["number_before"], vocab["number_after"])
        for hedge in vocab["number_hedges"]:
            words = hedge.split()
            if len(body) > len(words) and body[:len(words)] == words:
                body, hedged = body[len(words):], True
            if len(body) > len(words) and body[-len(words):] == words:
                body, hedged = body[:-len(words)], True
        if len(body) == before:
            break
    body_t = tuple(body)
    body_t, scale_suffix = _strip_suffix(body_t, vocab["suffixes"]["scale"])
    if scale_suffix and unit is not None:
        return NumberReading(problem="wrong_unit")  # "7/10" or "ten out of ten" for weeks or an age
    if unit == "years":
        body_t, _ = _strip_suffix(body_t, vocab["suffixes"]["years"])
    negative = bool(body_t) and body_t[0] in vocab["negative"]
    if negative:
        body_t = body_t[1:]
    if not body_t:
        return NumberReading(problem="not_number")
    amount = _amount(body_t)
    confirm = hedged
    if amount is None:
        pair = _range(body_t)
        if pair is None:
            return NumberReading(problem="not_number")
        low, high = (_to_int(a, unit) for a in pair)
        if low[0] is None or high[0] is None:
            return NumberReading(problem="wrong_unit")
        value = max(low[0], high[0])  # the higher value: caution
        confirm = True
    else:
        whole, inexact = _to_int(amount, unit)
        if whole is None:
            return NumberReading(problem="wrong_unit" if amount.unit is not None else "not_number")
        value, confirm = whole, confirm or inexact
    if negative:
        value = -value
    return NumberReading(value, confirm=confirm)


def read_number(text: Any, unit: str | None = None, question_id: str | None = None) -> NumberReading:
    """A number from digits or words, with fillers ('about', 'it's', 'for the last') and suffixes ('out
    of ten', 'years old') removed. With unit 'weeks', hours, days, fortnights, months and years convert
    to whole weeks, rounded half up; with unit 'years' (an age) any other unit is a wrong unit; with no
    unit (a 0-10 scale) any unit is. May return a number outside the question's range: the caller
    re-asks with the range spoken."""
    return _read_number(normalize(text), unit, question_id)


def parse_number(text: Any, unit: str | None = None, question_id: str | None = None) -> int | None:
    """The number when it is certain; None when not understood or when it must be read back first
    (a range such as "3 or 4", a hedge such as "maybe 7"): callers that cannot read back never guess."""
    reading = read_number(text, unit, question_id)
    return None if reading.confirm else reading.value


# ------------------------------------------------------------------------------------- interpretation

@dataclass(frozen=True)
class Interpretation:
    """What a reply means for the question being asked.

    kind: 'answer' (value is True/False or an int), 'dont_know', 'command' (value is its name),
    'out_of_range' (value is the number heard) or 'not_understood'. confirm: an answer to read back
    before it is taken (a hedge off the red flags, a range, a fraction)."""
    kind: str
    value: Any = None
    confirm: bool = False


def interpret(text: Any, question: Question | None) -> Interpretation:
    command = parse_command(text)
    if command is not None:
        return Interpretation("command", command)
    if is_dont_know(text):
        return Interpretation("dont_know")
    if question is None:
        return Interpretation("not_understood")
    if question.type == "yes_no":
        reading = read_yes_no(text, question.id)
        if reading.answer is None:
            return Interpretation("dont_know") if reading.dont_know else Interpretation("not_understood")
        if reading.hedged:
            # Never a certain answer: on a red flag doubt counts as "I don't know" (caution first).
            return Interpretation("dont_know") if question.red_flag else Interpretation("answer", reading.answer, True)
        return Interpretation("answer", reading.answer)
    number = read_number(text, question.unit, question.id)
    if number.value is None:
        return Interpretation("not_understood")
    lo, hi = question.range or (0, 0)
    if not lo <= number.value <= hi:
        return Interpretation("out_of_range", number.value)
    return Interpretation("answer", number.value, number.confirm)
