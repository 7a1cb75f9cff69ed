"""The conversation as a value: `step(state, utterance) -> Turn`.

No I/O here. The state is plain JSON data (it travels in Alexa session attributes) and is checked
when read back by replaying its answers: garbled or foreign state starts over cleanly.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from .knowledge import UNKNOWN, derive, evaluate
from .locales import DEFAULT_LOCALE, Locale, get_locale
from .model import MAX_QUESTIONS, TIERS, Question, load_answer_words, load_questionnaire
from .outcome import build_outcome, current_tier, outcome_details, outcome_speech, questions_end, result_offer

STATE_VERSION = 1

def _phrase(name: str) -> str:
    """One of the conversation's sentences from questionnaire.json "phrases" (may hold placeholders)."""
    return load_questionnaire().phrases[name]


@dataclass(frozen=True)
class Turn:
    """One reply of Spine Check: what to say, what it expects next, and the new state.

    `text` is the written form (the emergency number in digits, "Call 911"): print or show it.
    `speech` is the same words in the one form every synthesizer says alike (the emergency number
    digit by digit, "Call nine one one"): speak it. `reprompt` is only ever spoken, so it is in the
    spoken form. `outcome` (once there is one) has its texts in the written form."""
    text: str
    state: dict[str, Any]
    # question | reask | help | repeat | back | restarted | outcome | more | stopped | summary (the person
    # asked for a summary: the front end makes it from `state` with triage.summary.build_summary)
    kind: str
    # 'yes_no' | 'number' at a question; 'command' after the result (repeat, more, go back, start
    # over, summary, stop); None once the conversation has ended (stop, or a summary before the result)
    expects: str | None = None
    question_id: str | None = None
    number_range: tuple[int, int] | None = None
    red_flag: bool = False
    reprompt: str | None = None
    outcome: dict[str, Any] | None = None  # the result, on its turn and every turn after it
    ended: bool = False  # only "stop" ends the conversation (the result does not)
    speech: str = ""
    locale: str = DEFAULT_LOCALE


_OUTCOME_TEXTS = ("message", "disclaimer")
_OUTCOME_TEXT_LISTS = ("reasons", "advice")


def render_outcome(outcome: dict[str, Any], locale: Locale) -> dict[str, Any]:
    """A copy of an outcome with its texts in the locale's written form ("Call 999 or go to A&E")."""
    rendered = dict(outcome)
    for key in _OUTCOME_TEXTS:
        if key in rendered:
            rendered[key] = locale.render(rendered[key])
    for key in _OUTCOME_TEXT_LISTS:
        if key in rendered:
            rendered[key] = [locale.render(item) for item in rendered[key]]
    return rendered


def _localized(turn: Turn, locale: Locale) -> Turn:
    """The turn as said in `locale`: placeholders filled, written text and spoken speech."""
    return replace(turn, text=locale.render(turn.text), speech=locale.render(turn.text, spoken=True),
                   reprompt=None if turn.reprompt is None else locale.render(turn.reprompt, spoken=True),
                   outcome=None if turn.outcome is None else render_outcome(turn.outcome, locale),
                   locale=locale.tag)


def expectation_text(question: Question) -> str:
    """What kind of answer is wanted, said after a help or in a reprompt. A question with a unit
    (weeks, years) says the unit, never its range: 0 to 2600 weeks is only a sanity bound, and
    saying it sounds absurd. A scale (the pain score) says its range, which is what it means."""
    return how_to_answer(question)


def how_to_answer(question: Question) -> str:
    """How to answer, said when a reply was not understood: "Please say a number of weeks, for example
    three, or I don't know." (a vague "a few weeks" or a wrong unit is never guessed)."""
    spoken = load_answer_words()["spoken_expectations"]
    if question.type == "number":
        lo, hi = question.range or (0, 0)
        key = question.unit if question.unit in ("weeks", "years") else "scale"
        return spoken[key].format(lo=lo, hi=hi)
    return spoken["yes_no"]


def _answers(state: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(qid, value) for qid, value in state["answers"]]


def next_question(answers: list[tuple[str, Any]]) -> Question | None:
    """See _next_question_id; answers are (question id, answer) pairs in the order asked."""
    qid = _next_question_id(tuple((q, v) for q, v in answers))
    return None if qid is None else load_questionnaire().questions[qid]


@lru_cache(maxsize=8192)
def _next_question_id(answers: tuple[tuple[str, Any], ...]) -> str | None:
    """The next question worth asking, or None when the outcome cannot change any more.

    A pure function of the answers, memoized: the questionnaire is a small decision tree (a few
    thousand paths), and the Alexa skill replays the answers on every turn to validate its state.

    Questions are considered only after the last one answered, in data order. Once the tier is urgent
    or higher, only red-flag questions remain (they can still make it an emergency); an emergency, or
    a rule marked final (an age under 16), ends the questionnaire at once."""
    questionnaire = load_questionnaire()
    if len(answers) >= MAX_QUESTIONS:
        return None
    k = derive(questionnaire, answers)
    if questions_end(k):  # an emergency, or an age under 16
        return None
    tier = current_tier(k)
    start = questionnaire.order.index(answers[-1][0]) + 1 if answers else 0
    for qid in questionnaire.order[start:]:
        question = questionnaire.questions[qid]
        if not question.red_flag and TIERS.index(tier) >= TIERS.index("urgent"):
            continue
        if question.ask_if is not None:
            applies = evaluate(question.ask_if, k, tier)
            # A red-flag follow-up is asked even when its condition is unknown (caution first); any
            # other question only when its condition is known to hold, which keeps paths short.
            if applies is False or (applies is None and not question.red_flag):
                continue
        return question.id
    return None


def outcome_for(answers: list[tuple[str, Any]]) -> dict[str, Any]:
    """The outcome of a finished path (a fresh copy: callers may change it)."""
    cached = _outcome_for(tuple((q, v) for q, v in answers))
    return {key: list(value) if isinstance(value, list) else value for key, value in cached.items()}


@lru_cache(maxsize=4096)
def _outcome_for(answers: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    # Memoized like _next_question_id: a pure function of the answers.
    return build_outcome(derive(load_questionnaire(), answers), [qid for qid, _ in answers])


def new_state() -> dict[str, Any]:
    return {"v": STATE_VERSION, "answers": [], "current": None, "done": False, "outcome_tier": None}


def _question_turn(state: dict[str, Any], question: Question, kind: str, prefix: str = "",
                   short: bool = False) -> Turn:
    """Ask `question` after `prefix`: in full, or (short=True, for a re-ask) its short form only."""
    text = f"{prefix} {question.short if short else question.prompt}".strip()
    return Turn(text=text, state=state, kind=kind, expects=question.type, question_id=question.id,
                number_range=question.range, red_flag=question.red_flag,
                reprompt=f"{question.short} {expectation_text(question)}")


def _advance(answers: list[tuple[str, Any]], kind: str = "question", prefix: str = "") -> Turn:
    question = next_question(answers)
    if question is not None:
        state = {**new_state(), "answers": [list(a) for a in answers], "current": question.id}
        return _question_turn(state, question, kind, prefix)
    outcome = outcome_for(answers)
    state = {**new_state(), "answers": [list(a) for a in answers], "done": True, "outcome_tier": outcome["tier"]}
    return _result_turn(state, outcome, outcome_speech(outcome, offer_summary=True), "outcome")


def _result_turn(state: dict[str, Any], outcome: dict[str, Any], text: str, kind: str) -> Turn:
    """A turn after the result: the conversation stays open for repeat, more, go back, start over, stop."""
    return Turn(text=text, state=state, kind=kind, expects="command", reprompt=result_offer(outcome),
                outcome=outcome)


def start(locale: str | None = DEFAULT_LOCALE, *, returning: bool = False) -> Turn:
    """The welcome (at most 30 words; it says "help" works at any time) and the first question.

    locale: a supported tag ("en-US", "en-CA", "en-GB", "en-AU", "en-IN"; see
    triage.locales.supported_locales(); case and "_" do not matter; None is en-US). It picks the
    emergency number and wording; raises triage.locales.UnknownLocale (a ValueError) for others.
    returning=True: for someone who has used Spine Check before, only the emergency sentence
    comes before the first question."""
    where = get_locale(locale)
    questionnaire = load_questionnaire()
    welcome = questionnaire.welcome_returning if returning else questionnaire.welcome
    return _localized(_advance([], prefix=welcome), where)


def _valid_answer(question: Question, value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if question.type == "yes_no":
        return isinstance(value, bool)
    lo, hi = question.range or (0, 0)
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


def read_state(state: Any) -> dict[str, Any] | None:
    """The state if it is one this code could have produced, else None. Replays the answers so a
    tampered list (skipped red flags, impossible order) is refused, not trusted."""
    # Exact types: True == 1 and 1.0 == 1 in Python, and a state with either was never produced here.
    if not isinstance(state, dict) or type(state.get("v")) is not int or state["v"] != STATE_VERSION:
        return None
    raw = state.get("answers")
    if not isinstance(raw, list) or len(raw) > MAX_QUESTIONS:
        return None
    questionnaire = load_questionnaire()
    answers: list[tuple[str, Any]] = []
    for item in raw:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            return None
        qid, value = item
        question = next_question(answers)
        if question is None or question.id != qid or not _valid_answer(questionnaire.questions[qid], value):
            return None
        answers.append((qid, value))
    following = next_question(answers)
    pending = _read_pending(state.get("pending"), following)
    if pending is False:
        return None
    done = state.get("done")
    if done is True:
        if following is not None:
            return None
    elif done is False:
        if following is None or state.get("current") != following.id:
            return None
    else:
        return None
    checked = {**new_state(), "answers": [list(a) for a in answers], "done": done,
               "current": following.id if following is not None else None,
               "outcome_tier": outcome_for(answers)["tier"] if done else None}
    return {**checked, "pending": pending} if pending is not None else checked


def _finished_turn(state: dict[str, Any], command: str | None) -> Turn:
    """After the result: repeat, more, go back (to change the last answer), start over, help, stop."""
    answers = _answers(state)
    if command == "start_over":
        return _advance([], kind="question", prefix=_phrase("starting_again"))
    if command == "stop":
        text = _phrase("goodbye_after_emergency" if state.get("outcome_tier") == "emergency" else "goodbye")
        return Turn(text=text, state=state, kind="stopped", ended=True, outcome=outcome_for(answers))
    if command == "back":
        last = load_questionnaire().questions[answers[-1][0]]
        reopened = {**new_state(), "answers": [list(a) for a in answers[:-1]], "current": last.id}
        return _question_turn(reopened, last, "back", prefix=_phrase("going_back"))
    outcome = outcome_for(answers)
    if command == "summary":
        # The front end makes the summary (triage.summary.build_summary on this state), writes or
        # shows it, and says where before this text: what can be said next.
        # After an emergency the emergency message comes first again: the person may be about to
        # look for the copy instead of calling.
        after = result_offer(outcome)  # what the result itself offers: repeat, more (for that tier), stop
        text = f"{outcome['message']} {after}" if outcome["tier"] == "emergency" else after
        return _result_turn(state, outcome, text, "summary")
    if command == "repeat":  # the result again, word for word (the summary offer included)
        return _result_turn(state, outcome, outcome_speech(outcome, offer_summary=True), "repeat")
    if command == "more":
        return _result_turn(state, outcome, outcome_details(outcome), "more")
    if command == "help":
        return _result_turn(state, outcome, _phrase("result_help"), "help")
    # An answer or anything else: the result is given, so say what can be said now.
    return _result_turn(state, outcome, f"{_phrase('not_understood')} {_phrase('result_help')}", "reask")


# --- Read-back of an answer said with doubt or as a range ("I heard 4. Is that right?") -------------
# Kept apart from the rest of step(): the state carries {"pending": {"value": v}} while a read-back
# waits for its yes or no; read_state() checks that value like any answer.

def _read_pending(raw: Any, current: Question | None) -> dict[str, Any] | None | bool:
    """The pending read-back if valid, None if there is none, False if it is forged or stale."""
    if raw is None:
        return None
    if (current is None or not isinstance(raw, dict) or set(raw) != {"value"} or raw["value"] == UNKNOWN
            or not _valid_answer(current, raw["value"])):
        return False
    return {"value": raw["value"]}


def _spoken_answer(question: Question, value: Any) -> str:
    if question.type == "yes_no":
        return "yes" if value else "no"
    if question.unit == "weeks":
        return f"{value} week" if value == 1 else f"{value} weeks"
    return str(value)


def _confirm_turn(state: dict[str, Any], question: Question, value: Any) -> Turn:
    spoken = load_answer_words()["spoken_expectations"]
    text = spoken["confirm"].format(answer=_spoken_answer(question, value))
    pending_state = {**state, "pending": {"value": value}}
    return Turn(text=text, state=pending_state, kind="confirm", expects="yes_no", question_id=question.id,
                red_flag=question.red_flag, reprompt=f"{text} {spoken['confirm_reprompt']}")


def _pending_turn(state: dict[str, Any], question: Question, utterance: Any) -> Turn | None:
    """The reply to "I heard 4. Is that right?": yes takes it, no asks the question again, a new answer
    replaces it (None: let step() handle it), anything else asks for yes or no again."""
    from .parsing import interpret, read_yes_no
    spoken = load_answer_words()["spoken_expectations"]
    value = state["pending"]["value"]
    plain = {key: item for key, item in state.items() if key != "pending"}
    meaning = interpret(utterance, question)
    if meaning.kind == "command":
        # The read-back is the current step: help explains it and keeps the answer heard; repeat and
        # go back leave it by asking its question again, and say so; stop and start over end it.
        if meaning.value in ("help", "more"):
            turn = _confirm_turn(plain, question, value)
            explained = spoken["confirm_help"].format(answer=_spoken_answer(question, value))
            return replace(turn, text=f"{explained} {turn.text}", kind="help")
        if meaning.value in ("repeat", "back"):
            return _question_turn(plain, question, meaning.value, prefix=spoken["confirm_left"])
        if meaning.value == "summary":
            # A summary now would leave out the answer being read back (a "yes" to a warning sign,
            # perhaps): settle it first, then the person can ask again.
            turn = _confirm_turn(plain, question, value)
            return replace(turn, text=f"{spoken['confirm_before_summary']} {turn.text}", kind="reask")
        return None
    reply = read_yes_no(utterance)
    if reply.answer is not None and not reply.hedged and not reply.dont_know and _whole_yes_no(utterance):
        if reply.answer:
            return _advance(_answers(plain) + [(question.id, value)])
        return _question_turn(plain, question, "reask", prefix=spoken["confirm_refused"], short=True)
    if meaning.kind in ("answer", "dont_know", "out_of_range"):
        return None
    turn = _confirm_turn(plain, question, value)
    return Turn(text=f"{spoken['confirm_reask']} {turn.text}", state=turn.state, kind="reask", expects="yes_no",
                question_id=question.id, red_flag=question.red_flag, reprompt=turn.reprompt)


def _whole_yes_no(utterance: Any) -> bool:
    """A plain yes or no with nothing else ("no, five" is a new answer, not a refusal)."""
    from .parsing import parse_yes_no, read_number
    return parse_yes_no(utterance) is not None and read_number(utterance).value is None


def step(state: Any, utterance: Any, locale: str | None = DEFAULT_LOCALE) -> Turn:
    """Take one reply (plain text: 'yes', 'seven', 'I don't know', 'go back', ...) and return the next turn.

    state: the previous Turn's `state` as given back (None starts a new assessment; anything this
    code could not have produced restarts politely). locale: as for start(); it is not kept in the
    state, so pass it on every step (Alexa sends it with every request)."""
    where = get_locale(locale)
    if state is None:
        return start(where.tag)
    return _localized(_step(state, utterance), where)


def _step(state: Any, utterance: Any) -> Turn:
    # Parsing is imported with the first reply, not at import: start() parses nothing, and
    # triage.parsing is a fifth of a Lambda cold start (import plus the LaunchRequest's start()).
    from .parsing import interpret

    checked = read_state(state)
    if checked is None:
        return _advance([], kind="restarted", prefix=_phrase("restarted"))
    questionnaire = load_questionnaire()
    if checked.get("pending") is not None:
        pending_turn = _pending_turn(checked, questionnaire.questions[checked["current"]], utterance)
        if pending_turn is not None:
            return pending_turn
        checked = {key: item for key, item in checked.items() if key != "pending"}
    meaning = interpret(utterance, None if checked["done"] else questionnaire.questions[checked["current"]])
    command = meaning.value if meaning.kind == "command" else None
    if checked["done"]:
        return _finished_turn(checked, command)
    answers = _answers(checked)
    question = questionnaire.questions[checked["current"]]
    if command == "repeat":
        return _question_turn(checked, question, "repeat")
    if command in ("help", "more"):  # "more" before the result: more about this question
        hint = load_questionnaire().commands_hint
        return _question_turn(checked, question, "help", prefix=f"{question.help} {expectation_text(question)} {hint}",
                              short=True)
    if command == "back":
        if not answers:
            return _question_turn(checked, question, "back", prefix=_phrase("first_question"))
        previous = questionnaire.questions[answers[-1][0]]
        state = {**new_state(), "answers": [list(a) for a in answers[:-1]], "current": previous.id}
        return _question_turn(state, previous, "back", prefix=_phrase("going_back"))
    if command == "start_over":
        return _advance([], prefix=_phrase("starting_again"))
    if command == "stop":
        return Turn(text=_phrase("goodbye"), state=checked, kind="stopped", ended=True)
    if command == "summary" and not answers:
        # Nothing answered yet: an empty summary would only end the check by mistake.
        return _question_turn(checked, question, "reask", prefix=_phrase("summary_nothing_yet"), short=True)
    if command == "summary":
        # Stop here and keep what was answered: the front end makes a "stopped" summary from this
        # state (triage.summary.build_summary), says where it is, then this: what the summary says to
        # do (a voice user must hear it, not only find it in a file or a card), then the goodbye.
        from .summary import stopped_advice  # imported here: triage.summary imports this module
        return Turn(text=f"{stopped_advice(answers)} {_phrase('goodbye')}", state=checked, kind="summary",
                    ended=True)
    if meaning.kind == "out_of_range":
        return _question_turn(checked, question, "reask",
                              prefix=load_answer_words()["spoken_expectations"]["impossible"].format(
                                  value=meaning.value) + " " + how_to_answer(question), short=True)
    if meaning.kind == "not_understood":
        # What kind of answer is wanted, then only the short form of the question (not all of it again).
        return _question_turn(checked, question, "reask",
                              prefix=f"{_phrase('not_understood')} {how_to_answer(question)}", short=True)
    if meaning.confirm:
        return _confirm_turn(checked, question, meaning.value)
    value = UNKNOWN if meaning.kind == "dont_know" else meaning.value
    return _advance(answers + [(question.id, value)])
