"""Real upstream new-api in the loop: a developer tool (see __main__ for its use)."""
