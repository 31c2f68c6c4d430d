"""Re-export of ``personal_numbers.lookalikes`` (one list for every parser of typed numbers)."""

from personal_numbers.lookalikes import BRACKETS, DASHES, SPACES

__all__ = ["BRACKETS", "DASHES", "SPACES"]
