from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from bot.config import Module
from handlers.core.callbacks import MenuCallback
from handlers.core.keyboards import built_once_per_language, main_menu_button
from handlers.interview.callbacks import (
    BookmarkAction,
    InterviewMenu,
    ReportAction,
    ResumeAction,
    TailoredAction,
    TrackPick,
    TurnAction,
    VoiceAction,
)
from services.interview.bank import LEVELS
from services.interview.catalog import LENGTHS

RANDOM_TOPIC = "*"


@built_once_per_language
def interview_home(i18n: I18nContext) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in ("track", "tailored", "practice", "bookmarks", "progress"):
        builder.button(
            text=i18n.get(f"interview-menu-{action}"), callback_data=InterviewMenu(action=action)
        )
    builder.add(main_menu_button(i18n))
    builder.adjust(1, 1, 1, 2, 1)
    return builder.as_markup()


def choices(
    i18n: I18nContext,
    step: str,
    options: Sequence[tuple[str, str]],
    back: TrackPick | InterviewMenu,
    columns: int = 1,
) -> InlineKeyboardMarkup:
    """One button per (value, label), then Back."""
    builder = InlineKeyboardBuilder()
    for value, label in options:
        builder.button(text=label, callback_data=TrackPick(step=step, value=value))
    builder.adjust(columns)
    back_builder = InlineKeyboardBuilder()
    back_builder.button(text=i18n.get("button-back"), callback_data=back)
    builder.attach(back_builder)
    return builder.as_markup()


def level_options(i18n: I18nContext) -> list[tuple[str, str]]:
    return [(level, i18n.get(f"interview-level-{level}")) for level in LEVELS]


def length_options(i18n: I18nContext) -> list[tuple[str, str]]:
    return [(str(n), i18n.get("interview-length-option", count=n)) for n in LENGTHS]


def turn_buttons(
    i18n: I18nContext, interview_id: int, position: int, follow_up: bool, bookmarkable: bool
) -> InlineKeyboardMarkup:
    def data(action: str) -> TurnAction:
        return TurnAction(
            action=action, interview=interview_id, position=position, follow_up=follow_up
        )

    builder = InlineKeyboardBuilder()
    builder.button(
        text=i18n.get("interview-button-skip-follow-up" if follow_up else "interview-button-skip"),
        callback_data=data("skip"),
    )
    if bookmarkable:
        builder.button(text=i18n.get("interview-button-bookmark"), callback_data=data("bookmark"))
    builder.button(text=i18n.get("interview-button-end"), callback_data=data("end"))
    builder.adjust(2 if bookmarkable else 1, 1)
    return builder.as_markup()


def transcript_choice(
    i18n: I18nContext, interview_id: int, position: int, follow_up: bool
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in ("use", "edit", "again"):
        builder.button(
            text=i18n.get(f"voice-button-{action}"),
            callback_data=VoiceAction(
                action=action, interview=interview_id, position=position, follow_up=follow_up
            ),
        )
    builder.adjust(1, 2)
    return builder.as_markup()


def confirm_end(
    i18n: I18nContext, interview_id: int, position: int, follow_up: bool
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in ("end_yes", "end_no"):
        builder.button(
            text=i18n.get(f"interview-button-{action.replace('_', '-')}"),
            callback_data=TurnAction(
                action=action, interview=interview_id, position=position, follow_up=follow_up
            ),
        )
    return builder.as_markup()


def resume_offer(i18n: I18nContext, interview_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=i18n.get("interview-button-continue"),
        callback_data=ResumeAction(action="continue", interview=interview_id),
    )
    builder.button(
        text=i18n.get("interview-button-abandon"),
        callback_data=ResumeAction(action="abandon", interview=interview_id),
    )
    builder.add(main_menu_button(i18n))
    builder.adjust(1)
    return builder.as_markup()


def after_report(i18n: I18nContext, interview_id: int, shared: bool | None) -> InlineKeyboardMarkup:
    """`shared` None: no share button (e.g. practice)."""
    builder = InlineKeyboardBuilder()
    if shared is not None:
        action = "revoke" if shared else "share"
        builder.button(
            text=i18n.get(f"interview-button-{action}"),
            callback_data=ReportAction(action=action, interview=interview_id),
        )
    builder.button(
        text=i18n.get("interview-menu-progress"), callback_data=InterviewMenu(action="progress")
    )
    builder.button(
        text=i18n.get("interview-button-new"), callback_data=InterviewMenu(action="home")
    )
    builder.add(main_menu_button(i18n))
    builder.adjust(1)
    return builder.as_markup()


def no_interviews_left(i18n: I18nContext, payments_enabled: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if payments_enabled:
        builder.button(
            text=i18n.get("menu-payments"), callback_data=MenuCallback(section=Module.PAYMENTS)
        )
    builder.button(
        text=i18n.get("interview-menu-practice"), callback_data=InterviewMenu(action="practice")
    )
    builder.add(main_menu_button(i18n))
    builder.adjust(1)
    return builder.as_markup()


def bookmarks_list(i18n: I18nContext, question_ids: Sequence[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for number, question_id in enumerate(question_ids, start=1):
        builder.button(
            text=i18n.get("interview-button-practice-bookmark", number=number),
            callback_data=BookmarkAction(action="practice", question=question_id),
        )
        builder.button(
            text=i18n.get("interview-button-remove-bookmark", number=number),
            callback_data=BookmarkAction(action="remove", question=question_id),
        )
    builder.button(text=i18n.get("button-back"), callback_data=InterviewMenu(action="home"))
    builder.adjust(*([2] * len(question_ids)), 1)
    return builder.as_markup()


@built_once_per_language
def tailored_resume_prompt(i18n: I18nContext) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=i18n.get("interview-button-skip-resume"),
        callback_data=TailoredAction(action="skip_resume"),
    )
    builder.button(text=i18n.get("button-back"), callback_data=InterviewMenu(action="home"))
    builder.adjust(1)
    return builder.as_markup()


@built_once_per_language
def back_to_interview_home(i18n: I18nContext) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=i18n.get("button-back"), callback_data=InterviewMenu(action="home"))
    return builder.as_markup()
