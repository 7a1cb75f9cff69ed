"""The data files: validated at load with errors naming file, item and field; every concept learnable;
every rule's source is a section of docs/references.md; the core imports no I/O library."""
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from triage.model import (CONCEPTS, QUESTIONNAIRE_FILE, RULES_FILE, DataError, github_anchor, load_questionnaire,
                          load_rules, questionnaire_from_dict, reference_anchors, rules_from_dict, _read_json)

ROOT = Path(__file__).resolve().parents[1]


def _q():
    return json.loads(QUESTIONNAIRE_FILE.read_text())


def _r():
    return json.loads(RULES_FILE.read_text())


def _question(data, qid):
    return next(q for q in data["questions"] if q["id"] == qid)


@pytest.mark.parametrize("mutate,where,field", [
    (lambda d: _question(d, "age").pop("prompt"), "question 'age'", "prompt"),
    (lambda d: _question(d, "age").update(range=[10, 5]), "question 'age'", "range"),
    (lambda d: _question(d, "fever").update(type="maybe"), "question 'fever'", "type"),
    (lambda d: _question(d, "fever").update(concepts=["nonsense"]), "question 'fever'", "concepts"),
    (lambda d: _question(d, "fever").update(ask_if={"yes": "age"}), "question 'fever'", "ask_if"),
    (lambda d: _question(d, "fever").update(ask_if={"frobnicate": 1}), "question 'fever'", "ask_if"),
    (lambda d: _question(d, "major_trauma").update(red_flag=False), "question 'leg_numbness_or_weakness'", "red_flag"),
    (lambda d: d["questions"].append(copy.deepcopy(d["questions"][0])), "question 'cauda_equina_signs'", "id"),
    (lambda d: d["concepts"].pop("fever"), "concepts", "-"),
])
def test_broken_questionnaire_names_file_question_and_field(mutate, where, field):
    data = _q()
    mutate(data)
    with pytest.raises(DataError) as err:
        questionnaire_from_dict(data, QUESTIONNAIRE_FILE)
    assert err.value.path.name == "questionnaire.json"
    assert err.value.where == where and err.value.field == field
    assert "questionnaire.json" in str(err.value) and where in str(err.value)


@pytest.mark.parametrize("mutate,where,field", [
    (lambda d: d["rules"][0].pop("source"), "rule 'cauda_equina_signs'", "source"),
    (lambda d: d["rules"][0].update(source="my opinion"), "rule 'cauda_equina_signs'", "source"),
    (lambda d: d["rules"][1].update(tier="soonish"), "rule 'progressive_weakness'", "tier"),
    (lambda d: d["rules"][1].update(specialist="wizard"), "rule 'progressive_weakness'", "specialist"),
    (lambda d: d["rules"][2].update(when={"num": "fever", "gte": 1}), "rule 'major_trauma'", "when"),
    (lambda d: d["rules"][2].update(when={"tier_below": "urgent"}), "rule 'major_trauma'", "when"),
])
def test_broken_rules_name_file_rule_and_field(mutate, where, field):
    data = _r()
    mutate(data)
    with pytest.raises(DataError) as err:
        rules_from_dict(data, load_questionnaire().concept_types, RULES_FILE)
    assert (err.value.path.name, err.value.where, err.value.field) == ("rules.json", where, field)


def test_invalid_json_file_is_named(tmp_path):
    bad = tmp_path / "questionnaire.json"
    bad.write_text("{ not json")
    with pytest.raises(DataError, match="questionnaire.json: line 1"):
        _read_json(bad)


def test_every_source_points_at_a_section_of_the_references():
    anchors = reference_anchors()
    assert anchors is not None, "docs/references.md is part of the repository"
    rules = load_rules()
    sources = [r.source for r in rules.rules] + [rules.default.source] + list(rules.advice_sources.values())
    sources += [q.source for q in load_questionnaire().questions.values()]
    for source in sources:
        assert source.startswith("docs/references.md#") and source.split("#", 1)[1] in anchors, source


@pytest.mark.parametrize("source,problem", [
    ("docs/references.md#no-such-section", "no section '#no-such-section'"),
    ("clinical.md §1.2", "must point into the references"),
    ("docs/references.md#", "no section '#'"),
])
def test_a_source_whose_section_does_not_exist_is_refused(source, problem):
    data = _r()
    data["rules"][0]["source"] = source
    with pytest.raises(DataError) as err:
        rules_from_dict(data, load_questionnaire().concept_types, RULES_FILE, reference_anchors())
    assert (err.value.where, err.value.field) == ("rule 'cauda_equina_signs'", "source")
    assert problem in str(err.value)


def test_a_question_whose_source_section_does_not_exist_is_refused():
    data = _q()
    _question(data, "fever")["source"] = "docs/references.md#fevers"
    with pytest.raises(DataError) as err:
        questionnaire_from_dict(data, QUESTIONNAIRE_FILE, reference_anchors())
    assert (err.value.where, err.value.field) == ("question 'fever'", "source") and "'#fevers'" in str(err.value)


def test_github_anchors_match_the_headings():
    assert github_anchor(" Children and teenagers") == "children-and-teenagers"
    assert github_anchor("Red-flag summary") == "red-flag-summary"
    assert {"cauda-equina", "spinal-infection", "pain-not-settling"} <= reference_anchors()


@pytest.mark.parametrize("reason,problem", [
    ("you said you have {said:fever,nonsense}", "'nonsense'"),
    ("you said you have {said:age}", "'age'"),
    ("you said you are {fever}", "'{fever}' is not a number concept"),
])
def test_a_reason_naming_an_unknown_concept_is_refused(reason, problem):
    data = _r()
    data["rules"][0]["reason"] = reason
    with pytest.raises(DataError) as err:
        rules_from_dict(data, load_questionnaire().concept_types, RULES_FILE)
    assert err.value.field == "reason" and problem in str(err.value)


def test_every_concept_is_asked_by_some_question():
    asked = {c for q in load_questionnaire().questions.values() for c in q.concepts}
    assert asked == set(CONCEPTS)


def test_triage_imports_no_io_library():
    code = ("import sys, triage, triage.__main__, triage.text_mode, triage.vocabulary\n"
            "bad = {'ask_sdk_core', 'ask_sdk_model', 'flask', 'vosk', 'pocketsphinx', 'pyttsx3', 'sounddevice'}\n"
            "print(sorted(bad & {m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    for path in (ROOT / "triage").glob("*.py"):
        text = path.read_text()
        for name in ("ask_sdk", "flask", "vosk", "pocketsphinx", "pyttsx3", "sounddevice"):
            assert f"import {name}" not in text and f"from {name}" not in text, (path.name, name)


def test_readme_rules_table_matches_the_data():
    from triage.__main__ import rules_table
    readme = (ROOT / "README.md").read_text()
    start = readme.index("<!-- rules-table -->\n") + len("<!-- rules-table -->\n")
    end = readme.index("<!-- /rules-table -->")
    assert readme[start:end] == rules_table(), "regenerate with: python -m triage rules-table"
