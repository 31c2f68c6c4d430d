"""``python -m scheduler``: the Procfile's clock process."""

from __future__ import annotations

import logging
import sys

from bot import create_app
from scheduler.clock import run_forever
from scheduler.lock import ClockLockTaken


def main() -> int:
    app = create_app()
    try:
        run_forever(app)
    except ClockLockTaken as exc:
        logging.getLogger("scheduler").error("refusing to start: %s", exc)
        return 1
    except (KeyboardInterrupt, SystemExit):
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
