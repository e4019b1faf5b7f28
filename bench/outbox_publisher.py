"""Publish a steady stream of events through Django; print {event_id: commit time} as JSON."""

import json
import sys
import time

import django

django.setup()

from django.db import transaction  # noqa: E402

from bench.noop.handlers import Ticked  # noqa: E402
from hotel.eventbus import publish  # noqa: E402


def main(rate: int, seconds: float) -> None:
    committed: dict[str, float] = {}
    interval = 1 / rate
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        with transaction.atomic():
            meta = publish(Ticked(key=str(n % 1000), n=n))
        committed[str(meta.event_id)] = time.time()
        n += 1
        pause = start + n * interval - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    json.dump(committed, sys.stdout)


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]))
