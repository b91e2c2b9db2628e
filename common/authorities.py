"""The register of English local authorities with children's services.

Ofsted, councils and letters write the same council many ways ("London Borough
of Newham", "Newham Council", "Kingston Upon Hull, City of", "Hull"); ``find``
maps any of them to one canonical entry with its ONS code, region and URN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

REGISTER_PATH = Path(__file__).with_name("authorities.yaml")
# ONS codes replaced when boundaries moved (2023): DfE's neighbour lists still use the old
# ones; the register holds the new.
SUPERSEDED_ONS_CODES = {"E08000016": "E08000038", "E08000019": "E08000039"}  # Barnsley, Sheffield

# Words that decorate a council's name without distinguishing it.
_PREFIXES = re.compile(
    r"^(?:the\s+)?(?:(?:royal|london)\s+borough\s+of|metropolitan\s+borough\s+of|"
    r"city\s+and\s+county\s+of|county\s+of|borough\s+of|city\s+of|council\s+of(?:\s+the)?)\s+"
)
_SUFFIXES = re.compile(
    r"\s+(?:metropolitan\s+borough\s+council|metropolitan\s+district\s+council|"
    r"borough\s+council|county\s+council|city\s+council|district\s+council|council|mbc|"
    r"local\s+authority|children'?s\s+services)$"
)
# Shortenings letters and councils write for county names and saints ("North East Lincs").
_ABBREVIATIONS = {
    "lincs": "lincolnshire",
    "northants": "northamptonshire",
    "notts": "nottinghamshire",
    "glos": "gloucestershire",
    "herts": "hertfordshire",
    "bucks": "buckinghamshire",
    "beds": "bedfordshire",
    "cambs": "cambridgeshire",
    "hants": "hampshire",
    "lancs": "lancashire",
    "leics": "leicestershire",
    "oxon": "oxfordshire",
    "staffs": "staffordshire",
    "wilts": "wiltshire",
    "worcs": "worcestershire",
    "warks": "warwickshire",
    "derbys": "derbyshire",
    "saint": "st",
}


def normalise_name(name: str) -> str:
    text = name.lower().replace("\u2019", "'").replace("&", " and ").replace(".", " ")
    text = re.sub(r"[\s,]+", " ", text).strip()
    # "Stoke-on-Trent", "Stoke on Trent" and "Kingston-upon-Hull" are written both ways.
    text = re.sub(r"\s*-\s*", " ", text)
    text = " ".join(_ABBREVIATIONS.get(word, word) for word in text.split())
    previous = None
    while previous != text:
        previous = text
        text = _PREFIXES.sub("", text)
        text = _SUFFIXES.sub("", text).strip()
    text = re.sub(r"(?:^| )(?:city of|county of)$", "", text).strip()
    return text


@dataclass(frozen=True)
class Authority:
    name: str
    ons_code: str
    region: str
    urn: str
    dfe_code: str = ""
    la_type: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)
    website: str = ""  # the council's web domain
    # Its ten children's-services statistical neighbours (DfE's benchmarking), ONS codes,
    # nearest first; some may be former authorities no longer in the register.
    neighbours: tuple[str, ...] = field(default_factory=tuple)

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


class Register:
    def __init__(self, authorities: list[Authority]):
        self.authorities = authorities
        self._by_key: dict[str, Authority] = {}
        for a in authorities:
            for label in (a.name, *a.aliases):
                self._by_key.setdefault(normalise_name(label), a)
        self._by_short = _short_forms(authorities, self._by_key)
        self._by_ons = {a.ons_code: a for a in authorities}
        self._by_urn = {a.urn: a for a in authorities}
        # Longest names first, so "North East Lincolnshire" wins over "Lincolnshire".
        self._keys_longest_first = sorted(self._by_key, key=len, reverse=True)

    @classmethod
    def load(cls, path: Path | None = None) -> "Register":
        return _load(str(path or REGISTER_PATH))

    def __iter__(self):
        return iter(self.authorities)

    def __len__(self) -> int:
        return len(self.authorities)

    def find(self, name: str | None) -> Authority | None:
        """The authority a whole name means: its register name, a variant, or a short form that
        names one authority only ("Stoke", "Richmond", "Bedford Borough Council", "Brighton")."""
        if not name:
            return None
        key = normalise_name(name)
        return self._by_key.get(key) or self._by_short.get(key)

    def by_ons_code(self, code: str) -> Authority | None:
        return self._by_ons.get(code)

    def by_urn(self, urn: str) -> Authority | None:
        return self._by_urn.get(str(urn))

    def neighbours_of(self, authority: Authority) -> list[Authority]:
        """The authority's statistical neighbours in the register, nearest first."""
        return [n for n in map(self._by_ons.get, authority.neighbours) if n is not None]

    def find_in_text(self, text: str) -> Authority | None:
        """The authority named in a phrase such as "Focused visit to Wigan
        children's services": the longest register name found in it."""
        # "Barnsley's care leavers" names Barnsley: the possessive is not part of the name.
        haystack = " " + normalise_name(re.sub(r"(?<=\w)[’'`]s\b", "", text)) + " "
        for key in self._keys_longest_first:
            if f" {key} " in haystack:
                return self._by_key[key]
        return None


def _short_forms(authorities: list[Authority], full: dict[str, Authority]) -> dict[str, Authority]:
    """Shortened names, derived from each name rather than listed: "Bedford Borough" -> "bedford",
    "Richmond upon Thames" -> "richmond", "Brighton and Hove" -> "brighton", "Cheshire West and
    Chester" -> "cheshire west". A short form two authorities share ("Kingston") names neither."""
    claims: dict[str, set] = {}
    for a in authorities:
        for label in (a.name, *a.aliases):
            key = normalise_name(label)
            for short in (
                re.sub(r" (?:borough|city)$", "", key),
                re.split(r" (?:upon|on) ", key)[0],
                re.split(r" (?:and|with) ", key)[0],
            ):
                if short != key and len(short) > 3 and short not in full:
                    claims.setdefault(short, set()).add(a)
    return {short: next(iter(owners)) for short, owners in claims.items() if len(owners) == 1}


@lru_cache(maxsize=4)
def _load(path: str) -> Register:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)
    return Register(
        [
            Authority(
                name=e["name"],
                ons_code=e["ons_code"],
                region=e["region"],
                urn=str(e["urn"]),
                dfe_code=str(e.get("dfe_code", "")),
                la_type=e.get("la_type", ""),
                aliases=tuple(e.get("aliases", [])),
                website=e.get("website", ""),
                neighbours=tuple(e.get("neighbours", [])),
            )
            for e in data["authorities"]
        ]
    )
