"""A probe context for the event-bus tests: one event type, three recording handlers, and
switches (rows in the database, so they reach worker subprocesses too) that make a handler
fail or stop in the middle of its work."""
