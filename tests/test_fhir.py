"""The clinic's summary (issue 10, requirement 3): the FHIR R4 Questionnaire and the summary Bundle,
validated with the fhir.resources R4B models on every enumerated path, completed and stopped.

The enableWhen check uses its own small evaluator of the R4 rules (written from the specification,
not from triage.fhir), so it checks the generated conditions rather than restating them."""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from pydantic import ValidationError
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.questionnaire import Questionnaire

from triage import load_questionnaire, next_question, start, step
from triage.fhir import (
    ASKED_UNKNOWN, DATA_ABSENT_REASON, FHIR_BASE, QUESTIONNAIRE_URL, TIER_DISPLAY, TIER_SYSTEM,
    questionnaire_resource, summary_bundle, tier_code_system,
)
from triage.knowledge import UNKNOWN
from triage.locales import supported_locales
from triage.model import TIERS, data_version
from triage.summary import SummaryRecord, build_summary
from triage.conversation import new_state

from triage_paths import all_paths, reply_for

QUESTIONNAIRE = load_questionnaire()
CREATED = datetime(2026, 11, 30, 15, 4, 5, tzinfo=timezone(timedelta(hours=-5)))
LOCALES = supported_locales()


@pytest.fixture(scope="module")
def questionnaire() -> dict[str, Any]:
    return questionnaire_resource()


@pytest.fixture(scope="module")
def items(questionnaire: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["linkId"]: item for item in questionnaire["item"]}


@pytest.fixture(scope="module")
def paths() -> list[list[tuple[str, Any]]]:
    return list(all_paths())


@pytest.fixture(scope="module")
def completed(paths: list[list[tuple[str, Any]]]) -> list[tuple[SummaryRecord, dict[str, Any]]]:
    """The summary of every enumerated path, in every locale in turn (each over a fifth of the paths)."""
    records = [build_summary(completed_state(answers), CREATED, LOCALES[index % len(LOCALES)])
               for index, answers in enumerate(paths)]
    return [(record, summary_bundle(record)) for record in records]


def completed_state(answers: list[tuple[str, Any]]) -> dict[str, Any]:
    return {**new_state(), "answers": [list(a) for a in answers], "done": True}


def stopped_state(answers: list[tuple[str, Any]]) -> dict[str, Any]:
    following = next_question(answers)
    assert following is not None
    return {**new_state(), "answers": [list(a) for a in answers], "current": following.id}


# --- An enableWhen evaluator, from the R4 definitions of the operators -----------------------------
# "=": at least one answer has a value equal to the enableWhen answer; "!=": no answer has such a
# value; ">", "<", ">=", "<=": at least one answer has a value that compares so; "exists": the item
# has (true) or has not (false) an answer. An "I don't know" answer has no value.

def _value(answer: dict[str, Any]) -> Any:
    if "valueCoding" in answer:
        return ("coding", answer["valueCoding"]["system"], answer["valueCoding"]["code"])
    if "valueInteger" in answer:
        return answer["valueInteger"]
    return None


def _condition_holds(condition: dict[str, Any], answers: list[dict[str, Any]]) -> bool:
    operator = condition["operator"]
    if operator == "exists":
        return bool(answers) == condition["answerBoolean"]
    if "answerCoding" in condition:
        wanted: Any = ("coding", condition["answerCoding"]["system"], condition["answerCoding"]["code"])
    else:
        wanted = condition["answerInteger"]
    values = [v for v in map(_value, answers) if v is not None]
    if operator == "=":
        return wanted in values
    if operator == "!=":
        return wanted not in values
    numbers = [v for v in values if isinstance(v, int)]
    compare = {">": lambda v: v > wanted, "<": lambda v: v < wanted, ">=": lambda v: v >= wanted,
               "<=": lambda v: v <= wanted}[operator]
    return any(compare(v) for v in numbers)


def enabled(item: dict[str, Any], given: dict[str, list[dict[str, Any]]]) -> bool:
    """Is `item` enabled when the items answered so far hold `given` (linkId -> answers)?"""
    conditions = item.get("enableWhen", [])
    if not conditions:
        return True
    results = [_condition_holds(c, given.get(c["question"], [])) for c in conditions]
    if len(results) > 1:
        assert item["enableBehavior"] in ("all", "any"), item["linkId"]  # R4 que-12
    return any(results) if item.get("enableBehavior") == "any" else all(results)


def _response(bundle: dict[str, Any]) -> dict[str, Any]:
    return bundle["entry"][0]["resource"]


def _assessment(bundle: dict[str, Any]) -> dict[str, Any]:
    return bundle["entry"][1]["resource"]


# --- The Questionnaire ------------------------------------------------------------------------------

def test_questionnaire_validates_as_r4_and_follows_the_data(questionnaire: dict[str, Any]) -> None:
    Questionnaire.model_validate(questionnaire)
    assert not _empty_values(questionnaire)
    assert questionnaire["url"] == QUESTIONNAIRE_URL and QUESTIONNAIRE_URL.startswith(FHIR_BASE)
    assert questionnaire["version"] == data_version()
    assert questionnaire["subjectType"] == ["Patient"] and questionnaire["status"] == "active"
    assert [item["linkId"] for item in questionnaire["item"]] == list(QUESTIONNAIRE.order)
    for item in questionnaire["item"]:
        question = QUESTIONNAIRE.questions[item["linkId"]]
        assert item["text"] == question.prompt
        extensions = {e["url"].rsplit("/", 1)[1]: e for e in item.get("extension", [])}
        ask_if = extensions.pop("spine-check-ask-if", None)  # the exact condition, as data
        assert (ask_if and json.loads(ask_if["valueString"])) == (question.ask_if or None)
        if question.type == "yes_no":
            assert item["type"] == "choice"
            assert [o["valueCoding"]["code"] for o in item["answerOption"]] == ["LA33-6", "LA32-8"]
            assert {o["valueCoding"]["system"] for o in item["answerOption"]} == {"http://loinc.org"}
            assert not extensions
        else:
            assert item["type"] == "integer" and "answerOption" not in item
            assert question.range is not None
            assert (extensions["minValue"]["valueInteger"], extensions["maxValue"]["valueInteger"]) == question.range
            unit = extensions.get("questionnaire-unit", {}).get("valueCoding")
            expected = {"weeks": "wk", "years": "a", None: None}[question.unit]
            assert (unit and unit["code"]) == expected
            if unit:
                assert unit["system"] == "http://unitsofmeasure.org"
        for condition in item.get("enableWhen", []):  # only earlier questions, with answers of their type
            earlier = QUESTIONNAIRE.order[:QUESTIONNAIRE.order.index(item["linkId"])]
            assert condition["question"] in earlier
            asked = QUESTIONNAIRE.questions[condition["question"]]
            assert ("answerCoding" in condition) == (asked.type == "yes_no")


def test_pain_score_is_0_to_10_with_its_loinc_code(items: dict[str, dict[str, Any]]) -> None:
    pain = items["pain_score"]
    assert [c["code"] for c in pain["code"]] == ["72514-3"]
    assert [e["valueInteger"] for e in pain["extension"] if "valueInteger" in e] == [0, 10]


def test_enable_when_never_disables_a_question_the_assessment_asks(
        paths: list[list[tuple[str, Any]]], completed: list[tuple[SummaryRecord, dict[str, Any]]],
        items: dict[str, dict[str, Any]]) -> None:
    """On every enumerated path, each asked question is enabled by the answers given before it, in
    the FHIR form those answers take in the summary's QuestionnaireResponse."""
    checked = 0
    for answers, (_, bundle) in zip(paths, completed, strict=True):
        as_fhir = {item["linkId"]: item["answer"] for item in _response(bundle)["item"]}
        for index, (qid, _) in enumerate(answers):
            given = {earlier: as_fhir[earlier] for earlier, _ in answers[:index]}
            assert enabled(items[qid], given), f"{qid} disabled after {answers[:index]}"
            checked += 1
    assert checked > 5 * len(paths)
    print(f"\nquestions asked over {len(paths)} paths: {checked}, each enabled by the answers before it")


def test_figures_what_a_form_shows_beyond_the_questions_asked(
        paths: list[list[tuple[str, Any]]], completed: list[tuple[SummaryRecord, dict[str, Any]]],
        items: dict[str, dict[str, Any]]) -> None:
    """How loose the necessary condition is: a FHIR form holding a path's answers also enables the
    questions Spine Check did not ask on it whose enableWhen holds (printed with -s)."""
    extra_counts: list[int] = []
    shown_most: dict[str, int] = {}
    for answers, (_, bundle) in zip(paths, completed, strict=True):
        as_fhir = {item["linkId"]: item["answer"] for item in _response(bundle)["item"]}
        asked = {qid for qid, _ in answers}
        extra = [qid for qid in QUESTIONNAIRE.order if qid not in asked and enabled(items[qid], as_fhir)]
        extra_counts.append(len(extra))
        for qid in extra:
            shown_most[qid] = shown_most.get(qid, 0) + 1
    exact = extra_counts.count(0)
    print(f"\nform enables exactly the questions asked on {exact} of {len(paths)} paths; questions beyond: "
          f"median {statistics.median(extra_counts)}, max {max(extra_counts)}; most often "
          f"{sorted(shown_most.items(), key=lambda kv: -kv[1])[:4]}")
    assert max(extra_counts) < len(QUESTIONNAIRE.order) - 2


# Where the engine skips a question, the form should mostly skip it too: rows of answers after which
# a question must be disabled (each row fails if its enableWhen were dropped).
SKIPPED = [
    ("leg_weakness", {"leg_numbness_or_weakness": False}),
    ("weakness_getting_worse", {"leg_numbness_or_weakness": UNKNOWN}),
    ("numbness_is_new", {"leg_numbness_or_weakness": True, "leg_weakness": True}),
    ("pain_below_knee", {"leg_numbness_or_weakness": True}),
    ("both_legs", {"leg_numbness_or_weakness": False, "pain_below_knee": False}),
    ("both_legs_recent", {"both_legs": False}),
    ("both_legs_recent", {"both_legs": UNKNOWN}),
    ("fever", {"serious_illness_signs": False}),
    ("cancer_history", {"serious_illness_signs": False}),
    ("weight_loss", {"serious_illness_signs": True, "fever": True}),
    ("age", {"leg_numbness_or_weakness": True}),
    ("age", {"leg_numbness_or_weakness": False, "pain_below_knee": UNKNOWN}),
    ("morning_stiffness", {"leg_numbness_or_weakness": False, "pain_below_knee": False, "age": 45,
                           "duration_weeks": 20}),
    ("morning_stiffness", {"leg_numbness_or_weakness": False, "pain_below_knee": False, "age": 30,
                           "duration_weeks": 11}),
    ("conservative_care_weeks", {"duration_weeks": 5}),
    ("worse_walking_better_sitting", {"duration_weeks": 0}),
    # A "yes" that is an emergency by itself ends the questions: nothing after it is enabled.
    ("major_trauma", {"cauda_equina_signs": True}),
    ("duration_weeks", {"cauda_equina_signs": False, "major_trauma": True}),
    ("daily_impact", {"weakness_getting_worse": True}),
]


def _as_answers(given: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Answers in QuestionnaireResponse form (as the summaries write them: checked above)."""
    def answer(value: Any) -> dict[str, Any]:
        if value == UNKNOWN:
            return {"extension": [{"url": DATA_ABSENT_REASON, "valueCode": ASKED_UNKNOWN}]}
        if isinstance(value, bool):
            return {"valueCoding": {"system": "http://loinc.org", "code": "LA33-6" if value else "LA32-8"}}
        return {"valueInteger": value}
    return {qid: [answer(value)] for qid, value in given.items()}


@pytest.mark.parametrize("qid,given", SKIPPED, ids=[f"{q}-{i}" for i, (q, _) in enumerate(SKIPPED)])
def test_enable_when_disables_where_the_assessment_skips(
        qid: str, given: dict[str, Any], items: dict[str, dict[str, Any]]) -> None:
    assert not enabled(items[qid], _as_answers(given))


# --- The Bundle: every completed path, every stopped prefix --------------------------------------

def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key, inner
            yield from _walk(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _walk(inner)


def _empty_values(resource: Any) -> list[Any]:
    return [value for _, value in _walk(resource) if value in ([], {}, "") or
            (isinstance(value, str) and value != value.strip())]


def check_bundle(bundle: dict[str, Any], record: SummaryRecord, items: dict[str, dict[str, Any]]) -> None:
    """Everything a clinic relies on, beyond what the R4B models check."""
    assert not _empty_values(bundle), "FHIR JSON has no empty arrays, objects or strings"
    assert bundle["type"] == "collection" and bundle["language"] == record.locale
    assert bundle["timestamp"] == record.created.isoformat(timespec="seconds")
    urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(urls)) == 2 and all(uuid.UUID(u.removeprefix("urn:uuid:")).version == 5 for u in urls)
    assert all(u.startswith("urn:uuid:") for u in urls)
    response, assessment = _response(bundle), _assessment(bundle)
    assert response["resourceType"] == "QuestionnaireResponse" and assessment["resourceType"] == "RiskAssessment"
    stopped = record.status == "stopped"
    assert response["status"] == record.status
    assert assessment["status"] == ("preliminary" if stopped else "final")
    assert response["questionnaire"] == f"{QUESTIONNAIRE_URL}|{data_version()}"
    response_items = response.get("item", [])
    assert [item["linkId"] for item in response_items] == [a.question_id for a in record.answers]
    yes_first = [QUESTIONNAIRE.questions[item["linkId"]].red_flag
                 and item["answer"][0].get("valueCoding", {}).get("code") == "LA33-6" for item in response_items]
    assert yes_first == sorted(yes_first, reverse=True), "red flags answered yes come first"
    for item, answered in zip(response_items, record.answers, strict=True):
        question_item = items[item["linkId"]]  # every linkId is in the Questionnaire
        (answer,) = item["answer"]
        if answered.value is None:
            assert answer == {"extension": [{"url": DATA_ABSENT_REASON, "valueCode": ASKED_UNKNOWN}]}
        elif question_item["type"] == "choice":
            assert answer["valueCoding"] in [o["valueCoding"] for o in question_item["answerOption"]]
        else:
            low, high = (e["valueInteger"] for e in question_item["extension"][:2])
            assert low <= answer["valueInteger"] <= high and answer["valueInteger"] == answered.value
    assert assessment["basis"][0]["reference"] == urls[0]
    assert [b["display"] for b in assessment["basis"][1:]] == list(record.reasons)
    (prediction,) = assessment["prediction"]
    (coding,) = prediction["qualitativeRisk"]["coding"]
    assert coding == {"system": TIER_SYSTEM, "code": record.tier, "display": TIER_DISPLAY[record.tier]}
    assert prediction["qualitativeRisk"]["text"] == record.message
    assert record.destination in assessment["mitigation"] and record.message in assessment["mitigation"]
    assert assessment["note"][0]["text"] == record.disclaimer
    assert any("floor" in note["text"] for note in assessment["note"]) == stopped
    assert set(assessment["subject"]) == {"display"}
    keys = {key for key, _ in _walk(bundle)}
    assert not keys & {"identifier", "name", "patient", "device", "performer", "id"}, keys


def test_every_completed_path_gives_a_valid_bundle(completed: list[tuple[SummaryRecord, dict[str, Any]]],
                                                  items: dict[str, dict[str, Any]]) -> None:
    began = time.perf_counter()
    for record, bundle in completed:
        assert record.status == "completed"
        Bundle.model_validate(bundle)
        check_bundle(bundle, record, items)
    assert {record.locale for record, _ in completed} == set(LOCALES)
    print(f"\nbundles validated: {len(completed)} completed paths in {time.perf_counter() - began:.1f} s")


def test_every_stopped_prefix_gives_a_valid_bundle(paths: list[list[tuple[str, Any]]],
                                                  items: dict[str, dict[str, Any]]) -> None:
    """A stop before every question of every path: each distinct set of answers a person can stop with."""
    prefixes = sorted({tuple(answers[:end]) for answers in paths for end in range(len(answers))}, key=len)
    began = time.perf_counter()
    for index, prefix in enumerate(prefixes):
        locale = LOCALES[index % len(LOCALES)]
        record = build_summary(stopped_state(list(prefix)), CREATED, locale)
        assert record.status == "stopped"
        bundle = summary_bundle(record)
        Bundle.model_validate(bundle)
        check_bundle(bundle, record, items)
    assert len(prefixes) > 1000 and prefixes[0] == ()  # a stop at the very first question included
    print(f"\nbundles validated: {len(prefixes)} stopped prefixes in {time.perf_counter() - began:.1f} s")


def _broken(change: Any) -> tuple[dict[str, Any], SummaryRecord]:
    record = build_summary(stopped_state([("cauda_equina_signs", False), ("major_trauma", UNKNOWN)]), CREATED, "en-US")
    bundle = summary_bundle(record)
    change(bundle, bundle["entry"][0]["resource"], bundle["entry"][1]["resource"])
    return bundle, record


# What the R4B models refuse: structure, types, cardinality, date formats, unknown elements.
REFUSED_BY_THE_MODELS = {
    "no subject": lambda b, qr, ra: ra.pop("subject"),
    "a time without its offset": lambda b, qr, ra: b.update(timestamp="2026-11-30T10:00:00"),
    "a date in another format": lambda b, qr, ra: qr.update(authored="30/11/2026"),
    "a tier as a bare string": lambda b, qr, ra: ra["prediction"][0].update(qualitativeRisk="urgent"),
    "two values in one answer": lambda b, qr, ra: qr["item"][0]["answer"][0].update(valueInteger=3),
    "an item without linkId": lambda b, qr, ra: qr["item"][0].pop("linkId"),
    "an element FHIR does not have": lambda b, qr, ra: ra.update(urgency="urgent"),
    "an extension without url": lambda b, qr, ra: qr["item"][1]["answer"][0]["extension"][0].pop("url"),
}
# What they let through (codes are not checked against their value sets, empty arrays pass), and
# check_bundle catches.
PASSED_BY_THE_MODELS = {
    "a response status FHIR does not have": lambda b, qr, ra: qr.update(status="done"),
    "an assessment status FHIR does not have": lambda b, qr, ra: ra.update(status="finished"),
    "a bundle type FHIR does not have": lambda b, qr, ra: b.update(type="bag"),
    "an empty array": lambda b, qr, ra: ra.update(note=[]),
    "an answer outside the answer options": lambda b, qr, ra: qr["item"][0]["answer"][0]["valueCoding"].update(
        code="LA4489-6"),
}


@pytest.mark.parametrize("name", sorted(REFUSED_BY_THE_MODELS))
def test_the_r4b_models_refuse_a_broken_bundle(name: str) -> None:
    bundle, _ = _broken(REFUSED_BY_THE_MODELS[name])
    with pytest.raises(ValidationError):
        Bundle.model_validate(bundle)


@pytest.mark.parametrize("name", sorted(PASSED_BY_THE_MODELS))
def test_what_the_models_let_through_the_bundle_checks_catch(name: str, items: dict[str, dict[str, Any]]) -> None:
    bundle, record = _broken(PASSED_BY_THE_MODELS[name])
    Bundle.model_validate(bundle)
    with pytest.raises(AssertionError):
        check_bundle(bundle, record, items)


def _trample(value: Any) -> None:
    """Change every object and array inside `value`, as a careless caller might."""
    if isinstance(value, dict):
        for inner in list(value.values()):
            _trample(inner)
        value.clear()
        value["changed"] = True
    elif isinstance(value, list):
        for inner in value:
            _trample(inner)
        value.append("changed")


@pytest.mark.parametrize("make", [
    lambda: summary_bundle(build_summary(completed_state([("cauda_equina_signs", True)]), CREATED, "en-GB")),
    lambda: summary_bundle(build_summary(stopped_state([("cauda_equina_signs", False), ("major_trauma", False),
                                                        ("leg_numbness_or_weakness", UNKNOWN)]), CREATED, "en-US")),
    questionnaire_resource,
    tier_code_system,
], ids=["completed bundle", "stopped bundle", "questionnaire", "code system"])
def test_changing_an_output_never_changes_the_next_one(make: Any) -> None:
    before = json.dumps(make(), sort_keys=True)
    _trample(make())
    assert json.dumps(make(), sort_keys=True) == before


def test_tier_codes_cover_every_tier() -> None:
    assert tuple(TIER_DISPLAY) == TIERS


def test_the_same_record_gives_the_same_bundle_and_another_time_new_ids() -> None:
    answers = [("cauda_equina_signs", False), ("major_trauma", UNKNOWN)]
    record = build_summary(stopped_state(answers), CREATED, "en-GB")
    first, again = summary_bundle(record), summary_bundle(build_summary(stopped_state(answers), CREATED, "en-GB"))
    assert json.dumps(first) == json.dumps(again)
    later = summary_bundle(build_summary(stopped_state(answers), CREATED + timedelta(seconds=1), "en-GB"))
    assert {e["fullUrl"] for e in later["entry"]}.isdisjoint(e["fullUrl"] for e in first["entry"])


def test_a_naive_time_is_refused() -> None:
    record = build_summary(stopped_state([]), CREATED, "en-US")
    naive = SummaryRecord(**{**record.__dict__, "created": CREATED.replace(tzinfo=None)})
    with pytest.raises(ValueError, match="timezone-aware"):
        summary_bundle(naive)


# --- What people do: change an answer, go back, start over (driving triage.step) ----------------

def _say(replies: list[str], locale: str = "en-US") -> Any:
    turn = start(locale)
    for reply in replies:
        turn = step(turn.state, reply, locale)
    return turn


def _bundle_answers(turn: Any) -> list[tuple[str, Any]]:
    bundle = summary_bundle(build_summary(turn.state, CREATED, turn.locale))
    Bundle.model_validate(bundle)
    return [(item["linkId"], item["answer"][0]) for item in _response(bundle)["item"]]


def test_a_changed_answer_keeps_only_the_final_one() -> None:
    turn = _say(["no", "yes", "go back", "no", "go back", "I don't know", "summary"])
    assert turn.kind == "summary" and turn.ended
    answers = _bundle_answers(turn)
    assert [qid for qid, _ in answers] == ["cauda_equina_signs", "major_trauma"]
    assert answers[1][1] == {"extension": [{"url": DATA_ABSENT_REASON, "valueCode": ASKED_UNKNOWN}]}


def test_going_back_from_the_result_and_changing_the_last_answer() -> None:
    path = next(a for a in all_paths() if len(a) >= 4 and a[-1][1] is False)
    turn = _say([reply_for(v) for _, v in path])
    assert turn.kind == "outcome"
    turn = step(turn.state, "go back", turn.locale)
    turn = step(turn.state, "yes", turn.locale)
    while turn.question_id is not None:  # answer whatever follows the new answer "no"
        turn = step(turn.state, "no", turn.locale)
    turn = step(turn.state, "summary", turn.locale)
    assert turn.kind == "summary" and not turn.ended
    answers = dict(_bundle_answers(turn))
    changed = path[-1][0]
    assert answers[changed]["valueCoding"]["code"] == "LA33-6", "only the final answer is kept"
    assert len([qid for qid, _ in _bundle_answers(turn) if qid == changed]) == 1


def test_a_restarted_assessment_gives_a_fresh_summary() -> None:
    turn = _say(["yes"])  # cauda equina signs: an emergency, the result at once
    assert turn.outcome is not None and turn.outcome["tier"] == "emergency"
    turn = _say(["yes", "start over", "no", "no", "summary"])
    bundle = summary_bundle(build_summary(turn.state, CREATED, turn.locale))
    assert [item["linkId"] for item in _response(bundle)["item"]] == ["cauda_equina_signs", "major_trauma"]
    assert _response(bundle)["item"][0]["answer"][0]["valueCoding"]["code"] == "LA32-8"
    assert _assessment(bundle)["prediction"][0]["qualitativeRisk"]["coding"][0]["code"] != "emergency"
    assert _response(bundle)["status"] == "stopped"


# --- The committed Questionnaire and the command that prints it -----------------------------------

REPO_ROOT = Path(__file__).resolve().parent.parent
# The committed resources and the command that prints each (the failure says how to regenerate).
COMMITTED = [("fhir-questionnaire", "fhir/Questionnaire-spine-check.json", questionnaire_resource),
             ("fhir-codesystem", "fhir/CodeSystem-spine-check-tier.json", tier_code_system)]


@pytest.mark.parametrize("command,path,generator", COMMITTED, ids=[c for c, _, _ in COMMITTED])
def test_committed_resource_is_what_the_data_generates(command: str, path: str, generator: Any) -> None:
    printed = subprocess.run([sys.executable, "-m", "triage", command], cwd=REPO_ROOT,
                             capture_output=True, text=True, check=True).stdout
    assert json.loads(printed) == generator()
    assert (REPO_ROOT / path).read_text(encoding="utf-8") == printed, (
        f"{path} is out of date with triage/data; regenerate it: python -m triage {command} > {path}")


def test_tier_code_system_validates_and_defines_every_tier_the_bundles_use() -> None:
    code_system = tier_code_system()
    CodeSystem.model_validate(code_system)
    assert code_system["url"] == TIER_SYSTEM and code_system["version"] == data_version()
    assert [c["code"] for c in code_system["concept"]] == list(TIERS) and code_system["count"] == len(TIERS)
    assert {c["code"]: c["display"] for c in code_system["concept"]} == TIER_DISPLAY
    assert all("{" not in c["definition"] for c in code_system["concept"]), "no locale placeholder"


def test_the_core_builds_fhir_without_a_fhir_library() -> None:
    """fhir.resources is for the tests only: the core (and the Lambda package) stays pure Python."""
    code = ("import sys, triage.fhir, triage.__main__\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'fhir', 'pydantic', 'fhir_core'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
