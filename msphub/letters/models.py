"""Letters (issue 13)."""
