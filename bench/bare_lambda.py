"""The baseline Lambda entry: the bare skill of bench/bare_skill.py built once per container and
answering each event as ask-sdk-core's own ``SkillBuilder.lambda_handler()`` does (deserialize,
invoke, serialize). ``python -m scripts.build_lambda --bare`` packages it the way the real skill is
packaged, for bench/lambda_cold_start.py. Handler: ``bench.bare_lambda.lambda_handler``.
"""

from __future__ import annotations

import json
from typing import Any

from ask_sdk_model import RequestEnvelope

from bench.bare_skill import build_skill

_skill = build_skill()


def lambda_handler(event: Any, context: Any) -> Any:
    request_envelope = _skill.serializer.deserialize(json.dumps(event), RequestEnvelope)
    response_envelope = _skill.invoke(request_envelope=request_envelope, context=context)
    return _skill.serializer.serialize(response_envelope)
