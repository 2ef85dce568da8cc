import json

import jsonschema
import pytest

from conftest import CLAIMS
from trainer_billing import claim


def test_sample_loads_and_codes_lose_their_dots(sample_claim):
    assert sample_claim["diagnoses"] == ["M1711", "M5450"]
    assert sample_claim["lines"][0]["modifiers"] == ["GP"]


def test_every_example_claim_matches_the_published_schema():
    schema = json.loads(claim.SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    files = [CLAIMS / "valid_sample.json",
             *sorted((CLAIMS / "invalid").glob("*.json"))]
    files = [f for f in files if f.name != "index.json"]
    assert len(files) > 15
    for path in files:
        jsonschema.validate(json.loads(path.read_text()), schema)
        claim.load(path)


def test_empty_claim_has_every_top_level_key_of_the_schema():
    assert set(claim.empty()) == set(claim.schema()["properties"])
    assert set(claim.empty_line()) == \
        set(claim.schema()["properties"]["lines"]["items"]["properties"])
    claim.parse(claim.empty())


def test_every_problem_is_reported_at_once_with_its_item():
    data = {
        "patient": {"birth_date": 19680412, "nickname": "Dee"},
        "lines": [{"units": "two", "pointers": "A"}],
        "billing_provider": {"npi": 1234567893},
    }
    with pytest.raises(claim.ClaimFileError) as caught:
        claim.parse(data)
    found = {(p.item, p.where) for p in caught.value.problems}
    assert found == {
        ("3", "patient.birth_date"),
        ("2", "patient.nickname"),
        ("24G", "lines[0].units"),
        ("24E", "lines[0].pointers"),
        ("33a", "billing_provider.npi"),
    }


@pytest.mark.parametrize("text, words", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    ('{"diagnosis": []}', "unknown key 'diagnosis'"),
])
def test_unreadable_text_says_why(text, words):
    with pytest.raises(claim.ClaimFileError, match=words):
        claim.loads(text)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(claim.ClaimFileError, match="cannot read"):
        claim.load(tmp_path / "nope.json")
    binary = tmp_path / "photo.json"
    binary.write_bytes(b"\xff\xd8\xff\xe0")
    with pytest.raises(claim.ClaimFileError, match="cannot read"):
        claim.load(binary)


def test_dumps_round_trips(sample_claim):
    assert claim.loads(claim.dumps(sample_claim)) == sample_claim


@pytest.mark.parametrize("where, item", [
    ("coverage", "1"), ("insured.id", "1a"), ("insured.name.last", "4"),
    ("patient.address.zip", "5"), ("referring_provider.npi", "17b"),
    ("referring_provider.name.first", "17"), ("diagnoses[3]", "21"),
    ("lines[5].charge", "24F"), ("lines[0].modifiers[1]", "24D"),
    ("tax_id.value", "25"), ("billing_provider.taxonomy", "33"),
])
def test_item_for(where, item):
    assert claim.item_for(where) == item


def test_a_byte_order_mark_is_fine_and_latin1_is_explained(tmp_path):
    sample = (CLAIMS / "valid_sample.json").read_text()
    bom = tmp_path / "bom.json"
    bom.write_text("\ufeff" + sample, encoding="utf-8")
    assert claim.load(bom)["patient_account"] == "RB-2026-0001"
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"coverage": "caf\u00e9"}'.encode("latin-1"))
    with pytest.raises(claim.ClaimFileError, match="save it as UTF-8"):
        claim.load(latin)


def test_deeply_nested_json_says_why():
    with pytest.raises(claim.ClaimFileError, match="nested too deeply"):
        claim.loads("[" * 100_000 + "]" * 100_000)
