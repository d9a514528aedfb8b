"""Theme suggestions for an answer not coded yet, from the answers already coded: the coded answers
whose words are most like its words (TF-IDF weights, cosine similarity), and the themes they carry.

Computed here, in plain Python, from the answers in the database: no model, no download, nothing
sent anywhere. A suggestion is a hint shown beside the checkbox; it is never ticked for the coder.
docs/tempcheck-coding.md gives the rule.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# Words too common to say what an answer is about (a short English stop list, with the words every
# answer to a temperature-check question uses: "MSP", "safeguarding", "council").
STOP_WORDS = frozenset(
    """a about above after again all also am an and any are as at be been being both but by can
    could did do does doing done for from had has have having he her here him his how i if in into
    is it its it's just more most my no not now of on once only or other our out over own same she
    so some such than that the their them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your
    msp safeguarding council councils us get got make making personal""".split()
)
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Endings cut so that "outcomes", "outcome" and "outcome-focused" meet, "listening" and "listen";
# then a final "e" (so "value", "values" and "valued" meet too).
SUFFIXES = ("ingly", "ings", "ing", "edly", "ied", "ies", "ed", "s", "ly")

# How many of the most similar coded answers are looked at, and how like the answer they must be.
NEIGHBOURS = 5
MIN_SIMILARITY = 0.1


def stem(word: str) -> str:
    """A crude stem: the word less one common ending and a final "e", while three letters are left."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)] + ("y" if suffix in ("ied", "ies") else "")
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    """The stems of an answer's words, less the stop words."""
    found = WORD.findall(text.lower().replace("\u2019", "'"))
    return [stem(w.removesuffix("'s")) for w in found if w not in STOP_WORDS and len(w) > 1]


Vector = dict[str, float]


def vectors(texts: Sequence[str]) -> list[Vector]:
    """TF-IDF vectors of the texts, each of unit length (an empty text gives an empty vector).

    Term frequency is the count in the text; inverse document frequency is ln((1 + N) / (1 + df))
    + 1 (smoothed, so a word in every text still counts a little)."""
    bags = [Counter(words(t)) for t in texts]
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    n = len(texts)
    idf = {term: math.log((1 + n) / (1 + count)) + 1 for term, count in df.items()}
    out = []
    for bag in bags:
        v = {term: tf * idf[term] for term, tf in bag.items()}
        norm = math.sqrt(sum(x * x for x in v.values()))
        out.append({term: x / norm for term, x in v.items()} if norm else {})
    return out


def cosine(a: Vector, b: Vector) -> float:
    """The cosine of two unit vectors, 0 to 1 (0 if either is empty)."""
    if len(a) > len(b):
        a, b = b, a
    value = sum(x * b.get(term, 0.0) for term, x in a.items())
    return min(1.0, max(0.0, value))


def similarity(text: str, other: str) -> float:
    """How alike two texts' words are (0 to 1), weighted as if they were the only two texts."""
    a, b = vectors([text, other])
    return cosine(a, b)


@dataclass(frozen=True)
class Suggestion:
    theme: int  # the theme's id
    similar: int  # how many of the similar coded answers carry it


def suggest(
    uncoded: Mapping[int, str],
    coded: Mapping[int, tuple[str, Iterable[int]]],
    *,
    neighbours: int = NEIGHBOURS,
    min_similarity: float = MIN_SIMILARITY,
) -> dict[int, list[Suggestion]]:
    """For each uncoded answer (id -> text), the themes carried by at least half of its most similar
    coded answers (id -> (text, theme ids)), most carried first: {answer id: [Suggestion]}.

    The similar answers are the ``neighbours`` coded answers most like it, each at least
    ``min_similarity`` alike. An answer with no coded answer that alike gets no suggestion. Weights
    are computed over the uncoded and coded answers together."""
    uncoded_ids = [pk for pk in uncoded if pk not in coded]
    coded_ids = list(coded)
    if not uncoded_ids or not coded_ids:
        return {}
    all_vectors = vectors([uncoded[pk] for pk in uncoded_ids] + [coded[pk][0] for pk in coded_ids])
    theirs = list(zip(coded_ids, all_vectors[len(uncoded_ids) :], strict=True))
    themes = {pk: set(coded[pk][1]) for pk in coded_ids}
    out: dict[int, list[Suggestion]] = {}
    for pk, vector in zip(uncoded_ids, all_vectors, strict=False):
        if not vector:
            continue
        alike = sorted(
            ((cosine(vector, v), other) for other, v in theirs if v),
            key=lambda s: (-s[0], s[1]),
        )
        near = [other for score, other in alike[:neighbours] if score >= min_similarity]
        if not near:
            continue
        carried: Counter[int] = Counter()
        for other in near:
            carried.update(themes[other])
        wanted = (len(near) + 1) // 2  # at least half of them
        found = [
            Suggestion(theme=theme, similar=count)
            for theme, count in sorted(carried.items(), key=lambda c: (-c[1], c[0]))
            if count >= wanted
        ]
        if found:
            out[pk] = found
    return out
