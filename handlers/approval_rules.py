"""What the city's approval of an event must confirm, for the console and the API alike.

仕様書 (会場設置型): 「特定の政党、宗教又は営利を目的とした催し等と合わせた実施では
ないこと」. Approving a venue event therefore needs an explicit confirmation
that it is not combined with political, religious or for-profit events; the
approval row keeps it with who confirmed and when (``models.approvals``).
Without the confirmation the approval is refused with ``not_combined_unconfirmed``.
A visit goes to a home or a welfare facility, not to an event: the rule does
not apply (a confirmation given anyway is recorded).
"""

from __future__ import annotations

from models.events import VENUE

NOT_COMBINED_UNCONFIRMED = "not_combined_unconfirmed"
# Kinds of event whose approval needs the confirmation.
CONFIRMATION_REQUIRED = frozenset({VENUE})


def not_combined_errors(kind: str, confirmed: bool | None) -> list[str]:
    """``[NOT_COMBINED_UNCONFIRMED]`` when the kind needs the confirmation and it was not given."""
    if kind in CONFIRMATION_REQUIRED and confirmed is not True:
        return [NOT_COMBINED_UNCONFIRMED]
    return []
