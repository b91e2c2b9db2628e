"""Similar practice in other councils: from one paragraph, the paragraphs of other
authorities that describe the same practice, best first, at most two per authority.

Each engine finds candidates its own way, ranked by how much of the paragraph's most
distinctive vocabulary they share (Elasticsearch: its core ``more_like_this``; SQLite: the
paragraph's terms weighted as BM25 weights them, then an OR of the best of them ranked by
bm25: ``indexer.engines.sqlite.similar``). What is engine-neutral lives here: which
paragraphs may be shown (Ofsted's words, another authority's, the filters), how a list is
diversified (at most two per authority, no paragraph twice in different letters), and
"learn from" (the strengths on the same practice elsewhere, the authority's statistical
neighbours first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from common.authorities import Register

# "One or two per authority" (issue 19): a council's third paragraph on a practice says less
# than another council's first.
PER_AUTHORITY = 2
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
# Candidates an engine returns before diversifying: enough that two per authority still
# leaves a full list when a few councils dominate the ranking.
CANDIDATES_PER_RESULT = 6
# "Learn from" puts a neighbour's strength first only when it is this close to the best match
# (its score over the best one's): a neighbour's paragraph that shares a few words is not
# better practice to learn from than another council's paragraph about the same thing.
NEIGHBOUR_FLOOR = 0.5
# Only Ofsted's words: a council's press release about itself is not Ofsted's finding.
KIND = "ofsted"
# The stance filter's values (indexer.model.STANCES): a public contract, like the search's.
STANCE_VALUES = ("strength", "improvement", "neutral")
_SPACE = re.compile(r"\s+")


class UnknownParagraph(LookupError):
    """No paragraph with that document id and number is in the index."""


class UnknownAuthority(ValueError):
    """A ``neighbours_of`` value names no authority of the register."""


@dataclass(frozen=True)
class Constraints:
    """What the candidates must be: never the source's own authority; Ofsted's words; one
    of ``authorities`` when given (an authority and its neighbours); of ``stance`` when given."""

    exclude_authority: str
    authorities: tuple[str, ...] | None = None
    stance: str | None = None
    kind: str = KIND


@lru_cache(maxsize=1)
def register() -> Register:
    return Register.load()


def neighbourhood(name: str, authorities: Register | None = None) -> tuple[str, ...]:
    """The authority a ``neighbours_of`` value names and its statistical neighbours
    (register names, the authority first); UnknownAuthority when it names none."""
    authorities = authorities or register()
    found = authorities.find(name)
    if found is None:
        raise UnknownAuthority(name)
    return (found.name, *(n.name for n in authorities.neighbours_of(found)))


def check_stance(stance: str | None) -> str | None:
    if stance is not None and stance not in STANCE_VALUES:
        raise ValueError(f"stance must be one of {', '.join(STANCE_VALUES)}, not {stance[:40]!r}")
    return stance


def similar(
    engine,  # an indexer.engines.base.SearchEngine (which calls us: no import back)
    document_id: str,
    paragraph_number: int,
    *,
    limit: int = DEFAULT_LIMIT,
    neighbours_of: str | None = None,
    stance: str | None = None,
) -> list[dict]:
    """The engine-neutral half of ``SearchEngine.similar``: constraints in, a diversified
    list out; the engine's ``similar_candidates`` does the ranking."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    check_stance(stance)
    source = engine.paragraph(document_id, paragraph_number)
    if source is None:
        raise UnknownParagraph(f"{document_id} has no paragraph {paragraph_number}")
    constraints = Constraints(
        exclude_authority=source.get("authority") or "",
        authorities=neighbourhood(neighbours_of) if neighbours_of else None,
        stance=stance,
    )
    candidates = engine.similar_candidates(source, constraints, limit * CANDIDATES_PER_RESULT)
    return diversify(source, candidates, constraints, limit)


def diversify(source: dict, candidates: Iterable[dict], constraints: Constraints, limit: int) -> list[dict]:
    """Best first, at most PER_AUTHORITY per authority, no text twice (the same finding
    copied into two letters of one council, or the source's own words in a later letter)."""
    seen_texts = {_text_key(source.get("text") or "")}
    per_authority: dict[str, int] = {}
    out = []
    for hit in candidates:
        authority = hit.get("authority") or ""
        if authority == constraints.exclude_authority or hit.get("kind") != constraints.kind:
            continue  # engines filter these already; a guard, never a hole in the contract
        key = _text_key(hit.get("text") or "")
        if key in seen_texts or per_authority.get(authority, 0) >= PER_AUTHORITY:
            continue
        seen_texts.add(key)
        per_authority[authority] = per_authority.get(authority, 0) + 1
        out.append(hit)
        if len(out) == limit:
            break
    return out


def _text_key(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


def learn_from(
    engine,  # an indexer.engines.base.SearchEngine (which calls us: no import back)
    document_id: str,
    paragraph_number: int,
    *,
    limit: int = DEFAULT_LIMIT,
    authorities: Register | None = None,
) -> tuple[list[dict], tuple[str, ...]]:
    """ "Learn from": for a paragraph (typically an area for improvement), the strengths
    Ofsted found on the same practice in other councils. First the paragraph's authority's
    statistical neighbours whose match is close (a score at least NEIGHBOUR_FLOOR of the
    best), then the strengths sharing one of its themes, then the rest, best first within
    each. Returns the list and the neighbours' names."""
    source = engine.paragraph(document_id, paragraph_number)
    if source is None:
        raise UnknownParagraph(f"{document_id} has no paragraph {paragraph_number}")
    authorities = authorities or register()
    home = authorities.find(source.get("authority") or "")
    neighbours = tuple(n.name for n in authorities.neighbours_of(home)) if home else ()
    found = similar(engine, document_id, paragraph_number, limit=MAX_LIMIT, stance="strength")
    themes = set(source.get("themes") or [])
    best = max((hit.get("score") or 0.0 for hit in found), default=0.0)

    def rank(item: tuple[int, dict]) -> tuple:
        position, hit = item
        near = hit.get("authority") in neighbours and (hit.get("score") or 0.0) >= NEIGHBOUR_FLOOR * best
        same_theme = bool(themes & set(hit.get("themes") or [])) if themes else True
        return (not near, not same_theme, position)

    ordered = [hit for _, hit in sorted(enumerate(found), key=rank)]
    return ordered[: max(1, min(int(limit), MAX_LIMIT))], neighbours
