"""The dashboard's report form: each problem at its field, personal data refused before anything is sent."""

from __future__ import annotations

from typing import Any

from dashboard.api.reports import ReportForm
from dashboard.owners import OwnerRefusedError


def form(**values: Any) -> ReportForm:
    base: dict[str, Any] = {
        "activity_id": "avond",
        "occurrence": "2026-03-24T19:30:00+01:00",
        "attendance": "14",
        "reach_methods": ["flyer"],
        "languages": "nl, tr",
        "attendee_languages": "",
        "input_summary": "",
        "follow_up_action": "",
        "hear_back_by": "",
        "interpreter": False,
        "childcare": True,
        "accessible": False,
    }
    return ReportForm(base | values)


def same(message: str) -> str:
    return message


def test_a_complete_form_becomes_the_report_the_reach_service_takes() -> None:
    filled = form(follow_up_action="Naar het projectteam.", hear_back_by="2026-05-01")
    assert filled.report(same) == {
        "occurrence_start": "2026-03-24T19:30:00+01:00",
        "attendance": 14,
        "reach_methods": ["flyer"],
        "languages": ["nl", "tr"],
        "attendee_languages": [],
        "input_summary": None,
        "interpreter": False,
        "childcare": True,
        "accessible": False,
        "follow_up": {"action": "Naar het projectteam.", "residents_hear_back_by": "2026-05-01"},
    }
    assert filled.problems == {}


def test_a_phone_number_or_e_mail_address_is_refused_at_its_field() -> None:
    filled = form(
        input_summary="Bel 06-12345678", follow_up_action="Mail a.b@example.org", hear_back_by="2026-05-01"
    )
    assert filled.report(same) is None
    assert "a phone number" in filled.problems["input_summary"]
    assert "an e-mail address" in filled.problems["follow_up_action"]


def test_each_unusable_field_gets_its_own_problem() -> None:
    filled = form(attendance="veel", languages="Nederlands", follow_up_action="Naar het team.")
    assert filled.report(same) is None
    assert set(filled.problems) == {"attendance", "languages", "hear_back_by"}


def test_the_reach_services_refusal_lands_at_the_field_it_names() -> None:
    filled = form()
    refusal = OwnerRefusedError(
        422,
        "refused",
        [("body.follow_up", "participation kinds say what happens with the input"), ("body.attendance", "x")],
    )
    filled.take_refusal(refusal)
    assert filled.problems == {
        "follow_up_action": "participation kinds say what happens with the input",
        "attendance": "x",
    }
