"""The questionnaire and rules as data: loaded from JSON, validated once, kept in NamedTuples
(immutable, and a tenth of a frozen dataclass's cost to define at every Lambda cold start).

A clinician edits `data/questionnaire.json` and `data/rules.json`; a broken file fails at load with
an error naming the file, the question or rule, and the field, so a bad edit never reaches a person.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, NamedTuple

DATA_DIR = Path(__file__).parent / "data"
QUESTIONNAIRE_FILE = DATA_DIR / "questionnaire.json"
RULES_FILE = DATA_DIR / "rules.json"
ANSWER_WORDS_FILE = DATA_DIR / "answer_words.json"
# The sources the rules cite, in our words, so a clinician can review them from a clone. The program is
# run from its checkout; where this file is not shipped (an installed wheel) anchors are not checked.
REFERENCES_FILE = Path(__file__).resolve().parents[1] / "docs" / "references.md"
REFERENCES_PREFIX = "docs/references.md#"
# "{said:a,b}" in a reason names the concepts a and b the person said yes to (see triage.outcome).
SAID_PLACEHOLDER = re.compile(r"\{said:([a-z_,]+)\}")

CONCEPTS = (
    "age", "pain_score", "duration_weeks", "tried_conservative_care_weeks", "pain_radiates_below_knee",
    "leg_numbness_or_tingling", "numbness_is_new", "both_legs", "both_legs_recent", "leg_weakness",
    "weakness_getting_worse", "saddle_numbness", "bladder_or_bowel_change", "new_sexual_dysfunction", "fever",
    "infection_risk", "cancer_history",
    "unexplained_weight_loss", "recent_major_trauma", "osteoporosis_or_steroids",
    "worse_walking_better_sitting", "pain_at_night_or_rest", "limits_daily_activities",
    "morning_stiffness_over_30min",
)
TIERS = ("self_care", "routine", "specialist", "urgent", "emergency")  # least to most urgent
SPECIALISTS = ("emergency_department", "primary_care", "physical_therapy", "spine_specialist", "pain_management")
PATTERNS = ("cauda_equina_warning", "progressive_nerve_compression", "serious_condition_warning", "nerve_root_irritation",
            "spinal_stenosis_pattern", "inflammatory_pattern", "mechanical_or_degenerative")
ANSWER_TYPES = ("yes_no", "number")
# The conversation's own sentences in questionnaire.json "phrases": the code names them, the data words them.
PHRASES = ("restarted", "starting_again", "going_back", "first_question", "not_understood", "goodbye",
           "goodbye_after_emergency", "disclaimer_short", "result_offer", "result_offer_emergency", "result_offer_urgent",
           "more_offer",
           "result_help", "consistent_with", "also_consistent_with", "unsure_many",
           "not_given_many", "summary_offer", "summary_stopped", "summary_stopped_reason", "summary_nothing_yet")
MAX_QUESTIONS = 10
# What a person can say at any time besides an answer (data/answer_words.json "commands" words them).
COMMANDS = ("repeat", "help", "back", "start_over", "stop", "more", "summary")


class DataError(ValueError):
    """A data file is malformed: the message names the file, the item and the field."""

    def __init__(self, path: Path, where: str, field_name: str, problem: str) -> None:
        super().__init__(f"{path.name}: {where}: field '{field_name}': {problem}")
        self.path, self.where, self.field, self.problem = path, where, field_name, problem


class Question(NamedTuple):
    id: str
    type: str
    concepts: tuple[str, ...]
    prompt: str
    short: str  # the question alone, short: what a re-ask or a reprompt says after the expected answers
    help: str
    confirm_label: str
    source: str
    red_flag: bool = False
    range: tuple[int, int] | None = None
    unit: str | None = None
    ask_if: Any = None


class Rule(NamedTuple):
    id: str
    tier: str
    specialist: str
    pattern: str | None
    when: Any
    reason: str
    unsure_reason: str
    source: str
    message: str | None = None  # replaces the tier message when this rule sets the tier ("today")
    final: bool = False         # no more questions once this rule fires (an age under 16)


class Questionnaire(NamedTuple):
    welcome: str  # said before the first question; may hold locale placeholders ({emergency_number})
    welcome_returning: str  # what a returning user hears instead (the emergency advice only)
    commands_hint: str
    phrases: Mapping[str, str]  # the conversation's own sentences, by name (see PHRASES)
    concept_types: Mapping[str, str]
    requires_any: Mapping[str, tuple[str, ...]]
    questions: Mapping[str, Question]  # in asking order
    order: tuple[str, ...]


class PatternCondition(NamedTuple):
    """One condition a pattern may name ("a fracture"), and the concepts that support naming it."""
    name: str
    supported_by: tuple[str, ...]


class WatchFor(NamedTuple):
    """The emergency signs every summary lists: an intro sentence, then one sign a line."""
    intro: str
    signs: tuple[str, ...]
    source: str


class Rules(NamedTuple):
    disclaimer: str
    unsure_note: str
    tier_messages: Mapping[str, str]
    unknown_caps: Mapping[str, str]
    specialists_spoken: Mapping[str, str]
    patterns_spoken: Mapping[str, str]
    rules: tuple[Rule, ...]
    default: Rule
    advice: Mapping[str, tuple[str, ...]]
    advice_sources: Mapping[str, str]
    concepts_spoken: Mapping[str, str]  # concept -> words for a reason
    # pattern -> the conditions its "{conditions}" may name, each with its supporting concepts
    pattern_conditions: Mapping[str, tuple[PatternCondition, ...]]
    watch_for: WatchFor


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DataError(path, "file", "-", "missing") from exc
    except json.JSONDecodeError as exc:
        raise DataError(path, f"line {exc.lineno}", "-", f"invalid JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise DataError(path, "top level", "-", "must be a JSON object")
    return data


def _need(path: Path, where: str, obj: Mapping, key: str, kind: type | tuple, *, optional: bool = False) -> Any:
    if key not in obj:
        if optional:
            return None
        raise DataError(path, where, key, "missing")
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise DataError(path, where, key, f"must be {getattr(kind, '__name__', kind)}, got {type(value).__name__}")
    if isinstance(value, str) and not value.strip():
        raise DataError(path, where, key, "must not be empty")
    return value


_EXPR_KEYS = {"yes", "no", "any_yes", "any", "all", "not", "known", "num", "tier_below"}
_NUM_OPS = {"lt", "lte", "gt", "gte", "eq"}


def validate_expression(expr: Any, path: Path, where: str, field_name: str, concept_types: Mapping[str, str],
                        *, allow_tier: bool) -> None:
    """Check a condition expression (see triage.knowledge) names known concepts with the right types."""
    def fail(problem: str) -> None:
        raise DataError(path, where, field_name, problem)

    if not isinstance(expr, dict) or not expr:
        fail(f"condition must be a non-empty object, got {expr!r}")
    keys = set(expr) - _NUM_OPS
    if len(keys) != 1 or not keys <= _EXPR_KEYS:
        fail(f"unknown condition {sorted(expr)!r}")
    (op,) = keys
    arg = expr[op]
    if op in ("yes", "no"):
        if concept_types.get(arg) != "yes_no":
            fail(f"'{op}' needs a yes/no concept, got {arg!r}")
    elif op == "any_yes":
        if not isinstance(arg, list) or not arg or any(concept_types.get(c) != "yes_no" for c in arg):
            fail(f"'any_yes' needs a list of yes/no concepts, got {arg!r}")
    elif op in ("any", "all"):
        if not isinstance(arg, list) or not arg:
            fail(f"'{op}' needs a non-empty list")
        for sub in arg:
            validate_expression(sub, path, where, field_name, concept_types, allow_tier=allow_tier)
    elif op in ("not", "known"):
        validate_expression(arg, path, where, field_name, concept_types, allow_tier=allow_tier)
    elif op == "num":
        if concept_types.get(arg) != "number":
            fail(f"'num' needs a number concept, got {arg!r}")
        ops = set(expr) & _NUM_OPS
        if len(ops) != 1 or not isinstance(expr[next(iter(ops))], (int, float)):
            fail(f"'num' needs exactly one of {sorted(_NUM_OPS)} with a number")
    elif op == "tier_below":
        if not allow_tier:
            fail("'tier_below' is only allowed in a question's ask_if")
        if arg not in TIERS:
            fail(f"unknown tier {arg!r}")


def questionnaire_from_dict(data: Mapping, path: Path = QUESTIONNAIRE_FILE,
                            anchors: frozenset[str] | None = None) -> Questionnaire:
    """`anchors`: the sections of docs/references.md a question's source may point at (None: not checked)."""
    welcome = _need(path, "top level", data, "welcome", str)
    welcome_returning = _need(path, "top level", data, "welcome_returning", str)
    hint = _need(path, "top level", data, "commands_hint", str)
    raw_phrases = _need(path, "top level", data, "phrases", dict)
    phrases = {name: _need(path, "phrases", raw_phrases, name, str) for name in PHRASES}
    concepts = _need(path, "top level", data, "concepts", dict)
    concept_types: dict[str, str] = {}
    requires_any: dict[str, tuple[str, ...]] = {}
    for name, spec in concepts.items():
        where = f"concept '{name}'"
        if name not in CONCEPTS:
            raise DataError(path, where, "name", f"not in the concept vocabulary {CONCEPTS}")
        kind = _need(path, where, spec, "type", str)
        if kind not in ANSWER_TYPES:
            raise DataError(path, where, "type", f"must be one of {ANSWER_TYPES}")
        concept_types[name] = kind
        if "requires_any" in spec:
            requires_any[name] = tuple(_need(path, where, spec, "requires_any", list))
    missing = set(CONCEPTS) - set(concept_types)
    if missing:
        raise DataError(path, "concepts", "-", f"missing concepts {sorted(missing)}")
    for name, parents in requires_any.items():
        for parent in parents:
            if concept_types.get(parent) != "yes_no":
                raise DataError(path, f"concept '{name}'", "requires_any", f"unknown yes/no concept {parent!r}")

    questions: dict[str, Question] = {}
    raw_questions = _need(path, "top level", data, "questions", list)
    seen_plain = False
    for index, raw in enumerate(raw_questions):
        if not isinstance(raw, dict):
            raise DataError(path, f"question #{index + 1}", "-", "must be an object")
        qid = _need(path, f"question #{index + 1}", raw, "id", str)
        where = f"question '{qid}'"
        if qid in questions:
            raise DataError(path, where, "id", "duplicate id")
        qtype = _need(path, where, raw, "type", str)
        if qtype not in ANSWER_TYPES:
            raise DataError(path, where, "type", f"must be one of {ANSWER_TYPES}")
        qconcepts = _need(path, where, raw, "concepts", list)
        if not qconcepts:
            raise DataError(path, where, "concepts", "must name at least one concept")
        for concept in qconcepts:
            if concept_types.get(concept) != qtype:
                raise DataError(path, where, "concepts", f"{concept!r} is not a known {qtype} concept")
        if qtype == "number" and len(qconcepts) != 1:
            raise DataError(path, where, "concepts", "a number question asks about exactly one concept")
        red_flag = raw.get("red_flag", False)
        if not isinstance(red_flag, bool):
            raise DataError(path, where, "red_flag", "must be true or false")
        if red_flag and seen_plain:
            raise DataError(path, where, "red_flag", "red-flag questions must come before all others")
        seen_plain = seen_plain or not red_flag
        rng = None
        if qtype == "number":
            rng_raw = _need(path, where, raw, "range", list)
            if len(rng_raw) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in rng_raw) \
                    or rng_raw[0] >= rng_raw[1]:
                raise DataError(path, where, "range", "must be [low, high] whole numbers with low < high")
            rng = (rng_raw[0], rng_raw[1])
        ask_if = raw.get("ask_if")
        if ask_if is not None:
            validate_expression(ask_if, path, where, "ask_if", concept_types, allow_tier=True)
        unit = _need(path, where, raw, "unit", str, optional=True)
        if unit is not None and (unit not in ("weeks", "years") or qtype != "number"):
            raise DataError(path, where, "unit", "must be 'weeks' or 'years' on a number question")
        questions[qid] = Question(
            id=qid, type=qtype, concepts=tuple(qconcepts), red_flag=red_flag, range=rng, unit=unit, ask_if=ask_if,
            prompt=_need(path, where, raw, "prompt", str), short=_need(path, where, raw, "short", str),
            help=_need(path, where, raw, "help", str), confirm_label=_need(path, where, raw, "confirm_label", str),
            source=_need(path, where, raw, "source", str),
        )
        check_source(questions[qid].source, path, where, anchors)
    if not questions:
        raise DataError(path, "questions", "-", "there are no questions")
    return Questionnaire(welcome=welcome, welcome_returning=welcome_returning, commands_hint=hint,
                         phrases=phrases, concept_types=concept_types,
                         requires_any=requires_any, questions=questions, order=tuple(questions))


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^a-z0-9 _-]", "", heading.strip().lower()).replace(" ", "-")


def reference_anchors(path: Path = REFERENCES_FILE) -> frozenset[str] | None:
    """Every heading anchor of the references document, or None where the document is not shipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return frozenset(github_anchor(line.lstrip("#")) for line in text.splitlines() if line.startswith("#"))


def check_source(source: str, path: Path, where: str, anchors: frozenset[str] | None) -> None:
    """A source must point at a section of docs/references.md that exists."""
    if not source.startswith(REFERENCES_PREFIX):
        raise DataError(path, where, "source", f"must point into the references, like '{REFERENCES_PREFIX}cauda-equina'")
    anchor = source[len(REFERENCES_PREFIX):]
    if anchors is not None and anchor not in anchors:
        raise DataError(path, where, "source", f"no section '#{anchor}' in docs/references.md")


def _check_reason(text: str, path: Path, where: str, concept_types: Mapping[str, str],
                  spoken: Mapping[str, str]) -> None:
    for group in SAID_PLACEHOLDER.findall(text):
        for concept in group.split(","):
            if concept_types.get(concept) != "yes_no" or concept not in spoken:
                raise DataError(path, where, "reason", f"'{{said:...}}' names {concept!r}, not a spoken yes/no concept")
    for name in re.findall(r"\{([a-z_]+)\}", SAID_PLACEHOLDER.sub("", text)):
        if concept_types.get(name) != "number":
            raise DataError(path, where, "reason", f"'{{{name}}}' is not a number concept")


def _rule_from_dict(raw: Any, path: Path, where: str, concept_types: Mapping[str, str], *, default: bool,
                    anchors: frozenset[str] | None = None, spoken: Mapping[str, str] | None = None) -> Rule:
    if not isinstance(raw, dict):
        raise DataError(path, where, "-", "must be an object")
    tier = _need(path, where, raw, "tier", str)
    if tier not in TIERS:
        raise DataError(path, where, "tier", f"must be one of {TIERS}")
    specialist = _need(path, where, raw, "specialist", str)
    if specialist not in SPECIALISTS:
        raise DataError(path, where, "specialist", f"must be one of {SPECIALISTS}")
    pattern = raw.get("pattern")
    if pattern is not None and pattern not in PATTERNS:
        raise DataError(path, where, "pattern", f"must be null or one of {PATTERNS}")
    source = _need(path, where, raw, "source", str)
    check_source(source, path, where, anchors)
    when = None
    if not default:
        when = _need(path, where, raw, "when", dict)
        validate_expression(when, path, where, "when", concept_types, allow_tier=False)
    reason = _need(path, where, raw, "reason", str)
    _check_reason(reason, path, where, concept_types, spoken or {})
    final = raw.get("final", False)
    if not isinstance(final, bool):
        raise DataError(path, where, "final", "must be true or false")
    return Rule(id=_need(path, where, raw, "id", str) if not default else "default", tier=tier,
                specialist=specialist, pattern=pattern, when=when, reason=reason,
                unsure_reason=raw.get("unsure_reason", "") if default else _need(path, where, raw, "unsure_reason", str),
                source=source, message=_need(path, where, raw, "message", str, optional=True), final=final)


def rules_from_dict(data: Mapping, concept_types: Mapping[str, str], path: Path = RULES_FILE,
                    anchors: frozenset[str] | None = None) -> Rules:
    """`anchors`: the sections of docs/references.md a source may point at (None: not checked)."""
    tiers = _need(path, "top level", data, "tiers", dict)
    messages = {}
    for tier in TIERS:
        spec = tiers.get(tier)
        if not isinstance(spec, dict):
            raise DataError(path, f"tier '{tier}'", "-", "missing")
        messages[tier] = _need(path, f"tier '{tier}'", spec, "message", str)
    caps = _need(path, "top level", data, "unknown_caps", dict)
    for tier in TIERS:
        if caps.get(tier) not in TIERS:
            raise DataError(path, "unknown_caps", tier, "must name a tier")
    spoken = _need(path, "top level", data, "specialists", dict)
    for name in SPECIALISTS:
        _need(path, "specialists", spoken, name, str)
    patterns_spoken = _need(path, "top level", data, "patterns_spoken", dict)
    for name in PATTERNS:
        _need(path, "patterns_spoken", patterns_spoken, name, str)
    pattern_conditions = _pattern_conditions(path, data.get("pattern_conditions", {}), patterns_spoken, concept_types)
    concepts_spoken = _need(path, "top level", data, "concepts_spoken", dict)
    for name in concept_types:
        _need(path, "concepts_spoken", concepts_spoken, name, str)
    raw_rules = _need(path, "top level", data, "rules", list)
    rules = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules):
        where = f"rule '{raw.get('id', '#' + str(index + 1))}'" if isinstance(raw, dict) else f"rule #{index + 1}"
        rule = _rule_from_dict(raw, path, where, concept_types, default=False, anchors=anchors,
                               spoken=concepts_spoken)
        if rule.id in seen:
            raise DataError(path, where, "id", "duplicate id")
        seen.add(rule.id)
        rules.append(rule)
    default = _rule_from_dict(_need(path, "top level", data, "default", dict), path, "default", concept_types,
                              default=True, anchors=anchors, spoken=concepts_spoken)
    advice_raw = _need(path, "top level", data, "advice", dict)
    advice = {}
    for tier in TIERS:
        items = advice_raw.get(tier)
        if not isinstance(items, list) or not all(isinstance(s, str) and s for s in items):
            raise DataError(path, f"advice '{tier}'", "-", "must be a list of sentences")
        advice[tier] = tuple(items)
    advice_sources = data.get("advice_sources", {})
    for tier, source in advice_sources.items():
        check_source(source, path, f"advice_sources '{tier}'", anchors)
    raw_watch = _need(path, "top level", data, "watch_for", dict)
    signs = _need(path, "watch_for", raw_watch, "signs", list)
    _phrase_list(path, "watch_for signs", signs)
    watch_for = WatchFor(intro=_need(path, "watch_for", raw_watch, "intro", str), signs=tuple(signs),
                         source=_need(path, "watch_for", raw_watch, "source", str))
    check_source(watch_for.source, path, "watch_for", anchors)
    return Rules(disclaimer=_need(path, "top level", data, "disclaimer", str),
                 unsure_note=_need(path, "top level", data, "unsure_note", str),
                 tier_messages=messages, unknown_caps=caps, specialists_spoken=spoken,
                 patterns_spoken=patterns_spoken, rules=tuple(rules), default=default, advice=advice,
                 advice_sources=advice_sources, concepts_spoken=concepts_spoken,
                 pattern_conditions=pattern_conditions, watch_for=watch_for)


def _pattern_conditions(path: Path, raw: Any, patterns_spoken: Mapping[str, str],
                        concept_types: Mapping[str, str]) -> dict[str, tuple[PatternCondition, ...]]:
    """`pattern_conditions`: for a pattern whose words say "{conditions}", the conditions it may name,
    each with the concepts that must have been said (yes or "I don't know") before it is named."""
    if not isinstance(raw, dict):
        raise DataError(path, "top level", "pattern_conditions", "must be an object")
    found: dict[str, tuple[PatternCondition, ...]] = {}
    for name, words in patterns_spoken.items():
        if ("{conditions}" in words) != (name in raw):
            raise DataError(path, "pattern_conditions", name, "needed exactly when its words say {conditions}")
    for name, items in raw.items():
        if not isinstance(items, list) or not items:
            raise DataError(path, "pattern_conditions", name, "must be a non-empty list")
        conditions = []
        for item in items:
            if not (isinstance(item, dict) and isinstance(item.get("name"), str)
                    and isinstance(item.get("supported_by"), list) and item["supported_by"]
                    and all(c in concept_types for c in item["supported_by"])):
                raise DataError(path, "pattern_conditions", name,
                                "each condition needs a name and supported_by: a list of known concepts")
            conditions.append(PatternCondition(item["name"], tuple(item["supported_by"])))
        found[name] = tuple(conditions)
    return found


@lru_cache(maxsize=1)
def load_questionnaire(path: Path = QUESTIONNAIRE_FILE) -> Questionnaire:
    return questionnaire_from_dict(_read_json(path), path, reference_anchors())


@lru_cache(maxsize=1)
def data_version() -> str:
    """The version of the questions and rules, as every summary and the FHIR Questionnaire carry it:
    "<questionnaire version>.<rules version>+<first 10 hex digits of a SHA-256 of both files' data>",
    e.g. "1.1+3fa9c2d1e0". The digest changes with any edit, so a summary always names the exact
    questions and rules that produced it, even when an editor forgot to raise a version number."""
    import hashlib  # here, not at import: nothing at a Lambda cold start needs it
    questionnaire, rules = _read_json(QUESTIONNAIRE_FILE), _read_json(RULES_FILE)
    canonical = json.dumps([questionnaire, rules], sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    digest = hashlib.sha256(canonical.encode("ascii")).hexdigest()[:10]
    return f"{questionnaire.get('version', 0)}.{rules.get('version', 0)}+{digest}"


@lru_cache(maxsize=1)
def load_rules(path: Path = RULES_FILE) -> Rules:
    return rules_from_dict(_read_json(path), load_questionnaire().concept_types, path, reference_anchors())


_PHRASE_LISTS = ("yes", "no", "typed_yes", "typed_no", "hedged_yes", "hedged_no", "hedge_markers", "yes_markers",
                 "no_markers", "contradiction_markers", "dont_know", "fillers_before", "fillers_after",
                 "number_fillers_before", "number_fillers_after", "number_hedges", "range_joiners", "range_openers",
                 "half_words", "zero_duration_phrases", "negative_words")


def _phrase_list(path: Path, where: str, items: Any) -> None:
    if not isinstance(items, list) or not all(isinstance(s, str) and s.strip() for s in items):
        raise DataError(path, where, "-", "must be a list of phrases")


@lru_cache(maxsize=1)
def load_answer_words(path: Path = ANSWER_WORDS_FILE) -> dict:
    """The answer words (data/answer_words.json), checked: every list a list of phrases, every unit
    with its size in hours and its words, every question's own words naming a known question."""
    data = _read_json(path)
    for key in _PHRASE_LISTS:
        _phrase_list(path, key, _need(path, "top level", data, key, list))
    commands = _need(path, "top level", data, "commands", dict)
    for name in COMMANDS:
        _phrase_list(path, f"commands '{name}'", _need(path, "commands", commands, name, list))
    # Voice-only commands (they change the speaking rate, not the assessment): both voice front ends.
    rate = _need(path, "top level", data, "rate_commands", dict)
    for name in ("slower", "faster"):
        _phrase_list(path, f"rate_commands '{name}'", _need(path, "rate_commands", rate, name, list))
    for key in ("number_words", "tens_words", "units", "spoken_expectations", "number_suffixes", "quantity_words",
                "question_words"):
        _need(path, "top level", data, key, dict)
    for kind in ("scale", "years"):
        _phrase_list(path, f"number_suffixes '{kind}'", _need(path, "number_suffixes", data["number_suffixes"], kind, list))
    for name, spec in data["units"].items():
        where = f"unit '{name}'"
        if not isinstance(spec, dict):
            raise DataError(path, where, "-", "must be an object with 'hours' and 'words'")
        hours = _need(path, where, spec, "hours", (int, float))
        if isinstance(hours, bool) or hours <= 0:
            raise DataError(path, where, "hours", "must be a positive number")
        _phrase_list(path, where + " words", _need(path, where, spec, "words", list))
        if not isinstance(spec.get("typed", []), list) or not all(isinstance(w, str) and w for w in spec.get("typed", [])):
            raise DataError(path, where, "typed", "must be a list of typed abbreviations")
    for qid, spec in data["question_words"].items():
        where = f"question_words '{qid}'"
        if qid not in load_questionnaire().questions:
            raise DataError(path, where, "-", "names no question in questionnaire.json")
        for key in ("yes", "no", "zero"):
            if key in spec:
                _phrase_list(path, f"{where} {key}", spec[key])
    return data
