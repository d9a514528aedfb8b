"""The one error an import (a file of figures or answers) is refused with.

An import is all or nothing: it checks everything first and, if anything is wrong, writes nothing
and raises ``ImportRefused`` with every problem found, each saying where it is (a line of a CSV
file, a field of a JSON file, or the file), in words shown to the person importing as they are.
"""

from __future__ import annotations


class ImportRefused(ValueError):
    """Nothing was imported; ``problems`` says why, one problem a string."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems

    @classmethod
    def at_line(cls, line: int, problem: str) -> ImportRefused:
        """One problem on one line of a file: ``line 3: ...``."""
        return cls([f"line {line}: {problem}"])

    def within(self, name: str) -> list[str]:
        """The problems, each prefixed with the name of the file they were found in."""
        return [f"{name}: {problem}" for problem in self.problems]
