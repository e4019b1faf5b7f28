"""Events the payments context publishes."""
