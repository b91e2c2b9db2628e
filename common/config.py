"""Settings: one place that reads the environment, so every command agrees.

Each setting has an environment variable (``OFSTED_FINDINGS_*``) and most have a
CLI flag; a flag wins over the environment, the environment over the default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

ENV_PREFIX = "OFSTED_FINDINGS_"
ENGINES = ("sqlite", "elasticsearch")


# The project's checkout; the shared corpus, reference data and research notes sit beside
# it as ``../shared`` unless OFSTED_FINDINGS_SHARED says where.
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def shared_dir(environ: dict[str, str] | None = None) -> Path:
    """The shared corpus folder (``../shared``, or $OFSTED_FINDINGS_SHARED)."""
    environ = os.environ if environ is None else environ
    return Path(environ.get(f"{ENV_PREFIX}SHARED") or PROJECT_ROOT.parent / "shared")


def default_data_dir() -> Path:
    # XDG keeps user data out of the source tree and survives re-clones.
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "ofsted-findings"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    engine: str = "sqlite"
    es_url: str = "http://127.0.0.1:9200"
    es_index: str = "ofsted-findings"
    ofsted_url: str = "https://reports.ofsted.gov.uk"
    files_url: str = "https://files.ofsted.gov.uk"
    base_url: str = "http://127.0.0.1:5000"
    contact_url: str = "https://github.com/ofsted-findings/ofsted-findings"
    crawl_env: str = "prod"  # which crawler settings module: prod (polite) or local (replicas)

    # -- derived paths: the data directory holds everything the project writes
    @property
    def catalogue_path(self) -> Path:
        return self.data_dir / "catalogue.sqlite3"

    @property
    def blobs_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def sqlite_index_path(self) -> Path:
        return self.data_dir / "index.sqlite3"

    @property
    def crawl_state_dir(self) -> Path:
        return self.data_dir / "crawl-state"

    @property
    def sample_data_marker(self) -> Path:
        """Written by ``demo`` into its data directory: the web app then labels every page
        as showing sample documents, whoever serves that directory."""
        return self.data_dir / "SAMPLE-DATA.txt"

    @property
    def holds_sample_data(self) -> bool:
        return self.sample_data_marker.is_file()

    @property
    def served_at_file(self) -> Path:
        """Where ``serve`` and ``demo`` record the address they serve this folder at, so
        that the CLI's permalinks point at the running site unless told otherwise."""
        return self.data_dir / "served-at.txt"

    @property
    def user_agent(self) -> str:
        return f"ofsted-findings/0.1 (+{self.contact_url})"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        env = os.environ if environ is None else environ
        values: dict = {}
        for name in cls.__dataclass_fields__:
            raw = env.get(ENV_PREFIX + name.upper())
            if raw:
                values[name] = Path(raw).expanduser() if name == "data_dir" else raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "data_dir" in values:
            values["data_dir"] = Path(values["data_dir"]).expanduser()
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine {self.engine!r}: choose one of {', '.join(ENGINES)}")
        for name in ("ofsted_url", "files_url", "es_url", "base_url"):
            value = getattr(self, name)
            if not value.startswith(("http://", "https://")):
                raise ValueError(f"{ENV_PREFIX}{name.upper()} must be an http(s) URL, not {value!r}")

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    def permalink(self, document_id: str, paragraph_number: int | None = None) -> str:
        return self.base_url.rstrip("/") + document_path(document_id, paragraph_number)


def document_path(document_id: str, paragraph_number: int | None = None) -> str:
    """A document's page, or one paragraph's anchor on it, below the site's base URL."""
    path = f"/documents/{document_id}"
    return f"{path}#p{paragraph_number}" if paragraph_number is not None else path
