"""Whether a paragraph reads as a strength, an area for improvement, or neither.

The section decides first: everything under "What needs to improve" or "Areas
for priority action" is an area for improvement. Elsewhere the wording
decides, with the sentences from "however" / "although" on counting for more,
counting double, because that is where Ofsted puts its verdict ("Plans are written with young
people. However, too many are out of date.").

Cues are words and word pairs looked up in sets: a regex alternation of
a hundred phrases costs more than the whole PDF reading.
"""
from __future__ import annotations

import re

# Scope and method paragraphs describe the visit, not the service.
SCOPE_OPENING = re.compile(
    r"^(?:this letter summarises|this visit was carried out|inspectors (?:also )?(?:looked at|considered|"
    r"reviewed|spoke|met)|the inspectors were|(?:her|his) majesty[’']s inspectors|throughout this letter)", re.I)

IMPROVEMENT_SECTION = re.compile(
    r"what needs to improve|areas? for (?:priority action|improvement)|priority action|"
    r"needs? to improve|next steps|recommendations?\b", re.I)

NEGATIVE_WORDS = frozenset("""
cannot lack lacks lacking insufficient insufficiently inconsistent inconsistently inconsistency
inconsistencies variable variability weak weaker weakness weaknesses poor poorly delay delays delayed
drift limited unsuitable gap gaps shortfall shortfalls fail fails failed failing failure failures concern
concerns should unclear minority ineffective inadequate barrier barriers decline declined declining missed
pressure pressures unable difficulty difficulties overcrowded underdeveloped hinder hinders hindered struggle
struggles struggled instability turnover slow slower low frustration overwhelmed unmanageable weaker
vulnerable absence absent lapsed isn’t aren’t don’t doesn’t didn’t hasn’t
haven’t wasn’t weren’t can’t isn't aren't don't doesn't didn't hasn't haven't wasn't weren't can't
""".split())
NEGATIVE_PAIRS = frozenset(tuple(p.split()) for p in """
too many|too few|too long|too much|too little|too slow|too variable|not yet|not always|not consistently|
not routinely|not sufficiently|not fully|not well|not effective|not timely|not clear|not robust|
not strong|not good|not enough|not all|is not|are not|was not|were not|does not|do not|did not|has not|
have not|had not|can not|needs to|need to|requires improvement|require improvement|less effective|
less well|less consistent|no longer|only some|only a|not being|not been|more to|still to|too early|too soon|
is required|are required|now required|more work|is needed|are needed|is not
""".replace("\n", "").split("|"))
POSITIVE_WORDS = frozenset("""
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
""".split())
POSITIVE_PAIRS = frozenset(tuple(p.split()) for p in """
benefit from|benefits from|benefited from|benefiting from|high quality|very good|are met|well met|is met
""".replace("\n", "").split("|"))
CONTRAST = frozenset("however although but despite nevertheless nonetheless while whilst".split())

_WORD = re.compile(r"[a-z’']+(?:-[a-z’']+)*")


def stance_scores(text: str) -> tuple[float, float]:
    """(strength, improvement) weight of the wording."""
    positive = negative = 0.0
    weight = 1.0
    for sentence in re.split(r"(?<=[.;])\s+", text.lower()):
        words = _WORD.findall(sentence)
        if not CONTRAST.isdisjoint(words):
            weight = 2.0
        negatives = negations = positives = 0
        demand_ends = -1      # "need to ensure", "should be strengthened": a demand, not praise
        for i, word in enumerate(words):
            pair = (word, words[i + 1]) if i + 1 < len(words) else None
            if word in NEGATIVE_WORDS:
                negatives += 1
                negations += word.endswith(("n’t", "n't")) or word == "cannot"
                if word == "should":
                    demand_ends = i + 3
            if pair in NEGATIVE_PAIRS:
                negatives += 1
                negations += "not" in pair
                if pair[1] == "to":
                    demand_ends = i + 4
            if (word in POSITIVE_WORDS or pair in POSITIVE_PAIRS) and i > demand_ends:
                positives += 1
        negative += weight * negatives
        # "not consistently effective": the negation outweighs the praise word.
        positive += weight * max(0, positives - negations)
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
    return "neutral"
