"""indexer/analysis.py: the one definition of a word, its folding and its stem, which both
engines index and query."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from indexer.analysis import analyse, compounds, fold_word, index_form, normalise, tokens, words


def test_words_are_folded_and_keep_their_offsets():
    text = "Café staff said the leader’s ﬁne plans were naïve."
    found = tokens(text)
    assert [t.word for t in found] == [
        "cafe",
        "staff",
        "said",
        "the",
        "leaders",
        "fine",
        "plans",
        "were",
        "naive",
    ]
    assert [text[t.start : t.end] for t in found][:5] == ["Café", "staff", "said", "the", "leader’s"]


def test_inflections_and_derivations_share_a_stem():
    assert index_form("staying stays stayed") == "stay stay stay"
    assert index_form("exemption exempt") == "exempt exempt"
    assert index_form("advisers adviser") == "advis advis"


def test_hyphenated_words_are_parts_in_order_and_joined_apart():
    assert index_form("pre-tenancy training") == "pre tenanc train"
    assert compounds("pre-tenancy training and well‑being") == "preten wellb"
    assert words("pre-tenancy") == ("pre", "tenancy")


def test_curly_quotes_and_dashes_are_made_plain():
    assert normalise("“staying put” – care") == '"staying put" - care'
    assert fold_word("Leaver’s") == "leavers"


@given(st.text(max_size=200))
def test_one_pass_analysis_agrees_with_the_tokens(text):
    analysis = analyse(text)
    found = tokens(text)
    assert analysis.stems == " ".join(t.stem for t in found)
    assert analysis.count == len(found)
    assert analysis.words == [t.word for t in found if len(t.word) >= 3 and t.word.isalpha()]
