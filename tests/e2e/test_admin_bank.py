"""/bank end to end: the question bank's coverage, its export as YAML, the import of an edited
or a broken file, and questions taken out of rotation by id.

The tests share the seeded database with the rest of the suite, so each puts the shipped bank
back (and every question in rotation) when it ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from sqlalchemy import select, update

from services.database import create_engine, create_session_factory
from services.interview.bank import (
    bank_from_documents,
    load_default_bank,
    task_row_values,
)
from services.interview.seeding import seed_database
from services.interview.selection import pick_questions
from services.models.admin import AuditEntry
from services.models.interview import Question
from tests.bank_yaml import task_line
from tests.e2e.admin_chat import AdminChat, bot_with_admin_group
from tests.e2e.harness import HarnessFactory, new_user
from tests.e2e.interview_driver import rows

EDITED_ID = "backend-databases-junior-1"


@pytest.fixture
async def bank_url(seeded_bank: str) -> AsyncIterator[str]:
    """The shared database with the shipped bank; put back as shipped after the test."""
    yield seeded_bank
    await seed_database(seeded_bank, load_default_bank())
    engine = create_engine(seeded_bank)
    try:
        async with create_session_factory(engine)() as session:
            await session.execute(update(Question).values(disabled_at=None, disabled_by=None))
            await session.commit()
    finally:
        await engine.dispose()


async def _question(database_url: str, question_id: str) -> Question:
    return (await rows(database_url, select(Question).where(Question.id == question_id)))[0]


async def _bank_rows(database_url: str) -> dict[str, tuple[Any, ...]]:
    """Every question's content and state, to show that nothing changed."""
    return {
        row.id: (row.checksum, row.is_active, row.disabled_at, row.question)
        for row in await rows(database_url, select(Question))
    }


async def _export(admin_chat: AdminChat) -> str:
    sent = await admin_chat.say("/bank")
    coverage = await admin_chat.wait_text("Question bank", after=sent)
    answer = await admin_chat.press(coverage, "Export YAML")
    assert not answer.get("show_alert")
    exported = await admin_chat.wait_text("Edit it and send it back", after=coverage["message_id"])
    media = exported["media"]
    today = datetime.now(UTC).strftime("%Y%m%d")
    assert media["kind"] == "document" and media["file_name"] == f"question-bank-{today}.yaml"
    return (await admin_chat.client.download(media["file_id"])).decode("utf-8")


async def _ask_for_import(admin_chat: AdminChat) -> None:
    sent = await admin_chat.say("/bank")
    coverage = await admin_chat.wait_text("Question bank", after=sent)
    await admin_chat.press(coverage, "Import YAML")
    ask = await admin_chat.wait_text("send the edited bank as a .yaml file", after=sent)
    assert ask["reply_markup"] == {"force_reply": True, "selective": True}


async def _import(admin_chat: AdminChat, content: str, expect: str) -> dict[str, Any]:
    """Sends `content` as the file asked for; the bot's "Checking…" turns into `expect`."""
    sent = await admin_chat.send_document(content.encode("utf-8"), "bank.yaml")
    return await admin_chat.wait_text(expect, after=sent, timeout=30)


def _dump(documents: list[dict[str, Any]]) -> str:
    """The documents as an admin's editor might save them: one text per line."""
    return yaml.safe_dump_all(
        documents, allow_unicode=True, sort_keys=False, width=10**6, explicit_start=True
    )


async def test_coverage_and_an_export_that_imports_back_unchanged(
    harness_factory: HarnessFactory, bank_url: str
) -> None:
    _, admin_chat = await bot_with_admin_group(harness_factory)
    shipped = load_default_bank()
    sent = await admin_chat.say("/bank")
    coverage = await admin_chat.wait_text("Question bank", after=sent)
    text = coverage["text"]
    assert f"In rotation: {len(shipped.tasks)}" in text and "disabled by admins: 0" in text
    assert "Backend backend:" in text and "junior 12" in text
    assert "Every cell has at least 2 questions in rotation" in text
    assert len(text) <= 4096

    exported = await _export(admin_chat)
    documents = list(yaml.safe_load_all(exported))
    assert [document["specialization"] for document in documents] == [
        specialization.id
        for specialization in sorted(shipped.specializations, key=lambda item: item.position)
    ]
    round_trip = bank_from_documents(
        (document["specialization"], document) for document in documents
    )
    assert {task.id: task_row_values(task) for task in round_trip.tasks} == {
        task.id: task_row_values(task) for task in shipped.tasks
    }

    # Sent back untouched, it is sound and changes nothing.
    before = await _bank_rows(bank_url)
    await _ask_for_import(admin_chat)
    await _import(admin_chat, exported, "matches the bank")
    assert await _bank_rows(bank_url) == before
    # The import is finished: the next message is not taken for a file.
    sent = await admin_chat.say("thanks")
    await asyncio.sleep(0.5)
    assert await admin_chat.bot_messages_after(sent) == []


async def test_an_edited_file_is_applied_and_interviews_ask_the_new_text(
    harness_factory: HarnessFactory, bank_url: str
) -> None:
    _, admin_chat = await bot_with_admin_group(harness_factory)
    exported = await _export(admin_chat)
    backend = next(
        document
        for document in yaml.safe_load_all(exported)
        if document["specialization"] == "backend"
    )
    edited = next(task for task in backend["tasks"] if task["id"] == EDITED_ID)
    edited["question"] = {
        "en": "Which columns would you index in an orders table, and which would you leave alone?",
        "ru": "Какие колонки таблицы заказов вы бы проиндексировали, а какие оставили бы без индекса?",
    }
    frontend_before = {
        row.id: row.checksum
        for row in await rows(
            bank_url, select(Question).where(Question.specialization == "frontend")
        )
    }

    # Only the backend document: the other specializations stay as they are.
    await _ask_for_import(admin_chat)
    result = await _import(admin_chat, _dump([backend]), "Imported")
    assert "backend: 0 new, 1 changed" in result["text"]

    question = await _question(bank_url, EDITED_ID)
    assert question.question == edited["question"] and question.is_active
    frontend_after = {
        row.id: row.checksum
        for row in await rows(
            bank_url, select(Question).where(Question.specialization == "frontend")
        )
    }
    assert frontend_after == frontend_before
    # What an interview on that cell draws now asks the new text.
    picked = await _pick_backend_junior_databases(bank_url)
    assert edited["question"]["en"] in {question.question["en"] for question in picked}

    audit = await rows(
        bank_url,
        select(AuditEntry).where(AuditEntry.action == "bank_import").order_by(AuditEntry.id),
    )
    assert audit[-1].admin_id == admin_chat.admin["id"] and audit[-1].target == "backend"
    assert audit[-1].after["updated"] == 1


async def _pick_backend_junior_databases(database_url: str) -> list[Question]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return await pick_questions(
                session,
                user_id=1,
                specialization="backend",
                level="junior",
                topic="databases",
                count=1000,
                include_premium=True,
            )
    finally:
        await engine.dispose()


async def test_a_broken_file_changes_nothing_and_every_problem_is_named_by_line(
    harness_factory: HarnessFactory, bank_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, admin_chat = await bot_with_admin_group(harness_factory)
    exported = await _export(admin_chat)
    before = await _bank_rows(bank_url)
    await _ask_for_import(admin_chat)

    # Not a document, not a YAML file name: the step says what it waits for.
    sent = await admin_chat.say("here it comes")
    await admin_chat.wait_text("waiting for the bank as a .yaml document", after=sent)
    sent = await admin_chat.send_document(b"%PDF-1.4", "bank.pdf", mime_type="application/pdf")
    await admin_chat.wait_text("bank.pdf is not a .yaml or .yml file", after=sent)

    # Not YAML at all.
    broken = "specialization: backend\ntasks: [unclosed\ntitle: {en: Backend}\n"
    result = await _import(admin_chat, broken, "Nothing changed")
    assert "line 3, column" in result["text"] and "not valid YAML" in result["text"]

    # A duplicate id, a missing Russian translation and an unknown key, all at once.
    documents = list(yaml.safe_load_all(exported))
    backend = documents[0]
    backend["tasks"][1]["id"] = backend["tasks"][0]["id"]  # both backend-databases-junior-1
    untranslated = backend["tasks"][2]
    del untranslated["question"]["ru"]
    backend["tasks"][3]["colour"] = "red"
    text = _dump(documents)
    first_line = task_line(text, EDITED_ID)
    second_line = task_line(text, EDITED_ID, occurrence=2)
    untranslated_line = task_line(text, untranslated["id"])
    unknown_key_line = task_line(text, backend["tasks"][3]["id"])
    result = await _import(admin_chat, text, "Nothing changed")
    shown = result["text"]
    assert "3 problems" in shown
    assert (
        f"duplicate task id '{EDITED_ID}' (2 times, in line {first_line}, line {second_line})"
        in shown
    )
    assert (
        f"line {untranslated_line}: task {untranslated['id']}: question: missing 'ru' translation"
        in shown
    )
    assert (
        f"line {unknown_key_line}: task {backend['tasks'][3]['id']}: unknown key(s) colour" in shown
    )
    assert await _bank_rows(bank_url) == before

    # A file over the limit is refused before it is downloaded.
    monkeypatch.setattr("services.interview.bank_files.MAX_IMPORT_BYTES", 1024 * 1024)
    sent = await admin_chat.send_document(exported.encode("utf-8"), "bank.yaml")
    await admin_chat.wait_text("the limit is 1 MB", after=sent)
    assert await _bank_rows(bank_url) == before

    # /cancel ends the step: a later file is not imported.
    sent = await admin_chat.say("/cancel")
    await admin_chat.wait_text("Cancelled", after=sent)
    sent = await admin_chat.send_document(exported.encode("utf-8"), "bank.yaml")
    await asyncio.sleep(0.6)
    assert await admin_chat.bot_messages_after(sent) == []


async def test_a_question_is_disabled_and_enabled_by_id(
    harness_factory: HarnessFactory, bank_url: str
) -> None:
    _, admin_chat = await bot_with_admin_group(harness_factory)
    sent = await admin_chat.say("/bank disable backend-no-such-question-1")
    await admin_chat.wait_text("There is no question backend-no-such-question-1", after=sent)
    sent = await admin_chat.say("/bank disable")
    await admin_chat.wait_text("Which question?", after=sent)

    sent = await admin_chat.say(f"/bank disable {EDITED_ID}")
    disabled = await admin_chat.wait_text("is out of rotation", after=sent)
    assert "backend · junior · databases has 2 left in rotation" in disabled["text"]
    sent = await admin_chat.say(f"/bank disable {EDITED_ID}")
    await admin_chat.wait_text("already out of rotation", after=sent)
    assert (await _question(bank_url, EDITED_ID)).disabled_by == admin_chat.admin["id"]
    assert EDITED_ID not in {
        question.id for question in await _pick_backend_junior_databases(bank_url)
    }
    sent = await admin_chat.say("/bank")
    coverage = await admin_chat.wait_text("Question bank", after=sent)
    assert "disabled by admins: 1" in coverage["text"]
    # The export still holds it, marked.
    exported = await _export(admin_chat)
    assert f"# disabled in the bot: not asked until /bank enable\n  - id: {EDITED_ID}\n" in exported

    sent = await admin_chat.say(f"/bank enable {EDITED_ID}")
    await admin_chat.wait_text("is back in rotation", after=sent)
    sent = await admin_chat.say(f"/bank enable {EDITED_ID}")
    await admin_chat.wait_text("already in rotation", after=sent)
    assert (await _question(bank_url, EDITED_ID)).disabled_at is None
    assert EDITED_ID in {question.id for question in await _pick_backend_junior_databases(bank_url)}

    actions = [
        (entry.action, entry.target)
        for entry in await rows(
            bank_url,
            select(AuditEntry)
            .where(AuditEntry.action.in_(("question_disable", "question_enable")))
            .order_by(AuditEntry.id),
        )
    ]
    assert actions[-2:] == [("question_disable", EDITED_ID), ("question_enable", EDITED_ID)]


async def test_a_stranger_cannot_press_the_bank_buttons(
    harness_factory: HarnessFactory, bank_url: str
) -> None:
    _, admin_chat = await bot_with_admin_group(harness_factory)
    stranger = new_user("en", "Stranger")
    await admin_chat.join(stranger)
    sent = await admin_chat.say("/bank")
    coverage = await admin_chat.wait_text("Question bank", after=sent)
    for label in ("Export YAML", "Import YAML"):
        answer = await admin_chat.press(coverage, label, member=stranger)
        assert answer["show_alert"] and "Only admins" in answer["text"]
    await asyncio.sleep(0.3)
    assert await admin_chat.bot_messages_after(coverage["message_id"]) == []
