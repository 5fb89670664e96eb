"""Resolve the Apache Kafka broker jars from Maven Central into a cache outside the repository."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import structlog

from werkplaats.errors import WerkplaatsError

KAFKA_VERSION = "4.1.1"
CACHE_DIR_ENV = "WERKPLAATS_CACHE_DIR"
MARKER_NAME = ".complete"

log = structlog.get_logger(__name__)


class ArtifactError(WerkplaatsError, RuntimeError):
    """The broker jars could not be resolved."""


def default_cache_dir() -> Path:
    """Return the cache directory: ``$WERKPLAATS_CACHE_DIR`` or ``~/.cache/werkplaats``."""
    configured = os.environ.get(CACHE_DIR_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "werkplaats"


def pom_text() -> str:
    """Return the shipped pom.xml that lists the broker, tools and Log4j2 jars."""
    return resources.files("werkplaats.localkafka").joinpath("pom.xml").read_text(encoding="utf-8")


def libs_dir(cache_dir: Path) -> Path:
    """Return the directory holding the resolved jars for the pinned Kafka version."""
    return cache_dir / f"kafka-{KAFKA_VERSION}" / "libs"


def _fingerprint(pom: str) -> str:
    return hashlib.sha256(pom.encode("utf-8")).hexdigest()


def is_resolved(cache_dir: Path) -> bool:
    """Whether a complete resolution of the current pom.xml is in the cache."""
    marker = libs_dir(cache_dir) / MARKER_NAME
    try:
        return marker.read_text(encoding="utf-8").strip() == _fingerprint(pom_text())
    except OSError:
        return False


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def find_maven() -> str:
    """Return the ``mvn`` executable on PATH, or raise an error that says how to get one."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ArtifactError("Maven (mvn) is not on PATH: install Maven 3.8+ (e.g. apt-get install maven)")
    return mvn


def resolve_jars(cache_dir: Path | None = None) -> Path:
    """Resolve the jars once with Maven and return their directory; later calls reuse it."""
    cache = cache_dir or default_cache_dir()
    libs = libs_dir(cache)
    if is_resolved(cache):
        return libs
    with file_lock(libs.parent / ".resolve.lock"):
        if is_resolved(cache):
            return libs
        pom = pom_text()
        pom_file = libs.parent / "pom.xml"
        pom_file.write_text(pom, encoding="utf-8")
        shutil.rmtree(libs, ignore_errors=True)
        command = [
            find_maven(),
            "-q",
            "-B",
            "-f",
            str(pom_file),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={libs}",
            "-DincludeScope=runtime",
        ]
        log.info("kafka.jars.resolving", version=KAFKA_VERSION, libs=str(libs))
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - own command
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip()[-4000:]
            raise ArtifactError(f"mvn failed ({result.returncode}) for Kafka {KAFKA_VERSION}:\n{output}")
        if not any(libs.glob(f"kafka_2.13-{KAFKA_VERSION}.jar")):
            raise ArtifactError(f"mvn finished but kafka_2.13-{KAFKA_VERSION}.jar is missing in {libs}")
        (libs / MARKER_NAME).write_text(_fingerprint(pom) + "\n", encoding="utf-8")
        log.info("kafka.jars.resolved", jars=len(list(libs.glob("*.jar"))))
    return libs
