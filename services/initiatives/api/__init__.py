"""The HTTP API of initiatives: the public submission and initiator routes, and the staff routes."""

from initiatives.api.errors import install_error_handlers
from initiatives.api.guard import SubmissionGuard
from initiatives.api.programme import programme_router
from initiatives.api.public import public_router
from initiatives.api.staff import staff_router

__all__ = ["SubmissionGuard", "install_error_handlers", "programme_router", "public_router", "staff_router"]
