"""``manage.py outbox``: run the worker and look after the outbox.

outbox work [--until-idle]         drain deliveries; stops cleanly on SIGTERM/SIGINT
outbox status                      backlog, oldest pending age, dead, blocked, lag
outbox replay [--handler H] [ID…]  give dead deliveries a fresh set of attempts
outbox purge [--older-than-hours]  delete done deliveries past the retention
outbox rename-handler OLD NEW      move a renamed handler's open deliveries
outbox discard-handler NAME        close a removed handler's open deliveries
"""

import logging
import signal
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from hotel.eventbus import maintenance
from hotel.eventbus.worker import OrphanedDeliveries, OutboxWorker
from hotel.periodic_jobs import PeriodicScheduler

logger = logging.getLogger("hotel.eventbus.worker")


class Command(BaseCommand):
    help = "Run the outbox worker, or inspect and repair the outbox."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        work = actions.add_parser("work", help="drain deliveries until stopped")
        work.add_argument("--until-idle", action="store_true", help="exit when nothing is due")
        work.add_argument("--batch-size", type=int, default=None)
        work.add_argument("--no-periodic", action="store_true", help="skip scheduled jobs")
        actions.add_parser("status", help="backlog, dead deliveries and lag")
        replay = actions.add_parser("replay", help="retry dead deliveries")
        replay.add_argument("ids", nargs="*", type=int, help="delivery ids (default: all dead)")
        replay.add_argument("--handler", default=None)
        purge = actions.add_parser("purge", help="delete done deliveries past the retention")
        purge.add_argument("--older-than-hours", type=float, default=None)
        rename = actions.add_parser("rename-handler", help="move open deliveries to a new name")
        rename.add_argument("old")
        rename.add_argument("new")
        discard = actions.add_parser("discard-handler", help="close a removed handler's deliveries")
        discard.add_argument("name")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action.replace('-', '_')}")(**options)

    def _work(self, *, until_idle, batch_size, no_periodic, **_):
        if maintenance.autovacuum_is_off():
            logger.warning(maintenance.AUTOVACUUM_OFF_WARNING)
        worker = OutboxWorker(batch_size=batch_size)

        def stop(signum, frame):
            worker.request_stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            worker.run(until_idle=until_idle, periodic=None if no_periodic else PeriodicScheduler())
        except OrphanedDeliveries as exc:
            raise CommandError(str(exc)) from exc

    def _status(self, **_):
        status = maintenance.outbox_status()
        write = self.stdout.write
        write("deliveries by state: " + ", ".join(f"{k} {v}" for k, v in status.by_state.items()))
        write(f"in flight {status.in_flight}, blocked behind dead {status.blocked}")
        write("")
        write(f"{'handler':<48} {'pending':>8} {'flight':>7} {'blocked':>8} {'dead':>5} oldest")
        for row in status.handlers:
            age = (
                f"{row.oldest_pending_age_seconds:.1f}s"
                if row.oldest_pending_age_seconds is not None
                else "-"
            )
            write(
                f"{row.handler:<48} {row.pending:>8} {row.in_flight:>7} {row.blocked:>8} "
                f"{row.dead:>5} {age}"
            )
        write("")
        if status.lag_sample_size:
            write(
                f"lag (publish to handled, last {status.lag_sample_size} deliveries): "
                f"p50 {status.lag_p50_ms:.1f} ms, p95 {status.lag_p95_ms:.1f} ms, "
                f"p99 {status.lag_p99_ms:.1f} ms"
            )
        else:
            write("lag: no deliveries handled recently")
        if maintenance.autovacuum_is_off():
            write("")
            write("WARNING: " + maintenance.AUTOVACUUM_OFF_WARNING)

    def _replay(self, *, ids, handler, **_):
        count = maintenance.replay_dead(delivery_ids=ids or None, handler=handler)
        self.stdout.write(f"replaying {count} dead deliveries")

    def _purge(self, *, older_than_hours, **_):
        older_than = None if older_than_hours is None else timedelta(hours=older_than_hours)
        self.stdout.write(f"purged {maintenance.purge_done(older_than=older_than)} done deliveries")

    def _rename_handler(self, *, old, new, **_):
        count = maintenance.rename_handler(old=old, new=new)
        self.stdout.write(f"moved {count} open deliveries from {old} to {new}")

    def _discard_handler(self, *, name, **_):
        count = maintenance.discard_handler(name=name)
        self.stdout.write(f"closed {count} open deliveries of {name}")
