"""`werkplaats manifests`: the Kubernetes resources that follow from the topic and ACL declarations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from werkplaats.manifests import render_all, stale_files

app = typer.Typer(help="Kubernetes manifests for Strimzi, CloudNativePG and KEDA.", no_args_is_help=True)

DEFAULT_ROOT = Path("deploy/kubernetes")


@app.command()
def render(
    root: Annotated[Path, typer.Option(help="The deploy/kubernetes directory.")] = DEFAULT_ROOT,
    check: Annotated[bool, typer.Option(help="Only report files that are out of date (exit 1).")] = False,
) -> None:
    """Write the generated topic, user, scaling and database manifests (or check they are current)."""
    if check:
        stale = stale_files(root)
        for relative in stale:
            typer.echo(f"out of date: {root / relative}", err=True)
        raise typer.Exit(1 if stale else 0)
    for path in render_all(root):
        typer.echo(f"wrote {path}")
