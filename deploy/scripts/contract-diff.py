#!/usr/bin/env python3
"""Compares the monolith's API contract with our services' OpenAPI documents.

For every operation of the contract that HAProxy routes to auth-svc, agent-svc or project-svc,
this says whether the service's document (openapi/<service>.json, or --url-<service> for a
running one's /openapi.json) has it, with a success response carrying at least the contract's
fields (where the contract names fields). Path parameters compare by position, not by name, and a
trailing slash is ignored, because the routers answer both spellings the same way.

The contract is read from openapi/contract/monolith.json: the operations of these three
services extracted from the monolith's document (../shared/reference/djinnbot-openapi.json),
kept in the repository so the check runs anywhere. `--refresh FILE` rewrites the extract from
the full document.

Operations a later issue owns are listed in deploy/scripts/contract-later.txt (one
"METHOD /path  # subject" a line); they are counted apart, not as missing. The list only
shrinks: a listed operation that a service serves fails the check until its line is removed.

Usage: deploy/scripts/contract-diff.py [--list] [--fail-on-missing] [--refresh CONTRACT.json]
Prints per service: contract operations, present, later, missing (no operation) and short
(an operation whose answer lacks contract fields); --list names them.
"""

import argparse
import json
import os
import re
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EXTRACT = os.path.join(REPO, "openapi", "contract", "monolith.json")
SERVICES = ("auth-svc", "agent-svc", "project-svc")
METHODS = ("get", "post", "put", "patch", "delete")


def segs(prefixes):
    return tuple(p.rstrip("/") for p in prefixes)


# The routing of haproxy/dev.cfg, in its order (the first match wins), plus where the contract's
# paths that HAProxy does not route yet will go (`/v1/tts`, `/v1/tts-calls`, `/v1/admin/usage`,
# `/v1/admin/tts-*`: agent-svc). Other services' prefixes are named so that their paths do not
# fall to a later, broader rule.
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
    ("project-svc", (), re.compile(r"^/v1/agents/[^/]+/projects(/[^/]+/tasks)?/?$")),
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


def resolve(doc, schema, depth=0):
    """The object schema behind refs, arrays, allOf and nullable anyOf (one level of each)."""
    if not isinstance(schema, dict) or depth > 8:
        return {}
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return resolve(doc, doc.get("components", {}).get("schemas", {}).get(name, {}), depth + 1)
    if schema.get("type") == "array" or "items" in schema:
        return resolve(doc, schema.get("items", {}), depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        if key in schema:
            merged = {"properties": {}}
            for part in schema[key]:
                merged["properties"].update(resolve(doc, part, depth + 1).get("properties", {}))
            merged["properties"].update(schema.get("properties", {}))
            return merged
    return schema


def fields(doc, op):
    """Field names of the operation's first 2xx JSON answer (empty when it names none)."""
    for code in ("200", "201", "202"):
        answer = op.get("responses", {}).get(code)
        if answer is None:
            continue
        schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
        return sorted(resolve(doc, schema).get("properties", {}))
    return []


def operations(doc):
    ops = {}
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                ops[(method.upper(), shape(path))] = (path, fields(doc, item[method]))
    return ops


def refresh(source):
    """Writes the extract: each of our services' contract operations with its answer's fields."""
    contract = operations(load(source))
    extract = {}
    for (method, _), (path, names) in sorted(contract.items(), key=lambda kv: (kv[1][0], kv[0][0])):
        if owner(path) in SERVICES:
            extract.setdefault(path, {})[method.lower()] = names
    os.makedirs(os.path.dirname(EXTRACT), exist_ok=True)
    with open(EXTRACT, "w", encoding="utf-8") as f:
        json.dump({"source": "djinnbot-openapi.json (the monolith's API)", "paths": extract},
                  f, indent=1, sort_keys=True)
        f.write("\n")


def load_extract():
    with open(EXTRACT, encoding="utf-8") as f:
        data = json.load(f)
    ops = {}
    for path, methods in data["paths"].items():
        for method, names in methods.items():
            ops[(method.upper(), shape(path))] = (path, names)
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
    parser.add_argument("--refresh", metavar="CONTRACT", help="rewrite the extract from this document")
    parser.add_argument("--later", default=os.path.join(HERE, "contract-later.txt"))
    parser.add_argument("--list", action="store_true", help="print every missing operation")
    parser.add_argument("--fail-on-missing", action="store_true")
    for service in SERVICES:
        parser.add_argument(f"--url-{service}", help=f"{service}'s /openapi.json instead of the file")
    args = parser.parse_args()

    if args.refresh:
        refresh(args.refresh)
    contract = load_extract()
    later = later_list(args.later)
    ours = {}
    for service in SERVICES:
        url = getattr(args, f"url_{service.replace('-', '_')}")
        ours[service] = operations(load(url or os.path.join(REPO, "openapi", f"{service}.json")))

    total_missing = 0
    stale = []
    print(f"{'service':<12} {'contract':>8} {'present':>8} {'later':>6} {'missing':>8} {'short':>6}")
    for service in SERVICES:
        mine = sorted(k for k in contract if owner(contract[k][0]) == service)
        served = [k for k in mine if k in ours[service]]
        lacking = {k: sorted(set(contract[k][1]) - set(ours[service][k][1])) for k in served}
        lacking = {k: v for k, v in lacking.items() if v}
        # A listed operation stays listed while it is absent or still lacks contract fields.
        deferred = [k for k in mine if k in later and (k not in ours[service] or k in lacking)]
        stale += [k for k in mine if k in later and k in ours[service] and k not in lacking]
        missing = [k for k in mine if k not in ours[service] and k not in later]
        short = {k: v for k, v in lacking.items() if k not in later}
        present = len(served) - len(lacking)
        total_missing += len(missing) + len(short)
        print(f"{service:<12} {len(mine):>8} {present:>8} {len(deferred):>6} {len(missing):>8} {len(short):>6}")
        if args.list:
            for key in missing:
                print(f"    missing {key[0]:<6} {contract[key][0]}")
            for key, names in short.items():
                print(f"    short   {key[0]:<6} {contract[key][0]}  lacks {', '.join(names)}")
            for key in deferred:
                what = f"lacks {', '.join(lacking[key])}" if key in lacking else "absent"
                print(f"    later   {key[0]:<6} {contract[key][0]}  ({what})  # {later[key]}")
    for method, path in stale:
        print(f"contract-later.txt: {method} {path} is served in full now: remove its line",
              file=sys.stderr)
    unknown = [k for k in later if k not in contract]
    for method, path in unknown:
        print(f"contract-later.txt: {method} {path} is not a contract operation", file=sys.stderr)
    if args.fail_on_missing and (total_missing or stale or unknown):
        sys.exit(1)


if __name__ == "__main__":
    main()
