"""The GOV.UK Frontend assets: pinned in package.json, copied by webapp.assets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from webapp import assets

ROOT = Path(__file__).resolve().parents[2]


def fake_frontend(root: Path, version: str = "6.3.0") -> Path:
    package = root / "node_modules" / "govuk-frontend"
    dist = package / "dist" / "govuk"
    (dist / "assets" / "fonts").mkdir(parents=True)
    (dist / "assets" / "images").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": "govuk-frontend", "version": version}))
    (dist / "govuk-frontend.min.css").write_text(
        "@font-face{src:url(/assets/fonts/bold.woff2)}.x{background:url(/assets/images/crest.svg)}"
    )
    for name in ("govuk-frontend.min.css.map", "govuk-frontend.min.js", "govuk-frontend.min.js.map"):
        (dist / name).write_text("// " + name)
    (dist / "assets" / "fonts" / "bold.woff2").write_bytes(b"font")
    (dist / "assets" / "images" / "crest.svg").write_text("<svg/>")
    return dist


def test_copy_rewrites_asset_urls_to_sit_beside_the_stylesheet(tmp_path):
    source = fake_frontend(tmp_path)
    target = tmp_path / "static" / "govuk"
    assert assets.copy_assets(source, target) == "6.3.0"
    css = (target / "govuk-frontend.min.css").read_text()
    assert "url(assets/fonts/bold.woff2)" in css and "url(/assets/" not in css
    assert (target / "assets" / "fonts" / "bold.woff2").read_bytes() == b"font"
    assert (target / "VERSION").read_text().strip() == "6.3.0"
    assert not (tmp_path / "static" / "govuk.tmp").exists()


def test_copy_replaces_an_older_copy_completely(tmp_path):
    target = tmp_path / "static" / "govuk"
    (target / "stale").mkdir(parents=True)
    assets.copy_assets(fake_frontend(tmp_path), target)
    assert not (target / "stale").exists()


def test_missing_node_modules_is_a_clear_error(tmp_path):
    with pytest.raises(assets.AssetsMissing, match="npm ci"):
        assets.copy_assets(tmp_path / "node_modules" / "govuk-frontend" / "dist" / "govuk", tmp_path / "out")


def test_the_pinned_frontend_is_the_one_the_jinja_macros_support_and_is_installed():
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    pinned = package["devDependencies"]["govuk-frontend"]
    assert lock["packages"]["node_modules/govuk-frontend"]["version"] == pinned
    # govuk-frontend-jinja 4.x ports the macros of GOV.UK Frontend 6.x.
    from importlib.metadata import version

    assert version("govuk-frontend-jinja").startswith("4.") and pinned.startswith("6.")
    # `make setup` (npm ci && python -m webapp.assets) has put this version in place.
    copied = assets.TARGET / "VERSION"
    assert copied.is_file(), "run `npm ci && python -m webapp.assets` (make setup does)"
    assert copied.read_text().strip() == pinned


def test_the_app_serves_the_copied_assets(client):
    css = client.get("/static/govuk/govuk-frontend.min.css")
    assert css.status_code == 200 and b"govuk" in css.data
    font = client.get("/static/govuk/assets/fonts/bold-b542beb274-v2.woff2")
    assert font.status_code == 200
    js = client.get("/static/app.js")
    assert js.status_code == 200 and js.mimetype == "text/javascript"
