// Portal: the rules of the provincial regulations — agencies, accounts, roles, the editor ->
// approver workflow, the approved catalogue, deadlines, feedback, audit. Knows nothing of HTTP.
