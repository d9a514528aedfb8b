"""Case file (issue 13)."""
