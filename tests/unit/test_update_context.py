import asyncio

from services.update_context import (
    UpdateContext,
    current_update,
    enter_update,
    leave_update,
    outside_any_update,
)


async def test_work_started_outside_any_update_does_not_carry_the_update_that_started_it() -> None:
    async def seen() -> UpdateContext | None:
        return current_update()

    update = UpdateContext(update_id=7, type="message", user_id=42)
    token = enter_update(update)
    try:
        inherited = await asyncio.create_task(seen())
        detached = await outside_any_update(seen(), name="worker")
    finally:
        leave_update(token)
    assert inherited is update
    assert detached is None
    assert current_update() is None
