"""The interview module: mock interviews, tailored interviews, practice, bookmarks, progress."""

from __future__ import annotations

from typing import Any

from aiogram import Router

from bot.config import Settings
from handlers.filters import PRIVATE_CHAT


def build_router() -> Router:
    from handlers.interview import finish, practice, setup, tailored, turns

    # One flat router (see handlers/core); interviews happen in private chats only.
    router = Router(name="interview")
    router.message.filter(PRIVATE_CHAT)
    # finish first: a share link opens even while an interview is under way.
    for part in (finish, turns, setup, tailored, practice):
        part.register(router)
    return router


def workflow_data(settings: Settings) -> dict[str, Any]:
    """The evaluator and the tailored-question planner: an LLM when a key is set, else offline."""
    from services.interview.bank import load_default_bank
    from services.interview.evaluation import create_evaluator
    from services.interview.tailored import create_tailored_planner

    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    llm = {
        "api_key": api_key,
        "base_url": settings.openai_base_url,
        "model": settings.llm_model,
        "timeout": settings.llm_timeout_seconds,
    }
    return {
        "evaluator": create_evaluator(**llm),
        "tailored_planner": create_tailored_planner(
            **llm, bank_skills=load_default_bank().skill_titles()
        ),
    }
