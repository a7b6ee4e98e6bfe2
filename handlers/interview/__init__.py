"""The interview module: mock interviews, tailored interviews, practice, bookmarks, progress."""

from __future__ import annotations

from typing import Any

from aiogram import Router

from bot.config import Module, Settings
from bot.registration import ModuleRegistration
from handlers.filters import PRIVATE_CHAT


def build_router() -> Router:
    from handlers.interview import finish, practice, setup, tailored, turns, voice

    # One flat router (see handlers/core); interviews happen in private chats only.
    router = Router(name="interview")
    router.message.filter(PRIVATE_CHAT)
    # finish first: a share link opens even while an interview is under way.
    # voice before turns: a recording in the answering state is an answer, not "text only".
    for part in (finish, voice, turns, setup, tailored, practice):
        part.register(router)
    return router


def build_cancel_router() -> Router:
    from handlers.interview import cancel

    router = Router(name="interview.cancel")
    router.message.filter(PRIVATE_CHAT)
    cancel.register(router)
    return router


def workflow_data(settings: Settings) -> dict[str, Any]:
    """The evaluator and the tailored-question planner (an LLM when a key is set, else
    offline), speech-to-text for voice answers (Groq with a key, else offline) and, when some
    text-to-speech is available, the voice that reads questions aloud."""
    from handlers.interview.question_voice import QuestionVoice
    from services.interview.bank import load_default_bank
    from services.interview.evaluation import create_evaluator
    from services.interview.tailored import create_tailored_planner
    from services.speech import build_speech_to_text
    from services.speech.synthesis import build_synthesizer

    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    llm = {
        "api_key": api_key,
        "base_url": settings.openai_base_url,
        "model": settings.llm_model,
        "timeout": settings.llm_timeout_seconds,
    }
    synthesizer = build_synthesizer(settings)
    return {
        "evaluator": create_evaluator(**llm),
        "tailored_planner": create_tailored_planner(
            **llm, bank_skills=load_default_bank().skill_titles()
        ),
        "speech_to_text": build_speech_to_text(settings),
        "question_voice": QuestionVoice(synthesizer) if synthesizer else None,
        # /settings shows the "questions read aloud" switch only when this is true.
        "voice_questions_available": synthesizer is not None,
    }


REGISTRATION = ModuleRegistration(
    name=Module.INTERVIEW.value,
    menu_screen=True,
    routers=(build_router,),
    before_core_commands=(build_cancel_router,),
    commands=("interview", "progress", "bookmarks"),
    workflow_data=(workflow_data,),
)
