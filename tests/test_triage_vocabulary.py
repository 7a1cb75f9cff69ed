"""The recognizer grammars and the Alexa unit list come from the same answer words as the text parser:
every phrase a grammar can return is understood by the core as the kind of answer it stands for."""
import pytest

from triage import load_answer_words, load_questionnaire
from triage.parsing import interpret, parse_number
from triage.vocabulary import (
    grammar_phrases,
    hedged_no_phrases,
    hedged_yes_phrases,
    no_phrases,
    number_to_words,
    question_phrases,
    unit_words,
    yes_phrases,
)

QUESTIONS = load_questionnaire().questions


def _grammar(question):
    return grammar_phrases(question.type, question.range, question.unit, question.id)


@pytest.mark.parametrize("qid", list(QUESTIONS))
def test_every_grammar_phrase_is_understood_by_the_core(qid):
    """Nothing a recognizer can hear from a question's grammar is refused or misread by the parser."""
    question = QUESTIONS[qid]
    for phrase in _grammar(question):
        meaning = interpret(phrase, question)
        assert meaning.kind in ("answer", "dont_know", "command", "out_of_range"), (qid, phrase)


def test_ages_in_words_are_in_the_age_grammar():
    phrases = set(_grammar(QUESTIONS["age"]))
    for n in range(16, 111):
        assert number_to_words(n) in phrases and f"i'm {number_to_words(n)}" in phrases, n
    assert {"forty seven", "i'm sixty five", "about six"} <= phrases
    assert parse_number("forty seven", "years") == 47 and parse_number("i'm sixty five", "years") == 65


def test_ages_one_to_fifteen_stay_numbers():
    """An age under 16 is a number the clinical rules can act on, never a re-ask by the parser."""
    for n in range(1, 16):
        assert interpret(number_to_words(n), QUESTIONS["age"]).value == n
        assert interpret(str(n), QUESTIONS["age"]).value == n


def test_pain_grammar_has_ten_about_six_and_ranges():
    phrases = set(_grammar(QUESTIONS["pain_score"]))
    assert {"ten", "about six", "three or four", "seven out of ten", "maybe seven"} <= phrases
    assert interpret("three or four", QUESTIONS["pain_score"]).confirm


def test_yes_no_grammar_has_every_spoken_answer_word():
    phrases = set(_grammar(QUESTIONS["fever"]))
    spoken = yes_phrases() + no_phrases() + hedged_yes_phrases() + hedged_no_phrases()
    assert set(spoken) <= phrases
    assert "y" not in phrases and "n" not in phrases  # typed only


def test_question_words_reach_the_grammar_of_their_question_only():
    both = set(_grammar(QUESTIONS["both_legs"]))
    assert {"just the left one", "one leg", "both"} <= both
    assert "one leg" not in set(_grammar(QUESTIONS["fever"]))
    assert question_phrases("both_legs")["no"] and question_phrases("fever") == {"yes": [], "no": [], "zero": []}
    with pytest.raises(ValueError):
        grammar_phrases("yes_no", question_id="no_such_question")


def test_weeks_grammar_has_durations_without_numbers():
    phrases = set(_grammar(QUESTIONS["duration_weeks"]))
    assert {"a fortnight", "a couple of weeks", "a year and a half", "yesterday", "forty eight hours"} <= phrases


def test_unit_words_are_the_core_units_with_synonyms():
    units = unit_words()
    data = load_answer_words()["units"]
    assert set(units) == set(data)
    for name, words in units.items():
        assert words == data[name]["words"]
        for word in words:
            assert parse_number(f"2 {word}", "weeks") is not None, word


def test_the_alexa_unit_slot_is_built_from_the_core_unit_words():
    from interaction_model.generate import build_model
    types = build_model()["interactionModel"]["languageModel"]["types"]
    (unit_type,) = [t for t in types if t["name"] == "DurationUnit"]
    values = {v["id"]: [v["name"]["value"], *v["name"].get("synonyms", [])] for v in unit_type["values"]}
    assert values == unit_words()
