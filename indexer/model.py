"""What the indexer produces and every search engine stores: one cited paragraph."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

STANCES = ("strength", "improvement", "neutral")


@dataclass
class Paragraph:
    document_id: str
    paragraph_number: int  # 1-based position in the document, stable for a version
    text: str
    section: str = ""  # the heading the paragraph sits under
    document_title: str = ""
    document_type: str = ""  # e.g. "Children's services focused visit", "Council response"
    kind: str = "ofsted"  # ofsted | council | file
    authority: str = ""
    ons_code: str = ""
    region: str = ""
    published: str | None = None  # ISO date
    source: str = ""  # URL, or the file path of an ingested file
    themes: list[str] = field(default_factory=list)  # theme ids from the taxonomy
    theme_terms: dict[str, list[str]] = field(default_factory=dict)  # theme id -> matched words
    stance: str = "neutral"  # strength | improvement | neutral
    is_bullet: bool = False
    visit_start: str | None = None
    visit_end: str | None = None
    judgements: dict[str, str] = field(default_factory=dict)  # area -> grade, for full reports

    @property
    def paragraph_id(self) -> str:
        return f"{self.document_id}-{self.paragraph_number}"

    @property
    def year(self) -> str:
        return (self.published or "")[:4]

    @property
    def judgement(self) -> str:
        """The grade Ofsted gave care leavers in the inspection this paragraph
        comes from ("" for visits and letters, which are not graded). Before 2023
        care leavers were judged with children in care, in one row."""
        for area, grade in self.judgements.items():
            if "care leavers" in area.lower() and grade:
                return grade
        return ""

    def to_dict(self) -> dict:
        data = asdict(self)
        data["paragraph_id"] = self.paragraph_id
        data["year"] = self.year
        data["judgement"] = self.judgement
        return data
