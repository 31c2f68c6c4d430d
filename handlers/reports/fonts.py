"""The Japanese font every report embeds (PDF) and draws with (chart).

Debian's fonts-noto-cjk (``.ci/run`` installs it); ``REPORT_FONT`` and
``REPORT_FONT_BOLD`` name other files. A missing font stops the report with
``FontMissing`` rather than printing boxes (tofu) where the Japanese should be.
"""

from __future__ import annotations

import os
from pathlib import Path

NOTO = Path("/usr/share/fonts/opentype/noto")
DEFAULTS = (NOTO / "NotoSansCJK-Regular.ttc", NOTO / "NotoSansCJK-Bold.ttc")


class FontMissing(RuntimeError):
    pass


def font_paths() -> tuple[Path, Path]:
    """(regular, bold) font files; ``FontMissing`` says which is missing and what to do."""
    regular = Path(os.environ.get("REPORT_FONT") or DEFAULTS[0])
    bold = Path(os.environ.get("REPORT_FONT_BOLD") or (DEFAULTS[1] if regular == DEFAULTS[0] else regular))
    for path in (regular, bold):
        if not path.is_file():
            raise FontMissing(
                f"Japanese font {path} not found: reports embed it. Install Debian's "
                "fonts-noto-cjk (apt-get install fonts-noto-cjk) or set REPORT_FONT "
                "(and REPORT_FONT_BOLD) to a CJK font file."
            )
    return regular, bold
