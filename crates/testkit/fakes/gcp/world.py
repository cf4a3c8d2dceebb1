"""The GCP fake's in-memory world and what each served API method does to it.

`World` holds the seeded organization (folders, projects, resources, service
accounts, IAM policies, custom roles, audit log entries, billing export rows),
the state clients create (roles, Workload Identity pools/providers, operations,
BigQuery jobs, minted tokens), and the behaviours tests switch on. Every
handler runs under one lock, so a setIamPolicy etag compare-and-swap is atomic.

Handlers raise `ApiError` for the answers Google gives to well-formed requests
(NOT_FOUND, ALREADY_EXISTS, ABORTED, PERMISSION_DENIED, FAILED_PRECONDITION);
`invalid=True` marks the ones that mean the client broke the API's rules (they
are counted as invalid, like a request the discovery document rejects).
"""

import base64
import datetime
import fnmatch
import hashlib
import json
import os
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid

import exprs
from discovery import format_time, parse_time

STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
          409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 501: "UNIMPLEMENTED",
          503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}

DEFAULT_BEHAVE = {
    "page_size": {},                 # {"*" or method id: cap}
    "set_iam_conflicts": None,       # {"count": n, "resource": "projects/p1"?, "add_binding": {...}?}
    "deny": [],                      # ["projects/p2", {"resource": "...", "methods": ["logging.*"]}]
    "faults": [],                    # [{"method": glob, "resource": prefix?, "code": 429, "count": 1, "retry_after": s}]
    "quota": {"cloudasset.searchAllResources": {"limit": 400, "window_seconds": 60}},
    "default_consumer": "projects/unknown-consumer",
    "bq_incomplete": 0,              # next N jobs.query answer jobComplete=false
    "lro_pending_polls": 0,          # operations.get answers done=false this many times first
    "enforce_iam": False,            # check callers' permissions for known principals
    "strict_tokens": False,          # reject bearer tokens the fake does not know
    "clock_offset_seconds": 0,
    "aws_sts_endpoint": None,        # e.g. moto's URL, to verify AWS subject tokens
    "max_token_lifetime_seconds": 3600,
    "soft_delete_roles": [],         # role names to mark deleted now
}

ROLE_ID = re.compile(r"^[a-zA-Z0-9_.]{3,64}$")
PERMISSION = re.compile(r"^[a-z][a-zA-Z0-9]*(\.[a-zA-Z0-9]+){2,}$")
POOL_ID = re.compile(r"^[a-z0-9-]{4,32}$")
MEMBER = re.compile(
    r"^(allUsers|allAuthenticatedUsers"
    r"|(user|serviceAccount|group|deleted:user|deleted:serviceAccount|deleted:group):[^\s@]+@[^\s@]+"
    r"|domain:[a-z0-9.-]+\.[a-z]+"
    r"|principal://\S+|principalSet://\S+"
    r"|project(Owner|Editor|Viewer):\S+)$")
ROLE_REF = re.compile(r"^(roles/[\w.]+|(organizations|projects)/[^/]+/roles/[\w.]+)$")

# Predefined roles the fake knows (a seed's "predefined_roles" adds more). A
# role absent here grants nothing when permissions are evaluated.
PREDEFINED = {
    "roles/owner": ["*"],
    "roles/editor": ["*"],
    "roles/viewer": ["re:.*\\.(get|list|search\\w*|getIamPolicy)$"],
    "roles/browser": ["resourcemanager.organizations.get", "resourcemanager.folders.get",
                      "resourcemanager.folders.list", "resourcemanager.projects.get",
                      "resourcemanager.projects.list", "resourcemanager.projects.getIamPolicy",
                      "resourcemanager.folders.getIamPolicy"],
    "roles/iam.serviceAccountTokenCreator": ["iam.serviceAccounts.get", "iam.serviceAccounts.getAccessToken",
                                             "iam.serviceAccounts.getOpenIdToken", "iam.serviceAccounts.signBlob",
                                             "iam.serviceAccounts.signJwt", "iam.serviceAccounts.implicitDelegation"],
    "roles/iam.workloadIdentityUser": ["iam.serviceAccounts.get", "iam.serviceAccounts.getAccessToken",
                                       "iam.serviceAccounts.getOpenIdToken", "iam.serviceAccounts.list"],
    "roles/cloudasset.viewer": ["re:cloudasset\\.assets\\..*", "resourcemanager.projects.get"],
    "roles/logging.viewer": ["logging.logEntries.list", "logging.logs.list", "resourcemanager.projects.get"],
    "roles/iam.securityReviewer": ["re:.*\\.getIamPolicy$", "iam.roles.get", "iam.roles.list"],
}

AWS_DEFAULT_MAPPING = {
    "google.subject": "assertion.arn",
    "attribute.aws_role": "assertion.arn.contains('assumed-role') ? assertion.arn.extract('{account_arn}assumed-role/')"
                          " + 'assumed-role/' + assertion.arn.extract('assumed-role/{role_name}/') : assertion.arn",
}

DEFAULT_RESULT_FIELDS = ["name", "assetType", "project", "folders", "organization", "displayName", "description",
                         "location", "labels", "tags", "effectiveTags", "networkTags", "kmsKeys", "createTime",
                         "updateTime", "state", "additionalAttributes", "parentFullResourceName", "parentAssetType"]
SORTABLE = {"name", "assetType", "project", "displayName", "description", "location", "createTime", "updateTime",
            "state", "parentFullResourceName", "parentAssetType"}
BILLING_SCHEMA = [("usage_date", "DATE"), ("service", "STRING"), ("project_id", "STRING"),
                  ("cost", "FLOAT"), ("currency", "STRING")]


class ApiError(Exception):
    def __init__(self, code, message, status=None, reason=None, invalid=False, metadata=None,
                 headers=None, oauth=None, bq_reason=None):
        super().__init__(message)
        self.code, self.message = code, message
        self.status = status or STATUS.get(code, "UNKNOWN")
        self.reason, self.invalid, self.metadata = reason, invalid, metadata or {}
        self.headers = headers or {}
        self.oauth = oauth          # STS answers OAuth errors: {"error": ..., "error_description": ...}
        self.bq_reason = bq_reason  # BigQuery adds "errors": [{"reason": ...}]

    def body(self, domain):
        if self.oauth:
            return {"error": self.oauth, "error_description": self.message}
        err = {"code": self.code, "message": self.message, "status": self.status}
        if self.reason:
            err["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": self.reason,
                               "domain": domain, "metadata": self.metadata}]
        if self.bq_reason:
            err["errors"] = [{"message": self.message, "domain": "global", "reason": self.bq_reason}]
        return {"error": err}


def invalid(message, code=400, status=None, **kw):
    return ApiError(code, message, status=status, invalid=True, **kw)


def denied(permission, resource):
    return ApiError(403, f"Permission '{permission}' denied on resource '{resource}' (or it may not exist).",
                    reason="IAM_PERMISSION_DENIED", metadata={"permission": permission, "resource": resource})


def new_etag():
    return base64.b64encode(os.urandom(8)).decode()


def rfc3339(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def project_number(project_id):
    return str(100000000000 + int(hashlib.sha1(project_id.encode()).hexdigest(), 16) % 899999999999)


class Ctx:
    """One request as the handlers see it."""

    def __init__(self, method, params, query, body, headers, principal=None, principals=(), consumer=None):
        self.method, self.params, self.query, self.body = method, params, query, body
        self.headers, self.principal, self.principals, self.consumer = headers, principal, set(principals), consumer
        self.derived = {}  # facts for the request history (e.g. a filter's timestamp bounds)


class World:
    def __init__(self, registry, seed):
        self.registry = registry
        self.lock = threading.RLock()
        self.behave = json.loads(json.dumps(DEFAULT_BEHAVE))
        self.load(seed)

    # ------------------------------------------------------------------ seed
    def now(self):
        return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
            seconds=self.behave.get("clock_offset_seconds") or 0)

    def load(self, seed):
        """Replace the world with a seed; a bad seed leaves the previous world in place."""
        with self.lock:
            saved = dict(self.__dict__)
            try:
                self._load(seed)
            except Exception:
                self.__dict__.clear()
                self.__dict__.update(saved)
                raise

    def _load(self, seed):
        with self.lock:
            self.seed = seed
            org = seed.get("organization", {"id": "123456789012", "displayName": "example.com"})
            base = "2025-01-01T00:00:00Z"
            self.org = {"id": str(org["id"]), "displayName": org.get("displayName", "example.com"),
                        "directoryCustomerId": org.get("directoryCustomerId", "C0fake000"),
                        "createTime": org.get("createTime", base)}
            self.folders, self.projects, self.by_number = {}, {}, {}
            for f in seed.get("folders", []):
                fid = str(f["id"]).removeprefix("folders/")
                self.folders[fid] = {"id": fid, "displayName": f.get("displayName", fid),
                                     "parent": f.get("parent", f"organizations/{self.org['id']}"),
                                     "createTime": f.get("createTime", base), "state": f.get("state", "ACTIVE")}
            for p in seed.get("projects", []):
                pid = p["projectId"]
                num = str(p.get("number") or project_number(pid))
                self.projects[pid] = {"projectId": pid, "number": num, "displayName": p.get("displayName", pid),
                                      "parent": p.get("parent", f"organizations/{self.org['id']}"),
                                      "labels": p.get("labels", {}), "state": p.get("state", "ACTIVE"),
                                      "createTime": p.get("createTime", base)}
                self.by_number[num] = pid
            for parent in [f["parent"] for f in self.folders.values()] + [p["parent"] for p in self.projects.values()]:
                if not self._container_exists(parent):
                    raise ValueError(f"seed: parent {parent} does not exist")
            self.service_accounts = {}
            self.resources = []
            self.policies = {}
            self.roles = {}
            self.pools, self.providers, self.operations = {}, {}, {}
            self.log_entries = []
            self.jobs = {}
            self.tokens = {}
            self.aws_identities = dict(seed.get("aws_identities", {}))
            self.predefined = dict(PREDEFINED)
            self.predefined.update(seed.get("predefined_roles", {}))
            b = seed.get("billing_export") or {}
            self.billing = {"table": b.get("table", "billing-admin.billing_export.gcp_billing_export_v1_000000_000000_000000"),
                            "location": b.get("location", "US"), "rows": []}
            for sa in seed.get("service_accounts", []):
                self._add_service_account(sa)
            self.append({"resources": seed.get("resources", []), "log_entries": seed.get("log_entries", [])})
            self._generate(seed.get("generate", {}))
            for name, pol in seed.get("policies", {}).items():
                key = self.policy_key(name)
                self.policies[key] = self._normalize_policy(pol, key)
            for r in seed.get("roles", []):
                role = {"name": r["name"], "title": r.get("title", r["name"].rsplit("/", 1)[1]),
                        "description": r.get("description", ""), "includedPermissions": list(r.get("includedPermissions", [])),
                        "stage": r.get("stage", "GA"), "etag": new_etag(), "deleted": bool(r.get("deleted"))}
                self._role_parent(role["name"])
                self.roles[role["name"]] = role
            for tok, principal in seed.get("tokens", {}).items():
                self.tokens[tok] = {"principal": principal, "principals": {principal}, "expires": None}
            self.append({"billing_rows": b.get("rows", [])})
            for pool in seed.get("workload_identity_pools", []):
                self.pools[pool["name"]] = dict({"state": "ACTIVE"}, **pool)
            for prov in seed.get("workload_identity_pool_providers", []):
                self.providers[prov["name"]] = dict({"state": "ACTIVE"}, **prov)

    def append(self, more):
        """Add resources / log entries / billing rows (seed or POST /_fake/append)."""
        with self.lock:
            resources = [self._resource(r) for r in more.get("resources", [])]
            entries = [self._log_entry(e) for e in more.get("log_entries", [])]
            rows = []
            for row in more.get("billing_rows", []):
                missing = [k for k, _ in BILLING_SCHEMA if k not in row]
                if missing:
                    raise ValueError(f"billing row {row} lacks {missing}")
                datetime.date.fromisoformat(row["usage_date"])
                rows.append(dict(row))
            saved = (dict(self.service_accounts), list(self.resources))
            try:
                for sa in more.get("service_accounts", []):
                    self._add_service_account(sa)
            except Exception:
                self.service_accounts, self.resources = saved
                raise
            self.resources += resources
            self.log_entries += entries
            self.billing["rows"] += rows
            return {"resources": len(self.resources), "log_entries": len(self.log_entries),
                    "billing_rows": len(self.billing["rows"]), "service_accounts": len(self.service_accounts)}

    def _check_schema(self, api, schema, value, what):
        out, errors = self.registry.check_value(self.registry.apis[api], value, {"$ref": schema}, "response")
        if errors:
            raise ValueError(f"seed {what} breaks {api} {schema}: {errors[:3]}")
        return out

    def _resource(self, r):
        r = dict(r)
        pid = self._project_id(r.pop("project", None) or "")
        if pid is None:
            raise ValueError(f"seed resource {r.get('name')} names no known project")
        p = self.projects[pid]
        if "name" not in r or "assetType" not in r:
            raise ValueError(f"seed resource needs name and assetType: {r}")
        r["project"] = f"projects/{p['number']}"
        r["folders"] = self._folder_chain(p["parent"])
        r["organization"] = f"organizations/{self.org['id']}"
        r.setdefault("displayName", r["name"].rsplit("/", 1)[-1])
        r.setdefault("parentFullResourceName", f"//cloudresourcemanager.googleapis.com/projects/{pid}")
        r.setdefault("parentAssetType", "cloudresourcemanager.googleapis.com/Project")
        if not r["folders"]:
            del r["folders"]
        self._check_schema("cloudasset", "ResourceSearchResult", r, "resource")
        return (pid, r)

    def _log_entry(self, e):
        e = dict(e)
        if "logName" not in e:
            parent = e.pop("parent", None)
            if not parent:
                raise ValueError(f"log entry needs logName or parent: {e}")
            e["logName"] = f"{parent}/logs/cloudaudit.googleapis.com%2Factivity"
        e.pop("parent", None)
        parent = e["logName"].split("/logs/")[0]
        kind, _, ident = parent.partition("/")
        if kind == "projects":
            pid = self._project_id(ident)
            if pid is None:
                raise ValueError(f"log entry for unknown project {ident}")
            parent = f"projects/{pid}"
            e["logName"] = f"{parent}/logs/" + e["logName"].split("/logs/")[1]
        if "timestamp" not in e:
            raise ValueError(f"log entry needs a timestamp: {e}")
        e.setdefault("insertId", uuid.uuid4().hex[:16])
        e.setdefault("receiveTimestamp", e["timestamp"])
        e.setdefault("severity", "NOTICE")
        e.setdefault("resource", {"type": "project", "labels": {"project_id": parent.split("/")[1]}}
                     if kind == "projects" else {"type": kind[:-1], "labels": {}})
        self._check_schema("logging", "LogEntry", e, "log entry")
        return (parent, e)

    def _add_service_account(self, sa):
        email = sa["email"]
        pid = sa.get("project") or (email.split("@")[1].split(".")[0] if email.endswith(".iam.gserviceaccount.com") else None)
        if pid not in self.projects:
            raise ValueError(f"service account {email}: project {pid} is not seeded")
        uid = sa.get("uniqueId") or str(int(hashlib.sha1(email.encode()).hexdigest(), 16) % 10**21).rjust(21, "1")
        self.service_accounts[email] = {"email": email, "projectId": pid, "uniqueId": uid,
                                        "displayName": sa.get("displayName", email.split("@")[0])}
        self.resources.append(self._resource({
            "project": pid, "assetType": "iam.googleapis.com/ServiceAccount",
            "name": f"//iam.googleapis.com/projects/{pid}/serviceAccounts/{uid}",
            "displayName": sa.get("displayName", email.split("@")[0]), "location": "global", "state": "ENABLED",
            "additionalAttributes": {"email": email, "oauth2ClientId": uid}}))

    def _generate(self, gen):
        per = gen.get("resources_per_project", {})
        n_logs = gen.get("audit_entries_per_project", 0)
        start = parse_time(gen.get("audit_start", "2026-11-01T00:00:00Z"))
        step = gen.get("audit_interval_seconds", 3600)
        for pid in self.projects:
            for asset_type, count in per.items():
                for i in range(count):
                    self.resources.append(self._resource(_synthetic(pid, asset_type, i)))
            for i in range(n_logs):
                ts = start + datetime.timedelta(seconds=i * step)
                self.log_entries.append(self._log_entry({
                    "logName": f"projects/{pid}/logs/cloudaudit.googleapis.com%2Factivity",
                    "timestamp": format_time(ts), "insertId": f"{pid}-{i:06d}", "severity": "NOTICE",
                    "protoPayload": {"@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                                     "serviceName": "compute.googleapis.com", "methodName": "v1.compute.instances.insert",
                                     "resourceName": f"projects/{pid}/zones/us-central1-a/instances/vm-{i}",
                                     "authenticationInfo": {"principalEmail": "admin@example.com"}}}))

    # ------------------------------------------------------------------ names
    def _project_id(self, ident):
        ident = ident.removeprefix("projects/")
        if ident in self.projects:
            return ident
        return self.by_number.get(ident)

    def _container_exists(self, name):
        kind, _, ident = name.partition("/")
        return ((kind == "organizations" and ident == self.org["id"]) or (kind == "folders" and ident in self.folders)
                or (kind == "projects" and self._project_id(ident) is not None))

    def _folder_chain(self, parent):
        out = []
        while parent.startswith("folders/"):
            out.append(parent)
            parent = self.folders[parent.split("/")[1]]["parent"]
        return out

    def ancestors(self, container):
        """['projects/p', 'folders/..', ..., 'organizations/o'] for a container name."""
        out = []
        cur = container
        while cur:
            out.append(cur)
            kind, _, ident = cur.partition("/")
            if kind == "projects":
                cur = self.projects[ident]["parent"]
            elif kind == "folders":
                cur = self.folders[ident]["parent"]
            else:
                cur = None
        return out

    def canonical(self, name):
        """Resource names with project numbers/`-` turned into project IDs (for matching)."""
        parts = name.split("/")
        if len(parts) >= 2 and parts[0] == "projects":
            if parts[1] == "-" and len(parts) >= 4 and parts[2] == "serviceAccounts":
                sa = self.find_sa(parts[3])
                if sa:
                    parts[1] = sa["projectId"]
                    parts[3] = sa["email"]
            else:
                pid = self._project_id(parts[1])
                if pid:
                    parts[1] = pid
        return "/".join(parts)

    def find_sa(self, ident):
        if ident in self.service_accounts:
            return self.service_accounts[ident]
        for sa in self.service_accounts.values():
            if sa["uniqueId"] == ident:
                return sa
        return None

    # ------------------------------------------------------------------ tokens & principals
    def mint(self, principal, lifetime, principals=None, attributes=None):
        tok = "ya29.fake." + base64.urlsafe_b64encode(os.urandom(24)).decode().rstrip("=")
        expires = self.now() + datetime.timedelta(seconds=lifetime)
        self.tokens[tok] = {"principal": principal, "principals": set(principals or {principal}),
                            "expires": expires, "attributes": attributes or {}}
        return tok, expires

    def authenticate(self, token):
        """(principal or None, principals) for a bearer token; raises ApiError when refused."""
        with self.lock:
            info = self.tokens.get(token)
            if info is None:
                if self.behave.get("strict_tokens"):
                    raise invalid("Request had invalid authentication credentials. Expected OAuth 2 access token, "
                                  "login cookie or other valid authentication credential.", code=401,
                                  reason="ACCESS_TOKEN_TYPE_UNSUPPORTED")
                return None, set()
            if info["expires"] is not None and info["expires"] <= self.now():
                raise invalid("Request had invalid authentication credentials (the access token expired).", code=401,
                              reason="ACCESS_TOKEN_EXPIRED")
            return info["principal"], set(info["principals"])

    def role_permissions(self, role):
        if role in self.roles:
            r = self.roles[role]
            return [] if r.get("deleted") or r.get("stage") == "DISABLED" else r.get("includedPermissions", [])
        return self.predefined.get(role, [])

    def _policy_chain(self, resource):
        """Policies that apply to a resource: its own, then its ancestors'."""
        key = self.canonical(resource)
        parts = key.split("/")
        chain = [key]
        if parts[0] in ("projects", "folders", "organizations"):
            container = "/".join(parts[:2])
            if self._container_exists(container):
                chain += [c for c in self.ancestors(container) if c != key]
        return chain

    def has_permission(self, principals, resource, permission):
        for key in self._policy_chain(resource):
            pol = self.policies.get(key)
            if not pol:
                continue
            for b in pol.get("bindings", []):
                if not principals.intersection(b.get("members", [])):
                    continue
                for p in self.role_permissions(b["role"]):
                    if p == "*" or p == permission or (p.startswith("re:") and re.fullmatch(p[3:], permission)):
                        return True
        return False

    def authorize(self, ctx, permission, resource, full_name=None):
        """With enforce_iam on, a known caller must hold the permission (unknown tokens act as admin)."""
        if not self.behave.get("enforce_iam") or ctx.principal is None:
            return
        if not self.has_permission(ctx.principals | {"allAuthenticatedUsers", "allUsers"}, resource, permission):
            raise denied(permission, full_name or resource)

    # ------------------------------------------------------------------ behaviours
    def is_denied(self, method_id, resource):
        res = self.canonical(resource)
        for d in self.behave.get("deny", []):
            entry = d if isinstance(d, dict) else {"resource": d}
            target = self.canonical(entry["resource"])
            methods = entry.get("methods", ["*"])
            if (res == target or res.startswith(target + "/")) and any(fnmatch.fnmatchcase(method_id, m) for m in methods):
                return True
        return False

    def page_cap(self, method_id, default, hard_cap, requested):
        if requested is not None and requested < 0:
            raise invalid("page size must not be negative")
        size = requested if requested else default
        size = min(size, hard_cap)
        caps = self.behave.get("page_size") or {}
        cap = caps.get(method_id, caps.get("*"))
        return min(size, cap) if cap else size

    @staticmethod
    def _digest(method_id, identity):
        return hashlib.sha1((method_id + json.dumps(identity, sort_keys=True)).encode()).hexdigest()[:12]

    def paginate(self, ctx, items, default, hard_cap, size=None, token=None, identity=None):
        method_id = ctx.method.id
        size = self.page_cap(method_id, default, hard_cap, size)
        digest = self._digest(method_id, identity)
        offset = 0
        if token:
            try:
                raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
                offset, their = int(raw["o"]), raw["d"]
            except (ValueError, KeyError, TypeError):
                raise invalid(f"page token {token[:40]!r} is not one this method issued")
            if their != digest:
                raise invalid("page token does not match the request: every parameter other than the page "
                              "token and size must be the same as in the call that returned it")
        chunk = items[offset:offset + size]
        nxt = None
        if offset + size < len(items):
            nxt = base64.urlsafe_b64encode(json.dumps({"o": offset + size, "d": digest}).encode()).decode().rstrip("=")
        return chunk, nxt

    # ------------------------------------------------------------------ Resource Manager
    def _org_json(self):
        o = self.org
        return {"name": f"organizations/{o['id']}", "displayName": o["displayName"],
                "directoryCustomerId": o["directoryCustomerId"], "state": "ACTIVE", "createTime": o["createTime"],
                "updateTime": o["createTime"], "etag": _stable_etag("org" + o["id"])}

    def _folder_json(self, f):
        return {"name": f"folders/{f['id']}", "parent": f["parent"], "displayName": f["displayName"],
                "state": f["state"], "createTime": f["createTime"], "updateTime": f["createTime"],
                "etag": _stable_etag("folder" + f["id"])}

    def _project_json(self, p):
        out = {"name": f"projects/{p['number']}", "parent": p["parent"], "projectId": p["projectId"],
               "state": p["state"], "displayName": p["displayName"], "createTime": p["createTime"],
               "updateTime": p["createTime"], "etag": _stable_etag("project" + p["projectId"])}
        if p["labels"]:
            out["labels"] = dict(p["labels"])
        return out

    def _need_org(self, name, permission):
        if name != f"organizations/{self.org['id']}":
            raise denied(permission, f"//cloudresourcemanager.googleapis.com/{name}")

    def _need_folder(self, name, permission):
        fid = name.split("/")[1]
        if fid not in self.folders:
            raise denied(permission, f"//cloudresourcemanager.googleapis.com/{name}")
        return self.folders[fid]

    def _need_project(self, name, permission):
        pid = self._project_id(name.split("/")[1])
        if pid is None:
            raise denied(permission, f"//cloudresourcemanager.googleapis.com/{name}")
        return self.projects[pid]

    def crm_organizations_get(self, ctx):
        name = ctx.params["name"]
        self._need_org(name, "resourcemanager.organizations.get")
        self.authorize(ctx, "resourcemanager.organizations.get", name)
        return self._org_json()

    def crm_organizations_search(self, ctx):
        terms = _terms(ctx.query.get("query"))
        org = self._org_json()
        ok = True
        for key, op, val in terms:
            if key in ("domain", "displayName"):
                ok &= exprs.text_match(org["displayName"], op, val)
            elif key == "directoryCustomerId":
                ok &= org["directoryCustomerId"] == val
            else:
                raise invalid(f"organizations.search: unsupported query key {key!r} (domain, directoryCustomerId)")
        items = [org] if ok and self._visible(ctx, "resourcemanager.organizations.get", org["name"]) else []
        chunk, nxt = self.paginate(ctx, items, 50, 1000, ctx.query.get("pageSize"), ctx.query.get("pageToken"),
                                   {"query": ctx.query.get("query", "")})
        return _with_token({"organizations": chunk} if chunk else {}, nxt)

    def _visible(self, ctx, permission, name):
        if self.is_denied(ctx.method.id, name):
            return False
        if self.behave.get("enforce_iam") and ctx.principal is not None:
            return self.has_permission(ctx.principals, name, permission)
        return True

    def crm_folders_get(self, ctx):
        f = self._need_folder(ctx.params["name"], "resourcemanager.folders.get")
        self.authorize(ctx, "resourcemanager.folders.get", ctx.params["name"])
        return self._folder_json(f)

    def crm_folders_list(self, ctx):
        parent = ctx.query.get("parent", "")
        if not re.match(r"^(organizations|folders)/[^/]+$", parent):
            raise invalid(f"parent {parent!r} must be organizations/ID or folders/ID")
        if not self._container_exists(parent):
            raise denied("resourcemanager.folders.list", f"//cloudresourcemanager.googleapis.com/{parent}")
        self.authorize(ctx, "resourcemanager.folders.list", parent)
        items = [self._folder_json(f) for f in self.folders.values() if f["parent"] == parent
                 and (ctx.query.get("showDeleted") or f["state"] == "ACTIVE")
                 and not self.is_denied(ctx.method.id, f"folders/{f['id']}")]
        chunk, nxt = self.paginate(ctx, items, 100, 1000, ctx.query.get("pageSize"), ctx.query.get("pageToken"),
                                   {"parent": parent, "showDeleted": ctx.query.get("showDeleted")})
        return _with_token({"folders": chunk} if chunk else {}, nxt)

    def crm_folders_search(self, ctx):
        terms = _terms(ctx.query.get("query"))
        items = []
        for f in self.folders.values():
            j = self._folder_json(f)
            ok = True
            for key, op, val in terms:
                if key == "displayName":
                    ok &= exprs.text_match(f["displayName"], op, val)
                elif key in ("state", "lifecycleState"):
                    ok &= f["state"] == val
                elif key == "parent":
                    ok &= f["parent"] == val
                else:
                    raise invalid(f"folders.search: unsupported query key {key!r} (displayName, state, parent)")
            if ok and self._visible(ctx, "resourcemanager.folders.get", j["name"]):
                items.append(j)
        chunk, nxt = self.paginate(ctx, items, 100, 1000, ctx.query.get("pageSize"), ctx.query.get("pageToken"),
                                   {"query": ctx.query.get("query", "")})
        return _with_token({"folders": chunk} if chunk else {}, nxt)

    def crm_projects_get(self, ctx):
        p = self._need_project(ctx.params["name"], "resourcemanager.projects.get")
        self.authorize(ctx, "resourcemanager.projects.get", f"projects/{p['projectId']}")
        return self._project_json(p)

    def crm_projects_list(self, ctx):
        parent = ctx.query.get("parent", "")
        if not re.match(r"^(organizations|folders)/[^/]+$", parent):
            raise invalid(f"parent {parent!r} must be organizations/ID or folders/ID")
        if not self._container_exists(parent):
            raise denied("resourcemanager.projects.list", f"//cloudresourcemanager.googleapis.com/{parent}")
        self.authorize(ctx, "resourcemanager.projects.list", parent)
        items = [self._project_json(p) for p in self.projects.values() if p["parent"] == parent
                 and (ctx.query.get("showDeleted") or p["state"] == "ACTIVE")
                 and not self.is_denied(ctx.method.id, f"projects/{p['projectId']}")]
        chunk, nxt = self.paginate(ctx, items, 100, 1000, ctx.query.get("pageSize"), ctx.query.get("pageToken"),
                                   {"parent": parent, "showDeleted": ctx.query.get("showDeleted")})
        return _with_token({"projects": chunk} if chunk else {}, nxt)

    def crm_projects_search(self, ctx):
        terms = _terms(ctx.query.get("query"))
        parent_type = parent_id = None
        items = []
        for p in self.projects.values():
            ok = True
            for key, op, val in terms:
                if key == "parent":
                    ok &= p["parent"] == val
                elif key == "parent.type":
                    parent_type = val
                    ok &= p["parent"].split("/")[0] == val + "s"
                elif key == "parent.id":
                    parent_id = val
                    ok &= p["parent"].split("/")[1] == val
                elif key in ("id", "projectId"):
                    ok &= exprs.text_match(p["projectId"], op, val)
                elif key in ("name", "displayName"):
                    ok &= exprs.text_match(p["displayName"], op, val)
                elif key in ("state", "lifecycleState"):
                    ok &= p["state"] == val
                elif key in ("number", "projectNumber"):
                    ok &= p["number"] == val
                elif key.startswith("labels."):
                    lab = key.split(".", 1)[1]
                    ok &= lab in p["labels"] and (val == "*" or p["labels"][lab] == val)
                else:
                    raise invalid(f"projects.search: unsupported query key {key!r}")
            j = self._project_json(p)
            if ok and self._visible(ctx, "resourcemanager.projects.get", f"projects/{p['projectId']}"):
                items.append(j)
        del parent_type, parent_id
        chunk, nxt = self.paginate(ctx, items, 100, 1000, ctx.query.get("pageSize"), ctx.query.get("pageToken"),
                                   {"query": ctx.query.get("query", "")})
        return _with_token({"projects": chunk} if chunk else {}, nxt)

    # ------------------------------------------------------------------ IAM policies
    def policy_key(self, resource):
        """Canonical key for a policy-bearing resource; raises if it does not exist."""
        key = self.canonical(resource)
        parts = key.split("/")
        if len(parts) == 2 and self._container_exists(key):
            return key
        if len(parts) == 4 and parts[0] == "projects" and parts[2] == "serviceAccounts":
            sa = self.find_sa(parts[3])
            if sa and (resource.split("/")[1] == "-" or parts[1] == sa["projectId"]):
                return f"projects/{sa['projectId']}/serviceAccounts/{sa['email']}"
        raise ValueError(resource)

    def _resolve_policy_key(self, ctx, kind_permission):
        resource = ctx.params["resource"]
        try:
            return self.policy_key(resource)
        except ValueError:
            if "/serviceAccounts/" in resource:
                raise ApiError(404, f"Unknown service account: {resource}", reason="NOT_FOUND")
            host = "iam.googleapis.com" if "/serviceAccounts/" in resource else "cloudresourcemanager.googleapis.com"
            raise denied(kind_permission, f"//{host}/{resource}")

    def _stored_policy(self, key):
        if key not in self.policies:
            self.policies[key] = {"version": 1, "etag": new_etag(), "bindings": [], "auditConfigs": []}
        return self.policies[key]

    @staticmethod
    def render_policy(p):
        out = {"version": p["version"], "etag": p["etag"]}
        if p["bindings"]:
            out["bindings"] = json.loads(json.dumps(p["bindings"]))
        if p.get("auditConfigs"):
            out["auditConfigs"] = json.loads(json.dumps(p["auditConfigs"]))
        return out

    def _normalize_policy(self, pol, key, strict=False):
        merged = {}
        for b in pol.get("bindings", []) or []:
            role = b.get("role", "")
            if not ROLE_REF.match(role):
                raise invalid(f"Role {role!r} is not a role name: roles/NAME, organizations/ID/roles/NAME or "
                              f"projects/ID/roles/NAME")
            if strict:
                self._check_role_usable(role, key)
            members = b.get("members", []) or []
            for m in members:
                if not MEMBER.match(m):
                    raise invalid(f"Invalid member {m!r} in the binding for {role}: a member is user:EMAIL, "
                                  f"serviceAccount:EMAIL, group:EMAIL, domain:DOMAIN, principal://…, principalSet://…")
            cond = b.get("condition")
            ck = json.dumps(cond, sort_keys=True) if cond else ""
            if cond:
                try:
                    exprs.Cel(cond.get("expression", ""))
                except exprs.ExprError as e:
                    raise invalid(f"condition of {role} is not a CEL expression: {e}")
            slot = merged.setdefault((role, ck), {"role": role, "members": set(), **({"condition": cond} if cond else {})})
            slot["members"].update(members)
        bindings = []
        for slot in merged.values():
            if slot["members"]:
                slot["members"] = sorted(slot["members"])
                bindings.append(slot)
        has_cond = any("condition" in b for b in bindings)
        version = pol.get("version", 1) or 1
        if has_cond and version < 3 and strict:
            raise invalid("a policy with conditional role bindings must be set with version 3")
        return {"version": 3 if has_cond else 1, "etag": new_etag(), "bindings": bindings,
                "auditConfigs": pol.get("auditConfigs", []) or []}

    def _check_role_usable(self, role, key):
        if role.startswith("roles/"):
            return
        if role not in self.roles:
            raise invalid(f"Role {role} does not exist.", status="INVALID_ARGUMENT")
        owner = "/".join(role.split("/")[:2])
        if owner.startswith("projects/"):
            owner = "projects/" + (self._project_id(owner.split("/")[1]) or owner.split("/")[1])
        container = "/".join(key.split("/")[:2])
        if owner not in self.ancestors(container):
            raise invalid(f"Role {role} is not supported for this resource: a custom role can be granted only on "
                          f"the organization or project that defines it and, for an organization role, below it.")

    def get_iam_policy(self, ctx, permission):
        with self.lock:
            key = self._resolve_policy_key(ctx, permission)
            self.authorize(ctx, permission, key)
            return self.render_policy(self._stored_policy(key))

    def set_iam_policy(self, ctx, permission):
        with self.lock:
            key = self._resolve_policy_key(ctx, permission)
            self.authorize(ctx, permission, key)
            cur = self._stored_policy(key)
            req = ctx.body.get("policy")
            if req is None:
                raise invalid("setIamPolicy needs a policy")
            conflict = self.behave.get("set_iam_conflicts")
            if conflict and conflict.get("count", 0) > 0 and (
                    not conflict.get("resource") or self.canonical(conflict["resource"]) == key):
                conflict["count"] -= 1
                # Someone else wrote the policy between this client's read and write.
                if conflict.get("add_binding"):
                    other = self._normalize_policy({"bindings": cur["bindings"] + [conflict["add_binding"]],
                                                    "version": 3, "auditConfigs": cur["auditConfigs"]}, key)
                    cur.update(bindings=other["bindings"], version=other["version"])
                cur["etag"] = new_etag()
                raise _aborted(injected=True)
            if req.get("etag") and req["etag"] != cur["etag"]:
                raise _aborted()
            mask = [m.strip() for m in (ctx.body.get("updateMask") or "bindings,etag").split(",") if m.strip()]
            for m in mask:
                if m not in ("bindings", "etag", "auditConfigs", "version"):
                    raise invalid(f"updateMask path {m!r} is not a Policy field that can be set")
            new = self._normalize_policy({"bindings": req.get("bindings", []) if "bindings" in mask else cur["bindings"],
                                          "version": req.get("version", 1) if "bindings" in mask else 3,
                                          "auditConfigs": req.get("auditConfigs", []) if "auditConfigs" in mask
                                          else cur["auditConfigs"]}, key, strict=True)
            self.policies[key] = new
            return self.render_policy(new)

    def test_iam_permissions(self, ctx, permission_kind):
        with self.lock:
            key = self._resolve_policy_key(ctx, permission_kind)
            perms = ctx.body.get("permissions", []) or []
            for p in perms:
                if "*" in p:
                    raise invalid(f"Permissions with wildcards (such as '*' or 'storage.*') are not allowed: {p!r}")
                if not PERMISSION.match(p):
                    raise invalid(f"Permission {p} is not valid.")
            if ctx.principal is None:
                held = perms
            else:
                held = [p for p in perms if self.has_permission(ctx.principals, key, p)]
            return {"permissions": held} if held else {}

    # ------------------------------------------------------------------ IAM custom roles
    def _role_parent(self, name):
        parts = name.split("/")
        parent = "/".join(parts[:2])
        if not self._container_exists(parent) or parts[0] not in ("organizations", "projects"):
            raise ApiError(404, f"The parent {parent} of role {name} does not exist.")
        return parent

    def _check_role_fields(self, role):
        if len(role.get("title", "")) > 100:
            raise invalid("The role title must be at most 100 characters.")
        if len(role.get("description", "")) > 256:
            raise invalid("The role description must be at most 256 characters.")
        perms = role.get("includedPermissions", [])
        if len(perms) > 3000:
            raise invalid("A custom role may include at most 3000 permissions.")
        for p in perms:
            if not PERMISSION.match(p) or "*" in p:
                raise invalid(f"Permission {p} is not valid.")

    @staticmethod
    def _role_json(r, full=True):
        out = {"name": r["name"], "title": r["title"], "stage": r["stage"], "etag": r["etag"]}
        if r.get("description"):
            out["description"] = r["description"]
        if full and r.get("includedPermissions"):
            out["includedPermissions"] = list(r["includedPermissions"])
        if r.get("deleted"):
            out["deleted"] = True
        return out

    def _role_container(self, ctx, name_or_parent):
        parent = "/".join(name_or_parent.split("/")[:2])
        if not self._container_exists(parent):
            raise denied("iam.roles.get", f"//cloudresourcemanager.googleapis.com/{parent}")
        if parent.startswith("projects/"):
            parent = f"projects/{self._project_id(parent.split('/')[1])}"
        return parent

    def _role_name(self, name):
        parts = name.split("/")
        if parts[0] == "projects":
            parts[1] = self._project_id(parts[1]) or parts[1]
        return "/".join(parts)

    def roles_create(self, ctx):
        with self.lock:
            parent = self._role_container(ctx, ctx.params["parent"])
            self.authorize(ctx, "iam.roles.create", parent)
            role_id = ctx.body.get("roleId", "")
            role = ctx.body.get("role") or {}
            if not role_id:
                raise invalid("roleId is required.")
            if not ROLE_ID.match(role_id):
                raise invalid(f"The role id {role_id!r} is invalid: 3 to 64 characters of letters, digits, '_' and '.'.")
            if role.get("name"):
                raise invalid("Must not specify role.name.")
            if role.get("deleted"):
                raise invalid("Must not specify role.deleted.")
            self._check_role_fields(role)
            name = f"{parent}/roles/{role_id}"
            if name in self.roles:
                if self.roles[name].get("deleted"):
                    raise ApiError(400, f"You can't create a role_id ({role_id}) which has been marked for deletion.",
                                   status="FAILED_PRECONDITION")
                raise ApiError(409, f"A role named {role_id} in {parent} already exists.", status="ALREADY_EXISTS")
            r = {"name": name, "title": role.get("title", ""), "description": role.get("description", ""),
                 "includedPermissions": sorted(set(role.get("includedPermissions", []))),
                 "stage": role.get("stage", "ALPHA"), "etag": new_etag(), "deleted": False}
            self.roles[name] = r
            return self._role_json(r)

    def _get_role(self, ctx, permission):
        name = self._role_name(ctx.params["name"])
        self._role_container(ctx, name)
        self.authorize(ctx, permission, "/".join(name.split("/")[:2]))
        if name not in self.roles:
            raise ApiError(404, f"The role named {ctx.params['name']} was not found.")
        return self.roles[name]

    def roles_get(self, ctx):
        with self.lock:
            return self._role_json(self._get_role(ctx, "iam.roles.get"))

    def roles_list(self, ctx):
        with self.lock:
            parent = self._role_container(ctx, ctx.params["parent"])
            self.authorize(ctx, "iam.roles.list", parent)
            full = ctx.query.get("view") == "FULL"
            show_deleted = bool(ctx.query.get("showDeleted"))
            items = [self._role_json(r, full) for name, r in sorted(self.roles.items())
                     if name.startswith(parent + "/roles/") and (show_deleted or not r.get("deleted"))]
            chunk, nxt = self.paginate(ctx, items, 300, 1000, ctx.query.get("pageSize"), ctx.query.get("pageToken"),
                                       {"view": ctx.query.get("view"), "showDeleted": show_deleted})
            return _with_token({"roles": chunk} if chunk else {}, nxt)

    def roles_patch(self, ctx):
        with self.lock:
            r = self._get_role(ctx, "iam.roles.update")
            body = ctx.body
            if body.get("etag") and body["etag"] != r["etag"]:
                raise _aborted("The role was changed since it was read (etag mismatch); read it again.")
            if r.get("deleted"):
                raise ApiError(400, f"You can't update the deleted role {r['name']}; undelete it first.",
                               status="FAILED_PRECONDITION")
            mask = ctx.query.get("updateMask")
            fields = [m.strip() for m in mask.split(",") if m.strip()] if mask else \
                [k for k in ("title", "description", "includedPermissions", "stage") if k in body]
            for f in fields:
                if f not in ("title", "description", "includedPermissions", "stage"):
                    raise invalid(f"updateMask path {f!r} is not an updatable Role field "
                                  f"(title, description, includedPermissions, stage)")
            upd = {f: body.get(f, [] if f == "includedPermissions" else "") for f in fields}
            if "stage" in upd and not upd["stage"]:
                upd["stage"] = "ALPHA"
            self._check_role_fields(upd)
            if "includedPermissions" in upd:
                upd["includedPermissions"] = sorted(set(upd["includedPermissions"]))
            r.update(upd)
            r["etag"] = new_etag()
            return self._role_json(r)

    def roles_delete(self, ctx):
        with self.lock:
            r = self._get_role(ctx, "iam.roles.delete")
            if ctx.query.get("etag") and ctx.query["etag"] != r["etag"]:
                raise _aborted("The role was changed since it was read (etag mismatch); read it again.")
            if r.get("deleted"):
                raise ApiError(400, f"The role {r['name']} is already deleted.", status="FAILED_PRECONDITION")
            r["deleted"] = True
            r["etag"] = new_etag()
            return self._role_json(r)

    def roles_undelete(self, ctx):
        with self.lock:
            r = self._get_role(ctx, "iam.roles.undelete")
            if ctx.body.get("etag") and ctx.body["etag"] != r["etag"]:
                raise _aborted("The role was changed since it was read (etag mismatch); read it again.")
            if not r.get("deleted"):
                raise ApiError(400, f"The role {r['name']} is not deleted.", status="FAILED_PRECONDITION")
            r["deleted"] = False
            r["etag"] = new_etag()
            return self._role_json(r)

    # ------------------------------------------------------------------ Workload Identity Federation
    def _wip_project(self, ctx, name):
        parts = name.split("/")
        pid = self._project_id(parts[1])
        if pid is None:
            raise denied("iam.workloadIdentityPools.get", f"//iam.googleapis.com/{name}")
        if parts[3] != "global":
            raise invalid(f"location {parts[3]!r}: the only supported location is global")
        parts[1] = self.projects[pid]["number"]
        return pid, "/".join(parts)

    def _operation(self, target, resource_type, resource):
        op_name = f"{target}/operations/{uuid.uuid4().hex}"
        op = {"name": op_name, "done": False,
              "metadata": {"@type": "type.googleapis.com/google.iam.v1.WorkloadIdentityPoolOperationMetadata"}}
        self.operations[op_name] = {"op": op, "polls": int(self.behave.get("lro_pending_polls") or 0),
                                    "response": dict(resource, **{"@type": f"type.googleapis.com/google.iam.v1.{resource_type}"})}
        return dict(op)

    def pools_create(self, ctx):
        with self.lock:
            pid, parent = self._wip_project(ctx, ctx.params["parent"])
            self.authorize(ctx, "iam.workloadIdentityPools.create", f"projects/{pid}")
            pool_id = ctx.query.get("workloadIdentityPoolId", "")
            if not POOL_ID.match(pool_id) or pool_id.startswith("gcp-"):
                raise invalid(f"workloadIdentityPoolId {pool_id!r} must be 4-32 characters of [a-z0-9-] and not start with gcp-")
            name = f"{parent}/workloadIdentityPools/{pool_id}"
            if name in self.pools:
                raise ApiError(409, f"Requested entity already exists: {name}", status="ALREADY_EXISTS")
            pool = {k: v for k, v in ctx.body.items() if k in ("displayName", "description", "disabled", "mode")}
            if len(pool.get("displayName", "")) > 32:
                raise invalid("displayName must be at most 32 characters")
            pool.update(name=name, state="ACTIVE")
            self.pools[name] = pool
            return self._operation(name, "WorkloadIdentityPool", pool)

    def pools_get(self, ctx):
        with self.lock:
            pid, name = self._wip_project(ctx, ctx.params["name"])
            self.authorize(ctx, "iam.workloadIdentityPools.get", f"projects/{pid}")
            if name not in self.pools:
                raise ApiError(404, f"Requested entity was not found: {name}")
            return dict(self.pools[name])

    def operations_get(self, ctx):
        with self.lock:
            pid, name = self._wip_project(ctx, ctx.params["name"])
            self.authorize(ctx, "iam.workloadIdentityPools.get", f"projects/{pid}")
            entry = self.operations.get(name)
            if entry is None:
                raise ApiError(404, f"Operation {ctx.params['name']} was not found.")
            op = dict(entry["op"])
            if entry["polls"] > 0:
                entry["polls"] -= 1
                return op
            op["done"] = True
            op["response"] = entry["response"]
            return op

    def providers_create(self, ctx):
        with self.lock:
            pid, parent = self._wip_project(ctx, ctx.params["parent"])
            self.authorize(ctx, "iam.workloadIdentityPoolProviders.create", f"projects/{pid}")
            if parent not in self.pools:
                raise ApiError(404, f"Requested entity was not found: {parent}")
            prov_id = ctx.query.get("workloadIdentityPoolProviderId", "")
            if not POOL_ID.match(prov_id) or prov_id.startswith("gcp-"):
                raise invalid(f"workloadIdentityPoolProviderId {prov_id!r} must be 4-32 characters of [a-z0-9-]")
            name = f"{parent}/providers/{prov_id}"
            if name in self.providers:
                raise ApiError(409, f"Requested entity already exists: {name}", status="ALREADY_EXISTS")
            body = ctx.body
            kinds = [k for k in ("aws", "oidc", "saml", "x509") if k in body]
            if len(kinds) != 1:
                raise invalid(f"a provider needs exactly one of aws, oidc, saml, x509 (got {kinds})")
            if kinds == ["aws"] and not re.fullmatch(r"\d{12}", body["aws"].get("accountId", "")):
                raise invalid("aws.accountId must be a 12-digit AWS account ID")
            mapping = dict(body.get("attributeMapping") or {})
            if kinds == ["aws"] and not mapping:
                mapping = dict(AWS_DEFAULT_MAPPING)
            if "google.subject" not in mapping:
                raise invalid("attributeMapping must map google.subject")
            for k, v in mapping.items():
                if not re.fullmatch(r"google\.(subject|groups|display_name|profile_photo|posix_username)|attribute\.[a-z_][a-z0-9_]{0,99}", k):
                    raise invalid(f"attributeMapping key {k!r} is not google.* or attribute.NAME")
                try:
                    exprs.Cel(v)
                except exprs.ExprError as e:
                    raise invalid(f"attributeMapping[{k}] is not a CEL expression: {e}")
            if body.get("attributeCondition"):
                try:
                    exprs.Cel(body["attributeCondition"])
                except exprs.ExprError as e:
                    raise invalid(f"attributeCondition is not a CEL expression: {e}")
            prov = {k: v for k, v in body.items() if k in ("displayName", "description", "disabled",
                                                            "attributeCondition", "aws", "oidc", "saml", "x509")}
            prov.update(name=name, state="ACTIVE", attributeMapping=mapping)
            self.providers[name] = prov
            return self._operation(name, "WorkloadIdentityPoolProvider", prov)

    def providers_get(self, ctx):
        with self.lock:
            pid, name = self._wip_project(ctx, ctx.params["name"])
            self.authorize(ctx, "iam.workloadIdentityPoolProviders.get", f"projects/{pid}")
            if name not in self.providers:
                raise ApiError(404, f"Requested entity was not found: {name}")
            return json.loads(json.dumps(self.providers[name]))

    # Soft delete, undelete and patch, as the discovery document describes them: a deleted pool or
    # provider keeps its name (state DELETED, expireTime ~30 days on; its id cannot be reused, so
    # create answers 409), cannot exchange tokens, and comes back with undelete. patch takes an
    # updateMask of the mutable fields and answers an operation, like create.
    WIF_MUTABLE = {"WorkloadIdentityPool": ("displayName", "description", "disabled"),
                   "WorkloadIdentityPoolProvider": ("displayName", "description", "disabled", "attributeMapping",
                                                    "attributeCondition", "aws", "oidc", "saml", "x509")}

    def _wif(self, ctx, kind):
        pid, name = self._wip_project(ctx, ctx.params["name"])
        store = self.pools if kind == "WorkloadIdentityPool" else self.providers
        noun = "workloadIdentityPools" if kind == "WorkloadIdentityPool" else "workloadIdentityPoolProviders"
        return pid, name, store, noun

    def wif_delete(self, ctx, kind):
        with self.lock:
            pid, name, store, noun = self._wif(ctx, kind)
            self.authorize(ctx, f"iam.{noun}.delete", f"projects/{pid}")
            res = store.get(name)
            if res is None:
                raise ApiError(404, f"Requested entity was not found: {name}")
            if res.get("state") == "DELETED":
                raise ApiError(400, f"{name} is already deleted.", status="FAILED_PRECONDITION")
            res["state"] = "DELETED"
            res["expireTime"] = rfc3339(self.now() + datetime.timedelta(days=30))
            return self._operation(name, kind, res)

    def wif_undelete(self, ctx, kind):
        with self.lock:
            pid, name, store, noun = self._wif(ctx, kind)
            self.authorize(ctx, f"iam.{noun}.undelete", f"projects/{pid}")
            res = store.get(name)
            if res is None:
                raise ApiError(404, f"Requested entity was not found: {name}")
            if res.get("state") != "DELETED":
                raise ApiError(400, f"{name} is not deleted.", status="FAILED_PRECONDITION")
            res["state"] = "ACTIVE"
            res.pop("expireTime", None)
            return self._operation(name, kind, res)

    def wif_patch(self, ctx, kind):
        with self.lock:
            pid, name, store, noun = self._wif(ctx, kind)
            self.authorize(ctx, f"iam.{noun}.update", f"projects/{pid}")
            res = store.get(name)
            if res is None:
                raise ApiError(404, f"Requested entity was not found: {name}")
            if res.get("state") == "DELETED":
                raise ApiError(400, f"{name} is deleted; undelete it first.", status="FAILED_PRECONDITION")
            mask = [f for f in (ctx.query.get("updateMask") or "").split(",") if f]
            if not mask:
                raise invalid("updateMask is required")
            for field in mask:
                if field not in self.WIF_MUTABLE[kind]:
                    raise invalid(f"updateMask field {field!r} cannot be updated")
            for field in mask:
                value = ctx.body.get(field)
                if field in ("attributeMapping",) and value is not None:
                    if "google.subject" not in value:
                        raise invalid("attributeMapping must map google.subject")
                    for k, v in value.items():
                        try:
                            exprs.Cel(v)
                        except exprs.ExprError as e:
                            raise invalid(f"attributeMapping[{k}] is not a CEL expression: {e}")
                if field == "attributeCondition" and value:
                    try:
                        exprs.Cel(value)
                    except exprs.ExprError as e:
                        raise invalid(f"attributeCondition is not a CEL expression: {e}")
                if field == "aws" and not re.fullmatch(r"\d{12}", (value or {}).get("accountId", "")):
                    raise invalid("aws.accountId must be a 12-digit AWS account ID")
                if value is None:
                    res.pop(field, None)
                else:
                    res[field] = json.loads(json.dumps(value))
            return self._operation(name, kind, res)

    # ------------------------------------------------------------------ service accounts & tokens
    def _sa(self, ctx, name, permission):
        ident = name.split("/")[3]
        sa = self.find_sa(ident)
        proj = name.split("/")[1]
        if sa is None or (proj != "-" and self._project_id(proj) != sa["projectId"]):
            raise ApiError(404, f"Unknown service account: {name}", reason="NOT_FOUND")
        self.authorize(ctx, permission, f"projects/{sa['projectId']}/serviceAccounts/{sa['email']}")
        return sa

    def sa_get(self, ctx):
        with self.lock:
            sa = self._sa(ctx, ctx.params["name"], "iam.serviceAccounts.get")
            return {"name": f"projects/{sa['projectId']}/serviceAccounts/{sa['email']}", "projectId": sa["projectId"],
                    "uniqueId": sa["uniqueId"], "email": sa["email"], "displayName": sa["displayName"],
                    "etag": _stable_etag(sa["email"]), "oauth2ClientId": sa["uniqueId"]}

    def generate_access_token(self, ctx):
        with self.lock:
            name = ctx.params["name"]
            if name.split("/")[1] != "-":
                raise invalid(f"{name}: the '-' wildcard is required in place of the project "
                              f"(projects/-/serviceAccounts/EMAIL_OR_UNIQUE_ID)")
            sa = self.find_sa(name.split("/")[3])
            if sa is None:
                raise ApiError(404, f"Not found; Gaia id not found for email {name.split('/')[3]}", reason="NOT_FOUND")
            for d in ctx.body.get("delegates", []) or []:
                if not d.startswith("projects/-/serviceAccounts/"):
                    raise invalid(f"delegate {d!r} must be projects/-/serviceAccounts/EMAIL")
            lifetime = ctx.body.get("lifetime") or "3600s"
            seconds = float(lifetime[:-1])
            cap = self.behave.get("max_token_lifetime_seconds") or 3600
            if not 1 <= seconds <= cap:
                raise invalid(f"The lifetime {lifetime} must be between 1s and {cap}s.")
            key = f"projects/{sa['projectId']}/serviceAccounts/{sa['email']}"
            if ctx.principal is not None and not self.has_permission(ctx.principals, key, "iam.serviceAccounts.getAccessToken"):
                raise denied("iam.serviceAccounts.getAccessToken", f"//iam.googleapis.com/{key}")
            tok, expires = self.mint(f"serviceAccount:{sa['email']}", seconds)
            self.tokens[tok]["scopes"] = list(ctx.body.get("scope", []))
            return {"accessToken": tok, "expireTime": rfc3339(expires)}

    def sts_token(self, ctx):
        b = ctx.body
        oauth = lambda err, msg: ApiError(400, msg, oauth=err, invalid=err == "invalid_request")  # noqa: E731
        if b.get("grantType") != "urn:ietf:params:oauth:grant-type:token-exchange":
            raise ApiError(400, f"grant_type {b.get('grantType')!r} is not supported", oauth="unsupported_grant_type",
                           invalid=True)
        if b.get("requestedTokenType") != "urn:ietf:params:oauth:token-type:access_token":
            raise oauth("invalid_request", "requested_token_type must be urn:ietf:params:oauth:token-type:access_token")
        if b.get("subjectTokenType") != "urn:ietf:params:aws:token-type:aws4_request":
            raise oauth("invalid_request", f"subject_token_type {b.get('subjectTokenType')!r}: this fake federates "
                                           f"from AWS only (urn:ietf:params:aws:token-type:aws4_request)")
        audience = b.get("audience", "")
        m = re.fullmatch(r"//iam\.googleapis\.com/(projects/(\d+)/locations/global/workloadIdentityPools/[^/]+)/providers/[^/]+", audience)
        with self.lock:
            prov = self.providers.get(audience.removeprefix("//iam.googleapis.com/")) if m else None
            pool = self.pools.get(m.group(1)) if m else None
        if (prov is None or pool is None or prov.get("disabled") or pool.get("disabled") or "aws" not in prov
                or "DELETED" in (prov.get("state"), pool.get("state"))):
            raise ApiError(400, "The target service indicated by the \"audience\" parameters is invalid. This might "
                                "either be because the pool or provider is disabled or deleted or because it doesn't "
                                "exist.", oauth="invalid_target")
        try:
            token = json.loads(urllib.parse.unquote(b.get("subjectToken", "")))
            headers = {h["key"].lower(): h["value"] for h in token["headers"]}
            url = token["url"]
        except (ValueError, KeyError, TypeError):
            raise oauth("invalid_request", "subject_token is not a URL-encoded JSON serialization of a signed "
                                           "GetCallerIdentity request {url, method, headers}")
        if token.get("method") != "POST" or "Action=GetCallerIdentity" not in url:
            raise oauth("invalid_grant", "subject_token must be a signed POST GetCallerIdentity request")
        if headers.get("x-goog-cloud-target-resource") != audience:
            raise oauth("invalid_grant", "The x-goog-cloud-target-resource header of the subject token does not "
                                         "match the audience.")
        auth = headers.get("authorization", "")
        cred = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/\d{8}/[^/]+/sts/aws4_request", auth)
        if not cred:
            raise oauth("invalid_grant", "subject_token lacks a SigV4 Authorization scoped to sts")
        amz_date = headers.get("x-amz-date", "")
        try:
            signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            raise oauth("invalid_grant", "subject_token lacks x-amz-date")
        if abs((datetime.datetime.now(datetime.timezone.utc) - signed_at).total_seconds()) > 900:
            raise oauth("invalid_grant", "the signed GetCallerIdentity request is more than 15 minutes old")
        arn = self._aws_caller(cred.group(1), url, headers)
        account = arn.split(":")[4]
        if prov["aws"].get("accountId") != account:
            raise oauth("invalid_grant", f"AWS account {account} is not the provider's account")
        assertion = {"arn": arn, "account": account, "userid": arn.rsplit("/", 1)[-1], "type": "aws"}
        attrs = {}
        try:
            for k, expr in prov["attributeMapping"].items():
                attrs[k] = exprs.Cel(expr).eval({"assertion": assertion})
            cond_attrs = {k.split(".", 1)[1]: v for k, v in attrs.items() if k.startswith("attribute.")}
            google = {k.split(".", 1)[1]: v for k, v in attrs.items() if k.startswith("google.")}
            if prov.get("attributeCondition") and not exprs.Cel(prov["attributeCondition"]).eval(
                    {"assertion": assertion, "attribute": cond_attrs, "google": google}):
                raise oauth("invalid_grant", "The given credential is rejected by the attribute condition.")
        except exprs.ExprError as e:
            raise oauth("invalid_grant", f"The given credential is rejected by the attribute condition ({e}).")
        pool_name = m.group(1)
        base = f"iam.googleapis.com/{pool_name}"
        principals = {f"principal://{base}/subject/{google['subject']}", f"principalSet://{base}/*"}
        principals |= {f"principalSet://{base}/attribute.{k}/{v}" for k, v in cond_attrs.items()}
        with self.lock:
            tok, _ = self.mint(f"principal://{base}/subject/{google['subject']}", 3600, principals,
                               {"assertion": assertion, **attrs})
        ctx.derived["aws_arn"] = arn
        return {"access_token": tok, "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
                "token_type": "Bearer", "expires_in": 3600}

    def _aws_caller(self, key_id, url, headers):
        endpoint = self.behave.get("aws_sts_endpoint")
        if endpoint:
            query = urllib.parse.urlsplit(url).query or "Action=GetCallerIdentity&Version=2011-06-15"
            req = urllib.request.Request(endpoint.rstrip("/") + "/?" + query, data=b"", method="POST",
                                         headers={k: v for k, v in headers.items() if k != "host"})
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:
                    text = resp.read().decode()
            except (urllib.error.URLError, OSError) as e:
                raise ApiError(400, f"AWS STS at {endpoint} refused the signed request: {e}", oauth="invalid_grant")
            arn = re.search(r"<Arn>([^<]+)</Arn>", text)
            if not arn:
                raise ApiError(400, "AWS STS did not answer an Arn", oauth="invalid_grant")
            return arn.group(1)
        if key_id in self.aws_identities:
            return self.aws_identities[key_id]
        raise ApiError(400, f"cannot verify AWS access key {key_id}: set behave aws_sts_endpoint (moto) or seed "
                            f"aws_identities", oauth="invalid_grant")

    # ------------------------------------------------------------------ Cloud Asset Inventory
    def _scope_projects(self, scope):
        kind, _, ident = scope.partition("/")
        if kind == "projects":
            pid = self._project_id(ident)
            return [pid] if pid else None
        if not self._container_exists(scope) or kind not in ("organizations", "folders"):
            return None
        return [pid for pid, p in self.projects.items() if scope in self.ancestors(f"projects/{pid}")]

    def _rm_assets(self, scope):
        out = []
        org = f"organizations/{self.org['id']}"
        kind = scope.split("/")[0]
        if kind == "organizations":
            out.append({"name": f"//cloudresourcemanager.googleapis.com/{org}", "assetType":
                        "cloudresourcemanager.googleapis.com/Organization", "displayName": self.org["displayName"],
                        "organization": org, "location": "global", "state": "ACTIVE", "createTime": self.org["createTime"],
                        "additionalAttributes": {"directoryCustomerId": self.org["directoryCustomerId"]}})
        if kind in ("organizations", "folders"):
            for f in self.folders.values():
                if scope in self.ancestors(f"folders/{f['id']}"):
                    r = {"name": f"//cloudresourcemanager.googleapis.com/folders/{f['id']}",
                         "assetType": "cloudresourcemanager.googleapis.com/Folder", "displayName": f["displayName"],
                         "organization": org, "folders": self._folder_chain(f"folders/{f['id']}"), "location": "global",
                         "state": f["state"], "createTime": f["createTime"],
                         "parentFullResourceName": f"//cloudresourcemanager.googleapis.com/{f['parent']}",
                         "parentAssetType": "cloudresourcemanager.googleapis.com/" +
                                            ("Folder" if f["parent"].startswith("folders/") else "Organization")}
                    out.append(r)
        for pid in self._scope_projects(scope) or []:
            p = self.projects[pid]
            r = {"name": f"//cloudresourcemanager.googleapis.com/projects/{p['number']}",
                 "assetType": "cloudresourcemanager.googleapis.com/Project", "project": f"projects/{p['number']}",
                 "displayName": p["displayName"], "organization": org, "folders": self._folder_chain(p["parent"]),
                 "location": "global", "state": p["state"], "createTime": p["createTime"],
                 "additionalAttributes": {"projectId": pid},
                 "parentFullResourceName": f"//cloudresourcemanager.googleapis.com/{p['parent']}",
                 "parentAssetType": "cloudresourcemanager.googleapis.com/" +
                                    ("Folder" if p["parent"].startswith("folders/") else "Organization")}
            if p["labels"]:
                r["labels"] = dict(p["labels"])
            out.append(r)
        for r in out:
            if not r.get("folders"):
                r.pop("folders", None)
        return out

    def search_all_resources(self, ctx):
        with self.lock:
            scope = ctx.params["scope"]
            if not re.fullmatch(r"(organizations|folders|projects)/[^/]+", scope):
                raise invalid(f"scope {scope!r} must be organizations/ID, folders/ID, projects/ID or projects/NUMBER")
            pids = self._scope_projects(scope)
            if pids is None:
                raise denied("cloudasset.assets.searchAllResources", f"//cloudresourcemanager.googleapis.com/{scope}")
            self.authorize(ctx, "cloudasset.assets.searchAllResources", scope)
            q = ctx.query
            results = self._rm_assets(scope) + [r for pid, r in self.resources if pid in pids]
            types = q.get("assetTypes") or []
            if types:
                def type_ok(t):
                    for want in types:
                        if re.search(r"[.*+?\[\]()|^$]", want.replace(".googleapis.com", "").replace(".", "")):
                            try:
                                if re.fullmatch(want, t):
                                    return True
                            except re.error:
                                raise invalid(f"assetTypes {want!r} is not a valid regular expression")
                        elif want == t:
                            return True
                    return False
                results = [r for r in results if type_ok(r["assetType"])]
            for key, op, val in _terms(q.get("query")):
                results = [r for r in results if _asset_match(r, key, op, val)]
            order = q.get("orderBy")
            if order:
                for part in reversed([p.strip() for p in order.split(",") if p.strip()]):
                    words = part.split()
                    if words[0] not in SORTABLE or len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
                        raise invalid(f"orderBy {part!r}: sortable fields are {sorted(SORTABLE)}, optionally DESC")
                    results.sort(key=lambda r: str(r.get(words[0], "")), reverse=len(words) == 2 and words[1].upper() == "DESC")
            mask = q.get("readMask")
            fields = DEFAULT_RESULT_FIELDS
            if mask:
                fields = [f.strip() for f in mask.split(",") if f.strip()]
                props = self.registry.apis["cloudasset"].schemas["ResourceSearchResult"]["properties"]
                if fields == ["*"]:
                    fields = list(props)
                for f in fields:
                    if f not in props:
                        raise invalid(f"readMask field {f!r} is not a ResourceSearchResult field")
            results = [{k: v for k, v in r.items() if k in fields} for r in results]
            identity = {k: q.get(k) for k in ("assetTypes", "query", "orderBy", "readMask")}
            chunk, nxt = self.paginate(ctx, results, 100, 500, q.get("pageSize"), q.get("pageToken"), identity)
            return _with_token({"results": json.loads(json.dumps(chunk))} if chunk else {}, nxt)

    # ------------------------------------------------------------------ Cloud Logging
    def _log_parent(self, name):
        m = re.fullmatch(r"((projects|organizations|folders|billingAccounts)/[^/]+)(/locations/[^/]+/buckets/[^/]+/views/[^/]+)?", name)
        if not m:
            raise invalid(f"resourceNames entry {name!r} is not projects/P, organizations/O, folders/F, "
                          f"billingAccounts/B or a log view")
        parent = m.group(1)
        kind, _, ident = parent.partition("/")
        if kind == "projects":
            pid = self._project_id(ident)
            if pid is None:
                raise denied("logging.logEntries.list", name)
            return f"projects/{pid}"
        if kind != "billingAccounts" and not self._container_exists(parent):
            raise denied("logging.logEntries.list", name)
        return parent

    def entries_list(self, ctx):
        with self.lock:
            b = ctx.body
            names = list(b.get("resourceNames", []) or []) + [f"projects/{p}" for p in b.get("projectIds", []) or []]
            if not names:
                raise invalid("resourceNames must name at least one resource")
            parents = []
            for n in names:
                parent = self._log_parent(n)
                self.authorize(ctx, "logging.logEntries.list", parent)
                parents.append(parent)
            text = b.get("filter", "") or ""
            if len(text) > 20000:
                raise invalid("filter is longer than 20000 characters")
            try:
                flt = exprs.LogFilter(text)
            except exprs.ExprError as e:
                raise invalid(f"filter: {e}")
            ctx.derived["timestamp_lower_bounds"] = flt.lower_bounds()
            order = (b.get("orderBy") or "timestamp asc").strip().lower().split()
            if order not in (["timestamp", "asc"], ["timestamp", "desc"], ["timestamp"]):
                raise invalid(f"orderBy {b.get('orderBy')!r}: only \"timestamp asc\" and \"timestamp desc\" are permitted")
            try:
                chosen = [e for parent, e in self.log_entries if parent in parents and flt.matches(e)]
            except exprs.ExprError as e:
                raise invalid(f"filter: {e}")
            chosen.sort(key=lambda e: (parse_time(e["timestamp"]), e.get("insertId", "")),
                        reverse=order[-1] == "desc")
            identity = {"resourceNames": names, "filter": text, "orderBy": b.get("orderBy", "")}
            chunk, nxt = self.paginate(ctx, chosen, 50, 1000, b.get("pageSize"), b.get("pageToken"), identity)
            return _with_token({"entries": json.loads(json.dumps(chunk))} if chunk else {}, nxt)

    # ------------------------------------------------------------------ BigQuery
    def jobs_query(self, ctx):
        with self.lock:
            b = ctx.body
            project = ctx.params["projectId"]
            if self._project_id(project) is None:
                raise ApiError(404, f"Not found: Project {project}", bq_reason="notFound")
            self.authorize(ctx, "bigquery.jobs.create", f"projects/{self._project_id(project)}")
            sql = b.get("query", "")
            if b.get("useLegacySql") is not False:
                raise invalid("jobs.query runs legacy SQL unless useLegacySql is false; the billing query is "
                              "GoogleSQL (set \"useLegacySql\": false)", bq_reason="invalidQuery")
            table = self.billing["table"]
            refs = re.findall(r"`([^`]+)`", sql) or re.findall(r"\bFROM\s+([\w.-]+)", sql, re.I)
            if not refs:
                raise invalid("the query reads no table", bq_reason="invalidQuery")
            for ref in refs:
                if ref != table:
                    p, _, rest = ref.partition(".")
                    raise ApiError(404, f"Not found: Table {p}:{rest} was not found in location {self.billing['location']}",
                                   bq_reason="notFound")
            table_project = table.split(".")[0]
            if self._project_id(table_project):
                self.authorize(ctx, "bigquery.tables.getData", f"projects/{self._project_id(table_project)}")
            if b.get("location") and b["location"].upper() != self.billing["location"].upper():
                raise ApiError(404, f"Not found: Dataset {table.rsplit('.', 1)[0]} was not found in location "
                                    f"{b['location']}", bq_reason="notFound")
            params = {}
            for qp in b.get("queryParameters", []) or []:
                params[qp.get("name")] = (qp.get("parameterValue") or {}).get("value")
            try:
                lo, hi = exprs.bigquery_date_range(sql, params)
            except (exprs.ExprError, ValueError) as e:
                raise invalid(f"query parameters: {e}", bq_reason="invalidQuery")
            ctx.derived["date_from"] = lo.isoformat() if lo else None
            ctx.derived["date_to_exclusive"] = hi.isoformat() if hi else None
            rows = [r for r in self.billing["rows"]
                    if (lo is None or datetime.date.fromisoformat(r["usage_date"]) >= lo)
                    and (hi is None or datetime.date.fromisoformat(r["usage_date"]) < hi)]
            rows.sort(key=lambda r: (r["usage_date"], r["project_id"], r["service"]))
            job_id = "job_" + uuid.uuid4().hex
            job = {"projectId": project, "jobId": job_id, "location": self.billing["location"], "rows": rows,
                   "complete": True, "dry": bool(b.get("dryRun"))}
            if self.behave.get("bq_incomplete", 0) > 0:
                self.behave["bq_incomplete"] -= 1
                job["complete"] = False
            self.jobs[job_id] = job
            out = {"kind": "bigquery#queryResponse",
                   "jobReference": {"projectId": project, "jobId": job_id, "location": job["location"]},
                   "jobComplete": job["complete"]}
            if not job["complete"]:
                return out
            return dict(out, **self._bq_page(job, b.get("maxResults"), None, None))

    def _bq_page(self, job, max_results, page_token, start_index):
        rows = [] if job["dry"] else job["rows"]
        offset = 0
        if page_token:
            try:
                offset = int(base64.urlsafe_b64decode(page_token + "=" * (-len(page_token) % 4)).decode())
            except ValueError:
                raise invalid(f"pageToken {page_token!r} is not one this job issued")
        elif start_index:
            offset = int(start_index)
        size = max_results or len(rows) or 1
        caps = self.behave.get("page_size") or {}
        cap = caps.get("bigquery.jobs.query", caps.get("*"))
        if cap:
            size = min(size, cap)
        chunk = rows[offset:offset + size]
        out = {"schema": {"fields": [{"name": n, "type": t, "mode": "NULLABLE"} for n, t in BILLING_SCHEMA]},
               "totalRows": str(len(rows)), "cacheHit": False, "totalBytesProcessed": str(120 * len(job["rows"]))}
        if chunk:
            out["rows"] = [{"f": [{"v": _bq_cell(r[n], t)} for n, t in BILLING_SCHEMA]} for r in chunk]
        if offset + size < len(rows):
            out["pageToken"] = base64.urlsafe_b64encode(str(offset + size).encode()).decode().rstrip("=")
        return out

    def jobs_get_query_results(self, ctx):
        with self.lock:
            job = self.jobs.get(ctx.params["jobId"])
            if job is None or job["projectId"] != ctx.params["projectId"]:
                raise ApiError(404, f"Not found: Job {ctx.params['projectId']}:{ctx.params['jobId']}", bq_reason="notFound")
            loc = ctx.query.get("location")
            if loc and loc.upper() != job["location"].upper():
                raise ApiError(404, f"Not found: Job {ctx.params['projectId']}:{ctx.params['jobId']} in location {loc}",
                               bq_reason="notFound")
            job["complete"] = True
            out = {"kind": "bigquery#getQueryResultsResponse", "etag": _stable_etag(job["jobId"]),
                   "jobReference": {"projectId": job["projectId"], "jobId": job["jobId"], "location": job["location"]},
                   "jobComplete": True}
            q = ctx.query
            return dict(out, **self._bq_page(job, q.get("maxResults"), q.get("pageToken"), q.get("startIndex")))

    # ------------------------------------------------------------------ views for tests
    def dump(self):
        with self.lock:
            return {
                "organization": self._org_json(),
                "folders": [self._folder_json(f) for f in self.folders.values()],
                "projects": [self._project_json(p) for p in self.projects.values()],
                "policies": {k: self.render_policy(v) for k, v in self.policies.items()},
                "roles": {k: self._role_json(v) for k, v in self.roles.items()},
                "service_accounts": list(self.service_accounts.values()),
                "workload_identity_pools": list(self.pools.values()),
                "workload_identity_pool_providers": list(self.providers.values()),
                "tokens": {t: {"principal": v["principal"], "principals": sorted(v["principals"]),
                               "expires": rfc3339(v["expires"]) if v["expires"] else None,
                               "attributes": v.get("attributes", {})}
                           for t, v in self.tokens.items()},
                "jobs": {k: {"projectId": v["projectId"], "complete": v["complete"], "rows": len(v["rows"])}
                         for k, v in self.jobs.items()},
                "counts": {"resources": len(self.resources), "log_entries": len(self.log_entries),
                           "billing_rows": len(self.billing["rows"])},
                "billing_table": self.billing["table"],
            }


def _aborted(message=None, injected=False):
    return ApiError(409, message or "There were concurrent policy changes. Please retry the whole "
                                    "read-modify-write with exponential backoff.", status="ABORTED",
                    metadata={"injected": str(injected).lower()})


def _stable_etag(seed):
    return base64.b64encode(hashlib.sha1(seed.encode()).digest()[:8]).decode()


def _with_token(body, token):
    if token:
        body["nextPageToken"] = token
    return body


def _terms(query):
    try:
        return exprs.parse_terms(query or "")
    except exprs.ExprError as e:
        raise invalid(f"query: {e}")


def _asset_match(r, key, op, val):
    if key == "":
        return any(exprs.text_match(r.get(f), ":", val) for f in ("name", "displayName", "description", "location"))
    if key in ("name", "displayName", "description", "location", "state", "assetType", "project", "kmsKey",
               "parentFullResourceName", "parentAssetType"):
        return exprs.text_match(r.get(key), op, val)
    if key == "labels":
        labels = r.get("labels", {})
        return any(exprs.text_match(k, op, val) or exprs.text_match(v, op, val) for k, v in labels.items())
    if key.startswith("labels."):
        labels = r.get("labels", {})
        lab = key.split(".", 1)[1]
        return lab in labels and (val == "*" or exprs.text_match(labels[lab], op, val))
    if key in ("networkTags", "folders"):
        return any(exprs.text_match(v, op, val) for v in r.get(key, []))
    raise invalid(f"unsupported by the fake: asset query key {key!r} (name, displayName, description, location, "
                  f"state, assetType, project, labels, labels.KEY, networkTags, folders, kmsKey)")


def _bq_cell(value, kind):
    if value is None:
        return None
    if kind == "FLOAT":
        return repr(float(value))
    return str(value)


def _synthetic(pid, asset_type, i):
    svc, kind = asset_type.split("/", 1)
    created = f"2025-{(i % 12) + 1:02d}-{(i % 27) + 1:02d}T10:00:00Z"
    if asset_type == "compute.googleapis.com/Instance":
        zone = ["us-central1-a", "europe-west1-b", "asia-east1-c"][i % 3]
        return {"project": pid, "assetType": asset_type, "location": zone, "state": "RUNNING",
                "name": f"//compute.googleapis.com/projects/{pid}/zones/{zone}/instances/vm-{i}",
                "displayName": f"vm-{i}", "labels": {"env": ["prod", "dev"][i % 2], "index": str(i)},
                "createTime": created, "updateTime": created,
                "additionalAttributes": {"id": str(7000000000000000000 + i), "machineType": "e2-medium",
                                         "networkInterfaceNetworks": [f"projects/{pid}/global/networks/default"]}}
    if asset_type == "storage.googleapis.com/Bucket":
        return {"project": pid, "assetType": asset_type, "location": "us", "name": f"//storage.googleapis.com/{pid}-bucket-{i}",
                "displayName": f"{pid}-bucket-{i}", "labels": {"env": "prod"}, "createTime": created,
                "updateTime": created, "additionalAttributes": {"storageClass": "STANDARD"}}
    return {"project": pid, "assetType": asset_type, "location": "global", "createTime": created, "updateTime": created,
            "name": f"//{svc}/projects/{pid}/{kind.lower()}s/{kind.lower()}-{i}", "displayName": f"{kind.lower()}-{i}"}
