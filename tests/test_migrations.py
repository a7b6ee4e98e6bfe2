"""The Alembic stairway: every revision upgrades, downgrades and upgrades again on PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory

from bot.migrate import alembic_config, downgrade, upgrade
from tests.conftest import Backend


def _revisions_oldest_first(database_url: str) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def test_stairway_on_postgresql(real_backend: Backend) -> None:
    if real_backend.postgres is None:
        pytest.skip("needs the throwaway PostgreSQL server to create a scratch database")
    url = real_backend.postgres.create_database("stairway")
    revisions = _revisions_oldest_first(url)
    assert revisions, "there must be at least one migration"
    for revision in revisions:
        upgrade(url, revision)
        downgrade(url, "-1")
        upgrade(url, revision)
    downgrade(url, "base")
    upgrade(url, "head")


def test_migrations_run_on_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'stairway.sqlite3'}"
    for revision in _revisions_oldest_first(url):
        upgrade(url, revision)
        downgrade(url, "-1")
        upgrade(url, revision)
    downgrade(url, "base")
