"""Phrases a person may say, generated from data/answer_words.json: the one source for the local
recognizer grammars and the Alexa interaction model's sample utterances (the text parser reads the
same file, see triage.parsing)."""
from __future__ import annotations

from .model import load_answer_words, load_questionnaire

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
    """Spoken ways of saying a certain yes (typed-only forms such as "y" are not in it)."""
    return list(load_answer_words()["yes"])


def no_phrases() -> list[str]:
    return list(load_answer_words()["no"])


def hedged_yes_phrases() -> list[str]:
    """A yes said with doubt ("probably", "I think so"): read back, or "I don't know" on a red flag."""
    return list(load_answer_words()["hedged_yes"])


def hedged_no_phrases() -> list[str]:
    return list(load_answer_words()["hedged_no"])


def dont_know_phrases() -> list[str]:
    return list(load_answer_words()["dont_know"])


def command_phrases() -> dict[str, list[str]]:
    return {name: list(phrases) for name, phrases in load_answer_words()["commands"].items()}


def rate_phrases() -> dict[str, tuple[str, ...]]:
    """The voice front ends' own commands, {"slower": (...), "faster": (...)}: they change the speaking
    rate, not the assessment, so the core's parser does not take them as answers or commands."""
    return {name: tuple(phrases) for name, phrases in load_answer_words()["rate_commands"].items()}


def rate_command(text: str | None) -> str | None:
    """'slower' or 'faster' when ``text`` is one of the rate phrases, else None."""
    for name, group in rate_phrases().items():
        if text in group:
            return name
    return None


def with_rate_hint(help_text: str, commands_hint: str | None = None) -> str:
    """Help for a voice front end: the core's help with "say slower or faster ..." said right after
    the core's list of commands (so the question itself is still said last), or at the end.
    ``commands_hint``: the core's list of commands (default: the questionnaire's)."""
    hint = load_questionnaire().commands_hint if commands_hint is None else commands_hint
    rate_hint = load_answer_words()["spoken_expectations"]["rate_hint"]
    if hint and hint in help_text:
        return help_text.replace(hint, f"{hint} {rate_hint}", 1)
    return f"{help_text} {rate_hint}"


def unit_words() -> dict[str, list[str]]:
    """Duration units the core converts to weeks, as {canonical name: spoken words}, e.g.
    {"months": ["months", "month"], ...}; the first word is the value, the rest its synonyms (the Alexa
    unit slot type is built from this). Typed abbreviations ("hrs") are understood but not listed."""
    return {name: list(spec["words"]) for name, spec in load_answer_words()["units"].items()}


def question_phrases(question_id: str) -> dict[str, list[str]]:
    """Answer words that belong to one question, {"yes": [...], "no": [...], "zero": [...]}: "one leg" is
    a no to "Are both legs affected?", "not yet" is zero weeks of treatment. Empty lists if none."""
    spec = load_answer_words()["question_words"].get(question_id, {})
    return {key: list(spec.get(key, [])) for key in ("yes", "no", "zero")}


# A number said with doubt: heard whole so the conversation can read it back ("I heard 7. Is that
# right?"). Not carriers of the Alexa number slot, which would keep the number and drop the doubt.
HEDGED_NUMBER_FRAMES = ["maybe {n}", "probably {n}"]


def number_carriers(unit: str | None = None) -> list[str]:
    """Sentence frames around a number, with '{n}' where the number goes."""
    frames = ["{n}", "about {n}", "around {n}", "it's {n}", "i'd say {n}"]
    if unit == "weeks":
        frames += ["{n} weeks", "about {n} weeks", "{n} months", "{n} years", "{n} days"]
        frames += [f"{{n}} {words[0]}" for words in unit_words().values() if f"{{n}} {words[0]}" not in frames]
        frames += ["{n} months ago", "for {n} weeks"]
    elif unit == "years":
        frames += ["i'm {n}", "{n} years old", "i am {n} years old"]
    else:
        frames += ["{n} out of ten", "a {n}", "about a {n}"]
    return frames


def _amount_phrases(unit: str | None) -> list[str]:
    """Durations said without a number ("a fortnight", "a couple of weeks", "a year and a half") and
    the zero durations ("yesterday"), for a weeks question."""
    if unit != "weeks":
        return []
    words = load_answer_words()
    phrases: list[str] = []
    for forms in unit_words().values():
        plural, single = forms[0], forms[-1]
        phrases += [f"a {single}", f"a couple of {plural}", f"a {single} and a half", f"half a {single}"]
    return phrases + list(words["zero_duration_phrases"])


def grammar_phrases(expects: str, number_range: tuple[int, int] | None = None, unit: str | None = None,
                    question_id: str | None = None) -> list[str]:
    """Every phrase a person may say for a question type: answers (hedged ones included, so a doubt
    is heard as a doubt), "I don't know" and the commands; with `question_id`, that question's own
    words too. Numbers come in words, as recognizers return them ("forty seven")."""
    phrases: list[str] = []
    if expects == "yes_no":
        phrases += yes_phrases() + no_phrases() + hedged_yes_phrases() + hedged_no_phrases()
    elif expects == "number":
        lo, hi = number_range or (0, 10)
        top = min(hi, GRAMMAR_NUMBER_CAP)
        for n in range(max(lo, 0), top + 1):
            for frame in number_carriers(unit) + HEDGED_NUMBER_FRAMES:
                phrases.append(frame.format(n=number_to_words(n)))
            if unit is None and n < top:  # a range on a scale: "three or four"
                phrases.append(f"{number_to_words(n)} or {number_to_words(n + 1)}")
        phrases += _amount_phrases(unit)
    elif expects != "command":
        raise ValueError(f"unknown answer type {expects!r}")
    if question_id is not None:
        if question_id not in load_questionnaire().questions:
            raise ValueError(f"unknown question {question_id!r}")
        for group in question_phrases(question_id).values():
            phrases += group
    phrases += dont_know_phrases()
    for group in command_phrases().values():
        phrases += group
    return list(dict.fromkeys(phrases))  # first occurrence wins, order kept
