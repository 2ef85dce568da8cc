"""The enrollment planner widget, driven through its controls."""

import pytest

from trainer_billing import enrollment
from trainer_billing.widgets.enrollment_planner import EnrollmentPlanner


@pytest.fixture
def planner():
    return EnrollmentPlanner(route="npi_only", start="2026-01-05")


def test_choosing_mdpp_shows_steps_dates_chart_and_sources(planner):
    planner.route_field.value = "mdpp_supplier"
    plan = enrollment.plan_route("mdpp_supplier", "2026-01-05")
    summary = planner.shown_text("summary")
    assert "Not before: 2027-01-05" in summary
    assert "Usual end: unknown" in summary
    assert plan.known_end.isoformat() in summary
    steps = planner.shown_text("steps")
    for row in plan.rows:
        assert row.step.title in steps
        assert row.step.duration.shown() in steps
    assert "CMS-20134" in steps
    assert "cms.gov" in planner.shown_text("sources")
    assert "fingerprints" in planner.shown_text("documents")
    assert bytes(planner.chart.value).startswith(b"\x89PNG")
    assert planner.application_field.layout.display == ""


def test_application_changes_the_mac_standard(planner):
    planner.route_field.value = "mdpp_supplier"
    planner.application_field.value = "paper_site_visit"
    assert "within 80 days" in planner.shown_text("steps")
    assert planner.plan.application == "paper_site_visit"


def test_application_hidden_for_routes_without_it(planner):
    assert planner.application_field.layout.display == "none"


def test_commercial_shows_unknown_ask_the_payer(planner):
    planner.set_route("commercial")
    steps = planner.shown_text("steps")
    assert "unknown \u2014 ask the payer" in steps
    assert "(unverified)" in steps
    assert "UNVERIFIED" in planner.shown_text("summary")


def test_bad_date_shows_beside_the_field_and_keeps_the_text(planner):
    before = planner.plan
    planner.start_field.value = "2026-02-30"
    assert planner.start_field.value == "2026-02-30"
    assert "February 2026 has 28 days" in planner.shown_text("start_error")
    assert "last good input" in planner.shown_text("status")
    assert planner.plan is before
    planner.start_field.value = "2026-03-02"
    assert planner.shown_text("start_error") == ""
    assert planner.shown_text("status") == ""
    assert planner.plan.start.isoformat() == "2026-03-02"


@pytest.mark.parametrize("text", ["", "soon", "2026-00-10", "99999-1-1"])
def test_no_exception_escapes_for_bad_dates(planner, text):
    planner.set_start(text)
    assert planner.shown_text("start_error").startswith("\u2716")


def test_unknown_route_in_code_shows_beside_route():
    planner = EnrollmentPlanner(start="2026-01-05")
    planner.route_field.options = list(planner.route_field.options) + [
        ("CMS-855I", "cms_855i")]
    planner.route_field.value = "cms_855i"
    assert "Unknown route" in planner.shown_text("route_error")
