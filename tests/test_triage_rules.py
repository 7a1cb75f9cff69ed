"""Tests that pin the rules (issue 7, requirements 7 and 8).

- Every row of the red-flag table in docs/references.md (the project's summary of its clinical
  reference) has a test; every rule sends people only where its own source section says.
- For every rule, a table pins both sides of each threshold (and yes against no) to the tier, whom to
  see, the spoken message and every reason, word for word: a threshold moved by one, a tier lowered
  where another rule happens to cover it, a changed name for a destination, or reasons dropped all fail.
- For every question with a skip condition (`ask_if`), a row where it is asked and one where it is not.
- The three-valued logic: an unknown is never read as "no".
"""
import re
from pathlib import Path

import pytest

from triage import load_questionnaire, load_rules, next_question
from triage.__main__ import assess
from triage.knowledge import UNKNOWN, Knowledge, derive, evaluate
from triage.locales import get_locale
from triage.model import REFERENCES_FILE

from triage_paths import answers_from_facts, outcome_of

NO = {c: False for c in ("saddle_numbness", "bladder_or_bowel_change", "new_sexual_dysfunction", "recent_major_trauma",
                         "leg_weakness", "weakness_getting_worse", "fever", "infection_risk", "cancer_history",
                         "unexplained_weight_loss", "osteoporosis_or_steroids", "both_legs", "both_legs_recent",
                         "numbness_is_new", "pain_at_night_or_rest", "limits_daily_activities",
                         "morning_stiffness_over_30min", "worse_walking_better_sitting")}
AX = {**NO, "leg_numbness_or_tingling": False, "pain_radiates_below_knee": False, "age": 35, "duration_weeks": 1,
      "pain_score": 3}                                    # back pain only, no warning sign: self-care
NUMB = {**AX, "leg_numbness_or_tingling": True}           # numbness or tingling in one leg
KNEE = {**AX, "pain_radiates_below_knee": True}           # pain below the knee in one leg, no numbness

MESSAGES = {  # the first thing said, pinned word for word, with the spoken name of each destination
    ("emergency", "emergency_department"):
        "This could be an emergency. Call 911 or go to the nearest emergency department now. Do not drive yourself.",
    ("urgent", "primary_care"):
        "Please see a doctor within 24 to 48 hours. If things get worse, go to the emergency department.",
    ("specialist", "spine_specialist"): "Please book an appointment with a spine specialist.",
    ("specialist", "pain_management"): "Please book an appointment with a pain management specialist.",
    ("routine", "primary_care"):
        "Please make an appointment with your primary care doctor in the coming days or weeks.",
    ("routine", "physical_therapy"):
        "Please make an appointment with a physical therapist in the coming days or weeks.",
    ("self_care", "primary_care"):
        "It looks safe to start with self-care at home. See your primary care doctor if you are not better in four "
        "to six weeks, or sooner if things get worse.",
}
TODAY = "Please see a doctor today. If things get worse, go to the emergency department."

def _message(facts: dict) -> str:
    """The first thing said (the written form, as in the text front end and the Alexa card)."""
    return get_locale("en-US").render(outcome_of(answers_from_facts(facts))["message"])


# (rule, base facts, changes, tier, whom to see, every reason in order). Rows come in pairs across each
# threshold: the value at which the rule fires and the one beside it where it does not.
RULE_ROWS = [
    ('cauda_equina_signs', AX, {'saddle_numbness': True}, 'emergency', 'emergency_department', [
        'Because you said you have new numbness around your bottom or genitals, new trouble with your bladder or bowels, or a new change in sexual feeling or function.',
    ]),
    ('cauda_equina_signs', AX, {'bladder_or_bowel_change': True}, 'emergency', 'emergency_department', [
        'Because you said you have new numbness around your bottom or genitals, new trouble with your bladder or bowels, or a new change in sexual feeling or function.',
    ]),
    ('cauda_equina_signs', AX, {'new_sexual_dysfunction': True}, 'emergency', 'emergency_department', [
        'Because you said you have new numbness around your bottom or genitals, new trouble with your bladder or bowels, or a new change in sexual feeling or function.',
    ]),
    ('progressive_weakness', AX, {'leg_weakness': True, 'weakness_getting_worse': True}, 'emergency', 'emergency_department', [
        'Because you said the weakness in your leg is getting worse.',
    ]),
    ('progressive_weakness', AX, {'leg_weakness': True}, 'urgent', 'primary_care', [
        'Because you said a leg is weak.',
    ]),
    ('major_trauma', AX, {'recent_major_trauma': True}, 'emergency', 'emergency_department', [
        'Because you said the pain started after a serious accident or fall.',
    ]),
    ('major_trauma', AX, {}, 'self_care', 'primary_care', [
        'Because you did not report any warning signs, and your pain is recent and not severe.',
    ]),
    ('both_legs_new_or_weak', NUMB, {'both_legs': True, 'numbness_is_new': True}, 'emergency', 'emergency_department', [
        'Because you said both legs are affected, with numbness or tingling that is new.',
    ]),
    ('both_legs_new_or_weak', KNEE, {'both_legs': True, 'both_legs_recent': True}, 'emergency', 'emergency_department', [
        'Because you said both legs are affected, with symptoms that began within the last two weeks.',
    ]),
    ('both_legs_new_or_weak', NUMB, {'both_legs': True, 'leg_weakness': True}, 'emergency', 'emergency_department', [
        'Because you said both legs are affected, with weakness in a leg.',
    ]),
    ('both_legs', KNEE, {'both_legs': True}, 'urgent', 'primary_care', [
        'Because you said both legs are affected, which can be an early warning of pressure on the nerves.',
    ]),
    ('new_numbness', NUMB, {'numbness_is_new': True}, 'urgent', 'primary_care', [
        'Because you said your numbness or tingling is new.',
    ]),
    ('cancer_with_leg_symptoms', KNEE, {'cancer_history': True}, 'emergency', 'emergency_department', [
        'Because you said you have had cancer, and you have pain that travels below the knee.',
    ]),
    ('cancer_history', AX, {'cancer_history': True}, 'urgent', 'primary_care', [
        'Because you said you have had cancer; tell your cancer team or doctor about this pain within 24 hours.',
    ]),
    ('infection_signs_with_nerve_symptoms', NUMB, {'fever': True}, 'emergency', 'emergency_department', [
        'Because you said you have a fever or chills, or a higher risk of infection, and numbness or tingling in a leg.',
    ]),
    ('infection_signs_with_nerve_symptoms', NUMB, {'infection_risk': True}, 'emergency', 'emergency_department', [
        'Because you said you have a fever or chills, or a higher risk of infection, and numbness or tingling in a leg.',
    ]),
    ('infection_signs', KNEE, {'fever': True}, 'urgent', 'primary_care', [
        'Because you said you have a fever or chills, or a higher risk of infection; an infection of the spine needs to be ruled out today.',
    ]),
    ('infection_signs', AX, {'infection_risk': True}, 'urgent', 'primary_care', [
        'Because you said you have a fever or chills, or a higher risk of infection; an infection of the spine needs to be ruled out today.',
    ]),
    ('unexplained_weight_loss', AX, {'unexplained_weight_loss': True}, 'urgent', 'primary_care', [
        'Because you said you have lost weight without trying.',
    ]),
    ('bone_fragility', AX, {'osteoporosis_or_steroids': True}, 'urgent', 'primary_care', [
        'Because you said you have thin bones or take long-term steroids, which make a spinal fracture more likely; we suggest being checked soon even if the pain is not new, to be safe.',
    ]),
    ('serious_illness_signs', AX, {'unexplained_weight_loss': None, 'osteoporosis_or_steroids': True}, 'urgent', 'primary_care', [
        'Because you said you have weight loss without trying, or thin bones or long-term steroid use.',
        'You were not sure about weight loss without trying. A clinician should check those points; when unsure, this check errs on the side of caution.',
    ]),
    ('stable_leg_weakness', AX, {'leg_weakness': True}, 'urgent', 'primary_care', [
        'Because you said a leg is weak.',
    ]),
    ('stenosis_features', KNEE, {'duration_weeks': 8, 'tried_conservative_care_weeks': 0, 'worse_walking_better_sitting': True}, 'routine', 'physical_therapy', [
        'Because you said walking makes your legs worse and sitting or bending forward helps.',
        'Because you said you have pain that travels below the knee.',
        'Because you said you have had this pain for 8 weeks; pain that has not settled in four to six weeks is worth a check.',
    ]),
    ('nerve_root_symptoms', NUMB, {}, 'routine', 'primary_care', [
        'Because you said you have numbness or tingling in a leg.',
    ]),
    ('nerve_root_symptoms', KNEE, {}, 'routine', 'primary_care', [
        'Because you said you have pain that travels below the knee.',
    ]),
    ('night_pain_or_limits', AX, {'pain_at_night_or_rest': True}, 'routine', 'primary_care', [
        'Because you said you have pain at night or at rest, or pain that stops your daily activities.',
    ]),
    ('night_pain_or_limits', AX, {'limits_daily_activities': True}, 'routine', 'primary_care', [
        'Because you said you have pain at night or at rest, or pain that stops your daily activities.',
    ]),
    ('night_pain_or_limits', AX, {}, 'self_care', 'primary_care', [
        'Because you did not report any warning signs, and your pain is recent and not severe.',
    ]),
    ('persistent_sciatica', KNEE, {'duration_weeks': 6, 'tried_conservative_care_weeks': 6}, 'specialist', 'spine_specialist', [
        'Because you said your leg symptoms have lasted 6 weeks despite 6 weeks of treatment.',
    ]),
    ('persistent_sciatica', KNEE, {'duration_weeks': 5, 'pain_score': 4}, 'routine', 'primary_care', [
        'Because you said you have pain that travels below the knee.',
    ]),
    ('persistent_sciatica', KNEE, {'duration_weeks': 6, 'tried_conservative_care_weeks': 5}, 'routine', 'primary_care', [
        'Because you said you have pain that travels below the knee.',
        'Because you said you have had this pain for 6 weeks; pain that has not settled in four to six weeks is worth a check.',
    ]),
    ('stenosis_after_conservative_care', KNEE, {'duration_weeks': 20, 'tried_conservative_care_weeks': 12, 'worse_walking_better_sitting': True}, 'specialist', 'spine_specialist', [
        'Because you said your leg symptoms have lasted 20 weeks despite 12 weeks of treatment.',
        'Because you said walking makes your legs worse and sitting helps, even after months of treatment.',
    ]),
    ('stenosis_after_conservative_care', KNEE, {'duration_weeks': 20, 'tried_conservative_care_weeks': 11, 'worse_walking_better_sitting': True}, 'specialist', 'spine_specialist', [
        'Because you said your leg symptoms have lasted 20 weeks despite 11 weeks of treatment.',
    ]),
    ('severe_acute_sciatica', KNEE, {'duration_weeks': 2, 'pain_score': 8}, 'specialist', 'pain_management', [
        'Because you said your leg pain is 8 out of 10 after 2 weeks.',
    ]),
    ('severe_acute_sciatica', KNEE, {'duration_weeks': 1, 'pain_score': 8}, 'routine', 'primary_care', [
        'Because you said you have pain that travels below the knee.',
        'Because you said your pain is 8 out of 10, which is severe.',
    ]),
    ('severe_acute_sciatica', KNEE, {'duration_weeks': 5, 'pain_score': 8}, 'specialist', 'pain_management', [
        'Because you said your leg pain is 8 out of 10 after 5 weeks.',
    ]),
    ('severe_acute_sciatica', KNEE, {'duration_weeks': 6, 'pain_score': 8, 'tried_conservative_care_weeks': 0}, 'routine', 'primary_care', [
        'Because you said you have pain that travels below the knee.',
        'Because you said you have had this pain for 6 weeks; pain that has not settled in four to six weeks is worth a check.',
    ]),
    ('severe_acute_sciatica', KNEE, {'duration_weeks': 3, 'pain_score': 7}, 'routine', 'primary_care', [
        'Because you said you have pain that travels below the knee.',
        'Because you said your pain is 7 out of 10, which is severe.',
    ]),
    ('chronic_back_pain_after_treatment', AX, {'age': 50, 'duration_weeks': 12, 'tried_conservative_care_weeks': 12, 'pain_score': 5}, 'specialist', 'pain_management', [
        'Because you said your pain is 5 out of 10 after 12 weeks, despite 12 weeks of treatment.',
    ]),
    ('chronic_back_pain_after_treatment', AX, {'age': 50, 'duration_weeks': 12, 'tried_conservative_care_weeks': 12, 'pain_score': 4}, 'routine', 'physical_therapy', [
        'Because you said you have had this pain for 12 weeks; for long-lasting back pain, exercise with a physical therapist helps most.',
    ]),
    ('chronic_back_pain_after_treatment', AX, {'age': 50, 'duration_weeks': 12, 'tried_conservative_care_weeks': 11, 'pain_score': 5}, 'routine', 'physical_therapy', [
        'Because you said you have had this pain for 12 weeks; for long-lasting back pain, exercise with a physical therapist helps most.',
    ]),
    ('chronic_back_pain_after_treatment', AX, {'age': 50, 'duration_weeks': 11, 'tried_conservative_care_weeks': 12, 'pain_score': 5}, 'routine', 'primary_care', [
        'Because you said you have had this pain for 11 weeks; pain that has not settled in four to six weeks is worth a check.',
    ]),
    ('child', AX, {'age': 15}, 'routine', 'primary_care', [
        "Because you said you are 15; this check is for adults, and back pain in children and young teenagers needs a doctor's check.",
    ]),
    ('child', AX, {'age': 16}, 'routine', 'primary_care', [
        'Because you said you are 16; back pain that starts before age twenty should be checked by a doctor.',
    ]),
    ('inflammatory_features', AX, {'age': 44, 'duration_weeks': 12, 'morning_stiffness_over_30min': True, 'tried_conservative_care_weeks': 0}, 'routine', 'primary_care', [
        'Because you said you are 44, have had pain for 12 weeks, and are stiff for more than half an hour in the morning; ask your doctor whether a rheumatologist should see you.',
    ]),
    ('inflammatory_features', AX, {'age': 45, 'duration_weeks': 12, 'morning_stiffness_over_30min': True, 'tried_conservative_care_weeks': 0}, 'routine', 'physical_therapy', [
        'Because you said you have had this pain for 12 weeks; for long-lasting back pain, exercise with a physical therapist helps most.',
    ]),
    ('inflammatory_features', AX, {'age': 44, 'duration_weeks': 11, 'morning_stiffness_over_30min': True}, 'routine', 'primary_care', [
        'Because you said you have had this pain for 11 weeks; pain that has not settled in four to six weeks is worth a check.',
    ]),
    ('older_age', AX, {'age': 70, 'duration_weeks': 6}, 'routine', 'primary_care', [
        'Because you said you are 70; at that age back pain is worth checking with a doctor.',
        'Because you said you have had this pain for 6 weeks; pain that has not settled in four to six weeks is worth a check.',
    ]),
    ('older_age', AX, {'age': 69, 'duration_weeks': 6}, 'routine', 'primary_care', [
        'Because you said you have had this pain for 6 weeks; pain that has not settled in four to six weeks is worth a check.',
    ]),
    ('older_age', AX, {'age': 50, 'duration_weeks': 5}, 'routine', 'primary_care', [
        'Because you said you are 50; at that age back pain is worth checking with a doctor.',
    ]),
    ('older_age', AX, {'age': 49, 'duration_weeks': 5}, 'self_care', 'primary_care', [
        'Because you did not report any warning signs, and your pain is recent and not severe.',
    ]),
    ('older_age', AX, {'age': 50, 'duration_weeks': 6}, 'routine', 'primary_care', [
        'Because you said you have had this pain for 6 weeks; pain that has not settled in four to six weeks is worth a check.',
    ]),
    ('young_age', AX, {'age': 19}, 'routine', 'primary_care', [
        'Because you said you are 19; back pain that starts before age twenty should be checked by a doctor.',
    ]),
    ('young_age', AX, {'age': 20}, 'self_care', 'primary_care', [
        'Because you did not report any warning signs, and your pain is recent and not severe.',
    ]),
    ('severe_pain', AX, {'pain_score': 7}, 'routine', 'primary_care', [
        'Because you said your pain is 7 out of 10, which is severe.',
    ]),
    ('severe_pain', AX, {'pain_score': 6}, 'self_care', 'primary_care', [
        'Because you did not report any warning signs, and your pain is recent and not severe.',
    ]),
    ('chronic_pain', AX, {'age': 46, 'duration_weeks': 12, 'tried_conservative_care_weeks': 0}, 'routine', 'physical_therapy', [
        'Because you said you have had this pain for 12 weeks; for long-lasting back pain, exercise with a physical therapist helps most.',
    ]),
    ('chronic_pain', AX, {'age': 46, 'duration_weeks': 11}, 'routine', 'primary_care', [
        'Because you said you have had this pain for 11 weeks; pain that has not settled in four to six weeks is worth a check.',
    ]),
    ('not_settling', AX, {'duration_weeks': 6}, 'routine', 'primary_care', [
        'Because you said you have had this pain for 6 weeks; pain that has not settled in four to six weeks is worth a check.',
    ]),
    ('not_settling', AX, {'duration_weeks': 11}, 'routine', 'primary_care', [
        'Because you said you have had this pain for 11 weeks; pain that has not settled in four to six weeks is worth a check.',
    ]),
    ('not_settling', AX, {'duration_weeks': 5}, 'self_care', 'primary_care', [
        'Because you did not report any warning signs, and your pain is recent and not severe.',
    ]),
]


@pytest.mark.parametrize("rule_id,base,changes,tier,specialist,reasons", RULE_ROWS,
                         ids=[f"{r[0]}-{'-'.join(f'{k}={v}' for k, v in r[2].items()) or 'none'}" for r in RULE_ROWS])
def test_rule_thresholds_pin_tier_destination_and_reasons(rule_id, base, changes, tier, specialist, reasons):
    result = assess({**base, **changes})
    assert (result["tier"], result["specialist"]) == (tier, specialist), result["reasons"]
    assert result["reasons"] == reasons
    expected = TODAY if "ruled out today" in reasons[0] else MESSAGES[(tier, specialist)]
    assert _message({**base, **changes}) == expected


def test_every_rule_has_rows_on_both_sides():
    """Each rule fires in some row, and each rule with a threshold also has a row where it does not."""
    rules = load_rules().rules
    rows_by_rule: dict[str, list] = {}
    for row in RULE_ROWS:
        rows_by_rule.setdefault(row[0], []).append(row)
    assert set(rows_by_rule) == {r.id for r in rules}
    for rule in rules:
        fired = [assess({**row[1], **row[2]})["rules_fired"] for row in rows_by_rule[rule.id]]
        assert any(rule.id in f for f in fired), rule.id
        if '"num"' in str(rule.when).replace("'", '"'):
            assert any(rule.id not in f for f in fired), f"{rule.id}: no row on the other side of its threshold"


# Each rule's tier and whom it sends to, pinned: a tier lowered where another rule happens to give the same
# outcome (serious_illness_signs covers cancer_history) still fails here.
RULE_TIERS = {
    "cauda_equina_signs": ("emergency", "emergency_department"),
    "progressive_weakness": ("emergency", "emergency_department"),
    "major_trauma": ("emergency", "emergency_department"),
    "both_legs_new_or_weak": ("emergency", "emergency_department"),
    "cancer_with_leg_symptoms": ("emergency", "emergency_department"),
    "infection_signs_with_nerve_symptoms": ("emergency", "emergency_department"),
    "infection_signs": ("urgent", "primary_care"),
    "cancer_history": ("urgent", "primary_care"),
    "unexplained_weight_loss": ("urgent", "primary_care"),
    "bone_fragility": ("urgent", "primary_care"),
    "serious_illness_signs": ("urgent", "primary_care"),
    "stable_leg_weakness": ("urgent", "primary_care"),
    "both_legs": ("urgent", "primary_care"),
    "new_numbness": ("urgent", "primary_care"),
    "persistent_sciatica": ("specialist", "spine_specialist"),
    "stenosis_after_conservative_care": ("specialist", "spine_specialist"),
    "severe_acute_sciatica": ("specialist", "pain_management"),
    "chronic_back_pain_after_treatment": ("specialist", "pain_management"),
    "child": ("routine", "primary_care"),
    "inflammatory_features": ("routine", "primary_care"),
    "stenosis_features": ("routine", "physical_therapy"),
    "nerve_root_symptoms": ("routine", "primary_care"),
    "older_age": ("routine", "primary_care"),
    "young_age": ("routine", "primary_care"),
    "severe_pain": ("routine", "primary_care"),
    "night_pain_or_limits": ("routine", "primary_care"),
    "chronic_pain": ("routine", "physical_therapy"),
    "not_settling": ("routine", "primary_care"),
}


def test_each_rule_keeps_its_tier_and_destination():
    assert {r.id: (r.tier, r.specialist) for r in load_rules().rules} == RULE_TIERS


# ---- the red-flag table, a test per row ------------------------------------------------------------
RED_FLAG_ROWS = [
    # (row of the table, facts, tier, a rule that must fire)
    ("numbness around the bottom", {**NUMB, "saddle_numbness": True}, "emergency", "cauda_equina_signs"),
    ("new bladder or bowel trouble", {**AX, "bladder_or_bowel_change": True}, "emergency", "cauda_equina_signs"),
    ("new sexual dysfunction", {**AX, "new_sexual_dysfunction": True}, "emergency", "cauda_equina_signs"),
    ("weakness getting worse", {**NUMB, "leg_weakness": True, "weakness_getting_worse": True}, "emergency",
     "progressive_weakness"),
    ("both legs, pain alone, began within two weeks", {**KNEE, "both_legs": True, "both_legs_recent": True},
     "emergency", "both_legs_new_or_weak"),
    ("both legs, one-sided pain spread to both this week (old numbness)",
     {**NUMB, "both_legs": True, "both_legs_recent": True}, "emergency", "both_legs_new_or_weak"),
    ("both legs, new numbness", {**NUMB, "both_legs": True, "numbness_is_new": True}, "emergency",
     "both_legs_new_or_weak"),
    ("a serious accident or fall", {**AX, "recent_major_trauma": True}, "emergency", "major_trauma"),
    ("cancer with radiating leg pain", {**KNEE, "cancer_history": True}, "emergency", "cancer_with_leg_symptoms"),
    ("cancer with leg numbness", {**NUMB, "cancer_history": True}, "emergency", "cancer_with_leg_symptoms"),
    ("cancer with leg weakness", {**AX, "leg_weakness": True, "cancer_history": True}, "emergency",
     "cancer_with_leg_symptoms"),
    ("fever with leg numbness", {**NUMB, "fever": True}, "emergency", "infection_signs_with_nerve_symptoms"),
    ("fever with leg weakness", {**AX, "leg_weakness": True, "fever": True}, "emergency",
     "infection_signs_with_nerve_symptoms"),
    ("infection risk, no fever, with leg numbness", {**NUMB, "infection_risk": True}, "emergency",
     "infection_signs_with_nerve_symptoms"),
    ("fever alone: today", {**AX, "fever": True}, "urgent", "infection_signs"),
    ("infection risk alone, no fever: today", {**AX, "infection_risk": True}, "urgent", "infection_signs"),
    ("cancer without leg symptoms: within 24 hours", {**AX, "cancer_history": True}, "urgent", "cancer_history"),
    ("weight loss without trying", {**AX, "unexplained_weight_loss": True}, "urgent", "unexplained_weight_loss"),
    ("thin bones or steroids, new pain", {**AX, "osteoporosis_or_steroids": True, "duration_weeks": 2}, "urgent",
     "bone_fragility"),
    ("stable leg weakness", {**NUMB, "leg_weakness": True}, "urgent", "stable_leg_weakness"),
    ("long morning stiffness (inflammatory pattern)",
     {**AX, "age": 30, "duration_weeks": 20, "morning_stiffness_over_30min": True, "tried_conservative_care_weeks": 0},
     "routine", "inflammatory_features"),
    ("age 70 or more", {**AX, "age": 70}, "routine", "older_age"),
    ("age 50 or more with new pain", {**AX, "age": 55, "duration_weeks": 2}, "routine", "older_age"),
    ("pain at night or at rest alone", {**AX, "pain_at_night_or_rest": True}, "routine", "night_pain_or_limits"),
]


@pytest.mark.parametrize("row,facts,tier,rule_id", RED_FLAG_ROWS, ids=[r[0] for r in RED_FLAG_ROWS])
def test_red_flag_table_row(row, facts, tier, rule_id):
    result = assess(facts)
    assert result["tier"] == tier and rule_id in result["rules_fired"], result
    if tier == "emergency":
        assert result["specialist"] == "emergency_department" and result["asked"], result
    if "today" in row:
        assert _message(facts) == TODAY
    if "24 hours" in row:
        assert "within 24 hours" in result["reasons"][0]


def test_the_red_flag_table_in_the_references_names_only_real_rules():
    text = REFERENCES_FILE.read_text()
    table = text[text.index("## Red-flag summary"):text.index("## Cauda equina")]
    named = set(re.findall(r"\| `([a-z_]+)` \|", table))
    assert named <= {r.id for r in load_rules().rules}
    assert named == {row[3] for row in RED_FLAG_ROWS}


# ---- every rule sends people where its own source says ----------------------------------------------
def _sends_to() -> dict[str, set[tuple[str, str]]]:
    sections: dict[str, set[tuple[str, str]]] = {}
    anchor = ""
    for line in Path(REFERENCES_FILE).read_text().splitlines():
        if line.startswith("## "):
            anchor = re.sub(r"[^a-z0-9 -]", "", line[3:].strip().lower()).replace(" ", "-")
        elif line.startswith("**Sends to:**"):
            sections[anchor] = set(re.findall(r"`([a-z_]+)` → `([a-z_]+)`", line))
    return sections


def test_every_rule_sends_people_where_its_source_says():
    sends_to = _sends_to()
    rules = load_rules()
    for rule in (*rules.rules, rules.default):
        anchor = rule.source.split("#", 1)[1]
        assert (rule.tier, rule.specialist) in sends_to[anchor], (rule.id, anchor, sends_to[anchor])


def test_a_rule_sent_elsewhere_than_its_source_says_is_caught():
    """The issue's example: a rule citing physical therapy must not send to primary care."""
    sends_to = _sends_to()
    assert ("routine", "primary_care") not in sends_to["spinal-stenosis"]
    assert ("routine", "physical_therapy") not in sends_to["pain-not-settling"]


# ---- skip conditions: each question asked, and not asked --------------------------------------------
N = [("cauda_equina_signs", False), ("major_trauma", False)]
LEG_NO = N + [("leg_numbness_or_weakness", False)]
NO_LEG = LEG_NO + [("pain_below_knee", False)]
NUMB_ONLY = N + [("leg_numbness_or_weakness", True), ("leg_weakness", False), ("numbness_is_new", False)]
KNEE_ONLY = LEG_NO + [("pain_below_knee", True), ("both_legs", False)]

SKIP_ROWS = [
    # (question, answers so far, the question asked next)
    ("leg_weakness", N + [("leg_numbness_or_weakness", True)], "leg_weakness"),
    ("leg_weakness", N + [("leg_numbness_or_weakness", UNKNOWN)], "leg_weakness"),
    ("leg_weakness", LEG_NO, "pain_below_knee"),
    ("weakness_getting_worse", N + [("leg_numbness_or_weakness", True), ("leg_weakness", True)],
     "weakness_getting_worse"),
    ("weakness_getting_worse", N + [("leg_numbness_or_weakness", True), ("leg_weakness", False)], "numbness_is_new"),
    ("weakness_getting_worse", N + [("leg_numbness_or_weakness", UNKNOWN), ("leg_weakness", UNKNOWN)],
     "pain_below_knee"),
    ("numbness_is_new", N + [("leg_numbness_or_weakness", True), ("leg_weakness", False)], "numbness_is_new"),
    ("numbness_is_new", N + [("leg_numbness_or_weakness", True), ("leg_weakness", True),
                             ("weakness_getting_worse", False)], "both_legs"),
    ("pain_below_knee", LEG_NO, "pain_below_knee"),
    ("pain_below_knee", NUMB_ONLY, "both_legs"),
    ("both_legs", LEG_NO + [("pain_below_knee", True)], "both_legs"),
    ("both_legs", NUMB_ONLY, "both_legs"),
    ("both_legs", N + [("leg_numbness_or_weakness", True), ("leg_weakness", True), ("weakness_getting_worse", False)],
     "both_legs"),
    ("both_legs", NO_LEG, "serious_illness_signs"),
    ("both_legs_recent", LEG_NO + [("pain_below_knee", True), ("both_legs", True)], "both_legs_recent"),
    ("both_legs_recent", KNEE_ONLY, "serious_illness_signs"),
    ("both_legs_recent", LEG_NO + [("pain_below_knee", True), ("both_legs", UNKNOWN)], "serious_illness_signs"),
    ("fever", NO_LEG + [("serious_illness_signs", True)], "fever"),
    ("fever", NO_LEG + [("serious_illness_signs", False)], "age"),
    ("cancer_history", NO_LEG + [("serious_illness_signs", True), ("fever", False)], "cancer_history"),
    ("cancer_history", KNEE_ONLY + [("serious_illness_signs", True), ("fever", True)], "cancer_history"),
    ("cancer_history", NO_LEG + [("serious_illness_signs", True), ("fever", True)], None),
    ("weight_loss", NO_LEG + [("serious_illness_signs", True), ("fever", False), ("cancer_history", False)],
     "weight_loss"),
    ("weight_loss", KNEE_ONLY + [("serious_illness_signs", True), ("fever", False), ("cancer_history", False)], None),
    ("weight_loss", NO_LEG + [("serious_illness_signs", True), ("fever", False), ("cancer_history", True)], None),
    ("age", NO_LEG + [("serious_illness_signs", False)], "age"),
    ("age", KNEE_ONLY + [("serious_illness_signs", False)], "duration_weeks"),
    ("morning_stiffness", NO_LEG + [("serious_illness_signs", False), ("age", 44), ("duration_weeks", 12)],
     "morning_stiffness"),
    ("morning_stiffness", NO_LEG + [("serious_illness_signs", False), ("age", 45), ("duration_weeks", 12)],
     "conservative_care_weeks"),
    ("morning_stiffness", NO_LEG + [("serious_illness_signs", False), ("age", 44), ("duration_weeks", 11)], None),
    ("conservative_care_weeks", KNEE_ONLY + [("serious_illness_signs", False), ("duration_weeks", 6)],
     "conservative_care_weeks"),
    ("conservative_care_weeks", KNEE_ONLY + [("serious_illness_signs", False), ("duration_weeks", 5)], "pain_score"),
    ("conservative_care_weeks", NO_LEG + [("serious_illness_signs", False), ("age", 45), ("duration_weeks", 12)],
     "conservative_care_weeks"),
    ("conservative_care_weeks", NO_LEG + [("serious_illness_signs", False), ("age", 45), ("duration_weeks", 11)],
     None),
    ("worse_walking_better_sitting", KNEE_ONLY + [("serious_illness_signs", False), ("duration_weeks", 6),
                                                  ("conservative_care_weeks", 0)], "worse_walking_better_sitting"),
    ("worse_walking_better_sitting", NO_LEG + [("serious_illness_signs", False), ("age", 45), ("duration_weeks", 12),
                                               ("conservative_care_weeks", 0)], None),
    ("pain_score", NO_LEG + [("serious_illness_signs", False), ("age", 30), ("duration_weeks", 1)], "pain_score"),
    ("pain_score", NO_LEG + [("serious_illness_signs", False), ("age", 30), ("duration_weeks", 6)], None),
    ("pain_score", NO_LEG + [("serious_illness_signs", False), ("age", 45), ("duration_weeks", 12),
                             ("conservative_care_weeks", 12)], "pain_score"),
    ("pain_score", NO_LEG + [("serious_illness_signs", False), ("age", 45), ("duration_weeks", 12),
                             ("conservative_care_weeks", 11)], None),
    ("pain_score", KNEE_ONLY + [("serious_illness_signs", False), ("duration_weeks", 5)], "pain_score"),
    ("daily_impact", NO_LEG + [("serious_illness_signs", False), ("age", 30), ("duration_weeks", 1), ("pain_score", 6)],
     "daily_impact"),
    ("daily_impact", NO_LEG + [("serious_illness_signs", False), ("age", 30), ("duration_weeks", 1), ("pain_score", 7)],
     None),
    ("child ends the questions", NO_LEG + [("serious_illness_signs", False), ("age", 15)], None),
    ("child ends the questions", NO_LEG + [("serious_illness_signs", False), ("age", 16)], "duration_weeks"),
]


@pytest.mark.parametrize("question,answers,expected", SKIP_ROWS,
                         ids=[f"{r[0]}-{'asked' if r[0] == r[2] else 'not asked'}-{i}" for i, r in enumerate(SKIP_ROWS)])
def test_skip_condition(question, answers, expected):
    following = next_question(answers)
    assert (following.id if following else None) == expected


def test_every_skip_condition_has_an_asked_and_a_not_asked_row():
    with_skip = {q.id for q in load_questionnaire().questions.values() if q.ask_if is not None}
    asked = {r[0] for r in SKIP_ROWS if r[0] == r[2]}
    not_asked = {r[0] for r in SKIP_ROWS if r[0] != r[2]}
    assert with_skip <= asked and with_skip <= not_asked, (with_skip - asked, with_skip - not_asked)


# ---- three-valued logic: an unknown is never a "no" --------------------------------------------------
def _k(**values) -> Knowledge:
    k = Knowledge(values={c: v for c, v in values.items() if v is not None})
    k.dont_know = {c for c, v in values.items() if v is None}
    return k


@pytest.mark.parametrize("expr,values,expected", [
    ({"yes": "fever"}, {"fever": None}, None),
    ({"yes": "fever"}, {"fever": False}, False),
    ({"not": {"yes": "fever"}}, {"fever": None}, None),
    ({"any_yes": ["fever", "cancer_history"]}, {"fever": False, "cancer_history": None}, None),
    ({"any_yes": ["fever", "cancer_history"]}, {"fever": None, "cancer_history": True}, True),
    ({"any_yes": ["fever", "cancer_history"]}, {"fever": False, "cancer_history": False}, False),
    ({"all": [{"yes": "fever"}, {"yes": "cancer_history"}]}, {"fever": True, "cancer_history": None}, None),
    ({"all": [{"yes": "fever"}, {"yes": "cancer_history"}]}, {"fever": False, "cancer_history": None}, False),
    ({"any": [{"yes": "fever"}, {"yes": "cancer_history"}]}, {"fever": False, "cancer_history": None}, None),
    ({"any": [{"yes": "fever"}, {"yes": "cancer_history"}]}, {"fever": None, "cancer_history": True}, True),
    ({"num": "age", "gte": 50}, {"age": None}, None),
    ({"not": {"num": "age", "lt": 45}}, {"age": None}, None),
    ({"known": {"yes": "fever"}}, {"fever": None}, False),
])
def test_three_valued_logic(expr, values, expected):
    assert evaluate(expr, _k(**values)) is expected


def test_dont_know_to_cancer_still_asks_the_cancer_question():
    """The issue's mutation: an unknown read as "no" left the cancer question unasked on 1,032 paths."""
    answers = NO_LEG + [("serious_illness_signs", UNKNOWN), ("fever", UNKNOWN)]
    assert next_question(answers).id == "cancer_history"
    k = derive(load_questionnaire(), answers + [("cancer_history", UNKNOWN)])
    assert evaluate({"yes": "cancer_history"}, k) is None
