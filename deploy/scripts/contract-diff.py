#!/usr/bin/env python3
"""Compares the monolith's API contract with our services' OpenAPI documents.

For every operation of the contract (../shared/reference/djinnbot-openapi.json, or --contract)
that HAProxy routes to auth-svc, agent-svc or project-svc, this says whether the service's
document (openapi/<service>.json, or --url-<service> for a running one's /openapi.json) has it.
Path parameters compare by position, not by name, and a trailing slash is ignored, because the
routers answer both spellings the same way.

Operations a later issue owns are listed in deploy/scripts/contract-later.txt (one
"METHOD /path  # subject" a line); they are counted apart, not as missing.

Usage: deploy/scripts/contract-diff.py [--contract FILE] [--list] [--fail-on-missing]
Prints per service: contract operations, present, later, missing; --list prints the missing ones.
"""

import argparse
import json
import os
import re
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_CONTRACT = os.path.join(REPO, "..", "..", "shared", "reference", "djinnbot-openapi.json")
SERVICES = ("auth-svc", "agent-svc", "project-svc")
METHODS = ("get", "post", "put", "patch", "delete")


def segs(prefixes):
    return tuple(p.rstrip("/") for p in prefixes)


# The routing of haproxy/dev.cfg, in its order (the first match wins). Other services' prefixes are
# named so that their paths do not fall to a later, broader rule.
RULES = [
    ("webhook-gw", segs(["/v1/webhooks", "/v1/github/webhooks"]), None),
    ("sse-relay", segs(["/v1/events"]), None),
    ("sse-relay", (), re.compile(r"^(?!/v1/(memory/|workspaces/|skills/|agents/[^/]+/(memory|files)/"
                                 r"|projects/[^/]+/knowledge-graph/)).*(/stream|/events)$|^/v1/admin/logs/stream/")),
    ("agent-svc", segs(["/v1/admin/llm-calls", "/v1/users/me/providers", "/v1/admin/shared-providers",
                        "/v1/admin/skills", "/v1/admin/secrets", "/v1/admin/pending-approvals",
                        "/v1/admin/usage", "/v1/admin/tts-settings", "/v1/admin/tts-sharing",
                        "/v1/admin/tts-calls", "/v1/users/me/secrets"]), None),
    ("engine-svc", (), re.compile(r"^/v1/agents/[^/]+/sessions$")),
    ("memory-svc", (), re.compile(r"^/v1/agents/[^/]+/memory")),
    ("mcp-svc", segs(["/v1/admin/mcp", "/v1/mcp"]), None),
    ("auth-svc", segs(["/v1/auth", "/v1/users", "/v1/tenants", "/v1/waitlist", "/v1/admin"]), None),
    ("agent-svc", segs(["/v1/agents", "/v1/chat", "/v1/skills", "/v1/secrets", "/v1/settings",
                        "/v1/llm-calls", "/v1/usage", "/v1/user-usage", "/v1/pulses",
                        "/v1/pulse-routines", "/v1/tts", "/v1/tts-calls"]), None),
    ("project-svc", segs(["/v1/projects", "/v1/project-templates", "/v1/onboarding",
                          "/v1/workflow-policies"]), None),
]


def owner(path):
    for service, prefixes, pattern in RULES:
        if any(path == p or path.startswith(p + "/") for p in prefixes):
            return service
        if pattern is not None and pattern.search(path):
            return service
    return None


def shape(path):
    """`/v1/skills/{skill_id}/` and `/v1/skills/{id}` compare equal."""
    return re.sub(r"\{[^}]+\}", "{}", path.rstrip("/") or "/")


def operations(doc):
    ops = {}
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                ops[(method.upper(), shape(path))] = (path, item[method])
    return ops


def load(source):
    if source.startswith("http://") or source.startswith("https://"):
        with urllib.request.urlopen(source, timeout=10) as answer:
            return json.load(answer)
    with open(source, encoding="utf-8") as f:
        return json.load(f)


def later_list(path):
    later = {}
    if not os.path.exists(path):
        return later
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            text = line.split("#", 1)
            if not text[0].strip():
                continue
            method, _, op_path = text[0].strip().partition(" ")
            subject = text[1].strip() if len(text) > 1 else ""
            if not subject:
                sys.exit(f"{path}:{number}: every line names the issue that owns it after '#'")
            later[(method.upper(), shape(op_path.strip()))] = subject
    return later


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contract", default=DEFAULT_CONTRACT)
    parser.add_argument("--later", default=os.path.join(HERE, "contract-later.txt"))
    parser.add_argument("--list", action="store_true", help="print every missing operation")
    parser.add_argument("--fail-on-missing", action="store_true")
    for service in SERVICES:
        parser.add_argument(f"--url-{service}", help=f"{service}'s /openapi.json instead of the file")
    args = parser.parse_args()

    contract = operations(load(args.contract))
    later = later_list(args.later)
    ours = {}
    for service in SERVICES:
        url = getattr(args, f"url_{service.replace('-', '_')}")
        ours[service] = operations(load(url or os.path.join(REPO, "openapi", f"{service}.json")))

    total_missing = 0
    print(f"{'service':<12} {'contract':>8} {'present':>8} {'later':>6} {'missing':>8}")
    for service in SERVICES:
        mine = sorted(k for k in contract if owner(contract[k][0]) == service)
        present = [k for k in mine if k in ours[service]]
        deferred = [k for k in mine if k not in ours[service] and k in later]
        missing = [k for k in mine if k not in ours[service] and k not in later]
        total_missing += len(missing)
        print(f"{service:<12} {len(mine):>8} {len(present):>8} {len(deferred):>6} {len(missing):>8}")
        if args.list:
            for method, _ in missing:
                print(f"    missing {method:<6} {contract[(method, _)][0]}")
            for key in deferred:
                print(f"    later   {key[0]:<6} {contract[key][0]}  # {later[key]}")
    stale = [k for k in later if any(k in ours[s] for s in SERVICES)]
    for method, path in stale:
        print(f"contract-later.txt: {method} {path} is served now: remove its line", file=sys.stderr)
    if args.fail_on_missing and (total_missing or stale):
        sys.exit(1)


if __name__ == "__main__":
    main()
