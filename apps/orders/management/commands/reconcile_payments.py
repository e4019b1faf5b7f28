from datetime import timedelta

from django.core.management.base import BaseCommand

from apps.orders.services import orders_reconcile


class Command(BaseCommand):
    help = "Settle orders stuck in pending payment, and void charges of failed bookings."

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace-seconds",
            type=float,
            default=120,
            help="leave orders younger than this to their own request (default 120)",
        )

    def handle(self, *args, grace_seconds, **options):
        report = orders_reconcile(grace_period=timedelta(seconds=grace_seconds))
        self.stdout.write(
            f"paid {len(report.paid)}, failed {len(report.failed)}, voided {len(report.voided)}, "
            f"provider unreachable {len(report.unreachable)}"
        )
