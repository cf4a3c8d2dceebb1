"""A contract fake of Azure Resource Manager (and a minimal Entra ID token endpoint), for tests.

Azure has no emulator for Resource Graph, Activity Log, Cost Management, Management Groups or
Authorization, so this fake is built from Microsoft's published Swagger 2.0 specs and their
`x-ms-examples` (the fixtures tree, `crates/testkit/fixtures/azure/`). At start it loads the specs,
resolving `$ref`s across files, and routes every request to a spec operation by method and path
template (ARM paths are case-insensitive; `{scope}` spans slashes). Each request is checked:
Bearer token issued by this fake, the `api-version` the spec declares, path parameters (GUIDs
where ARM requires them), no undeclared query parameters, and the JSON body against the
operation's body schema. A request the spec does not allow is answered 400
`{"error":{"code":"InvalidRequest",...}}` and counted as invalid, with the reason. Every answer
is built from the operation's published example (adapted in ids and values) and validated
against the spec's response schema; an answer that breaks it is a 500 and counted as invalid.

Served: Resources (Resource Graph), Subscriptions_List/Get, ManagementGroups_GetDescendants,
ActivityLogs_List, Query_Usage (Cost Management), RoleDefinitions_CreateOrUpdate/Get/Delete/List,
RoleAssignments_Create/Get/Delete/ListForScope, and POST /{tenant}/oauth2/v2.0/token.
Published limits are enforced: Resource Graph 15 queries per 5 s per principal (with the
x-ms-user-quota-* headers), ARM reads 250-token bucket refilled at 25/s per principal and
subscription. Behaviours (PrincipalNotFound, 403, 429, page-size caps, ...) are set with
POST /_fake/behave. See README.md for the seed, control API and every choice made.

Usage: azure_fake.py [--seed FILE] [--fixtures DIR] [--port N] [--tls-cert PEM --tls-key PEM]
Prints "listening PORT" once ready. GET /_fake/stats answers the counters.
"""

import argparse
import base64
import copy
import datetime
import hashlib
import json
import math
import os
import pathlib
import re
import secrets
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import kql  # noqa: E402
from swagger import GUID_RE, Router, SpecSet, Validator, coerce_query, parse_datetime  # noqa: E402
from world import MG_NAME_RE, ScopeError, World, iso, parse_scope, stable_uuid, under  # noqa: E402

SPECS = "specification/"
SPEC_FILES = [
    "resourcegraph/resource-manager/Microsoft.ResourceGraph/stable/2024-04-01/resourcegraph.json",
    "resources/resource-manager/Microsoft.Resources/stable/2022-12-01/subscriptions.json",
    "managementgroups/resource-manager/Microsoft.Management/stable/2023-04-01/management.json",
    "monitor/resource-manager/Microsoft.Insights/stable/2015-04-01/activityLogs_API.json",
    "cost-management/resource-manager/Microsoft.CostManagement/stable/2025-03-01/costmanagement.json",
    "authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/authorization-RoleDefinitionsCalls.json",
    "authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/authorization-RoleAssignmentsCalls.json",
]
SERVED = {
    "Resources", "Subscriptions_List", "Subscriptions_Get", "ManagementGroups_GetDescendants",
    "ActivityLogs_List", "Query_Usage",
    "RoleDefinitions_CreateOrUpdate", "RoleDefinitions_Get", "RoleDefinitions_Delete", "RoleDefinitions_List",
    "RoleAssignments_Create", "RoleAssignments_Get", "RoleAssignments_Delete", "RoleAssignments_ListForScope",
}
# The RBAC action each operation needs (AuthorizationFailed messages, and enforce_rbac).
ACTIONS = {
    "Subscriptions_List": "Microsoft.Resources/subscriptions/read",
    "Subscriptions_Get": "Microsoft.Resources/subscriptions/read",
    "ManagementGroups_GetDescendants": "Microsoft.Management/managementGroups/descendants/read",
    "ActivityLogs_List": "Microsoft.Insights/eventtypes/values/read",
    "Query_Usage": "Microsoft.CostManagement/query/read",
    "RoleDefinitions_CreateOrUpdate": "Microsoft.Authorization/roleDefinitions/write",
    "RoleDefinitions_Get": "Microsoft.Authorization/roleDefinitions/read",
    "RoleDefinitions_List": "Microsoft.Authorization/roleDefinitions/read",
    "RoleDefinitions_Delete": "Microsoft.Authorization/roleDefinitions/delete",
    "RoleAssignments_Create": "Microsoft.Authorization/roleAssignments/write",
    "RoleAssignments_Get": "Microsoft.Authorization/roleAssignments/read",
    "RoleAssignments_ListForScope": "Microsoft.Authorization/roleAssignments/read",
    "RoleAssignments_Delete": "Microsoft.Authorization/roleAssignments/delete",
    "Resources": "Microsoft.ResourceGraph/resources/read",
}
ARM_AUDIENCES = {"https://management.azure.com", "https://management.azure.com/",
                 "https://management.core.windows.net", "https://management.core.windows.net/"}
DEFAULT_PAGE = {
    "Resources": 100, "Subscriptions_List": 1000, "ManagementGroups_GetDescendants": 1000,
    "ActivityLogs_List": 200, "Query_Usage": 1000, "RoleDefinitions_List": 1000, "RoleAssignments_ListForScope": 1000,
}
DEFAULT_BEHAVE = {
    "principal_not_found": 0,
    "deny": [],
    "throttle": [],
    "page_size": {},
    "arg_quota": {"limit": 15, "window_seconds": 5},
    "arm_reads": {"capacity": 250, "refill_per_second": 25},
    "token_lifetime": 3599,
    "null_next_link": False,
    "readonly": "ignore",
    "enforce_rbac": False,
    "activity_log_retention_days": 90,
    "last_requests": 200,
}
COST_COLUMNS = {"PreTaxCost", "Cost", "CostUSD", "PreTaxCostUSD"}
COST_GROUPINGS = {"servicename": "ServiceName", "resourcegroup": "ResourceGroup", "resourcegroupname": "ResourceGroupName"}
EVENT_FIELDS = None  # filled from the spec's EventData definition


class Reject(Exception):
    """An answer other than success. kind: invalid | unsupported | denied | throttled | None."""

    def __init__(self, status, code, message, kind=None, headers=None, details=None, rp=False):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.kind, self.headers, self.details, self.rp = kind, headers or {}, details, rp


def invalid(message):
    return Reject(400, "InvalidRequest", message, kind="invalid")


def unsupported(message):
    return Reject(400, "InvalidRequest", "not supported by the Azure contract fake: " + message, kind="unsupported")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(payload):
    return b64url(json.dumps(payload, separators=(",", ":")).encode())


def hms(seconds):
    seconds = max(0, int(math.ceil(seconds)))
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class Fake:
    def __init__(self, fixtures, seed):
        self.lock = threading.RLock()
        self.specs = SpecSet()
        root = pathlib.Path(fixtures)
        files = [root / SPECS / f for f in SPEC_FILES]
        self.router = Router(self.specs, files, SERVED)
        self.ops = {op.operation_id: op for op in self.router.operations if op.operation_id in SERVED}
        missing = SERVED - set(self.ops)
        if missing:
            raise SystemExit(f"specs lack operations {sorted(missing)}")
        global EVENT_FIELDS
        event_data, _ = self.specs.resolve("#/definitions/EventData", self.ops["ActivityLogs_List"].file)
        EVENT_FIELDS = set(event_data["properties"])
        self.world = World(seed)
        self.behave = copy.deepcopy(DEFAULT_BEHAVE)
        self.tokens = {}
        self.pages = {}
        self.arg_windows = {}
        self.arm_buckets = {}
        self.reset_stats()

    def reset_stats(self):
        self.stats = {
            "requests": 0, "by_operation": {}, "invalid": 0, "invalid_reasons": [],
            "unsupported": 0, "unsupported_reasons": [], "denied": 0, "throttled": 0,
            "throttled_by_operation": {}, "principal_not_found": 0, "conflicts": 0,
            "tokens_issued": 0, "token_errors": [], "readonly_ignored": [], "last": [],
        }

    # --- counting -------------------------------------------------------------------------

    def count(self, kind, reason, op_id=None):
        with self.lock:
            if kind in ("invalid", "unsupported"):
                self.stats[kind] += 1
                self.stats[kind + "_reasons"].append(reason)
            elif kind == "denied":
                self.stats["denied"] += 1
            elif kind == "throttled":
                self.stats["throttled"] += 1
                key = op_id or "?"
                self.stats["throttled_by_operation"][key] = self.stats["throttled_by_operation"].get(key, 0) + 1

    def record(self, entry):
        with self.lock:
            self.stats["last"].append(entry)
            keep = int(self.behave.get("last_requests", 200))
            del self.stats["last"][:-keep]

    def page_size(self, op_id, default=None):
        size = default or DEFAULT_PAGE.get(op_id, 1000)
        cap = self.behave.get("page_size", {}).get(op_id)
        return max(1, min(size, int(cap))) if cap else size

    def issue_page(self, op_id, **state):
        token = b64url_json({"o": op_id, "n": secrets.token_hex(6)})
        with self.lock:
            self.pages[token] = dict(state, op=op_id)
        return token

    # --- tokens -------------------------------------------------------------------------

    def token_endpoint(self, tenant, form):
        def aad_error(status, error, code, text, kind=None):
            message = f"AADSTS{code}: {text}"
            if kind:
                self.count(kind, "token endpoint: " + message)
            with self.lock:
                self.stats["token_errors"].append(message)
            return status, {
                "error": error, "error_description": message, "error_codes": [code],
                "timestamp": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ"),
                "trace_id": str(uuid.uuid4()), "correlation_id": str(uuid.uuid4()),
            }

        world = self.world
        if tenant.lower() != world.tenant:
            return aad_error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
        for key, values in form.items():
            if len(values) != 1:
                return aad_error(400, "invalid_request", 90014, f"The request has {key} more than once.", "invalid")
        form = {k: v[0] for k, v in form.items()}
        if form.get("grant_type") != "client_credentials":
            return aad_error(400, "unsupported_grant_type", 70003,
                             f"The app requested an unsupported grant type '{form.get('grant_type')}'.", "invalid")
        client_id = form.get("client_id", "")
        scope = form.get("scope", "")
        if not client_id:
            return aad_error(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.", "invalid")
        if not scope:
            return aad_error(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.", "invalid")
        scopes = scope.split()
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            return aad_error(400, "invalid_scope", 1002012,
                             f"The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", "invalid")
        secret = form.get("client_secret")
        assertion = form.get("client_assertion")
        if (secret is None) == (assertion is None):
            return aad_error(401, "invalid_client", 7000218,
                             "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", "invalid")
        # Other form fields (MSAL's x-client-*, client_info, claims, client-request-id ...) are ignored,
        # as Entra ID does.
        client = world.clients.get(client_id.lower())
        if world.clients and client is None:
            return aad_error(400, "unauthorized_client", 700016,
                             f"Application with identifier '{client_id}' was not found in the directory '{world.tenant}'.")
        if assertion is not None:
            if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
                return aad_error(400, "invalid_request", 7000219, "'client_assertion_type' must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.", "invalid")
            try:
                payload = json.loads(base64.urlsafe_b64decode(assertion.split(".")[1] + "==="))
            except (ValueError, IndexError):
                return aad_error(401, "invalid_client", 50027, "JWT token is invalid or malformed.", "invalid")
            if payload.get("iss") != client_id or payload.get("sub") != client_id:
                return aad_error(401, "invalid_client", 700023, "Client assertion 'iss' and 'sub' must be the client id.")
        elif client is not None and client["client_secret"] is not None and secret != client["client_secret"]:
            return aad_error(401, "invalid_client", 7000215,
                             f"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'.")
        lifetime = int(self.behave.get("token_lifetime", 3599))
        now = int(time.time())
        oid = client["object_id"] if client else stable_uuid("sp", client_id.lower())
        audience = scopes[0][: -len("/.default")]
        claims = {
            "aud": audience, "iss": f"https://sts.windows.net/{world.tenant}/", "iat": now, "nbf": now,
            "exp": now + lifetime, "appid": client_id, "appidacr": "1" if secret is not None else "2",
            "idp": f"https://sts.windows.net/{world.tenant}/", "idtyp": "app", "oid": oid, "sub": oid,
            "tid": world.tenant, "ver": "1.0", "uti": secrets.token_urlsafe(16),
        }
        token = ".".join([b64url_json({"typ": "JWT", "alg": "RS256", "kid": "azure-contract-fake"}),
                          b64url_json(claims), b64url(secrets.token_bytes(32))])
        with self.lock:
            self.tokens[token] = {"oid": oid, "client_id": client_id, "exp": now + lifetime, "aud": audience,
                                  "owner": bool(client["owner"]) if client else not world.clients}
            self.stats["tokens_issued"] += 1
        return 200, {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token}

    def authenticate(self, header):
        www = {"WWW-Authenticate": f'Bearer authorization_uri="https://login.microsoftonline.com/{self.world.tenant}", '
                                   'error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."'}
        if not header:
            raise Reject(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.", "invalid", www)
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Reject(401, "AuthenticationFailedInvalidHeader",
                         "Authentication failed. The 'Authorization' header is provided in an invalid format.", "invalid", www)
        info = self.tokens.get(token.strip())
        if info is None:
            raise Reject(401, "InvalidAuthenticationToken", "The access token is invalid (it was not issued by this fake).", "invalid", www)
        if info["aud"] not in ARM_AUDIENCES:
            raise Reject(401, "InvalidAuthenticationTokenAudience",
                         f"The access token has been obtained for wrong audience or resource '{info['aud']}'. It should exactly match with one of the allowed audiences "
                         "'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.",
                         "invalid", www)
        now = time.time()
        if info["exp"] <= now:
            fmt = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%m/%d/%Y %H:%M:%S")
            raise Reject(401, "ExpiredAuthenticationToken",
                         f"The access token expiry UTC time '{fmt(info['exp'])}' is earlier than current UTC time '{fmt(now)}'.", "invalid", www)
        return info

    # --- request checks ---------------------------------------------------------------------

    def check_request(self, ctx):
        op = ctx["op"]
        pairs = ctx["query_pairs"]
        seen = {}
        for key, value in pairs:
            if key.lower() in seen:
                raise invalid(f"query parameter {key!r} appears more than once")
            seen[key.lower()] = (key, value)
        if "api-version" not in seen:
            raise invalid(f"{op.operation_id} requires the api-version query parameter (the spec declares {op.api_version})")
        if seen["api-version"][1] != op.api_version:
            raise invalid(f"{op.operation_id}: api-version {seen['api-version'][1]!r} is not the spec's {op.api_version}")
        declared = {name.lower(): (param, name) for name, (param, _) in op.query_params.items()}
        ctx["query"] = {}
        for low, (key, value) in seen.items():
            if low in declared:
                param, name = declared[low]
                errors = coerce_query(value, param)
                if errors:
                    raise invalid(f"{op.operation_id}: " + "; ".join(errors))
                ctx["query"][name] = value
            elif low == "$skiptoken" and self.pages.get(value, {}).get("op") == op.operation_id:
                ctx["query"]["$skiptoken"] = value  # a next link this fake issued
            else:
                raise invalid(f"{op.operation_id}: query parameter {key!r} is not declared by the spec "
                              f"(declared: {sorted(op.query_params)})")
        for name, (param, _) in op.query_params.items():
            if param.get("required") and name not in ctx["query"]:
                raise invalid(f"{op.operation_id}: required query parameter {name!r} is missing")
        for name, value in ctx["params"].items():
            param = op.path_params[name][0]
            if value is None and name == "scope":
                continue
            errors = coerce_query(urllib.parse.unquote(value), param)
            if errors:
                raise invalid(f"{op.operation_id}: " + "; ".join(errors))
        params = ctx["params"]
        if "subscriptionId" in params and not GUID_RE.match(params["subscriptionId"]):
            raise invalid(f"{op.operation_id}: subscription id {params['subscriptionId']!r} is not a GUID")
        for name in ("roleAssignmentName", "roleDefinitionId"):
            if name in params and not GUID_RE.match(params[name]):
                raise invalid(f"{op.operation_id}: {name} {params[name]!r} is not a GUID (ARM names role "
                              "definitions and assignments by GUID)")
        if "groupId" in params and not MG_NAME_RE.match(params["groupId"]):
            raise invalid(f"{op.operation_id}: management group id {params['groupId']!r} is not valid")
        if "scope" in params:
            try:
                ctx["scope"] = parse_scope(params["scope"])
            except ScopeError as e:
                raise invalid(f"{op.operation_id}: {e}")
        body = ctx["raw_body"]
        if op.body_param is None:
            if body.strip():
                raise invalid(f"{op.operation_id} takes no request body")
            ctx["json"] = None
            return
        param, pfile = op.body_param
        if not body.strip():
            if param.get("required"):
                raise invalid(f"{op.operation_id}: the request body {param['name']!r} is required")
            ctx["json"] = None
            return
        ctype = ctx["headers"].get("Content-Type", "")
        if ctype.split(";")[0].strip().lower() != "application/json":
            raise invalid(f"{op.operation_id}: Content-Type {ctype!r} is not application/json")
        try:
            ctx["json"] = json.loads(body)
        except ValueError as e:
            raise invalid(f"{op.operation_id}: the body is not JSON ({e})")
        validator = Validator(self.specs, request=True)
        errors = validator.validate(ctx["json"], param["schema"], pfile, where="body")
        if errors:
            raise invalid(f"{op.operation_id}: " + "; ".join(errors))
        if validator.readonly:
            if self.behave.get("readonly") == "reject":
                raise invalid(f"{op.operation_id}: read-only properties in the request: {validator.readonly}")
            with self.lock:
                self.stats["readonly_ignored"].append({"operation": op.operation_id, "properties": validator.readonly})

    # --- behaviours and limits --------------------------------------------------------------

    def check_deny(self, ctx, scope):
        op_id = ctx["op"].operation_id
        for entry in self.behave.get("deny", []):
            target = entry.get("scope") or f"/subscriptions/{entry.get('subscription', '')}"
            if entry.get("operations") and op_id not in entry["operations"]:
                continue
            if entry.get("principal") and entry["principal"].lower() != ctx["auth"]["oid"]:
                continue
            if scope is not None and self.scope_under(scope, target):
                return entry
        return None

    def scope_under(self, scope, ancestor):
        try:
            return any(s.lower() == ancestor.lower().rstrip("/") or (ancestor == "/" and s == "/")
                       for s in self.world.ancestors(scope)) or under(scope, ancestor)
        except ScopeError:
            return under(scope, ancestor)

    def authorization_failed(self, ctx, scope, action=None):
        oid = ctx["auth"]["oid"]
        action = action or ACTIONS.get(ctx["op"].operation_id, "*/read")
        return Reject(403, "AuthorizationFailed",
                      f"The client '{oid}' with object id '{oid}' does not have authorization to perform action '{action}' "
                      f"over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
                      kind="denied")

    def authorize(self, ctx, scope, action=None):
        """403 when a deny behaviour covers `scope`, or enforce_rbac finds no grant."""
        if self.check_deny(ctx, scope):
            raise self.authorization_failed(ctx, scope, action)
        if self.behave.get("enforce_rbac") and not ctx["auth"]["owner"]:
            action = action or ACTIONS.get(ctx["op"].operation_id)
            if action and not self.world.allowed(ctx["auth"]["oid"], action, scope):
                raise self.authorization_failed(ctx, scope, action)

    def visible(self, ctx, scope, action):
        """True when the caller may read `scope` (deny behaviours and enforce_rbac)."""
        try:
            self.authorize(ctx, scope, action)
            return True
        except Reject:
            return False

    def check_throttle(self, ctx, subscription):
        op_id = ctx["op"].operation_id
        with self.lock:
            for entry in self.behave.get("throttle", []):
                if entry.get("operation") not in (op_id, "*"):
                    continue
                if entry.get("subscription") and (subscription or "") != entry["subscription"].lower():
                    continue
                if entry.get("remaining", entry.get("count", 1)) <= 0:
                    continue
                entry["remaining"] = entry.get("remaining", entry.get("count", 1)) - 1
                retry = int(entry.get("retry_after", 1))
                raise self.throttle_answer(ctx, retry, subscription)

    def throttle_answer(self, ctx, retry, subscription, quota_headers=None):
        op_id = ctx["op"].operation_id
        headers = {"Retry-After": str(retry)}
        if op_id == "Resources":
            headers.update(quota_headers or {"x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": hms(retry)})
            return Reject(429, "RateLimiting",
                          f"Please provide below info when asking for support: timestamp = {iso(datetime.datetime.now(datetime.timezone.utc))}, "
                          f"correlationId = {uuid.uuid4()}.", kind="throttled", headers=headers, rp=True,
                          details=[{"code": "RateLimiting", "message": "Client application has been throttled and should not attempt to repeat the "
                                    "request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help."}])
        if op_id == "Query_Usage":
            headers["x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after"] = str(retry)
            return Reject(429, "429", "Too many requests. Please retry.", kind="throttled", headers=headers, rp=True)
        if subscription:
            return Reject(429, "SubscriptionRequestsThrottled",
                          f"Number of 'read' requests for subscription '{subscription}' actor '{ctx['auth']['oid']}' exceeded. "
                          f"Please try again after '{retry}' seconds after the last request.", kind="throttled", headers=headers)
        return Reject(429, "TenantRequestsThrottled",
                      f"Number of requests for tenant '{self.world.tenant}' exceeded. Please try again after '{retry}' seconds.",
                      kind="throttled", headers=headers)

    def arg_quota(self, ctx):
        """Resource Graph: `limit` queries per `window_seconds` per principal (fixed window)."""
        conf = self.behave.get("arg_quota") or {}
        if not conf:
            return {}
        limit, window = int(conf.get("limit", 15)), float(conf.get("window_seconds", 5))
        oid = ctx["auth"]["oid"]
        now = time.monotonic()
        with self.lock:
            start, used = self.arg_windows.get(oid, (now, 0))
            if now - start >= window:
                start, used = now, 0
            resets = window - (now - start)
            if used >= limit:
                self.arg_windows[oid] = (start, used)
                headers = {"x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": hms(resets)}
                raise self.throttle_answer(ctx, int(math.ceil(resets)), None, headers)
            used += 1
            self.arg_windows[oid] = (start, used)
        return {"x-ms-user-quota-remaining": str(limit - used), "x-ms-user-quota-resets-after": hms(resets)}

    def arm_reads(self, ctx, subscription):
        """ARM reads: token bucket per (principal, subscription)."""
        conf = self.behave.get("arm_reads") or {}
        if not conf or not subscription or ctx["op"].method != "GET":
            return {}
        capacity, refill = float(conf.get("capacity", 250)), float(conf.get("refill_per_second", 25))
        key = (ctx["auth"]["oid"], subscription)
        now = time.monotonic()
        with self.lock:
            tokens, last = self.arm_buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * refill)
            if tokens < 1:
                self.arm_buckets[key] = (tokens, now)
                raise self.throttle_answer(ctx, int(math.ceil((1 - tokens) / refill)), subscription)
            self.arm_buckets[key] = (tokens - 1, now)
        return {"x-ms-ratelimit-remaining-subscription-reads": str(int(tokens - 1))}

    # --- answers -----------------------------------------------------------------------------

    def base_url(self, ctx):
        return f"{ctx['scheme']}://{ctx['headers'].get('Host', '127.0.0.1')}"

    def next_link(self, ctx, path, **query):
        return self.base_url(ctx) + path + "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote, safe="/:")

    def finish_page(self, ctx, body, key, link):
        if link:
            body[key] = link
        elif self.behave.get("null_next_link"):
            body[key] = None
        else:
            body.pop(key, None)
        return body

    def resume(self, ctx, **binding):
        """The offset of a fake-issued $skiptoken on this request (0 without one)."""
        token = ctx["query"].get("$skiptoken")
        if not token:
            return 0, None
        page = self.pages.get(token)
        if not page or page["op"] != ctx["op"].operation_id:
            raise invalid(f"{ctx['op'].operation_id}: $skiptoken {token!r} was not issued by this fake for this operation")
        for key, value in binding.items():
            if page.get(key) != value:
                raise invalid(f"{ctx['op'].operation_id}: the next link was not followed as issued ({key} changed)")
        return page["offset"], page

    def example(self, op_id, status="200"):
        body = self.ops[op_id].example(status)
        if body is None:
            raise RuntimeError(f"no published example for {op_id} {status}")
        return body


def event_from_example(template, sid, tenant, ev):
    """An EventData built on the published example: same fields, values from the world."""
    e = copy.deepcopy(template)
    when = ev["_when"]
    rid = ev["resourceId"]
    parts = rid.strip("/").split("/")
    rg = parts[3] if len(parts) > 3 and parts[2].lower() == "resourcegroups" else None
    provider = parts[5] if len(parts) > 5 and parts[4].lower() == "providers" else "Microsoft.Resources"
    op_name = ev.get("operationName", f"{provider}/write")
    status = ev.get("status", "Succeeded")
    caller = ev.get("caller", "admin@contoso.com")
    ticks = int((when - datetime.datetime(1, 1, 1, tzinfo=datetime.timezone.utc)).total_seconds() * 10**7)
    corr = ev.get("correlationId", stable_uuid("corr", ev["eventDataId"]))
    e["authorization"] = {"action": op_name, "role": ev.get("role", "Contributor"), "scope": rid}
    e["caller"] = caller
    iat = int(when.timestamp()) - 600
    claims = e.get("claims", {})
    for k in list(claims):
        v = claims[k]
        if k in ("iat", "nbf"):
            claims[k] = str(iat)
        elif k == "exp":
            claims[k] = str(iat + 3600)
        elif k.endswith("/tenantid"):
            claims[k] = tenant
        elif k.endswith("/objectidentifier"):
            claims[k] = stable_uuid("caller", caller)
        elif k == "iss":
            claims[k] = f"https://sts.windows.net/{tenant}/"
        elif k.endswith("/upn") or k.endswith("/claims/name"):
            claims[k] = caller
        elif k == "name":
            claims[k] = caller.split("@")[0]
        elif k == "groups":
            claims[k] = ""
        elif k == "appid":
            claims[k] = stable_uuid("app", caller)
        elif k in ("puid",) or k.endswith("/nameidentifier") or k.endswith("givenname") or k.endswith("surname"):
            claims[k] = stable_uuid("id", caller, k)[:16] if k == "puid" else caller.split("@")[0]
        else:
            claims[k] = v
    e["correlationId"] = corr
    e["description"] = ev.get("description", "")
    e["eventDataId"] = ev["eventDataId"]
    e["httpRequest"] = {"clientRequestId": stable_uuid("client", ev["eventDataId"]),
                        "clientIpAddress": ev.get("clientIpAddress", "192.0.2.10"),
                        "method": ev.get("httpMethod", "DELETE" if op_name.lower().endswith("/delete") else
                                         "POST" if op_name.lower().endswith("/action") else "PUT")}
    e["id"] = f"{rid}/events/{ev['eventDataId']}/ticks/{ticks}"
    e["level"] = ev.get("level", "Informational")
    if rg:
        e["resourceGroupName"] = rg
    else:
        e.pop("resourceGroupName", None)
    e["resourceProviderName"] = {"value": provider, "localizedValue": provider}
    e["operationId"] = corr
    e["operationName"] = {"value": op_name, "localizedValue": op_name}
    e["properties"] = ev.get("properties", {"statusCode": "OK" if status == "Succeeded" else "BadRequest"})
    e["status"] = {"value": status, "localizedValue": status}
    e["subStatus"] = {"value": "OK" if status == "Succeeded" else "", "localizedValue": "OK (HTTP Status Code: 200)" if status == "Succeeded" else ""}
    e["eventTimestamp"] = iso(when)
    e["submissionTimestamp"] = iso(when + datetime.timedelta(seconds=13))
    e["subscriptionId"] = sid
    for extra in ("category", "resourceType", "tenantId"):
        if extra in EVENT_FIELDS and extra in ev:
            e[extra] = ev[extra] if extra == "tenantId" else {"value": ev[extra], "localizedValue": ev[extra]}
    return e


class Handlers:
    """One method per served operationId: (fake, ctx) -> (status, body, headers)."""

    # --- Resource Graph ---------------------------------------------------------------------

    @staticmethod
    def Resources(fake, ctx):
        body = ctx["json"]
        world = fake.world
        subs = body.get("subscriptions")
        mgs = body.get("managementGroups")
        if subs is not None:
            if len(subs) > 1000:
                raise invalid(f"Resources: {len(subs)} subscriptions in one request; Resource Graph takes at most 1,000 (batch them)")
            for s in subs:
                if not GUID_RE.match(s):
                    raise invalid(f"Resources: subscription {s!r} is not a GUID")
        for m in mgs or []:
            if not MG_NAME_RE.match(m):
                raise invalid(f"Resources: management group {m!r} is not a valid name")
        if body.get("facets"):
            raise unsupported("Resources facets")
        options = body.get("options") or {}
        if options.get("authorizationScopeFilter", "AtScopeAndBelow") != "AtScopeAndBelow":
            raise unsupported("authorizationScopeFilter other than AtScopeAndBelow")
        try:
            query = kql.Query(body["query"])
        except kql.Unsupported as e:
            raise unsupported(f"Resource Graph query {body['query']!r}: {e}")
        quota_headers = fake.arg_quota(ctx)
        ctx["headers_out"].update(quota_headers)
        fake.check_throttle(ctx, None)
        signature = hashlib.sha256(json.dumps([body["query"], sorted(s.lower() for s in subs or []),
                                               sorted(m.lower() for m in mgs or [])]).encode()).hexdigest()
        token = options.get("$skipToken")
        page_state = None
        if token:
            page_state = fake.pages.get(token)
            if not page_state or page_state["op"] != "Resources":
                raise invalid("Resources: options.$skipToken was not issued by this fake")
            if page_state["signature"] != signature:
                raise invalid("Resources: a $skipToken must be sent with the same query and scopes as the request that returned it")
        if subs is not None:
            scope_subs = [world.subs[s.lower()] for s in subs if s.lower() in world.subs]
            scope_mgs = []
        elif mgs is not None:
            seen, scope_subs, scope_mgs = set(), [], []
            for m in mgs:
                if m.lower() not in world.mgs:
                    continue
                scope_mgs += [g for g in world.mgs.values() if m.lower() in world.mg_chain(g["name"].lower())]
                for s in world.mg_descendant_subs(m):
                    if s["id"] not in seen:
                        seen.add(s["id"])
                        scope_subs.append(s)
        else:
            scope_subs, scope_mgs = list(world.subs.values()), list(world.mgs.values())
        # Resource Graph answers only what the caller may read: a denied subscription's rows are
        # left out (no error), and with enforce_rbac each row needs its type's read action.
        readable = {s["id"] for s in scope_subs if not fake.check_deny(ctx, f"/subscriptions/{s['id']}")}
        rbac = fake.behave.get("enforce_rbac") and not ctx["auth"]["owner"]

        def can_read(row, scope):
            if not rbac:
                return True
            ns_type = row["type"]
            if ns_type == "microsoft.resources/subscriptions":
                action = "Microsoft.Resources/subscriptions/read"
            elif ns_type == "microsoft.resources/subscriptions/resourcegroups":
                action = "Microsoft.Resources/subscriptions/resourceGroups/read"
            elif ns_type == "microsoft.management/managementgroups":
                action = "Microsoft.Management/managementGroups/read"
            else:
                action = ns_type + "/read"
            return world.allowed(ctx["auth"]["oid"], action, scope)

        rows = []
        if query.table == "resources":
            for r in world.resources:
                if r["subscriptionId"] in readable and can_read(r, r["id"]):
                    rows.append(copy.deepcopy(r))
        else:
            for s in scope_subs:
                if s["id"] not in readable:
                    continue
                chain = world.mg_chain(s["mg"])
                row = {
                    "id": f"/subscriptions/{s['id']}", "name": s["display_name"], "type": "microsoft.resources/subscriptions",
                    "tenantId": world.tenant, "kind": "", "location": "", "resourceGroup": "", "subscriptionId": s["id"],
                    "managedBy": "", "sku": None, "plan": None, "tags": s["tags"], "identity": None, "zones": None,
                    "extendedLocation": None,
                    "properties": {"state": s["state"], "subscriptionPolicies": {
                        "locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
                        "managementGroupAncestorsChain": [{"name": world.mgs[m]["name"], "displayName": world.mgs[m]["display_name"]} for m in chain]},
                }
                if can_read(row, row["id"]):
                    rows.append(row)
                for (sid, _), rg in sorted(world.rgs.items()):
                    if sid != s["id"]:
                        continue
                    rid = f"/subscriptions/{sid}/resourceGroups/{rg['name']}"
                    row = {
                        "id": rid, "name": rg["name"], "type": "microsoft.resources/subscriptions/resourcegroups",
                        "tenantId": world.tenant, "kind": "", "location": rg["location"], "resourceGroup": rg["name"].lower(),
                        "subscriptionId": sid, "managedBy": "", "sku": None, "plan": None, "tags": rg["tags"], "identity": None,
                        "zones": None, "extendedLocation": None, "properties": {"provisioningState": "Succeeded"},
                    }
                    if can_read(row, rid):
                        rows.append(row)
            for g in scope_mgs:
                gid = f"/providers/Microsoft.Management/managementGroups/{g['name']}"
                if fake.check_deny(ctx, gid):
                    continue
                parent = world.mgs.get(g["parent"]) if g["parent"] else None
                row = {
                    "id": gid, "name": g["name"], "type": "microsoft.management/managementgroups", "tenantId": world.tenant,
                    "kind": "", "location": "", "resourceGroup": "", "subscriptionId": "", "managedBy": "", "sku": None,
                    "plan": None, "tags": {}, "identity": None, "zones": None, "extendedLocation": None,
                    "properties": {"displayName": g["display_name"], "details": {
                        "parent": {"name": parent["name"], "displayName": parent["display_name"],
                                   "id": f"/providers/Microsoft.Management/managementGroups/{parent['name']}"} if parent else None}},
                }
                if can_read(row, gid):
                    rows.append(row)
        rows, columns = query.run(rows)
        if page_state:
            offset, size = page_state["offset"], page_state["size"]
        else:
            offset, size = 0, DEFAULT_PAGE["Resources"]
        if "$top" in options:
            size = options["$top"]
        if "$skip" in options:
            offset = options["$skip"]
        size = fake.page_size("Resources", size)
        page = rows[offset:offset + size]
        answer = fake.example("Resources")
        answer["totalRecords"] = len(rows)
        answer["count"] = len(page)
        answer["resultTruncated"] = "false"
        answer["facets"] = []
        if options.get("resultFormat") == "table":
            names = columns or (list(page[0]) if page else list(rows[0]) if rows else [])
            answer["data"] = {"columns": [{"name": n, "type": column_type([r.get(n) for r in rows])} for n in names],
                              "rows": [[r.get(n) for n in names] for r in page]}
        else:
            answer["data"] = page
        if offset + size < len(rows):
            answer["$skipToken"] = fake.issue_page("Resources", offset=offset + size, size=size, signature=signature)
        else:
            answer.pop("$skipToken", None)
        return 200, answer, {}

    # --- Subscriptions ------------------------------------------------------------------------

    @staticmethod
    def _subscription(fake, template, s):
        item = copy.deepcopy(template)
        item["id"] = f"/subscriptions/{s['id']}"
        item["subscriptionId"] = s["id"]
        item["tenantId"] = fake.world.tenant
        item["displayName"] = s["display_name"]
        item["state"] = s["state"]
        item["subscriptionPolicies"] = {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01",
                                        "spendingLimit": "Off"}
        item["authorizationSource"] = "RoleBased"
        item["managedByTenants"] = [{"tenantId": t} for t in s["managed_by_tenants"]]
        item["tags"] = s["tags"]
        return item

    @staticmethod
    def Subscriptions_List(fake, ctx):
        fake.check_throttle(ctx, None)
        template = fake.example("Subscriptions_List")
        subs = [s for _, s in sorted(fake.world.subs.items())
                if fake.visible(ctx, f"/subscriptions/{s['id']}", ACTIONS["Subscriptions_List"])]
        offset, _ = fake.resume(ctx)
        size = fake.page_size("Subscriptions_List")
        page = subs[offset:offset + size]
        body = {"value": [Handlers._subscription(fake, template["value"][0], s) for s in page], "nextLink": None}
        link = None
        if offset + size < len(subs):
            link = fake.next_link(ctx, "/subscriptions", **{"api-version": ctx["op"].api_version,
                                  "$skiptoken": fake.issue_page("Subscriptions_List", offset=offset + size)})
        return 200, fake.finish_page(ctx, body, "nextLink", link), {}

    @staticmethod
    def Subscriptions_Get(fake, ctx):
        sid = ctx["params"]["subscriptionId"].lower()
        fake.check_throttle(ctx, sid)
        headers = fake.arm_reads(ctx, sid)
        if sid not in fake.world.subs:
            raise Reject(404, "SubscriptionNotFound", f"The subscription '{sid}' could not be found.")
        fake.authorize(ctx, f"/subscriptions/{sid}")
        template = fake.example("Subscriptions_List")["value"][0]
        return 200, Handlers._subscription(fake, template, fake.world.subs[sid]), headers

    # --- Management groups --------------------------------------------------------------------

    @staticmethod
    def ManagementGroups_GetDescendants(fake, ctx):
        world = fake.world
        group = ctx["params"]["groupId"].lower()
        fake.check_throttle(ctx, None)
        if group not in world.mgs:
            raise Reject(404, "NotFound", f"Management group '{ctx['params']['groupId']}' was not found.", rp=True)
        gid = f"/providers/Microsoft.Management/managementGroups/{world.mgs[group]['name']}"
        fake.authorize(ctx, gid)
        template = fake.example("ManagementGroups_GetDescendants")["value"]
        mg_tpl = next(v for v in template if v["type"].endswith("managementGroups"))
        sub_tpl = next(v for v in template if v["type"].endswith("subscriptions"))
        out, queue = [], [group]
        while queue:
            parent = queue.pop(0)
            pid = f"/providers/Microsoft.Management/managementGroups/{world.mgs[parent]['name']}"
            for key, g in sorted(world.mgs.items()):
                if g["parent"] == parent:
                    item = copy.deepcopy(mg_tpl)
                    item.update(id=f"/providers/Microsoft.Management/managementGroups/{g['name']}", name=g["name"])
                    item["properties"] = {"displayName": g["display_name"], "parent": {"id": pid}}
                    out.append(item)
                    queue.append(key)
            for sid, s in sorted(world.subs.items()):
                if s["mg"] == parent:
                    item = copy.deepcopy(sub_tpl)
                    item.update(id=f"/subscriptions/{sid}", name=sid)
                    item["properties"] = {"displayName": s["display_name"], "parent": {"id": pid}}
                    out.append(item)
        offset, _ = fake.resume(ctx)
        size = fake.page_size("ManagementGroups_GetDescendants", int(ctx["query"]["$top"]) if "$top" in ctx["query"] else None)
        body = {"value": out[offset:offset + size], "nextLink": None}
        link = None
        if offset + size < len(out):
            query = {"api-version": ctx["op"].api_version,
                     "$skiptoken": fake.issue_page("ManagementGroups_GetDescendants", offset=offset + size)}
            if "$top" in ctx["query"]:
                query["$top"] = ctx["query"]["$top"]
            link = fake.next_link(ctx, f"/providers/Microsoft.Management/managementGroups/{world.mgs[group]['name']}/descendants", **query)
        return 200, fake.finish_page(ctx, body, "nextLink", link), {}

    # --- Activity log ---------------------------------------------------------------------------

    @staticmethod
    def ActivityLogs_List(fake, ctx):
        world = fake.world
        sid = ctx["params"]["subscriptionId"].lower()
        fake.check_throttle(ctx, sid)
        headers = fake.arm_reads(ctx, sid)
        flt = ctx["query"].get("$filter")
        if flt is None:
            raise invalid("ActivityLogs_List: $filter is required in practice: the service answers 400 without an "
                          "'eventTimestamp ge' lower bound (Azure/azure-rest-api-specs#2467)")
        clauses = re.split(r"\s+and\s+", flt.strip(), flags=re.I)
        found = {}
        for clause in clauses:
            m = re.fullmatch(r"(eventTimestamp)\s+(ge|le)\s+'([^']*)'|(resourceGroupName|resourceUri|resourceProvider|correlationId)\s+eq\s+'([^']*)'",
                             clause.strip())
            if not m:
                raise invalid(f"ActivityLogs_List: $filter clause {clause!r} is not one of the patterns the spec allows "
                              "(eventTimestamp ge/le '…', resourceGroupName/resourceUri/resourceProvider/correlationId eq '…')")
            key = (m.group(1) + " " + m.group(2)) if m.group(1) else m.group(4)
            if key in found:
                raise invalid(f"ActivityLogs_List: $filter has {key} twice")
            found[key] = m.group(3) if m.group(1) else m.group(5)
        if "eventTimestamp ge" not in found:
            raise invalid("ActivityLogs_List: $filter must start the window with eventTimestamp ge '…'")
        if len([k for k in found if not k.startswith("eventTimestamp")]) > 1:
            raise invalid("ActivityLogs_List: $filter may add only one of resourceGroupName, resourceUri, resourceProvider, correlationId")
        start = parse_datetime(found["eventTimestamp ge"])
        end = parse_datetime(found["eventTimestamp le"]) if "eventTimestamp le" in found else datetime.datetime.now(datetime.timezone.utc)
        if start is None or end is None:
            raise invalid(f"ActivityLogs_List: $filter timestamps must be RFC 3339 ({flt!r})")
        if start > end:
            raise invalid("ActivityLogs_List: eventTimestamp ge is after eventTimestamp le")
        retention = float(fake.behave.get("activity_log_retention_days", 90))
        if start < datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=retention, minutes=10):
            raise invalid(f"ActivityLogs_List: eventTimestamp ge {found['eventTimestamp ge']} is more than {retention:g} days ago "
                          "(the Activity Log keeps 90 days; the service answers 400)")
        select = ctx["query"].get("$select")
        fields = None
        if select is not None:
            fields = [f.strip() for f in select.split(",")]
            bad = [f for f in fields if f not in EVENT_FIELDS]
            if bad or not fields:
                raise invalid(f"ActivityLogs_List: $select names {bad}, not EventData properties")
        if sid not in world.subs:
            raise Reject(404, "SubscriptionNotFound", f"The subscription '{sid}' could not be found.")
        fake.authorize(ctx, f"/subscriptions/{sid}")
        offset, _ = fake.resume(ctx, filter=flt, select=select)
        events = []
        for ev in world.events[sid]:
            if not (start <= ev["_when"] <= end):
                continue
            rid = ev["resourceId"].lower()
            if "resourceGroupName" in found and f"/resourcegroups/{found['resourceGroupName'].lower()}/" not in rid + "/":
                continue
            if "resourceUri" in found and rid != found["resourceUri"].lower():
                continue
            if "resourceProvider" in found and f"/providers/{found['resourceProvider'].lower()}/" not in rid + "/":
                continue
            if "correlationId" in found and ev.get("correlationId", "").lower() != found["correlationId"].lower():
                continue
            events.append(ev)
        size = fake.page_size("ActivityLogs_List")
        template = fake.example("ActivityLogs_List")["value"][0]
        page = []
        for ev in events[offset:offset + size]:
            item = event_from_example(template, sid, world.tenant, ev)
            if fields is not None:
                item = {k: v for k, v in item.items() if k in fields}
            page.append(item)
        link = None
        if offset + size < len(events):
            query = {"api-version": ctx["op"].api_version, "$filter": flt}
            if select is not None:
                query["$select"] = select
            query["$skiptoken"] = fake.issue_page("ActivityLogs_List", offset=offset + size, filter=flt, select=select)
            link = fake.next_link(ctx, f"/subscriptions/{sid}/providers/Microsoft.Insights/eventtypes/management/values", **query)
        return 200, fake.finish_page(ctx, {"value": page, "nextLink": None}, "nextLink", link), headers

    # --- Cost Management --------------------------------------------------------------------------

    @staticmethod
    def Query_Usage(fake, ctx):
        world = fake.world
        scope = ctx["scope"]
        body = ctx["json"]
        if scope["kind"] not in ("sub", "rg", "mg"):
            raise unsupported(f"Query_Usage at scope {scope['canonical']!r} (the fake serves subscription, resource group "
                              "and management group scopes)")
        timeframe = body["timeframe"]
        period = body.get("timePeriod")
        if timeframe == "Custom" and period is None:
            raise invalid("Query_Usage: timeframe Custom requires timePeriod")
        if timeframe != "Custom" and period is not None:
            raise invalid(f"Query_Usage: timePeriod is only read with timeframe Custom, not {timeframe}")
        dataset = body["dataset"]
        if dataset.get("filter") is not None:
            raise unsupported("Query_Usage dataset.filter")
        if dataset.get("configuration") is not None:
            raise unsupported("Query_Usage dataset.configuration")
        aggregation = dataset.get("aggregation") or {}
        if not aggregation:
            raise unsupported("Query_Usage without dataset.aggregation")
        for alias, agg in aggregation.items():
            if agg["name"] not in COST_COLUMNS:
                raise invalid(f"Query_Usage: aggregation {alias!r} sums {agg['name']!r}, not a cost column ({sorted(COST_COLUMNS)})")
        groupings = []
        for g in dataset.get("grouping") or []:
            if g["type"] != "Dimension" or g["name"].lower() not in COST_GROUPINGS:
                raise unsupported(f"Query_Usage grouping {g} (the fake groups by Dimension ServiceName or ResourceGroup)")
            groupings.append(g["name"])
        today = world.clock().date()
        if timeframe == "Custom":
            start = parse_datetime(period["from"]).date()
            end = parse_datetime(period["to"]).date()
            if start > end:
                raise invalid("Query_Usage: timePeriod.from is after timePeriod.to")
            if (end - start).days > 366:
                raise invalid("Query_Usage: Invalid query definition: The time period for pulling the data cannot exceed 1 year(s)")
        elif timeframe in ("MonthToDate", "BillingMonthToDate"):
            start, end = today.replace(day=1), today
        elif timeframe in ("TheLastMonth", "TheLastBillingMonth"):
            end = today.replace(day=1) - datetime.timedelta(days=1)
            start = end.replace(day=1)
        else:  # WeekToDate
            start, end = today - datetime.timedelta(days=today.weekday()), today
        fake.check_throttle(ctx, scope.get("sub"))
        if scope["kind"] == "mg":
            if scope["mg"].lower() not in world.mgs:
                raise Reject(404, "NotFound", f"Management group '{scope['mg']}' was not found.", rp=True)
            subs = [s["id"] for s in world.mg_descendant_subs(scope["mg"])]
        else:
            if scope["sub"] not in world.subs:
                raise Reject(404, "SubscriptionNotFound", f"The subscription '{scope['sub']}' could not be found.")
            subs = [scope["sub"]]
        fake.authorize(ctx, scope["canonical"])
        binding = hashlib.sha256(json.dumps([scope["canonical"].lower(), body], sort_keys=True).encode()).hexdigest()
        offset, _ = fake.resume(ctx, binding=binding)
        daily = dataset.get("granularity") == "Daily"
        totals = {}
        for sid in subs:
            for row in world.costs.get(sid, []):
                if not (start <= row["date"] <= end):
                    continue
                if scope["kind"] == "rg" and (row.get("resource_group") or "").lower() != scope["rg"].lower():
                    continue
                key = []
                for g in groupings:
                    key.append(row["service"] if g.lower() == "servicename" else (row.get("resource_group") or "").lower())
                if daily:
                    key.append(int(row["date"].strftime("%Y%m%d")))
                totals[tuple(key)] = totals.get(tuple(key), 0.0) + row["cost"]
        columns = [{"name": agg["name"], "type": "Number"} for agg in aggregation.values()]
        columns += [{"name": COST_GROUPINGS[g.lower()], "type": "String"} for g in groupings]
        if daily:
            columns.append({"name": "UsageDate", "type": "Number"})
        columns.append({"name": "Currency", "type": "String"})
        ordered = sorted(totals.items(), key=lambda kv: (kv[0][-1] if daily else 0, kv[0]))
        rows = [[round(total, 10) for _ in aggregation] + list(key) + [world.currency] for key, total in ordered]
        size = fake.page_size("Query_Usage")
        answer = fake.example("Query_Usage")
        answer["id"] = f"{scope['canonical']}/providers/Microsoft.CostManagement/query/{uuid.uuid4()}"
        answer["name"] = str(uuid.uuid4())
        answer["properties"]["columns"] = columns
        answer["properties"]["rows"] = rows[offset:offset + size]
        link = None
        if offset + size < len(rows):
            link = fake.next_link(ctx, f"{scope['canonical']}/providers/Microsoft.CostManagement/query",
                                  **{"api-version": ctx["op"].api_version,
                                     "$skiptoken": fake.issue_page("Query_Usage", offset=offset + size, binding=binding)})
        fake.finish_page(ctx, answer["properties"], "nextLink", link)
        return 200, answer, {}

    # --- Role definitions -----------------------------------------------------------------------

    @staticmethod
    def _role_definition(fake, rd, scope, op_id="RoleDefinitions_Get", status="200"):
        # Each operation's own published example where there is one (PutRoleDefinition 201,
        # DeleteRoleDefinition 200, GetRoleDefinitionByName); RoleDefinitions_List has none
        # (GetRoleDefinitionAtScope.json is not published in the fixtures), so its items use Get's.
        body = fake.ops[op_id].example(status) or fake.example("RoleDefinitions_Get")
        prefix = "" if scope == "/" else scope.rstrip("/")
        body["id"] = f"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{rd['name']}"
        body["name"] = rd["name"]
        body["type"] = "Microsoft.Authorization/roleDefinitions"
        body["properties"] = {
            "roleName": rd["roleName"], "type": rd["type"], "description": rd["description"],
            "assignableScopes": rd["assignableScopes"], "permissions": rd["permissions"],
        }
        return body

    @staticmethod
    def _scope_exists(fake, scope):
        if not fake.world.exists(scope):
            if scope["kind"] == "sub":
                raise Reject(404, "SubscriptionNotFound", f"The subscription '{scope['sub']}' could not be found.")
            if scope["kind"] in ("rg", "resource"):
                if scope["sub"] not in fake.world.subs:
                    raise Reject(404, "SubscriptionNotFound", f"The subscription '{scope['sub']}' could not be found.")
                raise Reject(404, "ResourceGroupNotFound", f"Resource group '{scope['rg']}' could not be found.")
            raise Reject(404, "ManagementGroupNotFound", f"Management group '{scope['mg']}' was not found.")

    @staticmethod
    def _visible(fake, rd, scope):
        return any(fake.world.is_ancestor_or_self(a, scope["canonical"]) or fake.world.is_ancestor_or_self(scope["canonical"], a)
                   for a in rd["assignableScopes"]) if rd["type"] != "BuiltInRole" else True

    @staticmethod
    def RoleDefinitions_CreateOrUpdate(fake, ctx):
        world = fake.world
        scope = ctx["scope"]
        name = ctx["params"]["roleDefinitionId"].lower()
        props = ctx["json"].get("properties") or {}
        if not props.get("roleName"):
            raise invalid("RoleDefinitions_CreateOrUpdate: properties.roleName is required by ARM")
        if props.get("type", "CustomRole").lower() != "customrole":
            raise invalid(f"RoleDefinitions_CreateOrUpdate: properties.type {props.get('type')!r} must be CustomRole")
        assignable = props.get("assignableScopes") or []
        if not assignable:
            raise invalid("RoleDefinitions_CreateOrUpdate: properties.assignableScopes must name at least one scope")
        if not props.get("permissions"):
            raise invalid("RoleDefinitions_CreateOrUpdate: properties.permissions must hold one permission set")
        canonical = []
        for a in assignable:
            try:
                parsed = parse_scope(a)
            except ScopeError as e:
                raise invalid(f"RoleDefinitions_CreateOrUpdate: assignable scope {a!r}: {e}")
            if parsed["kind"] == "root" or not a.startswith("/"):
                raise invalid(f"RoleDefinitions_CreateOrUpdate: assignable scope {a!r} must be a management group, subscription or resource group id")
            Handlers._scope_exists(fake, parsed)
            canonical.append(parsed["canonical"])
        if scope["kind"] in ("root", "resource"):
            raise invalid(f"RoleDefinitions_CreateOrUpdate: a custom role is created at a management group, subscription or resource group, not {scope['canonical']!r}")
        Handlers._scope_exists(fake, scope)
        if not any(world.is_ancestor_or_self(scope["canonical"], a) for a in canonical):
            raise invalid(f"RoleDefinitions_CreateOrUpdate: the request scope {scope['canonical']!r} is not one of (or above) the "
                          f"assignable scopes {assignable}")
        fake.check_throttle(ctx, scope.get("sub"))
        fake.authorize(ctx, scope["canonical"])
        with fake.lock:
            for other in world.role_definitions.values():
                if other["name"] != name and other["type"] != "BuiltInRole" and other["roleName"].lower() == props["roleName"].lower():
                    with fake.lock:
                        fake.stats["conflicts"] += 1
                    raise Reject(409, "RoleDefinitionWithSameNameExists",
                                 "A custom role with the same name already exists in this directory. Use a different name.", rp=True)
            existing = world.role_definitions.get(name)
            if existing and existing["type"] == "BuiltInRole":
                raise Reject(400, "InvalidRequest", "built-in roles cannot be changed", kind="invalid")
            world.role_definitions[name] = {
                "name": name, "scope": scope["canonical"], "roleName": props["roleName"], "type": "CustomRole",
                "description": props.get("description", ""), "assignableScopes": assignable,
                "permissions": [{k: list(p.get(k, [])) for k in ("actions", "notActions", "dataActions", "notDataActions")}
                                for p in props["permissions"]],
            }
            return 201, Handlers._role_definition(fake, world.role_definitions[name], scope["canonical"],
                                                  "RoleDefinitions_CreateOrUpdate", "201"), {}

    @staticmethod
    def RoleDefinitions_Get(fake, ctx):
        scope = ctx["scope"]
        Handlers._scope_exists(fake, scope)
        fake.check_throttle(ctx, scope.get("sub"))
        headers = fake.arm_reads(ctx, scope.get("sub"))
        fake.authorize(ctx, scope["canonical"])
        name = ctx["params"]["roleDefinitionId"].lower()
        rd = fake.world.role_definitions.get(name)
        if rd is None or not Handlers._visible(fake, rd, scope):
            raise Reject(404, "RoleDefinitionDoesNotExist", f"The specified role definition with ID '{name}' does not exist.", rp=True)
        return 200, Handlers._role_definition(fake, rd, scope["canonical"]), headers

    @staticmethod
    def RoleDefinitions_Delete(fake, ctx):
        world = fake.world
        scope = ctx["scope"]
        Handlers._scope_exists(fake, scope)
        fake.check_throttle(ctx, scope.get("sub"))
        fake.authorize(ctx, scope["canonical"])
        name = ctx["params"]["roleDefinitionId"].lower()
        with fake.lock:
            rd = world.role_definitions.get(name)
            if rd is None or not Handlers._visible(fake, rd, scope):
                return 204, None, {}
            if rd["type"] == "BuiltInRole":
                raise invalid("RoleDefinitions_Delete: built-in roles cannot be deleted")
            if any(world.role_guid(ra["roleDefinitionId"]) == name for ra in world.role_assignments.values()):
                raise Reject(409, "RoleDefinitionHasAssignments",
                             "There are existing role assignments referencing role (code: RoleDefinitionHasAssignments).", rp=True)
            body = Handlers._role_definition(fake, rd, scope["canonical"], "RoleDefinitions_Delete")
            del world.role_definitions[name]
            return 200, body, {}

    @staticmethod
    def RoleDefinitions_List(fake, ctx):
        scope = ctx["scope"]
        Handlers._scope_exists(fake, scope)
        fake.check_throttle(ctx, scope.get("sub"))
        headers = fake.arm_reads(ctx, scope.get("sub"))
        fake.authorize(ctx, scope["canonical"])
        flt = ctx["query"].get("$filter")
        want = None
        if flt is not None:
            m = re.fullmatch(r"\s*(roleName|type)\s+eq\s+'([^']*)'\s*", flt)
            if not m:
                raise invalid(f"RoleDefinitions_List: $filter {flt!r} is not roleName eq '…' or type eq '…'")
            want = (m.group(1), m.group(2))
        items = []
        for name, rd in sorted(fake.world.role_definitions.items()):
            if not Handlers._visible(fake, rd, scope):
                continue
            if want and rd["roleName" if want[0] == "roleName" else "type"].lower() != want[1].lower():
                continue
            items.append(Handlers._role_definition(fake, rd, scope["canonical"]))
        offset, _ = fake.resume(ctx, filter=flt)
        size = fake.page_size("RoleDefinitions_List")
        link = None
        if offset + size < len(items):
            query = {"api-version": ctx["op"].api_version}
            if flt is not None:
                query["$filter"] = flt
            query["$skiptoken"] = fake.issue_page("RoleDefinitions_List", offset=offset + size, filter=flt)
            prefix = "" if scope["canonical"] == "/" else scope["canonical"]
            link = fake.next_link(ctx, f"{prefix}/providers/Microsoft.Authorization/roleDefinitions", **query)
        return 200, fake.finish_page(ctx, {"value": items[offset:offset + size], "nextLink": None}, "nextLink", link), headers

    # --- Role assignments -----------------------------------------------------------------------

    @staticmethod
    def _role_assignment(fake, ra, op_id="RoleAssignments_Get", status="200"):
        op = fake.ops[op_id]
        body = op.example(status)
        if body is None:
            body = (op.example("200") or {}).get("value", [None])[0] or fake.example("RoleAssignments_Get")
        body["properties"] = {
            "roleDefinitionId": ra["roleDefinitionId"], "principalId": ra["principalId"],
            "principalType": ra["principalType"], "scope": ra["scope"],
        }
        for key in ("description", "condition", "conditionVersion"):
            if ra.get(key) is not None:
                body["properties"][key] = ra[key]
        prefix = "" if ra["scope"] == "/" else ra["scope"]
        body["id"] = f"{prefix}/providers/Microsoft.Authorization/roleAssignments/{ra['name']}"
        body["name"] = ra["name"]
        body["type"] = "Microsoft.Authorization/roleAssignments"
        return body

    @staticmethod
    def RoleAssignments_Create(fake, ctx):
        world = fake.world
        scope = ctx["scope"]
        name = ctx["params"]["roleAssignmentName"].lower()
        props = ctx["json"]["properties"]
        rdid = props["roleDefinitionId"]
        if not re.fullmatch(r"(/subscriptions/[0-9a-fA-F-]{36}|/providers/Microsoft\.Management/managementGroups/[^/]+)?"
                            r"/providers/Microsoft\.Authorization/roleDefinitions/[0-9a-fA-F-]{36}", rdid, re.I):
            raise invalid(f"RoleAssignments_Create: roleDefinitionId {rdid!r} is not a role definition resource id "
                          "(/subscriptions/GUID/providers/Microsoft.Authorization/roleDefinitions/GUID)")
        principal = props["principalId"]
        if not GUID_RE.match(principal):
            raise invalid(f"RoleAssignments_Create: principalId {principal!r} is not a GUID (an object id)")
        if scope["kind"] == "root":
            raise invalid("RoleAssignments_Create: the fake does not assign at the root scope '/'")
        Handlers._scope_exists(fake, scope)
        fake.check_throttle(ctx, scope.get("sub"))
        fake.authorize(ctx, scope["canonical"])
        with fake.lock:
            if fake.behave.get("principal_not_found", 0) > 0 or (world.principals and principal.lower() not in world.principals):
                if fake.behave.get("principal_not_found", 0) > 0:
                    fake.behave["principal_not_found"] -= 1
                fake.stats["principal_not_found"] += 1
                raise Reject(400, "PrincipalNotFound",
                             f"Principal {principal.replace('-', '')} does not exist in the directory {world.tenant}. Check that you have the "
                             "correct principal ID. If you are creating this principal and then immediately assigning a role, this error "
                             "might be related to a replication delay. In this case, set the role assignment principalType property to a "
                             "value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype", rp=True)
            guid = world.role_guid(rdid)
            rd = world.role_definitions.get(guid)
            if rd is None:
                raise Reject(400, "RoleDefinitionDoesNotExist", f"The specified role definition with ID '{guid}' does not exist.", rp=True)
            if rd["type"] != "BuiltInRole" and not any(world.is_ancestor_or_self(a, scope["canonical"]) for a in rd["assignableScopes"]):
                raise invalid(f"RoleAssignments_Create: role definition {guid} is not assignable at {scope['canonical']} "
                              f"(its assignableScopes are {rd['assignableScopes']})")
            fresh = {"roleDefinitionId": rdid, "principalId": principal.lower(),
                     "principalType": props.get("principalType", "User"), "description": props.get("description"),
                     "condition": props.get("condition"), "conditionVersion": props.get("conditionVersion")}
            existing = world.role_assignments.get(name)
            if existing:
                same = (existing["principalId"] == fresh["principalId"]
                        and world.role_guid(existing["roleDefinitionId"]) == guid
                        and existing["scope"].lower() == scope["canonical"].lower())
                if not same:
                    raise Reject(400, "RoleAssignmentUpdateNotPermitted",
                                 "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.", rp=True)
                existing.update({k: v for k, v in fresh.items() if k in ("description", "condition", "conditionVersion")})
                return 200, Handlers._role_assignment(fake, existing, "RoleAssignments_Create", "200"), {}
            for other in world.role_assignments.values():
                if (other["principalId"] == fresh["principalId"] and world.role_guid(other["roleDefinitionId"]) == guid
                        and other["scope"].lower() == scope["canonical"].lower()):
                    fake.stats["conflicts"] += 1
                    raise Reject(409, "RoleAssignmentExists", "The role assignment already exists.", rp=True)
            world.put_assignment(scope["canonical"], name, fresh)
            return 201, Handlers._role_assignment(fake, world.role_assignments[name], "RoleAssignments_Create", "201"), {}

    @staticmethod
    def RoleAssignments_Get(fake, ctx):
        scope = ctx["scope"]
        Handlers._scope_exists(fake, scope)
        fake.check_throttle(ctx, scope.get("sub"))
        headers = fake.arm_reads(ctx, scope.get("sub"))
        fake.authorize(ctx, scope["canonical"])
        name = ctx["params"]["roleAssignmentName"].lower()
        ra = fake.world.role_assignments.get(name)
        if ra is None or ra["scope"].lower() != scope["canonical"].lower():
            raise Reject(404, "RoleAssignmentNotFound", f"The role assignment '{name}' is not found.", rp=True)
        return 200, Handlers._role_assignment(fake, ra), headers

    @staticmethod
    def RoleAssignments_Delete(fake, ctx):
        scope = ctx["scope"]
        Handlers._scope_exists(fake, scope)
        fake.check_throttle(ctx, scope.get("sub"))
        fake.authorize(ctx, scope["canonical"])
        name = ctx["params"]["roleAssignmentName"].lower()
        with fake.lock:
            ra = fake.world.role_assignments.get(name)
            if ra is None or ra["scope"].lower() != scope["canonical"].lower():
                return 204, None, {}
            body = Handlers._role_assignment(fake, ra, "RoleAssignments_Delete")
            del fake.world.role_assignments[name]
        return 200, body, {}

    @staticmethod
    def RoleAssignments_ListForScope(fake, ctx):
        world = fake.world
        scope = ctx["scope"]
        Handlers._scope_exists(fake, scope)
        fake.check_throttle(ctx, scope.get("sub"))
        headers = fake.arm_reads(ctx, scope.get("sub"))
        fake.authorize(ctx, scope["canonical"])
        flt = ctx["query"].get("$filter")
        at_scope, principal = False, None
        if flt is not None:
            for clause in re.split(r"\s+and\s+", flt.strip(), flags=re.I):
                m = re.fullmatch(r"atScope\(\)|principalId\s+eq\s+'([0-9a-fA-F-]{36})'|assignedTo\('([0-9a-fA-F-]{36})'\)", clause.strip())
                if not m:
                    raise invalid(f"RoleAssignments_ListForScope: $filter clause {clause!r} is not atScope(), principalId eq '{{id}}' "
                                  "or assignedTo('{id}')")
                if clause.strip() == "atScope()":
                    at_scope = True
                else:
                    principal = (m.group(1) or m.group(2)).lower()
        items = []
        for name, ra in sorted(world.role_assignments.items()):
            above = world.is_ancestor_or_self(ra["scope"], scope["canonical"])
            below = under(ra["scope"], scope["canonical"]) or world.is_ancestor_or_self(scope["canonical"], ra["scope"])
            if at_scope and not above:
                continue
            if not at_scope and not (above or below):
                continue
            if principal and ra["principalId"] != principal:
                continue
            items.append(Handlers._role_assignment(fake, ra, "RoleAssignments_ListForScope", "list"))
        offset, _ = fake.resume(ctx, filter=flt)
        size = fake.page_size("RoleAssignments_ListForScope")
        link = None
        if offset + size < len(items):
            query = {"api-version": ctx["op"].api_version}
            if flt is not None:
                query["$filter"] = flt
            query["$skiptoken"] = fake.issue_page("RoleAssignments_ListForScope", offset=offset + size, filter=flt)
            prefix = "" if scope["canonical"] == "/" else scope["canonical"]
            link = fake.next_link(ctx, f"{prefix}/providers/Microsoft.Authorization/roleAssignments", **query)
        return 200, fake.finish_page(ctx, {"value": items[offset:offset + size], "nextLink": None}, "nextLink", link), headers


def column_type(values):
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            return "boolean"
        if isinstance(v, int):
            return "integer"
        if isinstance(v, float):
            return "number"
        if isinstance(v, (dict, list)):
            return "object"
        if isinstance(v, str) and parse_datetime(v):
            return "datetime"
        return "string"
    return "string"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake = None
    scheme = "http"

    def log_message(self, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))

    def reply(self, status, body, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        self.send_header("x-ms-correlation-request-id", self.headers.get("x-ms-correlation-request-id") or str(uuid.uuid4()))
        if self.headers.get("x-ms-client-request-id"):
            self.send_header("x-ms-client-request-id", self.headers["x-ms-client-request-id"])
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def dispatch(self, method):
        fake = self.fake
        raw = self.read_body()
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        if path.startswith("/_fake/"):
            return self.control(method, path, raw)
        m = re.fullmatch(r"/([^/]+)/oauth2/v2\.0/token", path)
        if m and method == "POST":
            status, body = fake.token_endpoint(m.group(1), urllib.parse.parse_qs(raw.decode(), keep_blank_values=True))
            return self.reply(status, body, {"Cache-Control": "no-store"})
        m = re.fullmatch(r"/([^/]+)/v2\.0/\.well-known/openid-configuration", path)
        if m and method == "GET":
            base = f"{self.scheme}://{self.headers.get('Host')}/{m.group(1)}"
            return self.reply(200, {"token_endpoint": f"{base}/oauth2/v2.0/token", "issuer": f"{base}/v2.0",
                                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                                    "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
                                    "tenant_region_scope": "NA"})
        if path == "/common/discovery/instance" and method == "GET":
            host = self.headers.get("Host")
            return self.reply(200, {"tenant_discovery_endpoint": f"{self.scheme}://{host}/common/v2.0/.well-known/openid-configuration",
                                    "api-version": "1.1", "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}]})
        self.arm(method, url, path, raw)

    def arm(self, method, url, path, raw):
        fake = self.fake
        with fake.lock:
            fake.stats["requests"] += 1
        pairs = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
        try:
            body_repr = json.loads(raw) if raw.strip() else None
        except ValueError:
            body_repr = raw.decode(errors="replace")
        entry = {"method": method, "path": path, "query": dict(pairs), "body": body_repr, "operation": None,
                 "status": None, "principal": None}
        ctx = {"method": method, "path": path, "query_pairs": pairs, "raw_body": raw, "headers": self.headers,
               "scheme": self.scheme, "headers_out": {}, "op": None, "params": {}, "auth": None}
        status, body, headers = 500, None, {}
        try:
            ctx["auth"] = fake.authenticate(self.headers.get("Authorization"))
            entry["principal"] = ctx["auth"]["oid"]
            op, params, error = fake.router.route(method, path)
            if error:
                raise invalid(error)
            ctx["op"], ctx["params"] = op, {k: v for k, v in params.items()}
            entry["operation"] = op.operation_id
            with fake.lock:
                fake.stats["by_operation"][op.operation_id] = fake.stats["by_operation"].get(op.operation_id, 0) + 1
            if op.operation_id not in SERVED:
                raise unsupported(f"{op.operation_id} is in the specs but not served")
            fake.check_request(ctx)
            status, body, headers = getattr(Handlers, op.operation_id)(fake, ctx)
            headers = dict(ctx["headers_out"], **headers)
            problems = self.check_answer(op, status, body)
            if problems:
                fake.count("invalid", f"the fake's own {op.operation_id} answer breaks the spec: {problems}")
                status, body, headers = 500, {"error": {"code": "InternalServerError", "message": "fake answer breaks the spec: " + "; ".join(problems)}}, {}
        except Reject as r:
            op = ctx["op"]
            fake.count(r.kind, r.message, op.operation_id if op else None)
            status, headers = r.status, dict(ctx["headers_out"], **r.headers)
            body = {"error": {"code": r.code, "message": r.message}}
            if r.details:
                body["error"]["details"] = r.details
            if r.rp and op is not None:
                schema, sfile = op.response_schema("default")
                if schema is not None and "error" not in (fake.specs.deref(schema, sfile)[0].get("properties") or {}):
                    body = {"code": r.code, "message": r.message}
                problems = self.check_answer(op, status, body, "default")
                if problems:
                    fake.count("invalid", f"the fake's own {op.operation_id} error breaks the spec: {problems}")
        except Exception as e:  # a bug in the fake: say so loudly
            import traceback
            traceback.print_exc()
            fake.count("invalid", f"fake crashed: {e!r}")
            status, body, headers = 500, {"error": {"code": "InternalServerError", "message": repr(e)}}, {}
        entry["status"] = status
        fake.record(entry)
        self.reply(status, body, headers)

    def check_answer(self, op, status, body, key=None):
        key = key or str(status)
        if not op.declares(key):
            return [f"status {status} is not declared by {op.operation_id}"]
        schema, sfile = op.response_schema(key)
        if body is None:
            return [] if not schema else [f"{op.operation_id} {status} needs a body"]
        if not schema:
            return [f"{op.operation_id} {status} has no body in the spec"]
        validator = Validator(self.fake.specs)
        if op.pageable and op.pageable.get("nextLinkName"):
            # x-ms-pageable: the last page has no next link, whatever `required` says
            # (SubscriptionListResult requires nextLink; the service omits it at the end).
            validator.optional.add("answer." + op.pageable["nextLinkName"])
        return validator.validate(body, schema, sfile, where="answer")

    def control(self, method, path, raw):
        fake = self.fake
        try:
            data = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return self.reply(400, {"error": "control body is not JSON"})
        if path == "/_fake/stats" and method == "GET":
            with fake.lock:
                return self.reply(200, copy.deepcopy(fake.stats))
        if path in ("/_fake/stats/reset", "/_fake/reset") and method == "POST":
            with fake.lock:
                fake.reset_stats()
            return self.reply(200, {"ok": True})
        if path == "/_fake/behave" and method == "GET":
            with fake.lock:
                return self.reply(200, fake.behave)
        if path == "/_fake/behave" and method == "POST":
            with fake.lock:
                if data.pop("reset", False):
                    fake.behave = copy.deepcopy(DEFAULT_BEHAVE)
                    fake.arg_windows.clear()
                    fake.arm_buckets.clear()
                unknown = set(data) - set(DEFAULT_BEHAVE)
                if unknown:
                    return self.reply(400, {"error": f"unknown behaviours {sorted(unknown)}; known: {sorted(DEFAULT_BEHAVE)}"})
                for entry in data.get("throttle", []):
                    entry["remaining"] = entry.get("count", 1)
                fake.behave.update(data)
                if "arg_quota" in data:
                    fake.arg_windows.clear()
                if "arm_reads" in data:
                    fake.arm_buckets.clear()
                return self.reply(200, fake.behave)
        if path == "/_fake/seed" and method == "POST":
            try:
                new_world = World(data)
            except (ValueError, KeyError, TypeError, ScopeError) as e:
                return self.reply(400, {"error": f"bad seed: {e!r}"})
            with fake.lock:
                fake.world = new_world
                fake.pages.clear()
            return self.reply(200, summary(new_world))
        if path == "/_fake/append" and method == "POST":
            with fake.lock:
                try:
                    fake.world.append(data)
                except (ValueError, KeyError, TypeError, ScopeError) as e:
                    return self.reply(400, {"error": f"bad append: {e!r}"})
                return self.reply(200, summary(fake.world))
        if path == "/_fake/state" and method == "GET":
            with fake.lock:
                w = fake.world
                return self.reply(200, dict(summary(w), role_definitions=[
                    dict(rd) for rd in w.role_definitions.values() if rd["type"] != "BuiltInRole"],
                    role_assignments=[{k: v for k, v in ra.items() if v is not None} for ra in w.role_assignments.values()],
                    principals={c["client_id"]: c["object_id"] for c in w.clients.values()}))
        return self.reply(404, {"error": f"no control endpoint {method} {path}"})


def summary(w):
    return {"tenant": w.tenant, "management_groups": len(w.mgs), "subscriptions": len(w.subs),
            "resource_groups": len(w.rgs), "resources": len(w.resources),
            "events": sum(len(v) for v in w.events.values()), "cost_rows": sum(len(v) for v in w.costs.values())}


def default_fixtures():
    env = os.environ.get("CLOUDBUILDER_AZURE_FIXTURES")
    if env:
        return env
    # crates/testkit/fakes/azure → crates/testkit/fixtures/azure (vendored; see its MANIFEST.md)
    return str(HERE.parents[1] / "fixtures" / "azure")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", help="seed JSON file (see README.md); empty world without it")
    parser.add_argument("--fixtures", default=default_fixtures(), help="the fixtures/azure folder (specs and examples)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    seed = json.loads(pathlib.Path(args.seed).read_text()) if args.seed else {}
    Handler.fake = Fake(args.fixtures, seed)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        Handler.scheme = "https"
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
