"""Use cases of intake and support: submit, assign, change status, log support, milestones, subsidy fit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import structlog

from contracts.initiatives import (
    AssignmentReason,
    InitiativeAssigned,
    InitiativeStatus,
    InitiativeStatusChanged,
    InitiativeSubmitted,
    InitiativeSubsidyChecked,
    InitiativeSupportLogged,
    IntakeChannel,
    StatusReason,
    SupportKind,
)
from initiatives import agenda
from initiatives.context import Context, load, publish, token_hash, working_calendar
from initiatives.domain import lifecycle, subsidies
from initiatives.domain.areas import in_zuidwest, main_wijk
from initiatives.domain.assignment import Builder, choose_builder
from initiatives.domain.identity import new_access_token, new_initiative_id
from initiatives.domain.workdays import local_date
from initiatives.errors import RefusedError
from initiatives.forms import (
    Milestone,
    Reassignment,
    Registration,
    StatusChange,
    Submission,
    SubsidyQuestion,
    SupportEntry,
)
from initiatives.store import (
    InitiativeRow,
    InitiativesUnitOfWork,
    MilestoneRow,
    SubsidyCheckRow,
    SupportEntryRow,
)

log = structlog.get_logger(__name__)
OPEN_STATUSES = frozenset(status.value for status in lifecycle.OPEN)


@dataclass(frozen=True)
class Receipt:
    """What the initiator gets back: the reference, the secret to follow it, and the first-contact date."""

    initiative_id: str
    access_token: str
    first_contact_due: date
    builder_id: str | None
    builder_pseudonym: str | None


async def submit(
    context: Context, unit: InitiativesUnitOfWork, form: Submission, *, correlation_id: str | None = None
) -> Receipt:
    """Record a new initiative, assign it to a builder and set the first-contact deadline."""
    now = context.clock()
    channel, registered_by = IntakeChannel.ONLINE, None
    if isinstance(form, Registration):
        channel, registered_by = IntakeChannel(form.channel), form.registered_by
    initiative_id, token = new_initiative_id(), new_access_token()
    calendar = await working_calendar(unit)
    due = calendar.first_contact_due(now, context.first_contact_working_days)
    wijk = main_wijk(form.neighbourhoods)
    row = InitiativeRow(
        initiative_id=initiative_id,
        status=InitiativeStatus.SUBMITTED.value,
        channel=channel.value,
        registered_by=registered_by,
        wijk=wijk,
        neighbourhoods=form.neighbourhoods,
        scale=form.scale.value,
        themes=[theme.value for theme in form.themes],
        target_groups=[group.value for group in form.target_groups],
        help_wanted=[kind.value for kind in form.help_wanted],
        estimated_budget_eur=form.estimated_budget_eur,
        legal_entity=form.legal_entity,
        details=context.sealer.seal(
            {"title": form.title, "description": form.description, "for_whom": form.for_whom}
        ),
        contact=context.sealer.seal(form.initiator.model_dump()),
        access_token_sha256=token_hash(token),
        submitted_at=now,
        first_contact_due=due,
        updated_at=now,
    )
    builder = await _assign_automatically(context, unit, row, correlation_id)
    unit.initiatives.add(row)
    publish(
        unit,
        InitiativeSubmitted(
            initiative_id=initiative_id,
            channel=channel,
            registered_by=registered_by,
            neighbourhoods=form.neighbourhoods,
            wijk=wijk,
            themes=form.themes,
            target_groups=form.target_groups,
            help_wanted=form.help_wanted,
            estimated_budget_eur=form.estimated_budget_eur,
            legal_entity=form.legal_entity,
            submitted_at=now,
        ),
        initiative_id=initiative_id,
        correlation_id=correlation_id,
    )
    _announce_assignment(unit, row, builder.id, correlation_id)
    log.info("initiative_submitted", initiative_id=initiative_id, channel=channel.value, wijk=wijk)
    return Receipt(initiative_id, token, due, row.builder_id, context.pseudonym(row.builder_id))


async def _assign_automatically(
    context: Context, unit: InitiativesUnitOfWork, row: InitiativeRow, correlation_id: str | None
) -> Builder:
    """Choose the builder; loads are read under a lock so concurrent submissions see each other."""
    await unit.initiatives.lock_assignments()
    builder = choose_builder(context.builders, row.wijk, await open_loads(unit))
    row.builder_id = builder.id
    return builder


def _announce_assignment(
    unit: InitiativesUnitOfWork, row: InitiativeRow, builder_id: str, correlation_id: str | None
) -> None:
    publish(
        unit,
        InitiativeAssigned(
            initiative_id=row.initiative_id,
            builder_id=builder_id,
            reason=AssignmentReason.AUTOMATIC,
            wijk=row.wijk,
            first_contact_due=row.first_contact_due,
        ),
        initiative_id=row.initiative_id,
        correlation_id=correlation_id,
    )


async def open_loads(unit: InitiativesUnitOfWork) -> dict[str, int]:
    """Open initiatives per builder."""
    return await unit.initiatives.open_loads(OPEN_STATUSES)


async def reassign(
    context: Context, unit: InitiativesUnitOfWork, initiative_id: str, form: Reassignment
) -> None:
    """Give an open initiative to another builder; the deadline stays."""
    builder = context.builder(form.builder_id)
    row = await load(unit, initiative_id)
    if row.status not in lifecycle.OPEN:
        raise RefusedError(f"{initiative_id} is {row.status}; only open initiatives are reassigned")
    if row.builder_id == builder.id:
        return
    previous, row.builder_id, row.updated_at = row.builder_id, builder.id, context.clock()
    publish(
        unit,
        InitiativeAssigned(
            initiative_id=initiative_id,
            builder_id=builder.id,
            previous_builder_id=previous,
            reason=AssignmentReason.REASSIGNED,
            wijk=row.wijk,
            first_contact_due=row.first_contact_due,
        ),
        initiative_id=initiative_id,
    )


async def change_status(
    context: Context, unit: InitiativesUnitOfWork, initiative_id: str, form: StatusChange
) -> None:
    """Move the initiative in its lifecycle; closing moves keep an explanation for the initiator."""
    row = await load(unit, initiative_id)
    if form.merged_into == initiative_id:
        raise RefusedError("an initiative cannot be merged into itself")
    if form.merged_into is not None:
        await load(unit, form.merged_into, lock=False)
    current = InitiativeStatus(row.status)
    try:
        lifecycle.check_move(
            current, form.status, form.reason, explanation=form.explanation, merged_into=form.merged_into
        )
    except lifecycle.TransitionError as error:
        raise RefusedError(str(error)) from None
    if form.explanation:
        row.explanation = context.sealer.seal({"explanation": form.explanation})
    row.merged_into = form.merged_into
    _move(context, unit, row, form.status, form.reason, form.by)
    if form.status in lifecycle.CLOSED:
        await agenda.withdraw_all(context, unit, initiative_id)


def _move(
    context: Context,
    unit: InitiativesUnitOfWork,
    row: InitiativeRow,
    target: InitiativeStatus,
    reason: StatusReason,
    by: str,
) -> None:
    now = context.clock()
    previous = InitiativeStatus(row.status)
    row.status, row.status_reason, row.updated_at = target.value, reason.value, now
    if target in lifecycle.CLOSED:
        row.closed_at = now
    publish(
        unit,
        InitiativeStatusChanged(
            initiative_id=row.initiative_id,
            from_status=previous,
            to_status=target,
            reason=reason,
            merged_into=row.merged_into if target is InitiativeStatus.MERGED else None,
            changed_by=by,
        ),
        initiative_id=row.initiative_id,
    )


async def log_support(
    context: Context, unit: InitiativesUnitOfWork, initiative_id: str, entry: SupportEntry
) -> str:
    """Add to the support log; a first contact also takes a submitted initiative into intake."""
    row = await load(unit, initiative_id)
    now = context.clock()
    entry_id = uuid.uuid4().hex
    unit.support_log.add(
        SupportEntryRow(
            entry_id=entry_id,
            initiative_id=initiative_id,
            kind=entry.kind.value,
            hours=entry.hours,
            by=entry.by,
            referred_to=entry.referred_to.value if entry.referred_to else None,
            on=entry.on,
            notes=context.sealer.seal({"notes": entry.notes}) if entry.notes else None,
            created_at=now,
        )
    )
    publish(
        unit,
        InitiativeSupportLogged(
            initiative_id=initiative_id,
            entry_id=entry_id,
            kind=entry.kind,
            hours=entry.hours,
            by=entry.by,
            referred_to=entry.referred_to,
            on=entry.on,
        ),
        initiative_id=initiative_id,
    )
    if entry.kind is SupportKind.FIRST_CONTACT and row.first_contact_at is None:
        row.first_contact_at = now
        if row.status == InitiativeStatus.SUBMITTED.value:
            _move(context, unit, row, InitiativeStatus.IN_INTAKE, StatusReason.PROGRESS, entry.by)
    return entry_id


async def add_milestone(
    context: Context, unit: InitiativesUnitOfWork, initiative_id: str, form: Milestone
) -> str:
    """Plan a milestone."""
    await load(unit, initiative_id)
    milestone_id = uuid.uuid4().hex
    unit.milestones.add(
        MilestoneRow(
            milestone_id=milestone_id, initiative_id=initiative_id, title=form.title, due_on=form.due_on
        )
    )
    return milestone_id


async def reach_milestone(
    context: Context, unit: InitiativesUnitOfWork, initiative_id: str, milestone_id: str, on: date
) -> None:
    """Mark a milestone reached."""
    milestone = await unit.milestones.get(milestone_id)
    if milestone is None or milestone.initiative_id != initiative_id:
        raise RefusedError(f"{initiative_id} has no milestone {milestone_id}")
    milestone.reached_on = on


async def check_subsidy(
    context: Context, unit: InitiativesUnitOfWork, initiative_id: str, question: SubsidyQuestion
) -> InitiativeSubsidyChecked:
    """Check the initiative against the regulations valid today; keep and publish the result."""
    row = await load(unit, initiative_id)
    today = local_date(context.clock())
    facts = subsidies.SubsidyFacts(
        scale=subsidies.Scale(row.scale),
        legal_entity=row.legal_entity,
        budget_eur=row.estimated_budget_eur,
        public=question.public,
        one_off=question.one_off,
        in_area=in_zuidwest(row.neighbourhoods),
        audience_over_55=question.audience_over_55,
        participants=question.participants,
        meetings_per_year=question.meetings_per_year,
        costs=frozenset(question.costs),
    )
    results = subsidies.check_all(subsidies.bundled_regulations(), facts, today)
    checked = InitiativeSubsidyChecked(
        initiative_id=initiative_id, checked_on=today, best=subsidies.best_fit(results), results=results
    )
    await unit.subsidy_checks.put(
        SubsidyCheckRow(
            initiative_id=initiative_id,
            checked_on=today,
            facts=question.model_dump(mode="json"),
            results=[result.model_dump(mode="json") for result in results],
            best=checked.best,
        )
    )
    publish(unit, checked, initiative_id=initiative_id)
    return checked
