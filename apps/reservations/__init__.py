"""The reservations context."""
