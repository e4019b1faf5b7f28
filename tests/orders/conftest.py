import pytest

from tests.reservations.factories import CancellationPolicyFactory


@pytest.fixture
def cancellation_policy(room_type):
    """The test hotel's cancellation policy, a real row: free until 3 days before check-in,
    then 30 % of the total kept, nothing back from the check-in day (hotel's local dates).

    ``booking()`` checks in a week from the hotel's today, inside the free window (no fee);
    ``booking(days_ahead=2)`` is past it (30 %). Change the row to state another policy."""
    return CancellationPolicyFactory(
        hotel=room_type.hotel, free_until_days_before=3, fee_percent=30
    )
