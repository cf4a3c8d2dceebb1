"""Self-test of the Azure contract fake: starts it on a free port with example_seed.json, gets
tokens from its Entra endpoint, drives every served operation with urllib, and checks valid
requests, rejected invalid ones (counted, with reasons), paging to the end, behaviours
(PrincipalNotFound then success, RoleAssignmentExists, 403, 429 with Retry-After), Resource
Graph quota headers, activity-log filtering and RBAC enforcement.

Usage: .venv/bin/python crates/testkit/fakes/azure/selftest.py   (exit status 0 when all pass)
"""

import base64
import datetime
import json
import pathlib
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
SEED = json.loads((HERE / "example_seed.json").read_text())
TENANT = SEED["tenant"]
ADMIN, SCANNER = SEED["clients"]
SUB1, SUB2 = (s["id"] for s in SEED["subscriptions"])
RG_API, SUBS_API, MG_API, AL_API, COST_API, AUTH_API = (
    "2024-04-01", "2022-12-01", "2023-04-01", "2015-04-01", "2025-03-01", "2022-04-01")
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
ROLE_ID = "2f2b6c1e-9d0a-4b7e-8c3f-1a2b3c4d5e6f"
ASSIGN_ID = "7c1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f40"

failures = []
expected_invalid = 0


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


class Fake:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, str(HERE / "azure_fake.py"), "--seed", str(HERE / "example_seed.json")],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening "):
            raise SystemExit(f"fake said {line!r}")
        self.base = f"http://127.0.0.1:{line.split()[1]}"

    def raw(self, method, url, body=None, headers=None, form=None):
        data = None
        headers = dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(url if url.startswith("http") else self.base + url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status, hdrs, text = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            status, hdrs, text = e.code, e.headers, e.read()
        return status, hdrs, (json.loads(text) if text else None)

    def token(self, client, **extra):
        form = {"grant_type": "client_credentials", "client_id": client["client_id"],
                "client_secret": client["client_secret"], "scope": "https://management.azure.com/.default"}
        form.update(extra)
        return self.raw("POST", f"/{TENANT}/oauth2/v2.0/token", form={k: v for k, v in form.items() if v is not None})

    def arm(self, method, path, api=None, query=None, body=None, token=None, headers=None):
        q = dict(query or {})
        if api is not None:
            q["api-version"] = api
        url = path + ("?" + urllib.parse.urlencode(q, quote_via=urllib.parse.quote, safe="/:") if q else "")
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        return self.raw(method, url, body, h)

    def control(self, method, path, body=None):
        return self.raw(method, "/_fake/" + path, body)[2]

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def expect_invalid(result, what):
    global expected_invalid
    expected_invalid += 1
    status, _, body = result
    check(status == 400 and body and body.get("error", {}).get("code") == "InvalidRequest", f"rejected: {what} ({status} {body})")


def main():
    started = time.monotonic()
    fake = Fake()
    try:
        run(fake)
    finally:
        stats = fake.control("GET", "stats")
        fake.stop()
    check(stats["invalid"] == expected_invalid, f"stats.invalid == {expected_invalid} (got {stats['invalid']})")
    if stats["invalid"] != expected_invalid:
        print(json.dumps(stats["invalid_reasons"], indent=1))
    check(stats["unsupported"] == 1, f"one unsupported query counted ({stats['unsupported_reasons']})")
    elapsed = time.monotonic() - started
    check(elapsed < 20, f"self-test took {elapsed:.1f} s")
    print(f"\n{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


def run(fake):
    # --- tokens -------------------------------------------------------------------------------
    status, _, body = fake.token(ADMIN)
    check(status == 200 and body["token_type"] == "Bearer" and body["expires_in"] == 3599 and body["access_token"],
          "client_secret token issued")
    admin = body["access_token"]
    scanner = fake.token(SCANNER)[2]["access_token"]
    status, _, body = fake.token(ADMIN, client_secret="wrong")
    check(status == 401 and body["error"] == "invalid_client" and "AADSTS7000215" in body["error_description"], "wrong secret refused")
    assertion = ".".join(base64.urlsafe_b64encode(json.dumps(p).encode()).decode().rstrip("=") for p in (
        {"alg": "RS256"}, {"iss": SCANNER["client_id"], "sub": SCANNER["client_id"], "aud": "x"}, {"s": 1}))
    status, _, body = fake.token(SCANNER, client_secret=None, client_assertion=assertion,
                                 client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    check(status == 200 and body["access_token"], "client_assertion (workload identity) token issued")

    # --- auth and contract violations ------------------------------------------------------------
    status, hdrs, body = fake.arm("GET", "/subscriptions", SUBS_API)
    global expected_invalid
    expected_invalid += 1
    check(status == 401 and body["error"]["code"] == "AuthenticationFailed" and hdrs.get("WWW-Authenticate"), "no token: 401")
    expected_invalid += 1
    status, _, body = fake.arm("GET", "/subscriptions", SUBS_API, token="not-a-token")
    check(status == 401 and body["error"]["code"] == "InvalidAuthenticationToken", "foreign token: 401")
    expect_invalid(fake.arm("GET", "/subscriptions", "2016-06-01", token=admin), "wrong api-version")
    expect_invalid(fake.arm("GET", "/subscriptions", None, token=admin), "missing api-version")
    expect_invalid(fake.arm("GET", "/subscriptions/not-a-guid/providers/Microsoft.Insights/eventtypes/management/values", AL_API,
                            {"$filter": "eventTimestamp ge '2026-01-01T00:00:00Z'"}, token=admin), "subscription id not a GUID")
    expect_invalid(fake.arm("GET", "/subscriptions", SUBS_API, {"$top": "5"}, token=admin), "undeclared query parameter")
    expect_invalid(fake.arm("POST", "/providers/Microsoft.ResourceGraph/resources", RG_API,
                            body={"query": "Resources", "subscription": [SUB1]}, token=admin), "unknown body field")
    expect_invalid(fake.arm("POST", "/providers/Microsoft.ResourceGraph/resources", RG_API,
                            body={"query": "Resources", "options": {"$top": 5000}}, token=admin), "$top above the spec's maximum")
    expect_invalid(fake.arm("POST", "/providers/Microsoft.ResourceGraph/resources", RG_API,
                            body={"query": "Resources", "subscriptions": [SUB1] * 1001}, token=admin), "1,001 subscriptions")
    expect_invalid(fake.arm("GET", "/providers/Microsoft.ResourceGraph/resources", RG_API, token=admin), "wrong method")
    status, _, body = fake.arm("POST", "/providers/Microsoft.ResourceGraph/resources", RG_API,
                               body={"query": "Resources | summarize count() by type"}, token=admin)
    check(status == 400 and "not supported by the Azure contract fake" in body["error"]["message"], "KQL outside the subset: unsupported")

    # --- Subscriptions_List / Get, paging -------------------------------------------------------------
    status, _, body = fake.arm("GET", "/subscriptions", SUBS_API, token=admin)
    check(status == 200 and {s["subscriptionId"] for s in body["value"]} == {SUB1, SUB2} and "nextLink" not in body,
          "Subscriptions_List lists both, no nextLink on the last page")
    fake.control("POST", "behave", {"page_size": {"Subscriptions_List": 1, "ManagementGroups_GetDescendants": 2,
                                                 "ActivityLogs_List": 5, "Query_Usage": 4, "RoleAssignments_ListForScope": 1}})
    seen, url, pages = [], f"/subscriptions?api-version={SUBS_API}", 0
    while url:
        status, _, body = fake.raw("GET", url, headers={"Authorization": "Bearer " + admin})
        seen += [s["subscriptionId"] for s in body["value"]]
        url, pages = body.get("nextLink"), pages + 1
    check(sorted(seen) == sorted([SUB1, SUB2]) and pages == 2, f"Subscriptions_List paged to the end in {pages} pages")
    status, _, body = fake.arm("GET", f"/subscriptions/{SUB1}", SUBS_API, token=admin)
    check(status == 200 and body["displayName"] == "Contoso Prod 1", "Subscriptions_Get")

    # --- ManagementGroups_GetDescendants ---------------------------------------------------------------
    items, url = [], f"/providers/Microsoft.Management/managementGroups/contoso/descendants?api-version={MG_API}"
    while url:
        status, _, body = fake.raw("GET", url, headers={"Authorization": "Bearer " + admin})
        check(status == 200, f"GetDescendants page {status}")
        items += body["value"]
        url = body.get("nextLink")
    check({i["name"] for i in items} == {"contoso-prod", SUB1, SUB2}, f"descendants of contoso: {[i['name'] for i in items]}")

    # --- Resource Graph -----------------------------------------------------------------------
    total_resources = 2 + 20 + 9
    rows, token, pages = [], None, 0
    while True:
        options = {"$top": 7}
        if token:
            options["$skipToken"] = token
        status, hdrs, body = fake.arm("POST", "/providers/Microsoft.ResourceGraph/resources", RG_API,
                                      body={"managementGroups": ["contoso"], "query": "Resources | project id, name, type, location, resourceGroup, subscriptionId, tags, properties",
                                            "options": options}, token=admin)
        check(status == 200 and hdrs.get("x-ms-user-quota-remaining") is not None and hdrs.get("x-ms-user-quota-resets-after"),
              f"Resources page {pages}: 200 with quota headers ({hdrs.get('x-ms-user-quota-remaining')} left)")
        rows += body["data"]
        pages += 1
        token = body.get("$skipToken")
        if not token:
            break
    check(len(rows) == total_resources and len({r["id"] for r in rows}) == total_resources and pages == 5,
          f"Resources paged to the end: {len(rows)} rows in {pages} pages")
    status, _, body = fake.arm("POST", "/providers/Microsoft.ResourceGraph/resources", RG_API,
                               body={"subscriptions": [SUB1], "query": "Resources | where type =~ 'Microsoft.Compute/virtualMachines' and tags['app'] == 'web'"},
                               token=admin)
    check(status == 200 and [r["name"] for r in body["data"]] == ["web-vm-1"] and body["data"][0]["properties"]["hardwareProfile"],
          "Resources where type =~ … and tags['app'] == …")
    status, _, body = fake.arm("POST", "/providers/Microsoft.ResourceGraph/resources", RG_API,
                               body={"subscriptions": [SUB1, SUB2], "query": "ResourceContainers | where type == 'microsoft.resources/subscriptions' | project id, name, subscriptionId, properties",
                                     "options": {"resultFormat": "table"}}, token=admin)
    check(status == 200 and len(body["data"]["rows"]) == 2 and [c["name"] for c in body["data"]["columns"]][:2] == ["id", "name"],
          "ResourceContainers in table format")
    time.sleep(0.01)
    fake.control("POST", "behave", {"arg_quota": {"limit": 3, "window_seconds": 1.5}})
    answers = [fake.arm("POST", "/providers/Microsoft.ResourceGraph/resources", RG_API, body={"query": "Resources | limit 1"}, token=scanner)
               for _ in range(4)]
    status, hdrs, body = answers[3]
    check([a[0] for a in answers] == [200, 200, 200, 429] and hdrs.get("Retry-After") and hdrs.get("x-ms-user-quota-remaining") == "0"
          and body["error"]["code"] == "RateLimiting", f"Resource Graph quota: 4th query 429 RateLimiting, Retry-After {hdrs.get('Retry-After')}")
    check(answers[2][1].get("x-ms-user-quota-remaining") == "0", "quota header counts down to 0")
    time.sleep(float(hdrs["Retry-After"]) + 0.1)
    check(fake.arm("POST", "/providers/Microsoft.ResourceGraph/resources", RG_API, body={"query": "Resources | limit 1"}, token=scanner)[0] == 200,
          "after Retry-After the quota is back")
    fake.control("POST", "behave", {"arg_quota": {"limit": 15, "window_seconds": 5}})

    # --- Activity log -----------------------------------------------------------------------------
    now = datetime.datetime.now(datetime.timezone.utc)
    lower = (now - datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    upper = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    flt = f"eventTimestamp ge '{lower}' and eventTimestamp le '{upper}'"
    events, url, pages = [], None, 0
    status, _, body = fake.arm("GET", f"/subscriptions/{SUB1}/providers/Microsoft.Insights/eventtypes/management/values", AL_API,
                               {"$filter": flt}, token=admin)
    while True:
        check(status == 200, f"ActivityLogs_List page {pages}: {status}")
        events += body["value"]
        pages += 1
        url = body.get("nextLink")
        if not url:
            break
        status, _, body = fake.raw("GET", url, headers={"Authorization": "Bearer " + admin})
    stamps = [e["eventTimestamp"] for e in events]
    check(len(events) == 15 and all(lower <= s[:19] + "Z" <= upper for s in stamps) and stamps == sorted(stamps, reverse=True),
          f"activity log: {len(events)} events inside the window, newest first, {pages} pages")
    check(events[0]["subscriptionId"] == SUB1 and events[0]["operationName"]["value"] and events[0]["claims"],
          "events keep the published example's shape")
    # an incremental second scan: new events appended, asked for from the stored cursor
    cursor = stamps[0]
    fresh = [(now - datetime.timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%S.%fZ") for s in (20, 10)]
    fake.control("POST", "append", {"subscriptions": [{"id": SUB1, "activity_log": [
        {"eventTimestamp": t, "operationName": "Microsoft.Storage/storageAccounts/write", "caller": "new@contoso.com"} for t in fresh]}]})
    status, _, body = fake.arm("GET", f"/subscriptions/{SUB1}/providers/Microsoft.Insights/eventtypes/management/values", AL_API,
                               {"$filter": f"eventTimestamp ge '{cursor}' and eventTimestamp le '{upper}'"}, token=admin)
    newer = [e["eventTimestamp"] for e in body["value"]]
    check(status == 200 and len(newer) == 3 and newer[-1] == cursor and all(e["caller"] == "new@contoso.com" for e in body["value"][:2]),
          f"appended events are found from the cursor (bounds inclusive): {newer}")
    last = [r for r in fake.control("GET", "stats")["last"] if r["operation"] == "ActivityLogs_List"][-1]
    check(last["query"]["$filter"].startswith(f"eventTimestamp ge '{cursor}'"), "stats.last shows the cursor as the lower bound")
    first = fake.arm("GET", f"/subscriptions/{SUB1}/providers/Microsoft.Insights/eventtypes/management/values", AL_API,
                     {"$filter": flt}, token=admin)[2]
    link = urllib.parse.urlsplit(first["nextLink"])
    altered = dict(urllib.parse.parse_qsl(link.query), **{"$filter": f"eventTimestamp ge '{lower}'"})
    expect_invalid(fake.raw("GET", link.path + "?" + urllib.parse.urlencode(altered), headers={"Authorization": "Bearer " + admin}),
                   "nextLink followed with a changed $filter")
    status, _, body = fake.arm("GET", f"/subscriptions/{SUB1}/providers/Microsoft.Insights/eventtypes/management/values", AL_API,
                               {"$filter": f"eventTimestamp ge '{lower}'", "$select": "eventTimestamp,operationName"}, token=admin)
    check(status == 200 and set(body["value"][0]) == {"eventTimestamp", "operationName"}, "$select projects the events")
    last = [r for r in fake.control("GET", "stats")["last"] if r["operation"] == "ActivityLogs_List"][-1]
    check(last["query"]["$filter"] == f"eventTimestamp ge '{lower}'", "stats.last records the $filter sent")
    expect_invalid(fake.arm("GET", f"/subscriptions/{SUB1}/providers/Microsoft.Insights/eventtypes/management/values", AL_API,
                            {"$filter": "eventTimestamp ge '2020-01-01T00:00:00Z'"}, token=admin), "activity log older than 90 days")
    expect_invalid(fake.arm("GET", f"/subscriptions/{SUB1}/providers/Microsoft.Insights/eventtypes/management/values", AL_API,
                            {"$filter": f"eventTimestamp ge '{lower}' and levels eq 'Error'"}, token=admin), "$filter clause outside the spec's patterns")
    expect_invalid(fake.arm("GET", f"/subscriptions/{SUB1}/providers/Microsoft.Insights/eventtypes/management/values", AL_API, token=admin),
                   "activity log without $filter")

    # --- 429 and 403 behaviours -------------------------------------------------------------------
    fake.control("POST", "behave", {"throttle": [{"operation": "ActivityLogs_List", "count": 2, "retry_after": 1}]})
    codes = []
    for _ in range(3):
        status, hdrs, body = fake.arm("GET", f"/subscriptions/{SUB2}/providers/Microsoft.Insights/eventtypes/management/values", AL_API,
                                      {"$filter": flt}, token=admin)
        codes.append((status, hdrs.get("Retry-After")))
    check(codes == [(429, "1"), (429, "1"), (200, None)], f"throttle twice with Retry-After then success: {codes}")
    fake.control("POST", "behave", {"deny": [{"subscription": SUB2}]})
    status, _, body = fake.arm("GET", f"/subscriptions/{SUB2}/providers/Microsoft.Insights/eventtypes/management/values", AL_API,
                               {"$filter": flt}, token=admin)
    check(status == 403 and body["error"]["code"] == "AuthorizationFailed" and SUB2 in body["error"]["message"], "denied subscription: 403 AuthorizationFailed")
    status, _, body = fake.arm("POST", "/providers/Microsoft.ResourceGraph/resources", RG_API,
                               body={"subscriptions": [SUB1, SUB2], "query": "Resources | project id, subscriptionId"}, token=admin)
    check(status == 200 and {r["subscriptionId"] for r in body["data"]} == {SUB1}, "Resource Graph leaves the denied subscription out")
    fake.control("POST", "behave", {"deny": []})

    # --- Cost Management Query_Usage ------------------------------------------------------------------
    start = (now - datetime.timedelta(days=3)).strftime("%Y-%m-%dT00:00:00Z")
    end = now.strftime("%Y-%m-%dT23:59:59Z")
    query = {"type": "ActualCost", "timeframe": "Custom", "timePeriod": {"from": start, "to": end},
             "dataset": {"granularity": "Daily", "aggregation": {"totalCost": {"name": "Cost", "function": "Sum"}},
                         "grouping": [{"type": "Dimension", "name": "ServiceName"}]}}
    path = f"/subscriptions/{SUB2}/providers/Microsoft.CostManagement/query"
    status, _, body = fake.arm("POST", path, COST_API, body=query, token=admin)
    rows, pages = [], 0
    while True:
        check(status == 200, f"Query_Usage page {pages}: {status}")
        props = body["properties"]
        rows += props["rows"]
        pages += 1
        if not props.get("nextLink"):
            break
        status, _, body = fake.raw("POST", props["nextLink"], query, {"Authorization": "Bearer " + admin})
    names = [c["name"] for c in props["columns"]]
    check(names == ["Cost", "ServiceName", "UsageDate", "Currency"], f"cost columns in the example's order: {names}")
    days = {r[2] for r in rows}
    check(len(rows) == 8 and len(days) == 4 and pages == 2 and all(int(start[:10].replace("-", "")) <= d for d in days),
          f"daily cost rows by service: {len(rows)} rows, {len(days)} days, {pages} pages")
    expect_invalid(fake.arm("POST", path, COST_API, body=dict(query, timeframe="MonthToDate"), token=admin), "timePeriod without Custom")
    expect_invalid(fake.arm("POST", path, COST_API, body=dict(query, dataset=dict(query["dataset"], granularity="Monthly")), token=admin),
                   "granularity outside the enum")
    expect_invalid(fake.arm("POST", path, COST_API, body={k: v for k, v in query.items() if k != "timeframe"}, token=admin), "missing timeframe")

    # --- Role definitions ----------------------------------------------------------------------------------
    scope = f"/subscriptions/{SUB1}"
    role = {"properties": {"roleName": "Cloud Builder", "description": "read-only scanner", "type": "CustomRole",
                           "assignableScopes": [scope],
                           "permissions": [{"actions": ["Microsoft.Insights/eventtypes/values/read",
                                                        "Microsoft.Resources/subscriptions/read",
                                                        "Microsoft.Storage/storageAccounts/read"],
                                            "notActions": [], "dataActions": [], "notDataActions": []}]}}
    status, _, body = fake.arm("PUT", f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{ROLE_ID}", AUTH_API, body=role, token=admin)
    check(status == 201 and body["name"] == ROLE_ID and body["properties"]["roleName"] == "Cloud Builder", "RoleDefinitions_CreateOrUpdate 201")
    status, _, body = fake.arm("PUT", f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{ROLE_ID}", AUTH_API,
                               body=dict(role, id="ignored", name=ROLE_ID), token=admin)
    check(status == 201, "re-PUT (idempotent) with read-only id/name: accepted, read-only ignored")
    status, _, body = fake.arm("PUT", f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{ASSIGN_ID}", AUTH_API, body=role, token=admin)
    check(status == 409 and body["error"]["code"] == "RoleDefinitionWithSameNameExists", "same role name under another GUID: 409")
    status, _, body = fake.arm("GET", f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{ROLE_ID}", AUTH_API, token=admin)
    check(status == 200 and body["properties"]["assignableScopes"] == [scope], "RoleDefinitions_Get")
    status, _, body = fake.arm("GET", f"{scope}/providers/Microsoft.Authorization/roleDefinitions", AUTH_API,
                               {"$filter": "roleName eq 'Cloud Builder'"}, token=admin)
    check(status == 200 and [d["name"] for d in body["value"]] == [ROLE_ID], "RoleDefinitions_List with roleName filter")
    bad = json.loads(json.dumps(role))
    bad["properties"]["permissions"][0]["actionz"] = []
    expect_invalid(fake.arm("PUT", f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{ROLE_ID}", AUTH_API, body=bad, token=admin),
                   "unknown property in a role permission")
    expect_invalid(fake.arm("PUT", f"{scope}/providers/Microsoft.Authorization/roleDefinitions/cloud-builder", AUTH_API, body=role, token=admin),
                   "role definition name not a GUID")

    # --- Role assignments --------------------------------------------------------------------------------
    assignment = {"properties": {"roleDefinitionId": f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{ROLE_ID}",
                                 "principalId": SCANNER["object_id"], "principalType": "ServicePrincipal"}}
    ra_path = f"{scope}/providers/Microsoft.Authorization/roleAssignments/{ASSIGN_ID}"
    fake.control("POST", "behave", {"principal_not_found": 2})
    codes = []
    for _ in range(3):
        status, _, body = fake.arm("PUT", ra_path, AUTH_API, body=assignment, token=admin)
        codes.append((status, (body.get("error") or {}).get("code")))
    check(codes == [(400, "PrincipalNotFound"), (400, "PrincipalNotFound"), (201, None)], f"PrincipalNotFound twice then 201: {codes}")
    status, _, body = fake.arm("PUT", ra_path, AUTH_API, body=assignment, token=admin)
    check(status == 200 and body["properties"]["principalId"] == SCANNER["object_id"], "same assignment again: 200 (idempotent)")
    status, _, body = fake.arm("PUT", f"{scope}/providers/Microsoft.Authorization/roleAssignments/{ROLE_ID}", AUTH_API, body=assignment, token=admin)
    check(status == 409 and body["error"]["code"] == "RoleAssignmentExists", "same (scope, principal, role) under another name: 409")
    status, _, body = fake.arm("GET", ra_path, AUTH_API, token=admin)
    check(status == 200 and body["properties"]["scope"] == scope, "RoleAssignments_Get")
    status, _, body = fake.arm("GET", f"{scope}/resourceGroups/rg-web/providers/Microsoft.Authorization/roleAssignments", AUTH_API,
                               {"$filter": f"principalId eq '{SCANNER['object_id']}'"}, token=admin)
    check(status == 200 and [a["name"] for a in body["value"]] == [ASSIGN_ID], "ListForScope below the assignment sees it")
    bad = {"properties": dict(assignment["properties"], principalKind="x")}
    expect_invalid(fake.arm("PUT", ra_path, AUTH_API, body=bad, token=admin), "unknown body field in a role assignment")
    expect_invalid(fake.arm("PUT", ra_path, AUTH_API, body={"properties": {"principalId": SCANNER["object_id"]}}, token=admin),
                   "role assignment without roleDefinitionId")

    # --- RBAC enforcement: the scanner can do exactly what its role allows ------------------------------
    fake.control("POST", "behave", {"enforce_rbac": True})
    status, _, _ = fake.arm("GET", f"/subscriptions/{SUB1}/providers/Microsoft.Insights/eventtypes/management/values", AL_API,
                            {"$filter": flt}, token=scanner)
    check(status == 200, "scanner reads the activity log its role allows")
    status, _, body = fake.arm("GET", f"/subscriptions/{SUB2}/providers/Microsoft.Insights/eventtypes/management/values", AL_API,
                               {"$filter": flt}, token=scanner)
    check(status == 403 and "Microsoft.Insights/eventtypes/values/read" in body["error"]["message"], "scanner denied where it has no role")
    status, _, body = fake.arm("POST", "/providers/Microsoft.ResourceGraph/resources", RG_API,
                               body={"subscriptions": [SUB1], "query": "Resources | project type | order by type asc"}, token=scanner)
    check(status == 200 and {r["type"] for r in body["data"]} == {"microsoft.storage/storageaccounts"},
          f"Resource Graph shows the scanner only types it may read: {sorted({r['type'] for r in body['data']})}")
    fake.control("POST", "behave", {"enforce_rbac": False})

    # --- destroy ----------------------------------------------------------------------------------------
    status, _, body = fake.arm("DELETE", f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{ROLE_ID}", AUTH_API, token=admin)
    check(status == 409 and body["error"]["code"] == "RoleDefinitionHasAssignments", "role definition in use: 409")
    status, _, _ = fake.arm("DELETE", ra_path, AUTH_API, token=admin)
    check(status == 200, "RoleAssignments_Delete 200")
    status, _, _ = fake.arm("DELETE", ra_path, AUTH_API, token=admin)
    check(status == 204, "RoleAssignments_Delete again 204")
    status, _, _ = fake.arm("DELETE", f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{ROLE_ID}", AUTH_API, token=admin)
    check(status == 200, "RoleDefinitions_Delete 200")
    status, _, body = fake.arm("GET", f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{ROLE_ID}", AUTH_API, token=admin)
    check(status == 404 and body["error"]["code"] == "RoleDefinitionDoesNotExist", "deleted role definition: 404")

    # --- ARM read limit and token expiry ----------------------------------------------------------------
    fake.control("POST", "behave", {"arm_reads": {"capacity": 2, "refill_per_second": 1}})
    answers = [fake.arm("GET", f"/subscriptions/{SUB2}", SUBS_API, token=scanner) for _ in range(3)]
    check([a[0] for a in answers] == [200, 200, 429] and answers[1][1].get("x-ms-ratelimit-remaining-subscription-reads") == "0"
          and answers[2][1].get("Retry-After") and answers[2][2]["error"]["code"] == "SubscriptionRequestsThrottled",
          "ARM reads bucket per principal and subscription: 429 SubscriptionRequestsThrottled with Retry-After")
    fake.control("POST", "behave", {"arm_reads": {"capacity": 250, "refill_per_second": 25}, "token_lifetime": 1})
    short = fake.token(SCANNER)[2]["access_token"]
    time.sleep(1.1)
    expected_invalid += 1
    status, _, body = fake.arm("GET", "/subscriptions", SUBS_API, token=short)
    check(status == 401 and body["error"]["code"] == "ExpiredAuthenticationToken", "expired token: 401 ExpiredAuthenticationToken (counted)")
    fake.control("POST", "behave", {"token_lifetime": 3599})

    # --- state and stats -----------------------------------------------------------------------------------
    state = fake.control("GET", "state")
    check(state["role_assignments"] == [] and state["role_definitions"] == [], "state holds no custom roles after destroy")
    stats = fake.control("GET", "stats")
    served = {"Resources", "Subscriptions_List", "Subscriptions_Get", "ManagementGroups_GetDescendants", "ActivityLogs_List",
              "Query_Usage", "RoleDefinitions_CreateOrUpdate", "RoleDefinitions_Get", "RoleDefinitions_Delete",
              "RoleDefinitions_List", "RoleAssignments_Create", "RoleAssignments_Get", "RoleAssignments_Delete",
              "RoleAssignments_ListForScope"}
    check(served <= set(stats["by_operation"]), f"every served operation was driven: {sorted(served - set(stats['by_operation']))}")
    check(stats["throttled"] == 4 and stats["denied"] >= 2 and stats["principal_not_found"] == 2 and stats["conflicts"] == 2,
          f"throttled {stats['throttled']}, denied {stats['denied']}, principal_not_found {stats['principal_not_found']}, conflicts {stats['conflicts']}")
    check(stats["readonly_ignored"] and stats["readonly_ignored"][0]["properties"] == ["body.id", "body.name"],
          f"read-only properties recorded: {stats['readonly_ignored']}")


if __name__ == "__main__":
    main()
