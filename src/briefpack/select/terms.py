"""Terms: what a text is about, as lower-case word parts that code and prose share.

`RateLimiter`, `rate_limiter` and "rate limiting" all give the terms `rate` and `limit`, so a goal in
prose meets the code that implements it. Identifiers are split at snake_case and camelCase;
a whole identifier also counts as a term of its own, so a goal naming `get_user` ranks the file
that holds `get_user` above the files that merely say "get" and "user".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

_STOP_WORDS = """
    a an and any are as at be been but by can could did do does for from had has have how i if
    in into is it its may me might must my no not of on or our out over should so some such than
    that the their them then there these they this those to too up us was we were what when where
    which while who why will with would you your yes also all just only very more most other new
    def class self cls return import none true false null undefined var let const function
    async await else elif try except finally raise pass lambda yield public private protected
    static void int str bool float string number object type interface extends implements new
    this super end begin use mod pub fn impl struct enum match case break continue default
"""
STOP = frozenset(_STOP_WORDS.split())
_MAX_WORD = 40  # longer "words" are hashes, base64 or minified noise
K1, B = 1.2, 0.75  # BM25's saturation and length normalisation


@lru_cache(maxsize=200_000)
def parts(word: str) -> tuple[str, ...]:
    """The terms of one identifier: its parts, stemmed, and (when split) the whole, lower-cased."""
    pieces = [p.lower() for chunk in word.split("_") for p in _PART.findall(chunk)]
    pieces = [stemmed(p) for p in pieces if len(p) > 1 and p not in STOP and not p.isdigit()]
    whole = word.strip("_").lower()
    if len(pieces) > 1 and whole not in STOP:
        pieces.append(whole)
    elif not pieces and len(whole) > 1 and whole not in STOP and not whole.isdigit():
        pieces.append(stemmed(whole))
    return tuple(pieces)


def term_counts(text: str) -> dict[str, int]:
    """Each term of `text` with how often it occurs."""
    counts: dict[str, int] = {}
    get = counts.get
    known = _PARTS
    for word, n in Counter(_WORD.findall(text)).items():
        terms = known.get(word)
        if terms is None:
            terms = known[word] = parts(word) if len(word) <= _MAX_WORD else ()
        for term in terms:
            counts[term] = get(term, 0) + n
    return counts


_PARTS: dict[str, tuple[str, ...]] = {}  # word -> its terms, for this process (words repeat)


def path_terms(path: str) -> list[str]:
    """The terms of a path's folders, file name and stem (`admin/views/login.py`)."""
    return [t for word in _WORD.findall(path.rsplit(".", 1)[0]) for t in parts(word)]


def stemmed(term: str) -> str:
    """A crude English stem: enough to join `limiting`, `limited`, `limits` and `limiter`."""
    for suffix in ("ations", "ation", "ings", "ing", "ers", "er", "ies", "ed", "es", "s"):
        if term.endswith(suffix) and len(term) - len(suffix) >= 3:
            term = term[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    # a final e goes too, so `theme` meets `theming` and `table` meets `tables`
    return term[:-1] if term.endswith("e") and len(term) > 4 else term


def bm25(
    query: Mapping[str, int], docs: Sequence[Mapping[str, int]], lengths: Sequence[int]
) -> tuple[list[float], dict[str, float]]:
    """BM25 of `query`'s terms over each of `docs` (term counts, of `lengths` terms), and each
    query term's idf."""
    n = len(docs)
    avg = sum(lengths) / n if n else 1.0
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(query.keys() & doc.keys())
    idf = {t: math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in query}
    scores = []
    for doc, length in zip(docs, lengths, strict=True):
        norm = K1 * (1 - B + B * length / avg) if avg else K1
        score = 0.0
        for term in query.keys() & doc.keys():
            tf = doc[term]
            score += idf[term] * tf * (K1 + 1) / (tf + norm)
        scores.append(score)
    return scores, idf
