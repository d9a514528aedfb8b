"""How far two coders agree: percent agreement and Cohen's kappa for a present/absent judgement.

Pure functions over pairs of judgements, one pair per answer: (the first coder ticked the theme,
the second coder ticked it). docs/tempcheck-coding.md has the definitions and a worked example.

Arithmetic is exact (fractions), so kappa is the same whichever coder is called the first, and a
value shown as 0.60 is 0.6, not 0.59999.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

Pair = tuple[bool, bool]


@dataclass(frozen=True)
class Agreement:
    """Agreement over ``n`` answers: ``agreed`` of them judged alike (both ticked or both not)."""

    n: int
    agreed: int
    both: int  # both coders ticked it
    first_only: int
    second_only: int
    kappa: Fraction | None  # None: not defined (both coders gave one judgement throughout)

    @property
    def neither(self) -> int:
        return self.n - self.both - self.first_only - self.second_only

    @property
    def percent(self) -> Fraction | None:
        """Percent agreement, 0 to 100; None for no answers."""
        return Fraction(100 * self.agreed, self.n) if self.n else None


def table(pairs: Iterable[Pair]) -> tuple[int, int, int, int]:
    """(both, first only, second only, neither): the two-by-two table of the judgements."""
    both = first = second = neither = 0
    for a, b in pairs:
        if a and b:
            both += 1
        elif a:
            first += 1
        elif b:
            second += 1
        else:
            neither += 1
    return both, first, second, neither


def kappa_from_table(both: int, first_only: int, second_only: int, neither: int) -> Fraction | None:
    """Cohen's kappa, (p_o - p_e) / (1 - p_e), where p_o is the share of answers judged alike and
    p_e the share expected alike by chance from each coder's own rate of ticking:
    p_e = p1 * p2 + (1 - p1) * (1 - p2).

    Not defined (None) when p_e is 1, that is when both coders gave the same single judgement to
    every answer (both always ticked it, or neither ever did): agreement is then complete but says
    nothing about chance. Also None for no answers. When only one coder never varied, kappa is 0.
    """
    n = both + first_only + second_only + neither
    if n == 0:
        return None
    p_o = Fraction(both + neither, n)
    p1 = Fraction(both + first_only, n)
    p2 = Fraction(both + second_only, n)
    p_e = p1 * p2 + (1 - p1) * (1 - p2)
    if p_e == 1:
        return None
    return (p_o - p_e) / (1 - p_e)


def cohen_kappa(pairs: Iterable[Pair]) -> Fraction | None:
    """Cohen's kappa of the pairs of judgements (see ``kappa_from_table``)."""
    return kappa_from_table(*table(pairs))


def from_table(both: int, first_only: int, second_only: int, neither: int) -> Agreement:
    """The agreement of a two-by-two table of judgements."""
    return Agreement(
        n=both + first_only + second_only + neither,
        agreed=both + neither,
        both=both,
        first_only=first_only,
        second_only=second_only,
        kappa=kappa_from_table(both, first_only, second_only, neither),
    )


def agreement(pairs: Iterable[Pair]) -> Agreement:
    return from_table(*table(pairs))


def pooled(per_theme: Iterable[Agreement]) -> Agreement:
    """The overall figure: every (answer, theme) judgement of every theme counted as one item."""
    both = first_only = second_only = neither = 0
    for a in per_theme:
        both += a.both
        first_only += a.first_only
        second_only += a.second_only
        neither += a.neither
    return from_table(both, first_only, second_only, neither)


# Landis and Koch (1977), "The measurement of observer agreement for categorical data",
# Biometrics 33(1): 159-174: the usual words for a kappa. A convention, not a test.
# Below 0 is "poor"; from 0, each band runs up to and including its upper bound.
BANDS: tuple[tuple[Fraction, str], ...] = (
    (Fraction(1, 5), "slight"),
    (Fraction(2, 5), "fair"),
    (Fraction(3, 5), "moderate"),
    (Fraction(4, 5), "substantial"),
    (Fraction(1), "almost perfect"),
)


def in_words(kappa: Fraction | None) -> str:
    """ "moderate" for 0.55; "not defined" where kappa is not."""
    if kappa is None:
        return "not defined"
    if kappa < 0:
        return "poor"
    return next(words for upper, words in BANDS if kappa <= upper)


def show_kappa(kappa: Fraction | None) -> str:
    """Kappa to two decimal places, half away from zero ("0.60", "-0.25"), or "not defined"."""
    if kappa is None:
        return "not defined"
    hundredths = abs(kappa) * 100
    whole = int(hundredths + Fraction(1, 2))
    sign = "-" if kappa < 0 and whole else ""
    return f"{sign}{whole // 100}.{whole % 100:02d}"


def show_percent(value: Fraction | None) -> str:
    """A whole percentage, half rounded up, as the reports print them ("83%"), or "-"."""
    if value is None:
        return "-"
    return f"{int(value + Fraction(1, 2))}%"
