### Sign-in, navigation and the team dashboard.

dash-login-title = Sign in
dash-login-intro = Enter your work email address and we will email you a sign-in link.
dash-email-label = Work email
dash-send-link = Email me a link
dash-link-sent = If this address belongs to someone in Candor, a sign-in link is on its way. It works once, for 15 minutes.
dash-sign-in-title = Sign in to Candor
dash-sign-in-button = Sign in
dash-link-dead-title = This sign-in link no longer works
dash-link-dead-body = Sign-in links work once, for 15 minutes. Ask for a new one.
dash-sign-out = Sign out
dash-nav-dashboard = My team
dash-nav-me = Home
dash-nav-followups = Follow-up
dash-nav-admin = Admin
dash-dashboard-title = Team indicators
dash-cycle-label = Review cycle
dash-show = Show
dash-no-cycles = There is no review cycle yet.
dash-person = Person
dash-team = Team
dash-responses = Responses
dash-withheld = withheld
dash-why-open = results at close
dash-upload-limit = A CSV file of up to 16 MiB, UTF-8, with a header row.
dash-upload-unreadable = The upload could not be read: is it larger than 16 MiB, or not UTF-8 text?
dash-cross-site-body = This sign-in was sent from another website, so it was refused. Open the link from your email instead.
dash-too-small = These anonymous groups can never reach the minimum number of raters, so they will stay hidden (invited / needed):
dash-why-below = too few raters
dash-why-no-data = no answers
dash-withheld-note = Withheld: anonymous answers are shown only after the cycle closes, and only from at least the minimum number of raters.
dash-no-one = Nobody to show in this cycle.
dash-status-open = open
dash-period-label = Period (closed cycles pooled)
dash-status-closed = closed
dash-by-relation = By relation
dash-relation = Relation
dash-score = Score
dash-interval = 95 % interval
dash-self-gap = Self minus others
dash-trend = Trend across cycles
dash-trend-monthly = Trend across monthly cycles
dash-trend-quarterly = Trend across quarterly cycles
dash-trend-yearly = Trend across yearly cycles
dash-distribution = Distribution of answers
dash-comments = Comments
dash-no-comments = No comments to show.
dash-chart-team = Scores of the team

## Indicator names for people; an indicator without one is shown as named (teamwork_v2 → teamwork v2)
indicator-customer-satisfaction = Customer satisfaction
indicator-teamwork = Teamwork
indicator-communication = Communication

## The groups of a report, by relation
relation-customer = Customers
relation-self = Self
relation-manager = Manager
relation-peer = Peers
relation-direct-report = Direct reports
