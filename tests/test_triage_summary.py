"""The person's summary (issue 10) from the core: what it holds on every path, what a stop, a changed
answer and a restart leave in it, how "summary" is asked for, and that it names no one."""
from __future__ import annotations

import getpass
import json
import re
import shutil
import socket
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import pytest

from triage import load_answer_words, load_questionnaire, start, step
from triage.conversation import outcome_for, read_state
from triage.outcome import result_offer
from triage.knowledge import UNKNOWN
from triage.locales import get_locale, supported_locales
from triage import model
from triage.model import TIERS
from triage.summary import (COMPLETED, STOPPED, NotASummaryState, answer_text, build_summary, person_text,
                            spoken_time)
from tests.triage_paths import all_paths, reply_for

NOW = datetime(2026, 11, 30, 15, 4, 5, tzinfo=timezone.utc)
SUMMARY_OFFER = load_questionnaire().phrases["summary_offer"]


@lru_cache(maxsize=1)
def _paths() -> tuple[tuple[tuple[str, Any], ...], ...]:
    return tuple(tuple(p) for p in all_paths())


def done_state(answers) -> dict[str, Any]:
    state = {"v": 1, "answers": [list(a) for a in answers], "current": None, "done": True,
             "outcome_tier": outcome_for(list(answers))["tier"]}
    assert read_state(state) is not None
    return state


def stopped_state(answers) -> dict[str, Any]:
    """The state of a conversation stopped just before the question after `answers`."""
    turn = start()
    for qid, value in answers:
        assert turn.question_id == qid
        turn = step(turn.state, reply_for(value))
        if turn.kind == "confirm":
            turn = step(turn.state, "yes")
    return turn.state


def _warning_yes(item) -> bool:
    return item.red_flag and item.value is True


def test_every_path_summary_holds_what_the_issue_lists():
    """Date and time, what to do, whom to see, every reason, every question with its answer (units,
    "I don't know"), the advice where it applies, the warning signs, the disclaimer and the version."""
    questions = load_questionnaire().questions
    for answers in _paths():
        record = build_summary(done_state(answers), NOW)
        text = person_text(record)
        assert record.status == COMPLETED
        outcome = outcome_for(list(answers))
        assert record.tier == outcome["tier"] and record.specialist == outcome["specialist"]
        for part in (record.message, *record.reasons, *record.patterns, *record.advice, record.watch_for_intro,
                     *record.watch_for, record.disclaimer, "30 November 2026 at 15:04 UTC",
                     "version {}, build {}.".format(*record.version.split("+"))):
            assert part in text, (answers, part)
        assert record.destination.lower() in text.lower()
        assert [a.question_id for a in record.answers if not _warning_yes(a)] == \
            [qid for qid, value in answers if not (questions[qid].red_flag and value is True)]
        assert [a.question_id for a in record.answers if _warning_yes(a)] == \
            [qid for qid, value in answers if questions[qid].red_flag and value is True]
        lines = text.splitlines()
        answer_lines = [line for line in lines if line.startswith("Question ")]
        assert len(answer_lines) == len(answers)
        for line, item in zip(answer_lines, record.answers, strict=True):
            assert questions[item.question_id].prompt in line and line.endswith(f"Your answer: {item.answer_text}.")
        # Red flags answered yes are listed first: no warning sign after any other answer.
        flags = [_warning_yes(a) for a in record.answers]
        assert flags == sorted(flags, reverse=True)
        assert ("{" not in text) and ("}" not in text), "a placeholder was left unfilled"


@pytest.mark.parametrize("tier", [t for t in TIERS if t != "emergency"])
def test_advice_is_in_the_summary_for_every_tier_that_has_some(tier):
    path = next(p for p in _paths() if outcome_for(list(p))["tier"] == tier)
    record = build_summary(done_state(path), NOW)
    assert record.advice and "Advice:" in person_text(record)


def test_an_emergency_summary_has_no_advice_section_but_still_the_warning_signs():
    path = next(p for p in _paths() if outcome_for(list(p))["tier"] == "emergency")
    text = person_text(build_summary(done_state(path), NOW))
    assert "Advice:" not in text and "Warning signs to watch for:" in text


@pytest.mark.parametrize("locale", supported_locales())
def test_the_summary_speaks_the_locales_emergency_number_and_department(locale):
    where = get_locale(locale)
    path = next(p for p in _paths() if outcome_for(list(p))["tier"] == "emergency")
    record = build_summary(done_state(path), NOW, locale)
    text = person_text(record)
    assert record.locale == where.tag
    assert f"Call {where.emergency_number}" in text
    assert where.words["emergency_department"] in text
    others = {get_locale(t).emergency_number for t in supported_locales()} - {where.emergency_number}
    assert not any(f"Call {number}" in text for number in others)


def _left_as_unknown(prefix) -> list[tuple[str, Any]]:
    """The prefix with every question still to come answered "I don't know"."""
    from triage import next_question
    answers = list(prefix)
    while (question := next_question(answers)) is not None:
        answers.append((question.id, UNKNOWN))
    return answers


def test_a_stopped_summary_holds_what_was_answered_and_never_claims_a_full_result():
    """Every distinct point a person can stop at (after at least one answer): status stopped, only the
    answers given, no pattern, no "no warning signs" reason, and an urgency never below "routine", nor
    below any way of finishing, nor below answering "I don't know" to the next question and stopping
    then: exactly the more urgent of "routine" and every question left counted as "I don't know"."""
    final_tiers: dict[tuple, int] = {}
    for path in _paths():
        final = TIERS.index(outcome_for(list(path))["tier"])
        for cut in range(1, len(path)):
            prefix = path[:cut]
            final_tiers[prefix] = min(final_tiers.get(prefix, final), final)
    stopped_sentence = load_questionnaire().phrases["summary_stopped"]
    routine = TIERS.index("routine")

    def stopped(prefix) -> Any:
        return build_summary({"v": 1, "answers": [list(a) for a in prefix], "current": _next_id(prefix),
                              "done": False, "outcome_tier": None}, NOW)

    for prefix, lowest_final in final_tiers.items():
        record = stopped(prefix)
        assert record.status == STOPPED
        assert sorted(a.question_id for a in record.answers) == sorted(qid for qid, _ in prefix)
        assert record.message.startswith(stopped_sentence)
        assert not record.patterns and not record.advice
        assert record.reasons, prefix
        assert not any("did not report any warning signs" in r for r in record.reasons)
        tier = TIERS.index(record.tier)
        assert tier >= max(routine, lowest_final), (prefix, record.tier, lowest_final)
        if_unknown = TIERS.index(outcome_for(_left_as_unknown(prefix))["tier"])
        assert tier >= if_unknown, (prefix, record.tier)
        unknown_next = prefix + ((_next_id(prefix), UNKNOWN),)
        if unknown_next in final_tiers:  # "I don't know" to the next question, then a stop
            assert tier >= TIERS.index(stopped(unknown_next).tier), prefix
        text = person_text(record)
        assert "You stopped before the end of the questions." in text and "Question 1:" in text
    assert len(final_tiers) > 1000


@pytest.mark.parametrize("replies, tier, says", [
    # The questions left count as "I don't know": early stops say to see a doctor soon, and why.
    (["no", "no", "yes"], "urgent", "stopped before the end"),
    (["no", "no", "yes", "no"], "urgent", "numbness or tingling in a leg"),
    (["no", "no", "yes", "yes"], "urgent", "a leg is weak"),
    (["no", "no", "I don't know"], "urgent", "not sure"),
    (["no"], "urgent", "stopped before the end"),
    (["no", "no", "no", "no", "yes"], "urgent", "fever or chills"),
    # Past the warning signs, what is left can only ask for routine care: at least that, never self-care.
    (["no", "no", "no", "no", "no", "40", "2", "3"], "routine", "stopped before the end"),
])
def test_a_stop_never_says_less_than_the_answers_so_far_and_finishing_call_for(replies, tier, says):
    turn = start()
    for reply in replies:
        turn = step(turn.state, reply)
    asked = step(turn.state, "summary")
    record = build_summary(asked.state, NOW)
    assert record.tier == tier and any(says in r for r in record.reasons), record
    assert "primary care" in record.destination
    # What to do is said as the summary is kept (a voice user may never open the file or the card).
    goodbye = get_locale("en-US").render(load_questionnaire().phrases["goodbye"])
    assert asked.text == f"{record.message} {goodbye}"


def test_summary_before_any_answer_keeps_nothing_and_asks_the_question_again():
    turn = step(start().state, "summary")
    assert turn.kind == "reask" and not turn.ended and turn.question_id == "cauda_equina_signs"
    assert turn.text.startswith(load_questionnaire().phrases["summary_nothing_yet"])


def _next_id(prefix) -> str:
    from triage import next_question
    question = next_question(list(prefix))
    assert question is not None
    return question.id


def test_stopping_after_a_red_flag_keeps_its_urgency_and_lists_it_first():
    turn = start()
    for reply in ("no", "no", "no", "no", "yes"):  # cauda equina, trauma, leg, below knee: no; serious illness: yes
        turn = step(turn.state, reply)
    assert turn.question_id == "fever"
    turn = step(turn.state, "summary")
    assert turn.kind == "summary" and turn.ended
    record = build_summary(turn.state, NOW)
    assert record.status == STOPPED and record.tier == "urgent"
    assert record.answers[0].question_id == "serious_illness_signs" and record.answers[0].value is True
    assert "within 24 to 48 hours" in record.message


def test_go_back_and_a_changed_answer_keep_only_the_final_answer():
    turn = start()
    turn = step(turn.state, "no")
    turn = step(turn.state, "yes")  # a serious accident: an emergency result at once...
    assert turn.kind == "outcome"
    turn = step(turn.state, "go back")
    assert turn.question_id == "major_trauma"
    turn = step(turn.state, "no")  # ...changed to no
    while turn.expects != "command":
        turn = step(turn.state, "no" if turn.expects == "yes_no" else "3")
    turn = step(turn.state, "summary")
    record = build_summary(turn.state, NOW)
    trauma = [a for a in record.answers if a.question_id == "major_trauma"]
    assert len(trauma) == 1 and trauma[0].value is False
    assert len({a.question_id for a in record.answers}) == len(record.answers)
    # Go back after the result, change the last answer: the new summary has only the new answer.
    last = turn.state["answers"][-1][0]
    turn = step(turn.state, "go back")
    turn = step(turn.state, "I don't know")
    while turn.expects != "command":
        turn = step(turn.state, "no" if turn.expects == "yes_no" else "3")
    again = build_summary(step(turn.state, "summary").state, NOW)
    changed = [a for a in again.answers if a.question_id == last]
    assert len(changed) == 1 and changed[0].value is None and changed[0].answer_text == "I don't know"


def test_a_restarted_assessment_gives_a_fresh_summary():
    turn = start()
    for reply in ("no", "yes"):
        turn = step(turn.state, reply)
    turn = step(turn.state, "start over")
    turn = step(turn.state, "no")
    record = build_summary(step(turn.state, "summary").state, NOW)
    assert [(a.question_id, a.value) for a in record.answers] == [("cauda_equina_signs", False)]


@pytest.mark.parametrize("phrase", load_answer_words()["commands"]["summary"])
def test_every_way_of_asking_gives_a_summary_turn(phrase):
    path = _paths()[0]
    at_result = step(done_state(path), phrase)
    assert at_result.kind == "summary" and not at_result.ended and at_result.expects == "command"
    midway = step(step(start().state, "no").state, phrase)
    assert midway.kind == "summary" and midway.ended
    assert build_summary(midway.state, NOW).status == STOPPED


@pytest.mark.parametrize("reply", ["stop", "quit", "cancel", "goodbye", "no", "repeat", "more"])
def test_nothing_but_a_summary_request_asks_for_one(reply):
    """Only on request: stop and every other reply, before and at the result, is not a summary turn."""
    for state in (start().state, done_state(_paths()[0])):
        assert step(state, reply).kind != "summary"


def test_a_summary_request_during_a_read_back_settles_the_answer_first():
    """"I heard 6 weeks. Is that right?" then "summary": the read-back again (a summary now would
    leave the answer out); yes takes the answer, and a summary then holds it."""
    turn = start()
    for reply in ("no", "no", "no", "no", "no", "40"):
        turn = step(turn.state, reply)
    turn = step(turn.state, "4 to 6 weeks")
    assert turn.kind == "confirm"
    again = step(turn.state, "summary")
    assert again.kind == "reask" and again.state == turn.state and not again.ended
    assert again.text.startswith(load_answer_words()["spoken_expectations"]["confirm_before_summary"])
    assert again.text.endswith(turn.text)
    taken = step(again.state, "yes")
    record = build_summary(step(taken.state, "summary").state, NOW)
    assert ("duration_weeks", 6) in {(a.question_id, a.value) for a in record.answers}


def test_the_result_offers_a_summary_once_and_the_reprompt_does_not_repeat_it():
    for path in _paths()[::7]:
        turn = start()
        for _qid, value in path:
            turn = step(turn.state, reply_for(value))
            if turn.kind == "confirm":
                turn = step(turn.state, "yes")
        assert turn.kind == "outcome"
        assert turn.text.count(SUMMARY_OFFER) == 1 and SUMMARY_OFFER not in (turn.reprompt or "")
        assert SUMMARY_OFFER not in step(turn.state, "more").text
        assert "summary" in step(turn.state, "help").text


@pytest.mark.parametrize("created, spoken", [
    (datetime(2026, 11, 30, 15, 4, tzinfo=timezone.utc), "30 November 2026 at 15:04 UTC"),
    (datetime(2026, 1, 2, 9, 5, tzinfo=timezone(timedelta(hours=-5))), "2 January 2026 at 09:05, UTC minus 5 hours"),
    (datetime(2026, 6, 1, 23, 59, tzinfo=timezone(timedelta(hours=5, minutes=30))),
     "1 June 2026 at 23:59, UTC plus 5 hours 30 minutes"),
    (datetime(2026, 3, 29, 1, 0, tzinfo=timezone(timedelta(hours=1))), "29 March 2026 at 01:00, UTC plus 1 hour"),
])
def test_time_is_said_in_words_with_its_offset(created, spoken):
    assert spoken_time(created) == spoken


@pytest.mark.parametrize("qtype, unit, value, words", [
    ("yes_no", None, True, "Yes"), ("yes_no", None, False, "No"), ("yes_no", None, None, "I don't know"),
    ("yes_no", None, UNKNOWN, "I don't know"), ("number", "weeks", 1, "1 week"), ("number", "weeks", 0, "0 weeks"),
    ("number", "weeks", 12, "12 weeks"), ("number", "years", 45, "45 years"), ("number", "years", 1, "1 year"),
    ("number", None, 7, "7 out of 10"), ("number", None, 0, "0 out of 10"), ("number", "weeks", None, "I don't know"),
])
def test_answers_are_written_with_their_units(qtype, unit, value, words):
    assert answer_text(qtype, unit, value) == words


def test_a_naive_time_or_a_foreign_state_is_refused():
    state = done_state(_paths()[0])
    with pytest.raises(ValueError):
        build_summary(state, datetime(2026, 11, 30, 15, 4))
    for forged in (None, {}, {"v": 1, "answers": [["fever", True]], "current": None, "done": True},
                   {**state, "answers": state["answers"][:-1]}, "garbage"):
        with pytest.raises(NotASummaryState):
            build_summary(forged, NOW)


def test_the_summary_names_no_person_and_no_device():
    texts = [person_text(build_summary(done_state(p), NOW)) for p in _paths()[::50]]
    # The machine's and the user's names (skipping any that is also a word of the questions or rules,
    # such as "root").
    data_words = set(re.findall(r"[a-z]+", (model.QUESTIONNAIRE_FILE.read_text() + model.RULES_FILE.read_text()).lower()))
    names = {n for n in {getpass.getuser(), socket.gethostname(), socket.getfqdn()}
             if len(n) > 3 and n.lower() not in data_words}
    for text in texts:
        for name in names:
            assert not re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE)
        assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", text), "an identifier-like string"
        assert not re.search(r"\b\d{1,3}(\.\d{1,3}){3}\b", text), "an address"


def test_the_version_follows_any_edit_of_the_questions_or_rules(tmp_path, monkeypatch):
    before = model.data_version()
    assert re.fullmatch(r"\d+\.\d+\+[0-9a-f]{10}", before)
    copy = tmp_path / "rules.json"
    shutil.copy(model.RULES_FILE, copy)
    data = json.loads(copy.read_text())
    data["disclaimer"] += " Edited."
    copy.write_text(json.dumps(data))
    monkeypatch.setattr(model, "RULES_FILE", copy)
    model.data_version.cache_clear()
    try:
        assert model.data_version() != before
    finally:
        monkeypatch.undo()
        model.data_version.cache_clear()
    assert model.data_version() == before


def test_a_summary_after_an_emergency_says_the_emergency_message_first_and_others_do_not():
    for path in _paths()[::11]:
        state = done_state(path)
        outcome = outcome_for(list(path))
        turn = step(state, "summary", "en-GB")
        assert turn.kind == "summary" and turn.state == read_state(state)
        emergency = get_locale("en-GB").render(outcome["message"])
        if outcome["tier"] == "emergency":
            assert turn.text.startswith(emergency) and "nine nine nine" in turn.speech
        else:
            assert turn.text == result_offer(outcome) and "more for the reasons" in turn.text
