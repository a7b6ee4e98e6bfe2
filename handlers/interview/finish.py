"""The end of an interview: the report (built step by step under a progress message), the chart,
the PDF, sharing a summary by link, and opening someone's shared summary."""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.keyboards import back_to_menu
from handlers.interview.callbacks import ReportAction
from handlers.interview.common import translator
from handlers.interview.keyboards import after_report, interview_home
from services.interview.reporting import (
    build_interview_report,
    render_report_files,
    shared_summary_html,
)
from services.interview.sessions import Mode, Status, get_interview
from services.interview.shares import create_share, parse_share_payload, revoke_share, share_link
from services.models import InterviewSession, User

logger = logging.getLogger(__name__)
REPORT_STEPS = 3


async def deliver_results(
    bot: Bot, chat_id: int, i18n: I18nContext, session: AsyncSession, user: User,
    interview: InterviewSession,
) -> None:  # fmt: skip
    translate = translator(i18n)
    await session.commit()  # the finished interview is saved before its results are shown
    if interview.mode == Mode.PRACTICE:
        await _deliver_practice(bot, chat_id, i18n, session, interview)
        return
    progress = await bot.send_message(
        chat_id, i18n.get("interview-report-progress", step=1, steps=REPORT_STEPS)
    )
    built = await build_interview_report(session, interview, translate)
    if built is None:
        await progress.edit_text(
            i18n.get("interview-ended-no-answers"), reply_markup=interview_home(i18n)
        )
        return
    if built.report.overall is None:
        # Every question was skipped: no score, chart or PDF, and nothing to share; the summary
        # says so and lists the skipped questions.
        await progress.edit_text(
            built.summary_html, reply_markup=after_report(i18n, interview.id, shared=None)
        )
        return
    await progress.edit_text(i18n.get("interview-report-progress", step=2, steps=REPORT_STEPS))
    chart, pdf = await render_report_files(built, translate)
    await progress.edit_text(i18n.get("interview-report-progress", step=3, steps=REPORT_STEPS))
    if chart is not None:
        await bot.send_photo(
            chat_id,
            BufferedInputFile(chart, filename="skills.png"),
            caption=i18n.get("interview-report-chart-caption"),
        )
    await bot.send_document(
        chat_id,
        BufferedInputFile(pdf, filename=f"easyflow-interview-{interview.id}.pdf"),
        caption=i18n.get("interview-report-pdf-caption"),
    )
    # The progress message becomes the report, so the chat ends with the summary and buttons.
    await progress.delete()
    await bot.send_message(
        chat_id, built.summary_html, reply_markup=after_report(i18n, interview.id, shared=False)
    )


async def _deliver_practice(
    bot: Bot, chat_id: int, i18n: I18nContext, session: AsyncSession, interview: InterviewSession
) -> None:
    built = await build_interview_report(session, interview, translator(i18n))
    if built is None:
        await bot.send_message(
            chat_id, i18n.get("interview-ended-no-answers"), reply_markup=interview_home(i18n)
        )
        return
    result = built.results[0]
    ideal = (result.evaluation.ideal_answer if result.evaluation else "") or result.reference_answer
    if built.report.overall is None:  # skipped: no score, but the ideal answer is still useful
        text = i18n.get("report-practice-skipped", ideal=escape(ideal[:3000]))
    else:
        text = i18n.get(
            "interview-practice-done",
            score=f"{built.report.overall:g}",
            ideal=escape(ideal[:3000]),
        )
    await bot.send_message(
        chat_id, text, reply_markup=after_report(i18n, interview.id, shared=None)
    )


async def share(
    query: CallbackQuery, callback_data: ReportAction, bot: Bot, i18n: I18nContext,
    session: AsyncSession, user: User,
) -> None:  # fmt: skip
    interview = await get_interview(session, callback_data.interview, user.telegram_id)
    if interview is None or interview.status != Status.FINISHED or interview.mode == Mode.PRACTICE:
        await query.answer(i18n.get("callback-stale"))
        return
    await query.answer()
    if callback_data.action == "revoke":
        await revoke_share(session, interview.id)
        text, shared = i18n.get("interview-share-revoked"), False
    else:
        token = await create_share(session, interview.id)
        me = await bot.me()
        link = share_link(me.username or "", token)
        text, shared = i18n.get("interview-share-created", link=link), True
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(
            reply_markup=after_report(i18n, interview.id, shared=shared)
        )
    await bot.send_message(user.telegram_id, text)


async def open_shared(
    message: Message, command: CommandObject, i18n: I18nContext, session: AsyncSession
) -> None:
    token = parse_share_payload(command.args or "")
    interview = await _shared(session, token)
    if interview is None:
        await message.answer(i18n.get("interview-share-invalid"), reply_markup=back_to_menu(i18n))
        return
    html = await shared_summary_html(session, interview, translator(i18n))
    await message.answer(
        html or i18n.get("interview-share-invalid"), reply_markup=back_to_menu(i18n)
    )


async def _shared(session: AsyncSession, token: str | None) -> InterviewSession | None:
    from services.interview.shares import shared_interview

    return await shared_interview(session, token) if token else None


def register(router: Router) -> None:
    router.message.register(
        open_shared, CommandStart(deep_link=True, magic=F.args.startswith("r_"))
    )
    router.callback_query.register(share, ReportAction.filter())
