"""Metadata readers on the wordings the letters and reports use (written for these tests)."""

from __future__ import annotations

import pytest

from indexer import metadata as meta

INTRO = "This letter summarises the findings of the focused visit to Wigan children’s services on {}."


@pytest.mark.parametrize(
    "phrase,start,end",
    [
        ("13 and 14 November 2019", "2019-11-13", "2019-11-14"),
        ("31 January and 1 February 2024", "2024-01-31", "2024-02-01"),
        ("1 to 2 August 2023", "2023-08-01", "2023-08-02"),
        ("20 March 2018", "2018-03-20", "2018-03-20"),
        ("15, 16 and 21 July 2025", "2025-07-15", "2025-07-21"),
        ("the 15 and 16 of May 2018", "2018-05-15", "2018-05-16"),
        ("12 – 13 December 2023", "2023-12-12", "2023-12-13"),
    ],
)
def test_visit_dates_in_letters(phrase, start, end):
    assert meta.visit_dates([INTRO.format(phrase)]) == (start, end)


def test_visit_dates_without_a_year_take_the_letters():
    texts = [
        "22 February 2018",
        "Dear Ms Quinton",
        "Focused visit to Coventry children’s services",
        "This letter summarises the findings of a focused visit to Coventry City Council",
        "children’s services on 30 and 31 January. The inspectors were Alison Smale, HMI, and",
        "Peter McEntee, HMI.",
    ]
    assert meta.visit_dates(texts, default_year=2018) == ("2018-01-30", "2018-01-31")
    assert meta.inspectors(texts) == ["Alison Smale", "Peter McEntee"]
    assert meta.letter_date(texts) == "2018-02-22"


@pytest.mark.parametrize(
    "line,start,end",
    [
        ("Inspection dates: 26 February 2024 to 8 March 2024", "2024-02-26", "2024-03-08"),
        ("Inspection date: 11 – 22 July 2022", "2022-07-11", "2022-07-22"),
        ("Inspection dates: 18 November 2019 to 29 November 2019", "2019-11-18", "2019-11-29"),
        (
            "Inspection dates: 8 July 2019 to 12 July 2019 and 7 August 2019 to 8 August 2019",
            "2019-07-08",
            "2019-08-08",
        ),
    ],
)
def test_report_inspection_dates(line, start, end):
    assert meta.visit_dates(["Inspection of Derbyshire local authority children’s services", line]) == (
        start,
        end,
    )


@pytest.mark.parametrize(
    "sentence,names",
    [
        (
            "The inspectors were Tara Geere, Her Majesty’s Inspector, and Máire Atherton, Her Majesty’s Inspector.",
            ["Tara Geere", "Máire Atherton"],
        ),
        (
            "The visit was carried out by Caroline Walsh and Marcie Taylor, Her Majesty's Inspectors.",
            ["Caroline Walsh", "Marcie Taylor"],
        ),
        (
            "The visit was carried out by Her Majesty’s Inspectors, Rachel Holden and Brenda McInerney.",
            ["Rachel Holden", "Brenda McInerney"],
        ),
        (
            "The inspectors were John Roughton HMI and Caroline Walsh HMI.",
            ["John Roughton", "Caroline Walsh"],
        ),
        (
            "Her Majesty’s Inspectors for this visit were Kathryn Grindrod and Mandy Nightingale.",
            ["Kathryn Grindrod", "Mandy Nightingale"],
        ),
        (
            "His Majesty’s inspectors for this visit were Sophie Wales and Teresa Godfrey.",
            ["Sophie Wales", "Teresa Godfrey"],
        ),
        (
            "Her Majesty’s Inspectors were Matt Reed, Amanda Maxwell and Jan Edwards.",
            ["Matt Reed", "Amanda Maxwell", "Jan Edwards"],
        ),
    ],
)
def test_inspector_wordings(sentence, names):
    assert meta.inspectors(["This letter summarises the findings of the focused visit.", sentence]) == names


def test_lead_inspector_on_the_next_line():
    texts = [
        "Barnsley",
        "Inspection of children’s social care services",
        "Inspection dates: 8 October 2018 to 19 October 2018",
        "Lead inspector: Jan Edwards",
        "Her Majesty’s Inspector",
        "Judgement",
    ]
    assert meta.inspectors(texts) == ["Jan Edwards"]


def test_judgement_table_with_wrapped_rows_and_grades():
    texts = [
        "Judgement",
        "Grade",
        "The impact of leaders on social work practice with",
        "children and families.",
        "Requires improvement",
        "to be good",
        "The experiences and progress of",
        "children care leavers",
        "Outstanding",
        "Overall effectiveness",
        "Good",
        "Services for children in the county are good, and leaders know them well.",
    ]
    assert meta.judgements(texts) == {
        meta.AREA_LEADERS: "Requires improvement to be good",
        meta.AREA_LEAVERS: "Outstanding",
        meta.AREA_OVERALL: "Good",
    }


@pytest.mark.parametrize(
    "subject,authority",
    [
        ("Focused visit to Durham’s children’s services", "Durham"),
        ("Focused visit to the London Borough of Lewisham’s children’s services", "Lewisham"),
        ("Focused visit to Kingston-upon-Hull children’s services", "Kingston upon Hull"),
        (
            "Focused visit to the Royal Borough of Kingston-upon-Thames local authority children’s services",
            "Kingston upon Thames",
        ),
        ("Focused visit to Doncaster Metropolitan Borough Council children’s services", "Doncaster"),
    ],
)
def test_authority_from_the_subject_line(subject, authority):
    from common.authorities import Register

    found = meta.find_authority(
        ["1 March 2024", "Dear Ms Smith", subject, "This letter summarises"], Register.load()
    )
    assert found is not None and found.name == authority


# --------------------------------------------------------------------------- inspectors, every wording


@pytest.mark.parametrize(
    "sentence,names",
    [
        # designations in brackets, and a remit after them, are not names
        (
            "The inspectors were Her Majesty’s Inspectors (HMI) Social Care, Nigel Parkes, Rachel Griffiths, Steve "
            "Lowe and Diane Partridge, and Stephen Lee, Senior HMI.",
            ["Nigel Parkes", "Rachel Griffiths", "Steve Lowe", "Diane Partridge", "Stephen Lee"],
        ),
        (
            "The inspectors were Nigel Parkes and Tracey Scott, Her Majesty’s Inspectors (HMI) Social Care, and "
            "Jane Spilsbury, HMI Schools.",
            ["Nigel Parkes", "Tracey Scott", "Jane Spilsbury"],
        ),
        # "designate", in brackets or not
        (
            "The visit was carried out by Kate Malleson and Jon Bowman, all of whom are Her Majesty’s Inspectors (HMI), "
            "and Tom Anthony (HMI designate).",
            ["Kate Malleson", "Jon Bowman", "Tom Anthony"],
        ),
        (
            "Her Majesty’s Inspectors for this visit were Brenda McLaughlin and Louise Walker, HMI designate.",
            ["Brenda McLaughlin", "Louise Walker"],
        ),
        (
            "The inspectors were Sam Hill, Her Majesty’s Inspector designate, and Jo Lee, Her Majesty’s Inspector.",
            ["Sam Hill", "Jo Lee"],
        ),
        # roles written before the names
        (
            "His Majesty’s Inspectors for this visit were lead inspector Ceri Evans and team inspector Monique Lindsay.",
            ["Ceri Evans", "Monique Lindsay"],
        ),
        (
            "His Majesty’s Inspectors for this visit were lead inspector Sophie Wales and team inspectors Sally Sinclair "
            "and Mark Scanlon.",
            ["Sophie Wales", "Sally Sinclair", "Mark Scanlon"],
        ),
        (
            "Her Majesty’s Inspectors for this visit were Brenda McLaughlin, lead inspector, Tracey Ledder, team "
            "inspector and Nhlanganiso Nyathi, who observed the visit.",
            ["Brenda McLaughlin", "Tracey Ledder", "Nhlanganiso Nyathi"],
        ),
        (
            "The inspectors for this visit were Parveen Hussain, His Majesty’s Inspector, and Nick Stacey, Ofsted Inspector.",
            ["Parveen Hussain", "Nick Stacey"],
        ),
        # odd capitalisation in hyphenated names: one person, one spelling
        (
            "His Majesty’s Inspectors for this visit were Jenny-ellen Scotland and Rebecca Quested.",
            ["Jenny-Ellen Scotland", "Rebecca Quested"],
        ),
        (
            "His Majesty’s Inspectors for this visit were Alex McDONALD-SMITH and Ann O'NEILL.",
            ["Alex McDonald-Smith", "Ann O'Neill"],
        ),
        (
            "The inspectors were Paula thomson-jones, HMI, and Jo Warburton, HMI.",
            ["Paula Thomson-Jones", "Jo Warburton"],
        ),
        (
            "The inspectors were Anna de la Cruz, HMI, and Jo Warburton, HMI.",
            ["Anna de la Cruz", "Jo Warburton"],
        ),
        ("The inspectors were JAN EDWARDS, HMI, and IAN YOUNG, HMI.", ["Jan Edwards", "Ian Young"]),
        (
            "The inspectors were Sarah-jane De Souza, HMI, and Dawn O’Neill-JONES, HMI.",
            ["Sarah-Jane De Souza", "Dawn O’Neill-Jones"],
        ),
    ],
)
def test_inspectors_with_designations_roles_and_odd_capitalisation(sentence, names):
    assert meta.inspectors(["This letter summarises the findings of the focused visit.", sentence]) == names


def test_inspector_names_wrapped_over_lines_and_a_sentence_without_its_full_stop():
    texts = [
        "This letter summarises the findings of the focused visit to Westminster children’s",
        "services on 15 to 16 June 2022. Her Majesty’s Inspectors for this visit were Jenny-",
        "ellen Scotland and Teresa Godfrey",
        "Inspectors looked at the local authority’s arrangements for the protection of",
        "vulnerable children from extra-familial risk.",
    ]
    assert meta.inspectors(texts) == ["Jenny-Ellen Scotland", "Teresa Godfrey"]


def test_bodies_named_beside_inspectors_are_not_people():
    texts = [
        "This letter summarises the findings of the joint targeted area inspection (JTAI) of the multi-agency",
        "response to children at risk of exploitation in Sefton. The inspection was carried out by inspectors",
        "from Ofsted, the Care Quality Commission (CQC), His Majesty’s Inspectorate of Constabulary and Fire &",
        "Rescue Services (HMICFRS) and His Majesty’s Inspectorate of Probation (HMIP).",
    ]
    assert meta.inspectors(texts) == []


@pytest.mark.parametrize(
    "name,inspectors",
    [
        (
            "fv-2020-11-20-gloucestershire.pdf",
            ["Nigel Parkes", "Rachel Griffiths", "Steve Lowe", "Diane Partridge", "Stephen Lee"],
        ),
        ("fv-2024-10-18-stockton-on-tees.pdf", ["Ceri Evans", "Monique Lindsay"]),
        ("fv-2022-07-20-westminster.pdf", ["Kendra Bell", "Teresa Godfrey"]),
        ("fv-2024-09-09-luton.pdf", ["Jenny-Ellen Scotland", "Rebecca Quested"]),
        ("fv-2021-10-27-gateshead.pdf", ["Brenda McLaughlin", "Vicky Metheringham", "Louise Walker"]),
    ],
)
def test_inspectors_of_real_letters(pdf_dir, name, inspectors):
    assert _extract(pdf_dir / name).metadata["inspectors"] == inspectors


def _extract(path):
    from common.store import DocumentRecord, document_id_for
    from indexer.extract import extract_document

    record = DocumentRecord(document_id=document_id_for(str(path)), source=str(path), kind="file")
    return extract_document(record, path.read_bytes())


# --------------------------------------------------------------------------- letter dates


def _letterhead_pdf(date_line: str, letterhead_last: bool = False) -> bytes:
    """A 2016-style monitoring letter whose date is printed only in the letterhead block: top right,
    in the letterhead's small type, beside Ofsted's address (written for this test)."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from tests.indexer.support import _fonts

    regular, _ = _fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4

    def letterhead():
        y = height - 40
        for text in (
            "Aviation House",
            "125 Kingsway",
            "London WC2B 6SE",
            "T 0300 123 1231",
            "Textphone 0161 618 8524",
            "enquiries@ofsted.gov.uk",
            "www.gov.uk/ofsted",
            date_line,
        ):
            pdf.setFont(regular, 8)
            pdf.drawString(400, y, text)
            y -= 10

    if not letterhead_last:
        letterhead()
    y = height - 200
    body = [
        "Mr Colin Diamond",
        "Corporate Director for Children and Young People",
        "Birmingham City Council",
        "Dear Mr Diamond",
        "Monitoring visit of Birmingham children’s services",
        "This letter summarises the findings of the monitoring visit to Birmingham children’s services on",
        "18 and 19 October 2016. The visit was the fifth monitoring visit since the local authority was",
        "judged inadequate in 2014. The inspectors were Tracey Metcalfe, HMI, and Louise Warren, HMI.",
        "Areas covered by the visit",
        "Inspectors reviewed the progress made in the quality of services for care leavers, and the",
        "support they receive from their personal advisers to move into suitable accommodation.",
    ]
    for text in body:
        pdf.setFont(regular, 11)
        pdf.drawString(72, y, text)
        y -= 15
    if letterhead_last:  # drawn after the body: stored after the salutation, printed above it
        letterhead()
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@pytest.mark.parametrize(
    "date_line,letterhead_last",
    [("9 November 2016", False), ("Date: 9 November 2016", False), ("9 November 2016", True)],
)
def test_letter_date_printed_only_in_the_letterhead_block(date_line, letterhead_last):
    from common.store import DocumentRecord, document_id_for
    from indexer.extract import extract_document
    from indexer.paragraphs import strip_furniture
    from indexer.pdf import read_lines

    data = _letterhead_pdf(date_line, letterhead_last)
    lines = read_lines(data)[0]
    if letterhead_last:
        dear = next(i for i, ln in enumerate(lines) if ln.text.startswith("Dear"))
        assert any("November 2016" in ln.text for ln in lines[dear:])  # the fixture does what it says
    body = [ln.text for ln in strip_furniture(lines)]
    assert not any("November 2016" in text for text in body)  # the block is furniture to the body
    record = DocumentRecord(document_id=document_id_for("mv.pdf"), source="mv.pdf", kind="file")
    facts = extract_document(record, data).metadata
    assert facts["letter_date"] == "2016-11-09"
    assert facts["document_type"] == meta.MONITORING
    assert facts["authority"] == "Birmingham"
    assert (facts["visit_start"], facts["visit_end"]) == ("2016-10-18", "2016-10-19")
    assert facts["inspectors"] == ["Tracey Metcalfe", "Louise Warren"]


@pytest.mark.parametrize(
    "line",
    [
        "www.gov.uk/ofsted 9 November 2016",
        "Textphone 0161 618 8524 9 November 2016",
        "Date: 9 November 2016",
        "9 November 2016",
    ],
)
def test_letter_date_merged_with_a_letterhead_line(line):
    texts = [
        "Ofsted",
        "Piccadilly Gate",
        line,
        "Mr Colin Diamond",
        "Dear Mr Diamond",
        "Monitoring visit of Birmingham children’s services",
    ]
    assert meta.letter_date(texts) == "2016-11-09"


def test_a_date_in_an_address_or_sentence_before_the_salutation_is_not_the_letter_date():
    texts = ["Following the inspection on 9 November 2016", "Mr Colin Diamond", "Dear Mr Diamond"]
    assert meta.letter_date(texts) is None


@pytest.mark.parametrize(
    "letter,visit_end,expected",
    [
        ("2019-01-21", "2019-12-19", "2020-01-21"),  # a January letter dated with the old year
        ("2020-01-21", "2019-12-19", "2020-01-21"),  # right already
        ("2019-01-21", "2018-12-19", "2019-01-21"),
        ("2018-03-01", "2019-12-19", "2018-03-01"),  # no one-year slip explains it: left as written
    ],
)
def test_a_letter_dated_before_its_own_visit_has_slipped_a_year(letter, visit_end, expected):
    assert meta.correct_year_slip(letter, visit_end) == expected


def test_dudley_2020_letter_printed_with_last_years_date(pdf_dir):
    facts = _extract(pdf_dir / "fv-2020-01-21-dudley.pdf").metadata
    assert (facts["visit_start"], facts["visit_end"]) == ("2019-12-18", "2019-12-19")
    assert facts["letter_date"] == "2020-01-21"


# --------------------------------------------------------------------------- authority in the subject line


@pytest.mark.parametrize(
    "subject,authority",
    [
        ("Focused visit to Bedford Borough Council children’s services", "Bedford Borough"),
        ("Focused visit to Stoke-on-Trent City Council children’s services", "Stoke-on-Trent"),
        ("Focused visit to Stoke children’s services", "Stoke-on-Trent"),
        ("Focused visit to Richmond local authority children’s services", "Richmond upon Thames"),
        ("Focused visit to Brighton and Hove City Council children’s services", "Brighton and Hove"),
        ("Focused visit to Stockton-on-Tees Borough Council children’s services", "Stockton-on-Tees"),
        ("Focused visit to Knowsley Metropolitan Borough Council Children’s services", "Knowsley"),
        ("Focused visit to Redcar and Cleveland Borough Council children’s services", "Redcar and Cleveland"),
        ("Focused visit to Hull City Council children’s services", "Kingston upon Hull"),
        ("Focused visit to North East Lincs children’s services", "North East Lincolnshire"),
        ("Focused visit to RBKC children’s services", "Kensington and Chelsea"),
        ("Focused visit to Sandwell Children’s Trust", "Sandwell"),
        ("Monitoring visit to Newcastle City Council children’s services", "Newcastle upon Tyne"),
        ("Joint targeted area inspection of Cheshire West", "Cheshire West and Chester"),
    ],
)
def test_authority_in_short_forms_and_with_council_titles(subject, authority):
    from common.authorities import Register

    found = meta.find_authority(
        ["1 March 2024", "Dear Ms Smith", subject, "This letter summarises"], Register.load()
    )
    assert found is not None and found.name == authority


def test_a_subject_naming_no_authority_falls_back_to_the_opening_sentence(pdf_dir):
    assert _extract(pdf_dir / "fv-2023-12-05-camden.pdf").metadata["authority"] == "Camden"


def test_an_ambiguous_short_form_in_the_subject_defers_to_the_opening_sentence():
    from common.authorities import Register

    texts = [
        "1 March 2024",
        "Dear Ms Smith",
        "Focused visit to Kingston children’s services",
        "This letter summarises the findings of the focused visit to Kingston upon Thames children’s services",
        "on 1 and 2 February 2024.",
    ]
    assert meta.find_authority(texts, Register.load()).name == "Kingston upon Thames"


# --------------------------------------------------------------------------- every kind of document, every era
# The corpus holds focused visits and ILACS reports only; the other kinds are written here in
# the shape of the real documents (ofsted-site.md §2.3-2.5), never copied from them.


def _extract_text(text: str, name: str = "fixture.txt"):
    from common.store import DocumentRecord, document_id_for
    from indexer.extract import extract_document

    record = DocumentRecord(document_id=document_id_for(name), source=name, kind="file")
    return extract_document(record, text.encode("utf-8")).metadata


def _filler(n: int) -> str:
    sentences = [
        "Most children who need help receive a timely response from skilled workers.",
        "Managers know their services well and act on what audits tell them.",
        "Care leavers speak highly of their personal advisers, who keep in touch.",
        "Too many young people wait too long for a permanent home.",
    ]
    return "\n".join(f"{i}. {sentences[i % 4]}" for i in range(1, n + 1))


SIF_REPORT = """Wokingham Borough Council
Inspection of services for children in need of help and protection, children
looked after and care leavers
and
Review of the effectiveness of the Local Safeguarding Children Board
Inspection date: 12 September 2016 to 6 October 2016
Report published: 25 November 2016

Children’s services in Wokingham require improvement to be good
1. Children who need help and protection
Requires improvement
2. Children looked after and achieving
permanence
Requires improvement
2.1 Adoption performance
Good
2.2 Experiences and progress of care leavers
Requires improvement
3. Leadership, management and governance
Requires improvement

Executive summary
{filler}

Information about this inspection
Inspectors have looked closely at the experiences of children and young people.
The inspection team
Lead inspector: Tracey Metcalfe HMI
Deputy lead inspector: Louise Warren HMI
Team inspectors: Anne Waterman HMI, Kate Malleson HMI, Caroline Walsh
Shadow inspector: Sam Price
Senior data analyst: Jo Lee
Quality assurance manager: Pauline Higham HMI
"""


def test_sif_report_2016():
    facts = _extract_text(SIF_REPORT.format(filler=_filler(70)))
    assert facts["authority"] == "Wokingham"
    assert facts["document_type"] == meta.INSPECTION and facts["framework"] == "SIF (2014-2018)"
    assert facts["letter_date"] is None and facts["published"] == "2016-11-25"
    assert (facts["visit_start"], facts["visit_end"]) == ("2016-09-12", "2016-10-06")
    assert facts["inspectors"] == [
        "Tracey Metcalfe",
        "Louise Warren",
        "Anne Waterman",
        "Kate Malleson",
        "Caroline Walsh",
    ]
    assert facts["judgements"] == {
        "Overall effectiveness": "Requires improvement to be good",
        "Children who need help and protection": "Requires improvement",
        "Children looked after and achieving permanence": "Requires improvement",
        "Adoption performance": "Good",
        "Experiences and progress of care leavers": "Requires improvement",
        "Leadership, management and governance": "Requires improvement",
    }


def test_sif_report_judged_inadequate():
    text = (
        SIF_REPORT.format(filler=_filler(70))
        .replace("require improvement to be good", "are inadequate")
        .replace("Requires improvement\n2.1", "Inadequate\n2.1")
    )
    grades = _extract_text(text)["judgements"]
    assert grades["Overall effectiveness"] == "Inadequate"
    assert grades["Children looked after and achieving permanence"] == "Inadequate"


ILACS_2019_WRAPPED = """Bedford Borough
Inspection of children’s social care services
Inspection dates: 8 July 2019 to 12 July 2019
Lead inspector: Nick Stacey
Her Majesty’s Inspector
Judgement
Grade
The impact of leaders on social work practice with children
and families
Requires improvement to
be good
The experiences and progress of children who need help and
protection
Requires
improvement to be good
The experiences and progress of children in care and care
leavers
Good
Overall effectiveness Requires improvement to
be good
Services for children in Bedford Borough have improved since the last inspection, and leaders
know where practice is not yet good enough.
{filler}
"""


def test_ilacs_2019_judgement_cells_wrapped_across_lines():
    facts = _extract_text(ILACS_2019_WRAPPED.format(filler=_filler(20)))
    assert facts["authority"] == "Bedford Borough"
    assert facts["framework"] == "ILACS (2018-2022)"
    assert facts["inspectors"] == ["Nick Stacey"]
    assert (facts["visit_start"], facts["visit_end"]) == ("2019-07-08", "2019-07-12")
    assert facts["judgements"] == {
        meta.AREA_LEADERS: "Requires improvement to be good",
        meta.AREA_HELP: "Requires improvement to be good",
        meta.AREA_CARE_AND_LEAVERS: "Good",
        meta.AREA_OVERALL: "Requires improvement to be good",
    }


def test_judgement_rows_ending_in_good_are_not_cut_grades():
    texts = [
        "Judgement",
        "Grade",
        "The impact of leaders on social work practice with children and families",
        "Requires improvement to",
        "be good",
        "Overall effectiveness",
        "Good",
    ]
    assert meta.judgements(texts) == {
        meta.AREA_LEADERS: "Requires improvement to be good",
        meta.AREA_OVERALL: "Good",
    }


@pytest.mark.parametrize(
    "name,framework,overall",
    [
        ("ilacs-2018-november-barnsley.txt", "ILACS (2018-2022)", "Good"),
        ("ilacs-2022-september-nottingham.txt", "ILACS (2018-2022)", "Inadequate"),
        ("ilacs-2024-july-telford-wrekin.txt", "ILACS (2023-2026)", "Outstanding"),
        ("ilacs-2026-july-liverpool.txt", "ILACS (from April 2026)", None),
    ],
)
def test_framework_of_real_reports(text_dir, name, framework, overall):
    facts = _extract(text_dir / name).metadata
    assert facts["document_type"] == meta.INSPECTION and facts["framework"] == framework
    assert facts["judgements"].get(meta.AREA_OVERALL) == overall
    if overall is None:  # 2026: four rows, care leavers on their own
        assert facts["judgements"][meta.AREA_LEAVERS] == "Requires improvement to be good"
        assert len(facts["judgements"]) == 4


JTAI_LETTER = """18 July 2022
Vicky Thompson, Executive Director of Children’s Services, Sefton Council
Deborah Butcher, Place Director, NHS Cheshire and Merseyside Integrated Care Board
Emily Spurrell, Police and Crime Commissioner for Merseyside
Serena Kennedy, Chief Constable, Merseyside Police
Dear Sefton Safeguarding Children Partnership
Joint targeted area inspection of Sefton
This letter summarises the findings of the joint targeted area inspection (JTAI) of the multi-agency
response to children at risk of criminal exploitation in Sefton. This inspection took place from 23 to
27 May 2022. It was carried out by inspectors from Ofsted, the Care Quality Commission (CQC) and His
Majesty’s Inspectorate of Constabulary and Fire & Rescue Services (HMICFRS).
Headline findings
Partners in Sefton share a clear understanding of the risks that older children face outside the home.
What needs to improve?
The timeliness of strategy meetings when children go missing.
"""


def test_jtai_letter():
    facts = _extract_text(JTAI_LETTER)
    assert facts["document_type"] == meta.JTAI
    assert facts["authority"] == "Sefton"
    assert facts["letter_date"] == "2022-07-18"
    assert (facts["visit_start"], facts["visit_end"]) == ("2022-05-23", "2022-05-27")
    assert facts["inspectors"] == []  # a JTAI letter names the inspectorates, not inspectors
    assert facts["judgements"] == {}


MONITORING_LETTER = """5 March 2019
Mr Tony Parkinson
Chief Executive
Middlesbrough Council
Dear Mr Parkinson
Monitoring visit to Middlesbrough children’s services
This letter summarises the findings of the monitoring visit to Middlesbrough children’s services on 5
and 6 February 2019. This visit was the fourth monitoring visit since the local authority was judged
inadequate in 2017. The inspectors were Jan Edwards, HMI, and Jenny-ellen Scotland, HMI designate.
Areas covered by the visit
Inspectors reviewed the progress made for care leavers, including their accommodation and the
support of their personal advisers.
"""


def test_monitoring_visit_letter():
    facts = _extract_text(MONITORING_LETTER)
    assert facts["document_type"] == meta.MONITORING
    assert facts["authority"] == "Middlesbrough"
    assert facts["letter_date"] == "2019-03-05"
    assert (facts["visit_start"], facts["visit_end"]) == ("2019-02-05", "2019-02-06")
    assert facts["inspectors"] == ["Jan Edwards", "Jenny-Ellen Scotland"]


@pytest.mark.parametrize(
    "sentence,names",
    [
        (
            "Her Majesty’s Inspectors (HMI) for this visit were Kendra Bell and Steve Lowe.",
            ["Kendra Bell", "Steve Lowe"],
        ),
        ("His Majesty’s Inspectors: Sophie Wales and Margaret Burke.", ["Sophie Wales", "Margaret Burke"]),
        (
            "The lead inspector was Peter McEntee, HMI, supported by Pauline Higham, HMI.",
            ["Peter McEntee", "Pauline Higham"],
        ),
        ("The inspectors were Dr Jane Smith, HMI, and Mr Ian Young, HMI.", ["Jane Smith", "Ian Young"]),
        (
            "The visit was led by Tracey Metcalfe HMI with Louise Warren HMI.",
            ["Tracey Metcalfe", "Louise Warren"],
        ),
    ],
)
def test_more_inspector_wordings(sentence, names):
    assert (
        meta.inspectors(["This letter summarises the findings of the monitoring visit.", sentence]) == names
    )


def test_visit_dates_skip_another_events_date_and_weekdays():
    texts = [
        "This letter summarises the findings of the third monitoring visit to Doncaster children’s services",
        "following the inspection published on 15 July 2015, on Tuesday 18 and Wednesday 19 October 2016.",
    ]
    assert meta.visit_dates(texts) == ("2016-10-18", "2016-10-19")


def test_a_subject_line_wrapped_after_and():
    texts = [
        "1 March 2024",
        "Dear Ms Smith",
        "Focused visit to the Royal Borough of Kensington and",
        "Chelsea children’s services",
        "This letter summarises the findings.",
    ]
    assert (
        meta.subject_line(texts)
        == "Focused visit to the Royal Borough of Kensington and Chelsea children’s services"
    )


def test_judgement_table_read_column_by_column():
    texts = [
        "Judgement",
        "The impact of leaders on social work practice with children and families",
        "The experiences and progress of children who need help and protection",
        "The experiences and progress of children in care",
        "The experiences and progress of care leavers",
        "Overall effectiveness",
        "Grade",
        "Good",
        "Requires improvement to",
        "be good",
        "Outstanding",
        "Inadequate",
        "Requires improvement to be good",
        "Services for children in the borough have improved since the last inspection in 2021, and most are good.",
    ]
    assert meta.judgements(texts) == {
        meta.AREA_LEADERS: "Good",
        meta.AREA_HELP: "Requires improvement to be good",
        meta.AREA_CARE: "Outstanding",
        meta.AREA_LEAVERS: "Inadequate",
        meta.AREA_OVERALL: "Requires improvement to be good",
    }


# Letters whose date line differs from the day the site published them, read by hand:
# Islington's letter is dated 28 November 2022 and was published on the 23rd; Cambridgeshire's
# 2025 letter has no date line.
DATED_APART_FROM_PUBLICATION = {
    "fv-2022-11-23-islington.pdf": "2022-11-28",
    "fv-2025-08-29-cambridgeshire.pdf": None,
}


def test_every_focused_visit_pdf_of_the_corpus(pdf_dir, manifest):
    """All 266 letters: the authority the site filed each under, the letter date the site
    published it on, a visit that ended before the letter, and named inspectors."""
    from common.authorities import Register

    register = Register.load()
    wrong = []
    for row in manifest:
        facts = _extract(pdf_dir / row["file"]).metadata
        expected_date = DATED_APART_FROM_PUBLICATION.get(row["file"], row["published"])
        if facts["authority"] != register.find(row["authority"]).name:
            wrong.append((row["file"], "authority", facts["authority"]))
        if facts["letter_date"] != expected_date:
            wrong.append((row["file"], "letter_date", facts["letter_date"]))
        if not (facts["visit_start"] and facts["visit_start"] <= facts["visit_end"] <= row["published"]):
            wrong.append((row["file"], "visit", facts["visit_start"], facts["visit_end"]))
        if not facts["inspectors"] or facts["document_type"] != meta.FOCUSED_VISIT:
            wrong.append((row["file"], "inspectors/type", facts["inspectors"], facts["document_type"]))
    assert len(manifest) == 266 and wrong == []
