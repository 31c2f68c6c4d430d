"""Plan progress as a bar chart (matplotlib, Agg: no display), Japanese font embedded."""

from __future__ import annotations

import io
from typing import Any


def progress_png(plan: dict[str, Any], words: dict[str, Any]) -> bytes:
    """Events and applicants per kind as a percentage of the target (100 % = met)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    from handlers.reports.fonts import font_paths

    regular, _bold = font_paths()
    font_manager.fontManager.addfont(str(regular))
    family = font_manager.FontProperties(fname=str(regular)).get_name()
    kinds = list(plan["kinds"])
    pct_events = [100 * k["events_done"] / max(k["target_events"], 1) for k in plan["kinds"].values()]
    pct_people = [100 * k["applicants_done"] / max(k["target_applicants"], 1)
                  for k in plan["kinds"].values()]  # fmt: skip
    with plt.rc_context({"font.family": family}):
        fig, ax = plt.subplots(figsize=(6.4, 2.8), dpi=150)
        y = range(len(kinds))
        ax.barh([i + 0.2 for i in y], pct_events, height=0.4, label=words["plan"]["chart_events"],
                color="#2f6db5")  # fmt: skip
        ax.barh([i - 0.2 for i in y], pct_people, height=0.4,
                label=words["plan"]["chart_applicants"], color="#e0892b")  # fmt: skip
        ax.axvline(100, color="#333", linewidth=1)
        ax.set_yticks(list(y), [words["kind"][k] for k in kinds])
        ax.set_xlim(0, max(110, *pct_events, *pct_people) * 1.05)
        ax.set_xlabel("%")
        ax.legend(loc="lower right", fontsize=8)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
        plt.close(fig)
    return out.getvalue()
