"""Phrases a person may say, generated from data/answer_words.json: the one source for the local
recognizer grammars and the Alexa interaction model's sample utterances."""
from __future__ import annotations

from .model import load_answer_words

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty", 90: "ninety"}
GRAMMAR_NUMBER_CAP = 120  # larger numbers are rare answers; a recognizer grammar stays small


def number_to_words(n: int) -> str:
    """0..9999 as spoken English words ('one hundred twenty'), the form recognizers return."""
    if n < 0:
        return "minus " + number_to_words(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens * 10] + ("" if ones == 0 else " " + _ONES[ones])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return _ONES[hundreds] + " hundred" + ("" if rest == 0 else " " + number_to_words(rest))
    thousands, rest = divmod(n, 1000)
    return number_to_words(thousands) + " thousand" + ("" if rest == 0 else " " + number_to_words(rest))


def yes_phrases() -> list[str]:
    return list(load_answer_words()["yes"])


def no_phrases() -> list[str]:
    return list(load_answer_words()["no"])


def dont_know_phrases() -> list[str]:
    return list(load_answer_words()["dont_know"])


def command_phrases() -> dict[str, list[str]]:
    return {name: list(phrases) for name, phrases in load_answer_words()["commands"].items()}


def number_carriers(unit: str | None = None) -> list[str]:
    """Sentence frames around a number, with '{n}' where the number goes."""
    frames = ["{n}", "about {n}", "around {n}", "it's {n}", "maybe {n}", "i'd say {n}"]
    if unit == "weeks":
        frames += ["{n} weeks", "about {n} weeks", "{n} months", "{n} years", "{n} days"]
    elif unit == "years":
        frames += ["i'm {n}", "{n} years old", "i am {n} years old"]
    else:
        frames += ["{n} out of ten", "a {n}", "about a {n}"]
    return frames


def grammar_phrases(expects: str, number_range: tuple[int, int] | None = None, unit: str | None = None) -> list[str]:
    """Every phrase a person may say for a question type: answers, "I don't know" and the commands."""
    phrases: list[str] = []
    if expects == "yes_no":
        phrases += yes_phrases() + no_phrases()
    elif expects == "number":
        lo, hi = number_range or (0, 10)
        top = min(hi, GRAMMAR_NUMBER_CAP)
        for n in range(max(lo, 0), top + 1):
            for frame in number_carriers(unit):
                phrases.append(frame.format(n=number_to_words(n)))
    elif expects != "command":
        raise ValueError(f"unknown answer type {expects!r}")
    phrases += dont_know_phrases()
    for group in command_phrases().values():
        phrases += group
    return list(dict.fromkeys(phrases))  # first occurrence wins, order kept
