"""Spine Check triage core: the questionnaire, answer parsing, rules and the conversation, as pure Python.

Front ends (text, local voice, Alexa) call `start(locale)` and `step(state, utterance, locale)`; they
show `Turn.text` (written: "Call 911") and speak `Turn.speech` (spoken: "Call nine one one"). The
result does not end the conversation: repeat, more, go back, start over and stop work after it, and
only stop ends it (`Turn.ended`). Locales: `supported_locales()` ("en-US", "en-CA", "en-GB", "en-AU",
"en-IN"); any other tag raises `UnknownLocale`.
This package must not import any I/O library (ask_sdk, flask, vosk, pocketsphinx, pyttsx3, sounddevice).
"""
from .conversation import Turn, next_question, read_state, start, step
from .locales import DEFAULT_LOCALE, UnknownLocale, get_locale, supported_locales
from .model import DataError, load_answer_words, load_questionnaire, load_rules
from .outcome import outcome_details, outcome_speech, outcome_summary

__all__ = ["Turn", "DataError", "start", "step", "next_question", "read_state", "load_questionnaire",
           "load_rules", "load_answer_words", "outcome_speech", "outcome_details", "outcome_summary",
           "DEFAULT_LOCALE", "UnknownLocale", "get_locale", "supported_locales"]
