"""The claim builder widget, driven through its controls (no browser).

Each test types into the form the way a user would (setting a control's
value fires the same observers as a keystroke) and reads what the form
shows next to the item.
"""

import json
from pathlib import Path

import pytest

from trainer_billing import claim
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
    assert [f.rule for f in found] == [rule]
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
    expected = [f.to_dict() for f in scrub.check(raw)]
    assert expected, f"{path.name} should have findings"
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
        if isinstance(widget, (w.Text, w.Combobox, w.Button)):
            assert widget.description.strip(), widget


def test_main_controls_have_stable_classes(builder):
    classes = {cls for widget in _walk(builder.widget)
               for cls in getattr(widget, "_dom_classes", ())}
    for cls in ("tb-field-33a", "tb-field-1", "tb-field-21",
                "tb-line1-24J", "tb-line6-24G", "tb-finding-33a",
                "tb-finding-line1-24E", "tb-summary", "tb-status",
                "tb-draft-path"):
        assert cls in classes


def _walk(widget):
    """Return every widget under ``widget``, itself included."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)
