### Every word a respondent reads on a survey's pages.

respondent-submit = Send my answers
respondent-required = required
respondent-optional = optional
respondent-errors-summary = Some answers need another look: see the notes below.
respondent-err-required = Please answer this question.
respondent-err-not-a-choice = Please pick one of the choices.
respondent-err-too-long = Please keep this under 5,000 characters.
respondent-err-invalid-characters = This answer contains characters we cannot store.
respondent-err-duplicated = This answer was sent twice; please choose once.
respondent-nps-low = 0 = not at all likely
respondent-nps-high = 10 = extremely likely
respondent-cant-judge = Can't judge
respondent-pick-any = Pick all that apply.
respondent-scale-low = lowest
respondent-scale-high = highest
respondent-text-hint = Up to 5,000 characters.
respondent-intro-customer = { $subject } would value your feedback on working together. It takes about a minute.
respondent-intro-self = This is your self-assessment for { $cycle }.
respondent-intro-manager = Please evaluate { $subject }, who reports to you, for { $cycle }.
respondent-intro-peer = Please review your colleague { $subject } for { $cycle }.
respondent-intro-direct-report = Please review { $subject }, your manager, for { $cycle }.
respondent-note-anonymous = Your answers are combined with at least { $n } others and shown only after the cycle closes; no one, including administrators, can see who wrote what.
respondent-note-attributed = Your answers are shared, with your name, with { $subject }'s managers and HR.
respondent-note-self = Your answers are shared, with your name, with your managers and HR.
respondent-note-customer = Your answers go to { $org }'s sales management, with your name, so they can follow up.
respondent-note-customer-anonymous = Your answers are combined with those of at least { $n } other customers before anyone sees them; your name is not kept with them.
# Who asks, when no organisation name is configured.
respondent-org-fallback = the company
# `{org}`: above a survey, and in every email.
respondent-asked-by = Sent for { $org } by Candor, its survey service.
respondent-thanks-title = Thank you
respondent-thanks-body = Your answers have been received. You can close this page.
respondent-done-title = Already answered
respondent-done-body = We have already received the answers for this survey. Thank you!
respondent-closed-title = This survey is closed
respondent-closed-body = This survey no longer accepts answers. Thank you for your interest.
respondent-not-found-title = Link not found
respondent-not-found-body = This link is not valid. Please check that you opened the whole link from your email.
respondent-too-many-title = Too many attempts
respondent-too-many-body = Too many invalid links were tried from your network. Please wait a minute and try again.
respondent-busy-title = Please try again
respondent-full-title = We cannot save answers right now
respondent-full-body = Our server has run out of storage. Your answers were not saved and your link still works: please try again later.
respondent-busy-body = We could not save your answers just now. Nothing was lost: please send the form again in a moment.
respondent-error-title = Something went wrong on our side
respondent-too-large-title = That is more than this form takes
respondent-too-large-body = Nothing was saved and your link still works. Please shorten your answers and send the form again.
respondent-error-body = This is our fault, not yours, and it has been logged. Nothing you sent was lost: please try again later.
respondent-back-home = Back to the start
respondent-unsub-title = Unsubscribe
respondent-unsub-body = Stop all emails from us to { $name }?
respondent-unsub-button = Unsubscribe
respondent-unsub-done-title = You are unsubscribed
respondent-unsub-done-body = We will not email this address again.
