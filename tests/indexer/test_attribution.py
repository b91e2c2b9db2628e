"""Whose words a paragraph is (issue 17): an ingested council press release is the
council's, an ingested Ofsted letter is Ofsted's, and Ofsted-only searches never count
a council's boast as Ofsted's praise."""

from __future__ import annotations

import shutil

import pytest

from common.config import Settings
from common.store import DocumentStore
from indexer.attribution import whose_words
from indexer.engines.base import SearchRequest
from indexer.extract import _front_matter, _text_lines
from indexer.pipeline import ingest
from indexer.search import Searcher
from tests.indexer.support import extract_file

# The example from issue 17, as a council would publish it: no front matter, nothing
# but the content to say whose words these are.
PRESS_RELEASE = """Ofsted praises Wigan's support for care leavers

12 March 2025

Ofsted inspectors visited our leaving care service in February and praised the strong
relationships our personal advisers build with young people.

Staying put is something we are very proud of: most of our young people stay with their
foster carers after they turn 18, and we have improved our offer of taster flats.

Cllr Jane Smith, cabinet member for children, said: "We are delighted that inspectors
recognised the hard work of our staff."
"""


def content_lines(path):
    text, _ = _front_matter(path.read_text(encoding="utf-8"))
    return [line.text for line in _text_lines(text)]


def test_every_council_release_in_the_corpus_reads_as_the_councils_own_words(shared_dir):
    releases = sorted((shared_dir / "corpus").glob("*council*release*.txt"))
    assert len(releases) >= 4
    for path in releases:
        # Judged without the front matter that names their kind: by their words alone.
        assert whose_words("file", content_lines(path)) == "council", path.name


def test_ofsted_letters_and_reports_read_as_ofsteds(shared_dir, text_dir):
    letters = sorted(text_dir.glob("*.txt"))
    assert len(letters) >= 30
    for path in letters + [shared_dir / "corpus" / "darlington-2021-ofsted-focused-visit-letter.txt"]:
        assert whose_words("file", content_lines(path)) == "ofsted", path.name


def test_crawled_documents_keep_the_kind_of_their_source():
    assert whose_words("council", ["Inspection dates: 1 to 5 May 2024"]) == "council"
    assert whose_words("ofsted", ["We are very proud of our staff, said Cllr Smith."]) == "ofsted"


def test_a_file_that_is_neither_stays_a_file():
    assert (
        whose_words("file", ["Minutes of the allotment society", "Tea and biscuits were served."]) == "file"
    )


def test_ingested_pdf_letter_paragraphs_are_ofsteds(pdf_dir):
    doc = extract_file(pdf_dir / "fv-2024-11-28-wigan.pdf")
    assert doc.metadata["kind"] == "ofsted"
    assert {p.kind for p in doc.paragraphs} == {"ofsted"}


def test_ingested_release_paragraphs_are_the_councils(tmp_path):
    path = tmp_path / "wigan-news.txt"
    path.write_text(PRESS_RELEASE, encoding="utf-8")
    doc = extract_file(path)
    proud = next(p for p in doc.paragraphs if "very proud of" in p.text)
    assert proud.kind == "council" and proud.document_type == "Council response"
    assert proud.stance == "strength" and "staying-put" in proud.themes  # the council's boast


@pytest.fixture(scope="module")
def ingested(tmp_path_factory, pdf_dir):
    root = tmp_path_factory.mktemp("attribution")
    files = root / "files"
    files.mkdir()
    shutil.copy(pdf_dir / "fv-2024-11-28-wigan.pdf", files / "letter.pdf")
    (files / "wigan-news.txt").write_text(PRESS_RELEASE, encoding="utf-8")
    settings = Settings.from_env(environ={}, data_dir=root / "data")
    summary = ingest(settings, [files], progress=False, workers=1)
    assert summary.index and summary.index.indexed == 2, summary.to_dict()
    return settings


def test_ofsted_only_counts_leave_out_the_council_release(ingested):
    searcher = Searcher.open(ingested)
    praise = {"stance": ["strength"]}
    try:
        everyone = searcher.search(SearchRequest(q="staying put", filters=praise, limit=50))
        assert any("very proud of" in hit["text"] and hit["kind"] == "council" for hit in everyone.hits)
        ofsted = searcher.search(SearchRequest(filters={**praise, "kind": ["ofsted"]}, limit=200))
        assert ofsted.hits and all(hit["kind"] == "ofsted" for hit in ofsted.hits)
        assert not any("proud" in hit["text"] for hit in ofsted.hits)
        # The facet counts behind compare and the authority page: the boast is not Ofsted's praise.
        all_praise = searcher.search(SearchRequest(filters=praise, limit=0))
        assert (
            dict(all_praise.facets["theme"])["staying-put"]
            == dict(ofsted.facets["theme"]).get("staying-put", 0) + 1
        )
    finally:
        searcher.close()
    # The catalogue still says how each document arrived.
    with DocumentStore.open(ingested) as store:
        assert {r.kind for r in store.documents()} == {"file"}
