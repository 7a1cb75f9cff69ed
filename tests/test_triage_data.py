"""The data files: validated at load with errors naming file, item and field; every concept learnable;
every rule cites clinical.md; the core imports no I/O library."""
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from triage.model import (CONCEPTS, QUESTIONNAIRE_FILE, RULES_FILE, DataError, load_questionnaire, load_rules,
                          questionnaire_from_dict, rules_from_dict, _read_json)

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


def test_every_rule_cites_a_clinical_md_section():
    for rule in load_rules().rules:
        assert "clinical.md §" in rule.source or "article" in rule.source, rule.id


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
