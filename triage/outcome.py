"""From knowledge to an outcome: tier, whom to see, patterns, reasons, advice and the disclaimer.

Each rule fires when its condition is true. When it is unknown only because the person said "I don't
know" to something it depends on, it still fires, capped (an emergency rule becomes "urgent"), with a
reason saying a clinician should check that point: "I don't know" never lowers urgency.
Questions that were skipped are not "I don't know": they were skipped because they could not matter.
"""
from __future__ import annotations

import re
from typing import Any, Mapping, NamedTuple

from .knowledge import Knowledge, concepts_in, evaluate
from .locales import DEFAULT_LOCALE, get_locale
from .model import PATTERNS, SAID_PLACEHOLDER, TIERS, Rule, Rules, load_questionnaire, load_rules
from .vocabulary import number_to_words

# Filled in per locale when the outcome is rendered (see triage.locales), not from the answers.
LOCALE_PLACEHOLDERS = frozenset(get_locale(DEFAULT_LOCALE).placeholders())


class Firing(NamedTuple):
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


def questions_end(k: Knowledge, rules: Rules | None = None) -> bool:
    """True once nothing more should be asked: an emergency, or a rule marked final (a child's age)."""
    firings = fired_rules(k, rules)
    return any(f.tier == "emergency" or (f.rule.final and not f.unsure) for f in firings)


def _join(items: list[str], word: str = "and") -> str:
    """'a', 'a and b', 'a, b, and c' (or with 'or'). The comma before the last item keeps phrases that
    contain "or" themselves apart by ear: 'weight loss, or thin bones or long-term steroid use'."""
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2 and not any(" or " in i or " and " in i for i in items):
        return f"{items[0]} {word} {items[1]}"
    return ", ".join(items[:-1]) + f", {word} " + items[-1]


def _said(members: list[str], k: Knowledge, spoken: Mapping[str, str]) -> tuple[str, set[str]]:
    """The words for `{said:a,b,c}`, and the concepts they name: those the person said yes to ("and"); else,
    when only a grouped question was answered yes, the members of that group not later denied ("or")."""
    true = [c for c in members if k.values.get(c) is True]
    if true:
        return _join([spoken[c] for c in true]), set(true)
    member_set = set(members)
    groups = sorted((g for g in k.groups if g & member_set), key=len)
    open_members = [c for c in members if k.values.get(c) is not False and (not groups or c in groups[0])]
    return _join([spoken[c] for c in open_members], "or"), set(open_members)


def _reason(rule: Rule, k: Knowledge, spoken: Mapping[str, str]) -> tuple[str, set[str]]:
    """A rule's reason in the person's words, and the concepts it cites (to say each fact only once)."""
    cited: set[str] = set()
    listed: set[str] = set()

    def said(match: re.Match) -> str:
        members = match.group(1).split(",")
        listed.update(members)
        words, named = _said(members, k, spoken)
        cited.update(named)
        return words

    text = SAID_PLACEHOLDER.sub(said, rule.reason)
    numbers = _Answers({name: value for name, value in k.values.items() if not isinstance(value, bool)})
    cited.update(name for name in re.findall(r"\{([a-z_]+)\}", text) if name not in LOCALE_PLACEHOLDERS)
    try:
        text = text.format_map(numbers)
    except (KeyError, IndexError):
        # A number the reason names was not answered; fall back to the words before it.
        text = text.split(" {", 1)[0]
    cited |= {c for c in concepts_in(rule.when) - listed if k.values.get(c) is True}
    return text, cited


def _support(concept: str, k: Knowledge, group: frozenset[str]) -> int:
    """How firmly the person said `concept`: 3 yes, 2 an open member of `group` (the narrowest group
    answered yes), 1 "I don't know", 0 not said (or denied)."""
    if k.values.get(concept) is True:
        return 3
    if k.values.get(concept) is None and concept in group:
        return 2
    return 1 if k.is_unsure(concept) else 0


def _pattern_words(pattern: str, k: Knowledge, rules: Rules) -> str | None:
    """The pattern's words, its "{conditions}" filled with the conditions said most firmly (a yes
    before an open member of the narrowest group answered yes before an "I don't know", as a reason
    names them); None when none of its conditions were said at all."""
    words = rules.patterns_spoken[pattern]
    if "{conditions}" not in words:
        return words
    conditions = rules.pattern_conditions[pattern]
    concepts = {concept for c in conditions for concept in c.supported_by}
    group = min((g for g in k.groups if g & concepts), key=len, default=frozenset())
    support = {c.name: max(_support(concept, k, group) for concept in c.supported_by) for c in conditions}
    best = max(support.values())
    if best == 0:
        return None
    return words.replace("{conditions}", _join([name for name, level in support.items() if level == best], "or"))


def _unsure_sentences(k: Knowledge, rules: Rules,
                      facts: Mapping[str, Any] | None) -> tuple[list[str], dict[str, int]]:
    """Name each point still unknown, once, in the order asked, and count them by sentence opening
    (the first pass of the result says a longer list as its count): "You were not sure about ..." for an
    "I don't know" said as such. `facts` (the assess command) tells a fact given as null ("I don't
    know") from one not given at all; a member given as false is not named."""
    questionnaire = load_questionnaire()
    named: set[str] = set()
    not_sure: list[str] = []
    not_given: list[str] = []
    for qid in k.unsure_questions:
        question = questionnaire.questions[qid]
        concepts = [c for c in question.concepts if k.is_unsure(c) and c not in named
                    and not (facts is not None and facts.get(c, None) is False)]
        named.update(concepts)
        if facts is not None:
            missing = [c for c in concepts if c not in facts]
            if missing:
                not_given.append(_join([rules.concepts_spoken[c] for c in missing], "or"))
            concepts = [c for c in concepts if c in facts]
        if concepts:
            whole = len(concepts) == len(question.concepts)
            not_sure.append(question.confirm_label if whole
                            else _join([rules.concepts_spoken[c] for c in concepts], "or"))
    sentences = []
    if not_sure:  # "You were not sure about your age and how long you have had the pain."
        sentences.append(UNSURE_PREFIX + _join(not_sure) + ".")
    if not_given:
        sentences.append(NOT_GIVEN_PREFIX + _join(not_given, "or")  # "whether you have a, b, or c"
                         + ", so this check counted them as possible.")
    if sentences:
        sentences[-1] += " " + rules.unsure_note
    return sentences, {UNSURE_PREFIX: len(not_sure), NOT_GIVEN_PREFIX: len(not_given)}


def build_outcome(k: Knowledge, asked: list[str], rules: Rules | None = None,
                  facts: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The outcome fields every front end speaks or shows; plain JSON-serializable data.

    Reasons cite only what the person said: a concept answered yes (a grouped question answered yes
    names only its members not later denied), and each fact once; what they said "I don't know" to
    is named for a clinician to check. `facts`: the assess command's input, see _unsure_sentences."""
    rules = rules or load_rules()
    firings = fired_rules(k, rules)
    tier = max((f.tier for f in firings), key=TIERS.index, default="self_care")
    at_tier = [f for f in firings if f.tier == tier]
    lead = next((f for f in at_tier if not f.unsure), at_tier[0]) if at_tier else None
    if lead is not None:
        specialist = lead.rule.specialist if lead.rule.tier == tier else "primary_care"
    else:
        specialist = rules.default.specialist
    reasons: list[str] = []
    cited: set[str] = set()
    for f in at_tier:
        if f.unsure:
            continue
        text, concepts = _reason(f.rule, k, rules.concepts_spoken)
        sentence = f"Because {text}."
        if sentence in reasons or (concepts and concepts <= cited):
            continue  # every fact it names was already given as a reason
        reasons.append(sentence)
        cited |= concepts
    # Every point answered "I don't know" that nothing else resolved is named, so a clinician can
    # check it; an emergency message is kept short and carries none of this.
    unsure_points: dict[str, int] = {}
    if tier != "emergency":
        unsure, unsure_points = _unsure_sentences(k, rules, facts)
        reasons.extend(unsure)
    if not at_tier:
        reasons.append(f"Because {rules.default.reason}.")
    found = {f.rule.pattern for f in firings if not f.unsure and f.rule.pattern}
    ended_early = any(f.rule.final and not f.unsure for f in firings)  # a child: no pattern is claimed
    if not found and not ended_early and TIERS.index(tier) <= TIERS.index("specialist") and rules.default.pattern:
        found.add(rules.default.pattern)
    # A pattern names only conditions the person's answers support ("a fracture" after an accident,
    # never "an infection" too); one that can name none of its conditions is not claimed.
    named = {p: _pattern_words(p, k, rules) for p in found}
    patterns = [p for p in PATTERNS if named.get(p)]
    spoken_specialist = rules.specialists_spoken[specialist]
    # A rule may say how soon ("today" for signs of infection) when it is certain and sets the tier.
    message = next((f.rule.message for f in at_tier if f.rule.message and not f.unsure), None) \
        or rules.tier_messages[tier]
    return {
        "tier": tier,
        "specialist": specialist,
        "patterns": patterns,
        "patterns_spoken": [named[p] for p in patterns],
        "reasons": reasons,
        "advice": list(rules.advice[tier]),
        "disclaimer": rules.disclaimer,
        "message": message.replace("{specialist_spoken}", spoken_specialist),
        "unsure_points": unsure_points,  # sentence opening -> how many points it names
        "unsure": sorted(c for c in k.dont_know if k.values.get(c) is None),
        "rules_fired": [f.rule.id for f in firings],
        "sources": sorted({f.rule.source for f in at_tier} or {rules.default.source}),
        "asked": list(asked),
    }


SPOKEN_REASONS = 2  # the result says the one or two strongest reasons; "more" says them all


def _phrase(name: str) -> str:
    return load_questionnaire().phrases[name]


def result_offer(outcome: dict[str, Any]) -> str:
    """What the person can say next, said last in the result and as its reprompt. "more" offers what
    the tier's advice holds: self-care tips where there are some ("Keep as active as you can"), what
    to watch for until seen (urgent: safety advice only), or just the reasons (an emergency: none)."""
    return _phrase(OFFERS.get(outcome["tier"], "result_offer"))


OFFERS = {"emergency": "result_offer_emergency", "urgent": "result_offer_urgent"}  # others: "result_offer"


# How _unsure_sentences begins its sentences, and the phrase that says a longer list as its count.
UNSURE_PREFIX = "You were not sure about "
NOT_GIVEN_PREFIX = "You did not say whether you have "
_COUNTED = {UNSURE_PREFIX: "unsure_many", NOT_GIVEN_PREFIX: "not_given_many"}


def _for_the_ear(reason: str, outcome: dict[str, Any]) -> str:
    """A reason as the first pass of the result says it: a list of more than one point the person
    was not sure about (or, from `assess`, did not give) becomes their count; "more" and the card
    still name every one."""
    counts = outcome.get("unsure_points", {})
    for prefix, phrase in _COUNTED.items():
        if reason.startswith(prefix) and counts.get(prefix, 0) > 1:
            return _phrase(phrase).replace("{count}", number_to_words(counts[prefix]))
    return reason


def result_parts(outcome: dict[str, Any]) -> tuple[str, list[str], str]:
    """The spoken result in its parts: (what to do, the strongest reasons, the closing).

    What to do is the tier and whom to see, at most 30 words (an emergency: the emergency message
    alone). The reasons are the first `SPOKEN_REASONS` of `outcome["reasons"]`, which lists the
    reasons of the rules that decided the tier in rule order, most urgent first. The closing is the
    short disclaimer (said once) and the offer: repeat, more, or stop."""
    closing = f"{_phrase('disclaimer_short')} {result_offer(outcome)}"
    return outcome["message"], [_for_the_ear(r, outcome) for r in outcome["reasons"][:SPOKEN_REASONS]], closing


def outcome_speech(outcome: dict[str, Any], *, offer_summary: bool = False) -> str:
    """The result as said by a voice front end: what to do, then the one or two strongest reasons,
    then the short disclaimer and the offer ("Say repeat to hear this again, more for ...").
    offer_summary=True (the first time the result is said, and only then) adds "Say summary to keep
    a copy." before the offer: a summary is written only when the person asks for it."""
    first, reasons, closing = result_parts(outcome)
    if offer_summary:
        closing = closing.replace(result_offer(outcome), f"{_phrase('summary_offer')} {result_offer(outcome)}")
    return " ".join([first, *reasons, closing])


def pattern_sentences(outcome: dict[str, Any], rules: Rules) -> list[str]:
    # One sentence per pattern: a list of several long names cannot be followed by ear.
    words = outcome.get("patterns_spoken") or [rules.patterns_spoken[p] for p in outcome["patterns"]]
    return [_phrase("also_consistent_with" if i else "consistent_with").replace("{pattern}", w)
            for i, w in enumerate(words)]


def outcome_details(outcome: dict[str, Any], rules: Rules | None = None) -> str:
    """What "more" says: every pattern (one sentence each), every reason, the advice and the full
    disclaimer, then what can be said next."""
    rules = rules or load_rules()
    parts = [*pattern_sentences(outcome, rules), *outcome["reasons"], *outcome["advice"], outcome["disclaimer"],
             _phrase("more_offer")]
    return " ".join(parts)


def outcome_summary(outcome: dict[str, Any], rules: Rules | None = None) -> str:
    """Everything, written, one item a line: what to do, the patterns, every reason, the advice and
    the full disclaimer (the Alexa app card and the text front end's printout)."""
    rules = rules or load_rules()
    lines = [outcome["message"], *pattern_sentences(outcome, rules), *outcome["reasons"]]
    if outcome["advice"]:
        lines.append("Advice: " + " ".join(outcome["advice"]))
    lines.append(outcome["disclaimer"])
    return "\n".join(lines)
