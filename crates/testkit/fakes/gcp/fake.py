"""A contract fake of the Google Cloud APIs cloudbuilder's GCP side calls, for tests.

Google has no emulator for IAM, Resource Manager, Cloud Asset Inventory,
Logging's entries.list, IAM Credentials, STS or BigQuery's jobs.query, so this
one HTTP server stands in for all of them. Every request is checked against
Google's own discovery documents (loaded at start from crates/testkit/fixtures/gcp/,
nothing hand-copied): the method is found by HTTP verb and path template (with
the API's servicePath, `{+name}` variables and their patterns), path and query
parameters are checked (unknown, missing required, type, enum, pattern), the
JSON body is validated against the method's request schema (types, formats,
enums, unknown fields, `$ref`s), and `Authorization: Bearer …` is required (STS
`token` is the one unauthenticated method). A request the documents do not
allow answers 400 (404 for a path no method has) with Google's error body and
is counted as invalid with its reason; tests assert `invalid == 0`. Every
answer the fake gives is itself validated against the method's response schema
(a failure answers 500 and is counted as invalid too): the fake never lies.

Routing is by path alone, so one base URL serves every API (point each client's
endpoint at http://127.0.0.1:PORT); the Host header only breaks ties.

Served methods (anything else the documents describe answers 501 UNIMPLEMENTED,
counted invalid):
  cloudasset.searchAllResources
  cloudresourcemanager.{organizations,folders,projects}.{get,getIamPolicy,setIamPolicy,testIamPermissions},
    organizations.search, folders.{list,search}, projects.{list,search}
  iam.{organizations,projects}.roles.{create,get,list,patch,delete,undelete}
  iam.projects.locations.workloadIdentityPools.{create,get,patch,delete,undelete,operations.get,
    providers.create,providers.get,providers.patch,providers.delete,providers.undelete,providers.operations.get}
  iam.projects.serviceAccounts.{get,getIamPolicy,setIamPolicy}
  iamcredentials.projects.serviceAccounts.generateAccessToken
  sts.token (form-encoded snake_case as RFC 8693 clients send it, or JSON)
  logging.entries.list
  bigquery.jobs.query, bigquery.jobs.getQueryResults

Usage: fake.py [--seed SEED.json] [--discovery DIR] [--port N] [--history N]
Prints "listening PORT" once ready. Control endpoints (JSON in and out):
  GET  /_fake/stats[?method=ID]  counters and the last N requests (see below)
  POST /_fake/seed      SEED      replace the world (same shape as --seed; see example_seed.json)
  POST /_fake/append    {"resources":[…],"log_entries":[…],"billing_rows":[…],"service_accounts":[…]}
  POST /_fake/behave    {…}       merge behaviours (world.DEFAULT_BEHAVE lists them); {"reset": true} first resets
  GET  /_fake/behave              current behaviours
  GET  /_fake/state               the world: policies, roles, pools, providers, tokens, jobs …
  POST /_fake/token     {"principal": "user:a@example.com", "lifetime_seconds": 3600} -> {"access_token", "expire_time"}
  POST /_fake/reset     {"stats": true, "quota": true, "behave": true, "world": true}
                        stats (default true) also clears quota windows; world: back to the start seed
Stats: {"requests", "by_method": {id: n}, "by_status": {"200": n}, "invalid", "invalid_reasons": [{method,
  http, path, reason}], "denied", "throttled", "quota_exceeded", "conflicts", "faults", "unauthenticated",
  "recent": [{seq, method, http, path, query, body, status, principal, consumer, derived}]}
  `derived` carries what the fake understood: logging `timestamp_lower_bounds`, BigQuery `date_from`/
  `date_to_exclusive`, STS `aws_arn`.
"""

import argparse
import collections
import fnmatch
import json
import pathlib
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import discovery  # noqa: E402
from world import ApiError, World, Ctx, DEFAULT_BEHAVE, STATUS  # noqa: E402

DEFAULT_DISCOVERY = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "gcp"
UNAUTHENTICATED = {"sts.token"}
STS_FORM = {"grant_type": "grantType", "requested_token_type": "requestedTokenType", "subject_token": "subjectToken",
            "subject_token_type": "subjectTokenType", "audience": "audience", "scope": "scope", "options": "options",
            "actor_token": "actorToken", "actor_token_type": "actorTokenType"}


def handlers(w):
    crm = lambda kind: {  # noqa: E731
        f"cloudresourcemanager.{kind}s.getIamPolicy": lambda c: w.get_iam_policy(c, f"resourcemanager.{kind}s.getIamPolicy"),
        f"cloudresourcemanager.{kind}s.setIamPolicy": lambda c: w.set_iam_policy(c, f"resourcemanager.{kind}s.setIamPolicy"),
        f"cloudresourcemanager.{kind}s.testIamPermissions": lambda c: w.test_iam_permissions(c, f"resourcemanager.{kind}s.get"),
    }
    h = {
        "cloudasset.searchAllResources": w.search_all_resources,
        "cloudresourcemanager.organizations.get": w.crm_organizations_get,
        "cloudresourcemanager.organizations.search": w.crm_organizations_search,
        "cloudresourcemanager.folders.get": w.crm_folders_get,
        "cloudresourcemanager.folders.list": w.crm_folders_list,
        "cloudresourcemanager.folders.search": w.crm_folders_search,
        "cloudresourcemanager.projects.get": w.crm_projects_get,
        "cloudresourcemanager.projects.list": w.crm_projects_list,
        "cloudresourcemanager.projects.search": w.crm_projects_search,
        "iam.projects.locations.workloadIdentityPools.create": w.pools_create,
        "iam.projects.locations.workloadIdentityPools.get": w.pools_get,
        "iam.projects.locations.workloadIdentityPools.operations.get": w.operations_get,
        "iam.projects.locations.workloadIdentityPools.providers.create": w.providers_create,
        "iam.projects.locations.workloadIdentityPools.providers.get": w.providers_get,
        "iam.projects.locations.workloadIdentityPools.providers.operations.get": w.operations_get,
        "iam.projects.locations.workloadIdentityPools.delete": lambda c: w.wif_delete(c, "WorkloadIdentityPool"),
        "iam.projects.locations.workloadIdentityPools.undelete": lambda c: w.wif_undelete(c, "WorkloadIdentityPool"),
        "iam.projects.locations.workloadIdentityPools.patch": lambda c: w.wif_patch(c, "WorkloadIdentityPool"),
        "iam.projects.locations.workloadIdentityPools.providers.delete":
            lambda c: w.wif_delete(c, "WorkloadIdentityPoolProvider"),
        "iam.projects.locations.workloadIdentityPools.providers.undelete":
            lambda c: w.wif_undelete(c, "WorkloadIdentityPoolProvider"),
        "iam.projects.locations.workloadIdentityPools.providers.patch":
            lambda c: w.wif_patch(c, "WorkloadIdentityPoolProvider"),
        "iam.projects.serviceAccounts.get": w.sa_get,
        "iam.projects.serviceAccounts.getIamPolicy": lambda c: w.get_iam_policy(c, "iam.serviceAccounts.getIamPolicy"),
        "iam.projects.serviceAccounts.setIamPolicy": lambda c: w.set_iam_policy(c, "iam.serviceAccounts.setIamPolicy"),
        "iamcredentials.projects.serviceAccounts.generateAccessToken": w.generate_access_token,
        "sts.token": w.sts_token,
        "logging.entries.list": w.entries_list,
        "bigquery.jobs.query": w.jobs_query,
        "bigquery.jobs.getQueryResults": w.jobs_get_query_results,
    }
    for kind in ("organization", "folder", "project"):
        h.update(crm(kind))
    for scope in ("organizations", "projects"):
        for verb, fn in (("create", w.roles_create), ("get", w.roles_get), ("list", w.roles_list),
                         ("patch", w.roles_patch), ("delete", w.roles_delete), ("undelete", w.roles_undelete)):
            h[f"iam.{scope}.roles.{verb}"] = fn
    return h


class Fake:
    def __init__(self, registry, seed, history):
        self.registry = registry
        self.start_seed = seed
        self.world = World(registry, seed)
        self.handlers = handlers(self.world)
        self.lock = threading.Lock()
        self.history_size = history
        self.reset_stats()
        self.quota_log = collections.defaultdict(collections.deque)

    def reset_stats(self):
        with self.lock:
            self.seq = 0
            self.stats = {"requests": 0, "by_method": collections.Counter(), "by_status": collections.Counter(),
                          "invalid": 0, "invalid_reasons": [], "denied": 0, "throttled": 0, "quota_exceeded": 0,
                          "conflicts": 0, "faults": 0, "unauthenticated": 0}
            self.recent = collections.deque(maxlen=self.history_size)

    def snapshot(self, method=None):
        with self.lock:
            out = dict(self.stats)
            out["by_method"] = dict(self.stats["by_method"])
            out["by_status"] = {str(k): v for k, v in self.stats["by_status"].items()}
            out["invalid_reasons"] = list(self.stats["invalid_reasons"])
            out["recent"] = [r for r in self.recent if method is None or fnmatch.fnmatchcase(r["method"] or "", method)]
            return out

    def record_invalid(self, entry, reason):
        with self.lock:
            self.stats["invalid"] += 1
            if len(self.stats["invalid_reasons"]) < 500:
                self.stats["invalid_reasons"].append({"method": entry["method"], "http": entry["http"],
                                                      "path": entry["path"], "reason": reason})
            entry["invalid"] = reason

    # ------------------------------------------------------------------ the pipeline
    def serve(self, http_method, raw_path, headers, raw_body):
        """(status, body dict, extra headers) for one API request."""
        url = urllib.parse.urlsplit(raw_path)
        path = url.path
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        with self.lock:
            self.seq += 1
            self.stats["requests"] += 1
            entry = {"seq": self.seq, "time": time.time(), "method": None, "http": http_method, "path": path,
                     "query": {k: v[0] if len(v) == 1 else v for k, v in query.items()}, "body": None,
                     "status": None, "principal": None, "consumer": None, "derived": {}}
            self.recent.append(entry)
        status, body, extra = self._serve(entry, http_method, path, query, headers, raw_body)
        entry["status"] = status
        with self.lock:
            self.stats["by_status"][status] += 1
        return status, body, extra

    def _error(self, entry, err, domain="googleapis.com"):
        if err.invalid:
            self.record_invalid(entry, err.message)
        with self.lock:
            if err.code == 401:
                self.stats["unauthenticated"] += 1
            if err.code == 403:
                self.stats["denied"] += 1
            if err.status == "ABORTED":
                self.stats["conflicts"] += 1
        return err.code, err.body(domain), dict(err.headers)

    def _serve(self, entry, http_method, path, query, headers, raw_body):
        (method, params), reason = self.registry.route(http_method, path, headers.get("Host"))
        if method is None:
            self.record_invalid(entry, reason)
            return 404, {"error": {"code": 404, "message": reason, "status": "NOT_FOUND"}}, {}
        entry["method"] = method.id
        with self.lock:
            self.stats["by_method"][method.id] += 1
        domain = method.api.host

        # body
        body = None
        ctype = headers.get("Content-Type", "").split(";")[0].strip().lower()
        text = raw_body.decode("utf-8", "replace") if raw_body else ""
        if method.id == "sts.token" and ctype == "application/x-www-form-urlencoded":
            form = urllib.parse.parse_qs(text, keep_blank_values=True)
            unknown = [k for k in form if k not in STS_FORM and k not in STS_FORM.values()]
            body = {STS_FORM.get(k, k): v[-1] for k, v in form.items() if k not in unknown}
            entry["body"] = {k: (v if k != "subjectToken" else v[:60] + "…") for k, v in body.items()}
            if unknown:
                return self._error(entry, ApiError(400, f"unknown token-exchange parameters {unknown}",
                                                   oauth="invalid_request", invalid=True), domain)
        elif text.strip():
            try:
                body = json.loads(text)
            except ValueError:
                return self._error(entry, ApiError(400, "Invalid JSON payload received: the body is not JSON.",
                                                   invalid=True), domain)
            entry["body"] = body
            if ctype != "application/json":
                return self._error(entry, ApiError(400, f"Content-Type {ctype!r}: a JSON body needs application/json",
                                                   invalid=True), domain)

        # authentication
        principal, principals = None, set()
        if method.id not in UNAUTHENTICATED:
            auth = headers.get("Authorization", "")
            token = auth[7:].strip() if auth[:7].lower() == "bearer " else (query.get("access_token") or [""])[0]
            if not token:
                return self._error(entry, ApiError(
                    401, "Request is missing required authentication credential. Expected OAuth 2 access token, "
                         "login cookie or other valid authentication credential.", reason="CREDENTIALS_MISSING",
                    invalid=True), domain)
            try:
                principal, principals = self.world.authenticate(token)
            except ApiError as e:
                return self._error(entry, e, domain)
        entry["principal"] = principal

        # parameters and body against the discovery document
        q, errors = self.registry.check_query(method, query)
        if method.request:
            if body is None:
                body = {}
            if method.id == "sts.token" and entry["body"] is None and ctype != "application/json":
                errors.append(f"Content-Type {ctype!r}: sts.token takes a form or JSON body")
            body, more = self.registry.check_request_body(method, body, params)
            errors.extend(more)
        elif body not in (None, {}):
            errors.append(f"{method.id} takes no request body")
        if errors:
            err = ApiError(400, "; ".join(errors[:5]), invalid=True,
                           oauth="invalid_request" if method.id == "sts.token" else None)
            return self._error(entry, err, domain)

        consumer = headers.get("x-goog-user-project")
        if consumer:
            consumer = "projects/" + consumer.removeprefix("projects/")
        elif principal and principal.startswith("serviceAccount:") and principal.endswith(".iam.gserviceaccount.com"):
            consumer = "projects/" + principal.split("@")[1].split(".")[0]
        else:
            consumer = self.world.behave.get("default_consumer")
        entry["consumer"] = consumer
        ctx = Ctx(method, params, q, body or {}, headers, principal, principals, consumer)
        entry["derived"] = ctx.derived

        # behaviours: quota, deny, injected faults
        try:
            self._quota(method.id, consumer)
            self._deny(method.id, params, body or {})
            self._faults(method.id, params)
        except ApiError as e:
            return self._error(entry, e, domain)

        handler = self.handlers.get(method.id)
        if handler is None:
            err = ApiError(501, f"{method.id} is in the discovery document but not served by this fake",
                           invalid=True)
            return self._error(entry, err, domain)
        try:
            answer = handler(ctx)
        except ApiError as e:
            return self._error(entry, e, domain)
        _, errors = self.registry.check_value(method.api, answer, {"$ref": method.response}, "response")
        if errors:
            err = ApiError(500, "the fake's own answer breaks the response schema: " + "; ".join(errors[:5]),
                           invalid=True)
            return self._error(entry, err, domain)
        return 200, answer, {}

    def _quota(self, method_id, consumer):
        rule = (self.world.behave.get("quota") or {}).get(method_id)
        if not rule:
            return
        limit, window = rule.get("limit", 0), rule.get("window_seconds", 60)
        now = time.monotonic()
        with self.lock:
            log = self.quota_log[(method_id, consumer)]
            while log and log[0] <= now - window:
                log.popleft()
            if len(log) >= limit:
                self.stats["quota_exceeded"] += 1
                self.stats["throttled"] += 1
                raise ApiError(429, f"Quota exceeded for quota metric '{method_id} requests' and limit "
                                    f"'{method_id} requests per {window}s' of service for consumer '{consumer}'.",
                               reason="RATE_LIMIT_EXCEEDED",
                               metadata={"consumer": consumer, "quota_limit_value": str(limit),
                                         "quota_metric": f"{method_id}/requests"})
            log.append(now)

    def _targets(self, params, body):
        out = [v for k, v in params.items() if k in ("name", "resource", "parent", "scope")]
        if "projectId" in params:
            out.append("projects/" + params["projectId"])
        out += list(body.get("resourceNames", []) or [])
        out += ["projects/" + p for p in body.get("projectIds", []) or []]
        return out

    def _deny(self, method_id, params, body):
        for t in self._targets(params, body):
            if self.world.is_denied(method_id, t):
                raise ApiError(403, f"The caller does not have permission on {t} (denied by the test).",
                               reason="IAM_PERMISSION_DENIED", metadata={"resource": t})

    def _faults(self, method_id, params):
        targets = [self.world.canonical(t) for t in self._targets(params, {})]
        with self.world.lock:
            for f in self.world.behave.get("faults", []):
                if f.get("count", 1) == 0 or not fnmatch.fnmatchcase(method_id, f.get("method", "*")):
                    continue
                if f.get("resource") and not any(t == self.world.canonical(f["resource"]) or
                                                 t.startswith(self.world.canonical(f["resource"]) + "/") for t in targets):
                    continue
                if f.get("count", 1) > 0:
                    f["count"] = f.get("count", 1) - 1
                code = int(f.get("code", 503))
                with self.lock:
                    self.stats["faults"] += 1
                    if code == 429:
                        self.stats["throttled"] += 1
                extra = {"Retry-After": str(f["retry_after"])} if f.get("retry_after") is not None else {}
                raise ApiError(code, f.get("message") or f"injected {STATUS.get(code, code)}",
                               status=f.get("status"), headers=extra,
                               reason="RATE_LIMIT_EXCEEDED" if code == 429 else None)

    # ------------------------------------------------------------------ control
    def control(self, http_method, path, body):
        url = urllib.parse.urlsplit(path)
        route = url.path
        qs = urllib.parse.parse_qs(url.query)
        if http_method == "GET" and route == "/_fake/stats":
            return 200, self.snapshot((qs.get("method") or [None])[0])
        if http_method == "GET" and route == "/_fake/state":
            return 200, self.world.dump()
        if http_method == "GET" and route == "/_fake/behave":
            with self.world.lock:
                return 200, json.loads(json.dumps(self.world.behave))
        if http_method != "POST":
            return 404, {"error": f"no control endpoint {http_method} {route}"}
        try:
            if route == "/_fake/seed":
                self.world.load(body)
                return 200, self.world.dump()["counts"]
            if route == "/_fake/append":
                return 200, self.world.append(body)
            if route == "/_fake/behave":
                with self.world.lock:
                    if body.pop("reset", False):
                        self.world.behave = json.loads(json.dumps(DEFAULT_BEHAVE))
                    unknown = [k for k in body if k not in DEFAULT_BEHAVE]
                    if unknown:
                        return 400, {"error": f"unknown behaviours {unknown}; known: {sorted(DEFAULT_BEHAVE)}"}
                    self.world.behave.update(body)
                    for name in body.get("soft_delete_roles", []):
                        if name not in self.world.roles:
                            return 400, {"error": f"no role {name}"}
                        self.world.roles[name]["deleted"] = True
                    return 200, json.loads(json.dumps(self.world.behave))
            if route == "/_fake/token":
                with self.world.lock:
                    tok, exp = self.world.mint(body["principal"], body.get("lifetime_seconds", 3600))
                return 200, {"access_token": tok, "expire_time": exp.strftime("%Y-%m-%dT%H:%M:%SZ")}
            if route == "/_fake/reset":
                if body.get("stats", True):
                    self.reset_stats()
                if body.get("stats", True) or body.get("quota", False):
                    with self.lock:
                        self.quota_log.clear()
                if body.get("behave", False):
                    with self.world.lock:
                        self.world.behave = json.loads(json.dumps(DEFAULT_BEHAVE))
                if body.get("world", False):
                    self.world.load(self.start_seed)
                return 200, {"ok": True}
        except (ValueError, KeyError, TypeError) as e:
            return 400, {"error": f"{type(e).__name__}: {e}"}
        return 404, {"error": f"no control endpoint POST {route}"}


def make_handler(fake):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body, extra=None):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.path.startswith("/_fake/"):
                try:
                    body = json.loads(raw) if raw.strip() else {}
                except ValueError:
                    return self.reply(400, {"error": "control body is not JSON"})
                return self.reply(*fake.control(self.command, self.path, body))
            try:
                status, body, extra = fake.serve(self.command, self.path, self.headers, raw)
            except Exception as e:  # a bug in the fake: say so loudly, count it
                import traceback
                traceback.print_exc()
                status, body, extra = 500, {"error": {"code": 500, "message": f"fake crashed: {e!r}",
                                                      "status": "INTERNAL"}}, {}
                with fake.lock:
                    fake.stats["invalid"] += 1
                    fake.stats["invalid_reasons"].append({"method": None, "http": self.command, "path": self.path,
                                                          "reason": f"fake crashed: {e!r}"})
            self.reply(status, body, extra)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = handle_any

    return Handler


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", help="seed JSON file (default: an organization with no folders or projects)")
    ap.add_argument("--discovery", default=str(DEFAULT_DISCOVERY), help="folder of discovery documents")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--history", type=int, default=1000, help="requests kept in stats.recent")
    args = ap.parse_args(argv)
    registry = discovery.Registry(args.discovery)
    seed = json.loads(pathlib.Path(args.seed).read_text()) if args.seed else {}
    fake = Fake(registry, seed, args.history)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(fake))
    server.daemon_threads = True
    print(f"listening {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
