"""Re-export of ``personal_numbers.redact`` (the one redaction module)."""

from personal_numbers.redact import (
    APPLICATION_ID_TOKEN,
    MY_NUMBER_TOKEN,
    Redaction,
    is_my_number,
    my_number_check_digit,
    redact,
)

__all__ = [
    "APPLICATION_ID_TOKEN",
    "MY_NUMBER_TOKEN",
    "Redaction",
    "is_my_number",
    "my_number_check_digit",
    "redact",
]
