#!/usr/bin/env bash
# tocsin's main job, end to end, on a private PostgreSQL: an exercise of the
# collective-response playbook, played live by an engine.
#
# Installs what is missing, builds, starts the private PostgreSQL, migrates,
# loads the playbooks, creates the demo actors (a delegation per member state,
# the secretariat, the Secretary General, the crisis centre, the peacekeeping
# command, a UNODC observer), starts an engine, and plays an exercise
# (--mode exercise) of workflows/drills/collective-response-drill.json, the
# copy of the real playbook in which an hour is a second: Tajikistan requests
# assistance, the secretariat's assessment is late and escalates, the council
# decides by consensus (Armenia abstains), the peacekeeping, border and
# humanitarian tracks are mobilised and completed, the contingent withdraws,
# the crisis closes. What happens is printed as it happens (tocsin watch), then
# show, audit and audit verify. Runs again as often as you like.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
eval "$(scripts/pg.sh start)"
T=build/release/tocsin
section() { printf '\n== %s ==\n' "$1"; }

section "the database and the playbooks"
"$T" migrate | tail -1
"$T" playbook load workflows/*.json workflows/drills/*.json

section "the actors"
for p in AM BY KZ KG RU TJ; do
  l=$(echo "$p" | tr 'A-Z' 'a-z')
  "$T" actor add "${l}_delegate" --seat "council/$p" --seat "heads_of_state/$p" --seat "defence_ministry/$p" \
    --seat "border_service/$p" --seat "emergency_ministry/$p" --login >/dev/null
done
"$T" actor add duty_officer --seat secretariat --login >/dev/null
"$T" actor add sg --seat secretary_general --login >/dev/null
"$T" actor add crisis_centre --seat crisis_centre --login >/dev/null
"$T" actor add pk_command --seat peacekeeping_command --login >/dev/null
"$T" actor add joint_staff --seat joint_staff --login >/dev/null
"$T" actor add unodc_liaison --observer UNODC --login >/dev/null
"$T" actor list

section "the exercise (one hour of the procedure is one second here)"
log=build/demo-engine.log
"$T" engine --id demo-engine --verbose 2>"$log" &
engine=$!
watcher=
cleanup() {
  [ -n "$watcher" ] && kill "$watcher" 2>/dev/null || true
  kill -TERM "$engine" 2>/dev/null && wait "$engine" 2>/dev/null || true
}
trap cleanup EXIT

id=$("$T" --as duty_officer trigger collective-response-drill --mode exercise --severity moderate \
  --title "Armed incursion in Khatlon region (exercise)" \
  --input requesting_state=TJ --input request_type=aggression --input casualties_reported=12 \
  --input "description=Tajikistan requests collective assistance under the Treaty")
"$T" watch "$id" &
watcher=$!
act() { "$T" "$@" >/dev/null; }

sleep 2.5 # the assessment is late: its ladder reaches the Secretary General
act --as duty_officer complete "$id" --state assess --data \
  '{"recommendation": "deploy", "threat_level": "severe", "contingent_size": 1500, "summary": "armed incursion confirmed; the request is founded"}'
act --as kz_delegate approve "$id" --reason "Kazakhstan stands by its ally"
act --as ru_delegate approve "$id" --reason "the Treaty obliges us"
act --as am_delegate abstain "$id" --reason "constructive abstention: Armenia will not block"
act --as kg_delegate approve "$id" --reason "instructions received from Bishkek"
act --as by_delegate approve "$id"
act --as tj_delegate approve "$id" --reason "we thank our allies"
for p in am by kz kg ru tj; do
  P=$(echo "$p" | tr 'a-z' 'A-Z')
  act --as "${p}_delegate" complete "$id" --state mobilise/peacekeeping/nominate --party "$P" \
    --data '{"personnel": 250, "units": "motorised rifle company", "ready_in_hours": 24}'
  act --as "${p}_delegate" complete "$id" --state mobilise/border/reinforce --party "$P" --data '{"posts_reinforced": 4}'
done
act --as kz_delegate complete "$id" --state mobilise/humanitarian/dispatch_aid --party KZ --data '{"aid_tonnes": 120.5, "rescuers": 80}'
act --as ru_delegate complete "$id" --state mobilise/humanitarian/dispatch_aid --party RU --data '{"aid_tonnes": 300}'
act --as crisis_centre complete "$id" --state mobilise/humanitarian/coordinate_relief
act --as pk_command complete "$id" --state mobilise/peacekeeping/deploy \
  --data '{"personnel_deployed": 1500, "deployed_at": "2026-11-30T04:00:00Z"}'
act --as duty_officer complete "$id" --state situation_report \
  --data '{"situation": "stabilised", "summary": "the incursion has been repelled; the border is closed"}'
act --as pk_command complete "$id" --state withdraw --data '{"withdrawn_at": "2026-12-06T08:00:00Z"}'
act --as sg complete "$id" --state final_report
wait "$watcher" # watch ends when the crisis closes
watcher=

section "tocsin show $id"
"$T" show "$id"
section "tocsin audit $id (who decided what, when and why)"
"$T" audit "$id"
section "tocsin audit verify"
"$T" audit verify
cleanup
trap - EXIT
cat <<MSG

The engine's log is in $log. To go on from this shell:
  eval "\$(scripts/pg.sh env)"; $T list --status all
  $T simulate workflows/border-incident.json --script tests/data/simulate/border-incident-veto-silence-broken.json
MSG
