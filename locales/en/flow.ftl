### The rater's flow beyond one form (drafts, declining, the next review, /me) and peer nomination.

flow-save-later = Save for later
flow-saved-title = Saved for later
flow-saved-body = Bookmark this page, or open a link to this review again (from your email or from your home page), to continue where you left off. Nothing counts until you submit.
flow-draft-restored = We restored the answers you saved. Nothing counts until you submit.
flow-decline-link = I can't judge this person
flow-decline-title = Decline this review?
# `{subject}`.
flow-decline-body = If you have not worked with { $subject } enough to judge, say so: this review will not be counted and you will not be reminded about it.
flow-decline-reason = Why not? (optional)
flow-decline-confirm = Decline this review
flow-back-to-form = Back to the form
flow-declined-title = Review declined
flow-declined-body = Thank you for telling us. This review will not be counted.
# `{done}`, `{total}`.
flow-progress = { $done } of { $total } reviews done
# `{name}`.
flow-next-is = Next: { $name }
flow-next-button = Start the next review
flow-all-done = That was your last review in this cycle. You can close this page.
flow-received = Your answers have been received.
flow-me-title = Home
flow-me-intro = The reviews you are asked to write in open cycles. Answers count only once you submit them.
flow-me-none = You have no reviews to write right now.
flow-me-write = Write this review
flow-my-reviews = My reviews
flow-my-results = My results
flow-my-results-none = You have not been reviewed in any cycle yet.
# A cycle still open on the home page: `{day}`, the day it closes.
flow-result-open = Open: your results appear here when it closes on { $day }.
flow-result-ready = Read my report
flow-my-team = My team
flow-my-team-body = Your team's indicators, cycle by cycle and by period, and each person's report.
flow-my-team-link = Open my team
# One's own report while the cycle is open: `{day}`.
flow-own-pending = This cycle is still open. Your results appear here when it closes on { $day }; until then nobody sees any answer.
flow-state-open = To do
flow-state-done = Done
flow-state-declined = Declined
flow-state-elsewhere = Sent to your previous email address: open it from that email
flow-nominate-title = Choose your reviewers
# `{min}`, `{max}`, `{cycle}`.
flow-nominate-intro = Pick { $min } to { $max } colleagues who know your work well for { $cycle }. Your manager approves the list; each colleague then gets an anonymous peer review to write.
flow-nominate-submit = Send to my manager
# `{min}`, `{max}`.
flow-nominate-count = Pick between { $min } and { $max } colleagues.
flow-nominate-sent = Sent to your manager for approval. You can change it until it is approved.
flow-nominate-todo = Choose who reviews you
flow-no-team = No team
# `{name}`.
flow-approve-title = Reviewers for { $name }
flow-approve-intro = Tick the colleagues who should review this person, then approve: each is invited to write an anonymous peer review.
flow-approve-button = Approve and send invitations
flow-approvals-title = Reviewer lists
# `{n}`.
flow-approved-sent = Approved: { $n } peer invitations created.
# `{k}`.
flow-approved-small = Fewer than { $k } peers: their peer results will stay hidden.
flow-status-open = Waiting for their choice
flow-status-submitted = Waiting for approval
flow-status-approved = Approved

## What a rater is asked for, from their side
flow-kind-self = Your self-review
flow-kind-manager = Review of your report
flow-kind-peer = Peer review
flow-kind-direct-report = Review of your manager
flow-kind-customer = Customer survey
