### Sign-in through the identity provider, and the people directory (/admin/people).

# "Sign in with {name}".
identity-sign-in-with = Sign in with { $name }
# The provider's name when the configuration gives none.
identity-your-organisation = your organisation
identity-or-by-email = Or get a sign-in link by email:
identity-refused-title = Sign-in did not work
# `{email}`: the address the provider vouched for.
identity-unknown-body = Your organisation's sign-in confirmed the address { $email }, but no one in Candor has it. Ask HR to add you or to correct your address.
identity-email-unverified-body = Your organisation's sign-in did not confirm your email address, so Candor cannot tell who you are. Ask your IT team to confirm it at the identity provider.
identity-expired-body = This sign-in has expired or was used already. Start again.
identity-mismatch-body = This sign-in was not started in this browser, so it was refused. Start again from the sign-in page.
# `{name}`: the provider.
identity-declined-body = The sign-in was cancelled or refused at { $name }.
identity-unverified-body = Candor could not verify the answer from { $name }. Try again; if it keeps happening, tell your IT team.
identity-unreachable-body = { $name } could not be reached. Try again in a moment.
identity-links-off-body = Sign-in links are not sent by email here: sign in with your organisation's account instead.
identity-too-many-sign-ins = Too many sign-ins were started from your network. Wait a minute and try again.
identity-people-title = People
identity-people-intro = Everyone in the org chart. Changes here pass the same checks as an import; who manages whom shows on each line.
identity-search-label = Search by name, email, id or team
identity-search-button = Search
identity-people-count = { $n } found
identity-page-of = Page { $page } of { $pages }
identity-previous = Previous
identity-next = Next
identity-no-people = No one matches.
identity-reports-to = Reports to:{" "}
identity-manages = Manages:{" "}
identity-no-manager = no one
identity-inactive = Inactive
identity-edit-person = Edit:{" "}
identity-name-label = Name
identity-email-label = Email
identity-manager-label = Manager (id)
identity-team-label = Team
identity-role-label = Role
identity-role-hint = A snake_case label such as sales_manager; cycles may weigh by it.
identity-active-label = Active
identity-confirm-deactivate = Yes, deactivate: their open reviews are revoked and they are signed out; their history stays.
identity-save = Save
identity-saved = Saved: { $name }
identity-deactivate-unconfirmed = Tick the box to confirm the deactivation.
identity-err-invalid-id = The manager id may only use letters, digits and - _ . :
identity-weights-by-role = Weights by role
identity-weights-by-role-hint = For subjects of a role these weights replace the cycle's. Leave a row empty to use the cycle's weights.
identity-save-weights = Save weights
identity-weights-saved = Weights by role saved.
identity-err-weights = Weights are numbers from 0 to 100, and a row may not be all 0.
identity-weights-closed = The cycle is closed: its weights no longer change.
identity-no-roles = No one has a role yet: set roles on the People page.
# `{m}`, `{p}`, `{d}`: the cycle's own weights.
identity-weights-default = The cycle's own weights: manager { $m }, peer { $p }, direct report { $d }.
