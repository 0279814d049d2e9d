### The analytics pages and exports (CONTRACT §13): heatmap, comparisons, participation, the workbook.

analytics-heatmap-title = Heatmap by team
# `{what}`: a cycle's title or a period.
analytics-heatmap-caption = { $what }: each team's scores by indicator (0–100, n answers)
analytics-participation-title = Participation
# `{what}`.
analytics-participation-caption = { $what }: invitations by team and relation
analytics-analytics-links = Analytics:
# `{n}`.
analytics-people = { $n } people
analytics-no-team = No team
analytics-show-relations = Show relations
analytics-hide-relations = Hide relations
analytics-overall = All
analytics-withheld = Withheld
# `{why}`: a withheld cell's reason.
analytics-withheld-because = Withheld ({ $why })
# `{cycles}`.
analytics-pooled = Closed cycles pooled: { $cycles }.
# `{cycles}`.
analytics-left-out = Still open, so left out: { $cycles }.
analytics-nothing-pooled = No closed cycle here yet: scores appear once a cycle closes.
# `{cycles}`: cycles in no month, quarter or year.
analytics-no-period = Without a period, so in no month, quarter or year: { $cycles }.
# `{period}`: one person's report pooled over a period.
analytics-person-pooled = Pooled over { $period }. Each cycle's own report, with its comments:
analytics-heatmap-note = Each cell pools the released answers about the team's people that you may see. A group withheld in its own cycle (too few raters) never enters a team's cell, so no cell reveals it.
analytics-legend-title = How to read the cells
# The five bands of the scale, lowest first, and what a hatched cell means.
analytics-bands-1 = 0–19 very low
analytics-bands-2 = 20–39 low
analytics-bands-3 = 40–59 middle
analytics-bands-4 = 60–79 high
analytics-bands-5 = 80–100 very high
analytics-hatched = Hatched: withheld or no answers (the reason is written in the cell)
# `{team}`, `{indicator}`: a cell's link, for people who hear the page.
analytics-open-team = { $team }: { $indicator }, open the team's view
analytics-download = Download (Excel)
# `{team}`.
analytics-team-filter = Team: { $team }
analytics-all-teams = All teams
analytics-cycle = Cycle
analytics-answered = Answered
analytics-declined = Declined
analytics-rate = Response rate
analytics-participation-note = Counts only: nobody's answer to an anonymous review is ever shown, nor who answered it.
analytics-no-participation = No invitations here yet.
analytics-compare-label = Compare with
analytics-compare-none = No comparison
# `{period}`.
analytics-compare-note = Beside each score: the same score in { $period } and the difference. An arrow ↑ or ↓ marks a change only where the two 95 % intervals do not overlap; a difference without an arrow may be noise.
# `{period}`: the compared score's label.
analytics-then = { $period }
analytics-change = Change
analytics-up = higher, intervals apart
analytics-down = lower, intervals apart
# A workbook's sheets: scores, participation.
analytics-sheets-1 = Scores
analytics-sheets-2 = Participation
analytics-score-headers-1 = Cycle or period
analytics-score-headers-2 = Status
analytics-score-headers-3 = Final
analytics-score-headers-4 = Person ID
analytics-score-headers-5 = Name
analytics-score-headers-6 = Team
analytics-score-headers-7 = Indicator
analytics-score-headers-8 = Score
analytics-score-headers-9 = n
analytics-score-headers-10 = SD
analytics-score-headers-11 = 95 % CI low
analytics-score-headers-12 = 95 % CI high
analytics-score-headers-13 = CSAT
analytics-score-headers-14 = NPS
analytics-score-headers-15 = Withheld
analytics-score-headers-16 = Score status
# A relation's two columns, each with `{relation}`: its score and its n.
analytics-relation-columns-1 = { $relation }: score
analytics-relation-columns-2 = { $relation }: n
analytics-participation-headers-1 = Cycle
analytics-participation-headers-2 = Team
analytics-participation-headers-3 = Relation
analytics-participation-headers-4 = Invited
analytics-participation-headers-5 = Answered
analytics-participation-headers-6 = Declined
analytics-participation-headers-7 = Response rate
# A score's status in a workbook: ok, open, below_threshold, no_data.
analytics-score-status-1 = Shown
analytics-score-status-2 = Results at close
analytics-score-status-3 = Too few raters
analytics-score-status-4 = No answers
