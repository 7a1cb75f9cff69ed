"""English locales: the emergency number and the words for emergency care, from data/locales.json.

The texts in questionnaire.json and rules.json never name a country's number or services. They write
placeholders, which `Locale.render` fills in:

    {emergency_number}              "911" written; "nine one one" spoken (en-US)
    {emergency_department}          "the emergency department" (en-US), "A&E" (en-GB)
    {nearest_emergency_department}  "the nearest emergency department", "your nearest A&E"

Written text (the text front end, the Alexa card) shows the digits. Spoken text carries the number
in words, digit by digit ("nine one one", "triple zero" as Australians say it), because synthesizers
read digits as a quantity (espeak-ng says "911" as "nine hundred eleven"). Every front end speaks the
spoken form, so every synthesizer, Alexa included, says the number one way.

    >>> get_locale("en-GB").render("Call {emergency_number} or go to {emergency_department}.")
    'Call 999 or go to A&E.'
    >>> get_locale("en-AU").render("Call {emergency_number}.", spoken=True)
    'Call triple zero.'
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Mapping, NamedTuple

from .model import DATA_DIR, DataError, _need, _read_json

LOCALES_FILE = DATA_DIR / "locales.json"
DEFAULT_LOCALE = "en-US"
EMERGENCY_NUMBER = "emergency_number"

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class UnknownLocale(ValueError):
    """A locale tag this data has no entry for; the message lists the supported tags."""


class Locale(NamedTuple):
    """One locale's words. `tag` is a BCP 47 tag as Alexa sends it ("en-GB")."""

    tag: str
    name: str
    emergency_number: str  # written, digits only: "911"
    emergency_number_spoken: str  # the one speakable form: "nine one one"
    words: Mapping[str, str]  # placeholder name -> words, e.g. "emergency_department" -> "A&E"
    source: str

    def placeholders(self) -> frozenset[str]:
        """Every placeholder name this locale fills: the emergency number and the `words`."""
        return frozenset(self.words) | {EMERGENCY_NUMBER}

    def render(self, text: str, *, spoken: bool = False) -> str:
        """`text` with every known `{placeholder}` filled; other braces are left as they are.

        spoken=False gives the written form (digits), spoken=True the form every synthesizer says
        the same way (the emergency number in words)."""
        if "{" not in text:
            return text
        number = self.emergency_number_spoken if spoken else self.emergency_number

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == EMERGENCY_NUMBER:
                return number
            return self.words.get(name, match.group(0))

        return _PLACEHOLDER.sub(fill, text)


def _locale_from_dict(tag: str, raw: object, path: Path) -> Locale:
    where = f"locale '{tag}'"
    if not isinstance(raw, dict):
        raise DataError(path, where, "-", "must be an object")
    number = _need(path, where, raw, EMERGENCY_NUMBER, dict)
    written = _need(path, where, number, "written", str)
    spoken = _need(path, where, number, "spoken", str)
    if not written.isdigit():
        raise DataError(path, where, "emergency_number.written", f"must be digits, got {written!r}")
    if any(ch.isdigit() for ch in spoken):
        raise DataError(path, where, "emergency_number.spoken", "must be words, not digits, so synthesizers "
                                                                 f"say it one way; got {spoken!r}")
    words = _need(path, where, raw, "words", dict)
    for name, value in words.items():
        if not isinstance(value, str) or not value.strip():
            raise DataError(path, where, f"words.{name}", "must be non-empty text")
    return Locale(tag=tag, name=_need(path, where, raw, "name", str), emergency_number=written,
                  emergency_number_spoken=spoken, words=dict(words), source=_need(path, where, raw, "source", str))


def locales_from_dict(data: Mapping, path: Path = LOCALES_FILE) -> dict[str, Locale]:
    """Validate the locales file: every locale fills the same placeholders; the default exists."""
    raw_locales = _need(path, "top level", data, "locales", dict)
    locales = {tag: _locale_from_dict(tag, raw, path) for tag, raw in raw_locales.items()}
    if not locales:
        raise DataError(path, "locales", "-", "there are no locales")
    default = _need(path, "top level", data, "default", str)
    if default not in locales:
        raise DataError(path, "top level", "default", f"{default!r} is not one of the locales")
    expected = locales[default].placeholders()
    for tag, locale in locales.items():
        if locale.placeholders() != expected:
            raise DataError(path, f"locale '{tag}'", "words",
                            f"must fill the same placeholders as {default}: {sorted(expected)}")
    return locales


@lru_cache(maxsize=1)
def load_locales(path: Path = LOCALES_FILE) -> dict[str, Locale]:
    """Every supported locale by tag, validated once (raises DataError naming the field)."""
    return locales_from_dict(_read_json(path), path)


def supported_locales() -> tuple[str, ...]:
    """The supported tags in data order: ('en-US', 'en-CA', 'en-GB', 'en-AU', 'en-IN')."""
    return tuple(load_locales())


@lru_cache(maxsize=64)
def get_locale(tag: str | None = None) -> Locale:
    """The locale for a tag such as Alexa's request locale ("en-GB"); None gives the default (en-US).

    Case and "_" versus "-" do not matter ("en_gb" is en-GB). Raises UnknownLocale, naming the
    supported tags, for any other tag: a caller that must always answer (the Alexa skill) checks
    `tag in supported_locales()` first and decides its own fallback."""
    locales = load_locales()
    if tag is None:
        return locales[DEFAULT_LOCALE]
    wanted = str(tag).replace("_", "-").casefold()
    for known, locale in locales.items():
        if known.casefold() == wanted:
            return locale
    raise UnknownLocale(f"unknown locale {tag!r}; supported: {', '.join(locales)}")


def placeholders_in(text: str) -> set[str]:
    """The `{name}` placeholders a text uses (for the data checks in the tests)."""
    return set(_PLACEHOLDER.findall(text))
