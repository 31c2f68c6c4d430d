"""The channel-independent contract between adapters and the conversation core."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from handlers.text import current_locale, render

CHANNELS = ("line", "voice", "sms", "sandbox")
KINDS = ("text", "choice", "follow", "unfollow", "media", "call_start", "hangup")


@dataclass(frozen=True)
class Inbound:
    """One thing a resident did, whatever the channel."""

    channel: str
    resident_key: str  # LINE user id or E.164 phone number
    kind: str
    text: str | None = None  # already redacted
    value: str | None = None  # chosen value (postback data, DTMF mapped to a choice)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    params: dict[str, Any] = field(default_factory=dict)  # e.g. datetime picker result
    redacted: bool = False  # a My Number or application id was removed from text

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}")
        if self.kind not in KINDS:
            raise ValueError(f"unknown inbound kind {self.kind!r}")


@dataclass(frozen=True)
class Choice:
    """A button (LINE quick reply / postback) or a numbered phone menu item."""

    label: str
    value: str
    kind: str = "postback"  # postback | date | datetime | uri
    params: dict[str, Any] = field(default_factory=dict)  # picker min/max/initial, uri


@dataclass
class Reply:
    """A message to the resident: a template plus context, never a literal string."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    choices: list[Choice] = field(default_factory=list)
    payload: dict[str, Any] | None = None  # structured: {"type": "cards", "cards": [...]}
    handoff: bool = False  # a person takes over after this message
    expects_speech: bool = False  # phone: free speech is a sensible answer here
    # The resident's language when the reply was made (issue 17): rendered in it
    # wherever and whenever the text is finally needed (adapter, outbox, transcript).
    locale: str = field(default_factory=current_locale)
    # Rendered texts by voice flag: the transcript and the channel read the same text.
    _texts: dict[bool, str] = field(default_factory=dict, repr=False, compare=False)

    def text(self, *, voice: bool = False) -> str:
        if voice not in self._texts:
            self._texts[voice] = render(
                self.template, voice=voice, locale=self.locale, **self.context
            )
        return self._texts[voice]

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the outbox (context values must be JSON-safe)."""
        return {
            "template": self.template,
            "context": self.context,
            "choices": [asdict(c) for c in self.choices],
            "payload": self.payload,
            "locale": self.locale,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        return cls(
            data["template"],
            dict(data.get("context") or {}),
            [Choice(**c) for c in data.get("choices") or []],
            data.get("payload"),
            locale=data.get("locale") or current_locale(),
        )
