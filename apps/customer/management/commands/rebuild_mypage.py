"""``manage.py rebuild_mypage``: recreate the mypage read model from the stored events."""

from django.core.management.base import BaseCommand

from apps.customer.projection import mypage_rebuild


class Command(BaseCommand):
    help = (
        "Empty the mypage projection and replay every stored booking event into it, in outbox "
        "order, through the live projection code (run it after changing the projection). "
        "Sends no messages."
    )

    def handle(self, *args, **options) -> None:
        events, entries = mypage_rebuild()
        self.stdout.write(
            self.style.SUCCESS(f"mypage rebuilt: {events} events replayed into {entries} entries")
        )
