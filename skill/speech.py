"""Plain text to Alexa speech: SSML with the XML special characters escaped.

The core speaks plain sentences; anything it says (or a tampered session attribute replayed by
Repeat) must not be able to break out of the ``<speak>`` element.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

# Alexa refuses output speech longer than 8000 characters; a longer text can only come from a
# tampered attribute, so it is cut rather than sent.
MAX_SPEECH_CHARS = 7000


def ssml(text: str) -> str:
    """``<speak>`` + escaped text + ``</speak>``."""
    return f"<speak>{escape(text[:MAX_SPEECH_CHARS])}</speak>"
