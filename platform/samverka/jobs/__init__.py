"""Background jobs on RQ. Jobs carry their tenant explicitly and re-establish its scope."""
