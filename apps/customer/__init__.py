"""The customer context."""
