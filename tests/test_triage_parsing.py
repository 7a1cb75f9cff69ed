"""Parsing tables: utterance -> expected answer, grouped by result, including what must NOT be understood."""
import pytest

from triage import load_questionnaire
from triage.parsing import interpret, is_dont_know, parse_command, parse_number, parse_yes_no

YES = ["yes", "Yes.", "yeah", "yep", "yup", "sure", "I think so", "i do", "Yes, I do.", "um yeah i think so",
       "correct", "that's right", "uh huh", "yes please", "YES!", "absolutely"]
NO = ["no", "No.", "nope", "nah", "not really", "I don't think so", "No, I don't think so.", "i don't",
      "never", "not at all", "no it isn't", "none of those", "well no", "no thanks"]
DONT_KNOW = ["I don't know", "i dont know", "don't know", "not sure", "I'm not sure", "no idea", "maybe",
             "dunno", "I can't remember", "um I don't know"]
NOT_UNDERSTOOD_YES_NO = ["", "   ", "banana", "yes no", "no yes", "okay", "seven", "I have a headache",
                         "y", "yesterday", "yes " * 80, "?", "\u00bfs\u00ed?", None, 7, "not"]


@pytest.mark.parametrize("text", YES)
def test_yes(text):
    assert parse_yes_no(text) is True


@pytest.mark.parametrize("text", NO)
def test_no(text):
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", DONT_KNOW)
def test_dont_know(text):
    assert is_dont_know(text)
    assert parse_yes_no(text) is None  # never read as a yes or a no


@pytest.mark.parametrize("text", NOT_UNDERSTOOD_YES_NO)
def test_yes_no_not_understood(text):
    assert parse_yes_no(text) is None


NUMBERS = [("seven", None, 7), ("a seven", None, 7), ("7 out of 10", None, 7), ("seven out of ten", None, 7),
           ("about six", None, 6), ("7", None, 7), ("it's 7", None, 7), ("7/10", None, 7), ("zero", None, 0),
           ("ten", None, 10), ("twelve weeks", "weeks", 12), ("twenty-one", None, 21), ("twenty one", None, 21),
           ("one hundred and five", None, 105), ("a hundred", None, 100), ("eleven", None, 11), ("-3", None, -3),
           ("minus three", None, -3), ("three months", "weeks", 13), ("a year", "weeks", 52),
           ("2 years", "weeks", 104), ("ten days", "weeks", 1), ("45 years old", "years", 45), ("I'm 45", "years", 45),
           ("forty two", "years", 42), ("two thousand six hundred", "weeks", 2600), ("around 8 please", None, 8)]
NOT_NUMBERS = [("", None), ("seven eight", None), ("six or seven", None), ("1e9", None), ("7.5", None),
               ("seven and a half", None), ("lots", None), ("twenty thirty", None), ("yes", None), ("?", None),
               ("three months", None), ("9" * 30, None), ("nine " * 60, None), (None, None)]


@pytest.mark.parametrize("text,unit,expected", NUMBERS)
def test_numbers(text, unit, expected):
    assert parse_number(text, unit) == expected


@pytest.mark.parametrize("text,unit", NOT_NUMBERS)
def test_numbers_not_understood(text, unit):
    assert parse_number(text, unit) is None


COMMANDS = [("repeat", "repeat"), ("say that again", "repeat"), ("help", "help"), ("what does that mean", "help"),
            ("go back", "back"), ("previous question", "back"), ("start over", "start_over"),
            ("restart", "start_over"), ("stop", "stop"), ("Cancel.", "stop"), ("please repeat", "repeat"),
            ("yes", None), ("seven", None), ("stop it now now", None)]


@pytest.mark.parametrize("text,expected", COMMANDS)
def test_commands(text, expected):
    assert parse_command(text) == expected


def _question(qid):
    return load_questionnaire().questions[qid]


@pytest.mark.parametrize("text,kind,value", [
    ("eleven", "out_of_range", 11), ("-3", "out_of_range", -3), ("11 out of 10", "out_of_range", 11),
    ("seven", "answer", 7), ("0", "answer", 0), ("10", "answer", 10), ("yes", "not_understood", None),
    ("I don't know", "dont_know", None), ("help", "command", "help"), ("1e9", "not_understood", None),
])
def test_interpret_pain_scale(text, kind, value):
    meaning = interpret(text, _question("pain_score"))
    assert (meaning.kind, meaning.value) == (kind, value)


def test_interpret_weeks_converts_units():
    assert interpret("three months", _question("duration_weeks")).value == 13
    assert interpret("three months", _question("pain_score")).kind == "not_understood"
