"""Plain text to Alexa speech: SSML with the XML special characters escaped.

The core speaks plain sentences; anything it says (or a tampered session attribute replayed by
Repeat) must not be able to break out of the ``<speak>`` element.
"""

from __future__ import annotations


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as XML entities (as ``xml.sax.saxutils.escape``, whose import pulls
    in urllib.request, http.client and ssl: a fifth of the Lambda entry's cold start)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Alexa refuses output speech longer than 8000 characters; a longer text can only come from a
# tampered attribute, so it is cut rather than sent.
MAX_SPEECH_CHARS = 7000


def ssml(text: str) -> str:
    """``<speak>`` + escaped text + ``</speak>``."""
    return f"<speak>{escape(text[:MAX_SPEECH_CHARS])}</speak>"
