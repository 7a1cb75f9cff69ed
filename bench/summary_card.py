"""Print how large the Alexa summary card and its reply get, on every enumerated path, in every locale.

    .venv/bin/python bench/summary_card.py

Alexa refuses a card whose title and content together pass 8,000 characters, and a response over
24 kilobytes (Alexa Skills Kit docs: "Include a Card in Your Skill's Response", "Response format").
For each locale this makes the card (skill.handlers.summary_card) of every path tests/triage_paths.py
enumerates (a completed summary) and of every point a stop can come (a stopped summary), dated with
the longest date the card can carry (30 September, 23:59 UTC), and sends "summary" through the real
skill on the path with the longest card at the slowest speaking rate (the longest SSML).
tests/test_skill_summary.py asserts the limits; this prints the figures.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
LONGEST_DATE = datetime(2026, 9, 30, 23, 59, tzinfo=timezone.utc)  # "30 September 2026 at 23:59 UTC"


def main() -> int:
    sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]
    from ask_sdk_model import RequestEnvelope
    from triage_paths import all_paths

    from interaction_model.generate import LOCALES, SUMMARY_INTENT
    from skill import build_skill
    from skill.envelope import request_envelope
    from skill.handlers import MAX_CARD_CHARS, STATE_KEY, summary_card
    from triage import next_question
    from triage.conversation import new_state

    def state_of(answers: list[tuple[str, Any]]) -> dict[str, Any]:
        following = next_question(answers)
        return {**new_state(), "answers": [list(a) for a in answers], "done": following is None,
                "current": None if following is None else following.id}

    paths = list(all_paths())
    stops = sorted({tuple(path[:cut]) for path in paths for cut in range(len(path))}, key=str)
    completed = [state_of(path) for path in paths]
    stopped = [state_of(list(stop)) for stop in stops]
    skill = build_skill()
    print(f"{len(completed)} completed paths, {len(stopped)} points to stop at; card limit {MAX_CARD_CHARS} "
          "characters (title + content), reply limit 24 KB")
    for locale in LOCALES:
        def size(state: dict[str, Any], locale: str = locale) -> int:
            card = summary_card(state, LONGEST_DATE, locale)
            return len(card.title or "") + len(card.content or "")

        sized = [(size(state), state) for state in completed]
        longest, worst = max(sized, key=lambda item: item[0])
        longest_stopped = max(size(state) for state in stopped)
        body = request_envelope(
            {"type": "IntentRequest", "locale": locale, "intent": {"name": SUMMARY_INTENT, "confirmationStatus": "NONE"}},
            {STATE_KEY: worst, "speaking_rate": "x-slow"}, app_id="amzn1.ask.skill.bench", timestamp=LONGEST_DATE)
        envelope = skill.serializer.deserialize(json.dumps(body), RequestEnvelope)
        reply = skill.serializer.serialize(skill.invoke(request_envelope=envelope, context=None))
        reply_bytes = len(json.dumps(reply).encode("utf-8"))
        print(f"{locale}: longest card {longest} characters (completed), {longest_stopped} (stopped); "
              f"its whole reply {reply_bytes} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
