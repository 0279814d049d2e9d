-- Every submission updates invitations.completed; this index made each one pay for a second
-- B-tree write, while the few queries that filter on completion already narrow by cycle
-- through invitations_cycle_survey.
DROP INDEX invitations_open;
