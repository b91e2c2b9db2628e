"""A small, hand-made corpus for the web tests: a few authorities' letters,
a council response linked to its letter, and paragraphs carrying script payloads."""

from __future__ import annotations

from common.store import DocumentStore
from indexer.model import Paragraph

XSS_PAYLOADS = (
    '<script>window.__xss = "script"</script>',
    "<img src=x onerror=\"window.__xss = 'img'\">",
    "<a href=\"javascript:window.__xss='href'\">click</a>",
    '"><svg onload="window.__xss=\'svg\'">',
)

LETTERS = [
    # (source, authority, ons_code, region, published, title, paragraphs[(section, text, themes, stance)])
    (
        "https://files.example.test/v1/file/1001",
        "Wigan",
        "E08000010",
        "North West",
        "2024-03-05",
        "Focused visit to Wigan children's services",
        [
            (
                "What needs to improve",
                "Staying put arrangements are well used and care leavers stay with "
                "their foster carers after 18.",
                ["staying-put"],
                "strength",
            ),
            (
                "What needs to improve",
                "Personal advisers do not always visit often enough.",
                ["personal-advisers"],
                "improvement",
            ),
            (
                "Findings",
                "Young people can try living alone in a taster flat before they move on.",
                ["taster-flats"],
                "strength",
            ),
        ],
    ),
    (
        "https://files.example.test/v1/file/1002",
        "Leeds",
        "E08000035",
        "Yorkshire and the Humber",
        "2023-11-20",
        "Focused visit to Leeds children's services",
        [
            (
                "Findings",
                "Too few young people are offered staying put, and the policy is unclear.",
                ["staying-put"],
                "improvement",
            ),
            (
                "Findings",
                "The trainer flat helps young people build confidence.",
                ["taster-flats"],
                "strength",
            ),
        ],
    ),
    (
        "https://files.example.test/v1/file/1003",
        "Kent",
        "E10000016",
        "South East",
        "2022-06-14",
        "Inspection of Kent local authority children's services",
        [
            (
                "Care leavers",
                "Staying put is promoted and most eligible care leavers take it up.",
                ["staying-put"],
                "strength",
            ),
            ("Care leavers", "Health passports are not given to every care leaver.", [], "improvement"),
            ("Care leavers", XSS_PAYLOADS[0] + " staying put " + XSS_PAYLOADS[1], ["staying-put"], "neutral"),
            (
                "Care leavers",
                '=HYPERLINK("http://evil.example") staying put ' + XSS_PAYLOADS[2] + " " + XSS_PAYLOADS[3],
                ["staying-put"],
                "neutral",
            ),
        ],
    ),
]
# A document whose every field is hostile: title, section, source URL and text.
HOSTILE = (
    "javascript:window.__xss='source'",
    "Barnet",
    "E09000003",
    "London",
    "2021-01-02",
    "<img src=x onerror=\"window.__xss='title'\">Leaving care letter",
    [
        ('<script>window.__xss="section"</script>', "Leaving care " + " ".join(XSS_PAYLOADS), [], "neutral"),
    ],
)
COUNCIL_RESPONSE = (
    "https://www.wigan.example.test/news/ofsted-response",
    "Wigan",
    "E08000010",
    "North West",
    "2024-03-12",
    "Council welcomes Ofsted's findings",
    [
        # The council's own praise of itself: never to be counted as Ofsted's.
        (
            "",
            "We are proud that staying put is working well for our young people.",
            ["staying-put"],
            "strength",
        ),
    ],
)


def build(store: DocumentStore, engine) -> dict[str, str]:
    """Put the sample documents in the store and their paragraphs in the engine.
    Returns source → document id."""
    paragraphs, ids = [], {}
    for kind, (source, authority, ons, region, published, title, paras) in [
        ("ofsted", letter) for letter in LETTERS
    ] + [("council", COUNCIL_RESPONSE), ("file", HOSTILE)]:
        document_type = {"council": "Council response", "file": "Letter"}.get(
            kind, "Children's services focused visit"
        )
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
            content_type="application/pdf" if kind == "ofsted" else "text/html",
        )
        ids[source] = record.document_id
        metadata = (
            {
                "judgements": {
                    "Overall effectiveness": "Good",
                    "Experiences and progress of care leavers": "Requires improvement",
                }
            }
            if "Inspection of" in title
            else {}
        )
        store.set_index_result(
            record.document_id,
            status="indexed",
            sha256=record.sha256,
            paragraphs=len(paras),
            metadata=metadata,
        )
        for n, (section, text, themes, stance) in enumerate(paras, 1):
            paragraphs.append(
                Paragraph(
                    document_id=record.document_id,
                    paragraph_number=n,
                    text=text,
                    section=section,
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
                    visit_start=published if kind == "ofsted" else None,
                )
            )
    store.add_link(ids[COUNCIL_RESPONSE[0]], ids[LETTERS[0][0]], "responds_to", 0.9)
    store.record_failure(
        "https://files.example.test/v1/file/9999",
        "PDF could not be read: broken xref",
        kind="ofsted",
        title="Broken letter",
    )
    run = store.start_run("https://reports.example.test")
    store.finish_run(run, "finished", {"documents": 4})
    engine.rebuild(paragraphs)
    return ids
