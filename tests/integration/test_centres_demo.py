"""The centres demo: the real Zuidwest centres, rooms matching the scheduling demo, the allowance figure."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from cryptography.fernet import Fernet

from centres.demo import CENTRES, load_demo
from centres.main import NAME
from centres.service.centres import list_centres
from centres.service.figures import programme_figures
from centres.settings import CentresSettings
from centres.store import SqlCentresUnitOfWork
from werkplaats.db import Database


async def test_the_demo_holds_the_four_centres_their_programme_and_the_allowance_figure(
    kafka_bootstrap: str, database_url: str, tmp_path: Path
) -> None:
    settings = CentresSettings(
        database_url=database_url, data_dir=tmp_path, data_keys=Fernet.generate_key().decode()
    )
    staged = await load_demo(kafka_bootstrap, settings=settings, today=date(2026, 3, 2))
    database = Database(settings.database_url or settings.sqlite_url(NAME))
    try:
        async with database.unit_of_work(SqlCentresUnitOfWork) as unit:
            centres = await list_centres(unit)
            figures = await programme_figures(unit, 2026)
    finally:
        await database.dispose()
    assert {c.name for c in centres} == {
        "Wijkcentrum Moerwijk",
        "Wijkcentrum Bouwlust",
        "Allekanten",
        "Buurtkamer De Spruijt",
    }
    assert {c.centre_id for c in centres} == set(CENTRES)
    assert staged > 20
    assert figures["total"]["volunteers"] == 9
    assert figures["total"]["receiving_allowance"] == 6
    assert figures["total"]["quarters"][0]["receiving_allowance"] == 6
