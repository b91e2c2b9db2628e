"""The values each search filter can take, and reading them as people write them.

One vocabulary for the CLI (``--theme "Staying put"``), the JSON API (400 with the valid
values for one that matches nothing) and the OpenAPI document (enums). Values are matched
without regard to case or spacing; a theme by its id or by the label the web pages show;
an authority by any form the authority register knows (name, alias, ONS code); a document
type by the words that name it ("focused visit", "ILACS").
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from common.authorities import Register
from indexer.metadata import COUNCIL_RESPONSE, FOCUSED_VISIT, GRADES, INSPECTION, JTAI, MONITORING
from indexer.themes import Taxonomy

STANCE_LABELS = {"strength": "Strength", "improvement": "Area for improvement", "neutral": "Neutral"}
KIND_LABELS = {"ofsted": "Ofsted", "council": "Council", "file": "Added file"}
DOCUMENT_TYPES = (FOCUSED_VISIT, INSPECTION, MONITORING, JTAI, COUNCIL_RESPONSE)
JUDGEMENTS = tuple(dict.fromkeys(GRADES.values()))
# Short names people use for document types, beside the types' own names.
_TYPE_WORDS = {
    "focused visit": FOCUSED_VISIT,
    "fv": FOCUSED_VISIT,
    "inspection": INSPECTION,
    "ilacs": INSPECTION,
    "full inspection": INSPECTION,
    "monitoring": MONITORING,
    "monitoring visit": MONITORING,
    "jtai": JTAI,
    "council": COUNCIL_RESPONSE,
    "council response": COUNCIL_RESPONSE,
    "press release": COUNCIL_RESPONSE,
}
_YEAR = re.compile(r"^\d{4}$")
# Facets with a closed list of values; "year" is any four-digit year.
ENUMERATED = ("authority", "region", "document_type", "theme", "stance", "judgement", "kind")


class UnknownFilterValue(ValueError):
    """A filter value that matches nothing; the message lists what would."""

    def __init__(self, facet: str, value: str, hint: str):
        super().__init__(f"{facet} {value!r} matches nothing: {hint}")
        self.facet, self.value, self.hint = facet, value, hint


def _key(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.replace("\u2019", "'")).strip().casefold()


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict[str, str]]:
    """facet -> {matching key: the value the index holds}."""
    register = Register.load()
    themes = Taxonomy.load().labels()
    tables: dict[str, dict[str, str]] = {
        "region": {_key(a.region): a.region for a in register},
        "document_type": {
            **{_key(t): t for t in DOCUMENT_TYPES},
            **{_key(w): t for w, t in _TYPE_WORDS.items()},
        },
        "theme": {
            **{_key(label): tid for tid, label in themes.items()},
            **{_key(tid): tid for tid in themes},
        },
        "stance": {
            **{_key(label): s for s, label in STANCE_LABELS.items()},
            **{_key(s): s for s in STANCE_LABELS},
        },
        "judgement": {_key(g): g for g in JUDGEMENTS},
        "kind": {**{_key(label): k for k, label in KIND_LABELS.items()}, **{_key(k): k for k in KIND_LABELS}},
    }
    return tables


def valid_values(facet: str) -> list[str]:
    """The values the index holds for ``facet`` (what the API's enums list)."""
    if facet == "authority":
        return [a.name for a in Register.load()]
    if facet == "theme":
        return list(Taxonomy.load().labels())
    if facet == "stance":
        return list(STANCE_LABELS)
    if facet == "kind":
        return list(KIND_LABELS)
    if facet == "judgement":
        return list(JUDGEMENTS)
    if facet == "document_type":
        return list(DOCUMENT_TYPES)
    if facet == "region":
        return sorted({a.region for a in Register.load()})
    return []


def described_values(facet: str) -> str:
    """The valid values as a person would write them (for --help and error messages)."""
    if facet == "authority":
        return (
            "an English local authority as the authority register names it: its name "
            '("Leeds", "Bath and North East Somerset"), a common form ("Leeds City '
            'Council", "BANES") or its ONS code'
        )
    if facet == "year":
        return "a four-digit year, e.g. 2024"
    if facet == "theme":
        return "; ".join(f"{label} ({tid})" for tid, label in Taxonomy.load().labels().items())
    if facet == "stance":
        return "; ".join(f"{label} ({s})" for s, label in STANCE_LABELS.items())
    if facet == "kind":
        return "; ".join(f"{label} ({k})" for k, label in KIND_LABELS.items())
    return "; ".join(valid_values(facet))


def resolve(facet: str, value: str) -> str:
    """The index's value for what someone wrote, or UnknownFilterValue."""
    text = value.strip()
    if facet == "year":
        if _YEAR.match(text):
            return text
        raise UnknownFilterValue(facet, value, described_values(facet))
    if facet == "authority":
        register = Register.load()
        found = register.find(text) or register.by_ons_code(text.upper()) or _council_form(register, text)
        if found:
            return found.name
        names = [a.name for a in register]
        close = difflib.get_close_matches(text, names, n=5, cutoff=0.6)
        hint = described_values(facet) + (f"; did you mean {', '.join(close)}?" if close else "")
        raise UnknownFilterValue(facet, value, hint)
    table = _tables().get(facet)
    if table is None:
        raise UnknownFilterValue(facet, value, "no such filter")
    found = table.get(_key(text))
    if found is None:
        raise UnknownFilterValue(facet, value, "choose from " + described_values(facet))
    return found


def _council_form(register: Register, text: str):
    """ "Leeds City Council", "London Borough of Enfield", "Devon County Council": the
    register's name inside the ways councils name themselves."""
    stripped = re.sub(
        r"^(?:the\s+)?(?:london\s+borough\s+of|royal\s+borough\s+of|city\s+of|"
        r"metropolitan\s+borough\s+of|borough\s+of|county\s+of)\s+",
        "",
        text.strip(),
        flags=re.I,
    )
    stripped = re.sub(
        r"\s+(?:metropolitan\s+borough|county\s+borough|borough|city|county|district)?"
        r"\s*council$",
        "",
        stripped,
        flags=re.I,
    )
    return register.find(stripped) if stripped != text else None


def resolve_filters(filters: dict[str, list[str]]) -> dict[str, list[str]]:
    """Every value of every filter resolved; the first that matches nothing raises."""
    return {
        facet: list(dict.fromkeys(resolve(facet, v) for v in values))
        for facet, values in filters.items()
        if values
    }


# -- "authorities like mine": an authority and its statistical neighbours (issue 19) -------
NEIGHBOURS_OF = "neighbours_of"


def neighbour_group(value: str) -> list[str]:
    """The authority ``value`` names and its ten statistical neighbours (DfE's children's-services
    benchmarking, from the authority register), nearest first, as the index names them.
    A value that names no authority is an UnknownFilterValue for ``neighbours_of``."""
    try:
        name = resolve("authority", value)
    except UnknownFilterValue as exc:
        raise UnknownFilterValue(NEIGHBOURS_OF, value, exc.hint) from None
    register = Register.load()
    authority = register.find(name)
    return [name] + [n.name for n in register.neighbours_of(authority)]


def limit_to_neighbours(filters: dict[str, list[str]], anchors: list[str]) -> dict[str, list[str]]:
    """``filters`` with the authority filter limited to the anchors' neighbour groups (several
    anchors: their union). The neighbours filter is just a set of authorities, so it works on
    any engine; with an authority filter too, both must hold, and an authority outside every
    group is an UnknownFilterValue listing the group."""
    if not anchors:
        return filters
    group = list(dict.fromkeys(name for anchor in anchors for name in neighbour_group(anchor)))
    chosen = filters.get("authority")
    if not chosen:
        return {**filters, "authority": group}
    kept = [a for a in chosen if a in group]
    if not kept:
        raise UnknownFilterValue(
            "authority",
            ", ".join(chosen),
            f"not among the statistical neighbours of {', '.join(anchors)}: choose from " + "; ".join(group),
        )
    return {**filters, "authority": kept}
