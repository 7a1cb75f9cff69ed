"""Made for the ear (issue 7, requirements 1 and 2), checked on every enumerated path and locale.

The result is said in two parts: what to do in at most 30 words (an emergency: its message first and
alone), then the one or two strongest reasons, then the short disclaimer (once) and the offer. The
conversation stays open after it: repeat, more, go back, start over and stop work there. The welcome
is at most 30 words before the first question and says that help works at any time; a re-ask says
what kind of answer is wanted and then only the question's short form.

Figures for the README: `python -m pytest -q -s tests/test_triage_result.py -k figures`."""
from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

import pytest

from triage import load_questionnaire, start, step
from triage.conversation import expectation_text, how_to_answer, render_outcome
from triage.knowledge import derive
from triage.locales import get_locale, supported_locales
from triage.outcome import (SPOKEN_REASONS, UNSURE_PREFIX, _for_the_ear, build_outcome, outcome_details, outcome_speech,
                            result_parts)

from triage_paths import all_paths, reply_for, answers_from_facts, outcome_of

QUESTIONNAIRE = load_questionnaire()
PHRASES = QUESTIONNAIRE.phrases
LOCALES = supported_locales()
FIRST_PART_MAX_WORDS = 30
WELCOME_MAX_WORDS = 30
# The offer that ends the result matches what "more" holds for the tier: self-care tips only where the
# tier's advice has some; safety advice alone (urgent) is "what to watch for"; an emergency has none.
OFFER_BY_TIER = {"emergency": "result_offer_emergency", "urgent": "result_offer_urgent",
                 "specialist": "result_offer", "routine": "result_offer", "self_care": "result_offer"}
SPOKEN_RESULT_MAX_WORDS = 110  # the whole first pass, offer included (it was 106-164 words before)


def words(text: str) -> int:
    return len(text.split())


@pytest.fixture(scope="module")
def paths() -> list[tuple[list[tuple[str, Any]], dict[str, Any]]]:
    return [(answers, outcome_of(answers)) for answers in all_paths()]


def _spoken_first_part(outcome: dict[str, Any], tag: str) -> str:
    return get_locale(tag).render(result_parts(outcome)[0], spoken=True)


def test_figures(paths):
    """Prints the README's figures: first-part words over every path, welcome words per locale."""
    for tag in LOCALES:
        counts = [words(_spoken_first_part(o, tag)) for _, o in paths]
        speech = [words(get_locale(tag).render(outcome_speech(o), spoken=True)) for _, o in paths]
        welcome = start(tag)
        before = words(welcome.speech) - words(QUESTIONNAIRE.questions[welcome.question_id].prompt)
        returning = start(tag, returning=True)
        before_returning = words(returning.speech) - words(QUESTIONNAIRE.questions[returning.question_id].prompt)
        print(f"\n{tag}: {len(paths)} paths; words in the first part of the result: median "
              f"{statistics.median(counts)}, max {max(counts)}; whole spoken result: median "
              f"{statistics.median(speech)}, max {max(speech)}; words before the first question: "
              f"{before} (returning user: {before_returning})")
    tiers = Counter(o["tier"] for _, o in paths)
    print("first-part words by tier (en-US): " + ", ".join(
        f"{tier} {max(words(_spoken_first_part(o, 'en-US')) for _, o in paths if o['tier'] == tier)}"
        for tier in tiers))


@pytest.mark.parametrize("tag", LOCALES)
def test_first_part_is_at_most_30_words_on_every_path(tag, paths):
    for answers, outcome in paths:
        first = _spoken_first_part(outcome, tag)
        assert words(first) <= FIRST_PART_MAX_WORDS, (tag, answers, first)
        assert words(get_locale(tag).render(result_parts(outcome)[0])) <= FIRST_PART_MAX_WORDS


def test_the_result_is_what_to_do_then_the_strongest_reasons_then_the_offer(paths):
    for answers, outcome in paths:
        speech = outcome_speech(outcome)
        first, reasons, closing = result_parts(outcome)
        assert speech == " ".join([first, *reasons, closing])
        assert first == outcome["message"]  # an emergency: the emergency message first and alone
        assert 1 <= len(reasons) <= SPOKEN_REASONS, answers
        for said, reason in zip(reasons, outcome["reasons"][:SPOKEN_REASONS], strict=True):  # the strongest first, in rule order
            # A long list of points the person was not sure about is said as their count.
            assert said == reason or (reason.startswith(UNSURE_PREFIX) and said.startswith(UNSURE_PREFIX)
                                      and words(said) < words(reason)), (said, reason)
        assert words(speech) <= SPOKEN_RESULT_MAX_WORDS, speech
        offer = PHRASES[OFFER_BY_TIER[outcome["tier"]]]
        assert speech.endswith(f"{PHRASES['disclaimer_short']} {offer}")
        # The disclaimer once, short; no other part of the result is said twice.
        assert speech.count("not a diagnosis") == 1, speech
        sentences = [first, *reasons]
        assert len(sentences) == len(set(sentences)), answers
        # Lists of pattern names cannot be followed by ear: the first pass names none.
        assert "consistent with" not in speech


def test_everything_stays_available_on_more(paths):
    for answers, outcome in paths:
        details = outcome_details(outcome)
        for item in outcome["reasons"] + outcome["advice"] + [outcome["disclaimer"]]:
            assert item in details, (answers, item)
        assert details.count("consistent with") == len(outcome["patterns"])
        assert details.endswith(PHRASES["more_offer"])


@pytest.fixture(scope="module")
def results(paths):
    """The result turn of every path, reached by the conversation itself (en-US)."""
    found = []
    for answers, _ in paths:
        turn = start()
        for _, value in answers:
            turn = step(turn.state, reply_for(value))
        found.append((answers, turn))
    return found


def test_the_result_keeps_the_conversation_open_on_every_path(results):
    for answers, turn in results:
        assert turn.kind == "outcome" and not turn.ended, answers
        assert turn.expects == "command" and turn.reprompt and turn.speech.endswith(turn.reprompt)
        assert turn.outcome == render_outcome(outcome_of(answers), get_locale("en-US"))


def test_repeat_more_go_back_start_over_and_stop_work_after_every_result(results):
    for answers, turn in results:
        again = step(turn.state, "repeat")
        assert again.kind == "repeat" and again.speech == turn.speech and again.state == turn.state
        more = step(turn.state, "more")
        assert more.kind == "more" and not more.ended and more.state == turn.state
        assert all(reason in more.text for reason in turn.outcome["reasons"])
        back = step(turn.state, "go back")
        last_id = answers[-1][0]
        assert back.kind == "back" and back.question_id == last_id and back.state["answers"] == \
            [list(a) for a in answers[:-1]], answers
        assert back.text == f"{PHRASES['going_back']} {QUESTIONNAIRE.questions[last_id].prompt}"
        over = step(turn.state, "start over")
        assert over.question_id == QUESTIONNAIRE.order[0] and over.state["answers"] == []
        stop = step(turn.state, "stop")
        assert stop.ended and stop.kind == "stopped" and stop.outcome == turn.outcome
        expected = PHRASES["goodbye_after_emergency" if turn.outcome["tier"] == "emergency" else "goodbye"]
        assert stop.text == get_locale().render(expected)


@pytest.mark.parametrize("said", ["yes", "no", "7", "banana", "", "I don't know"])
def test_an_answer_after_the_result_says_what_can_be_said_now(said):
    result = step(start().state, "yes")  # an emergency
    turn = step(result.state, said)
    assert turn.kind == "reask" and not turn.ended and turn.state == result.state
    assert turn.text == f"{PHRASES['not_understood']} {PHRASES['result_help']}"
    for command in ("repeat", "more", "go back", "start over", "stop"):
        assert command in turn.text


def test_help_after_the_result_lists_every_command():
    result = step(start().state, "yes")
    helped = step(result.state, "help")
    assert helped.kind == "help" and not helped.ended
    for command in ("repeat", "more", "go back", "start over", "stop"):
        assert command in helped.text


# --- the welcome and re-asks ---------------------------------------------------------------

@pytest.mark.parametrize("tag", LOCALES)
def test_the_welcome_is_at_most_30_words_and_says_help_works_at_any_time(tag):
    welcome = start(tag)
    prompt = QUESTIONNAIRE.questions[welcome.question_id].prompt
    for text in (welcome.text, welcome.speech):
        assert text.endswith(prompt)
        before = text[: -len(prompt)]
        assert words(before) <= WELCOME_MAX_WORDS, before
        assert "help at any time" in before.lower()
        assert get_locale(tag).emergency_number in welcome.text[: -len(prompt)]
    assert "not a diagnosis" not in welcome.text  # said once, with the result


@pytest.mark.parametrize("tag", LOCALES)
def test_a_returning_user_skips_the_welcome_but_not_the_emergency_advice(tag):
    full, returning = start(tag), start(tag, returning=True)
    assert words(returning.speech) < words(full.speech)
    assert get_locale(tag).emergency_number_spoken in returning.speech
    assert returning.state == full.state and returning.question_id == full.question_id


@pytest.mark.parametrize("qid", list(QUESTIONNAIRE.questions))
def test_a_re_ask_says_the_kind_of_answer_then_only_the_short_form(qid):
    question = QUESTIONNAIRE.questions[qid]
    assert words(question.short) <= words(question.prompt), qid
    turn = _reach(qid)
    reask = step(turn.state, "banana")
    assert reask.kind == "reask" and reask.state == turn.state
    assert reask.text == f"{PHRASES['not_understood']} {how_to_answer(question)} {question.short}"
    assert question.prompt not in reask.text or question.prompt == question.short
    assert reask.reprompt == f"{question.short} {expectation_text(question)}"


def _reach(qid: str):
    """A turn asking `qid`, on the first enumerated path that asks it."""
    for answers in all_paths():
        ids = [q for q, _ in answers]
        if qid in ids:
            turn = start()
            for _, value in answers[: ids.index(qid)]:
                turn = step(turn.state, reply_for(value))
            assert turn.question_id == qid
            return turn
    raise AssertionError(f"no path asks {qid}")


# --- the machine entry point ---------------------------------------------------------------

README_EXAMPLE = {"leg_numbness_or_tingling": True, "saddle_numbness": False}
SELF_CARE = {"saddle_numbness": False, "recent_major_trauma": False, "leg_numbness_or_tingling": False,
             "leg_weakness": False, "pain_radiates_below_knee": False, "fever": False, "infection_risk": False,
             "cancer_history": False, "unexplained_weight_loss": False, "osteoporosis_or_steroids": False,
             "age": 35, "duration_weeks": 2, "pain_score": 4, "pain_at_night_or_rest": False,
             "limits_daily_activities": False}


@pytest.mark.parametrize("facts", [README_EXAMPLE, SELF_CARE, {"saddle_numbness": True}, {}],
                         ids=["readme-example", "self-care", "emergency", "nothing-given"])
@pytest.mark.parametrize("tag", ["en-US", "en-GB"])
def test_assess_speech_is_what_to_do_then_reasons_then_the_offer(facts, tag):
    from triage.__main__ import assess

    result = assess(facts, tag)
    locale = get_locale(tag)
    speech = result["speech"]
    assert locale.emergency_number not in speech or locale.emergency_number == locale.emergency_number_spoken
    offer = PHRASES[OFFER_BY_TIER[result["tier"]]]
    assert speech.endswith(f"{PHRASES['disclaimer_short']} {offer}")
    assert speech.count("not a diagnosis") == 1
    # Its reasons are the one or two strongest printed reasons, said for the ear, in order.
    answers = answers_from_facts(facts)  # the same outcome, to know how many unsure points each sentence names
    built = build_outcome(derive(load_questionnaire(), answers), [qid for qid, _ in answers], facts=facts)
    said = [locale.render(_for_the_ear(r, built), spoken=True) for r in result["reasons"][:SPOKEN_REASONS]]
    assert " ".join(said) in speech


def test_every_key_assess_prints_is_in_the_readme():
    from pathlib import Path

    from triage.__main__ import assess

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for key in assess(README_EXAMPLE):
        assert f"`{key}`" in readme, key


# --- the text front end ----------------------------------------------------------------------

def _text_mode(lines: list[str], *args: str) -> str:
    import io

    from triage.text_mode import run

    out = io.StringIO()
    assert run(io.StringIO("".join(f"{line}\n" for line in lines)), out, *args) == 0
    return out.getvalue()


def _calm_answers() -> tuple[list[str], Any]:
    turn, said = start(), []
    while turn.outcome is None:
        said.append(("35" if turn.question_id == "age" else "3") if turn.expects == "number" else "no")
        turn = step(turn.state, said[-1])
    return said, turn


def test_the_text_front_end_prints_everything_at_the_result_and_stays_open():
    said, result = _calm_answers()
    out = _text_mode(said + ["more", "go back"])
    printed = out.split(result.outcome["message"], 1)[1].split("> more", 1)[0]  # before "more" is said
    for item in result.outcome["reasons"] + [result.outcome["disclaimer"], result.reprompt]:
        assert item in printed, item
    assert all(tip in printed for tip in result.outcome["advice"])
    assert "consistent with" in printed
    assert "(repeat, more, summary, go back, start over, or stop) > more" in out  # it did not exit at the result
    last = QUESTIONNAIRE.questions[result.outcome["asked"][-1]]
    assert f"Going back. {last.prompt}" in out
    assert out.rstrip().endswith(get_locale().render(PHRASES["goodbye"]))  # end of input is stop


def test_the_text_front_end_after_an_emergency_in_en_gb():
    out = _text_mode(["yes", "repeat", "stop"], "en-GB")
    assert out.count("Call 999 or go to your nearest A&E now.") == 2
    assert "Goodbye. Once more: call 999 or go to your nearest A&E now." in out


def test_an_unknown_concept_s_error_lists_the_valid_names():
    import io

    from triage.__main__ import main
    from triage.model import CONCEPTS

    err = io.StringIO()
    assert main(["assess"], io.StringIO('{"sadle_numbness": true}'), io.StringIO(), err) == 2
    message = err.getvalue()
    assert message.count("\n") == 1 and "sadle_numbness" in message
    assert all(concept in message for concept in CONCEPTS)


# Safety advice (what to do if things get worse), as opposed to a self-care tip.
_SAFETY_OPENINGS = ("Go to ", "Get help at once", "Until you are seen")


@pytest.mark.parametrize("tier", list(OFFER_BY_TIER))
def test_the_offer_names_self_care_tips_only_where_the_tier_has_some(tier):
    from triage import load_rules
    from triage.outcome import result_offer

    offer = result_offer({"tier": tier})
    assert offer == PHRASES[OFFER_BY_TIER[tier]]
    tips = [a for a in load_rules().advice[tier] if not a.startswith(_SAFETY_OPENINGS)]
    assert ("self-care tips" in offer) == bool(tips), (tier, offer, tips)
    if tips:  # issue 7 quotes this sentence
        assert offer == "Say repeat to hear this again, more for the reasons and self-care tips, or stop."
    elif load_rules().advice[tier]:
        assert "what to watch for" in offer, offer
