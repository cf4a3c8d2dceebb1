"""Lints a `cloudbuilder role plan` folder with third-party tools, for tests.

- parliament (Duo Labs) audits the permission policy with its default
  auditors, as its command line runs them: malformed statements, unknown
  actions or prefixes, resource mismatches, privilege escalation;
- policy_sentry (Salesforce) classifies every allowed action by access level
  from its bundled IAM database: each must be List or Read (never Write,
  Permissions management or Tagging), and each must exist;
- cfn-lint (AWS) checks every CloudFormation template in the folder.

Usage: lint_role_plan.py PLAN_DIR
Prints one JSON object: {"parliament": [...], "access_levels": {...},
"not_read": [...], "unknown": [...], "cfn_lint": {"exit": N, "output": "..."}}.
"""

import json
import pathlib
import subprocess
import sys

from parliament import analyze_policy_string
from policy_sentry.querying.actions import get_action_data

plan = pathlib.Path(sys.argv[1])
text = (plan / "cloud-builder-policy.json").read_text()
policy = analyze_policy_string(text)
findings = [
    {"issue": f.issue, "detail": str(f.detail), "location": str(f.location)}
    for f in policy.findings
]

levels = {}
for statement in json.loads(text)["Statement"]:
    if statement["Effect"] != "Allow":
        continue
    actions = statement["Action"]
    for action in [actions] if isinstance(actions, str) else actions:
        service, name = action.split(":", 1)
        rows = get_action_data(service, name).get(service, [])
        found = {row["access_level"] for row in rows if row["action"].lower() == action.lower()}
        levels[action] = sorted(found)

templates = sorted(str(p) for p in plan.glob("*.cfn.yaml"))
lint = subprocess.run(
    [str(pathlib.Path(sys.executable).parent / "cfn-lint"), *templates],
    capture_output=True,
    text=True,
)
print(
    json.dumps(
        {
            "parliament": findings,
            "access_levels": levels,
            "not_read": sorted(a for a, l in levels.items() if l and not set(l) <= {"List", "Read"}),
            "unknown": sorted(a for a, l in levels.items() if not l),
            "templates": templates,
            "cfn_lint": {"exit": lint.returncode, "output": lint.stdout + lint.stderr},
        }
    )
)
