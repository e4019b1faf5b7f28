"""A bench-only app: one event type with one no-op handler, to measure the bus itself."""
