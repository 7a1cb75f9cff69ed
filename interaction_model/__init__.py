"""The Alexa interaction model of Spine Check, generated from the triage core's answer-word data."""
