"""From knowledge to an outcome: tier, whom to see, patterns, reasons, advice and the disclaimer.

Each rule fires when its condition is true. When it is unknown only because the person said "I don't
know" to something it depends on, it still fires, capped (an emergency rule becomes "urgent"), with a
reason saying a clinician should check that point: "I don't know" never lowers urgency.
Questions that were skipped are not "I don't know": they were skipped because they could not matter.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .knowledge import Knowledge, concepts_in, evaluate
from .locales import DEFAULT_LOCALE, get_locale
from .model import PATTERNS, TIERS, Rule, Rules, load_questionnaire, load_rules

# Filled in per locale when the outcome is rendered (see triage.locales), not from the answers.
LOCALE_PLACEHOLDERS = frozenset(get_locale(DEFAULT_LOCALE).placeholders())


@dataclass(frozen=True)
class Firing:
    rule: Rule
    tier: str
    unsure: bool


_CONCEPTS_BY_RULE: dict[str, frozenset[str]] = {}


def _rule_concepts(rule: Rule) -> frozenset[str]:
    found = _CONCEPTS_BY_RULE.get(rule.id)
    if found is None:
        found = _CONCEPTS_BY_RULE[rule.id] = frozenset(concepts_in(rule.when))
    return found


def fired_rules(k: Knowledge, rules: Rules | None = None) -> list[Firing]:
    rules = rules or load_rules()
    firings = []
    for rule in rules.rules:
        result = evaluate(rule.when, k)
        if result is True:
            firings.append(Firing(rule, rule.tier, unsure=False))
        elif result is None and not k.dont_know.isdisjoint(_rule_concepts(rule)) \
                and any(k.is_unsure(c) for c in _rule_concepts(rule)) \
                and evaluate(rule.when, k, unasked_fails=True) is None:
            # Unknown because of an "I don't know" (not merely because something was never asked):
            # fire, capped, so not knowing never lowers urgency.
            firings.append(Firing(rule, rules.unknown_caps[rule.tier], unsure=True))
    return firings


def current_tier(k: Knowledge, rules: Rules | None = None) -> str:
    firings = fired_rules(k, rules)
    return max((f.tier for f in firings), key=TIERS.index, default="self_care")


class _Answers(dict):
    """Answer values for str.format_map; locale placeholders ({emergency_number}) are kept for later."""

    def __missing__(self, key: str) -> str:
        if key in LOCALE_PLACEHOLDERS:
            return "{" + key + "}"
        raise KeyError(key)


def _fill(template: str, k: Knowledge) -> str:
    values = _Answers({name: value for name, value in k.values.items() if not isinstance(value, bool)})
    try:
        return template.format_map(values)
    except (KeyError, IndexError):
        # A reason mentions a number that was not answered; fall back to the plain sentence.
        return template.split(" {", 1)[0] if "{" in template else template


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return "; ".join(items[:-1]) + "; and " + items[-1]


def build_outcome(k: Knowledge, asked: list[str], rules: Rules | None = None) -> dict[str, Any]:
    """The outcome fields every front end speaks or shows; plain JSON-serializable data."""
    rules = rules or load_rules()
    firings = fired_rules(k, rules)
    tier = max((f.tier for f in firings), key=TIERS.index, default="self_care")
    at_tier = [f for f in firings if f.tier == tier]
    if at_tier:
        lead = next((f for f in at_tier if not f.unsure), at_tier[0])
        specialist = lead.rule.specialist if lead.rule.tier == tier else "primary_care"
    else:
        specialist = rules.default.specialist
    reasons: list[str] = []
    for f in at_tier:
        if not f.unsure:
            sentence = f"Because {_fill(f.rule.reason, k)}."
            if sentence not in reasons:
                reasons.append(sentence)
    # Every question answered "I don't know" that nothing else resolved is named, so a clinician can
    # check that point; an emergency message is kept short and carries none of this.
    questionnaire = load_questionnaire()
    unsure_questions = [qid for qid in k.unsure_questions
                        if any(k.is_unsure(c) for c in questionnaire.questions[qid].concepts)]
    if unsure_questions and tier != "emergency":
        labels = [questionnaire.questions[q].confirm_label for q in unsure_questions]
        reasons.append("You were not sure about " + _join(labels) + ". " + rules.unsure_note)
    if not at_tier:
        reasons.append(f"Because {rules.default.reason}.")
    found = {f.rule.pattern for f in firings if not f.unsure and f.rule.pattern}
    if not found and TIERS.index(tier) <= TIERS.index("specialist") and rules.default.pattern:
        found.add(rules.default.pattern)
    patterns = [p for p in PATTERNS if p in found]
    spoken_specialist = rules.specialists_spoken[specialist]
    return {
        "tier": tier,
        "specialist": specialist,
        "patterns": patterns,
        "reasons": reasons,
        "advice": list(rules.advice[tier]),
        "disclaimer": rules.disclaimer,
        "message": rules.tier_messages[tier].replace("{specialist_spoken}", spoken_specialist),
        "unsure": sorted(c for c in k.dont_know if k.values.get(c) is None),
        "rules_fired": [f.rule.id for f in firings],
        "sources": sorted({f.rule.source for f in at_tier} or {rules.default.source}),
        "asked": list(asked),
    }


SPOKEN_REASONS = 2  # the result says the one or two strongest reasons; "more" says them all


def _phrase(name: str) -> str:
    return load_questionnaire().phrases[name]


def result_offer(outcome: dict[str, Any]) -> str:
    """What the person can say next, said last in the result and as its reprompt."""
    return _phrase("result_offer_emergency" if outcome["tier"] == "emergency" else "result_offer")


def result_parts(outcome: dict[str, Any]) -> tuple[str, list[str], str]:
    """The spoken result in its parts: (what to do, the strongest reasons, the closing).

    What to do is the tier and whom to see, at most 30 words (an emergency: the emergency message
    alone). The reasons are the first `SPOKEN_REASONS` of `outcome["reasons"]`, which lists the
    reasons of the rules that decided the tier in rule order, most urgent first. The closing is the
    short disclaimer (said once) and the offer: repeat, more, or stop."""
    closing = f"{_phrase('disclaimer_short')} {result_offer(outcome)}"
    return outcome["message"], list(outcome["reasons"][:SPOKEN_REASONS]), closing


def outcome_speech(outcome: dict[str, Any]) -> str:
    """The result as said by a voice front end: what to do, then the one or two strongest reasons,
    then the short disclaimer and the offer ("Say repeat to hear this again, more for ...")."""
    first, reasons, closing = result_parts(outcome)
    return " ".join([first, *reasons, closing])


def _pattern_sentences(outcome: dict[str, Any], rules: Rules) -> list[str]:
    # One sentence per pattern: a list of several long names cannot be followed by ear.
    return [_phrase("also_consistent_with" if i else "consistent_with").replace("{pattern}", rules.patterns_spoken[p])
            for i, p in enumerate(outcome["patterns"])]


def outcome_details(outcome: dict[str, Any], rules: Rules | None = None) -> str:
    """What "more" says: every pattern (one sentence each), every reason, the advice and the full
    disclaimer, then what can be said next."""
    rules = rules or load_rules()
    parts = [*_pattern_sentences(outcome, rules), *outcome["reasons"], *outcome["advice"], outcome["disclaimer"],
             _phrase("more_offer")]
    return " ".join(parts)


def outcome_summary(outcome: dict[str, Any], rules: Rules | None = None) -> str:
    """Everything, written, one item a line: what to do, the patterns, every reason, the advice and
    the full disclaimer (the Alexa app card and the text front end's printout)."""
    rules = rules or load_rules()
    lines = [outcome["message"], *_pattern_sentences(outcome, rules), *outcome["reasons"]]
    if outcome["advice"]:
        lines.append("Advice: " + " ".join(outcome["advice"]))
    lines.append(outcome["disclaimer"])
    return "\n".join(lines)
