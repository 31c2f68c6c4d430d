"""The questions flow: ask for a question, answer it, offer the next step."""

from __future__ import annotations

from handlers import faq_reply
from handlers.contract import Choice, Reply
from handlers.flows.engine import END, Flow, Retry, Step, register
from handlers.text import label
from handlers.turn import Turn


def ask_question(turn: Turn) -> None:
    """Asks the resident to type (or say) their question."""
    reply = Reply("faq/ask", choices=[Choice(label("menu"), "g:menu")])
    reply.expects_speech = True
    turn.add(reply)


def answer_question(turn: Turn) -> str | Retry:
    """Stores nothing; answers the question (or admits not knowing) and ends."""
    if turn.inbound.kind == "choice" and faq_reply.handle_choice(turn, turn.inbound.value or ""):
        return END
    text = (turn.inbound.text or "").strip()
    if not text:
        return Retry([Reply("faq/need_text")])
    faq_reply.answer_top_level(turn, text)
    return END


register(Flow("faq", "question", {"question": Step(ask_question, answer_question)}))
