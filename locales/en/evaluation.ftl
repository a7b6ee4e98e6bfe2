## Answer evaluation: criteria, STAR parts, strengths, weaknesses and follow-up questions.
## Keys emitted by services/interview/evaluation/offline.py; criterion and STAR names are labels.

eval-criterion-relevance = Relevance
eval-criterion-examples = Concrete examples
eval-criterion-clarity = Clarity and structure
eval-criterion-accuracy = Technical accuracy
eval-criterion-job-alignment = Fit for the role

eval-star-situation = Situation
eval-star-task = Task
eval-star-action = Action
eval-star-result = Result

eval-simplified-notice = ⚠️ The AI reviewer is unavailable right now, so this is a simplified automatic evaluation.

## Strengths

eval-strength-coverage =
    You covered { $count } of { $total } key { $total ->
        [one] point
       *[other] points
    }.
eval-strength-examples = You backed your answer with concrete examples.
eval-strength-numbers = You used numbers, which makes the answer convincing.
eval-strength-technologies = You named specific technologies and tools.
eval-strength-structure = The answer is well structured and easy to follow.
eval-strength-star = Your story has a clear situation, task, actions and result.

## Weaknesses

eval-weakness-missing-points =
    { $count ->
        [one] One key point is missing.
       *[other] { $count } key points are missing.
    }
eval-weakness-no-examples = There are no concrete examples: add a case from your experience.
eval-weakness-too-short = The answer is too short to show your understanding.
eval-weakness-keywords-only = This is a list of keywords: explain how the pieces work and why.
eval-weakness-off-topic = The answer does not address the question.
eval-weakness-no-structure = The answer is hard to follow: split it into steps or use connecting words.
eval-weakness-rambling = The answer is long and repetitive: keep to the main points.
eval-weakness-star-missing = Your story is missing: { $parts }.
eval-weakness-result-not-quantified = Quantify the result: time saved, percentages, money, users.

## Follow-up questions

# $point is a key point in plain words; $form says how it reads: "topic" is a noun phrase or a
# statement ("every index slows down writes"), "action" starts with a verb ("adds a suitable index").
eval-followup-missing-point =
    { $form ->
        [action] A strong candidate also { $point }. How would you approach that?
       *[topic] You didn't cover: { $point }. Can you explain it?
    }
# One missed key point in a list; $point as above, capitalised when $form is "topic".
eval-missed-point =
    { $form ->
        [action] A strong candidate also { $point }.
       *[topic] { $point }
    }
eval-followup-star =
    { $part ->
        [situation] Set the scene first: where were you working, and what was going on?
        [task] What exactly were you responsible for there, and what was at stake?
        [action] What did you personally do, step by step?
       *[result] How did it end? What changed, ideally in numbers?
    }
eval-followup-example = Can you give a concrete example from a project you worked on?
eval-followup-elaborate = Can you go deeper: how does it work, and what are the trade-offs?
