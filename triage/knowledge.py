"""What the answers so far tell us about each concept, in three values: True, False or None (unknown).

A yes/no question may cover several concepts: "no" makes them all false, "yes" means at least one is
true. Knowledge keeps such "at least one" groups, resolves a group when all but one member are known
false, and applies `requires_any` (a follow-up concept cannot be true when its parents are all false).
Conditions in the data are evaluated here with three-valued (Kleene) logic, so an unknown answer can
never be silently read as a "no".
"""
from __future__ import annotations

from dataclasses import dataclass, field
import operator
from typing import Any, Callable, Iterable, Mapping

from .model import TIERS, Questionnaire

UNKNOWN = "unknown"  # the stored value of an "I don't know" answer

Tri = bool | None


@dataclass
class Knowledge:
    values: dict[str, Any] = field(default_factory=dict)        # concept -> True/False/int
    groups: list[frozenset[str]] = field(default_factory=list)  # "at least one of these is true"
    dont_know: set[str] = field(default_factory=set)            # concepts the person said they did not know
    unsure_questions: list[str] = field(default_factory=list)   # questions answered "I don't know", in order

    def get(self, concept: str) -> Any:
        return self.values.get(concept)

    def is_unsure(self, concept: str) -> bool:
        return concept in self.dont_know and self.values.get(concept) is None


def derive(questionnaire: Questionnaire, answers: Iterable[tuple[str, Any]]) -> Knowledge:
    """Turn (question id, answer) pairs into concept knowledge."""
    k = Knowledge()
    for qid, value in answers:
        question = questionnaire.questions[qid]
        if value == UNKNOWN:
            k.dont_know.update(question.concepts)
            k.unsure_questions.append(qid)
        elif question.type == "number":
            k.values[question.concepts[0]] = value
        elif value is False:
            for concept in question.concepts:
                k.values[concept] = False
        elif len(question.concepts) == 1:
            k.values[question.concepts[0]] = True
        else:
            k.groups.append(frozenset(question.concepts))
    changed = True
    while changed:  # a handful of passes at most: the data has short chains
        changed = False
        for concept, parents in questionnaire.requires_any.items():
            if k.values.get(concept) is None and all(k.values.get(p) is False for p in parents):
                k.values[concept] = False
                changed = True
        for group in k.groups:
            open_members = [c for c in group if k.values.get(c) is not False]
            if len(open_members) == 1 and k.values.get(open_members[0]) is None:
                k.values[open_members[0]] = True
                changed = True
    return k


def _and(values: list[Tri]) -> Tri:
    if any(v is False for v in values):
        return False
    return True if all(v is True for v in values) else None


def _or(values: list[Tri]) -> Tri:
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


def evaluate(expr: Mapping, k: Knowledge, tier: str | None = None, *, unasked_fails: bool = False) -> Tri:
    """Evaluate a data condition. `tier` is the tier so far, for `tier_below` in ask_if.

    With `unasked_fails`, a test on a concept that is unknown only because it was never asked is
    false rather than unknown, so None means "unknown because the person said I don't know"."""
    compiled = _COMPILED.get(id(expr))
    if compiled is None:
        compiled = _COMPILED[id(expr)] = (_compile(expr), expr)  # keep expr alive: its id stays unique
    return compiled[0](k, tier, unasked_fails)


_Evaluator = Callable[[Knowledge, "str | None", bool], Tri]
_COMPILED: dict[int, tuple[_Evaluator, Mapping]] = {}
_OPS = {"lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge, "eq": operator.eq}


def _compile(expr: Mapping) -> _Evaluator:
    """Turn a condition into a closure once; rules are evaluated several times on every turn."""
    if "yes" in expr or "no" in expr:
        concept = expr.get("yes", expr.get("no"))
        want = "yes" in expr

        def yes_no(k: Knowledge, tier: str | None, unasked_fails: bool) -> Tri:
            v = k.values.get(concept)
            if v is None:
                return False if unasked_fails and concept not in k.dont_know else None
            return bool(v) is want
        return yes_no
    if "any_yes" in expr:
        members = frozenset(expr["any_yes"])

        def any_yes(k: Knowledge, tier: str | None, unasked_fails: bool) -> Tri:
            values = k.values
            if any(values.get(c) is True for c in members) or any(g <= members for g in k.groups):
                return True
            for c in members:
                v = values.get(c)
                if v is None and not (unasked_fails and c not in k.dont_know):
                    return None
            return False
        return any_yes
    if "all" in expr or "any" in expr:
        parts = [_compile(e) for e in expr.get("all", expr.get("any"))]
        combine = _and if "all" in expr else _or
        return lambda k, tier, unasked_fails: combine([p(k, tier, unasked_fails) for p in parts])
    if "not" in expr:
        inner = _compile(expr["not"])

        def negate(k: Knowledge, tier: str | None, unasked_fails: bool) -> Tri:
            v = inner(k, tier, unasked_fails)
            return None if v is None else not v
        return negate
    if "known" in expr:
        # Two-valued: true only when the inner condition is known to hold. Used where asking a
        # follow-up about something the person was unsure of would only confuse ("is that weakness
        # getting worse?" after "I don't know" to weakness).
        inner_known = _compile(expr["known"])
        return lambda k, tier, unasked_fails: inner_known(k, tier, False) is True
    if "num" in expr:
        concept = expr["num"]
        op_name = next(op for op in expr if op in _OPS)
        compare, limit = _OPS[op_name], expr[op_name]

        def number(k: Knowledge, tier: str | None, unasked_fails: bool) -> Tri:
            v = k.values.get(concept)
            if v is None:
                return False if unasked_fails and concept not in k.dont_know else None
            return compare(v, limit)
        return number
    if "tier_below" in expr:
        bound = TIERS.index(expr["tier_below"])
        return lambda k, tier, unasked_fails: TIERS.index(tier or "self_care") < bound
    raise ValueError(f"unknown condition {expr!r}")  # unreachable: validated at load


def concepts_in(expr: Any) -> set[str]:
    """Every concept a condition refers to."""
    if isinstance(expr, list):
        return set().union(*(concepts_in(e) for e in expr)) if expr else set()
    if not isinstance(expr, dict):
        return set()
    found: set[str] = set()
    for key, arg in expr.items():
        if key in ("yes", "no", "num"):
            found.add(arg)
        elif key == "any_yes":
            found.update(arg)
        elif key in ("all", "any", "not", "known"):
            found |= concepts_in(arg)
    return found
