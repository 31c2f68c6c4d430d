"""City specifics (name, areas, plan targets, contract, hours, contacts).

One data file, ``city.yaml`` at the project root (or CITY_CONFIG), read once.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class CityConfig(dict):
    """The parsed city file; attribute access for templates (``city.name``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            value = self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc
        return CityConfig(value) if isinstance(value, dict) else value


@lru_cache(maxsize=4)
def _load(path: str) -> CityConfig:
    with open(path, encoding="utf-8") as fh:
        return CityConfig(yaml.safe_load(fh))


def city() -> CityConfig:
    return _load(os.environ.get("CITY_CONFIG") or str(PROJECT_ROOT / "city.yaml"))
