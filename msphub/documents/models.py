"""Documents (issue 13)."""
