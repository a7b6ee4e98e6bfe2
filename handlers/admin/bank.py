"""/bank in the admin group: the question bank's coverage, export and import of its YAML, and
questions taken out of rotation (`/bank disable <id>`, `/bank enable <id>`)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from handlers.admin_group import AdminInput, admin_text, ask_admin
from handlers.filters import HAS_DOCUMENT, NOT_A_COMMAND
from services.interview import bank_files
from services.interview.bank import MIN_TASKS_PER_CELL, localized_text
from services.interview.bank_files import BankCoverage, BankImport, RotationChange

EXPORT = "export"
IMPORT = "import"
DISABLE = "disable"
ENABLE = "enable"
# Telegram's limit is 4096 characters; the rest is left for the lines around a listing.
LISTING_BUDGET = 3500
MEGABYTE = 1024 * 1024


class BankAction(CallbackData, prefix="admb"):
    action: str  # EXPORT | IMPORT


async def bank_command(
    message: Message, command: CommandObject, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    words = (command.args or "").split()
    if not words:
        coverage = await bank_files.bank_coverage(session)
        await message.answer(
            _coverage_text(i18n, settings, coverage), reply_markup=_buttons(i18n, settings)
        )
        return
    action = words[0].lower()
    if action not in (DISABLE, ENABLE):
        await message.answer(admin_text(i18n, settings, "bank-usage"))
        return
    if len(words) != 2:
        await message.answer(admin_text(i18n, settings, "bank-question-id-missing", action=action))
        return
    assert message.from_user is not None  # IsAdmin let an admin's message through
    result = await bank_files.set_question_disabled(
        session, message.from_user.id, words[1], disabled=action == DISABLE
    )
    if result.change is RotationChange.UNKNOWN:
        await message.answer(
            admin_text(i18n, settings, "bank-question-unknown", id=escape(result.question_id))
        )
        return
    if result.change is RotationChange.ALREADY:
        key = (
            "bank-question-already-disabled"
            if action == DISABLE
            else "bank-question-already-enabled"
        )
        await message.answer(admin_text(i18n, settings, key, id=escape(result.question_id)))
        return
    await session.commit()
    cell = result.cell
    assert cell is not None  # a question that exists has a cell
    await message.answer(
        admin_text(
            i18n,
            settings,
            "bank-question-disabled" if action == DISABLE else "bank-question-enabled",
            id=escape(result.question_id),
            specialization=escape(cell.specialization),
            level=escape(cell.level),
            topic=escape(cell.topic),
            left=cell.in_rotation,
        )
    )


def _buttons(i18n: I18nContext, settings: Settings) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=admin_text(i18n, settings, "bank-export-button"),
        callback_data=BankAction(action=EXPORT),
    )
    keyboard.button(
        text=admin_text(i18n, settings, "bank-import-button"),
        callback_data=BankAction(action=IMPORT),
    )
    return keyboard.as_markup()


def _coverage_text(i18n: I18nContext, settings: Settings, coverage: BankCoverage) -> str:
    language = settings.default_language
    lines = [
        admin_text(i18n, settings, "bank-title"),
        admin_text(
            i18n,
            settings,
            "bank-totals",
            in_rotation=coverage.in_rotation,
            disabled=coverage.disabled,
            retired=coverage.retired,
        ),
        "",
    ]
    if not coverage.specializations:
        lines.append(admin_text(i18n, settings, "bank-no-specializations"))
        return "\n".join(lines)
    for specialization in coverage.specializations:
        by_level = specialization.in_rotation_by_level
        lines.append(
            admin_text(
                i18n,
                settings,
                "bank-specialization-line",
                title=escape(localized_text(specialization.title, language)),
                id=escape(specialization.id),
                total=specialization.in_rotation,
                junior=by_level.get("junior", 0),
                middle=by_level.get("middle", 0),
                senior=by_level.get("senior", 0),
                topics=specialization.topics,
            )
        )
    lines.append("")
    gaps = coverage.gaps
    if not gaps:
        lines.append(admin_text(i18n, settings, "bank-no-gaps", minimum=MIN_TASKS_PER_CELL))
    else:
        lines.append(admin_text(i18n, settings, "bank-gaps-title", minimum=MIN_TASKS_PER_CELL))
        gap_lines = [
            admin_text(
                i18n,
                settings,
                "bank-gap-line" if cell.in_rotation else "bank-gap-empty-line",
                specialization=escape(cell.specialization),
                level=escape(cell.level),
                topic=escape(cell.topic),
                count=cell.in_rotation,
            )
            for cell in gaps
        ]
        lines += _within_budget(i18n, settings, gap_lines, "bank-gaps-more", len("\n".join(lines)))
    lines += ["", admin_text(i18n, settings, "bank-usage")]
    return "\n".join(lines)


def _within_budget(
    i18n: I18nContext, settings: Settings, items: list[str], more_key: str, used: int
) -> list[str]:
    """As many of `items` as fit in one message after `used` characters, then "…and N more"."""
    shown: list[str] = []
    for item in items:
        if used + len(item) + 1 > LISTING_BUDGET:
            break
        shown.append(item)
        used += len(item) + 1
    if len(shown) < len(items):
        shown.append(admin_text(i18n, settings, more_key, count=len(items) - len(shown)))
    return shown


async def export_pressed(
    query: CallbackQuery, i18n: I18nContext, session: AsyncSession, settings: Settings
) -> None:
    await query.answer()
    today = datetime.now(UTC)
    exported = await bank_files.export_bank(
        session,
        header_comment=admin_text(
            i18n, settings, "bank-export-file-header", date=today.strftime("%Y-%m-%d %H:%M UTC")
        ),
        disabled_comment=admin_text(i18n, settings, "bank-export-disabled-mark"),
    )
    if isinstance(query.message, Message):
        await query.message.answer_document(
            BufferedInputFile(
                exported.content, filename=f"question-bank-{today.strftime('%Y%m%d')}.yaml"
            ),
            caption=admin_text(
                i18n,
                settings,
                "bank-export-caption",
                questions=exported.questions,
                specializations=exported.specializations,
                disabled=exported.disabled,
            ),
        )


async def import_pressed(
    query: CallbackQuery, bot: Bot, i18n: I18nContext, state: FSMContext, settings: Settings
) -> None:
    await query.answer()
    await state.set_state(AdminInput.bank_file)
    await ask_admin(
        bot,
        i18n,
        settings,
        query.from_user,
        "bank-import-ask",
        megabytes=bank_files.MAX_IMPORT_BYTES // MEGABYTE,
    )


async def import_file(
    message: Message, bot: Bot, i18n: I18nContext, session: AsyncSession, state: FSMContext,
    settings: Settings,
) -> None:  # fmt: skip
    document = message.document
    assert document is not None  # the filter
    name = escape(document.file_name or "")
    if not bank_files.is_bank_file_name(document.file_name):
        await message.reply(admin_text(i18n, settings, "bank-import-wrong-type", name=name))
        return
    if document.file_size is not None and document.file_size > bank_files.MAX_IMPORT_BYTES:
        # Checked before downloading: the bytes are never fetched.
        await message.reply(
            admin_text(
                i18n,
                settings,
                "bank-import-too-big",
                name=name,
                megabytes=f"{document.file_size / MEGABYTE:.1f}",
                limit=bank_files.MAX_IMPORT_BYTES // MEGABYTE,
            )
        )
        return
    progress = await message.reply(admin_text(i18n, settings, "bank-import-checking", name=name))
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    assert message.from_user is not None  # IsAdmin let an admin's message through
    outcome = await bank_files.import_bank(session, message.from_user.id, buffer.getvalue())
    if not outcome.applied:
        await progress.edit_text(_problems_text(i18n, settings, outcome, name))
        return  # still waiting: the admin fixes the file and sends it again
    await session.commit()
    await state.clear()
    await progress.edit_text(_applied_text(i18n, settings, outcome, name))


def _problems_text(i18n: I18nContext, settings: Settings, outcome: BankImport, name: str) -> str:
    head = admin_text(
        i18n, settings, "bank-import-problems", count=len(outcome.problems), name=name
    )
    items = [
        admin_text(i18n, settings, "bank-import-problem-line", problem=escape(problem))
        for problem in outcome.problems
    ]
    lines = [head, *_within_budget(i18n, settings, items, "bank-import-more-problems", len(head))]
    lines += ["", admin_text(i18n, settings, "bank-import-resend")]
    return "\n".join(lines)


def _applied_text(i18n: I18nContext, settings: Settings, outcome: BankImport, name: str) -> str:
    report = outcome.report
    assert report is not None  # applied
    specializations = escape(", ".join(outcome.specializations))
    if not report.changed_anything:
        return admin_text(
            i18n, settings, "bank-import-unchanged", name=name, specializations=specializations
        )
    return admin_text(
        i18n,
        settings,
        "bank-import-applied",
        specializations=specializations,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        retired=report.deactivated,
        before=outcome.questions_before,
        after=outcome.questions_after,
    )


async def import_not_a_file(message: Message, i18n: I18nContext, settings: Settings) -> None:
    await message.reply(admin_text(i18n, settings, "bank-import-not-a-file"))


def register(router: Router) -> None:
    """Adds /bank's handlers to the admin console's router (admins in the admin group)."""
    router.message.register(bank_command, Command("bank"))
    router.callback_query.register(export_pressed, BankAction.filter(F.action == EXPORT))
    router.callback_query.register(import_pressed, BankAction.filter(F.action == IMPORT))
    router.message.register(import_file, AdminInput.bank_file, HAS_DOCUMENT)
    # Anything else in that step but a command (/cancel, another console command) gets a hint.
    router.message.register(import_not_a_file, AdminInput.bank_file, NOT_A_COMMAND)
