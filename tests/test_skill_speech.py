"""SSML from plain text: escaped, well-formed XML, never over Alexa's 8000-character limit."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from skill.speech import DEFAULT_RATE, MAX_SSML_CHARS, RATES, ssml

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
@pytest.mark.parametrize("rate", RATES)
def test_ssml_is_well_formed_and_within_alexas_limit(text: str, rate: str) -> None:
    """At every speaking rate: the prosody tags count towards the limit too."""
    result = ssml(text, rate)
    assert len(result) <= MAX_SSML_CHARS
    root = ElementTree.fromstring(result)  # raises if not well-formed XML
    assert root.tag == "speak"
    if rate != DEFAULT_RATE:
        # The text wrapped in one prosody element at that rate, nothing else around it.
        assert len(root) == 1 and not (root.text or "") and not (root[0].tail or "")
        root = root[0]
        assert root.tag == "prosody" and root.attrib == {"rate": rate}
    assert len(root) == 0  # no element smuggled in
    spoken = root.text or ""
    # What is spoken is the start of the text (minus characters XML cannot carry), nothing else.
    cleaned = "".join(ch for ch in text if ch not in "\x00\x07\x1b\ud800")
    assert cleaned.startswith(spoken)
    if len(text) < 1000:
        assert spoken == cleaned


def test_short_text_is_kept_whole() -> None:
    assert ssml("a & b") == "<speak>a &amp; b</speak>"
    assert ssml("x" * BUDGET) == f"<speak>{'x' * BUDGET}</speak>"


def test_a_slow_rate_wraps_the_speech_in_prosody() -> None:
    assert ssml("a & b", "slow") == '<speak><prosody rate="slow">a &amp; b</prosody></speak>'
    assert ssml("a & b", DEFAULT_RATE) == "<speak>a &amp; b</speak>"  # the normal rate needs no tag


@pytest.mark.parametrize("rate", ['slow"><audio src="x"/><prosody rate="slow', "200%", "SLOW", "", "medium "])
def test_an_unknown_rate_is_refused_never_written_into_the_ssml(rate: str) -> None:
    with pytest.raises(ValueError):
        ssml("Does it hurt?", rate)
