"""Every registered service is registered completely: settings, app, migrations, deployment, import rules."""

from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

import pytest
import yaml

from werkplaats.services import ServiceDefinition, UnknownServiceError, registered, service

ROOT = Path(__file__).resolve().parents[3]
SERVICES = list(registered().values())


def test_the_services_of_this_repository_are_registered() -> None:
    assert {"scheduling", "notifications"} <= set(registered())


def test_an_unknown_service_is_refused_by_name() -> None:
    with pytest.raises(UnknownServiceError, match="no-such-service"):
        service("no-such-service")


def test_every_service_has_its_own_port() -> None:
    ports = [definition.port for definition in SERVICES]
    assert len(set(ports)) == len(ports)


@pytest.mark.parametrize("definition", SERVICES, ids=lambda d: d.name)
def test_settings_are_prefixed_with_the_service_name(definition: ServiceDefinition) -> None:
    assert definition.settings.model_config.get("env_prefix") == f"{definition.name.upper()}_"


@pytest.mark.parametrize("definition", SERVICES, ids=lambda d: d.name)
def test_the_package_has_the_shape_of_a_service(definition: ServiceDefinition) -> None:
    package = resources.files(definition.name)
    for role in ("domain", "service", "store", "subscribers", "api", "settings", "main"):
        assert package.joinpath(f"{role}.py").is_file() or package.joinpath(role).is_dir(), role
    assert package.joinpath("migrations", "env.py").is_file()
    main = importlib.import_module(f"{definition.name}.main")
    assert main.SERVICE is definition
    assert (main.create_app, main.create_runtime) == (definition.create_app, definition.create_runtime)


@pytest.mark.parametrize("definition", SERVICES, ids=lambda d: d.name)
def test_compose_runs_the_service_on_its_own_database(definition: ServiceDefinition) -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    block = compose["services"][definition.name]
    assert block["command"] == ["run", definition.name]
    assert block["environment"][f"{definition.name.upper()}_DATABASE_URL"].endswith(f"/{definition.name}")
    created = (ROOT / "deploy" / "postgres" / "init.sql").read_text()
    initial = compose["services"]["postgres"]["environment"]["POSTGRES_DB"]
    assert definition.name == initial or f"CREATE DATABASE {definition.name} " in created


@pytest.mark.parametrize("definition", SERVICES, ids=lambda d: d.name)
def test_the_import_rules_cover_the_service(definition: ServiceDefinition) -> None:
    rules = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert definition.name in rules["root_packages"]
    contracts = {contract["name"]: contract for contract in rules["contracts"]}
    assert definition.name in contracts["Services never import each other"]["modules"]
    assert (
        definition.name in contracts["The runtime imports no service and no benchmark"]["forbidden_modules"]
    )
    assert definition.name in contracts["Contracts import nothing of the project"]["forbidden_modules"]
    domains = contracts["Domain modules import no framework, no I/O and no runtime"]["source_modules"]
    assert f"{definition.name}.domain" in domains


def _imported_services(code: str) -> set[str]:
    """The registered services' packages a fresh interpreter has imported after running ``code``."""
    names = sorted(registered())
    probe = f"{code}\nimport sys\nprint('imported:' + ','.join(n for n in {names!r} if n in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    last = result.stdout.strip().splitlines()[-1]
    return set(filter(None, last.removeprefix("imported:").split(",")))


def test_looking_up_one_service_imports_no_other_service() -> None:
    found = _imported_services("from werkplaats.services import service; service('scheduling')")

    assert found == {"scheduling"}


def test_running_one_service_builds_no_other_services_commands() -> None:
    code = (
        "import contextlib, sys\n"
        "sys.argv = ['werkplaats', 'run', '--help']\n"
        "from werkplaats.cli import main\n"
        "with contextlib.suppress(SystemExit):\n"
        "    main()\n"
    )

    assert _imported_services(code) == set()
