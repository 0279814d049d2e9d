### The review loop's notices by email (templates/email/notice.*): for each step, the subject
### line, what happened, and what to do on the page linked below it.
### `{ $cycle }`; `{ $subject }`, whom the step is about; `{ $author }`, who wrote the feedback.

## Feedback shared with the person reviewed
notice-feedback-shared-subject = { $author } shared feedback on your { $cycle } results
notice-feedback-shared-body = { $author } shared feedback on your results of { $cycle }: strengths, improvements and next steps.
notice-feedback-shared-action = Sign in to read it and acknowledge it, with a reply if you like:

## Shared feedback amended
notice-feedback-amended-subject = { $author } amended their feedback on your { $cycle } results
notice-feedback-amended-body = { $author } amended the feedback they shared on your results of { $cycle }. The page marks it as amended.
notice-feedback-amended-action = Sign in to read it:

## Feedback acknowledged, told to its author
notice-feedback-acknowledged-subject = { $subject } acknowledged your feedback ({ $cycle })
notice-feedback-acknowledged-body = { $subject } acknowledged the feedback you shared on their results of { $cycle }.
notice-feedback-acknowledged-action = Sign in to read their reply, if they wrote one:

## A list of reviewers waits for the manager's approval
notice-nomination-submitted-subject = { $subject } chose their reviewers for { $cycle }: your approval is needed
notice-nomination-submitted-body = { $subject } chose the colleagues who should review them in { $cycle }. Check the list, change it if needed, and approve it: each colleague is then invited to an anonymous peer review.
notice-nomination-submitted-action = Sign in to approve:

## The list was approved
notice-nomination-approved-subject = Your reviewers for { $cycle } are approved
notice-nomination-approved-body = Your list of reviewers for { $cycle } was approved, and each of them is now invited to an anonymous peer review. Nobody, your manager included, sees who answered what.
notice-nomination-approved-action = Your home page:
