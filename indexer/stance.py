"""Whether a paragraph reads as a strength, an area for improvement, or neither.

The rules, in the order they apply (the same words are on /help and in
indexer/quality/gold/README.md):

1. Section: everything under "What needs to improve", "Areas for priority action",
   "Next steps" or "Recommendations" is an area for improvement.
2. Scope: paragraphs that describe the visit ("This letter summarises…",
   "Inspectors looked at…") are neutral.
3. Wording, sentence by sentence. Each sentence counts its praise cues ("effective",
   "well", "benefit from") and its criticism cues, at most two each way. Criticism cues
   include hedged criticism, which Ofsted uses as often as blunt words: "not used as
   widely as it could be", "could be better used", "fewer … than", "too many", "not yet",
   "not always", "not all", "only a small number", "inconsistent", "variable", "delays",
   "less strong", "remains a challenge", "still more to do", "need more", "a mixed
   picture", "uneven", "patchy", "lengthy". A negated praise word ("not
   consistently effective") counts as criticism, and a demand ("needs to ensure", "should
   be strengthened") is never praise.
4. Weight: from the first "however", "although", "but", "while"… on, criticism counts
   double, because that is where Ofsted puts its verdict; praise there counts once. A
   criticism of a few ("a small number of plans are not updated") counts half: a minor
   caveat does not overturn the main message, unless the few are the point ("only a
   small number are in work").
5. Verdict: more criticism than praise (by half a cue) is an area for improvement, more
   praise (by a whole cue) a strength; a paragraph with as much criticism as praise is an
   area for improvement (its shortfall is a substantive part of the message), and one
   with neither is neutral.

One stance per paragraph: the engines store one, and compare counts paragraphs. A
paragraph mixing both is judged by rule 5; the sentence weighting above is the
per-sentence reading that decides it.

Cues are words, word pairs and triples looked up in sets: a regex alternation of a
hundred phrases costs more than the whole PDF reading.
"""

from __future__ import annotations

import re

# Scope and method paragraphs describe the visit, not the service.
SCOPE_OPENING = re.compile(
    r"^(?:this letter summarises|this visit was carried out|inspectors (?:also )?(?:looked at|considered|"
    r"reviewed|spoke|met)|the inspectors were|(?:her|his) majesty[’']s inspectors|throughout this letter)",
    re.I,
)

IMPROVEMENT_SECTION = re.compile(
    r"what needs to improve|areas? for (?:priority action|improvement)|priority action|"
    r"needs? to improve|next steps|recommendations?\b",
    re.I,
)

NEGATIVE_WORDS = frozenset(
    """
cannot lack lacks lacking insufficient insufficiently inconsistent inconsistently inconsistency
inconsistencies variable variability weak weaker weakness weaknesses poor poorly delay delays delayed
drift limited unsuitable gap gaps shortfall shortfalls fail fails failed failing failure failures concern
concerns should unclear minority ineffective inadequate barrier barriers decline declined declining missed
pressure pressures unable difficulty difficulties overcrowded underdeveloped hinder hinders hindered struggle
struggles struggled instability turnover slow slower low frustration overwhelmed unmanageable weaker
absence absent lapsed deficit deficits waiting wait concerned worried varies vary variably
restrict restricts restricted restricting fewer hampered hampers mixed uneven patchy lengthy isn’t aren’t don’t doesn’t didn’t hasn’t
haven’t wasn’t weren’t can’t isn't aren't don't doesn't didn't hasn't haven't wasn't weren't can't
""".split()
)
NEGATIVE_PAIRS = frozenset(
    tuple(p.split())
    for p in """
too many|too few|too long|too much|too little|too slow|too variable|not yet|not always|not consistently|
not routinely|not sufficiently|not fully|not well|not effective|not timely|not clear|not robust|
not strong|not good|not enough|not all|is not|are not|was not|were not|does not|do not|did not|has not|
have not|had not|can not|needs to|need to|requires improvement|require improvement|less effective|
less well|less consistent|no longer|only some|only a|not being|not been|more to|still to|too early|too soon|
is required|are required|now required|more work|is needed|are needed|is not|yet to|not regularly|
still more|further work|more to|work to|early stage|early stages|its infancy|high caseloads|not as|not used|
not known|not aware|not sufficient|lower than|below the|less likely|not offered|only one|only few|only partially|
only recently|too often|need more|needs more|too late|too high|too low|too small|too narrow|too great|too limited
""".replace("\n", "").split("|")
)
POSITIVE_WORDS = frozenset(
    """
strong strongly strength strengths effective effectively well good outstanding excellent positive
positively committed commitment creative creatively innovative impressive ambition ambitious aspiration
aspirational aspirations timely comprehensive thorough thoroughly improved sustained success successful
successfully proactive proactively tenacious tenaciously robust confident confidently value valued enjoy
enjoys enjoyed enjoying helpful supportive trusting warm warmth celebrate celebrated celebrates
celebrating celebration responsive sensitive sensitively knowledgeable persistent dedicated exceptional
exceptionally generous praise praised pride progress progressed improving ensure ensures safe
well-established well-developed well-embedded well-supported well-planned well-led well-resourced
well-attended high-quality well-considered suitable constructive meaningful proud stability secure security
appropriate appropriately expertise skilled caring congratulate supported encouraged opportunities reflective
strengthened enhanced invaluable tailored bespoke
""".split()
)
POSITIVE_PAIRS = frozenset(
    tuple(p.split())
    for p in """
benefit from|benefits from|benefited from|benefiting from|high quality|very good|are met|well met|is met
""".replace("\n", "").split("|")
)
CONTRAST = frozenset("however although but despite nevertheless nonetheless while whilst".split())

# Hedged criticism: Ofsted often says "not good enough" politely. Three-word cues, and the
# openings that make what follows a shortfall ("could be better used", "less strong").
NEGATIVE_TRIPLES = frozenset(
    tuple(p.split())
    for p in """
as widely as|as well as it|as consistently as|as effectively as|could be better|could be further|
could be more|could be strengthened|could be improved|could have been|would be strengthened|
will be enhanced|remains a challenge|remain a challenge|is a challenge|
are a challenge|more to do|not as strong|not as well|did not always|does not always|do not always|
is not always|are not always|has not always|have not always|not all young|not all care
""".replace("\n", "").split("|")
)
# "less strong", "less well developed": "less" or "more" before these reads as a shortfall.
LESS = frozenset({"less"})
WEAKENED_BY_LESS = POSITIVE_WORDS | frozenset(
    "consistent consistently developed clear timely evident".split()
)
# A caveat about a few leaves the paragraph's main verdict standing ("A small number of plans
# are not updated"), unless the few are the point ("only a small number are in work").
MINORITY = re.compile(
    r"\b(?:a (?:very )?small (?:number|minority)|a few\b|a minority|in (?:a )?(?:small )?"
    r"(?:number of|few) cases|in weaker examples|a very small number|isolated)",
    re.I,
)
ONLY_FEW = re.compile(r"\bonly (?:a (?:very )?small|a few|a minority)", re.I)

# A sentence counts at most this many cues each way: a long sentence of praise words is one
# verdict, not five, and must not drown the short sentence that says what is wrong.
CAP = 2
CONDITIONAL_SUBJECTS = frozenset("they he she it there this that the a any young care you we".split())

_WORD = re.compile(r"[a-z’']+(?:-[a-z’']+)*")


def _sentence_scores(words: list[str]) -> tuple[int, int, int]:
    """(positives, negatives, negations) of one sentence's words."""
    negatives = negations = positives = 0
    demand_ends = -1  # "need to ensure", "should be strengthened": a demand, not praise
    for i, word in enumerate(words):
        pair = (word, words[i + 1]) if i + 1 < len(words) else None
        triple = (word, words[i + 1], words[i + 2]) if i + 2 < len(words) else None
        if word in NEGATIVE_WORDS:
            negatives += 1
            negations += word.endswith(("n’t", "n't")) or word == "cannot"
            if word == "should":
                if pair is not None and pair[1] in CONDITIONAL_SUBJECTS:
                    negatives -= 1  # "should they need it": a condition, not a demand
                else:
                    demand_ends = i + 3
        if pair in NEGATIVE_PAIRS:
            negatives += 1
            negations += "not" in pair
            if pair[1] == "to":
                demand_ends = i + 4
        if triple in NEGATIVE_TRIPLES:
            negatives += 1
            negations += 1
            demand_ends = i + 4
        if word == "too" and pair is not None and pair not in NEGATIVE_PAIRS:
            negatives += 1  # "too slow", "too reliant": "too" before a word is a shortfall
        if word in LESS and pair is not None and pair[1] in WEAKENED_BY_LESS:
            negatives += 1
            negations += 1
            demand_ends = i + 1
        if (word in POSITIVE_WORDS or pair in POSITIVE_PAIRS) and i > demand_ends:
            positives += 1
    return positives, negatives, negations


def stance_scores(text: str) -> tuple[float, float]:
    """(strength, improvement) weight of the wording."""
    positive = negative = 0.0
    weight = 1.0
    for sentence in re.split(r"(?<=[.;])\s+", text.lower()):
        words = _WORD.findall(sentence)
        if not CONTRAST.isdisjoint(words):
            weight = 2.0
        positives, negatives, negations = _sentence_scores(words)
        minor = 0.5 if MINORITY.search(sentence) and not ONLY_FEW.search(sentence) else 1.0
        negative += weight * minor * min(negatives, CAP)
        # "not consistently effective": the negation outweighs the praise word.
        positive += min(CAP, max(0, positives - negations))
    return positive, negative


def stance_of(text: str, section: str = "") -> str:
    if section and IMPROVEMENT_SECTION.search(section):
        return "improvement"
    if SCOPE_OPENING.match(text):
        return "neutral"
    positive, negative = stance_scores(text)
    if positive == 0 and negative == 0:
        return "neutral"
    if negative >= positive + 0.5:
        return "improvement"
    if positive >= negative + 1:
        return "strength"
    # As much criticism as praise: the shortfall is a substantive part of the message.
    return "improvement" if negative else "neutral"
