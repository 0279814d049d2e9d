### The audit log's words (/admin/audit): each action's name, the kind of thing an entry
### names, and who did it. The API always shows the stored names.

## Actions
audit-action-import-people = import people
audit-action-import-customers = import customers
audit-action-email-changed = email changed
audit-action-deactivated = deactivated
audit-action-edit-person = edit person
audit-action-save-survey = save survey
audit-action-save-cycle = save cycle
audit-action-close-cycle = close cycle
audit-action-set-weights-by-role = set weights by role
audit-action-create-invitations = create invitations
audit-action-launch = launch
audit-action-remind = remind
audit-action-remind-person = remind person
audit-action-revoke-invitations = revoke invitations
audit-action-reissue-invitations = reissue invitations
audit-action-approve-nominations = approve nominations
audit-action-share-feedback = share feedback
audit-action-create-api-key = create api key
audit-action-revoke-api-key = revoke api key
audit-action-grant-admin = grant admin
audit-action-remove-admin = remove admin
audit-action-sign-out = sign out
audit-action-create-webhook = create webhook
audit-action-delete-webhook = delete webhook
audit-action-test-webhook = test webhook
audit-action-save-schedule = save schedule
audit-action-delete-schedule = delete schedule
audit-action-export-person = export person
audit-action-export-customer = export customer
audit-action-erase-customer = erase customer
audit-action-retention-sweep = retention sweep
audit-action-scim-create-person = scim create person
audit-action-scim-replace-person = scim replace person
audit-action-scim-patch-person = scim patch person
audit-action-scim-deactivate-person = scim deactivate person

## The kind of thing an entry names, before its id (`person E1001`)
audit-target-person = person
audit-target-people = people
audit-target-customer = customer
audit-target-customers = customers
audit-target-key = key
audit-target-cycle = cycle
audit-target-survey = survey
audit-target-webhook = webhook
audit-target-schedule = schedule

## Who did it
# `{ $name }`: the key's name.
audit-actor-api-key = API key { $name }
audit-actor-cli = cli
audit-actor-system = worker
