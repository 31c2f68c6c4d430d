"""The reports' Jinja environment (``templates/``): the words (``reports/labels.yaml``)
and the PDF's HTML. No Flask here: the CLI, the clock and the console share it."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from models.city import PROJECT_ROOT


@lru_cache(maxsize=1)
def env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(PROJECT_ROOT / "templates")),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html"]),
        auto_reload=False,
    )


@lru_cache(maxsize=1)
def labels() -> dict[str, Any]:
    """Every word a report shows, by code."""
    return yaml.safe_load(env().get_template("reports/labels.yaml").render())


def html(template: str, **context: Any) -> str:
    return env().get_template(template).render(R=labels(), **context)
