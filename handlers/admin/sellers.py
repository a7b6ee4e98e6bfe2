"""/sellers in the admin group (being built)."""

from __future__ import annotations

from aiogram import Router


def register(router: Router) -> None:
    """Adds /sellers's handlers to the admin console's router (admins in the admin group)."""
