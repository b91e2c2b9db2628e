import csv

import pytest

from common.authorities import SUPERSEDED_ONS_CODES, Register


def test_register_matches_the_reference_list(shared_dir):
    register = Register.load()
    rows = [
        r
        for r in csv.DictReader(open(shared_dir / "reference/local-authorities.csv", encoding="utf-8"))
        if r["status"] == "current"
    ]
    assert len(register) == len(rows) == 153
    for row in rows:
        authority = register.by_ons_code(row["ons_code"])
        assert authority is not None, row
        assert authority.region == row["region"] and authority.urn == row["ofsted_id"]
        assert register.find(row["name"]) is authority, row["name"]


@pytest.mark.parametrize(
    "written, canonical",
    [
        ("London Borough of Newham", "Newham"),
        ("Kingston Upon Hull, City of", "Kingston upon Hull"),
        ("Hull City Council", "Kingston upon Hull"),
        ("Royal Borough of Greenwich", "Greenwich"),
        ("St. Helens Council", "St Helens"),
        ("Telford & Wrekin", "Telford and Wrekin"),
        ("Durham County Council", "Durham"),
        ("City of York Council", "York"),
        ("Wigan Metropolitan Borough Council", "Wigan"),
        ("BCP Council", "Bournemouth, Christchurch and Poole"),
    ],
)
def test_names_as_ofsted_and_councils_write_them(written, canonical):
    assert Register.load().find(written).name == canonical


def test_longest_name_in_a_subject_line_wins():
    register = Register.load()
    assert (
        register.find_in_text("Focused visit to North East Lincolnshire children’s services").name
        == "North East Lincolnshire"
    )
    assert register.find_in_text("Focused visit to Lincolnshire children’s services").name == "Lincolnshire"
    assert register.find_in_text("A letter about nowhere in particular") is None


@pytest.mark.parametrize(
    "written, canonical",
    [
        ("Bedford Borough Council", "Bedford Borough"),
        ("Bedford", "Bedford Borough"),
        ("Stoke", "Stoke-on-Trent"),
        ("Stoke on Trent City Council", "Stoke-on-Trent"),
        ("Richmond", "Richmond upon Thames"),
        ("Newcastle City Council", "Newcastle upon Tyne"),
        ("Brighton", "Brighton and Hove"),
        ("Cheshire West", "Cheshire West and Chester"),
        ("Redcar", "Redcar and Cleveland"),
        ("North East Lincs", "North East Lincolnshire"),
        ("Saint Helens", "St Helens"),
        ("RBKC", "Kensington and Chelsea"),
        ("Windsor & Maidenhead", "Windsor and Maidenhead"),
        ("Wigan MBC", "Wigan"),
        ("City of Bradford Metropolitan District Council", "Bradford"),
        ("Southend-on-Sea City Council", "Southend-on-Sea"),
    ],
)
def test_short_forms_and_council_titles(written, canonical):
    assert Register.load().find(written).name == canonical


def test_a_short_form_two_authorities_share_names_neither():
    register = Register.load()
    assert register.find("Kingston") is None  # upon Thames or upon Hull
    assert register.find("Kingston upon Thames").name == "Kingston upon Thames"
    # Short forms never match inside free text: "Bath" or "Barking" in a sentence is not a council.
    assert register.find_in_text("A visit to Bath and a walk in Barking") is None


def test_every_authority_has_its_web_domain_and_statistical_neighbours(shared_dir):
    register = Register.load()
    rows = {
        r["ons_code"]: r
        for r in csv.DictReader(
            open(shared_dir / "reference/local-authority-websites-and-neighbours.csv", encoding="utf-8")
        )
    }
    former = {
        r["ons_code"]
        for r in csv.DictReader(open(shared_dir / "reference/local-authorities.csv", encoding="utf-8"))
        if r["status"] != "current"
    }
    for authority in register:
        row = rows[authority.ons_code]
        assert authority.website == row["website_domain"], authority.name
        assert list(authority.neighbours) == [
            SUPERSEDED_ONS_CODES.get(c, c) for c in row["statistical_neighbours"].split()
        ], authority.name
        assert len(authority.neighbours) == 10
        known = register.neighbours_of(authority)
        assert [n.ons_code for n in known] == [c for c in authority.neighbours if c not in former]
        assert authority not in known
    wigan = register.find("Wigan")
    assert [n.name for n in register.neighbours_of(wigan)][:3] == [
        register.by_ons_code(SUPERSEDED_ONS_CODES.get(c, c)).name
        for c in rows[wigan.ons_code]["statistical_neighbours"].split()[:3]
    ]
