"""The orders context's published interface: the only module other contexts may call."""
