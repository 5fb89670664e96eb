"""Released contracts only grow: a field is never removed or retyped, and never becomes required."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from contracts.schemas import breaking_changes, committed_schemas, current_schemas


class Released(BaseModel):
    activity_id: str
    title: str
    expected_attendance: int | None = None
    languages: list[str] = ["nl"]


def schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


def test_adding_an_optional_field_is_compatible() -> None:
    class Next(Released):
        report_url: str | None = None

    assert breaking_changes(schema(Released), schema(Next)) == []


def test_removing_a_field_breaks() -> None:
    class Next(BaseModel):
        activity_id: str
        expected_attendance: int | None = None
        languages: list[str] = ["nl"]

    assert breaking_changes(schema(Released), schema(Next)) == ["title: removed"]


def test_retyping_a_field_breaks() -> None:
    class Next(BaseModel):
        activity_id: str
        title: str
        expected_attendance: str | None = None
        languages: list[str] = ["nl"]

    [problem] = breaking_changes(schema(Released), schema(Next))
    assert problem.startswith("expected_attendance: type changed")


def test_retyping_list_items_breaks() -> None:
    class Next(BaseModel):
        activity_id: str
        title: str
        expected_attendance: int | None = None
        languages: list[int] = [1]

    [problem] = breaking_changes(schema(Released), schema(Next))
    assert problem.startswith("languages: type changed")


def test_adding_a_required_field_breaks() -> None:
    class Next(Released):
        organiser_email: str

    assert breaking_changes(schema(Released), schema(Next)) == ["organiser_email: new required field"]


def test_removing_an_enum_value_breaks_but_adding_one_does_not() -> None:
    from enum import StrEnum

    class Old(StrEnum):
        A = "a"
        B = "b"

    class Wider(StrEnum):
        A = "a"
        B = "b"
        C = "c"

    class Narrower(StrEnum):
        A = "a"

    def holder(kind: type[StrEnum]) -> dict[str, Any]:
        class Holder(BaseModel):
            kind: kind  # type: ignore[valid-type]

        return schema(Holder)

    assert breaking_changes(holder(Old), holder(Wider)) == []
    assert breaking_changes(holder(Old), holder(Narrower)) != []


def test_nested_field_removal_breaks() -> None:
    class Venue(BaseModel):
        venue_id: str
        room: str | None = None

    class Old(BaseModel):
        venue: Venue

    class SlimVenue(BaseModel):
        venue_id: str

    class New(BaseModel):
        venue: SlimVenue

    assert "venue.room: removed" in breaking_changes(schema(Old), schema(New))


@pytest.mark.parametrize("name", sorted(committed_schemas()))
def test_current_contracts_do_not_break_the_committed_schemas(name: str) -> None:
    current = current_schemas()
    assert name in current, f"{name} was released and must stay published (add a new version beside it)"
    assert breaking_changes(committed_schemas()[name], current[name]) == []


def test_committed_schemas_are_up_to_date() -> None:
    assert committed_schemas() == current_schemas(), "run `python -m contracts.schemas` and commit the result"
