"""Public routes: residents submit without an account and follow their initiative with an access code."""

from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Header, HTTPException, Path, Response
from pydantic import BaseModel, Field

from contracts.initiatives import INITIATIVE_ID_PATTERN
from initiatives import privacy, service, views
from initiatives.api.wording import confirmation
from initiatives.context import Context
from initiatives.domain.subsidies import bundled_regulations
from initiatives.forms import PublicSubmission
from initiatives.store import unit_of_work
from werkplaats.db import Database

log = structlog.get_logger(__name__)
InitiativeId = Annotated[
    str, Path(pattern=INITIATIVE_ID_PATTERN, description="The reference, INI-XXXX-XXXX.")
]
AccessToken = Annotated[str, Header(alias="X-Access-Token", min_length=10, max_length=100)]


class Confirmation(BaseModel):
    """What a resident gets back after submitting."""

    initiative_id: str = Field(description="The reference.")
    access_token: str = Field(description="Keep it: with the reference it shows the status (shown once).")
    first_contact_due: str = Field(description="The last day a community builder contacts you.")
    builder: str | None = Field(description="Who picks it up (a pseudonym).")
    confirmation: dict[str, str] = Field(
        description="A plain confirmation in Dutch (`nl`) and English (`en`)."
    )


def confirmation_of(receipt: service.Receipt) -> Confirmation:
    """The answer to a submission or a registration."""
    return Confirmation(
        initiative_id=receipt.initiative_id,
        access_token=receipt.access_token,
        first_contact_due=receipt.first_contact_due.isoformat(),
        builder=receipt.builder_pseudonym,
        confirmation=confirmation(receipt.initiative_id, receipt.first_contact_due),
    )


def public_router(database: Database, context: Context) -> APIRouter:
    """Routes anyone may call; abuse is held back by the submission guard."""
    router = APIRouter(prefix="/v1", tags=["residents"])

    @router.post("/submissions", status_code=201, summary="Submit an initiative (no account needed)")
    async def submit(form: PublicSubmission) -> Confirmation:
        if form.website:
            log.info("submission_refused", reason="honeypot")
            raise HTTPException(400, "submission refused")
        async with unit_of_work(database) as unit:
            receipt = await service.submit(context, unit, form)
        return confirmation_of(receipt)

    @router.get("/submissions/{initiative_id}", summary="How your initiative is doing")
    async def status(initiative_id: InitiativeId, token: AccessToken) -> dict[str, Any]:
        async with database.sessions() as session:
            return await views.for_initiator(context, session, initiative_id, token)

    @router.get("/submissions/{initiative_id}/personal-data", summary="Everything held about you")
    async def export(initiative_id: InitiativeId, token: AccessToken) -> dict[str, Any]:
        async with unit_of_work(database) as unit:
            await views.authorise_initiator(unit.session, initiative_id, token)
            return await privacy.export(context, unit, initiative_id)

    @router.delete("/submissions/{initiative_id}/personal-data", status_code=204, summary="Erase your data")
    async def erase(initiative_id: InitiativeId, token: AccessToken) -> Response:
        async with unit_of_work(database) as unit:
            await views.authorise_initiator(unit.session, initiative_id, token)
            await privacy.erase(context, unit, initiative_id, everything=True)
        log.info("personal_data_erased", initiative_id=initiative_id, on_request="initiator")
        return Response(status_code=204)

    @router.get("/subsidy-regulations", summary="The subsidy regulations checked, with sources and validity")
    async def regulations() -> list[dict[str, Any]]:
        return [
            {
                "id": r.id,
                "name": {"nl": r.name_nl, "en": r.name_en},
                "source": r.source,
                "valid_from": r.valid_from.isoformat(),
                "valid_until": r.valid_until.isoformat() if r.valid_until else None,
            }
            for r in bundled_regulations()
        ]

    return router
