"""Sample documents (written for these tests, not Ofsted's) for issue 19's histories: one
authority inspected under every framework — a 2015 SIF report, a 2019 ILACS report, a 2022
focused visit, a 2026 ILACS report without an overall grade — with a council press release
praising itself, one of its statistical neighbours and an authority that is not one."""

from __future__ import annotations

from common.store import DocumentStore
from indexer.metadata import AREA_CARE_AND_LEAVERS, AREA_HELP, AREA_LEADERS, AREA_LEAVERS, AREA_OVERALL
from indexer.model import Paragraph

AUTHORITY = ("Wigan", "E08000010", "North West")
NEIGHBOUR = ("Sefton", "E08000014", "North West")  # one of Wigan's ten statistical neighbours
OTHER = ("Kent", "E10000016", "South East")  # not one of them

SIF_GRADES = {
    AREA_OVERALL: "Requires improvement to be good",
    "Experiences and progress of care leavers": "Inadequate",
    "Leadership, management and governance": "Requires improvement to be good",
}
ILACS_2018_GRADES = {
    AREA_OVERALL: "Good",
    AREA_LEADERS: "Good",
    AREA_HELP: "Good",
    AREA_CARE_AND_LEAVERS: "Requires improvement to be good",
}
ILACS_2026_GRADES = {AREA_LEADERS: "Good", AREA_HELP: "Good", AREA_LEAVERS: "Outstanding"}

# (key, authority, kind, document_type, published, title, grades, [(text, themes, stance)])
DOCUMENTS = [
    (
        "sif-2015",
        AUTHORITY,
        "ofsted",
        "Children's services inspection",
        "2015-06-10",
        "Sample: Inspection of services for children in need of help and protection, children looked after and care leavers",
        SIF_GRADES,
        [
            (
                "Pathway plans are not written with young people and are out of date.",
                ["pathway-plans"],
                "improvement",
            ),
            ("Too many care leavers live in bed and breakfast.", ["unsuitable-accommodation"], "improvement"),
            ("Personal advisers know their young people well.", ["personal-advisers"], "strength"),
        ],
    ),
    (
        "ilacs-2019",
        AUTHORITY,
        "ofsted",
        "Children's services inspection",
        "2019-09-20",
        "Sample: Inspection of Wigan local authority children's services",
        ILACS_2018_GRADES,
        [
            ("Pathway plans still do not capture young people's wishes.", ["pathway-plans"], "improvement"),
            (
                "No care leaver lives in bed and breakfast; accommodation is suitable.",
                ["unsuitable-accommodation"],
                "strength",
            ),
            ("Staying put is not offered to every eligible young person.", ["staying-put"], "improvement"),
        ],
    ),
    (
        "fv-2022",
        AUTHORITY,
        "ofsted",
        "Children's services focused visit",
        "2022-03-15",
        "Sample: Focused visit to Wigan children's services",
        {},
        [
            ("Pathway plans are not reviewed often enough.", ["pathway-plans"], "improvement"),
            ("Staying put arrangements are now well used.", ["staying-put"], "strength"),
            ("Health histories are not given to care leavers.", ["health-histories"], "improvement"),
        ],
    ),
    (
        "ilacs-2026",
        AUTHORITY,
        "ofsted",
        "Children's services inspection",
        "2026-05-01",
        "Sample: Inspection of Wigan local authority children's services",
        ILACS_2026_GRADES,
        [
            (
                "Pathway plans are now written with young people and kept up to date.",
                ["pathway-plans"],
                "strength",
            ),
            (
                "Health histories are still not given to every care leaver.",
                ["health-histories"],
                "improvement",
            ),
            (
                "Some care leavers wait too long to see a personal adviser.",
                ["personal-advisers"],
                "improvement",
            ),
        ],
    ),
    (
        "press-2026",
        AUTHORITY,
        "council",
        "Council response",
        "2026-05-08",
        "Sample: Council welcomes Ofsted's outstanding judgement",
        {},
        # The council's own words: never counted as Ofsted's, whether praise or admission.
        [
            (
                "We are proud our health histories are now given to every care leaver.",
                ["health-histories"],
                "strength",
            ),
            ("We know our local offer needs to improve.", ["local-offer"], "improvement"),
        ],
    ),
    (
        "sefton-2024",
        NEIGHBOUR,
        "ofsted",
        "Children's services focused visit",
        "2024-02-02",
        "Sample: Focused visit to Sefton children's services",
        {},
        [
            ("Pathway plans are not completed for every care leaver.", ["pathway-plans"], "improvement"),
            ("Staying put is well promoted.", ["staying-put"], "strength"),
        ],
    ),
    (
        "kent-2023",
        OTHER,
        "ofsted",
        "Children's services focused visit",
        "2023-07-07",
        "Sample: Focused visit to Kent children's services",
        {},
        [
            ("Pathway plans are not completed for every care leaver.", ["pathway-plans"], "improvement"),
            (
                "Too many care leavers live in unsuitable accommodation.",
                ["unsuitable-accommodation"],
                "improvement",
            ),
        ],
    ),
]


def build(store: DocumentStore, engine) -> dict[str, str]:
    """The sample documents in the store, their paragraphs in the engine. Returns key → document id."""
    ids, paragraphs = {}, []
    for key, (authority, ons, region), kind, document_type, published, title, grades, paras in DOCUMENTS:
        source = f"https://files.example.test/sample/{key}"
        record, _ = store.put(
            source,
            f"{title}\n".encode() + b"sample",
            kind=kind,
            title=title,
            document_type=document_type,
            authority=authority,
            ons_code=ons,
            region=region,
            published=published,
            content_type="application/pdf",
        )
        ids[key] = record.document_id
        store.set_index_result(
            record.document_id,
            status="indexed",
            sha256=record.sha256,
            paragraphs=len(paras),
            metadata={"judgements": grades} if grades else {},
        )
        for n, (text, themes, stance) in enumerate(paras, 1):
            paragraphs.append(
                Paragraph(
                    document_id=record.document_id,
                    paragraph_number=n,
                    text=text,
                    section="Findings",
                    document_title=title,
                    document_type=document_type,
                    kind=kind,
                    authority=authority,
                    ons_code=ons,
                    region=region,
                    published=published,
                    source=source,
                    themes=themes,
                    stance=stance,
                    judgements=grades,
                )
            )
    engine.rebuild(paragraphs)
    return ids
