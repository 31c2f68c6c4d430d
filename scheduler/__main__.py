"""``python -m scheduler``: the Procfile's clock process.

``--standby`` waits for the clock lock instead of refusing to start, and
takes over when the running clock stops or loses its lock.
"""

from __future__ import annotations

import argparse
import logging
import sys

from bot import create_app
from scheduler.clock import run_forever
from scheduler.lock import ClockLockTaken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scheduler", description=__doc__)
    parser.add_argument("--standby", action="store_true", help="wait for the running clock")
    args = parser.parse_args(argv)
    app = create_app()
    try:
        return run_forever(app, standby=args.standby)
    except ClockLockTaken as exc:
        logging.getLogger("scheduler").error("refusing to start: %s", exc)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
