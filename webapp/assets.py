"""Copy GOV.UK Frontend's built assets from node_modules into webapp/static/govuk.

Run after ``npm ci`` (which installs the version pinned in package-lock.json):

    npm ci && python -m webapp.assets

The stylesheet refers to its fonts and images at ``/assets/…``; the copy
rewrites those to relative URLs so they resolve beside the stylesheet,
wherever the app is mounted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"
TARGET = Path(__file__).resolve().parent / "static" / "govuk"
FILES = (
    "govuk-frontend.min.css",
    "govuk-frontend.min.css.map",
    "govuk-frontend.min.js",
    "govuk-frontend.min.js.map",
)


class AssetsMissing(RuntimeError):
    pass


def installed_version(source: Path = SOURCE) -> str:
    package = source.parents[1] / "package.json"
    if not package.is_file():
        raise AssetsMissing(f"govuk-frontend is not installed ({package} is missing): run `npm ci` first")
    return json.loads(package.read_text())["version"]


def copy_assets(source: Path = SOURCE, target: Path = TARGET) -> str:
    version = installed_version(source)
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in FILES:
        shutil.copy2(source / name, staging / name)
    css = staging / "govuk-frontend.min.css"
    css.write_text(css.read_text(encoding="utf-8").replace("url(/assets/", "url(assets/"), encoding="utf-8")
    shutil.copytree(source / "assets", staging / "assets")
    (staging / "VERSION").write_text(version + "\n")
    # Swap in the complete copy at once, so a running app never serves half of it.
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return version


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    try:
        version = copy_assets()
    except AssetsMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"copied govuk-frontend {version} to {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
