"""The claim builder widget, driven through its controls (no browser).

Each test types into the form the way a user would (setting a control's
value fires the same observers as a keystroke) and reads what the form
shows next to the item. Findings are the rule catalog's plus the 837P's
own (``x12.findings``); the previews and downloads are read back from
the HTML the form shows.
"""

import asyncio
import base64
import json
import re
from pathlib import Path

import pytest

from trainer_billing import claim, forms, x12
from trainer_billing.widgets import ClaimBuilder

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "datasets" / "claims" / "valid_sample.json"


@pytest.fixture
def builder():
    """Return a claim builder holding the sample claim."""
    return ClaimBuilder(claim.load(SAMPLE), sample_path=SAMPLE)


def test_sample_claim_shows_no_findings(builder):
    assert builder.findings() == []
    assert "nothing to fix" in builder.shown_text()
    assert builder.to_claim() == claim.load(SAMPLE)


def test_blank_builder_is_the_library_blank_claim():
    blank = ClaimBuilder()
    assert blank.to_claim() == claim.empty()
    assert blank.line_count == 1
    assert blank.findings(), "a blank claim has items missing"


def test_wrong_npi_check_digit_shows_at_33a_and_goes_when_fixed(builder):
    builder.set_field("billing_provider.npi", "1000000039")
    assert [f.rule for f in _shown_at(builder, "33a")] == ["npi-invalid"]
    shown = builder.shown_text("33a")
    assert "check digit" in shown
    assert "1000000039" in shown
    assert "Fix:" in shown
    assert "tb-finding-33a" in builder.finding_box("33a")._dom_classes
    # Only 33a shows it; the neighbouring item 33 stays clear.
    assert builder.shown_text("33") == ""
    builder.set_field("billing_provider.npi", "1000000038")
    assert builder.shown_text("33a") == ""
    assert builder.findings() == []


def test_typing_keeps_the_text_as_typed(builder):
    control = builder.control("billing_provider.npi")
    control.value = " 1000000039 "
    assert control.value == " 1000000039 "
    assert builder.to_claim()["billing_provider"]["npi"] == " 1000000039 "


def _shown_at(builder, item, line=None):
    """Return the library's findings for ``item`` and check each shows."""
    found = [f for f in builder.findings()
             if f.item == item and f.line == line]
    shown = builder.shown_text(item, line)
    for finding in found:
        assert finding.message in shown
        assert finding.fix in shown
    return found


# Rule ids are the library's stable names; the wording is the library's
# to change, so the tests compare what is shown with what it returned.
@pytest.mark.parametrize("field, text, item, rule", [
    ("from", "2026-13-40", "24A", "date-invalid"),
    ("charge", "abc", "24F", "charge-format"),
    ("units", "1.5", "24G", "units-whole"),
    ("units", "0", "24G", "units-whole"),
    ("code", "9711", "24D", "code-shape"),
    ("pointers", "E", "24E", "pointer-unknown"),
    ("rendering_npi", "1000000021", "24J", "npi-invalid"),
])
def test_bad_line_input_shows_at_its_item(builder, field, text, item,
                                          rule):
    builder.set_field(field, text, line=1)
    found = _shown_at(builder, item, 1)
    # The rule's finding, and at most the 837P's own note on the same
    # value (a rendering NPI that is not item 31's has no name to send).
    assert rule in [f.rule for f in found]
    assert {f.rule for f in found} <= {rule, "x12-rendering-name"}
    assert text in builder.shown_text(item, 1)
    assert builder.shown_text(item, 2) == ""
    assert builder.control(field, line=1).value == text


def test_pointer_e_is_an_error_at_line_1_item_24e(builder):
    builder.set_field("pointers", "E", line=1)
    found = [f for f in builder.findings() if f.item == "24E"]
    assert [(f.severity, f.line) for f in found] == [("error", 1)]
    assert "data-item=\"24E\"" in builder.finding_box("24E", 1).value


@pytest.mark.parametrize("name, text, item, rule", [
    ("patient.birth_date", "2026-13-40", "3", "date-invalid"),
    ("total_charge", "abc", "28", "charge-format"),
    ("diagnoses.A", "M17.1", "21", "diagnosis-not-billable"),
    ("referring_provider.npi", "1000000013", "17b", "npi-invalid"),
    ("coverage", "gold plan", "1", "choice"),
])
def test_bad_item_input_shows_at_its_item(builder, name, text, item,
                                          rule):
    builder.set_field(name, text)
    assert rule in [f.rule for f in _shown_at(builder, item)]
    assert builder.control(name).value == text


def test_total_charge_mismatch_shows_at_28(builder):
    builder.set_field("charge", "100.00", line=1)
    found = _shown_at(builder, "28")
    assert [f.rule for f in found] == ["total-mismatch"]
    assert builder.shown_text("24F", 1) == ""


def test_add_and_remove_lines(builder):
    assert builder.line_count == 2
    assert builder.add_line() == 3
    assert "missing" in builder.shown_text("24D", 3)
    assert builder.remove_line() == 2
    assert builder.to_claim() == claim.load(SAMPLE)
    for _ in range(10):
        builder.add_line()
    assert builder.line_count == 6
    for _ in range(10):
        builder.remove_line()
    assert builder.line_count == 1


def test_unknown_item_goes_to_other_findings(builder, monkeypatch):
    from trainer_billing import scrub

    odd = scrub.Finding("made-up", "warning", "99z", None, "Odd thing.",
                        "Do nothing.")
    monkeypatch.setattr(scrub, "check", lambda data, today=None: [odd])
    builder.refresh()
    assert "Odd thing." in builder.shown_text("other")
    assert "1 warning" in builder.shown_text()


def test_checker_failure_shows_a_short_message(builder, monkeypatch):
    from trainer_billing import scrub

    def broken(data, today=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(scrub, "check", broken)
    builder.set_field("billing_provider.npi", "1")  # no exception escapes
    assert "could not run: boom" in builder.shown_text()


def test_save_then_load_draft_round_trips(builder, tmp_path):
    builder.set_field("billing_provider.npi", "1000000039")
    builder.set_field("units", "1.5", line=1)
    builder.set_field("pointers", "A, E", line=2)
    builder.set_field("diagnoses.C", "z71.82")
    builder.add_line()
    builder.set_field("code", "S9451", line=3)
    typed = builder.to_claim()
    path = tmp_path / "nested" / "draft.json"
    assert builder.save_draft(path) == path
    assert "Saved the draft" in builder.status_text
    assert json.loads(path.read_text()) == typed

    fresh = ClaimBuilder()
    assert fresh.load_draft(path)
    assert fresh.to_claim() == typed
    assert fresh.line_count == 3
    assert fresh.control("units", line=1).value == "1.5"
    assert "check digit" in fresh.shown_text("33a")


def test_draft_path_field_is_used_by_default(builder, tmp_path,
                                             monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert builder.draft_path_field.value == \
        "drafts/claim_draft.json"
    assert builder.save_draft() == Path("drafts/claim_draft.json")
    assert (tmp_path / "drafts" / "claim_draft.json").is_file()
    builder.draft_path_field.value = "other.json"
    builder.save_draft()
    assert (tmp_path / "other.json").is_file()
    assert builder.load_draft()


@pytest.mark.parametrize("text, words", [
    ('{"coverage": "group_', "not valid JSON"),
    ("[1, 2]", "not a claim object"),
    ('{"lines": "97110"}', "'lines' should be a list"),
    ('{"patient": {"name": ["Okafor"]}}', "'patient.name' should be"),
    ('{"claims": ["a.json"]}', "none of a claim's items"),
    ('{"lines": [{"units": 1}, "97110"]}', "line 2 should be an object"),
])
def test_broken_draft_keeps_the_form_and_says_why(builder, tmp_path,
                                                  text, words):
    builder.set_field("billing_provider.npi", "1000000039")
    before = builder.to_claim()
    path = tmp_path / "broken.json"
    path.write_text(text)
    assert builder.load_draft(path) is False
    assert words in builder.status_text
    assert "unchanged" in builder.status_text
    assert builder.to_claim() == before
    assert builder.control("billing_provider.npi").value == "1000000039"
    assert "check digit" in builder.shown_text("33a")


def test_claim_larger_than_the_form_is_kept_and_checked(tmp_path):
    data = claim.load(SAMPLE)
    data["lines"] = [data["lines"][1]] * 7
    data["diagnoses"] = ["M1711"] * 13
    path = tmp_path / "big.json"
    path.write_text(json.dumps(data))
    builder = ClaimBuilder()
    assert builder.load_draft(path)
    assert "7 service lines" in builder.status_text
    assert "13 diagnoses" in builder.status_text
    assert builder.line_count == 6
    assert builder.to_claim() == data
    rules = {(f.rule, f.item) for f in builder.findings()}
    assert {("line-limit", "24"), ("diagnosis-limit", "21")} <= rules
    assert "line-limit" not in builder.shown_text("other")


INVALID = sorted(p for p in (ROOT / "datasets" / "claims" / "invalid")
                 .glob("*.json") if p.name != "index.json")


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_every_invalid_sample_shows_exactly_the_library_findings(path):
    from trainer_billing import scrub

    raw = json.loads(path.read_text())
    builder = ClaimBuilder()
    assert builder.load_draft(path), builder.status_text
    assert scrub.check(raw), f"{path.name} should have findings"
    expected = [f.to_dict() for f in x12.findings(raw)]
    assert [f.to_dict() for f in builder.findings()] == expected
    boxes = {f.item: builder.shown_text(f.item, f.line)
             for f in builder.findings() if f.line is None}
    for finding in builder.findings():
        if finding.line is None:
            assert finding.message in boxes[finding.item]


def test_missing_draft_says_so(builder, tmp_path):
    assert builder.load_draft(tmp_path / "nope.json") is False
    assert "Could not read" in builder.status_text


def test_unsaveable_draft_path_says_why(builder, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert builder.save_draft(blocker / "draft.json") is None
    assert "Could not save" in builder.status_text


def test_buttons_never_raise(builder, tmp_path):
    buttons = {cls: widget for widget in _walk(builder.widget)
               for cls in getattr(widget, "_dom_classes", ())
               if cls.startswith("tb-button-")}
    assert {"tb-button-sample", "tb-button-save", "tb-button-load",
            "tb-button-add-line", "tb-button-remove-line"} <= set(buttons)
    builder.draft_path_field.value = str(tmp_path / "d.json")
    buttons["tb-button-load"].click()       # no draft yet
    assert "Could not read" in builder.status_text
    buttons["tb-button-save"].click()
    assert "Saved" in builder.status_text
    builder.set_field("billing_provider.npi", "1")
    buttons["tb-button-sample"].click()
    assert builder.findings() == []
    assert "Loaded the sample" in builder.status_text


def test_every_control_has_a_label(builder):
    import ipywidgets as w

    for widget in _walk(builder.widget):
        if isinstance(widget, (w.Text, w.Combobox, w.Button,
                               w.Dropdown)):
            assert widget.description.strip(), widget


def test_main_controls_have_stable_classes(builder):
    classes = {cls for widget in _walk(builder.widget)
               for cls in getattr(widget, "_dom_classes", ())}
    for cls in ("tb-field-33a", "tb-field-1", "tb-field-21",
                "tb-line1-24J", "tb-line6-24G", "tb-finding-33a",
                "tb-finding-line1-24E", "tb-summary", "tb-status",
                "tb-draft-path", "tb-field-payer", "tb-finding-payer",
                "tb-field-7", "tb-field-11a", "tb-field-26",
                "tb-field-27", "tb-field-31", "tb-line1-minutes",
                "tb-download-cms1500", "tb-download-superbill",
                "tb-download-837p", "tb-preview-cms1500",
                "tb-preview-superbill"):
        assert cls in classes


def _walk(widget):
    """Return every widget under ``widget``, itself included."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


# ------------------------------------------------ the items added later

def test_every_item_of_the_sample_is_in_a_control(builder):
    shown = {
        "payer.name": "Synthetic Mutual Health Plan",
        "payer.id": "SYN01",
        "payer.address.zip": "62705",
        "payer.referral_required": "",          # not in the file
        "payer.timely_filing_days": "",
        "insured.address.street": "41 Alder Row",
        "insured.birth_date": "1968-04-12",
        "insured.sex": "F",
        "patient_account": "RB-2026-0001",
        "accept_assignment": "yes",
        "rendering_provider.name.last": "Alvarez",
        "rendering_provider.credentials": "PT, DPT",
        "rendering_provider.npi": "1000000020",
    }
    for name, value in shown.items():
        assert builder.control(name).value == value, name
    assert builder.control("minutes", line=1).value == ""
    # Untouched controls for keys the file lacks add nothing to it.
    assert builder.to_claim() == claim.load(SAMPLE)


def test_new_controls_write_the_claim_values(builder):
    builder.set_field("payer.referral_required", "no")
    builder.set_field("payer.timely_filing_days", "365")
    builder.set_field("accept_assignment", "no")
    builder.set_field("minutes", "30", line=1)
    builder.set_field("rendering_provider.credentials", "DPT")
    data = builder.to_claim()
    assert data["payer"]["referral_required"] is False
    assert data["payer"]["timely_filing_days"] == 365
    assert data["accept_assignment"] is False
    assert data["lines"][0]["minutes"] == 30
    assert data["rendering_provider"]["credentials"] == "DPT"
    assert claim.parse(data)          # still a well-formed claim
    builder.set_field("accept_assignment", "")   # "not given"
    builder.set_field("minutes", "", line=1)
    builder.set_field("payer.timely_filing_days", "")
    data = builder.to_claim()
    assert "accept_assignment" not in data
    # Cleared again, the keys the file lacked are left out again.
    assert "minutes" not in data["lines"][0]
    assert "timely_filing_days" not in data["payer"]
    blank = ClaimBuilder()              # the blank claim has them: null
    blank.set_field("minutes", "5", line=1)
    blank.set_field("minutes", "", line=1)
    assert blank.to_claim()["lines"][0]["minutes"] is None


@pytest.mark.parametrize("name, text, item, line, rule", [
    ("payer.id", "", "payer", None, "x12-required"),
    ("payer.name", "", "payer", None, "x12-required"),
    ("payer.address.zip", "627", "payer", None, "x12-format"),
    ("patient_account", "", "26", None, "x12-required"),
    ("rendering_provider.name.last", "", "24J", 1, "x12-rendering-name"),
    ("payer.timely_filing_days", "10", "24A", 1, "timely-filing"),
    ("payer.prior_authorization_required", "yes", "23", None,
     "prior-auth-missing"),
])
def test_new_item_input_shows_at_its_item(builder, name, text, item, line,
                                          rule):
    builder.set_field(name, text)
    assert rule in [f.rule for f in _shown_at(builder, item, line)]
    assert builder.control(name).value == text


def test_referral_needed_but_none_named_shows_at_17(builder):
    builder.set_field("payer.referral_required", "yes")
    assert _shown_at(builder, "17") == []
    for name in ("referring_provider.npi", "referring_provider.name.last",
                 "referring_provider.name.first",
                 "referring_provider.qualifier"):
        builder.set_field(name, "")
    assert [f.rule for f in _shown_at(builder, "17")] == \
        ["referral-missing"]


@pytest.mark.parametrize("name, text, item", [
    ("insured.birth_date", "1968-02-30", "11a"),
    ("insured.sex", "X", "11a"),
    ("insured.address.state", "ZZ", "7"),
])
def test_insured_items_are_checked_when_not_the_patient(builder, name,
                                                        text, item):
    builder.set_field(name, text)
    assert _shown_at(builder, item) == [], "self: item 7/11a not sent"
    builder.set_field("patient.relationship", "spouse")
    assert "x12-format" in [f.rule for f in _shown_at(builder, item)]
    assert text in builder.shown_text(item)


def test_minutes_against_units_show_at_24g(builder):
    builder.set_field("minutes", "20", line=1)    # 20 min: 1 unit, not 2
    found = _shown_at(builder, "24G", 1)
    assert [f.rule for f in found] == ["units-minutes"]
    builder.set_field("minutes", "ten", line=1)
    assert [f.rule for f in _shown_at(builder, "24G", 1)] == \
        ["units-minutes"]
    # The claim file cannot hold "ten" either; one message says so.
    assert builder.format_problems()
    assert builder.shown_text("24G", 1).count("Error") == 1


def test_value_the_claim_file_cannot_hold_shows_beside_its_control(
        builder):
    builder.set_field("payer.timely_filing_days", "ninety")
    assert builder.findings() == []      # no rule reads it...
    shown = builder.shown_text("payer")  # ...but the form says so
    assert "ninety" in shown and "cannot hold" in shown
    assert "1 error" in builder.shown_text()
    assert builder.control("payer.timely_filing_days").value == "ninety"
    builder.set_field("payer.timely_filing_days", "90")
    assert builder.shown_text("payer") == ""


def test_draft_with_a_non_boolean_rule_keeps_the_form(builder, tmp_path):
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"payer": {"referral_required": "yes"}}))
    before = builder.to_claim()
    assert builder.load_draft(path) is False
    assert "should be true or false" in builder.status_text
    assert builder.to_claim() == before


def test_new_items_round_trip_through_a_draft(builder, tmp_path):
    builder.set_field("payer.referral_required", "yes")
    builder.set_field("payer.timely_filing_days", "ninety")
    builder.set_field("minutes", "ten", line=2)
    builder.set_field("insured.address.city", "Peoria")
    typed = builder.to_claim()
    path = builder.save_draft(tmp_path / "d.json")
    fresh = ClaimBuilder()
    assert fresh.load_draft(path)
    assert fresh.to_claim() == typed
    assert fresh.control("payer.timely_filing_days").value == "ninety"
    assert fresh.control("minutes", line=2).value == "ten"


# ------------------------------------------------ previews and downloads

def _payload(box):
    """Return the bytes and file name of the download link in ``box``."""
    match = re.search(r'download="([^"]+)" href="data:([^;]+);base64,'
                      r'([^"]+)"', box.value)
    assert match, f"no download link in {box.value[:200]!r}"
    return base64.b64decode(match.group(3)), match.group(1)


def test_downloads_carry_the_forms_and_the_837p(builder):
    data = builder.to_claim()
    pdf, name = _payload(builder.download_link("cms1500"))
    assert pdf.startswith(b"%PDF") and name == "cms1500-RB-2026-0001.pdf"
    assert pdf == forms.cms1500_pdf(data)
    pdf, name = _payload(builder.download_link("superbill"))
    assert pdf.startswith(b"%PDF") and name.startswith("superbill-")
    assert pdf == forms.superbill_pdf(data, paid="0.00")
    text, name = _payload(builder.download_link("837p"))
    assert text.startswith(b"ISA*") and name.endswith(".837p.txt")
    assert b"CLM*RB-2026-0001*185*" in text
    assert text.rstrip().endswith(b"IEA*1*000000001~")


def test_previews_embed_the_first_page_of_each_pdf(builder):
    for kind in ("cms1500", "superbill"):
        frame = builder.preview(kind).value
        assert frame.startswith("<iframe") and "title=\"Preview" in frame
        match = re.search(r'src="data:application/pdf;base64,([^"#]+)'
                          r'#page=1', frame)
        assert base64.b64decode(match.group(1)).startswith(b"%PDF")


def test_downloads_follow_the_form(builder):
    before, _ = _payload(builder.download_link("cms1500"))
    builder.set_field("patient.name.first", "Dana Q")
    after, _ = _payload(builder.download_link("cms1500"))
    assert after != before
    assert after == forms.cms1500_pdf(builder.to_claim())
    builder.set_field("patient_account", "INV 7/2")
    assert _payload(builder.download_link("837p"))[1] == \
        "claim-INV_7_2.837p.txt"


def test_an_error_replaces_the_837p_link_with_what_to_fix(builder):
    builder.set_field("billing_provider.npi", "1000000039")
    box = builder.download_link("837p").value
    assert "href=" not in box and "<a " not in box
    error = [f for f in builder.findings() if f.item == "33a"][0]
    text = builder.download_link("837p").value
    assert "Item 33a" in text and "check digit" in text
    assert re.sub(r"<[^>]+>", "", text).count("Item ") == 1
    assert "Traceback" not in text
    # The CMS-1500 still prints, as typed, and says it has errors.
    pdf, _ = _payload(builder.download_link("cms1500"))
    assert pdf.startswith(b"%PDF")
    assert "1 error" in builder.download_link("cms1500").value
    assert error.message.split(":")[0] in builder.shown_text("33a")
    builder.set_field("billing_provider.npi", "1000000038")
    assert _payload(builder.download_link("837p"))[0].startswith(b"ISA*")


def test_an_837p_only_error_blocks_the_837p_but_not_the_pdfs(builder):
    builder.set_field("payer.id", "")
    text = builder.download_link("837p").value
    assert "href=" not in text and "payer ID is missing" in text
    assert _payload(builder.download_link("superbill"))[0][:4] == b"%PDF"


def test_a_refused_superbill_shows_the_forms_reason(builder):
    builder.set_field("billing_provider.taxonomy", "")
    for box in (builder.download_link("superbill"),
                builder.preview("superbill")):
        assert "href=" not in box.value and "<iframe" not in box.value
        assert "cannot be printed" in box.value
        assert "S9451" in box.value       # the forms module's advice
    assert _payload(builder.download_link("cms1500"))[0][:4] == b"%PDF"
    builder.set_field("billing_provider.taxonomy", "225100000X")
    builder._superbill_options["paid"].value = "ten"
    assert "not an amount" in builder.download_link("superbill").value


def test_outputs_never_show_a_traceback(builder, monkeypatch):
    from trainer_billing import scrub

    def broken(data, today=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(scrub, "check", broken)
    builder.set_field("billing_provider.npi", "1")
    for kind in ("cms1500", "superbill", "837p"):
        assert "Traceback" not in builder.download_link(kind).value
    assert "boom" in builder.download_link("superbill").value
    assert "boom" in builder.download_link("837p").value


def test_in_a_kernel_the_outputs_wait_for_typing_to_pause(builder):
    builder.output_delay = 0.05
    old, _ = _payload(builder.download_link("cms1500"))

    async def type_then_wait():
        builder.set_field("patient.name.first", "Dee")
        builder.set_field("patient.name.first", "Deb")
        waiting = builder.outputs_pending
        still = builder._downloads["cms1500"].value
        await asyncio.sleep(0.5)
        return waiting, still

    waiting, still = asyncio.run(type_then_wait())
    assert waiting and _payload(_Box(still))[0] == old
    assert not builder.outputs_pending
    new, _ = _payload(builder._downloads["cms1500"])
    assert new == forms.cms1500_pdf(builder.to_claim())


class _Box:
    """An HTML value outside a widget, for _payload."""

    def __init__(self, value):
        self.value = value
