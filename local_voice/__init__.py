"""Spine Check by voice, offline: speech in (pocketsphinx or Vosk), speech out (espeak-ng or pyttsx3), over the triage core.

Modules: ``audio`` (WAV, resampling, noise, end of speech), ``listeners`` (recognizers and audio
sources), ``speakers`` (speech out), ``session`` (the conversation loop), ``synth`` (espeak-ng answers
for tests and the benchmark), ``__main__`` (the command line).
"""
