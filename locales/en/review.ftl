### The review loop (CONTRACT §9): feedback on a report, customer follow-up, answers by phone, how to read a report.

review-feedback = Feedback
review-strengths = Strengths
review-improvements = To improve
review-next-steps = Next steps
review-save-draft = Save draft
# The box ticked to share: `{name}`.
review-confirm-share = Share it with { $name } now: they are emailed and read it on their report.
review-confirm-needed = Tick the box to confirm that you are sharing it.
review-amend = Amend this feedback
review-amend-button = Share the amended feedback
# `{date}`.
review-amended-on = Amended on { $date }
review-amended-done = Amended. They are emailed and see it marked as amended.
# `{name}`.
review-share-with = Share with { $name }
review-draft-saved = Draft saved. Only you see it until you share it.
review-shared-done = Shared. They can read it on their report and acknowledge it.
# `{name}`, `{date}`.
review-shared-by = From { $name }, { $date }
review-acked-done = Acknowledged. Your manager sees it, with your reply.
review-reply-label = Your reply (optional)
review-acknowledge = Acknowledge
# `{date}`.
review-acknowledged-on = Acknowledged on { $date }
review-awaiting-ack = Not acknowledged yet
review-no-feedback = No feedback has been shared yet.
review-feedback-empty = Write at least one of strengths, improvements or next steps before sharing.
review-followups-title = Customer follow-up
review-followups-intro = Customers whose satisfaction answer was in the bottom two points of its scale, or who would not recommend us (0–6). Call them, then mark the answer followed up.
review-followups-none = No unhappy customer answers to follow up.
review-salesperson = Salesperson
review-contact = Contact
review-followed-up = Followed up
review-mark-followed = Mark followed up
review-note-label = Note (optional)
# `{name}`, `{date}`.
review-followed-by = Followed up by { $name }, { $date }
review-by-phone = by phone
review-phone-title = Answers by phone
review-phone-intro = Customers who have not answered yet. After a call, enter what they said: it is stored as given by phone, with your name, and their link stops working.
review-phone-none = Every invited customer has answered.
review-enter-answers = Enter answers
# `{customer}`, `{subject}`.
review-phone-form-intro = What { $customer } said about { $subject }, on the phone.
review-phone-saved = Stored as answered by phone.
review-nav-followups = Follow-up
review-how-to-read = How to read this report
review-how-scale = Scores are on a 0–100 scale: the lowest answer of a question is 0, the highest 100, whatever its number of points.
review-how-interval = The 95 % interval is where the score would likely fall with more answers; with few answers it is wide.
review-how-hidden = A group with fewer answers than the cycle's minimum is not shown, so nobody's answer can be singled out; while the cycle is open, nothing is shown.
review-how-gap = Self minus others: how your own rating compares with everyone else's (positive: you rate yourself higher).
review-empty-report = There is nothing in this report yet: no answers about this person were released in this cycle.
review-print = Print or save as PDF
review-by-question = Comments by question
review-csat = CSAT
review-nps = NPS
