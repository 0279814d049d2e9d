### Emails: subject lines and paragraphs. The layout of each kind is in
### templates/email/<kind>.txt and .html; the organisation's name signs each one.

## Every email
email-greeting = Hello { $name },
email-unsubscribe = Do not want these emails? Unsubscribe:

## Invitations and reminders (templates/email/invitation.*)
invitation-subject-customer = { $subject } would value your feedback — { $cycle }
invitation-subject-review = Your review of { $subject } — { $cycle }
invitation-subject-self = Your self-assessment — { $cycle }
invitation-subject-many = Your { $count } reviews for { $cycle }
# Before a reminder's subject line.
invitation-reminder = Reminder:{" "}
invitation-button = Answer the survey
invitation-personal = This link is personal: please do not forward it. It works until { $until }.

## A sign-in link (templates/email/login.*)
login-subject = Sign in to Candor
login-greeting = { $name },
login-body = Sign in to Candor
login-expiry = Sign-in links work once, for 15 minutes. Ask for a new one.

## Choose your reviewers (templates/email/nomination.*)
nomination-subject = Choose who reviews you in { $cycle }
nomination-body = For { $cycle }, please pick { $min } to { $max } colleagues who know your work well. Your manager approves the list, then each of them is asked for an anonymous peer review.
nomination-action = Sign in to choose (this link works once, for 15 minutes):
# `{ $later }`: the page's own address, to come back to.
nomination-later = Later, open { $later } and sign in with your work email.

## Your results are ready (templates/email/results.*)
results-subject = Your results for { $cycle } are ready
results-body = The results of { $cycle } are ready: your scores by indicator and what colleagues and customers wrote, shown only where enough people answered.
results-action = Sign in to read your report:
results-report = Your report, once signed in:

## To the address a person's or customer's email was changed from (CONTRACT §10)
## (templates/email/address_changed.*)
address-changed-subject = The email address we have for you was changed
address-changed-body = The email address { $org } uses for you was changed from this address to another one. Sign-in links and new requests now go to the new address. Reviews you were already sent stay with this address and can be answered only from here.
address-changed-warning = If you did not ask for this change, tell your HR team.
