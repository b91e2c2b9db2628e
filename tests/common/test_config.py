import pytest

from common.config import Settings


def test_defaults_point_at_the_real_sites():
    s = Settings.from_env(environ={})
    assert s.ofsted_url == "https://reports.ofsted.gov.uk"
    assert s.files_url == "https://files.ofsted.gov.uk"
    assert s.engine == "sqlite"


def test_environment_then_flags_override(tmp_path):
    env = {
        "OFSTED_FINDINGS_OFSTED_URL": "http://127.0.0.1:8001",
        "OFSTED_FINDINGS_FILES_URL": "http://127.0.0.1:8002",
        "OFSTED_FINDINGS_DATA_DIR": str(tmp_path / "env"),
        "OFSTED_FINDINGS_ENGINE": "elasticsearch",
        "OFSTED_FINDINGS_ES_URL": "http://127.0.0.1:9201",
    }
    s = Settings.from_env(environ=env)
    assert (s.ofsted_url, s.files_url, s.engine, s.es_url) == (
        "http://127.0.0.1:8001",
        "http://127.0.0.1:8002",
        "elasticsearch",
        "http://127.0.0.1:9201",
    )
    assert s.data_dir == tmp_path / "env"
    flagged = Settings.from_env(environ=env, data_dir=tmp_path / "flag", ofsted_url="http://127.0.0.1:9")
    assert flagged.data_dir == tmp_path / "flag" and flagged.ofsted_url == "http://127.0.0.1:9"
    assert flagged.catalogue_path == tmp_path / "flag" / "catalogue.sqlite3"


@pytest.mark.parametrize(
    "env", [{"OFSTED_FINDINGS_ENGINE": "solr"}, {"OFSTED_FINDINGS_OFSTED_URL": "ftp://example"}]
)
def test_bad_settings_are_refused_with_the_variable_named(env):
    with pytest.raises(ValueError, match="engine|OFSTED_FINDINGS_OFSTED_URL"):
        Settings.from_env(environ=env)


def test_permalink_and_user_agent():
    s = Settings.from_env(environ={}, base_url="http://127.0.0.1:5000/")
    assert s.permalink("abc", 3) == "http://127.0.0.1:5000/documents/abc#p3"
    assert "ofsted-findings" in s.user_agent and s.contact_url in s.user_agent
