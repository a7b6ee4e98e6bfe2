## /bank in the admin group: the question bank's coverage, export, import, disabling questions

bank-title = <b>Question bank</b>
bank-totals = In rotation: <b>{ $in_rotation }</b> · disabled by admins: { $disabled } · retired (kept for old answers): { $retired }
bank-specialization-line = <b>{ $title }</b> <code>{ ID($id) }</code>: { $total } — junior { $junior } · middle { $middle } · senior { $senior } · { $topics } topics
bank-no-specializations = The bank in the database is empty. Seed it with <code>python -m bot seed</code> or import a file.
bank-gaps-title = <b>Gaps</b> (specialization · level · topic with fewer than { $minimum } questions in rotation):
bank-gap-line = ⚠️ { $specialization } · { $level } · { $topic }: { $count }
bank-gap-empty-line = ⛔ { $specialization } · { $level } · { $topic }: empty
bank-gaps-more = …and { $count } more.
bank-no-gaps = ✅ Every cell has at least { $minimum } questions in rotation.
bank-usage = Take a question out of rotation: <code>/bank disable &lt;id&gt;</code>, put it back: <code>/bank enable &lt;id&gt;</code>.
bank-export-button = ⬇️ Export YAML
bank-import-button = ⬆️ Import YAML

bank-export-caption = The question bank: { $questions } questions in { $specializations } specializations ({ $disabled } disabled, marked in the file). Edit it and send it back with Import.
bank-export-file-header =
    EasyFlow question bank, exported from the bot on { $date }.
    One document (between ---) per specialization, in the format of services/interview/questions/README.md.
    Edit and send it back with /bank → Import: the specializations in the file replace theirs in the bot,
    the others stay as they are. A question left out is retired (no longer asked, kept for old answers).
    Disabled questions are marked; an import does not enable or disable anything (/bank enable <id> does).
bank-export-disabled-mark = disabled in the bot: not asked until /bank enable

bank-import-ask = { $admin }, send the edited bank as a .yaml file (up to { $megabytes } MB). The specializations in it replace theirs in the bot; the others stay as they are. Nothing changes unless the whole file is sound. /cancel to stop.
bank-import-not-a-file = I'm waiting for the bank as a .yaml document: attach the file, or /cancel.
bank-import-wrong-type = { $name } is not a .yaml or .yml file. Send the bank's YAML file, or /cancel.
bank-import-too-big = { $name } is { $megabytes } MB; the limit is { $limit } MB. Nothing changed.
bank-import-checking = ⏳ Checking { $name }…
bank-import-problems = ❌ <b>Nothing changed.</b> { $count ->
    [one] { $count } problem
   *[other] { $count } problems
} in { $name }:
bank-import-problem-line = • { $problem }
bank-import-more-problems = …and { $count } more.
bank-import-resend = Fix the file and send it again, or /cancel.
bank-import-applied = ✅ <b>Imported</b> { $specializations }: { $created } new, { $updated } changed, { $unchanged } unchanged, { $retired } retired. Questions in these specializations: { $before } → { $after }.
bank-import-unchanged = ✅ { $name } matches the bank ({ $specializations }): nothing to change.

bank-question-disabled = 🚫 <code>{ ID($id) }</code> is out of rotation: no new interview asks it. { $specialization } · { $level } · { $topic } has { $left } left in rotation.
bank-question-enabled = ✅ <code>{ ID($id) }</code> is back in rotation. { $specialization } · { $level } · { $topic } has { $left } in rotation.
bank-question-already-disabled = <code>{ ID($id) }</code> is already out of rotation.
bank-question-already-enabled = <code>{ ID($id) }</code> is already in rotation.
bank-question-unknown = There is no question <code>{ ID($id) }</code> in the bank. Ids look like <code>backend-databases-junior-1</code>; the export lists them all.
bank-question-id-missing = Which question? <code>/bank { $action } &lt;id&gt;</code>, e.g. <code>/bank { $action } backend-databases-junior-1</code>.
