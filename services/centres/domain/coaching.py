"""Coaching trajectories for coordinators: topics, goals and progress, and peer groups (intervisie)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from centres.domain.errors import CentresError
from contracts.centres import CoachingTopic


class CoachingError(CentresError):
    """A session does not fit its trajectory."""


@dataclass(frozen=True)
class Trajectory:
    """What a trajectory works on, and since when."""

    topics: frozenset[CoachingTopic]
    started_on: date
    ended_on: date | None = None


def check_session(trajectory: Trajectory, topic: CoachingTopic, held_on: date) -> None:
    """Raise unless a session on ``topic`` at ``held_on`` belongs to ``trajectory``."""
    if topic not in trajectory.topics:
        topics = ", ".join(sorted(trajectory.topics))
        raise CoachingError(f"topic: {topic} is not one of the trajectory's topics ({topics})")
    if held_on < trajectory.started_on or (trajectory.ended_on is not None and held_on > trajectory.ended_on):
        raise CoachingError("held_on: lies outside the trajectory")


def progress(goal_scores: Sequence[int]) -> int:
    """A trajectory's progress: the mean of its goals' latest scores (0 to 100), 0 without goals."""
    if not goal_scores:
        return 0
    return round(sum(goal_scores) / len(goal_scores))
