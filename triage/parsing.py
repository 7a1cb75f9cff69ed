"""Understanding a spoken or typed answer: yes/no, whole numbers, "I don't know" and the commands.

Every parser returns None when it is not sure, and the conversation asks again: it never guesses.
The words live in data/answer_words.json, the same source that feeds the recognizer grammars and the
Alexa interaction model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .model import Question, load_answer_words

COMMANDS = ("repeat", "help", "back", "start_over", "stop", "more")
_MAX_PHRASE_WORDS = 5
_MAX_INPUT_CHARS = 200  # nobody answers a yes/no question in more; longer input is not understood


_MINUS = re.compile(r"(?<![\w])-(?=\d)")
_OUT_OF_TEN = re.compile(r"(\d)\s*/\s*10\b")
_NOT_WORD = re.compile(r"[^a-z0-9'.\s]")
_LONE_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")


def normalize(text: Any) -> str:
    """Lower-case words, apostrophes kept, punctuation dropped; '-3' keeps its minus sign."""
    if not isinstance(text, str):
        return ""
    return _normalize(text[: _MAX_INPUT_CHARS * 4])  # longer input is refused below anyway


@lru_cache(maxsize=4096)
def _normalize(text: str) -> str:
    # Memoized: the same few hundred answers recur, and the Alexa skill parses on every turn.
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = _MINUS.sub(" minus ", text)              # "-3" -> "minus 3"
    text = _OUT_OF_TEN.sub(r"\1 out of ten", text)  # "7/10"
    text = _NOT_WORD.sub(" ", text)
    text = _LONE_DOT.sub(" ", text)                 # keep "7.5" whole so it is refused
    return " ".join(text.split())


@lru_cache(maxsize=1)
def _vocab() -> dict[str, Any]:
    words = load_answer_words()
    phrase_kind: dict[str, str] = {}
    for kind in ("yes", "no"):
        for phrase in words[kind]:
            phrase_kind[normalize(phrase)] = kind
    fillers = {normalize(p) for p in words["fillers_before"] + words["fillers_after"]}
    commands = {normalize(p): name for name, phrases in words["commands"].items() for p in phrases}
    return {
        "phrase_kind": phrase_kind,
        "fillers": fillers,
        "fillers_before": [normalize(p) for p in words["fillers_before"]],
        "fillers_after": [normalize(p) for p in words["fillers_after"]],
        "dont_know": {normalize(p) for p in words["dont_know"]},
        "commands": commands,
        "suffixes": sorted((normalize(p) for p in words["number_suffixes"]), key=len, reverse=True),
        "units": {normalize(k): float(v) for k, v in words["units"].items()},
        "ones": {k: int(v) for k, v in words["number_words"].items()},
        "tens": {k: int(v) for k, v in words["tens_words"].items()},
        "negative": set(words["negative_words"]),
    }


def _strip_edges(tokens: list[str], before: list[str], after: list[str]) -> list[str]:
    """Drop filler phrases ('um', 'about', 'please') from both ends, repeatedly."""
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


def _polarities(tokens: tuple[str, ...]) -> set[str] | None:
    """Every consistent reading of the words as yes/no phrases and fillers (None: no reading)."""
    vocab = _vocab()

    @lru_cache(maxsize=None)
    def readings(start: int) -> frozenset[frozenset[str]]:
        if start == len(tokens):
            return frozenset({frozenset()})
        found: set[frozenset[str]] = set()
        for end in range(start + 1, min(len(tokens), start + _MAX_PHRASE_WORDS) + 1):
            phrase = " ".join(tokens[start:end])
            kind = vocab["phrase_kind"].get(phrase)
            if kind is None and phrase not in vocab["fillers"]:
                continue
            for rest in readings(end):
                found.add(rest | {kind} if kind else rest)
        return frozenset(found)

    results = {r for r in readings(0) if len(r) == 1}
    return {next(iter(r)) for r in results} or None


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


def parse_yes_no(text: Any) -> bool | None:
    """True for yes, False for no, None when not understood or contradictory ('yes no')."""
    return _parse_yes_no(normalize(text))


@lru_cache(maxsize=4096)
def _parse_yes_no(t: str) -> bool | None:
    if not t or len(t) > _MAX_INPUT_CHARS or _is_dont_know(t):
        return None
    kinds = _polarities(tuple(t.split()))
    if kinds is None or len(kinds) != 1:
        return None
    return kinds == {"yes"}


def parse_command(text: Any) -> str | None:
    return _parse_command(normalize(text))


@lru_cache(maxsize=4096)
def _parse_command(t: str) -> str | None:
    if not t or len(t) > _MAX_INPUT_CHARS:
        return None
    vocab = _vocab()
    if t in vocab["commands"]:
        return vocab["commands"][t]
    stripped = " ".join(_strip_edges(t.split(), vocab["fillers_before"], vocab["fillers_after"]))
    return vocab["commands"].get(stripped)


def _words_to_int(tokens: list[str]) -> int | None:
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


def parse_number(text: Any, unit: str | None = None) -> int | None:
    """A whole number from digits or words, with fillers ('about', 'a', 'it's') and suffixes ('out of
    ten', 'weeks') removed. With unit 'weeks', days, months and years are converted to whole weeks.
    May return a number outside the question's range: the caller re-asks with the range spoken."""
    t = normalize(text)
    if not t or len(t) > _MAX_INPUT_CHARS:
        return None
    vocab = _vocab()
    tokens = _strip_edges(t.split(), vocab["fillers_before"], vocab["fillers_after"])
    joined = " ".join(tokens)
    for suffix in vocab["suffixes"]:
        if joined.endswith(" " + suffix):
            joined = joined[: -len(suffix) - 1]
            break
    tokens = joined.split()
    factor = 1.0
    if unit == "weeks" and tokens and tokens[-1] in vocab["units"]:
        factor = vocab["units"][tokens[-1]]
        tokens = tokens[:-1]
        if not tokens and t.split()[-2:-1] in (["a"], ["an"], ["one"]):
            tokens = ["one"]  # "a month"
    elif unit == "years" and tokens and tokens[-1] in ("years", "year"):
        tokens = tokens[:-1]
    negative = bool(tokens) and tokens[0] in vocab["negative"]
    if negative:
        tokens = tokens[1:]
    if not tokens:
        return None
    value = _words_to_int(tokens)
    if value is None:
        return None
    if factor != 1.0:
        value = int(value * factor + 0.5)
    return -value if negative else value


@dataclass(frozen=True)
class Interpretation:
    """What a reply means for the question being asked.

    kind: 'answer' (value is True/False or an int), 'dont_know', 'command' (value is its name),
    'out_of_range' (value is the number heard) or 'not_understood'."""
    kind: str
    value: Any = None


def interpret(text: Any, question: Question | None) -> Interpretation:
    command = parse_command(text)
    if command is not None:
        return Interpretation("command", command)
    if is_dont_know(text):
        return Interpretation("dont_know")
    if question is None:
        return Interpretation("not_understood")
    if question.type == "yes_no":
        answer = parse_yes_no(text)
        return Interpretation("answer", answer) if answer is not None else Interpretation("not_understood")
    number = parse_number(text, question.unit)
    if number is None:
        return Interpretation("not_understood")
    lo, hi = question.range or (0, 0)
    if not lo <= number <= hi:
        return Interpretation("out_of_range", number)
    return Interpretation("answer", number)
