#!/usr/bin/env bash
# One matter through the protocol, typed as an IRO service would type it:
# a QAP, an overdue action and a new timescale, entry to EPCP/DRP at stage 1, stage 3,
# a concurrent CAFCASS referral, and resolution by the assistant director.
#
#   bash examples/walkthrough.sh            # uses the debug build; IRO=path/to/iro to use another
set -euo pipefail
IRO=${IRO:-"$(dirname "$0")/../target/debug/iro"}
[ -x "$IRO" ] || cargo build --quiet
export IRO_DB="$(mktemp -d)/walkthrough.db"
export IRO_TODAY=2026-11-26
run() { echo "\$ iro $*" >&2; "$IRO" "$@"; }

run init
# Business support sets the directory up, bound to the login they run iro as; once an admin or an IRO
# manager is in the directory, only they change it.
run staff add support --name "Business Support" --role admin --email support@example.gov.uk --login "$(id -un)"
run staff add asmith --name "Alex Smith" --role iro --email alex.smith@example.gov.uk --team IRO
run staff add jwhite --name "Jo White" --role iro-team-manager --email jo.white@example.gov.uk --team IRO
run staff add bking --name "Bo King" --role social-worker --email bo.king@example.gov.uk --team North
run staff add cdoe --name "Cy Doe" --role practice-supervisor --email cy.doe@example.gov.uk --team North
run staff add tgreen --name "Tam Green" --role team-manager --email tam.green@example.gov.uk --team North
run staff add mblack --name "Mo Black" --role service-manager --email mo.black@example.gov.uk --team North
run staff add adir --name "Ann Dir" --role assistant-director --email ann.dir@example.gov.uk
run child add LCS-104233 --name "Sam Jones" --team North --social-worker bking --practice-supervisor cdoe \
    --team-manager tgreen --service-manager mblack --iro asmith --iro-team-manager jwhite

# After the review on 1 October the IRO raises a QAP that day: one action within 5 working days. (Typed
# on a later day, the team manager's challenge window would run from the day they are told.)
MATTER=$(IRO_TODAY=2026-10-01 run --as asmith raise-qap LCS-104233 --category permanence \
    --summary "Permanence plan drifting" --action "Complete viability assessment" --owner bking --within 5)
echo "matter: $MATTER"

# The team manager's challenge window closed on 8 October: this is refused (exit 3).
run --as tgreen challenge "$MATTER" --reason "Assessment is booked" --on 2026-10-09 || echo "(refused, exit $?)"

# The action was due on 8 October; on the 12th a new timescale is agreed with the IRO team manager.
run --as asmith extend "$MATTER" --action 1 --within 5 --agreed-by jwhite --reason "Assessor ill" --on 2026-10-12

# Still not done: the IRO enters EPCP/DRP at stage 1; the resolution deadline is fixed now.
run --as asmith escalate "$MATTER" --stage 1 --on 2026-10-21
# No response: straight to stage 3, which skips stage 2 and so needs a reason.
run --as asmith escalate "$MATTER" --stage 3 --reason "No response from the team manager" --on 2026-10-28
run --as asmith refer-cafcass "$MATTER" --reason "Risk that the child's rights are breached" --on 2026-10-29

# The assistant director resolves it; the IRO team manager records that decision.
run --as jwhite resolve "$MATTER" --outcome "Permanence plan agreed" --resolved-by adir --on 2026-11-05
run show "$MATTER"
