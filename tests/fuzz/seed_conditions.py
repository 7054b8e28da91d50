#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_condition from the repository's own files:
every "when" of the playbooks of workflows/ and tests/data/playbooks/valid/
behind the name of its playbook, each after one of the durations the
playbooks and tests/data/simulate's scripts write, and before the data of a
script's completions (as data.<state>[.<party>] hold them); then each
duration alone.

    seed_conditions.py SOURCE-DIR OUTPUT-DIR
"""
import glob
import json
import re
import sys

source, out = sys.argv[1], sys.argv[2]
durations, conditions, datas = set(), [], []


def walk(value, playbook):
    if isinstance(value, dict):
        for key, member in value.items():
            if key == "when":
                conditions.append((playbook, member))
            elif isinstance(member, str) and re.match(r"^P[0-9T]", member):
                durations.add(member)
            walk(member, playbook)
    elif isinstance(value, list):
        for member in value:
            walk(member, playbook)


playbooks = glob.glob(source + "/workflows/*.json") + glob.glob(source + "/workflows/drills/*.json")
for path in sorted(playbooks + glob.glob(source + "/tests/data/playbooks/valid/*.json")):
    with open(path) as f:
        doc = json.load(f)
    walk(doc, doc.get("name", ""))
for path in sorted(glob.glob(source + "/tests/data/simulate/*.json")):
    data = {}
    with open(path) as f:
        for event in json.load(f)["events"]:
            if "complete" in event and "data" in event:
                state = data.setdefault(event["complete"], {})
                (state.setdefault(event["party"], {}) if "party" in event else state).update(event["data"])
            if "at" in event:
                durations.add(event["at"])
    datas.append(data)
durations = sorted(durations)
for i, (playbook, when) in enumerate(conditions):
    with open(f"{out}/condition-{i:02d}", "w") as f:
        f.write(f"{durations[i % len(durations)]}\n{playbook}\n{json.dumps(when)}\n{json.dumps(datas[i % len(datas)])}\n")
for i, duration in enumerate(durations):
    with open(f"{out}/duration-{i:02d}", "w") as f:
        f.write(duration + "\n")
