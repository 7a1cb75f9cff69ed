"""The committed interaction model and manifest: generated from the answer-word data, and within
the rules the Alexa developer console enforces when the model is built."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from interaction_model.generate import (
    LOCALES,
    MODEL_PATH,
    NUMBER_INTENT,
    build_model,
    main,
    model_path,
    normalize_sample,
    render,
)
from triage.parsing import interpret, parse_command, parse_number, parse_yes_no
from triage.vocabulary import command_phrases, dont_know_phrases, no_phrases, number_carriers, yes_phrases

REPO_ROOT = Path(__file__).resolve().parent.parent
MANIFEST_PATH = REPO_ROOT / "skill.json"

REQUIRED_BUILTINS = {
    "AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent",
    "AMAZON.NavigateHomeIntent", "AMAZON.FallbackIntent",
}
WANTED_INTENTS = REQUIRED_BUILTINS | {
    "StartAssessmentIntent", "AMAZON.YesIntent", "AMAZON.NoIntent", NUMBER_INTENT,
    "DontKnowIntent", "AMAZON.RepeatIntent", "AMAZON.StartOverIntent", "AMAZON.PreviousIntent",
    "SummaryIntent",
}
# Built-ins whose matching Alexa does itself; the console accepts them without samples.
SAMPLELESS_OK = {"AMAZON.NavigateHomeIntent", "AMAZON.FallbackIntent"}
# A subset of the console's built-in slot types; the model needs only NUMBER.
BUILTIN_SLOT_TYPES = {"AMAZON.NUMBER", "AMAZON.DURATION", "AMAZON.DATE", "AMAZON.SearchQuery"}
SAMPLE_CHARS = re.compile(r"^[A-Za-z'. {}]+$")
SLOT_REF = re.compile(r"\{([^{}]*)\}")


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    return json.loads(MODEL_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def language_model(committed: dict[str, Any]) -> dict[str, Any]:
    return committed["interactionModel"]["languageModel"]


def _intents(language_model: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {intent["name"]: intent for intent in language_model["intents"]}


def test_committed_model_is_what_the_data_generates(committed: dict[str, Any]) -> None:
    assert committed == build_model()
    assert MODEL_PATH.read_text(encoding="utf-8") == render(build_model())


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_has_its_committed_model(locale: str) -> None:
    assert model_path(locale).read_text(encoding="utf-8") == render(build_model())


def test_english_locales_are_the_five_published() -> None:
    assert set(LOCALES) == {"en-US", "en-CA", "en-GB", "en-AU", "en-IN"}


@pytest.mark.parametrize("stale_locale", LOCALES)
def test_check_mode_reports_a_stale_model_in_any_locale(tmp_path: Path, stale_locale: str) -> None:
    assert main(["--output-dir", str(tmp_path)]) == 0
    assert main(["--check", "--output-dir", str(tmp_path)]) == 0
    model_path(stale_locale, tmp_path).write_text("{}\n", encoding="utf-8")
    assert main(["--check", "--output-dir", str(tmp_path)]) == 1
    model_path(stale_locale, tmp_path).unlink()
    assert main(["--check", "--output-dir", str(tmp_path)]) == 1
    assert main(["--check"]) == 0


def test_invocation_name_follows_the_console_rules(language_model: dict[str, Any]) -> None:
    name = language_model["invocationName"]
    assert name == "spine check"
    assert name == name.lower()
    assert re.fullmatch(r"[a-z]+( [a-z]+)+", name), "letters and single spaces, two words or more"
    assert not {"alexa", "amazon", "echo", "skill", "app", "launch", "ask", "open"} & set(name.split())


def test_all_wanted_intents_are_there(language_model: dict[str, Any]) -> None:
    assert WANTED_INTENTS <= set(_intents(language_model))
    assert len(language_model["intents"]) == len(_intents(language_model)), "duplicate intent"


def test_no_sample_is_shared_between_intents(language_model: dict[str, Any]) -> None:
    owner: dict[str, str] = {}
    for intent in language_model["intents"]:
        for sample in intent["samples"]:
            key = normalize_sample(sample)
            assert owner.setdefault(key, intent["name"]) == intent["name"], (
                f"{sample!r} is in {owner[key]} and {intent['name']}")


def test_no_sample_repeats_within_an_intent(language_model: dict[str, Any]) -> None:
    for intent in language_model["intents"]:
        keys = [normalize_sample(s) for s in intent["samples"]]
        assert len(keys) == len(set(keys)), intent["name"]


def test_samples_use_only_allowed_characters(language_model: dict[str, Any]) -> None:
    for intent in language_model["intents"]:
        for sample in intent["samples"]:
            assert SAMPLE_CHARS.match(sample), f"{intent['name']}: {sample!r}"
            assert sample == sample.strip() and "  " not in sample


def test_every_slot_referenced_is_declared_with_a_valid_type(language_model: dict[str, Any]) -> None:
    custom_types = {t["name"] for t in language_model.get("types", [])}
    for intent in language_model["intents"]:
        declared = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        for slot_type in declared.values():
            assert slot_type in BUILTIN_SLOT_TYPES or slot_type in custom_types, slot_type
        used: set[str] = set()
        for sample in intent["samples"]:
            refs = SLOT_REF.findall(sample)
            assert sample.count("{") == sample.count("}") == len(refs), sample
            for ref in refs:
                assert ref in declared, f"{intent['name']}: {{{ref}}} is not declared"
                used.add(ref)
        assert used == set(declared), f"{intent['name']} declares slots it never uses"


def test_custom_slot_types_have_values(language_model: dict[str, Any]) -> None:
    for slot_type in language_model["types"]:
        values = [v["name"]["value"] for v in slot_type["values"]]
        assert values and len(values) == len(set(values))


def test_no_custom_intent_is_empty(language_model: dict[str, Any]) -> None:
    for intent in language_model["intents"]:
        if intent["name"] not in SAMPLELESS_OK:
            assert intent["samples"], f"{intent['name']} has no samples"
    for name in SAMPLELESS_OK:
        assert _intents(language_model)[name]["samples"] == []


def test_number_intent_has_natural_carriers(language_model: dict[str, Any]) -> None:
    intent = _intents(language_model)[NUMBER_INTENT]
    assert {"name": "number", "type": "AMAZON.NUMBER"} in intent["slots"]
    samples = set(intent["samples"])
    for carrier in ("{number}", "it's {number}", "about {number}", "{number} out of ten",
                    "i'm {number}", "{number} {unit}"):
        assert carrier in samples
    units = {v["name"]["value"] for t in language_model["types"] for v in t["values"]}
    assert {"weeks", "months", "years", "days"} <= units


@pytest.mark.parametrize(
    ("intent_name", "phrases"),
    [
        ("AMAZON.YesIntent", yes_phrases()),
        ("AMAZON.NoIntent", no_phrases()),
        ("DontKnowIntent", dont_know_phrases()),
        ("AMAZON.HelpIntent", command_phrases()["help"]),
        ("AMAZON.RepeatIntent", command_phrases()["repeat"]),
        ("AMAZON.PreviousIntent", command_phrases()["back"]),
        ("AMAZON.StartOverIntent", command_phrases()["start_over"]),
        ("MoreIntent", command_phrases()["more"]),
        ("SummaryIntent", command_phrases()["summary"]),
    ],
)
def test_samples_are_the_answer_words(language_model: dict[str, Any], intent_name: str,
                                      phrases: list[str]) -> None:
    samples = {normalize_sample(s) for s in _intents(language_model)[intent_name]["samples"]}
    assert samples == {normalize_sample(p) for p in phrases}


def test_stop_words_are_split_between_stop_and_cancel(language_model: dict[str, Any]) -> None:
    intents = _intents(language_model)
    both = set(intents["AMAZON.StopIntent"]["samples"]) | set(intents["AMAZON.CancelIntent"]["samples"])
    assert both == {normalize_sample(p) for p in command_phrases()["stop"]}


def test_the_core_reads_each_sample_as_its_intent_means(language_model: dict[str, Any]) -> None:
    """What Alexa routes to an intent, the core would also have understood the same way as text."""
    intents = _intents(language_model)
    for sample in intents["AMAZON.YesIntent"]["samples"]:
        assert parse_yes_no(sample) is True, sample
    for sample in intents["AMAZON.NoIntent"]["samples"]:
        assert parse_yes_no(sample) is False, sample
    for sample in intents["DontKnowIntent"]["samples"]:
        assert interpret(sample, None).kind == "dont_know", sample
    for name, command in (("AMAZON.HelpIntent", "help"), ("AMAZON.RepeatIntent", "repeat"),
                          ("AMAZON.PreviousIntent", "back"), ("AMAZON.StartOverIntent", "start_over"),
                          ("AMAZON.StopIntent", "stop"), ("AMAZON.CancelIntent", "stop"),
                          ("MoreIntent", "more"), ("SummaryIntent", "summary")):
        for sample in intents[name]["samples"]:
            assert parse_command(sample) == command, sample


@pytest.mark.parametrize("locale", LOCALES)
def test_summary_samples_are_in_every_locale_and_in_no_other_intent(locale: str) -> None:
    """"summary", "keep a copy", "stop and keep a summary": only SummaryIntent has them, in every
    locale's committed model; no other intent's sample is one of them or reads as one to the core
    (so "stop" can never be heard as "stop and keep a copy", nor the other way round)."""
    model = json.loads(model_path(locale).read_text(encoding="utf-8"))
    intents = _intents(model["interactionModel"]["languageModel"])
    summary = {normalize_sample(p) for p in command_phrases()["summary"]}
    assert set(intents["SummaryIntent"]["samples"]) == summary
    assert {"summary", "give me a summary", "keep a copy", "save a copy", "send me a summary",
            "stop and keep a summary"} <= summary
    for name, intent in intents.items():
        if name == "SummaryIntent":
            continue
        for sample in intent["samples"]:
            assert normalize_sample(sample) not in summary, (name, sample)
            if "{" not in sample:
                assert parse_command(sample) != "summary", (name, sample)


def test_number_carriers_parse_with_the_number_filled_in() -> None:
    """Every carrier phrase of the number intent, with a number in it, is understood for its kind of
    question (the model's samples are these carriers: test_committed_model_is_what_the_data_generates)."""
    for unit in (None, "weeks", "years"):
        for frame in number_carriers(unit):
            text = frame.format(n="seven")
            assert parse_number(text, unit) is not None, frame
            if unit != "weeks" or frame.endswith("{n}") or frame.endswith("weeks"):
                assert parse_number(text, unit) == 7, frame


def test_manifest_carries_the_disclaimer_and_phrases() -> None:
    manifest = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))["manifest"]
    locale = manifest["publishingInformation"]["locales"]["en-US"]
    assert locale["name"] == "Spine Check"
    description = locale["description"]
    assert "not a diagnosis or a substitute for professional medical advice" in description
    assert "Call 911 in an emergency" in description or "call 911 in an emergency" in description
    assert "Alexa, open spine check" in locale["examplePhrases"]
    assert "Alexa, ask spine check to check my back pain" in locale["examplePhrases"]
    for phrase in locale["examplePhrases"]:
        assert "spine check" in phrase.lower()
    assert manifest["apis"]["custom"]["endpoint"]["uri"].startswith("https://")
    privacy = manifest["privacyAndCompliance"]
    for flag in ("allowsPurchases", "usesPersonalInfo", "isChildDirected", "isExportCompliant",
                 "containsAds", "usesHealthInfo"):
        assert isinstance(privacy[flag], bool), flag
    assert privacy["isChildDirected"] is False


@pytest.mark.parametrize("locale", LOCALES)
def test_example_phrase_utterances_are_in_the_model(locale: str) -> None:
    manifest = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))["manifest"]
    model = json.loads(model_path(locale).read_text(encoding="utf-8"))
    start_samples = set(_intents(model["interactionModel"]["languageModel"])[
        "StartAssessmentIntent"]["samples"])
    phrases = manifest["publishingInformation"]["locales"][locale]["examplePhrases"]
    assert "Alexa, open spine check" in phrases
    for phrase in phrases:
        match = re.fullmatch(r"Alexa, ask spine check (?:to|about) (.+)", phrase)
        if match:
            assert match.group(1) in start_samples, phrase
    assert any(phrase.startswith("Alexa, ask spine check about") for phrase in phrases)


# Country each locale is sold in, and the number it must name for an emergency.
LOCALE_COUNTRY = {"en-US": "US", "en-CA": "CA", "en-GB": "GB", "en-AU": "AU", "en-IN": "IN"}
EMERGENCY_NUMBER = {"en-US": "911", "en-CA": "911", "en-GB": "999", "en-AU": "000", "en-IN": "112"}


@pytest.mark.parametrize("locale", LOCALES)
def test_manifest_has_every_locale(locale: str) -> None:
    manifest = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))["manifest"]
    publishing = manifest["publishingInformation"]
    entry = publishing["locales"][locale]
    assert entry["name"] == "Spine Check" and entry["summary"] and entry["keywords"]
    assert "not a diagnosis or a substitute for professional medical advice" in entry["description"]
    assert f"Call {EMERGENCY_NUMBER[locale]}" in entry["description"]
    others = set(EMERGENCY_NUMBER.values()) - {EMERGENCY_NUMBER[locale]}
    assert not any(f"Call {number}" in entry["description"] for number in others)
    assert LOCALE_COUNTRY[locale] in publishing["distributionCountries"]
    privacy = manifest["privacyAndCompliance"]["locales"][locale]
    assert privacy["privacyPolicyUrl"].startswith("https://")
    assert privacy["termsOfUseUrl"].startswith("https://")


def test_manifest_locales_are_exactly_the_model_locales() -> None:
    manifest = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))["manifest"]
    assert set(manifest["publishingInformation"]["locales"]) == set(LOCALES)
    assert set(manifest["privacyAndCompliance"]["locales"]) == set(LOCALES)
    assert set(manifest["publishingInformation"]["distributionCountries"]) == set(LOCALE_COUNTRY.values())
    models = {path.stem for path in MODEL_PATH.parent.glob("*.json")}
    assert models == set(LOCALES)
