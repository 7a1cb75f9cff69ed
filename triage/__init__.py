"""Spine Check triage core: the questionnaire, answer parsing, rules and the conversation, as pure Python.

Front ends (text, local voice, Alexa) call `start()` and `step(state, utterance)` and speak `Turn.text`.
This package must not import any I/O library (ask_sdk, flask, vosk, pocketsphinx, pyttsx3, sounddevice).
"""
from .conversation import Turn, next_question, read_state, start, step
from .model import DataError, load_answer_words, load_questionnaire, load_rules
from .outcome import outcome_speech, outcome_summary

__all__ = ["Turn", "DataError", "start", "step", "next_question", "read_state", "load_questionnaire",
           "load_rules", "load_answer_words", "outcome_speech", "outcome_summary"]
