"""The clinic's form of a summary: FHIR R4 resources as plain dicts (JSON-ready, no FHIR library here).

- `questionnaire_resource()`: the assessment as a FHIR `Questionnaire`, generated from
  data/questionnaire.json (`python -m triage fhir-questionnaire` prints it; fhir/ holds the copy).
- `tier_code_system()`: the urgency tiers as a FHIR `CodeSystem` (`python -m triage fhir-codesystem`).
- `summary_bundle(record)`: one summary (triage.summary.SummaryRecord) as a `Bundle` of type
  `collection` holding a `QuestionnaireResponse` (the answers) and a `RiskAssessment` (the result).

Only base R4 resources and extensions from the FHIR core specification are used, plus one code
system (the urgency tiers) and one extension (an item's exact skip condition) of our own under `FHIR_BASE`, a placeholder canonical base: Spine Check
publishes no FHIR server, and the URLs below identify the definitions, they are not fetched.
The tests validate every output with the `fhir.resources` R4B models.

Every call returns a new structure that shares nothing with this module or with other calls, so a
caller may change what it gets. Nothing here names or identifies the person or the device: the RiskAssessment's required `subject`
is a Reference with a display only, and entry ids are UUIDs derived from the summary's content.
"""
from __future__ import annotations

import json
import operator
import uuid
from dataclasses import asdict
from functools import lru_cache
from typing import Any, Mapping, NamedTuple

from .knowledge import derive
from .model import TIERS, Question, data_version, load_questionnaire, load_rules
from .outcome import questions_end
from .summary import COMPLETED, STOPPED, SummaryRecord

# A placeholder canonical base (RFC 2606 "example" domain): it names our definitions, it serves nothing.
FHIR_BASE = "http://spine-check.example.org/fhir"
QUESTIONNAIRE_URL = f"{FHIR_BASE}/Questionnaire/spine-check"
TIER_SYSTEM = f"{FHIR_BASE}/CodeSystem/spine-check-tier"
# Where the entry UUIDs come from: uuid5 of the summary's content in this namespace.
_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, FHIR_BASE)

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
YES_CODING = {"system": LOINC, "code": "LA33-6", "display": "Yes"}
NO_CODING = {"system": LOINC, "code": "LA32-8", "display": "No"}
# "I don't know": the answer carries this core extension instead of a value.
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
ASKED_UNKNOWN = "asked-unknown"
EXT_MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
EXT_MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
EXT_UNIT = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
# The numbers are `integer` items with the core `questionnaire-unit` extension (UCUM), not `quantity`
# items: R4's minValue/maxValue extensions take an integer, not a Quantity, so the range stays
# computable; enableWhen compares `answerInteger` directly; the engine's answers are whole numbers;
# and questionnaire-unit exists for exactly this (turning the integer into a Quantity on extraction).
UCUM_UNITS = {"weeks": ("wk", "week"), "years": ("a", "year")}
# Spine Check's exact skip condition of an item (its `ask_if`, JSON in the expression language of
# triage/knowledge.py), beside the enableWhen that can only approximate it.
EXT_ASK_IF = f"{FHIR_BASE}/StructureDefinition/spine-check-ask-if"
# The pain score's standard code, so a clinic's system can file it without reading our linkIds.
PAIN_SCORE_CODING = {"system": LOINC, "code": "72514-3",
                     "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported"}
TIER_DISPLAY = {"self_care": "Self-care", "routine": "Routine appointment", "specialist": "Specialist appointment",
                "urgent": "Urgent: see a doctor within 24 to 48 hours", "emergency": "Emergency"}
# What each tier asks of the person (triage/data/rules.json "tiers"; docs/references.md), without the
# locale's emergency number: the code system is the same for every locale.
TIER_DEFINITION = {
    "self_care": "Safe to start with self-care at home; see a clinician if not better in four to six weeks, "
                 "or sooner if things get worse.",
    "routine": "Make an appointment with the named clinician in the coming days or weeks.",
    "specialist": "Book an appointment with the named specialist.",
    "urgent": "See a doctor within 24 to 48 hours (today where a rule says so); the emergency department if "
              "things get worse.",
    "emergency": "Possibly an emergency: call the emergency number or go to the nearest emergency department now.",
}


def questionnaire_canonical() -> str:
    """`url|version`: what a QuestionnaireResponse's `questionnaire` names."""
    return f"{QUESTIONNAIRE_URL}|{data_version()}"


# --- The Questionnaire ---------------------------------------------------------------------------

def questionnaire_resource() -> dict[str, Any]:
    """The assessment as a FHIR R4 Questionnaire (a JSON-ready dict), items in asking order.

    Each item: linkId = the question id, text = the question, yes/no as `choice` with LOINC Yes/No
    answerOptions, numbers as `integer` with minValue/maxValue and (weeks, years) a UCUM unit.
    `enableWhen` is a safe necessary condition of when Spine Check asks the question (see
    `enable_when`): it never disables a question that the assessment asks, but it cannot express
    everything (see the README), so a form may show a question Spine Check would skip."""
    questionnaire = load_questionnaire()
    rules = load_rules()
    items = [_questionnaire_item(question, questionnaire.order[:index])
             for index, question in enumerate(questionnaire.questions.values())]
    return {
        "resourceType": "Questionnaire",
        "id": "spine-check",
        "language": "en",
        "url": QUESTIONNAIRE_URL,
        "version": data_version(),
        "name": "SpineCheck",
        "title": "Spine Check: back pain self-assessment",
        "status": "active",
        "subjectType": ["Patient"],
        "description": (
            "A voice self-assessment for back pain, often with leg numbness. Red-flag questions come first; "
            f"at most ten questions are asked. {rules.disclaimer}"),
        "item": items,
    }


def _questionnaire_item(question: Question, earlier: tuple[str, ...]) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": question.id, "text": question.prompt}
    extensions: list[dict[str, Any]] = []
    if question.type == "yes_no":
        item["type"] = "choice"
        item["answerOption"] = [{"valueCoding": dict(YES_CODING)}, {"valueCoding": dict(NO_CODING)}]
    else:
        item["type"] = "integer"
        low, high = question.range or (0, 0)
        extensions += [{"url": EXT_MIN_VALUE, "valueInteger": low}, {"url": EXT_MAX_VALUE, "valueInteger": high}]
        if question.unit is not None:
            code, display = UCUM_UNITS[question.unit]
            extensions.append({"url": EXT_UNIT, "valueCoding": {"system": UCUM, "code": code, "display": display}})
        if question.concepts == ("pain_score",):
            item["code"] = [dict(PAIN_SCORE_CODING)]
    if question.ask_if is not None:
        extensions.append({"url": EXT_ASK_IF, "valueString": json.dumps(question.ask_if, separators=(", ", ": "))})
    if extensions:
        item["extension"] = extensions
    conditions, behavior = enable_when(question, earlier)
    if conditions:
        item["enableWhen"] = conditions
        if behavior is not None:
            item["enableBehavior"] = behavior
    item["required"] = False  # "I don't know" and "stop" are always allowed
    return {key: item[key] for key in _ITEM_KEY_ORDER if key in item}


_ITEM_KEY_ORDER = ("extension", "linkId", "code", "text", "type", "enableWhen", "enableBehavior", "required",
                   "answerOption")


def tier_code_system() -> dict[str, Any]:
    """The Spine Check urgency tiers as a FHIR R4 CodeSystem (the codes of RiskAssessment
    prediction.qualitativeRisk), least to most urgent."""
    return {
        "resourceType": "CodeSystem",
        "id": "spine-check-tier",
        "language": "en",
        "url": TIER_SYSTEM,
        "version": data_version(),
        "name": "SpineCheckTier",
        "title": "Spine Check urgency tiers",
        "status": "active",
        "description": "How urgently, and with whom, Spine Check says to seek care for back pain, from least to "
                       "most urgent. Not a diagnosis.",
        "caseSensitive": True,
        "content": "complete",
        "count": len(TIERS),
        "concept": [{"code": tier, "display": TIER_DISPLAY[tier], "definition": TIER_DEFINITION[tier]}
                    for tier in TIERS],
    }


# --- enableWhen: a safe necessary condition of the engine's skip logic -----------------------------
#
# The engine asks a question when its `ask_if` (triage.knowledge) is true, or for a red-flag question
# when it is not false (unknown counts: caution first), and only after the questions before it. It
# also skips by the tier so far (`tier_below`, non-red-flag questions once urgent), stops at an
# emergency or after ten questions, and reasons in three values over concepts, while FHIR enableWhen
# is one flat list, all or any, of tests on earlier answers. So each ask_if is turned into a formula
# over earlier answers that must hold whenever the engine asks, then weakened until it is flat:
# dropping a conjunct, or one side of an "and" inside an "or", only makes it hold more often. One
# stop is expressible and added where the list stays an "all": a "yes" that alone is an emergency.
# tests/test_fhir.py checks on every enumerated path that each asked question's enableWhen is true
# on the answers given before it.

class _Atom(NamedTuple):
    link_id: str
    operator: str  # FHIR enableWhen operators: =, !=, >, <, >=, <=
    answer: Any  # "yes" / "no" for a choice item, an int for an integer item


class _Formula(NamedTuple):
    op: str  # "and" | "or" | "atom" | "true" | "false"
    parts: tuple[Any, ...] = ()


_TRUE, _FALSE = _Formula("true"), _Formula("false")
_NEGATED = {"lt": "gte", "lte": "gt", "gt": "lte", "gte": "lt", "eq": "ne"}
_FHIR_OPERATOR = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">=", "eq": "=", "ne": "!="}


def _atom(link_id: str, operator: str, answer: Any) -> _Formula:
    return _Formula("atom", (_Atom(link_id, operator, answer),))


def _combine(op: str, parts: list[_Formula]) -> _Formula:
    """`and`/`or` of parts, simplified: nested alike flattened, constants folded, duplicates dropped."""
    unit, zero = (_TRUE, _FALSE) if op == "and" else (_FALSE, _TRUE)
    flat: list[_Formula] = []
    for part in parts:
        members = part.parts if part.op == op else (part,)
        for member in members:
            if member == zero:
                return zero
            if member != unit and member not in flat:
                flat.append(member)
    if not flat:
        return unit
    return flat[0] if len(flat) == 1 else _Formula(op, tuple(flat))


class _Context(NamedTuple):
    asked_by: Mapping[str, tuple[str, ...]]  # concept -> the ids of the earlier questions that ask it
    concepts: Mapping[str, tuple[str, ...]]  # question id -> the concepts it asks
    requires_any: Mapping[str, tuple[str, ...]]


def _need(expr: Mapping[str, Any], mode: str, ctx: _Context) -> _Formula:
    """A formula over earlier answers implied by `expr` evaluating to: "T" true, "F" false,
    "notF" not false (true or unknown), "notT" not true (false or unknown)."""
    if "not" in expr:
        return _need(expr["not"], {"T": "F", "F": "T", "notF": "notT", "notT": "notF"}[mode], ctx)
    if "known" in expr:  # two-valued: true exactly when the inner condition is true
        return _need(expr["known"], "T" if mode in ("T", "notF") else "notT", ctx)
    if "all" in expr or "any" in expr:
        parts = expr.get("all", expr.get("any"))
        conjunctive = ("all" in expr) == (mode in ("T", "notF"))
        return _combine("and" if conjunctive else "or", [_need(part, mode, ctx) for part in parts])
    if "yes" in expr or "no" in expr:
        concept = expr.get("yes", expr.get("no"))
        if "no" in expr:
            mode = {"T": "F", "F": "T", "notF": "notT", "notT": "notF"}[mode]
        return _concept_need(concept, mode, ctx)
    if "any_yes" in expr:
        return _any_yes_need(tuple(expr["any_yes"]), mode, ctx)
    if "num" in expr:
        askers = ctx.asked_by.get(expr["num"], ())
        op = next(name for name in _NEGATED if name in expr)
        limit = expr[op]
        if mode in ("notF", "notT"):
            return _TRUE  # "unanswered or in range" cannot be said with one flat test
        if not askers:
            return _FALSE
        return _atom(askers[0], _NEGATED[op] if mode == "F" else op, limit)
    return _TRUE  # tier_below: the tier so far is not an answer


def _concept_need(concept: str, mode: str, ctx: _Context) -> _Formula:
    askers = ctx.asked_by.get(concept, ())
    if mode == "T":  # only a "yes" to a question asking it makes a concept true
        return _combine("or", [_atom(q, "eq", "yes") for q in askers])
    if mode == "notF":  # a "no" to any question asking it makes it false
        return _combine("and", [_atom(q, "ne", "no") for q in askers])
    if mode == "F":  # a "no", or every parent it requires false
        parents = ctx.requires_any.get(concept, ())
        via_parents = _combine("and", [_concept_need(p, "F", ctx) for p in parents]) if parents else _FALSE
        return _combine("or", [_atom(q, "eq", "no") for q in askers] + [via_parents])
    # notT: a "yes" to a question asking this concept alone makes it true
    return _combine("and", [_atom(q, "ne", "yes") for q in askers if len(ctx.concepts[q]) == 1])


def _any_yes_need(members: tuple[str, ...], mode: str, ctx: _Context) -> _Formula:
    askers = list(dict.fromkeys(q for m in members for q in ctx.asked_by.get(m, ())))
    # A "yes" to a question whose concepts are all members makes the group true by itself.
    within = [q for q in askers if set(ctx.concepts[q]) <= set(members)]
    if mode == "T":
        return _combine("or", [_atom(q, "eq", "yes") for q in askers])
    if mode == "notF":
        return _combine("or", [_concept_need(m, "notF", ctx) for m in members]
                        + [_atom(q, "eq", "yes") for q in within])
    if mode == "F":
        return _combine("and", [_concept_need(m, "F", ctx) for m in members])
    singles = [q for q in askers if len(ctx.concepts[q]) == 1]
    return _combine("and", [_atom(q, "ne", "yes") for q in dict.fromkeys(within + singles)])


def _flat(formula: _Formula) -> tuple[list[_Atom], str | None]:
    """The formula weakened to one flat list of tests and its enableBehavior ("all"/"any")."""
    if formula.op == "atom":
        return [formula.parts[0]], None
    if formula.op in ("true", "false"):
        return [], None  # false cannot happen for a question the engine can ask: be safe, enable it
    if formula.op == "and":
        atoms = [part.parts[0] for part in formula.parts if part.op == "atom"]
        # An "or" inside loses its sides that contradict a test of the "and" ("a or b" with "not b" is
        # "a"); one left over is a test of its own.
        for part in formula.parts:
            if part.op == "or" and all(member.op == "atom" for member in part.parts):
                left = [member.parts[0] for member in part.parts
                        if not any(_contradict(member.parts[0], atom) for atom in atoms)]
                if len(left) == 1:
                    atoms.append(left[0])
        if atoms:  # drop the nested "or"s: fewer conjuncts hold more often
            return _absorbed(atoms, "all"), "all" if len(atoms) > 1 else None
        return _flat(formula.parts[0])  # only "or"s: keep the first one
    atoms = []
    for part in formula.parts:
        if part.op == "atom":
            atoms.append(part.parts[0])
            continue
        inner = [member.parts[0] for member in part.parts if member.op == "atom"]
        if not inner:
            return [], None  # an "and" of "or"s inside an "or": no flat weakening but "always"
        atoms.append(inner[0])  # "a and b" weakened to "a"
    atoms = _absorbed(list(dict.fromkeys(atoms)), "any")
    return atoms, "any" if len(atoms) > 1 else None


def _absorbed(atoms: list[_Atom], behavior: str) -> list[_Atom]:
    """Drop the tests another test makes redundant: under "any", a test that implies another (it adds
    no case); under "all", a test implied by another. Implication is checked over every answer the
    question allows (and no answer), so `q = yes` goes under `q != no`, `d >= 12` under `d >= 6`."""
    def redundant(index: int, atom: _Atom) -> bool:
        for other_index, other in enumerate(atoms):
            if other_index == index:
                continue
            covered = _implies(atom, other) if behavior == "any" else _implies(other, atom)
            equivalent = _implies(atom, other) and _implies(other, atom)
            if covered and (not equivalent or other_index < index):
                return True
        return False
    return [atom for index, atom in enumerate(atoms) if not redundant(index, atom)]


def _contradict(first: _Atom, second: _Atom) -> bool:
    """No answer (nor the lack of one) meets both tests."""
    return first.link_id == second.link_id and not any(
        _holds(first, value) and _holds(second, value) for value in _answer_domain(first.link_id))


def _answer_domain(link_id: str) -> list[Any]:
    """Every answer an item allows, and None (no answer, or "I don't know")."""
    question = load_questionnaire().questions[link_id]
    low, high = question.range or (0, 0)
    return [*(["yes", "no"] if question.type == "yes_no" else range(low, high + 1)), None]


def _implies(first: _Atom, second: _Atom) -> bool:
    if first.link_id != second.link_id:
        return False
    return all(_holds(second, value) for value in _answer_domain(first.link_id) if _holds(first, value))


_COMPARE = {"eq": operator.eq, "lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge}


def _holds(atom: _Atom, value: Any) -> bool:
    """R4 enableWhen on one answer value (None: no answer, or "I don't know" with no value): `!=`
    holds when no answer equals; the other operators need an answer with a value."""
    if atom.operator == "ne":
        return bool(value != atom.answer)
    return value is not None and bool(_COMPARE[atom.operator](value, atom.answer))


@lru_cache(maxsize=1)
def _stopping_yes() -> frozenset[str]:
    """The yes/no questions whose "yes" alone ends the questions (an emergency rule fires on it)."""
    questionnaire = load_questionnaire()
    return frozenset(qid for qid, question in questionnaire.questions.items()
                     if question.type == "yes_no" and questions_end(derive(questionnaire, [(qid, True)])))


def enable_when(question: Question, earlier: tuple[str, ...]) -> tuple[list[dict[str, Any]], str | None]:
    """The FHIR `enableWhen` list and `enableBehavior` (None for one test or none) of `question`,
    given the ids of the questions asked before it in the data's order."""
    questionnaire = load_questionnaire()
    # A "yes" that by itself ends the questions (an emergency) means nothing after it is asked.
    stops = [_Atom(qid, "ne", "yes") for qid in earlier if qid in _stopping_yes()]
    atoms, behavior = _ask_if_tests(question, earlier) if question.ask_if is not None else ([], None)
    if behavior != "any":  # add the stops only where the tests stay one flat "all"
        atoms = _absorbed(list(dict.fromkeys(atoms + stops)), "all")
        behavior = "all" if len(atoms) > 1 else None
    return [_enable_when_json(atom, questionnaire.questions[atom.link_id]) for atom in atoms], behavior


def _ask_if_tests(question: Question, earlier: tuple[str, ...]) -> tuple[list[_Atom], str | None]:
    """The question's ask_if as a necessary condition over earlier answers, made flat."""
    questionnaire = load_questionnaire()
    asked_by: dict[str, tuple[str, ...]] = {}
    for qid in earlier:
        for concept in questionnaire.questions[qid].concepts:
            asked_by[concept] = asked_by.get(concept, ()) + (qid,)
    ctx = _Context(asked_by, {qid: q.concepts for qid, q in questionnaire.questions.items()},
                   questionnaire.requires_any)
    return _flat(_need(question.ask_if, "notF" if question.red_flag else "T", ctx))


def _enable_when_json(atom: _Atom, asked: Question) -> dict[str, Any]:
    condition: dict[str, Any] = {"question": atom.link_id, "operator": _FHIR_OPERATOR[atom.operator]}
    if asked.type == "yes_no":
        condition["answerCoding"] = dict(YES_CODING if atom.answer == "yes" else NO_CODING)
    else:
        condition["answerInteger"] = atom.answer
    return condition


# --- The summary Bundle ----------------------------------------------------------------------------

def summary_bundle(record: SummaryRecord) -> dict[str, Any]:
    """One summary as a FHIR R4 Bundle (type `collection`, a JSON-ready dict): a QuestionnaireResponse
    with every answer, then a RiskAssessment with the result. The same record always gives the same
    bundle (entry UUIDs are uuid5 of its content), and nothing in it identifies the person or device.

    QuestionnaireResponse: status `completed` or `stopped`; answers in the record's order (red flags
    answered yes first); yes/no as LOINC codings, numbers as integers (units on the Questionnaire
    item), "I don't know" as an answer with the data-absent-reason extension `asked-unknown`.
    RiskAssessment: status `final` (`preliminary` when stopped: the urgency is then a floor), the
    tier as prediction.qualitativeRisk, the reasons as basis displays, whom to see in mitigation."""
    when = _instant(record)
    response_url, assessment_url = _entry_url(record, "QuestionnaireResponse"), _entry_url(record, "RiskAssessment")
    return {
        "resourceType": "Bundle",
        "language": record.locale,
        "type": "collection",
        "timestamp": when,
        "entry": [{"fullUrl": response_url, "resource": _questionnaire_response(record, when)},
                  {"fullUrl": assessment_url, "resource": _risk_assessment(record, when, response_url)}],
    }


def _instant(record: SummaryRecord) -> str:
    if record.created.tzinfo is None or record.created.utcoffset() is None:
        raise ValueError("record.created must be timezone-aware")
    return record.created.isoformat(timespec="seconds")


def _entry_url(record: SummaryRecord, resource_type: str) -> str:
    """`urn:uuid:` + uuid5 of the record's content and the resource type: deterministic, and made only
    of what the summary already says, so it identifies no person and no device."""
    content = json.dumps([resource_type, asdict(record)], sort_keys=True, default=str, ensure_ascii=True)
    return f"urn:uuid:{uuid.uuid5(_UUID_NAMESPACE, content)}"


def _answer(value: bool | int | None) -> dict[str, Any]:
    if value is None:
        return {"extension": [{"url": DATA_ABSENT_REASON, "valueCode": ASKED_UNKNOWN}]}
    if isinstance(value, bool):
        return {"valueCoding": dict(YES_CODING if value else NO_CODING)}
    return {"valueInteger": value}


def _questionnaire_response(record: SummaryRecord, when: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "language": record.locale,
        "questionnaire": f"{QUESTIONNAIRE_URL}|{record.version}",
        "status": COMPLETED if record.status == COMPLETED else STOPPED,
        "authored": when,
    }
    if record.answers:  # FHIR JSON has no empty arrays: a stop at the first question has no items
        response["item"] = [{"linkId": item.question_id, "text": item.question, "answer": [_answer(item.value)]}
                            for item in record.answers]
    return response


def _risk_assessment(record: SummaryRecord, when: str, response_url: str) -> dict[str, Any]:
    if record.tier not in TIERS:
        raise ValueError(f"unknown tier {record.tier!r}")
    notes = [{"text": record.disclaimer}]
    if record.status == STOPPED:
        notes.append({"text": "The person stopped before all the questions were answered, so this urgency is a "
                              "floor: the questions not asked could have raised it."})
    assessment: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "language": record.locale,
        "status": "preliminary" if record.status == STOPPED else "final",
        "method": {"text": f"Spine Check questions and rules, version {record.version}"},
        "code": {"text": "How urgently, and with whom, to seek care for back pain"},
        # R4 requires a subject; this one says who without identifying anyone.
        "subject": {"display": "The person who answered (not identified)"},
        "occurrenceDateTime": when,
        "basis": [{"reference": response_url, "display": "The answers"}]
                 + [{"display": reason} for reason in record.reasons],
        "prediction": [{
            "outcome": {"text": "Urgency of care"},
            "qualitativeRisk": {"coding": [{"system": TIER_SYSTEM, "code": record.tier,
                                            "display": TIER_DISPLAY[record.tier]}],
                                "text": record.message},
        }],
        "mitigation": f"Whom to see: {record.destination}. {record.message}",
        "note": notes,
    }
    if record.patterns:
        assessment["prediction"][0]["rationale"] = " ".join(record.patterns)
    return assessment
