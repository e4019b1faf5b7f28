"""Events the orders context publishes."""
