"""Events the reservations context publishes."""
