"""The customer context's published interface: the only module other contexts may call.

Data leaves as frozen dataclasses (``apps.customer.dtos``), never model instances. Each
function is the selector or service of the same name.
"""

from apps.customer.dtos import GuestContact
from apps.customer.selectors import guest_contacts
from apps.customer.services import guest_ensure_profile

__all__ = ["GuestContact", "guest_contacts", "guest_ensure_profile"]
