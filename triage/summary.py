"""The summary a person asks for ("summary" at the result, or to stop and keep what they answered).

Two forms are made from one `SummaryRecord`:
- `person_text(record)`: plain text for the person, one item a line, read well aloud and by a screen
  reader (no tables, no symbols to spell out);
- `triage.fhir.summary_bundle(record)`: a FHIR R4 Bundle for a clinic.

Pure data and text: this module writes nothing. A front end calls `build_summary` only when the person
asked (a Turn of kind "summary"), and writes or shows it where they chose. The record holds no name
and no identifier of the person or the device: only the answers, the result and the time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .conversation import next_question, outcome_for, read_state, render_outcome
from .knowledge import UNKNOWN, derive
from .locales import DEFAULT_LOCALE, get_locale
from .model import TIERS, data_version, load_questionnaire, load_rules
from .outcome import build_outcome, pattern_sentences

COMPLETED, STOPPED = "completed", "stopped"  # FHIR QuestionnaireResponse.status codes
DONT_KNOW_TEXT = "I don't know"


class NotASummaryState(ValueError):
    """The state is not one this code produced (tampered or garbled): there is nothing to summarize."""


@dataclass(frozen=True)
class AnsweredQuestion:
    """One question as asked and the final answer to it (a changed answer keeps only the last one).

    value: True / False for yes-no, an int for a number (unit in `unit`), None for "I don't know".
    answer_text: the answer in words, units included: "Yes", "I don't know", "6 weeks", "7 out of 10"."""
    question_id: str  # the FHIR Questionnaire item linkId
    question: str  # the question as asked, written form
    value: bool | int | None
    answer_text: str
    red_flag: bool
    unit: str | None = None  # "weeks", "years", or None (a 0-10 scale or yes/no)


@dataclass(frozen=True)
class SummaryRecord:
    """Everything both summary forms say, in the locale's written form ("Call 999").

    status: "completed" (the result was reached) or "stopped" (the person stopped before it).
    created: when the summary was made, timezone-aware.
    answers: red-flag questions answered yes first, then every other answer in the order asked.
    tier / specialist: the result's codes (triage.model.TIERS / SPECIALISTS); when stopped, what the
    answers given so far call for: questions not asked could raise it, and an "I don't know" counts as
    possible (capped) since the question that might have settled it was not asked.
    message: what to do and how soon. destination: whom to see, in words.
    reasons: why, in the person's words. patterns: "Your answers are consistent with ..." sentences.
    advice: self-care tips, or what to do until seen (empty for an emergency or a stopped check).
    watch_for: the emergency signs to watch for, as an intro sentence then one sign each.
    version: the version of the questions and rules (triage.model.data_version)."""
    status: str
    created: datetime
    locale: str
    version: str
    answers: tuple[AnsweredQuestion, ...]
    tier: str
    specialist: str
    message: str
    destination: str
    reasons: tuple[str, ...]
    patterns: tuple[str, ...]
    advice: tuple[str, ...]
    watch_for_intro: str
    watch_for: tuple[str, ...]
    disclaimer: str


def answer_text(question_type: str, unit: str | None, value: Any) -> str:
    """An answer in words with its unit: "Yes", "No", "I don't know", "1 week", "45 years", "7 out of 10"."""
    if value is None or value == UNKNOWN:
        return DONT_KNOW_TEXT
    if question_type == "yes_no":
        return "Yes" if value else "No"
    if unit == "weeks":
        return "1 week" if value == 1 else f"{value} weeks"
    if unit == "years":
        return "1 year" if value == 1 else f"{value} years"
    return f"{value} out of 10"


def _answered(answers: list[tuple[str, Any]]) -> tuple[AnsweredQuestion, ...]:
    questions = load_questionnaire().questions
    items = []
    for qid, raw in answers:
        question = questions[qid]
        value = None if raw == UNKNOWN else raw
        items.append(AnsweredQuestion(question_id=qid, question=question.prompt, value=value,
                                      answer_text=answer_text(question.type, question.unit, value),
                                      red_flag=question.red_flag, unit=question.unit))
    # Red flags answered yes first (what a clinician must see at once), then the rest as asked.
    return tuple(sorted(items, key=lambda item: 0 if _warning_yes(item) else 1))


def stopped_advice(answers: list[tuple[str, Any]]) -> str:
    """What a stopped summary says to do, as said when it is made ("You stopped before the end, so
    this is not a full result: ... Please see a doctor within 24 to 48 hours. ..."); locale
    placeholders are left for the caller's Turn to fill."""
    return f"{load_questionnaire().phrases['summary_stopped']} {_stopped_result(answers)['message']}"


def _stopped_result(answers: list[tuple[str, Any]]) -> dict[str, Any]:
    """What a summary stopped before the result says to do.

    A question never asked is not "I don't know" while the questions go on: it was skipped because it
    could not matter. A stop is different: the questions left could have mattered, and nobody checked
    them. So a stopped summary counts every question left as "I don't know" (possibly yes, capped, as
    the rules always treat it) and gives the more urgent of that and "routine" with a primary care
    doctor (a check that stopped early has cleared nobody for self-care). Stopping therefore never
    says less than answering "I don't know" to the next question and stopping then, nor less than the
    least urgent way of finishing (it may say less than the most urgent one). Reasons name only what was said; when the urgency comes from the
    questions left, a reason says so in plain words."""
    rules = load_rules()
    questionnaire = load_questionnaire()
    built = build_outcome(derive(questionnaire, answers), [qid for qid, _ in answers], rules)
    default_reason = f"Because {rules.default.reason}."
    reasons = [r for r in built["reasons"] if r != default_reason]
    so_far = TIERS.index(built["tier"]) if built["rules_fired"] else 0
    left_unknown = list(answers)
    while (question := next_question(left_unknown)) is not None:
        left_unknown.append((question.id, UNKNOWN))
    if_unknown = outcome_for(left_unknown)
    tier = max(so_far, TIERS.index(if_unknown["tier"]), TIERS.index("routine"))
    if tier == so_far:
        return {**built, "reasons": reasons}
    reason = questionnaire.phrases["summary_stopped_reason"]
    if tier == TIERS.index(if_unknown["tier"]):
        # The urgency the questions left call for, with its own words and whom to see.
        return {**built, "tier": if_unknown["tier"], "specialist": if_unknown["specialist"],
                "message": if_unknown["message"], "reasons": [*reasons, reason]}
    specialist = "primary_care"
    message = rules.tier_messages[TIERS[tier]].replace("{specialist_spoken}", rules.specialists_spoken[specialist])
    return {**built, "tier": TIERS[tier], "specialist": specialist, "message": message, "reasons": [*reasons, reason]}


def build_summary(state: Any, created: datetime, locale: str | None = DEFAULT_LOCALE) -> SummaryRecord:
    """The summary of a conversation `state` (a Turn's `state`, as step() gave it back).

    created: timezone-aware (a naive datetime raises ValueError: a clinic must know the time zone).
    A state whose result was reached gives "completed"; one before the result (stopped early) gives
    "stopped" with what was answered. A state this code did not produce raises NotASummaryState.
    locale: as for triage.start(); picks the emergency number and wording."""
    if created.tzinfo is None or created.utcoffset() is None:
        raise ValueError("created must be timezone-aware")
    checked = read_state(state)
    if checked is None:
        raise NotASummaryState("not a Spine Check state; nothing to summarize")
    where = get_locale(locale)
    rules = load_rules()
    answers = [(qid, value) for qid, value in checked["answers"]]
    if checked["done"]:
        status = COMPLETED
        outcome = render_outcome(outcome_for(answers), where)
        message = outcome["message"]
        patterns = tuple(pattern_sentences(outcome, rules))
        advice = tuple(outcome["advice"])
        reasons = tuple(outcome["reasons"])
    else:
        status = STOPPED
        stopped = _stopped_result(answers)
        outcome = render_outcome(stopped, where)
        message = where.render(f"{load_questionnaire().phrases['summary_stopped']} {outcome['message']}")
        reasons = tuple(outcome["reasons"])
        patterns = ()  # a pattern from half the questions would claim more than was asked
        advice = ()
    specialist = outcome["specialist"]
    return SummaryRecord(
        status=status, created=created, locale=where.tag, version=data_version(),
        answers=_answered(answers), tier=outcome["tier"], specialist=specialist, message=message,
        destination=where.render(rules.specialists_spoken[specialist]), reasons=reasons, patterns=patterns,
        advice=advice, watch_for_intro=where.render(rules.watch_for.intro),
        watch_for=tuple(where.render(sign) for sign in rules.watch_for.signs),
        disclaimer=where.render(rules.disclaimer))


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def spoken_time(created: datetime) -> str:
    """'30 November 2026 at 15:04 UTC' or '... at 09:04, UTC minus 5 hours': words a screen reader
    says plainly (no month numbers to misread, no locale-dependent strftime names)."""
    day = f"{created.day} {_MONTHS[created.month - 1]} {created.year} at {created:%H:%M}"
    offset = created.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    if minutes == 0:
        return f"{day} UTC"
    sign = "plus" if minutes > 0 else "minus"
    hours, rest = divmod(abs(minutes), 60)
    amount = f"{hours} hour{'s' if hours != 1 else ''}" + (f" {rest} minutes" if rest else "")
    return f"{day}, UTC {sign} {amount}"


def person_text(record: SummaryRecord) -> str:
    """The person's summary: plain text, short labelled paragraphs, one item a line, no symbols.

    Holds the date and time, what to do and how soon, whom to see, the reasons, every question with
    the answer given (red flags answered yes first), the advice where it applies, the warning signs
    to watch for, the disclaimer and the version of the questions and rules. Nothing else: no name,
    no identifier of the person or the device."""
    lines = ["Spine Check summary", f"Made on {spoken_time(record.created)}."]
    if record.status == STOPPED:
        lines.append("You stopped before the end of the questions.")
    lines += ["", "What to do:", record.message, "", "Whom to see:", _sentence(record.destination)]
    if record.reasons:
        lines += ["", "Why:", *record.reasons]
    if record.patterns:
        lines += ["", *record.patterns]
    count = len(record.answers)
    lines += ["", f"Your answers to {count} question{'s' if count != 1 else ''}" + (
        ", those a clinician should see first at the top:" if any(_warning_yes(a) for a in record.answers)
        else ":")]
    if not record.answers:
        lines.append("No questions were answered.")
    for number, item in enumerate(record.answers, start=1):
        lines.append(f"Question {number}: {item.question} Your answer: {item.answer_text}.")
    if record.advice:
        lines += ["", "Advice:", *record.advice]
    lines += ["", "Warning signs to watch for:", record.watch_for_intro, *(_sentence(s) for s in record.watch_for)]
    release, _, build = record.version.partition("+")
    lines += ["", record.disclaimer, f"Questions and rules version {release}" + (f", build {build}." if build else ".")]
    return "\n".join(lines) + "\n"


def _warning_yes(item: AnsweredQuestion) -> bool:
    """A red-flag question (asked first, triage.model) answered yes: listed first in both forms."""
    return item.red_flag and item.value is True


def _sentence(words: str) -> str:
    words = words.strip()
    return (words[:1].upper() + words[1:] + ("" if words.endswith((".", "?", "!")) else "."))
