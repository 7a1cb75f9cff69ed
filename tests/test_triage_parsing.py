"""Parsing tables: reply -> what the person meant, for the question asked.

Three layers: the natural answers issue 7 found (tests/natural_answers.py, one row each), our own rows
of how people answer by voice and keyboard, and rows generated from every answer word in
data/answer_words.json (so removing a word, or truncating a unit conversion, fails a test).
"""
import json
import math
import sys
from fractions import Fraction
from pathlib import Path

import pytest

if __name__ == "__main__":  # run as a script to pin the answer words: the repository's core comes first
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from natural_answers import ISSUE_ROWS, VAGUE, meaning  # noqa: E402

from triage import load_answer_words, load_questionnaire  # noqa: E402
from triage.parsing import interpret, is_dont_know, normalize, parse_command, parse_number, parse_yes_no, read_number

WORDS = load_answer_words()
RED = "fever"                   # a red-flag yes/no question
PLAIN = "morning_stiffness"     # a yes/no question that is not a red flag
WEEKS = "duration_weeks"
CARE = "conservative_care_weeks"
AGE = "age"
PAIN = "pain_score"


def _q(qid):
    return load_questionnaire().questions[qid]


def _weeks(hours: Fraction) -> int:
    """Whole weeks, rounded half up (a truncated conversion must fail these rows)."""
    return math.floor(hours / 168 + Fraction(1, 2))


@pytest.mark.parametrize("text,qid,expected", ISSUE_ROWS + VAGUE, ids=[f"{q}:{t}" for t, q, _ in ISSUE_ROWS + VAGUE])
def test_issue_7_natural_answers(text, qid, expected):
    assert meaning(text, qid) == expected


# Our own rows: how people answer by voice (recognizer text: lower case, no punctuation, numbers in
# words) and by keyboard (capitals, punctuation, digits, abbreviations, fancy apostrophes and dashes).
OWN_ROWS = [
    # a clear yes or no with more words after it
    ("No, I don't think that's happened", RED, ("answer", False)),
    ("yes my left leg goes numb", "leg_numbness_or_weakness", ("answer", True)),
    ("yeah it does", "pain_below_knee", ("answer", True)),
    ("no not that I've noticed any", "cauda_equina_signs", ("answer", False)),
    ("nope nothing like that at all", "cauda_equina_signs", ("answer", False)),
    ("yes, my foot drags when I walk", "leg_weakness", ("answer", True)),
    ("no, I just bent over to pick something up", "major_trauma", ("answer", False)),
    ("No. I feel fine otherwise.", RED, ("answer", False)),
    ("yes, about a month ago", "numbness_is_new", ("answer", True)),
    ("yeah, down to my ankle", "pain_below_knee", ("answer", True)),
    ("no it stops at my thigh", "pain_below_knee", ("answer", False)),
    ("yes since last week", "numbness_is_new", ("answer", True)),
    ("nah I'm good", RED, ("answer", False)),
    # keyboard shorthand and slang (a fresh-user tester's list)
    ("idk", RED, ("dont_know",)),
    ("IDK", PLAIN, ("dont_know",)),
    ("dk", RED, ("dont_know",)),
    ("idk tbh", RED, ("dont_know",)),
    ("not sure tbh", RED, ("dont_know",)),
    ("dunno mate", PLAIN, ("dont_know",)),
    ("i dunno", RED, ("dont_know",)),
    ("nah mate", RED, ("answer", False)),
    ("no tbh", PLAIN, ("answer", False)),
    ("yeah nah", RED, ("answer", False)),
    ("nah yeah", PLAIN, ("answer", True)),
    ("ye", PLAIN, ("answer", True)),
    ("idk", PAIN, ("dont_know",)),
    ("7 tbh", PAIN, ("answer", 7)),
    ("no never had it", "cancer_history", ("answer", False)),
    ("yes, breast cancer in 2015", "cancer_history", ("answer", True)),
    ("Yes!!", RED, ("answer", True)),
    ("NO", RED, ("answer", False)),
    ("yep.", PLAIN, ("answer", True)),
    ("Y", RED, ("answer", True)),
    ("N.", RED, ("answer", False)),
    ("no, thank you", RED, ("answer", False)),
    ("um no", RED, ("answer", False)),
    ("uh yeah", RED, ("answer", True)),
    ("oh no not at all", RED, ("answer", False)),
    ("well yes it does", PLAIN, ("answer", True)),
    ("I don\u2019t", RED, ("answer", False)),              # fancy apostrophe
    ("I didn\u2019t", "major_trauma", ("answer", False)),
    ("it wasn't", "major_trauma", ("answer", False)),
    ("it is", "weakness_getting_worse", ("answer", True)),
    ("it isn't", "weakness_getting_worse", ("answer", False)),
    ("I have", "cancer_history", ("answer", True)),
    ("I haven't", "cancer_history", ("answer", False)),
    ("they are", "both_legs", ("answer", True)),
    ("no doubt about it", PLAIN, ("answer", True)),
    # a yes or no contradicted by what follows is asked again
    ("yes but only sometimes", RED, ("reask",)),
    ("no, except for some tingling", "leg_numbness_or_weakness", ("reask",)),
    ("no wait yes", RED, ("reask",)),
    ("yes no", RED, ("reask",)),
    ("no, a bit", PLAIN, ("reask",)),
    ("yes, I don't have that", RED, ("reask",)),
    ("no, I mean yes", RED, ("reask",)),
    ("yes not really", RED, ("reask",)),
    # hedges: "I don't know" on a red flag, read back elsewhere, never certain
    ("I don't think so", RED, ("dont_know",)),
    ("I don't think so", PLAIN, ("confirm", False)),
    ("I think so", "cauda_equina_signs", ("dont_know",)),
    ("I think so", PLAIN, ("confirm", True)),
    ("probably not", "major_trauma", ("dont_know",)),
    ("probably not", "daily_impact", ("confirm", False)),
    ("maybe yes", "leg_weakness", ("dont_know",)),
    ("yes maybe", PLAIN, ("confirm", True)),
    ("no, I think it's fine", RED, ("dont_know",)),
    ("not that I know of", "cancer_history", ("dont_know",)),
    ("I guess so", PLAIN, ("confirm", True)),
    ("kind of", PLAIN, ("confirm", True)),
    ("no I'm not sure", RED, ("dont_know",)),
    ("maybe", RED, ("dont_know",)),
    ("maybe", PLAIN, ("dont_know",)),
    ("perhaps", PLAIN, ("dont_know",)),
    ("I'm not sure", PLAIN, ("dont_know",)),
    ("no idea", RED, ("dont_know",)),
    # question words for "Are both legs affected?"
    ("just my right leg", "both_legs", ("answer", False)),
    ("only the left", "both_legs", ("answer", False)),
    ("right", "both_legs", ("answer", False)),
    ("left side", "both_legs", ("answer", False)),
    ("both of them", "both_legs", ("answer", True)),
    ("yes both", "both_legs", ("answer", True)),
    ("no, just one", "both_legs", ("answer", False)),
    ("yes the right one", "both_legs", ("reask",)),
    # durations converted to whole weeks, rounded
    ("six weeks", WEEKS, ("answer", 6)),
    ("6 wks", WEEKS, ("answer", 6)),
    ("3wks", WEEKS, ("answer", 3)),
    ("about 3 months", WEEKS, ("answer", 13)),
    ("two months", WEEKS, ("answer", 9)),
    ("5 days", WEEKS, ("answer", 1)),
    ("three days", WEEKS, ("answer", 0)),
    ("ten days", WEEKS, ("answer", 1)),
    ("a month", WEEKS, ("answer", 4)),
    ("a year", WEEKS, ("answer", 52)),
    ("2 years", WEEKS, ("answer", 104)),
    ("half a year", WEEKS, ("answer", 26)),
    ("one and a half years", WEEKS, ("answer", 78)),
    ("1.5 years", WEEKS, ("answer", 78)),
    ("two and a half weeks", WEEKS, ("answer", 3)),
    ("a year and two months", WEEKS, ("answer", 61)),
    ("six weeks and two days", WEEKS, ("answer", 6)),
    ("a couple weeks", WEEKS, ("answer", 2)),
    ("two fortnights", WEEKS, ("answer", 4)),
    ("for the last three weeks", WEEKS, ("answer", 3)),
    ("it's been about four weeks now", WEEKS, ("answer", 4)),
    ("I've had it for 2 months", WEEKS, ("answer", 9)),
    ("since 3 weeks", WEEKS, ("answer", 3)),
    ("48hrs", WEEKS, ("answer", 0)),
    ("72 hours", WEEKS, ("answer", 0)),
    ("yesterday", WEEKS, ("answer", 0)),
    ("this week", WEEKS, ("answer", 0)),
    ("it started today", WEEKS, ("answer", 0)),
    ("zero", WEEKS, ("answer", 0)),
    ("12", WEEKS, ("answer", 12)),
    ("twelve weeks", WEEKS, ("answer", 12)),
    ("two thousand six hundred", WEEKS, ("answer", 2600)),
    ("no, it's been about three weeks", WEEKS, ("answer", 3)),
    ("2 or 3 weeks", WEEKS, ("confirm", 3)),
    ("two or three months", WEEKS, ("confirm", 13)),
    ("six weeks maybe", WEEKS, ("confirm", 6)),
    ("2.5", WEEKS, ("confirm", 3)),
    ("fifty years", WEEKS, ("out_of_range",)),
    # vague or unknown amounts and units are asked again, never guessed or dropped
    ("a few days", WEEKS, ("reask",)),
    ("several weeks", WEEKS, ("reask",)),
    ("ages", WEEKS, ("reask",)),
    ("a long time", WEEKS, ("reask",)),
    ("months", WEEKS, ("reask",)),
    ("since Christmas", WEEKS, ("reask",)),
    ("3 semesters", WEEKS, ("reask",)),
    ("three blorps", WEEKS, ("reask",)),
    ("7 out of 10", WEEKS, ("reask",)),
    ("8/10", CARE, ("reask",)),
    # weeks of treatment: none said in words
    ("not yet", CARE, ("answer", 0)),
    ("no", CARE, ("answer", 0)),
    ("nothing", CARE, ("answer", 0)),
    ("I haven't tried anything", CARE, ("answer", 0)),
    ("no, I tried for 3 weeks", CARE, ("answer", 3)),
    ("no, I tried physio for 3 weeks", CARE, ("reask",)),      # an unknown word: asked again, never zero
    ("I have a headache", RED, ("reask",)),
    ("I do, on my left side", RED, ("reask",)),
    ("about four weeks of physio", CARE, ("reask",)),
    ("yes", CARE, ("reask",)),
    # ages, in words as people say them
    ("forty seven", AGE, ("answer", 47)),
    ("I'm sixty-five", AGE, ("answer", 65)),
    ("I\u2019m 65", AGE, ("answer", 65)),
    ("45 years old", AGE, ("answer", 45)),
    ("I am forty five years of age", AGE, ("answer", 45)),
    ("72 yrs", AGE, ("answer", 72)),
    ("a hundred and ten", AGE, ("answer", 110)),
    ("age 30", AGE, ("answer", 30)),
    ("15", AGE, ("answer", 15)),                # under 16 stays a number: the clinical rule decides
    ("three", AGE, ("answer", 3)),
    ("three weeks", AGE, ("reask",)),
    ("six months", AGE, ("reask",)),
    ("7 out of 10", AGE, ("reask",)),
    ("forty-five and a half", AGE, ("reask",)),
    # pain scores
    ("ten", PAIN, ("answer", 10)),
    ("about six", PAIN, ("answer", 6)),
    ("a solid 8", PAIN, ("answer", 8)),
    ("8/10", PAIN, ("answer", 8)),
    ("ten out of ten", PAIN, ("answer", 10)),
    ("it's a seven I'd say", PAIN, ("answer", 7)),
    ("probably a 6", PAIN, ("confirm", 6)),
    ("6-7", PAIN, ("confirm", 7)),
    ("6\u20137", PAIN, ("confirm", 7)),       # en dash
    ("five to six", PAIN, ("confirm", 6)),
    ("between 5 and 6", PAIN, ("confirm", 6)),
    ("seven or eight out of ten", PAIN, ("confirm", 8)),
    ("4 or 3", PAIN, ("confirm", 4)),
    ("10 or 11", PAIN, ("out_of_range",)),
    ("three weeks", PAIN, ("reask",)),
    ("7.5", PAIN, ("reask",)),
    ("eleven", PAIN, ("out_of_range",)),
    ("\u22123", PAIN, ("out_of_range",)),     # Unicode minus: -3, out of range, never 3
    ("\u20133", PAIN, ("out_of_range",)),     # en dash as a minus
    ("minus three", PAIN, ("out_of_range",)),
    ("seven eight", PAIN, ("reask",)),
    ("lots", PAIN, ("reask",)),
    # commands and asking for the question again
    ("what", RED, ("command", "repeat")),
    ("Sorry, what?", PAIN, ("command", "repeat")),
    ("excuse me?", WEEKS, ("command", "repeat")),
    ("can you repeat that", PLAIN, ("command", "repeat")),
    ("I didn't catch that", AGE, ("command", "repeat")),
    ("what do you mean", RED, ("command", "help")),
    ("go back", PAIN, ("command", "back")),
    ("stop", RED, ("command", "stop")),
]


def _meaning_with_range(text, qid):
    found = interpret(text, _q(qid))
    if found.kind == "out_of_range":
        return ("out_of_range",)
    return meaning(text, qid)


@pytest.mark.parametrize("text,qid,expected", OWN_ROWS, ids=[f"{q}:{t}" for t, q, _ in OWN_ROWS])
def test_how_people_answer(text, qid, expected):
    assert _meaning_with_range(text, qid) == expected


def test_there_are_at_least_eighty_own_rows():
    assert len(OWN_ROWS) >= 80
    assert len({(t, q) for t, q, _ in OWN_ROWS}) == len(OWN_ROWS)


# --- every answer word in the data has a parse row --------------------------------------------------

def _data_rows():
    rows = []
    for phrase in WORDS["yes"] + WORDS["typed_yes"]:
        rows.append(("yes", phrase, RED, ("answer", True)))
    for phrase in WORDS["no"] + WORDS["typed_no"]:
        rows.append(("no", phrase, RED, ("answer", False)))
    for phrase in WORDS["hedged_yes"]:
        rows += [("hedged_yes", phrase, RED, ("dont_know",)), ("hedged_yes", phrase, PLAIN, ("confirm", True))]
    for phrase in WORDS["hedged_no"]:
        rows += [("hedged_no", phrase, RED, ("dont_know",)), ("hedged_no", phrase, PLAIN, ("confirm", False))]
    for phrase in WORDS["hedge_markers"]:
        rows += [("hedge_markers", f"{phrase} yes", RED, ("dont_know",)),
                 ("hedge_markers", f"{phrase} no", PLAIN, ("confirm", False))]
    for phrase in WORDS["yes_markers"]:
        rows.append(("yes_markers", f"no, {phrase} it hurts", RED, ("reask",)))
    for phrase in WORDS["no_markers"]:
        rows.append(("no_markers", f"yes, {phrase} pain there", RED, ("reask",)))
    for phrase in WORDS["contradiction_markers"]:
        rows.append(("contradiction_markers", f"no, {phrase} my leg feels odd", RED, ("reask",)))
    for phrase in WORDS["dont_know"]:
        rows += [("dont_know", phrase, RED, ("dont_know",)), ("dont_know", phrase, PAIN, ("dont_know",))]
    for name, phrases in WORDS["commands"].items():
        rows += [(f"commands {name}", phrase, RED, ("command", name)) for phrase in phrases]
    # The voice front ends' own commands: never an answer or a core command (they handle them first).
    for name, phrases in WORDS["rate_commands"].items():
        rows += [(f"rate_commands {name}", phrase, qid, ("reask",)) for phrase in phrases for qid in (RED, PAIN)]
    for phrase in WORDS["fillers_before"]:
        rows += [("fillers_before", f"{phrase} no", RED, ("answer", False)),
                 ("fillers_before", f"{phrase} 7", PAIN, ("answer", 7))]
    for phrase in WORDS["fillers_after"]:
        rows += [("fillers_after", f"no {phrase}", RED, ("answer", False)),
                 ("fillers_after", f"7 {phrase}", PAIN, ("answer", 7))]
    for phrase in WORDS["number_fillers_before"]:
        rows.append(("number_fillers_before", f"{phrase} 5 weeks", WEEKS, ("answer", 5)))
    for phrase in WORDS["number_fillers_after"]:
        rows.append(("number_fillers_after", f"5 weeks {phrase}", WEEKS, ("answer", 5)))
    for phrase in WORDS["number_hedges"]:
        rows += [("number_hedges", f"{phrase} 7", PAIN, ("confirm", 7)),
                 ("number_hedges", f"5 weeks {phrase}", WEEKS, ("confirm", 5))]
    for phrase in WORDS["range_joiners"]:
        rows.append(("range_joiners", f"3 {phrase} 4", PAIN, ("confirm", 4)))
    for phrase in WORDS["range_openers"]:
        rows.append(("range_openers", f"{phrase} 3 and 4", PAIN, ("confirm", 4)))
    for phrase in WORDS["half_words"]:
        rows.append(("half_words", f"1 {phrase} years", WEEKS, ("answer", _weeks(Fraction(3, 2) * 8766))))
    for phrase in WORDS["number_suffixes"]["scale"]:
        rows += [("number_suffixes scale", f"7 {phrase}", PAIN, ("answer", 7)),
                 ("number_suffixes scale", f"7 {phrase}", WEEKS, ("reask",))]
    for phrase in WORDS["number_suffixes"]["years"]:
        rows.append(("number_suffixes years", f"45 {phrase}", AGE, ("answer", 45)))
    for name, spec in WORDS["units"].items():
        for word in spec["words"] + spec["typed"]:
            hours = Fraction(str(spec["hours"]))
            rows += [(f"units {name}", f"3 {word}", WEEKS, ("answer", _weeks(3 * hours))),
                     (f"units {name}", f"5 {word}", WEEKS, ("answer", _weeks(5 * hours))),
                     (f"units {name}", f"3 {word}", PAIN, ("reask",))]
            if name != "years":
                rows.append((f"units {name}", f"30 {word}", AGE, ("reask",)))
    for phrase, value in WORDS["quantity_words"].items():
        rows.append(("quantity_words", f"{phrase} months", WEEKS, ("answer", _weeks(Fraction(str(value)) * 730.5))))
    for phrase in WORDS["zero_duration_phrases"]:
        rows.append(("zero_duration_phrases", phrase, WEEKS, ("answer", 0)))
    for word, value in {**WORDS["number_words"], **WORDS["tens_words"]}.items():
        rows.append(("number_words", word, AGE, ("answer", value)))
    for word in WORDS["negative_words"]:
        rows.append(("negative_words", f"{word} 3", PAIN, ("out_of_range",)))
    for qid, spec in WORDS["question_words"].items():
        for key, expected in (("yes", ("answer", True)), ("no", ("answer", False)), ("zero", ("answer", 0))):
            rows += [(f"question_words {qid} {key}", phrase, qid, expected) for phrase in spec.get(key, [])]
        if "no_means" in spec:
            rows.append((f"question_words {qid} no_means", "no", qid, ("answer", spec["no_means"])))
    return rows


DATA_ROWS = _data_rows()


@pytest.mark.parametrize("group,text,qid,expected", DATA_ROWS, ids=[f"{g}:{q}:{t}" for g, t, q, _ in DATA_ROWS])
def test_every_answer_word_parses(group, text, qid, expected):
    assert _meaning_with_range(text, qid) == expected


GOLDEN_FILE = Path(__file__).with_name("answer_words_golden.json")


def _golden():
    if not GOLDEN_FILE.exists():
        return []
    return [tuple(row[:2]) + (tuple(row[2]),) for row in json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("text,qid,expected", _golden(), ids=[f"{q}:{t}" for t, q, _ in _golden()])
def test_every_pinned_answer_word_still_parses(text, qid, expected):
    """The rows above, pinned: removing a word from answer_words.json fails here, not only in review."""
    assert _meaning_with_range(text, qid) == expected


def test_every_answer_word_is_pinned():
    """A word added to the data is pinned too: python tests/test_triage_parsing.py rewrites the file."""
    pinned = set(_golden())
    missing = [(t, q, e) for _, t, q, e in DATA_ROWS if (t, q, e) not in pinned]
    assert not missing, f"not pinned (run python tests/test_triage_parsing.py): {missing[:5]}"


def test_every_word_list_in_the_data_has_rows():
    """A new list of words in answer_words.json needs its rows above."""
    covered = {group.split()[0] for group, *_ in DATA_ROWS}
    data_keys = set(WORDS) - {"version", "spoken_expectations"}
    assert data_keys - covered == {"typed_yes", "typed_no", "tens_words"}  # rows in the yes/no/number groups


# --- the public helpers ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   ", "banana", "yes no", "okay", "seven", "I have a headache", "yesterday",
                                  "yes " * 80, "?", "\u00bfs\u00ed?", None, 7, "not", "maybe no", "probably",
                                  "I think so", "I don't know"])
def test_parse_yes_no_is_none_unless_certain(text):
    assert parse_yes_no(text) is None


@pytest.mark.parametrize("text,unit", [("", None), ("seven eight", None), ("3 or 4", None), ("maybe 7", None),
                                       ("1e9", None), ("7.5", None), ("lots", None), ("twenty thirty", None),
                                       ("yes", None), ("?", None), ("three months", None), ("9" * 30, None),
                                       ("nine " * 60, None), (None, None), ("a few weeks", "weeks")])
def test_parse_number_is_none_unless_certain(text, unit):
    assert parse_number(text, unit) is None


def test_read_number_says_why_it_failed():
    assert read_number("three weeks", "years").problem == "wrong_unit"
    assert read_number("7/10", "weeks").problem == "wrong_unit"
    assert read_number("a few weeks", "weeks").problem == "not_number"
    assert read_number("3 or 4").confirm and read_number("3 or 4").value == 4


@pytest.mark.parametrize("text,normal", [
    ("\u22123", "minus 3"), ("\u20133", "minus 3"), ("-3", "minus 3"), ("don\u2019t", "don't"),
    ("don`t", "don't"), ("\uff17", "7"), ("6\u20147", "6 to 7"), ("7/10", "7 out of ten"), ("48hrs", "48 hrs"),
    ("twenty-one", "twenty one"), ("Yes!", "yes"),
])
def test_normalize_unicode_dashes_and_apostrophes(text, normal):
    assert normalize(text) == normal


@pytest.mark.parametrize("text", ["I don't know", "i dont know", "dunno", "um I don't know", "not sure"])
def test_dont_know(text):
    assert is_dont_know(text)
    assert parse_yes_no(text) is None


@pytest.mark.parametrize("text,expected", [("repeat", "repeat"), ("please repeat", "repeat"), ("Cancel.", "stop"),
                                           ("huh?", "repeat"), ("yes", None), ("seven", None),
                                           ("stop it now now", None)])
def test_commands(text, expected):
    assert parse_command(text) == expected


def test_answer_words_file_is_plain_json():
    from triage.model import ANSWER_WORDS_FILE
    assert json.loads(ANSWER_WORDS_FILE.read_text(encoding="utf-8")) == WORDS


if __name__ == "__main__":  # pin the current answer words (after reviewing that each row is right)
    rows = sorted({(t, q, tuple(e)) for _, t, q, e in _data_rows()}, key=lambda row: (row[1], row[0], repr(row[2])))
    lines = [json.dumps([t, q, list(e)], ensure_ascii=False) for t, q, e in rows]
    GOLDEN_FILE.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")
    print(f"pinned {len(rows)} rows in {GOLDEN_FILE}")
