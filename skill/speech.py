"""Plain text to Alexa speech: SSML with the XML special characters escaped.

The core speaks plain sentences; nothing it says may break out of the ``<speak>`` element or make
Alexa refuse the response.
"""

from __future__ import annotations


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as XML entities (as ``xml.sax.saxutils.escape``, whose import pulls
    in urllib.request, http.client and ssl: a fifth of the Lambda entry's cold start)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Alexa refuses output speech over 8000 characters, and the limit applies to the SSML as sent:
# tags and escapes count ("&" is sent as "&amp;"), so the text is cut after escaping is reckoned.
MAX_SSML_CHARS = 8000
_OPEN, _CLOSE = "<speak>", "</speak>"
# Characters XML 1.0 forbids (C0 controls but tab and newlines, lone surrogates, U+FFFE/U+FFFF):
# one of them would make the whole SSML document invalid, so they are dropped.
# A str.translate table that drops them: building it costs a fraction of compiling the same character
# class as a regular expression (a third of a millisecond at every cold start).
_NOT_XML = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0xD800, 0xE000), 0xFFFE, 0xFFFF])


# Alexa's preset speaking rates for ``<prosody rate="...">`` (the Alexa SSML reference; Amazon Polly,
# which voices Alexa, documents the same five presets), slowest first. "medium" is the voice's normal
# rate and is sent without a prosody tag.
RATES = ("x-slow", "slow", "medium", "fast", "x-fast")
DEFAULT_RATE = "medium"


def ssml(text: str, rate: str = DEFAULT_RATE) -> str:
    """``<speak>`` + escaped text + ``</speak>``, at most MAX_SSML_CHARS long in all; with a ``rate``
    other than the default (one of RATES) the text is wrapped in ``<prosody rate="...">``, whose tags
    count towards the limit. An unknown rate raises ValueError (it would be written into the SSML).

    A text too long is cut at the last whole character (never inside an escape) that fits.
    """
    if rate not in RATES:
        raise ValueError(f"unknown speaking rate {rate!r}")
    opening, closing = _OPEN, _CLOSE
    if rate != DEFAULT_RATE:
        opening, closing = f'{_OPEN}<prosody rate="{rate}">', f"</prosody>{_CLOSE}"
    escaped = escape(text.translate(_NOT_XML))
    budget = MAX_SSML_CHARS - len(opening) - len(closing)
    if len(escaped) > budget:
        escaped = escaped[:budget]
        # An entity cut in half would be invalid XML; drop the partial one.
        amp = escaped.rfind("&", max(0, budget - 5))
        if amp >= 0 and ";" not in escaped[amp:]:
            escaped = escaped[:amp]
    return f"{opening}{escaped}{closing}"
