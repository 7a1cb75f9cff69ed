"""Clinical cases written from the project's clinical reference (its sources are summarised in
docs/references.md), each citing its source, run through `python -m triage assess` semantics,
asserting tier and whom to see."""
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from triage.__main__ import assess

ROOT = Path(__file__).resolve().parents[1]
NO_FLAGS = {c: False for c in ("saddle_numbness", "bladder_or_bowel_change", "new_sexual_dysfunction",
                               "recent_major_trauma", "leg_weakness", "weakness_getting_worse", "fever",
                               "cancer_history", "unexplained_weight_loss", "osteoporosis_or_steroids",
                               "both_legs", "numbness_is_new", "both_legs_recent", "infection_risk")}
SCIATICA = {**NO_FLAGS, "leg_numbness_or_tingling": True, "pain_radiates_below_knee": True}
AXIAL = {**NO_FLAGS, "leg_numbness_or_tingling": False, "pain_radiates_below_knee": False}

CASES = [
    # (name, facts, tier, specialist, source)
    ("saddle numbness", {**SCIATICA, "saddle_numbness": True}, "emergency", "emergency_department", "§1.2 BASS 2018"),
    ("new urinary retention", {**AXIAL, "bladder_or_bowel_change": True}, "emergency", "emergency_department", "§1.2 BNSSG"),
    ("new sexual dysfunction", {**SCIATICA, "new_sexual_dysfunction": True}, "emergency", "emergency_department", "§1.2 BASS 2018"),
    ("bowel incontinence without leg symptoms", {"bladder_or_bowel_change": True}, "emergency", "emergency_department", "§1.1 AAFP 2012"),
    ("progressive foot drop", {**SCIATICA, "leg_weakness": True, "weakness_getting_worse": True}, "emergency", "emergency_department", "§1.3 Chou 2011"),
    ("bilateral new numbness", {**SCIATICA, "both_legs": True, "numbness_is_new": True}, "emergency", "emergency_department", "§1.2 BASS: unilateral became bilateral"),
    ("bilateral weakness", {**SCIATICA, "both_legs": True, "leg_weakness": True}, "emergency", "emergency_department", "§1.2 BNSSG bilateral deficit"),
    ("car crash", {**AXIAL, "recent_major_trauma": True}, "emergency", "emergency_department", "§1.6 BNSSG; §1.8"),
    ("cancer with sciatica", {**SCIATICA, "cancer_history": True}, "emergency", "emergency_department", "§1.5 NICE CG75/NG234"),
    ("cancer with leg weakness", {**AXIAL, "leg_weakness": True, "cancer_history": True}, "emergency", "emergency_department", "§1.5 NICE CG75"),
    ("fever with numbness", {**SCIATICA, "fever": True}, "emergency", "emergency_department", "§1.4 BNSSG"),
    ("new pain in both legs, no numbness", {**AXIAL, "pain_radiates_below_knee": True, "both_legs": True, "both_legs_recent": True}, "emergency", "emergency_department", "§1.2 BASS: sudden-onset bilateral radicular pain; §1.8"),
    ("sciatica spread to the other leg this week", {**SCIATICA, "both_legs": True, "both_legs_recent": True}, "emergency", "emergency_department", "§1.2 BASS: unilateral became bilateral"),
    ("injects drugs, numb leg, no fever", {**SCIATICA, "infection_risk": True}, "emergency", "emergency_department", "§1.4 BNSSG: ED with neurological signs"),
    ("weak immune system, leg weakness", {**AXIAL, "leg_weakness": True, "infection_risk": True}, "emergency", "emergency_department", "§1.4 BNSSG"),
    ("fever alone", {**AXIAL, "fever": True, "age": 40, "duration_weeks": 1}, "urgent", "primary_care", "§1.4; §1.8 fever alone"),
    ("recent infection, no fever, back pain only", {**AXIAL, "infection_risk": True, "age": 40, "duration_weeks": 1}, "urgent", "primary_care", "§1.4 G-Care risk factors; Finucane same day"),
    ("cancer history, back pain only", {**AXIAL, "cancer_history": True, "age": 62}, "urgent", "primary_care", "§1.5 CG75 within 24 h"),
    ("weight loss", {**AXIAL, "unexplained_weight_loss": True, "age": 64}, "urgent", "primary_care", "§1.5 NG12"),
    ("steroids, new pain", {**AXIAL, "osteoporosis_or_steroids": True, "duration_weeks": 2}, "urgent", "primary_care", "§1.6; §1.8"),
    ("osteoporosis, long-standing pain (cautious)", {**AXIAL, "osteoporosis_or_steroids": True, "duration_weeks": 30}, "urgent", "primary_care", "§1.6 Finucane priority referral"),
    ("stable leg weakness", {**SCIATICA, "leg_weakness": True, "weakness_getting_worse": False}, "urgent", "primary_care", "§1.1 AAFP; §1.8 stable weakness"),
    ("new one-sided numbness", {**SCIATICA, "numbness_is_new": True}, "urgent", "primary_care", "article: new numbness, prompt attention"),
    ("long-standing bilateral symptoms", {**SCIATICA, "both_legs": True, "duration_weeks": 30}, "urgent", "primary_care", "§1.2 BASS bilateral leg pain"),
    ("bilateral pain for months, not new", {**AXIAL, "pain_radiates_below_knee": True, "both_legs": True, "duration_weeks": 20}, "urgent", "primary_care", "§1.2 BASS bilateral leg pain (cautious)"),
    ("unsure about saddle numbness", {**AXIAL, "saddle_numbness": None, "bladder_or_bowel_change": False, "new_sexual_dysfunction": False, "age": 30, "duration_weeks": 1, "pain_score": 3}, "urgent", "primary_care", "§1.1 ask directly; §1.2 over-triage accepted"),
    ("sciatica 10 weeks after 8 weeks of physio", {**SCIATICA, "duration_weeks": 10, "tried_conservative_care_weeks": 8, "worse_walking_better_sitting": False}, "specialist", "spine_specialist", "§3.2 ACR Variant 3; §3.5"),
    ("stenosis after 16 weeks of care", {**SCIATICA, "duration_weeks": 40, "tried_conservative_care_weeks": 16, "worse_walking_better_sitting": True, "age": 72}, "specialist", "spine_specialist", "§3.3 Devon 12 weeks; §3.5"),
    ("severe acute sciatica", {**SCIATICA, "duration_weeks": 3, "pain_score": 9}, "specialist", "pain_management", "§3.2 radicular pathway 2-6 weeks; NG59 epidural"),
    ("chronic axial pain after care", {**AXIAL, "age": 50, "duration_weeks": 30, "tried_conservative_care_weeks": 14, "pain_score": 6}, "specialist", "pain_management", "§3.4 NG59 RF denervation; §3.5"),
    ("acute sciatica, moderate", {**SCIATICA, "duration_weeks": 2, "pain_score": 5}, "routine", "primary_care", "§3.2; §3.5 acute sciatica: primary care"),
    ("sciatica 8 weeks, no treatment yet", {**SCIATICA, "duration_weeks": 8, "tried_conservative_care_weeks": 0, "worse_walking_better_sitting": False}, "routine", "primary_care", "§3.2; §3.5"),
    ("neurogenic claudication, early", {**SCIATICA, "duration_weeks": 20, "tried_conservative_care_weeks": 2, "worse_walking_better_sitting": True}, "routine", "physical_therapy", "§3.3 Suri 2010; §3.5"),
    ("inflammatory pattern", {**AXIAL, "age": 28, "duration_weeks": 26, "morning_stiffness_over_30min": True, "tried_conservative_care_weeks": 4}, "routine", "primary_care", "§1.7 NG65"),
    ("older adult, new pain", {**AXIAL, "age": 74, "duration_weeks": 1, "pain_score": 3, "pain_at_night_or_rest": False, "limits_daily_activities": False}, "routine", "primary_care", "§1.8 age 70+; §3.5"),
    ("age 55, new onset", {**AXIAL, "age": 55, "duration_weeks": 2, "pain_score": 3}, "routine", "primary_care", "§1.8 age 50+ new onset"),
    ("child of 12", {**AXIAL, "age": 12, "duration_weeks": 1, "pain_score": 2}, "routine", "primary_care", "references: children-and-teenagers"),
    ("teenager", {**AXIAL, "age": 16, "duration_weeks": 1, "pain_score": 3}, "routine", "primary_care", "§1.5 onset under 20"),
    ("night pain", {**AXIAL, "age": 35, "duration_weeks": 2, "pain_score": 4, "pain_at_night_or_rest": True}, "routine", "primary_care", "§1.8 night pain alone"),
    ("limits daily activities", {**AXIAL, "age": 35, "duration_weeks": 2, "pain_score": 5, "limits_daily_activities": True}, "routine", "primary_care", "article: limiting daily activities"),
    ("severe acute axial pain", {**AXIAL, "age": 30, "duration_weeks": 1, "pain_score": 8}, "routine", "primary_care", "§2.4 severe 7-10; §3.5"),
    ("chronic axial pain, little treatment", {**AXIAL, "age": 48, "duration_weeks": 20, "tried_conservative_care_weeks": 2}, "routine", "physical_therapy", "§3.4 ACP 2017; §3.5 chronic: PT"),
    ("subacute axial pain not settling", {**AXIAL, "age": 48, "duration_weeks": 8}, "routine", "primary_care", "§3.5 self-care, then primary care at 4-6 weeks"),
    ("chronic axial pain, no treatment yet", {**AXIAL, "age": 48, "duration_weeks": 12, "tried_conservative_care_weeks": 0}, "routine", "physical_therapy", "§3.4 ACP 2017 chronic: exercise; §3.5"),
    ("acute mild pain, young", {**AXIAL, "age": 32, "duration_weeks": 1, "pain_score": 4, "pain_at_night_or_rest": False, "limits_daily_activities": False}, "self_care", "primary_care", "§3.4 ACP 2017; §3.5"),
    ("acute moderate pain, 45", {**AXIAL, "age": 45, "duration_weeks": 3, "pain_score": 6, "pain_at_night_or_rest": False, "limits_daily_activities": False}, "self_care", "primary_care", "§3.5 acute non-specific <50"),
    ("first week, age 20", {**AXIAL, "age": 20, "duration_weeks": 0, "pain_score": 2, "pain_at_night_or_rest": False, "limits_daily_activities": False}, "self_care", "primary_care", "§3.4 Henschke 2008 prognosis"),
]


@pytest.mark.parametrize("name,facts,tier,specialist,source", CASES, ids=[c[0] for c in CASES])
def test_clinical_case(name, facts, tier, specialist, source):
    result = assess(facts)
    assert (result["tier"], result["specialist"]) == (tier, specialist), (source, result["reasons"])
    assert len(result["asked"]) <= 10
    assert result["reasons"] and result["disclaimer"]


def test_case_mix_covers_every_tier():
    counts = Counter(c[2] for c in CASES)
    print(f"\nclinical cases: {len(CASES)}; tiers: {dict(counts)}")
    assert len(CASES) >= 30 and set(counts) == {"emergency", "urgent", "specialist", "routine", "self_care"}


def test_emergency_reason_in_own_words():
    result = assess({**SCIATICA, "saddle_numbness": True})
    assert result["asked"] == ["cauda_equina_signs"]
    assert "numbness around your bottom" in result["reasons"][0]
    assert "cauda_equina_warning" in result["patterns"]


def test_self_care_gives_article_tips():
    result = assess(CASES[-1][1])
    assert any("walking" in tip for tip in result["advice"])
    assert result["patterns"] == ["mechanical_or_degenerative"]


def _cli(args, stdin):
    return subprocess.run([sys.executable, "-m", "triage", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


def test_assess_cli_prints_one_json_object():
    out = _cli(["assess"], json.dumps({**SCIATICA, "duration_weeks": 10, "tried_conservative_care_weeks": 8}))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["tier"] == "specialist" and result["asked"][0] == "cauda_equina_signs"
    assert set(result) >= {"tier", "specialist", "patterns", "reasons", "advice", "disclaimer", "asked"}


@pytest.mark.parametrize("stdin,message", [
    ("{not json", "invalid JSON"), ('{"nonsense": true}', "unknown concept"), ('{"fever": "yes"}', "true or false"),
    ('{"age": 4.5}', "whole number"), ('{"pain_score": 11}', "from 0 to 10"), ("[1, 2]", "JSON object"),
    ('{"age": true}', "whole number"),
])
def test_assess_cli_rejects_bad_input(stdin, message):
    out = _cli(["assess"], stdin)
    assert out.returncode == 2 and out.stdout == ""
    assert message in out.stderr and out.stderr.count("\n") == 1


def test_questions_cli():
    out = _cli(["questions"], "")
    data = json.loads(out.stdout)
    assert data[0]["id"] == "cauda_equina_signs" and data[0]["red_flag"] is True
    assert {"id", "concepts", "type", "range", "prompt"} <= set(data[0])


def test_text_mode_scripted_run_reaches_an_outcome():
    answers = "no\nno\nbanana\nno\nno\nno\nthirty two\n1\neleven\n4\nnope\n"
    out = _cli([], answers)
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert any("Sorry, I didn't understand" in line for line in lines)
    assert any("which is not possible for this question" in line for line in lines)
    assert "self-care" in out.stdout and "not a diagnosis" in out.stdout
    assert "\x1b" not in out.stdout  # no colour or cursor codes


def test_text_mode_end_of_input_is_stop():
    out = _cli([], "no\n")
    assert out.returncode == 0 and "Goodbye" in out.stdout


# ---- the cases issue 7 found, each said back as the person said it ----------------------------------
N = [("cauda_equina_signs", False), ("major_trauma", False)]
NO_LEG = N + [("leg_numbness_or_weakness", False), ("pain_below_knee", False)]


def _said(answers):
    from triage.conversation import outcome_for
    outcome = outcome_for(answers)
    return outcome, " ".join([outcome["message"], *outcome["reasons"], *outcome["advice"]])


def test_group_yes_then_denied_members_are_not_named():
    outcome, said = _said(NO_LEG + [("serious_illness_signs", True), ("fever", False), ("cancer_history", False),
                                    ("weight_loss", False)])
    assert "fever" not in said and "cancer" not in said and "infection" not in said
    assert outcome["reasons"][0].startswith("Because you said you have thin bones or take long-term steroids")


def test_today_only_when_there_is_a_sign_of_infection():
    _, said = _said(NO_LEG + [("serious_illness_signs", True), ("fever", False), ("cancer_history", True)])
    assert "today" not in said and "if you have a fever" not in said
    outcome, said = _said(NO_LEG + [("serious_illness_signs", True), ("fever", True)])
    assert outcome["message"].startswith("Please see a doctor today.")


def test_both_legs_new_numbness_not_weak_names_only_the_new_numbness():
    outcome, _ = _said(N + [("leg_numbness_or_weakness", True), ("leg_weakness", False), ("numbness_is_new", True),
                            ("both_legs", True)])
    assert outcome["reasons"] == ["Because you said both legs are affected, with numbness or tingling that is new."]


def test_thirteen_weeks_is_said_once():
    outcome, said = _said(NO_LEG + [("serious_illness_signs", False), ("age", 40), ("duration_weeks", 13),
                                    ("morning_stiffness", False), ("conservative_care_weeks", 2)])
    assert said.count("13 weeks") == 1 and outcome["specialist"] == "physical_therapy"


def test_readme_assess_example_does_not_say_not_sure():
    """The README's own example gives saddle_numbness false and leaves the rest out: nothing was said to
    be unknown, and the saddle numbness was denied, so neither is claimed."""
    readme = (ROOT / "README.md").read_text()
    example = next(line for line in readme.splitlines() if "python -m triage assess" in line and "echo" in line)
    facts = example.split("echo '", 1)[1].split("'", 1)[0]
    out = _cli(["assess"], facts)
    result = json.loads(out.stdout)
    spoken = " ".join(result["reasons"]) + " " + result["speech"]
    assert "You were not sure" not in spoken and "bottom or genitals" not in spoken
    assert "You did not say whether you have new trouble with your bladder or bowels" in result["reasons"][0]
    assert result["tier"] == "urgent"  # not given is still cautious
