"""The HTTP API of the centres service: routes, who acts, and errors mapped in one place."""

from fastapi import FastAPI

from centres.api.errors import install as install_errors
from centres.api.routes import ApiContext, routers

__all__ = ["ApiContext", "install", "routers"]


def install(app: FastAPI) -> None:
    """Install the error mapping on ``app``."""
    install_errors(app)
