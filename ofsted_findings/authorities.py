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

# Words that decorate a council's name without distinguishing it.
_PREFIXES = re.compile(
    r"^(?:the\s+)?(?:(?:royal|london)\s+borough\s+of|metropolitan\s+borough\s+of|"
    r"city\s+and\s+county\s+of|county\s+of|borough\s+of|city\s+of|council\s+of(?:\s+the)?)\s+")
_SUFFIXES = re.compile(
    r"\s+(?:metropolitan\s+borough\s+council|metropolitan\s+district\s+council|"
    r"borough\s+council|county\s+council|city\s+council|district\s+council|council|"
    r"local\s+authority|children'?s\s+services)$")


def normalise_name(name: str) -> str:
    text = name.lower().replace("\u2019", "'").replace("&", " and ").replace(".", " ")
    text = re.sub(r"[\s,]+", " ", text).strip()
    text = re.sub(r"\s*-\s*", "-", text)
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
    website: str = ""

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
        if not name:
            return None
        return self._by_key.get(normalise_name(name))

    def by_ons_code(self, code: str) -> Authority | None:
        return self._by_ons.get(code)

    def by_urn(self, urn: str) -> Authority | None:
        return self._by_urn.get(str(urn))

    def find_in_text(self, text: str) -> Authority | None:
        """The authority named in a phrase such as "Focused visit to Wigan
        children's services": the longest register name found in it."""
        haystack = " " + normalise_name(text) + " "
        for key in self._keys_longest_first:
            if f" {key} " in haystack:
                return self._by_key[key]
        return None


@lru_cache(maxsize=4)
def _load(path: str) -> Register:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)
    return Register([
        Authority(name=e["name"], ons_code=e["ons_code"], region=e["region"], urn=str(e["urn"]),
                  dfe_code=str(e.get("dfe_code", "")), la_type=e.get("la_type", ""),
                  aliases=tuple(e.get("aliases", [])), website=e.get("website", ""))
        for e in data["authorities"]
    ])
