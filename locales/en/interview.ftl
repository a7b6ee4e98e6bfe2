## Interview module: menus, the question flow, feedback, the end of an interview.

command-interview = Mock interview
command-progress = My progress
command-bookmarks = Saved questions

interview-home =
    🎤 <b>Mock interviews</b>
    Answer real interview questions and get scored feedback on every answer, a report and an ideal answer.

    Free interviews left: <b>{ $free_left }</b> · Credits: <b>{ $credits }</b>
interview-menu-track = 🎯 Choose a track
interview-menu-tailored = 📄 Tailored: resume + job
interview-menu-practice = 🏋️ Practise my weakest skill
interview-menu-bookmarks = 🔖 Saved
interview-menu-progress = 📈 Progress

interview-choose-specialization = 🎯 Which role are you interviewing for?
interview-choose-level = 🎯 { $specialization }: which level?
interview-choose-topic = 🎯 { $specialization }, { $level }: which topic?
interview-topic-random = 🎲 Random mix
interview-choose-length = ⏱ How many questions?
interview-length-option = { $count } questions
interview-level-junior = Junior
interview-level-middle = Middle
interview-level-senior = Senior

interview-no-interviews-left =
    You have used your { $free } free interviews and have no credits left.
    Buy more interviews, or keep practising single questions for free.
interview-no-questions = 😕 There are no questions for this choice yet. Try another topic or level.
interview-starting = 🚀 Starting: { $count } questions. Answer each one by text or a voice note; take your time.

interview-question =
    <b>Question { $number }/{ $total }</b> · <i>{ $skills }</i>

    { $text }
interview-follow-up =
    <b>Follow-up to question { $number }/{ $total }</b>

    { $text }

interview-button-skip = ⏭ Skip
interview-button-skip-follow-up = ⏭ Skip follow-up
interview-button-bookmark = 🔖 Save
interview-button-end = ⏹ End interview
interview-button-end-yes = ✅ Yes, end it
interview-button-end-no = ↩️ No, continue
interview-button-continue = ▶️ Continue the interview
interview-button-abandon = 🗑 Drop it
interview-button-share = 🔗 Share a summary
interview-button-revoke = 🚫 Stop sharing
interview-button-new = 🎤 New interview
interview-button-practice-bookmark = ▶️ Practise #{ $number }
interview-button-remove-bookmark = 🗑 #{ $number }
interview-button-skip-resume = ⏭ No resume, just the job

interview-feedback-title = <b>Question { $number }/{ $total }: { $score }/10</b>
interview-feedback-follow-up-title = <b>Follow-up to question { $number }/{ $total }: { $score }/10</b>
interview-feedback-strengths = 👍 Strengths
interview-feedback-improve = 🛠 What to improve
interview-feedback-missed = 🧩 What the answer left out
interview-feedback-evidence = 🔎 From your answer
interview-feedback-truncated = The rest of the feedback is in the final report.
interview-ideal-answer = 💡 Ideal answer

interview-empty-answer = Your answer is empty. Please write it as a text message.
interview-answer-with-text = I take answers as text or as a voice note (audio files and video notes work too). Please type your answer or record it.
interview-late-message = ✍️ This message was sent before the next question appeared, so I added it to your answer to question { $number }. That answer was already scored.
interview-early-message = ⏳ This message arrived while I was preparing the questions, so it was not used. Please answer the question above.
interview-already-finished = This interview is over and takes no more answers. Start a new one with /interview.
interview-button-outdated = This button belongs to a question you have already moved past.
interview-skipped = Skipped
interview-cannot-bookmark = This question can't be saved.
interview-bookmarked = 🔖 Saved. Find it in /bookmarks.
interview-unbookmarked = Removed from saved questions.
interview-confirm-end = End the interview now? The questions you answered will be in the report.
interview-ended = ⏹ Interview ended.
interview-cancel-confirm =
    You have answered { $answered } of { $total } { $total ->
        [one] question
       *[other] questions
    }, so this interview counts even if you end it now: it is not given back. End it and get the report of what you answered?
interview-cancel-confirm-practice = End the practice now? The answers you gave will be in the summary.
interview-cancelled-not-counted = ✖️ Interview cancelled. You had not answered any question, so it does not count.
interview-practice-cancelled = ✖️ Practice stopped. Pick another question any time from /interview.
interview-charge-back-free = 🎁 Your free interview is back.
interview-charge-back-credit = 💳 Your interview credit is back: { $credits } on your balance.
interview-continue-answering = ↩️ Let's go on — answer the question above.
interview-resume-offer =
    👋 Welcome back, { $name }!
    You have an unfinished interview: question { $number } of { $total }. Continue where you stopped?
interview-abandoned = 🗑 The interview was dropped. Start a new one any time with /interview.
interview-resuming = ▶️ Continuing.

interview-report-progress =
    📊 Building your report… { $step ->
        [1] scoring the answers
        [2] drawing the chart
       *[other] writing the PDF
    } ({ $step }/{ $steps })
interview-ended-no-answers = The interview ended without a single answer, so there is no report and it does not count against your interviews. Try again when you're ready.
interview-report-chart-caption = 📊 Your scores per skill
interview-report-pdf-caption = 📄 The full report: every question, your answer, feedback and an ideal answer.
interview-practice-done =
    🏋️ <b>Practice done: { $score }/10</b>

    💡 <b>Ideal answer</b>
    { $ideal }
interview-share-created =
    🔗 Anyone with this link sees your scores, but not your answers:
    { $link }
interview-share-revoked = 🚫 The link no longer works.
interview-share-invalid = This link is invalid or its owner stopped sharing it.

interview-practice-weakest = 🏋️ One question on your weakest skill: <b>{ $skill }</b>.
interview-practice-first = 🏋️ A practice question to start with. After a few answers I will aim at your weakest skill.
interview-practice-bookmark = 🏋️ Practising a saved question.
interview-bookmarks-title = 🔖 <b>Saved questions</b>
interview-bookmarks-empty = 🔖 No saved questions yet. Press “Save” under a question during an interview.
interview-progress-chart-caption = 📈 Your scores over time
