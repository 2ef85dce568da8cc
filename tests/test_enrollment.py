"""The enrollment planner's library: routes, durations and sources, and
the timeline from a start date (FACTS.md 1.1 claims 6-8)."""

import datetime

import pytest

from trainer_billing import enrollment
from trainer_billing.enrollment import (InvalidStartDate, UnknownApplication,
                                        UnknownRoute, plan_route, route)

D = datetime.date


def test_the_four_routes():
    assert list(enrollment.ROUTES) == ["npi_only", "mdpp_supplier",
                                       "commercial", "auxiliary"]
    for key in enrollment.ROUTES:
        found = route(key)
        assert found.steps and found.documents and found.sources()


def test_every_duration_has_a_source_or_says_who_to_ask():
    for key in enrollment.ROUTES:
        for step in route(key).steps:
            duration = step.duration
            assert step.source
            if duration.own_work:
                continue
            if duration.minimum_days is None and \
                    duration.typical_days is None:
                assert duration.source is None
                assert duration.shown().startswith("unknown \u2014 ask ")
                assert not duration.verified
            else:
                assert duration.source, step.id


def test_commercial_credentialing_time_is_unknown_not_invented():
    found = route("commercial").step("credentialing")
    assert found.duration.minimum_days is None
    assert found.duration.typical_days is None
    assert found.duration.shown() == "unknown \u2014 ask the payer"
    assert not found.duration.verified
    assert "UNVERIFIED" in found.what
    plan = plan_route("commercial", "2026-03-02")
    assert plan.typical_end is None and not plan.complete
    assert any("UNVERIFIED" in text for text in plan.route.warnings)


def test_mdpp_cdc_recognition_is_at_least_twelve_months():
    step = route("mdpp_supplier").step("cdc_recognition")
    assert step.duration.minimum_days == 365
    assert step.duration.typical_days is None
    assert "cms.gov" in step.duration.source


@pytest.mark.parametrize("application, days, plural", [
    ("pecos_web", 45, "PECOS web applications"),
    ("paper", 60, "paper applications"),
    ("paper_site_visit", 80, "paper applications with a site visit")])
def test_mac_processing_standards(application, days, plural):
    step = route("mdpp_supplier", application=application).step("enroll")
    assert step.duration.typical_days == days
    assert step.duration.minimum_days is None
    assert f"80% of {plural} are processed within {days} days" in \
        step.duration.shown()
    assert "CMS-20134" in step.title


def test_mdpp_is_cms_20134_not_855i():
    found = route("mdpp_supplier")
    names = [d.name for d in found.documents]
    assert any("CMS-20134" in name for name in names)
    assert not any("855I" in name for name in names)
    assert any("fingerprint" in name.lower() for name in names)
    assert any("coach" in name.lower() for name in names)


def test_mdpp_timeline_from_a_start_date():
    plan = plan_route("mdpp_supplier", "2026-01-05", application="paper")
    rows = {row.step.id: row for row in plan.rows}
    assert rows["cdc_recognition"].earliest_end == D(2027, 1, 5)
    # Enrollment waits for recognition and the organization's NPI.
    assert rows["enroll"].earliest_start == D(2027, 1, 5)
    assert rows["enroll"].known_end == D(2027, 1, 5) + \
        datetime.timedelta(days=60)
    assert rows["enroll"].typical_end is None
    assert rows["coach_npis"].earliest_start == D(2026, 1, 5)
    assert plan.earliest_end == D(2027, 1, 5)
    assert plan.known_end == D(2027, 3, 6)
    assert plan.typical_end is None
    assert {s.id for s in plan.unknown_steps()} == {
        "org_npi", "cdc_recognition", "coach_npis"}
    assert plan.application == "paper"


def test_npi_route_only_nppes_is_unknown():
    plan = plan_route("npi_only", D(2026, 5, 1))
    assert plan.earliest_end == D(2026, 5, 1)
    assert [s.id for s in plan.unknown_steps()] == ["apply_nppes"]
    assert plan.rows[2].typical_end == D(2026, 5, 1)   # own work
    assert plan.rows[3].typical_end is None
    assert plan.application is None
    assert "224Y00000X" in route("npi_only").step("taxonomy").what


def test_auxiliary_route_program_bills():
    found = route("auxiliary")
    assert "93668" in found.step("work").what
    assert found.step("hired").duration.shown() == \
        "unknown \u2014 ask the program"


@pytest.mark.parametrize("text, words", [
    ("2026-02-30", "February 2026 has 28 days"),
    ("2024-02-30", "February 2024 has 29 days"),
    ("2026-13-01", "month must be 01 to 12"),
    ("03/02/2026", "YYYY-MM-DD"),
    ("", "Type a start date"),
    ("2026-2-3", "YYYY-MM-DD"),
])
def test_bad_start_dates(text, words):
    with pytest.raises(InvalidStartDate, match=words):
        plan_route("npi_only", text)


def test_errors_are_value_errors():
    with pytest.raises(UnknownRoute, match="choose one of"):
        route("cms_855i")
    with pytest.raises(UnknownApplication):
        route("mdpp_supplier", application="fax")
    assert issubclass(enrollment.EnrollmentError, ValueError)


def test_timeline_figure_has_a_row_per_step():
    plan = plan_route("mdpp_supplier", "2026-01-05")
    figure = enrollment.timeline_figure(plan)
    axes = figure.axes[0]
    assert len(axes.get_yticklabels()) == len(plan.rows)
    texts = [t.get_text() for t in axes.texts]
    assert texts.count("unknown") == 3
    assert "45 days" in texts
