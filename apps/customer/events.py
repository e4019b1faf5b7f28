"""Events the customer context publishes."""
