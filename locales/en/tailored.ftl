## Tailored interview: resume + job description → questions about the user's own projects and the job.
## Errors are keyed by services/interview/tailored/documents.py (ResumeProblem, JobDescriptionProblem).

tailored-ask-resume =
    📄 Send your resume as a PDF document (up to 10 MB).
    I will read your projects and skills from it and ask about your real experience.
tailored-ask-job =
    📋 Now paste the job description as text: the role, the responsibilities and the requirements.
    The more of the vacancy you paste, the closer the questions will be to the real interview.
tailored-reading-resume = ⏳ Reading your resume…
tailored-planning = ⏳ Matching your experience to the job and writing the questions…
tailored-profile-summary =
    Here is what I found:
    • Level: { $seniority }
    • Skills: { $skills }
    • { $requirements ->
        [0] I did not find an explicit list of requirements in the job description.
        [one] One requirement from the job description
       *[other] { $requirements } requirements from the job description
    }
    • { $projects ->
        [0] No projects found in the resume: I will ask about the job's skills instead.
        [one] One project from your resume
       *[other] { $projects } projects from your resume
    }

    I have prepared { $questions ->
        [one] one question
       *[other] { $questions } questions
    } for you.
tailored-skills-none = none recognised
tailored-seniority-junior = junior
tailored-seniority-middle = middle
tailored-seniority-senior = senior
tailored-seniority-unknown = not stated
tailored-simplified-notice = ⚠️ The AI assistant is unavailable right now, so the questions were prepared automatically and may be less precise.

## Resume errors

tailored-error-too-large = That file is larger than { $limit_mb } MB. Send a smaller PDF of your resume: usually one or two pages are enough.
tailored-error-not-pdf = That file is not a PDF. Send your resume as a PDF document (up to { $limit_mb } MB), or paste its text as a message.
tailored-error-encrypted = That PDF is protected with a password, so I cannot read it. Save it again without a password and send it once more.
tailored-error-no-text = I could not find any text in that PDF: it looks like a scan or a picture. Export your resume from a text editor as a PDF, or paste its text as a message.
tailored-error-unreadable = I could not open that PDF: the file seems to be damaged. Export it again and send it once more, or paste the resume's text as a message.

## Job description errors

tailored-error-job-empty = That is too short to be a job description. Paste the vacancy's text: the role, the responsibilities and the requirements.
tailored-error-job-link-only = I cannot open links. Open the vacancy, copy its text and paste it here as a message.
tailored-error-job-too-long = That job description is longer than { $limit } characters. Paste only the role, the responsibilities and the requirements.

## Questions written without the AI assistant (offline planner). These are question content.

tailored-question-project = Tell me about this project from your resume: “{ $project }”. What problem did it solve, what was your own part in it, which technical decisions did you make, and what came out of it?
tailored-question-skill-from-resume = Your resume mentions { $skill }, and the job needs it: “{ $requirement }”. Walk me through a concrete task where you used { $skill }: what was hard, how did you solve it, and what would you do differently today?
tailored-question-skill-required = The job needs { $skill }: “{ $requirement }”. How have you used { $skill } or something close to it? Walk me through a concrete task: the problem, your approach and the result.
tailored-question-requirement = The job description says: “{ $requirement }”. How does your experience match this? Give a concrete example from your work.
tailored-question-motivation = Why does this job interest you, and which of your projects has prepared you best for it?
tailored-question-motivation-role = Why does the “{ $role }” role interest you, and which of your projects has prepared you best for it?

tailored-point-project-goal = Explains what the project was for and who used it
tailored-point-project-role = Makes clear what they did personally, not only what the team did
tailored-point-project-decisions = Describes at least one technical decision and the trade-off behind it
tailored-point-project-result = Shows the result with numbers: load, speed, money, users or time saved
tailored-point-project-lesson = Says what they learned or would do differently now
tailored-point-skill-task = Describes a concrete task solved with { $skill }
tailored-point-skill-how = Explains how { $skill } works in that case, beyond naming it
tailored-point-skill-problem = Names a problem or limitation they ran into and how they dealt with it
tailored-point-requirement = Connects the experience to the job's requirement: { $requirement }
tailored-point-result = Gives a measurable outcome
tailored-point-motivation-role = Shows an understanding of what the role involves
tailored-point-motivation-project = Links a specific project of theirs to the job's requirements
tailored-point-motivation-growth = Says what they want to learn or achieve in this job

tailored-reference-project = A strong answer tells the story of “{ $project }” in the STAR order: the situation and the goal, the candidate's own task, the concrete actions and technical decisions with their trade-offs, and a measurable result, ending with a lesson learned.
tailored-reference-skill = A strong answer picks one real task where { $skill } was essential, explains how it was used and why, describes a difficulty and how it was solved, gives a measurable result, and ties it to the requirement “{ $requirement }”.
tailored-reference-requirement = A strong answer gives one concrete example from the candidate's work that shows “{ $requirement }”: what the situation was, what they did themselves and what the result was.
tailored-reference-motivation = A strong answer names what attracts the candidate in this particular job, links one or two of their projects to its requirements, and says what they want to achieve in the role.

tailored-resume-read = ✅ Resume read: { $characters } characters of text.
tailored-send-pdf = Please send your resume as a PDF document, or press “No resume, just the job”.
tailored-paste-job = Please paste the job description as a text message.
