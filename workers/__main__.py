"""``python -m workers``: one worker process configured from the environment."""

from __future__ import annotations

import logging

from core.settings import get_settings
from workers.process import run_worker_process


def main() -> None:
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("pika").setLevel(logging.WARNING)
    run_worker_process(settings)


if __name__ == "__main__":
    main()
