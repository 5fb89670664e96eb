"""Coaching trajectories and peer groups for coordinators; the notes are for coach and coordinator only."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from centres.domain import coaching as rules
from centres.service.centres import load_centre, person_matches
from centres.service.common import SOURCE, ActingRole, Actor, Context, NotFoundError, OutOfScopeError
from centres.store import CentresUnitOfWork, PersonRow, SessionRow, TrajectoryRow
from contracts import new_event
from contracts.centres import CoachingSessionLogged, CoachingTopic, CoachingTrajectoryStarted
from contracts.topics import CENTRES_EVENTS


class Goal(BaseModel):
    """A goal of a trajectory, e.g. "a Facebook page that is kept up"."""

    model_config = ConfigDict(extra="forbid")

    goal_id: str = Field(min_length=1, max_length=60)
    description: str = Field(min_length=1, max_length=300)


class TrajectoryRequest(BaseModel):
    """A trajectory for a coordinator (or a peer group of several) with a coach."""

    model_config = ConfigDict(extra="forbid")

    centre_id: str = Field(min_length=1, max_length=100)
    coordinator_id: str = Field(min_length=1, max_length=60)
    coach_id: str = Field(min_length=1, max_length=60)
    members: list[str] = Field(
        default_factory=list, max_length=20, description="Peer group: other coordinators."
    )
    topics: list[CoachingTopic] = Field(min_length=1)
    goals: list[Goal] = Field(default_factory=list, max_length=20)
    started_on: date


class SessionRequest(BaseModel):
    """A session held: topic, date, duration, goal scores (0 to 100) and private notes."""

    model_config = ConfigDict(extra="forbid")

    topic: CoachingTopic
    held_on: date
    duration_minutes: int = Field(ge=1, le=24 * 60)
    scores: dict[str, int] = Field(default_factory=dict, description="goal_id to progress, 0 to 100.")
    notes: str | None = Field(
        default=None, max_length=10_000, description="Seen only by coach and coordinator."
    )


async def _person(unit: CentresUnitOfWork, person_id: str, role: ActingRole) -> PersonRow:
    person = await unit.people.get(person_id)
    if person is None or person.role != role.value:
        raise NotFoundError(f"no {role} {person_id}")
    return person


async def start_trajectory(
    unit: CentresUnitOfWork, context: Context, actor: Actor, trajectory_id: str, request: TrajectoryRequest
) -> None:
    """Start a trajectory (staff only); publish ``coaching.trajectory_started``."""
    if actor.role is not ActingRole.STAFF:
        raise OutOfScopeError("only staff starts coaching trajectories")
    if await unit.coaching.trajectory(trajectory_id) is not None:
        return
    await load_centre(unit, request.centre_id)
    await _person(unit, request.coordinator_id, ActingRole.COORDINATOR)
    await _person(unit, request.coach_id, ActingRole.COACH)
    for member in request.members:
        await _person(unit, member, ActingRole.COORDINATOR)
    unit.coaching.add_trajectory(
        TrajectoryRow(
            trajectory_id=trajectory_id,
            centre_id=request.centre_id,
            coordinator_id=request.coordinator_id,
            coach_id=request.coach_id,
            members=request.members,
            topics=[topic.value for topic in request.topics],
            goals=[goal.model_dump() for goal in request.goals],
            started_on=request.started_on,
            ended_on=None,
        )
    )
    event = CoachingTrajectoryStarted(
        trajectory_id=trajectory_id,
        centre_id=request.centre_id,
        coordinator_id=request.coordinator_id,
        coach_id=request.coach_id,
        topics=request.topics,
        started_on=request.started_on,
    )
    unit.publish(CENTRES_EVENTS, new_event(event, source=SOURCE), key=request.centre_id)


async def _may_read_notes(unit: CentresUnitOfWork, actor: Actor, trajectory: TrajectoryRow) -> bool:
    if actor.role is ActingRole.COACH:
        return actor.person_id == trajectory.coach_id and await person_matches(unit, actor)
    if actor.role is ActingRole.COORDINATOR:
        involved = actor.person_id in (trajectory.coordinator_id, *trajectory.members)
        return involved and await person_matches(unit, actor)
    return False


async def _trajectory(unit: CentresUnitOfWork, actor: Actor, trajectory_id: str) -> TrajectoryRow:
    row = await unit.coaching.trajectory(trajectory_id)
    if row is None:
        raise NotFoundError(f"no trajectory {trajectory_id}")
    if actor.role is ActingRole.STAFF or await _may_read_notes(unit, actor, row):
        return row
    raise NotFoundError(f"no trajectory {trajectory_id}")


async def log_session(
    unit: CentresUnitOfWork,
    context: Context,
    actor: Actor,
    trajectory_id: str,
    session_id: str,
    request: SessionRequest,
) -> None:
    """Record a session (its coach or staff); publish topic and duration only."""
    row = await _trajectory(unit, actor, trajectory_id)
    if actor.role is ActingRole.COORDINATOR:
        raise OutOfScopeError("the coach logs sessions")
    if await unit.coaching.logged(session_id) is not None:
        return
    rules.check_session(
        rules.Trajectory(frozenset(CoachingTopic(t) for t in row.topics), row.started_on, row.ended_on),
        request.topic,
        request.held_on,
    )
    unknown = set(request.scores) - {goal["goal_id"] for goal in row.goals}
    if unknown:
        raise rules.CoachingError(f"scores: unknown goals {', '.join(sorted(unknown))}")
    if any(not 0 <= score <= 100 for score in request.scores.values()):
        raise rules.CoachingError("scores: each score lies between 0 and 100")
    notes = context.sealer.seal({"notes": request.notes}) if request.notes else None
    unit.coaching.add_session(
        SessionRow(
            session_id=session_id,
            trajectory_id=trajectory_id,
            topic=request.topic.value,
            held_on=request.held_on,
            duration_minutes=request.duration_minutes,
            scores=request.scores,
            sealed_notes=notes,
        )
    )
    event = CoachingSessionLogged(
        session_id=session_id,
        trajectory_id=trajectory_id,
        centre_id=row.centre_id,
        topic=request.topic,
        held_on=request.held_on,
        duration_minutes=request.duration_minutes,
    )
    unit.publish(CENTRES_EVENTS, new_event(event, source=SOURCE), key=row.centre_id)


async def show_trajectory(
    unit: CentresUnitOfWork, context: Context, actor: Actor, trajectory_id: str
) -> dict[str, Any]:
    """A trajectory with its sessions and progress; notes only for its coach and coordinator(s)."""
    row = await _trajectory(unit, actor, trajectory_id)
    with_notes = await _may_read_notes(unit, actor, row)
    sessions = await unit.coaching.sessions_of(trajectory_id)
    latest: dict[str, int] = {}
    for session in sessions:
        latest.update(session.scores)
    return {
        "trajectory_id": row.trajectory_id,
        "centre_id": row.centre_id,
        "coordinator_id": row.coordinator_id,
        "coach_id": row.coach_id,
        "members": row.members,
        "topics": row.topics,
        "goals": [goal | {"score": latest.get(goal["goal_id"], 0)} for goal in row.goals],
        "progress": rules.progress([latest.get(goal["goal_id"], 0) for goal in row.goals]),
        "sessions": [
            {
                "session_id": s.session_id,
                "topic": s.topic,
                "held_on": s.held_on,
                "duration_minutes": s.duration_minutes,
                "scores": s.scores,
                **(
                    {"notes": context.sealer.open(s.sealed_notes)["notes"]}
                    if with_notes and s.sealed_notes
                    else {}
                ),
            }
            for s in sessions
        ],
    }
