"""Alexa request envelopes built locally, for tests, the benchmark and trying the endpoint by hand.

Alexa itself sends these; here they carry made-up ids and the fields the ASK SDK reads.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

LOCAL_USER = "amzn1.ask.account.local"


def request_envelope(request: dict[str, Any], attributes: dict[str, Any] | None = None, *, app_id: str,
                     new: bool | None = None, timestamp: datetime | None = None) -> dict[str, Any]:
    """An envelope around `request` (its `type` and any fields; they override the defaults here).

    `new` defaults to "no session attributes yet"; `timestamp` to now, as verification expects."""
    application = {"applicationId": app_id}
    stamp = (timestamp or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "1.0",
        "session": {
            "new": attributes is None if new is None else new,
            "sessionId": "amzn1.echo-api.session.local",
            "application": application,
            "attributes": {} if attributes is None else attributes,
            "user": {"userId": LOCAL_USER},
        },
        "context": {
            "System": {
                "application": application,
                "user": {"userId": LOCAL_USER},
                "device": {"deviceId": "amzn1.ask.device.local", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
            }
        },
        "request": {"requestId": "amzn1.echo-api.request.local", "timestamp": stamp, "locale": "en-US",
                    **request},
    }


# --- command line: a dialogue over curl (README, "Running it locally") ---------------------------

LOCAL_SKILL_ID = "amzn1.ask.skill.local"


def intent_request(name: str, slots: dict[str, str]) -> dict[str, Any]:
    """An IntentRequest for intent ``name`` with slot values as Alexa sends them (all text)."""
    return {"type": "IntentRequest", "dialogState": "COMPLETED",
            "intent": {"name": name, "confirmationStatus": "NONE",
                       "slots": {slot: {"name": slot, "value": value, "confirmationStatus": "NONE"}
                                 for slot, value in slots.items()}}}


def _speech_text(reply: dict[str, Any]) -> str:
    import re

    speech = (reply.get("response") or {}).get("outputSpeech") or {}
    text = speech.get("ssml") or speech.get("text") or ""
    return re.sub(r"<[^>]+>", "", text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def main(argv: list[str] | None = None) -> int:
    """``request`` prints an envelope for curl; ``speech`` prints what a reply says; ``card`` prints
    a reply's card (the summary the person asked for), as the Alexa app would show it."""
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(prog="python -m skill.envelope", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    request = commands.add_parser("request", help="print a request envelope (JSON) on stdout")
    request.add_argument("kind", help="LaunchRequest, SessionEndedRequest, or an intent name "
                                      "(AMAZON.YesIntent, AnswerNumberIntent, ...)")
    request.add_argument("slots", nargs="*", metavar="SLOT=VALUE", help="slot values, e.g. number=7")
    request.add_argument("--after", metavar="REPLY.json",
                         help="continue the session of this earlier reply (its session attributes)")
    request.add_argument("--locale", default="en-US", help="request locale (default en-US)")
    request.add_argument("--app-id", default=LOCAL_SKILL_ID, help=f"skill ID (default {LOCAL_SKILL_ID})")
    speech = commands.add_parser("speech", help="print the speech of a reply, whether it sent a card, "
                                                "and whether it ended")
    speech.add_argument("reply", metavar="REPLY.json")
    card = commands.add_parser("card", help="print the card of a reply (title, then content); "
                                            "exit 1 if it has none")
    card.add_argument("reply", metavar="REPLY.json")
    args = parser.parse_args(argv)

    if args.command in ("speech", "card"):
        with open(args.reply, encoding="utf-8") as handle:
            reply = json.load(handle)
        if not isinstance(reply, dict) or not isinstance(reply.get("response"), dict):
            print(f"error: {args.reply} is not a skill reply: {json.dumps(reply)[:200]}", file=sys.stderr)
            return 1
        sent = reply["response"].get("card")
        if args.command == "card":
            if not isinstance(sent, dict):
                print(f"error: {args.reply} has no card", file=sys.stderr)
                return 1
            print(f"{sent.get('title', '')}\n\n{sent.get('content', '')}".rstrip("\n"))
            return 0
        shown = f" [card: {sent.get('title', '')}]" if isinstance(sent, dict) else ""
        ended = " [session ended]" if reply["response"].get("shouldEndSession") else ""
        print(f"Alexa: {_speech_text(reply)}{shown}{ended}")
        return 0

    slots = {}
    for item in args.slots:
        slot, sep, value = item.partition("=")
        if not sep or not slot:
            parser.error(f"slot values look like name=value, not {item!r}")
        slots[slot] = value
    if args.kind.endswith("Request"):
        body: dict[str, Any] = {"type": args.kind}
    else:
        body = intent_request(args.kind, slots)
    attributes = None
    if args.after and args.kind != "LaunchRequest":  # a launch always starts a new session
        try:
            with open(args.after, encoding="utf-8") as handle:
                reply = json.load(handle)
            attributes = reply.get("sessionAttributes") or {}
        except (OSError, ValueError, AttributeError) as exc:
            print(f"error: cannot continue the session of {args.after}: {exc}", file=sys.stderr)
            return 1
    envelope = request_envelope({**body, "locale": args.locale}, attributes, app_id=args.app_id)
    print(json.dumps(envelope))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
