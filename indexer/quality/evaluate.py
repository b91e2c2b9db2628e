"""Score extraction, metadata, themes and stance against the gold set in ``gold/``.

The gold set names documents of the shared corpus (``../shared``) and, for
paragraphs, the opening words that locate each one; labels were set by hand
before the rules were tuned (see gold/README.md).
"""

from __future__ import annotations

import glob
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from common.config import shared_dir
from common.store import DocumentRecord, document_id_for
from indexer.analysis import normalise
from indexer.extract import ExtractedDocument, ExtractionError, extract_document

GOLD_DIR = Path(__file__).with_name("gold")
# Label files never tuned against when they were labelled: scored in the totals like every
# other file, and also on their own (each file, then all of them together).
HELDOUT = "*-heldout.yaml"
PARAGRAPHS_HELDOUT = "paragraphs*-heldout.yaml"
DOCUMENTS_HELDOUT = "documents*-heldout.yaml"
ROOT = Path(__file__).resolve().parents[2]

# Metadata: issue 17's goal, 100 % on every field for every kind of document and era;
# stance: accuracy and recall of areas for improvement at least 0.9.
TARGETS = {
    "authority": 1.0,
    "letter_date": 1.0,
    "visit_dates": 1.0,
    "inspectors": 1.0,
    "judgements": 1.0,
    "document_type": 1.0,
    "framework": 1.0,
    "theme_precision": 0.9,
    "theme_recall": 0.9,
    "stance_accuracy": 0.9,
    "improvement_recall": 0.9,
    "leaked_lines": 0,
}

# Furniture that must never reach a paragraph: letterhead, contact block,
# page numbers, running footers.
LEAK = re.compile(
    r"Piccadilly Gate|Store Street|M1 2WD|0300 123 1231|Textphone|enquiries@ofsted|www\.gov\.uk/ofsted|"
    r"^\d{1,3}$|Page \d+ of \d+|Sample document written for ofsted-findings|"
    r"Inspection of [A-Z][\w ,’'-]+ local authority children’s services \d",
    re.I,
)


@dataclass
class Report:
    documents: int = 0
    paragraphs_labelled: int = 0
    metadata: dict = field(default_factory=dict)  # field -> (right, total)
    theme_tp: int = 0
    theme_fp: int = 0
    theme_fn: int = 0
    per_theme: dict = field(default_factory=dict)  # theme -> Counter(tp, fp, fn)
    stance_right: int = 0
    stance_confusion: Counter = field(default_factory=Counter)
    leaks: list = field(default_factory=list)
    unmatched: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    mismatches: list = field(default_factory=list)
    # Mismatches on held-out documents are counted, never listed: reading them would be tuning on them.
    heldout_mismatches: int = 0

    def rate(self, name: str) -> float:
        right, total = self.metadata.get(name, (0, 0))
        return right / total if total else 1.0

    @property
    def theme_precision(self) -> float:
        return self.theme_tp / (self.theme_tp + self.theme_fp) if self.theme_tp + self.theme_fp else 1.0

    @property
    def theme_recall(self) -> float:
        return self.theme_tp / (self.theme_tp + self.theme_fn) if self.theme_tp + self.theme_fn else 1.0

    @property
    def stance_accuracy(self) -> float:
        return self.stance_right / self.paragraphs_labelled if self.paragraphs_labelled else 1.0

    @property
    def improvement_recall(self) -> float:
        """Of the paragraphs labelled areas for improvement, the share the tagger calls so:
        a criticism read as neutral or as praise is the costliest stance error."""
        labelled = sum(n for (gold, _), n in self.stance_confusion.items() if gold == "improvement")
        found = self.stance_confusion[("improvement", "improvement")]
        return found / labelled if labelled else 1.0

    def figures(self) -> dict:
        return {
            "authority": self.rate("authority"),
            "letter_date": self.rate("letter_date"),
            "visit_dates": self.rate("visit_dates"),
            "inspectors": self.rate("inspectors"),
            "judgements": self.rate("judgements"),
            "document_type": self.rate("document_type"),
            "framework": self.rate("framework"),
            "theme_precision": self.theme_precision,
            "theme_recall": self.theme_recall,
            "stance_accuracy": self.stance_accuracy,
            "improvement_recall": self.improvement_recall,
            "leaked_lines": len(self.leaks),
        }


def opening_key(text: str) -> str:
    """A paragraph's text as gold labels locate it by its opening words: quotes folded
    (indexer.analysis.normalise, the project's one table), spaces collapsed, lower case."""
    return re.sub(r"\s+", " ", normalise(text)).strip().lower()


def _extract(path: Path, cache: dict) -> ExtractedDocument:
    if path not in cache:
        record = DocumentRecord(document_id=document_id_for(str(path)), source=str(path), kind="file")
        cache[path] = extract_document(record, path.read_bytes())
    return cache[path]


def evaluate(
    shared: Path | None = None,
    gold_dir: Path = GOLD_DIR,
    paragraphs: str | None = "paragraphs*.yaml",
    documents: bool | str = True,
) -> Report:
    """Score the gold set; ``paragraphs`` and ``documents`` pick the label files by glob (e.g. only
    a held-out one); ``documents=True`` means every metadata file, False or ``paragraphs=None`` none."""
    shared = shared or shared_dir()
    report = Report()
    cache: dict[Path, ExtractedDocument] = {}
    pattern = "documents*.yaml" if documents is True else documents or None
    for file, gold, doc in _gold_documents(report, shared, gold_dir, pattern, cache):
        report.documents += 1
        _score_metadata(report, gold, doc.metadata, listed=not file.name.endswith("-heldout.yaml"))
    for _, gold_doc, doc in _gold_documents(report, shared, gold_dir, paragraphs, cache):
        _score_paragraphs(report, gold_doc, doc)
    for path, doc in cache.items():
        for p in doc.paragraphs:
            if LEAK.search(p.text):
                report.leaks.append(f"{path.name} [{p.paragraph_number}]: {p.text[:100]}")
    return report


def _gold_documents(report: Report, shared: Path, gold_dir: Path, pattern: str | None, cache: dict):
    """(label file, gold entry, extracted document) for every document the label files
    matching ``pattern`` name; a document that cannot be read is a reported error."""
    for file in sorted(gold_dir.glob(pattern)) if pattern else []:
        for gold in yaml.safe_load(file.read_text(encoding="utf-8"))["documents"]:
            try:
                yield file, gold, _extract(shared / gold["doc"], cache)
            except (ExtractionError, OSError) as exc:
                report.errors.append(f"{gold['doc']}: {exc}")


def heldout_files(gold_dir: Path = GOLD_DIR) -> list[Path]:
    return sorted(gold_dir.glob(HELDOUT))


def evaluate_heldout(shared: Path | None = None, gold_dir: Path = GOLD_DIR) -> list[tuple[str, Report]]:
    """(file name, report) for each held-out file (paragraph labels or document metadata), then
    ("all held-out", report) when there are several."""
    files = heldout_files(gold_dir)
    out = []
    for f in files:
        metadata = f.name.startswith("documents")
        out.append(
            (
                f.name,
                evaluate(
                    shared,
                    gold_dir,
                    paragraphs=None if metadata else glob.escape(f.name),
                    documents=glob.escape(f.name) if metadata else False,
                ),
            )
        )
    if len(files) > 1:
        out.append(
            (
                "all held-out",
                evaluate(shared, gold_dir, paragraphs=PARAGRAPHS_HELDOUT, documents=DOCUMENTS_HELDOUT),
            )
        )
    return out


def format_heldout(reports: list[tuple[str, Report]]) -> str:
    lines = []
    for name, held in reports:
        if not held.paragraphs_labelled:
            continue
        f = held.figures()
        lines.append(
            f"held-out paragraphs only, {name} ({held.paragraphs_labelled}): "
            f"theme precision {f['theme_precision']:.3f}, recall {f['theme_recall']:.3f}, "
            f"stance {f['stance_accuracy'] * 100:.1f}%, "
            f"improvement recall {f['improvement_recall'] * 100:.1f}%"
        )
        if held.unmatched:
            lines.append(f"  unmatched gold paragraphs: {len(held.unmatched)}")
    for name, held in reports:
        if held.documents:
            lines.append(format_heldout_metadata(name, held))
    return "\n".join(lines)


METADATA_FIELDS = (
    "authority",
    "letter_date",
    "visit_dates",
    "inspectors",
    "judgements",
    "document_type",
    "framework",
)


def format_heldout_metadata(name: str, held: Report) -> str:
    """One line of metadata figures for held-out documents: the rates only, never which document
    was wrong."""
    figures = ", ".join(
        f"{field.replace('_', ' ')} {held.rate(field) * 100:.1f}%"
        for field in METADATA_FIELDS
        if field in held.metadata
    )
    errors = f", {len(held.errors)} unreadable" if held.errors else ""
    return f"held-out metadata only, {name} ({held.documents} documents): {figures}{errors}"


def _score_metadata(report: Report, gold: dict, meta: dict, listed: bool = True) -> None:
    def score(name: str, right: bool, detail: str = "") -> None:
        r, t = report.metadata.get(name, (0, 0))
        report.metadata[name] = (r + int(right), t + 1)
        if not right and listed:
            report.mismatches.append(f"{gold['doc']}: {name} {detail}")
        elif not right:
            report.heldout_mismatches += 1

    score(
        "authority",
        meta.get("authority") == gold["authority"],
        f"{meta.get('authority')!r} != {gold['authority']!r}",
    )
    score(
        "document_type", meta.get("document_type") == gold["document_type"], f"{meta.get('document_type')!r}"
    )
    score(
        "letter_date",
        meta.get("letter_date") == gold.get("letter_date"),
        f"{meta.get('letter_date')} != {gold.get('letter_date')}",
    )
    visits = (meta.get("visit_start"), meta.get("visit_end"))
    score(
        "visit_dates",
        visits == (gold["visit_start"], gold["visit_end"]),
        f"{visits} != {(gold['visit_start'], gold['visit_end'])}",
    )
    score(
        "inspectors",
        meta.get("inspectors") == gold["inspectors"],
        f"{meta.get('inspectors')} != {gold['inspectors']}",
    )
    if "judgements" in gold:
        score("judgements", meta.get("judgements") == gold["judgements"], f"{meta.get('judgements')}")
    if "framework" in gold:
        score("framework", meta.get("framework") == gold["framework"], f"{meta.get('framework')!r}")


def _score_paragraphs(report: Report, gold_doc: dict, doc: ExtractedDocument) -> None:
    keyed = [(opening_key(p.text), p) for p in doc.paragraphs]
    for label in gold_doc["paragraphs"]:
        prefix = opening_key(label["starts"])
        found = next((p for k, p in keyed if k.startswith(prefix)), None)
        gold_themes = set(label.get("themes") or [])
        report.paragraphs_labelled += 1
        if found is None:
            report.unmatched.append(f"{gold_doc['doc']}: {label['starts']}")
            report.theme_fn += len(gold_themes)
            report.stance_confusion[(label["stance"], "missing")] += 1
            continue
        got = set(found.themes)
        for theme in got | gold_themes:
            counts = report.per_theme.setdefault(theme, Counter())
            if theme in got and theme in gold_themes:
                counts["tp"] += 1
                report.theme_tp += 1
            elif theme in got:
                counts["fp"] += 1
                report.theme_fp += 1
            else:
                counts["fn"] += 1
                report.theme_fn += 1
        report.stance_confusion[(label["stance"], found.stance)] += 1
        if found.stance == label["stance"]:
            report.stance_right += 1


def format_report(report: Report, verbose: bool = False) -> str:
    figures = report.figures()
    out = [
        f"Gold set: {report.documents} documents' metadata, {report.paragraphs_labelled} labelled paragraphs",
        "",
        f"{'measure':<18}{'value':>8}   target",
    ]
    for name, value in figures.items():
        target = TARGETS.get(name)
        if name == "leaked_lines":
            shown, ok = f"{value:d}", value == 0
            target_text = "0"
        else:
            shown = (
                f"{value * 100:.1f}%" if name not in ("theme_precision", "theme_recall") else f"{value:.3f}"
            )
            ok = target is None or value >= target
            target_text = (
                ""
                if target is None
                else (f">= {target:.2f}" if name.startswith("theme") else f">= {target:.0%}")
            )
        out.append(
            f"{name:<18}{shown:>8}   {target_text:<9}{'' if target is None and name != 'leaked_lines' else ('ok' if ok else 'BELOW')}"
        )
    out += ["", "stance confusion (gold -> predicted):"]
    for (gold, got), n in sorted(report.stance_confusion.items()):
        out.append(f"  {gold:<12} -> {got:<12} {n}")
    if verbose:
        out += ["", "per theme (tp fp fn):"]
        for theme, c in sorted(report.per_theme.items()):
            out.append(f"  {theme:<32} {c['tp']:>3} {c['fp']:>3} {c['fn']:>3}")
    for title, items in (
        ("unmatched gold paragraphs", report.unmatched),
        ("extraction errors", report.errors),
        ("metadata mismatches", report.mismatches),
        ("leaks", report.leaks),
    ):
        if items:
            out += ["", f"{title} ({len(items)}):"] + [f"  {i}" for i in items[: None if verbose else 15]]
    if report.heldout_mismatches:
        out += ["", f"held-out metadata mismatches: {report.heldout_mismatches} (counted, not listed)"]
    return "\n".join(out)


# The figures the web app's /help page shows: `make quality` writes them to FIGURES_FILE
# (indexer/quality/__init__.py), which is checked in, so the page states what was measured
# and when, never a guess.
HELDOUT_FIGURES = ("theme_precision", "theme_recall", "stance_accuracy", "improvement_recall")


def figures_document(report: Report, heldout: list[tuple[str, Report]], measured: str) -> dict:
    """``measured`` is the ISO date of the run."""

    def rounded(figures: dict) -> dict:
        return {k: round(v, 6) if isinstance(v, float) else v for k, v in figures.items()}

    return {
        "measured": measured,
        "documents": report.documents,
        "paragraphs": report.paragraphs_labelled,
        "all": rounded(report.figures()),
        "heldout": [
            {
                "file": name,
                "paragraphs": held.paragraphs_labelled,
                **rounded({k: held.figures()[k] for k in HELDOUT_FIGURES}),
            }
            for name, held in heldout
            if held.paragraphs_labelled
        ],
        "targets": TARGETS,
    }
