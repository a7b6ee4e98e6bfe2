## The final interview report (services/interview/report.py): the Telegram summary, the chart,
## the PDF, recommendations; progress over time (services/interview/progress.py); shared links.
## Messages with <b>/<i> are sent in HTML mode; values inserted into them are escaped by the code.

# A 0-10 score with one decimal.
report-score = { NUMBER($score, minimumFractionDigits: 1, maximumFractionDigits: 1) }

## Grades

report-grade-strong-hire = Strong hire
report-grade-hire = Hire
report-grade-lean-hire = Borderline
report-grade-no-hire = Not ready yet

## Telegram summary

report-title = 📊 <b>Interview report</b>
report-shared-title = 📊 <b>Mock interview report</b>, shared by the candidate
report-overall = Overall score: <b>{ $score }/10</b> — { $grade }
# Only answered questions count as answered; skipped ones are counted apart.
report-answered =
    { $skipped ->
        [0] Questions: { $answered } answered.
       *[other] Questions: { $answered } answered, { $skipped } skipped.
    }
# Instead of the overall score when every question was skipped (plain text: also in the PDF).
report-all-skipped = ⏭ You skipped { $total ->
        [1] the question
        [2] both questions
       *[other] all { $total } questions
    }, so there is no score this time, and it does not use up an interview.
report-skills-header = <b>Skills</b>
report-skill-line = { $mark } { $skill }: <b>{ $score }</b>
report-skill-skipped-line = ⏭ { $skill }: not assessed (skipped)
report-questions-header = <b>Questions</b>
report-question-line = { $number }. { $mark } <b>{ $score }</b> — { $title }
report-question-skipped-line = { $number }. ⏭ skipped — { $title }
report-no-questions = There were no questions in this interview.
report-practice-skipped =
    ⏭ <b>Practice question skipped</b>: no score this time.

    💡 <b>Ideal answer</b>
    { $ideal }
report-recommendations-header = <b>What to work on next</b>
report-recommendation-line = { $number }. { $text }

## Recommendations (plain text: also printed in the PDF)

report-rec-skill = Brush up on { $skill }: your average there is { $score }/10. A topic interview on it is the fastest way to improve.
report-rec-skipped =
    You skipped { $count } { $count ->
        [one] question
       *[other] questions
    }. Even a partial answer earns points: say what you know and how you would find out the rest.
report-rec-criterion-relevance = Answer the exact question: start with a one-sentence direct answer, then expand on it.
report-rec-criterion-examples = Back every answer with a case from your experience: what the situation was, what you did and what changed.
report-rec-criterion-clarity = Structure your answers: the short answer first, then how it works, then the trade-offs.
report-rec-criterion-accuracy = Revise the fundamentals behind these questions and compare your answers with the ideal ones in the PDF.
report-rec-criterion-job-alignment = Tie your answers to the role: mention the vacancy's stack, scale and responsibilities.
report-rec-missing-point =
    { $form ->
        [action] Review what you missed: a strong answer also { $point }.
       *[topic] Review what you missed, for example: { $point }.
    }
report-rec-too-short = Give fuller answers: a minute or two per question, explaining how and why, not just what.
report-rec-keywords-only = Don't just list keywords: explain how the pieces work together and why you would choose them.
report-rec-off-topic = Some answers drifted away from the question: repeat the question to yourself before you answer.
report-rec-rambling = Keep answers focused: make two or three main points and stop.
report-rec-star = Tell behavioural stories in STAR order: the situation, your task, your actions and the result.
report-rec-quantify = Quantify your results: time saved, percentages, money, number of users.
report-rec-level-up = Excellent result! Try the next level or a harder topic.
report-rec-polish = A solid result. To reach the top grade, add numbers, trade-offs and a real example to every answer.

## Chart

report-chart-title = Score by skill
report-chart-axis = Score, 0–10
report-chart-overall = Overall

## PDF (plain text)

report-pdf-title = Mock interview report
report-pdf-overall = Overall score: { $score }/10 — { $grade }
report-pdf-recommendations = What to work on next
report-pdf-question = Question { $number } of { $total }
report-pdf-score = { $score }/10
report-pdf-skipped = skipped
report-pdf-skipped-note = You skipped this question. Read the ideal answer below and try it again in your next interview.
report-pdf-skills = Skills: { $skills }
report-pdf-answer = Your answer
report-pdf-answer-voice = Your answer (voice message, transcribed)
report-pdf-criteria = Criteria
report-pdf-star = STAR structure
report-pdf-strengths = Strengths
report-pdf-weaknesses = To improve
report-pdf-missing = Key points you missed
report-pdf-evidence = Quotes from your answer
report-pdf-follow-up = Follow-up question
report-pdf-follow-up-answer = Your follow-up answer
report-pdf-ideal = Ideal answer
report-pdf-simplified = The AI reviewer was unavailable, so this answer got a simplified automatic evaluation.
report-pdf-page = EasyFlow · page { $page }

## Progress over time

progress-title = 📈 <b>Your progress</b>
progress-empty =
    You have no finished interviews yet.
    Take your first mock interview, and your scores and progress will appear here.
progress-count = Interviews finished: <b>{ $count }</b>
progress-single = Your score: <b>{ $score }/10</b>. Finish one more interview to see your trend.
progress-trend-up = Trend: { $first } → <b>{ $last }</b> (+{ $delta }) 📈
progress-trend-down = Trend: { $first } → <b>{ $last }</b> (−{ $delta }) 📉
progress-trend-flat = Trend: { $first } → <b>{ $last }</b>, steady
progress-average = Average score: <b>{ $average }/10</b>, best: <b>{ $best }/10</b>
progress-skills-header = <b>Average by skill</b>
progress-skill-line = { $mark } { $skill }: <b>{ $score }</b>
progress-weakest = Weakest skill: <b>{ $skill }</b>
progress-next-header = <b>Suggested next interview</b>
progress-next-topic = { $track } · { $level } · topic: { $topic }
progress-next-track = { $track } · { $level }
progress-next-focus = 🎯 It trains your weakest skill: { $skill }
# The button under /progress that opens the suggested interview (then only the length is asked).
progress-next-button-skill = ▶️ Practise { $skill }
progress-next-button = ▶️ Start the suggested interview
progress-next-level-up = 🚀 Three strong results in a row at this level: time to move up!
progress-chart-title = Overall score by interview
progress-chart-axis = Score, 0–10
progress-chart-date =
    { $month ->
        [1] Jan
        [2] Feb
        [3] Mar
        [4] Apr
        [5] May
        [6] Jun
        [7] Jul
        [8] Aug
        [9] Sep
        [10] Oct
        [11] Nov
       *[12] Dec
    } { $day }
progress-level-any = Any level

## The view a shared link opens (services/interview/shares.py)

report-shared-footer = Want to practise too? Start a mock interview: /start

## Delivery of spoken answers

report-delivery-header = 🎙 <b>Delivery</b> ({ $answers } spoken { $answers ->
        [one] answer
       *[other] answers
    })
report-delivery-overall = Pace { $wpm } words/min ({ $pace }) · fillers { $fillers }/min ({ $top }) · long pauses: { $pauses }
report-delivery-line = { $follow_up ->
        [yes] Q{ $number } follow-up
       *[no] Q{ $number }
    }: { $wpm } words/min · { $fillers } fillers/min · { $pauses } long pauses
report-delivery-tip = 💡 { $tip }
report-pdf-delivery-header = Delivery
report-pdf-delivery = Delivery: { $wpm } words/min ({ $pace }), { $fillers } fillers/min ({ $top }), { $pauses } long pauses

progress-delivery-header = 🎙 <b>Delivery over time</b> (interviews answered out loud)
progress-delivery-line = { $date }: { $wpm } words/min · { $fillers } fillers/min · { $pauses } long pauses
