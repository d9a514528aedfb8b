"""Worktray (issue 13)."""
