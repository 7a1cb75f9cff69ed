"""SSML from plain text: escaped, well-formed XML, never over Alexa's 8000-character limit."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from skill.speech import MAX_SSML_CHARS, ssml

BUDGET = MAX_SSML_CHARS - len("<speak></speak>")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Does it hurt?", id="plain"),
        pytest.param("a < b & c > d </speak><audio src='x'/>", id="injection"),
        pytest.param("&" * 3000, id="ampersands-expand-5x"),
        pytest.param("<" * 5000, id="less-than-expands-4x"),
        pytest.param("x" * 60_000, id="long-plain"),
        pytest.param("x" * (BUDGET - 1) + "&", id="entity-at-the-cut"),
        pytest.param("x" * (BUDGET - 3) + "&&", id="entity-straddling-the-cut"),
        pytest.param("x" * BUDGET, id="exactly-the-budget"),
        pytest.param("é€😀 " * 3000, id="non-ascii"),
        pytest.param("seven\x00\x07\x1b[2J\ud800", id="xml-forbidden-characters"),
    ],
)
def test_ssml_is_well_formed_and_within_alexas_limit(text: str) -> None:
    result = ssml(text)
    assert len(result) <= MAX_SSML_CHARS
    root = ElementTree.fromstring(result)  # raises if not well-formed XML
    assert root.tag == "speak" and len(root) == 0  # no element smuggled in
    spoken = root.text or ""
    # What is spoken is the start of the text (minus characters XML cannot carry), nothing else.
    cleaned = "".join(ch for ch in text if ch not in "\x00\x07\x1b\ud800")
    assert cleaned.startswith(spoken)
    if len(text) < 1000:
        assert spoken == cleaned


def test_short_text_is_kept_whole() -> None:
    assert ssml("a & b") == "<speak>a &amp; b</speak>"
    assert ssml("x" * BUDGET) == f"<speak>{'x' * BUDGET}</speak>"
