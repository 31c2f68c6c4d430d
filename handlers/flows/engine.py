"""Running a flow: start, answer a step, go back, finish.

A flow is a table of steps. ``ask`` appends the question for the step;
``answer`` validates the resident's answer, stores it with
``turn.remember`` and returns the next step name, ``END``, or a ``Retry``
with the replies that explain what was wrong (the step is then asked again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from handlers.contract import Choice, Reply
from handlers.turn import Turn

END = "__end__"
STACK = "_stack"


@dataclass(frozen=True)
class Retry:
    replies: list[Reply] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    ask: Callable[[Turn], None]
    answer: Callable[[Turn], str | Retry]


@dataclass(frozen=True)
class Flow:
    name: str
    start: str
    steps: dict[str, Step]
    # Called when the flow ends with END (the last answer has already replied).
    on_end: Callable[[Turn], None] | None = None


FLOWS: dict[str, Flow] = {}


def register(flow: Flow) -> Flow:
    FLOWS[flow.name] = flow
    return flow


BACK = "g:back"
MAX_CHOICES = 13  # LINE's quick replies


def _ask(turn: Turn, step: Step) -> None:
    """Ask the step; every question with choices also offers 戻る (global word, * on the phone)."""
    from handlers.text import label

    first = len(turn.replies)
    step.ask(turn)
    if turn.conversation.flow is None:
        return  # the step had nothing to ask and left the flow (the menu is shown)
    for reply in turn.replies[first:]:
        values = {c.value for c in reply.choices}
        # A full row of choices stays whole: typed 戻る and the phone's * still go back.
        if reply.choices and BACK not in values and len(reply.choices) < MAX_CHOICES:
            reply.choices.append(Choice(label("back"), BACK))


def start(turn: Turn, name: str, **initial: object) -> None:
    flow = FLOWS[name]
    conv = turn.conversation
    conv.flow, conv.step = flow.name, flow.start
    conv.data = {STACK: [], **initial}
    _ask(turn, flow.steps[flow.start])


def current(turn: Turn) -> tuple[Flow, Step] | None:
    conv = turn.conversation
    flow = FLOWS.get(conv.flow or "")
    if flow is None or conv.step not in flow.steps:
        return None
    return flow, flow.steps[conv.step]


def ask_again(turn: Turn) -> bool:
    found = current(turn)
    if found is None:
        return False
    _ask(turn, found[1])
    return True


def answer(turn: Turn) -> Retry | None:
    """Feed the inbound to the current step. A Retry is returned, not yet replied."""
    found = current(turn)
    assert found is not None
    flow, step = found
    outcome = step.answer(turn)
    if isinstance(outcome, Retry):
        return outcome
    conv = turn.conversation
    if outcome == END:
        finish(turn)
        return None
    stack = [*turn.data.get(STACK, []), conv.step]
    turn.remember(**{STACK: stack})
    conv.step = outcome
    _ask(turn, flow.steps[outcome])
    return None


def back(turn: Turn) -> bool:
    """Return to the previous step; False when there is none."""
    stack = list(turn.data.get(STACK, []))
    if not stack or current(turn) is None:
        return False
    previous = stack.pop()
    turn.remember(**{STACK: stack})
    turn.conversation.step = previous
    return ask_again(turn)


def finish(turn: Turn) -> None:
    from models.conversations import clear

    found = current(turn)
    if found and found[0].on_end:
        found[0].on_end(turn)
    clear(turn.conversation)
