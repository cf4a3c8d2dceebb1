"""Self-test of the GCP contract fake: start it, drive every served method with urllib, check the answers.

Run with the project venv's python (`.venv/bin/python crates/testkit/fakes/gcp/selftest.py`);
exits non-zero on the first failure. Covers: valid requests succeed and their answers validate
against the discovery documents (checked here independently of the fake's own check); invalid
requests (unknown body field, missing required parameter, unknown query parameter, bad enum,
bad path, no Authorization) are rejected and counted with reasons; paging and page-token
binding; etag conflict (409 ABORTED) and two concurrent read-modify-write clients that both keep
their binding; custom role soft delete / undelete and Google's answers around it; PERMISSION_DENIED
for one project; the Logging timestamp filter and its record in stats; BigQuery date ranges and
jobComplete=false; generateAccessToken, token expiry; Workload Identity pool/provider/operations (patch, soft delete, undelete),
STS token exchange from an AWS subject token (also replayed against moto when it is installed),
impersonation by the federated principal; the searchAllResources quota; injected faults;
IAM enforcement with a custom role.
"""

import datetime
import json
import pathlib
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True
HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import discovery  # noqa: E402
import fake as fake_module  # noqa: E402

ORG = "organizations/123456789012"
SA = "cloud-builder@billing-admin.iam.gserviceaccount.com"
RUST = {"$alt": "json;enum-encoding=int"}  # what google-cloud-rust adds to every call
REG = discovery.Registry(fake_module.DEFAULT_DISCOVERY)
BASE = None
checks = 0
expected_invalid = 0


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    global checks
    checks += 1
    if not cond:
        fail(msg)


def call(http, path, body=None, token="admin-token", query=None, headers=None, form=None, method_id=None,
         expect=200, invalid=False):
    """One API call; checks the status and (for 200) validates the answer against the documents."""
    global expected_invalid
    q = dict(RUST)
    q.update(query or {})
    url = BASE + path + ("?" + urllib.parse.urlencode(q, doseq=True) if q else "")
    data, hdrs = None, dict(headers or {})
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        hdrs["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=http, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            status, payload, rh = r.status, json.loads(r.read() or b"{}"), dict(r.headers)
    except urllib.error.HTTPError as e:
        status, payload, rh = e.code, json.loads(e.read() or b"{}"), dict(e.headers)
    if invalid:
        expected_invalid += 1
    check(status == expect, f"{http} {path} {query or ''}: expected {expect}, got {status} {json.dumps(payload)[:400]}")
    if status == 200 and method_id:
        (method, _), _ = REG.route(http, urllib.parse.urlsplit(url).path)
        check(method is not None and method.id == method_id, f"{path} routes to {method and method.id}, not {method_id}")
        _, errors = REG.check_value(method.api, payload, {"$ref": method.response}, "response")
        check(not errors, f"{method_id} answer breaks {method.response}: {errors[:3]}")
    return payload, rh


def control(path, body=None):
    req = urllib.request.Request(BASE + path, data=None if body is None else json.dumps(body).encode(),
                                 method="GET" if body is None else "POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def stats():
    return control("/_fake/stats")


def all_pages(http, path, key, query=None, body=None, method_id=None):
    items, token, pages = [], None, 0
    while True:
        q = dict(query or {})
        b = dict(body) if body is not None else None
        if token:
            if b is not None:
                b["pageToken"] = token
            else:
                q["pageToken"] = token
        page, _ = call(http, path, body=b, query=q, method_id=method_id)
        items += page.get(key, [])
        pages += 1
        token = page.get("nextPageToken")
        if not token:
            return items, pages


def section(name):
    print(f"  {name}", flush=True)


def main():
    global BASE
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, str(HERE / "fake.py"), "--seed", str(HERE / "example_seed.json")],
                            stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
    try:
        line = proc.stdout.readline()
        if not line.startswith("listening "):
            fail(f"fake did not start: {line!r}")
        BASE = f"http://127.0.0.1:{line.split()[1]}"
        run()
        s = stats()
        check(s["invalid"] == expected_invalid,
              f"invalid count {s['invalid']} != the {expected_invalid} invalid requests sent: {s['invalid_reasons']}")
        print(f"selftest: OK ({checks} checks, {s['requests']} requests, {s['invalid']} deliberately invalid, "
              f"{time.monotonic() - t0:.1f}s)")
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def run():
    section("Resource Manager: get / list / search / paging")
    org, _ = call("GET", f"/v3/{ORG}", method_id="cloudresourcemanager.organizations.get")
    check(org["name"] == ORG and org["state"] == "ACTIVE", "organization")
    res, _ = call("GET", "/v3/organizations:search", query={"query": "domain:example.com"},
                  method_id="cloudresourcemanager.organizations.search")
    check(len(res["organizations"]) == 1, "organizations.search")
    f, _ = call("GET", "/v3/folders/1002", method_id="cloudresourcemanager.folders.get")
    check(f["parent"] == "folders/1001", "folder parent")
    res, _ = call("GET", "/v3/folders", query={"parent": "folders/1001", "pageSize": "0", "pageToken": "",
                                               "showDeleted": "false"}, method_id="cloudresourcemanager.folders.list")
    check([x["name"] for x in res["folders"]] == ["folders/1002"], "folders.list direct children")
    p, _ = call("GET", "/v3/projects/alpha-prod", method_id="cloudresourcemanager.projects.get")
    check(p["name"] == "projects/111111111111" and p["projectId"] == "alpha-prod", "projects.get by id answers number")
    p2, _ = call("GET", "/v3/projects/111111111111", method_id="cloudresourcemanager.projects.get")
    check(p2["projectId"] == "alpha-prod", "projects.get by number")
    control("/_fake/behave", {"page_size": {"*": 1}})
    projects, pages = all_pages("GET", "/v3/projects:search", "projects", method_id="cloudresourcemanager.projects.search")
    check(len(projects) == 3 and pages == 3, f"projects.search paged 1 a page: {len(projects)} in {pages}")
    control("/_fake/behave", {"page_size": {}})
    res, _ = call("GET", "/v3/projects:search", query={"query": "parent:folders/1001"},
                  method_id="cloudresourcemanager.projects.search")
    check([x["projectId"] for x in res["projects"]] == ["billing-admin"], "projects.search parent:")
    res, _ = call("GET", "/v3/projects", query={"parent": ORG}, method_id="cloudresourcemanager.projects.list")
    check([x["projectId"] for x in res["projects"]] == ["beta-dev"], "projects.list")

    section("invalid requests are rejected and counted")
    before = stats()["invalid"]
    call("POST", "/v3/projects/alpha-prod:getIamPolicy", body={"options": {"requestedPolicyVersion": 3}, "bogus": 1},
         expect=400, invalid=True)
    call("GET", "/v3/projects", expect=400, invalid=True)                        # parent is required
    call("GET", "/v3/projects/alpha-prod", query={"fields2": "x"}, expect=400, invalid=True)  # unknown query param
    call("GET", f"/v1/{ORG}/roles", query={"view": "EVERYTHING"}, expect=400, invalid=True)    # bad enum
    call("GET", "/v3/projectz/alpha-prod", expect=404, invalid=True)            # no such path
    call("POST", "/v3/projects/alpha-prod", body={}, expect=404, invalid=True)  # path exists only for other verbs
    call("GET", "/v3/projects/alpha-prod", token=None, expect=401, invalid=True)  # no Authorization
    call("POST", "/v2/entries:list", body={"resourceNames": ["projects/alpha-prod"], "pageSize": "many"},
         expect=400, invalid=True)                                              # wrong type
    call("POST", "/v2/entries:list", body={"filter": ""}, expect=400, invalid=True)  # resourceNames required
    call("GET", "/v1/billingAccounts", expect=501, invalid=True)                # modelled, not served
    s = stats()
    check(s["invalid"] - before == 10, f"10 invalid requests counted, got {s['invalid'] - before}: {s['invalid_reasons'][-10:]}")
    reasons = " | ".join(r["reason"] for r in s["invalid_reasons"])
    for needle in ("unknown field 'bogus'", "required query parameter 'parent'", "unknown query parameter 'fields2'",
                   "EVERYTHING", "matches no method", "missing required authentication", "resourceNames is missing",
                   "not served"):
        check(needle in reasons, f"invalid reasons mention {needle!r}: {reasons[:600]}")

    section("Cloud Asset searchAllResources: scopes, paging, filters")
    control("/_fake/behave", {"page_size": {"cloudasset.searchAllResources": 4}})
    everything, pages = all_pages("GET", f"/v1/{ORG}:searchAllResources", "results",
                                  query={"pageSize": "0", "query": "", "orderBy": ""},
                                  method_id="cloudasset.searchAllResources")
    # org + 2 folders + 3 projects + 1 SA + 2 seeded + 3 projects * 6 generated
    check(len(everything) == 1 + 2 + 3 + 1 + 2 + 18, f"org scope found {len(everything)}")
    check(pages == (len(everything) + 3) // 4, f"pages {pages}")
    check(len({r["name"] for r in everything}) == len(everything), "no duplicates across pages")
    folder_scope, _ = all_pages("GET", "/v1/folders/1001:searchAllResources", "results",
                                query={"assetTypes": ["compute.googleapis.com/Instance"]})
    check(len(folder_scope) == 1 + 4 + 4, f"folder scope instances {len(folder_scope)}")
    control("/_fake/behave", {"page_size": {}})
    res, _ = call("GET", "/v1/projects/alpha-prod:searchAllResources",
                  query={"assetTypes": ["storage.googleapis.com.*"], "query": "labels.team:a",
                         "readMask": "name,assetType,labels,location"}, method_id="cloudasset.searchAllResources")
    check([r["name"] for r in res["results"]] == ["//storage.googleapis.com/alpha-prod-logs"], f"filters: {res}")
    check(set(res["results"][0]) == {"name", "assetType", "labels", "location"}, "readMask")
    page1, _ = call("GET", f"/v1/{ORG}:searchAllResources", query={"pageSize": "2"})
    call("GET", f"/v1/{ORG}:searchAllResources", query={"pageSize": "2", "pageToken": page1["nextPageToken"],
                                                          "query": "state:RUNNING"}, expect=400, invalid=True)

    section("searchAllResources quota per consumer project")
    control("/_fake/behave", {"quota": {"cloudasset.searchAllResources": {"limit": 3, "window_seconds": 60}}})
    control("/_fake/reset", {"stats": False, "quota": True})  # keep stats, restart the quota windows
    for i in range(3):
        call("GET", "/v1/projects/beta-dev:searchAllResources", headers={"x-goog-user-project": "quota-a"})
    _, rh = call("GET", "/v1/projects/beta-dev:searchAllResources", headers={"x-goog-user-project": "quota-a"},
                 expect=429)
    call("GET", "/v1/projects/beta-dev:searchAllResources", headers={"x-goog-user-project": "quota-b"})
    check(stats()["quota_exceeded"] >= 1, "quota_exceeded counted")
    control("/_fake/behave", {"quota": {"cloudasset.searchAllResources": {"limit": 400, "window_seconds": 60}}})

    section("IAM policies: read-modify-write, etag conflicts, concurrency")
    pol, _ = call("POST", "/v3/projects/alpha-prod:getIamPolicy", body={"options": {"requestedPolicyVersion": 3}},
                  method_id="cloudresourcemanager.projects.getIamPolicy")
    etag0 = pol["etag"]
    pol.setdefault("bindings", []).append({"role": "roles/viewer", "members": ["user:a@example.com"]})
    new, _ = call("POST", "/v3/projects/alpha-prod:setIamPolicy", body={"policy": pol, "resource": "projects/alpha-prod"},
                  method_id="cloudresourcemanager.projects.setIamPolicy")
    check(new["etag"] != etag0, "etag changes on write")
    pol["etag"] = etag0
    err, _ = call("POST", "/v3/projects/alpha-prod:setIamPolicy", body={"policy": pol}, expect=409)
    check(err["error"]["status"] == "ABORTED", "stale etag answers ABORTED")
    control("/_fake/behave", {"set_iam_conflicts": {"count": 1, "resource": "projects/alpha-prod",
                                                    "add_binding": {"role": "roles/browser",
                                                                    "members": ["user:other@example.com"]}}})
    cur, _ = call("POST", "/v3/projects/alpha-prod:getIamPolicy", body={})
    cur["bindings"].append({"role": "roles/viewer", "members": ["user:b@example.com"]})
    call("POST", "/v3/projects/alpha-prod:setIamPolicy", body={"policy": cur}, expect=409)
    cur, _ = call("POST", "/v3/projects/alpha-prod:getIamPolicy", body={})
    for b in cur["bindings"]:
        if b["role"] == "roles/viewer":
            b["members"].append("user:b@example.com")
    final, _ = call("POST", "/v3/projects/alpha-prod:setIamPolicy", body={"policy": cur})
    flat = {(b["role"], m) for b in final["bindings"] for m in b["members"]}
    check({("roles/browser", "user:other@example.com"), ("roles/viewer", "user:b@example.com"),
           ("roles/viewer", "user:a@example.com")} <= flat, f"injected conflict keeps the other writer's binding: {flat}")
    call("POST", "/v3/projects/alpha-prod:setIamPolicy", body={"policy": {"bindings": [
        {"role": "roles/viewer", "members": ["bob"]}]}}, expect=400, invalid=True)
    call("POST", "/v3/projects/alpha-prod:testIamPermissions", body={"permissions": ["resourcemanager.*"]},
         expect=400, invalid=True)

    # two clients read the same etag; the second write conflicts; each retries its read-modify-write
    def add_member(member, barrier, results):
        conflicts = 0
        for attempt in range(20):
            p, _ = call("POST", "/v3/folders/1001:getIamPolicy", body={})
            if barrier is not None and attempt == 0:
                barrier.wait()
            bindings = p.setdefault("bindings", [])
            slot = next((b for b in bindings if b["role"] == "roles/browser"), None)
            if slot is None:
                bindings.append({"role": "roles/browser", "members": [member]})
            else:
                slot["members"].append(member)
            status = _raw_set("/v3/folders/1001:setIamPolicy", {"policy": p})
            if status == 200:
                results[member] = conflicts
                return
            check(status == 409, f"concurrent setIamPolicy answered {status}")
            conflicts += 1
            time.sleep(0.01 * (attempt + 1))
        results[member] = None

    results = {}
    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=add_member, args=(m, barrier, results))
               for m in ("serviceAccount:one@billing-admin.iam.gserviceaccount.com",
                         "serviceAccount:two@billing-admin.iam.gserviceaccount.com")]
    [t.start() for t in threads]
    [t.join() for t in threads]
    check(None not in results.values(), f"both writers finished: {results}")
    check(sum(results.values()) >= 1, f"one writer met a conflict: {results}")
    p, _ = call("POST", "/v3/folders/1001:getIamPolicy", body={})
    members = next(b["members"] for b in p["bindings"] if b["role"] == "roles/browser")
    check(len(members) == 2, f"both concurrent bindings kept: {members}")
    # and a heavier free-for-all
    results = {}
    threads = [threading.Thread(target=add_member, args=(f"user:w{i}@example.com", None, results)) for i in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    p, _ = call("POST", "/v3/folders/1001:getIamPolicy", body={})
    members = next(b["members"] for b in p["bindings"] if b["role"] == "roles/browser")
    check(len(members) == 8 and None not in results.values(), f"8 writers, 8 members: {members}")
    check(stats()["conflicts"] >= 3, "conflicts counted")

    section("custom roles: create, patch with updateMask, soft delete, undelete")
    role_body = {"parent": ORG, "roleId": "cloudBuilder",  # google-cloud-rust sends parent in the body, stage as a number
                 "role": {"title": "Cloud Builder", "description": "read-only scanner", "stage": 2,
                          "includedPermissions": ["cloudasset.assets.searchAllResources", "logging.logEntries.list"]}}
    role, _ = call("POST", f"/v1/{ORG}/roles", body=role_body, method_id="iam.organizations.roles.create")
    check(role["name"] == f"{ORG}/roles/cloudBuilder" and role["stage"] == "GA", f"role created: {role}")
    err, _ = call("POST", f"/v1/{ORG}/roles", body=role_body, expect=409)
    check(err["error"]["status"] == "ALREADY_EXISTS", "create twice answers ALREADY_EXISTS")
    call("POST", f"/v1/{ORG}/roles", body={"roleId": "bad-id", "role": {"title": "x"}}, expect=400, invalid=True)
    call("POST", f"/v1/{ORG}/roles", body={"roleId": "named", "role": {"name": "roles/x"}}, expect=400, invalid=True)
    call("POST", f"/v1/{ORG}/roles", body={"roleId": "perm", "role": {"includedPermissions": ["not a permission"]}},
         expect=400, invalid=True)
    patched, _ = call("PATCH", f"/v1/{ORG}/roles/cloudBuilder", query={"updateMask": "includedPermissions"},
                      body={"includedPermissions": ["cloudasset.assets.searchAllResources", "logging.logEntries.list",
                                                    "resourcemanager.projects.get"], "title": "ignored (not in mask)"},
                      method_id="iam.organizations.roles.patch")
    check(len(patched["includedPermissions"]) == 3 and patched["title"] == "Cloud Builder", f"patch mask: {patched}")
    call("PATCH", f"/v1/{ORG}/roles/cloudBuilder", query={"updateMask": "name"}, body={"name": "x"}, expect=400,
         invalid=True)
    call("PATCH", f"/v1/{ORG}/roles/cloudBuilder", query={"updateMask": "title"},
         body={"title": "t", "etag": role["etag"]}, expect=409)
    deleted, _ = call("DELETE", f"/v1/{ORG}/roles/cloudBuilder", method_id="iam.organizations.roles.delete")
    check(deleted.get("deleted") is True, "delete answers deleted: true")
    got, _ = call("GET", f"/v1/{ORG}/roles/cloudBuilder", method_id="iam.organizations.roles.get")
    check(got.get("deleted") is True, "get of a soft-deleted role says deleted: true")
    lst, _ = call("GET", f"/v1/{ORG}/roles", query={"view": "1", "showDeleted": "false", "pageSize": "0",
                                                     "pageToken": ""}, method_id="iam.organizations.roles.list")
    check(all(r["name"] != f"{ORG}/roles/cloudBuilder" for r in lst.get("roles", [])), "list hides deleted roles")
    lst, _ = call("GET", f"/v1/{ORG}/roles", query={"showDeleted": "true"})
    names = [r["name"] for r in lst["roles"]]
    check(f"{ORG}/roles/cloudBuilder" in names and f"{ORG}/roles/oldScanner" in names, "showDeleted lists them")
    check(all("includedPermissions" not in r for r in lst["roles"]), "BASIC view omits permissions")
    err, _ = call("POST", f"/v1/{ORG}/roles", body=role_body, expect=400)
    check(err["error"]["status"] == "FAILED_PRECONDITION" and "marked for deletion" in err["error"]["message"],
          f"create over a soft-deleted role: {err}")
    err, _ = call("PATCH", f"/v1/{ORG}/roles/cloudBuilder", query={"updateMask": "title"}, body={"title": "x"}, expect=400)
    check(err["error"]["status"] == "FAILED_PRECONDITION", "patch of a deleted role")
    und, _ = call("POST", f"/v1/{ORG}/roles/cloudBuilder:undelete", body={"etag": deleted["etag"]},
                  method_id="iam.organizations.roles.undelete")
    check("deleted" not in und, "undelete")
    call("POST", f"/v1/{ORG}/roles/cloudBuilder:undelete", body={}, expect=400)  # not deleted: FAILED_PRECONDITION
    prole, _ = call("POST", "/v1/projects/beta-dev/roles", body={"roleId": "localScanner", "role": {"title": "L"}},
                    method_id="iam.projects.roles.create")
    check(prole["stage"] == "ALPHA", "default stage ALPHA")
    call("POST", "/v3/folders/1002:setIamPolicy", body={"policy": {"bindings": [
        {"role": "projects/beta-dev/roles/localScanner", "members": ["user:a@example.com"]}]}}, expect=400, invalid=True)
    call("POST", "/v3/folders/1002:setIamPolicy", body={"policy": {"bindings": [
        {"role": f"{ORG}/roles/cloudBuilder", "members": [f"serviceAccount:{SA}"]}]}},
         method_id="cloudresourcemanager.folders.setIamPolicy")

    section("service accounts, generateAccessToken, token expiry, IAM enforcement")
    sa, _ = call("GET", f"/v1/projects/-/serviceAccounts/{SA}", method_id="iam.projects.serviceAccounts.get")
    check(sa["email"] == SA and sa["projectId"] == "billing-admin", "serviceAccounts.get")
    call("POST", f"/v1/projects/billing-admin/serviceAccounts/{SA}:generateAccessToken",
         body={"scope": ["https://www.googleapis.com/auth/cloud-platform"]}, expect=400, invalid=True)
    call("POST", f"/v1/projects/-/serviceAccounts/{SA}:generateAccessToken", body={"lifetime": "3600s"},
         expect=400, invalid=True)  # scope is required
    call("POST", f"/v1/projects/-/serviceAccounts/{SA}:generateAccessToken",
         body={"scope": ["https://www.googleapis.com/auth/cloud-platform"], "lifetime": "7200s"}, expect=400,
         invalid=True)
    # admin@ holds roles/owner on the organization, so it may impersonate
    tok, _ = call("POST", f"/v1/projects/-/serviceAccounts/{SA}:generateAccessToken",
                  body={"name": f"projects/-/serviceAccounts/{SA}",
                        "scope": ["https://www.googleapis.com/auth/cloud-platform"], "lifetime": "900s"},
                  method_id="iamcredentials.projects.serviceAccounts.generateAccessToken")
    scanner = tok["accessToken"]
    expire = datetime.datetime.strptime(tok["expireTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    check(800 < (expire - datetime.datetime.now(datetime.timezone.utc)).total_seconds() <= 900, "lifetime honoured")
    nobody = control("/_fake/token", {"principal": "user:nobody@example.com"})["access_token"]
    err, _ = call("POST", f"/v1/projects/-/serviceAccounts/{SA}:generateAccessToken", token=nobody,
                  body={"scope": ["https://www.googleapis.com/auth/cloud-platform"]}, expect=403)
    check(err["error"]["status"] == "PERMISSION_DENIED", "impersonation needs a grant")
    control("/_fake/behave", {"enforce_iam": True})
    call("GET", "/v1/folders/1002:searchAllResources", token=scanner, method_id="cloudasset.searchAllResources")
    call("GET", "/v1/projects/beta-dev:searchAllResources", token=scanner, expect=403)  # role bound on folder 1002 only
    t, _ = call("POST", "/v3/projects/alpha-prod:testIamPermissions", token=scanner,
                body={"permissions": ["cloudasset.assets.searchAllResources", "resourcemanager.projects.delete"]},
                method_id="cloudresourcemanager.projects.testIamPermissions")
    check(t.get("permissions") == ["cloudasset.assets.searchAllResources"], f"testIamPermissions: {t}")
    control("/_fake/behave", {"enforce_iam": False, "clock_offset_seconds": 901})
    err, _ = call("GET", "/v3/projects/alpha-prod", token=scanner, expect=401, invalid=True)
    check("expired" in err["error"]["message"], "expired token refused")
    control("/_fake/behave", {"clock_offset_seconds": 0})

    section("Workload Identity Federation from AWS: pool, provider, STS, impersonation")
    op, _ = call("POST", "/v1/projects/billing-admin/locations/global/workloadIdentityPools",
                 query={"workloadIdentityPoolId": "aws-scanner"}, body={"displayName": "AWS scanner"},
                 method_id="iam.projects.locations.workloadIdentityPools.create")
    check(op["done"] is False and op["name"].startswith(
        "projects/333333333333/locations/global/workloadIdentityPools/aws-scanner/operations/"), f"pool op: {op}")
    done, _ = call("GET", f"/v1/{op['name']}", method_id="iam.projects.locations.workloadIdentityPools.operations.get")
    check(done["done"] and done["response"]["name"].endswith("/aws-scanner"), "operation completes")
    call("POST", "/v1/projects/billing-admin/locations/global/workloadIdentityPools",
         query={"workloadIdentityPoolId": "aws-scanner"}, body={}, expect=409)
    call("POST", "/v1/projects/billing-admin/locations/global/workloadIdentityPools", body={}, expect=400, invalid=True)
    pool_name = "projects/333333333333/locations/global/workloadIdentityPools/aws-scanner"
    call("GET", f"/v1/{pool_name}", method_id="iam.projects.locations.workloadIdentityPools.get")
    role_arn = "arn:aws:sts::210987654321:assumed-role/CloudBuilderScanner"
    op, _ = call("POST", "/v1/projects/billing-admin/locations/global/workloadIdentityPools/aws-scanner/providers",
                 query={"workloadIdentityPoolProviderId": "aws-main"},
                 body={"aws": {"accountId": "210987654321"}, "attributeCondition": f"attribute.aws_role == '{role_arn}'"},
                 method_id="iam.projects.locations.workloadIdentityPools.providers.create")
    call("GET", f"/v1/{op['name']}", method_id="iam.projects.locations.workloadIdentityPools.providers.operations.get")
    prov, _ = call("GET", f"/v1/{pool_name}/providers/aws-main",
                   method_id="iam.projects.locations.workloadIdentityPools.providers.get")
    check("attribute.aws_role" in prov["attributeMapping"], "AWS default attribute mapping")
    audience = f"//iam.googleapis.com/{pool_name}/providers/aws-main"
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
            "requested_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "subject_token_type": "urn:ietf:params:aws:token-type:aws4_request",
            "scope": "https://www.googleapis.com/auth/cloud-platform", "audience": audience,
            "subject_token": _aws_subject_token("ASIAEXAMPLEKEY000001", audience)}
    sts, _ = call("POST", "/v1/token", form=form, token=None, method_id="sts.token")
    fed = sts["access_token"]
    check(sts["token_type"] == "Bearer" and sts["expires_in"] == 3600, "STS answer")
    bad = dict(form, subject_token=_aws_subject_token("ASIAEXAMPLEKEY000001", audience + "x"))
    err, _ = call("POST", "/v1/token", form=bad, token=None, expect=400)
    check(err["error"] == "invalid_grant", "target-resource header must equal the audience")
    call("POST", "/v1/token", form=dict(form, grant_type="password"), token=None, expect=400, invalid=True)
    call("POST", "/v1/token", form=dict(form, audience=audience.replace("333333333333", "billing-admin")),
         token=None, expect=400)  # the audience names the project by number
    err, _ = call("POST", f"/v1/projects/-/serviceAccounts/{SA}:generateAccessToken", token=fed,
                  body={"scope": ["https://www.googleapis.com/auth/cloud-platform"]}, expect=403)
    sa_pol, _ = call("POST", f"/v1/projects/-/serviceAccounts/{SA}:getIamPolicy",
                     method_id="iam.projects.serviceAccounts.getIamPolicy")
    member = f"principalSet://iam.googleapis.com/{pool_name}/attribute.aws_role/{role_arn}"
    sa_pol["bindings"] = [{"role": "roles/iam.workloadIdentityUser", "members": [member]}]
    call("POST", f"/v1/projects/-/serviceAccounts/{SA}:setIamPolicy", body={"policy": sa_pol},
         method_id="iam.projects.serviceAccounts.setIamPolicy")
    call("POST", f"/v1/projects/-/serviceAccounts/{SA}:generateAccessToken", token=fed,
         body={"scope": ["https://www.googleapis.com/auth/cloud-platform"]},
         method_id="iamcredentials.projects.serviceAccounts.generateAccessToken")
    control("/_fake/append", {})  # no-op append is fine
    _moto_replay(form, audience, role_arn)

    section("Workload Identity: patch, soft delete, undelete")
    prov_name = f"{pool_name}/providers/aws-main"
    op, _ = call("PATCH", f"/v1/{prov_name}", query={"updateMask": "attributeCondition"},
                 body={"attributeCondition": "true"},
                 method_id="iam.projects.locations.workloadIdentityPools.providers.patch")
    done, _ = call("GET", f"/v1/{op['name']}", method_id="iam.projects.locations.workloadIdentityPools.providers.operations.get")
    check(done["done"] and done["response"]["attributeCondition"] == "true", "patch applies the masked field")
    call("PATCH", f"/v1/{prov_name}", body={"attributeCondition": "true"}, expect=400, invalid=True)  # no mask
    call("PATCH", f"/v1/{prov_name}", query={"updateMask": "name"}, body={}, expect=400, invalid=True)
    call("DELETE", f"/v1/{prov_name}", method_id="iam.projects.locations.workloadIdentityPools.providers.delete")
    gone, _ = call("GET", f"/v1/{prov_name}", method_id="iam.projects.locations.workloadIdentityPools.providers.get")
    check(gone["state"] == "DELETED" and "expireTime" in gone, f"soft-deleted provider: {gone}")
    err, _ = call("POST", "/v1/token", form=form, token=None, expect=400)
    check(err["error"] == "invalid_target", "a deleted provider exchanges nothing")
    call("POST", "/v1/projects/billing-admin/locations/global/workloadIdentityPools/aws-scanner/providers",
         query={"workloadIdentityPoolProviderId": "aws-main"}, body={"aws": {"accountId": "210987654321"}}, expect=409)
    call("DELETE", f"/v1/{prov_name}", expect=400)  # already deleted
    call("POST", f"/v1/{prov_name}:undelete", body={},
         method_id="iam.projects.locations.workloadIdentityPools.providers.undelete")
    call("POST", f"/v1/{prov_name}:undelete", body={}, expect=400)  # not deleted
    call("DELETE", f"/v1/{pool_name}", method_id="iam.projects.locations.workloadIdentityPools.delete")
    err, _ = call("POST", "/v1/token", form=form, token=None, expect=400)
    check(err["error"] == "invalid_target", "a deleted pool exchanges nothing")
    call("PATCH", f"/v1/{pool_name}", query={"updateMask": "displayName"}, body={"displayName": "x"}, expect=400)
    call("POST", f"/v1/{pool_name}:undelete", body={}, method_id="iam.projects.locations.workloadIdentityPools.undelete")
    call("PATCH", f"/v1/{pool_name}", query={"updateMask": "displayName,disabled"},
         body={"displayName": "AWS scanner", "disabled": False},
         method_id="iam.projects.locations.workloadIdentityPools.patch")

    section("Cloud Logging entries.list: filters, order, paging, incremental")
    flt = 'LOG_ID("cloudaudit.googleapis.com/activity") AND timestamp >= "2026-11-01T05:00:00Z"'
    control("/_fake/behave", {"page_size": {"logging.entries.list": 3}})
    entries, pages = all_pages("POST", "/v2/entries:list", "entries",
                               body={"resourceNames": ["projects/alpha-prod"], "filter": flt, "orderBy": "timestamp asc"},
                               method_id="logging.entries.list")
    check(len(entries) == 7 and pages == 3, f"{len(entries)} newer entries in {pages} pages")
    check([e["timestamp"] for e in entries] == sorted(e["timestamp"] for e in entries), "ascending")
    control("/_fake/behave", {"page_size": {}})
    newest = entries[-1]["timestamp"]
    control("/_fake/append", {"log_entries": [{"logName": "projects/alpha-prod/logs/cloudaudit.googleapis.com%2Factivity",
                                               "timestamp": "2026-11-05T00:00:00Z", "insertId": "new-1",
                                               "protoPayload": {"methodName": "Late"}}]})
    res, _ = call("POST", "/v2/entries:list", body={"resourceNames": ["projects/111111111111"],
                                                    "filter": f'logName="projects/alpha-prod/logs/cloudaudit.googleapis.com%2Factivity" AND timestamp > "{newest}"'},
                  method_id="logging.entries.list")
    check([e["insertId"] for e in res["entries"]] == ["new-1"], f"incremental: {res}")
    recent = control("/_fake/stats?method=logging.entries.list")["recent"]
    check(recent[-1]["derived"]["timestamp_lower_bounds"] == [f">{newest}"], f"stats show the lower bound: {recent[-1]}")
    res, _ = call("POST", "/v2/entries:list", body={"resourceNames": [ORG], "orderBy": "timestamp desc"})
    check([e["insertId"] for e in res["entries"]] == ["org-0001"], "organization-level entries only")
    call("POST", "/v2/entries:list", body={"resourceNames": ["projects/alpha-prod"], "filter": "timestamp >>> 1"},
         expect=400, invalid=True)
    call("POST", "/v2/entries:list", body={"resourceNames": ["projects/alpha-prod"], "orderBy": "insertId"},
         expect=400, invalid=True)

    section("PERMISSION_DENIED for one project, injected faults")
    control("/_fake/behave", {"deny": ["projects/beta-dev"]})
    err, _ = call("POST", "/v2/entries:list", body={"resourceNames": ["projects/beta-dev"]}, expect=403)
    check(err["error"]["status"] == "PERMISSION_DENIED", "denied project")
    call("GET", "/v1/projects/222222222222:searchAllResources", expect=403)
    res, _ = call("GET", "/v3/projects:search")
    check("beta-dev" not in [p["projectId"] for p in res["projects"]], "search hides the denied project")
    check(stats()["denied"] >= 2, "denied counted")
    control("/_fake/behave", {"deny": [], "faults": [{"method": "logging.*", "code": 503, "count": 1},
                                                     {"method": "cloudasset.*", "code": 429, "count": 1, "retry_after": 2}]})
    call("POST", "/v2/entries:list", body={"resourceNames": ["projects/alpha-prod"]}, expect=503)
    call("POST", "/v2/entries:list", body={"resourceNames": ["projects/alpha-prod"]})
    _, rh = call("GET", "/v1/projects/alpha-prod:searchAllResources", expect=429)
    check(rh.get("Retry-After") == "2", "Retry-After on injected 429")

    section("BigQuery jobs.query over the billing export")
    table = "billing-admin.billing_export.gcp_billing_export_v1_0A0A0A_0B0B0B_0C0C0C"
    sql = (f"SELECT DATE(usage_start_time) AS usage_date, service.description AS service, project.id AS project_id, "
           f"SUM(cost) AS cost, currency FROM `{table}` WHERE DATE(usage_start_time) >= @start "
           f"AND DATE(usage_start_time) < DATE '2026-11-03' GROUP BY 1, 2, 3, 5")
    qbody = {"query": sql, "useLegacySql": False, "parameterMode": "NAMED", "maxResults": 2,
             "queryParameters": [{"name": "start", "parameterType": {"type": "DATE"},
                                  "parameterValue": {"value": "2026-11-02"}}]}
    res, _ = call("POST", "/bigquery/v2/projects/billing-admin/queries", body=qbody, method_id="bigquery.jobs.query")
    check(res["jobComplete"] and res["totalRows"] == "2" and len(res["rows"]) == 2, f"date range rows: {res}")
    check([f["name"] for f in res["schema"]["fields"]] == ["usage_date", "service", "project_id", "cost", "currency"],
          "billing schema")
    recent = control("/_fake/stats?method=bigquery.jobs.query")["recent"][-1]["derived"]
    check(recent == {"date_from": "2026-11-02", "date_to_exclusive": "2026-11-03"}, f"derived date range {recent}")
    call("POST", "/bigquery/v2/projects/billing-admin/queries", body={"query": sql}, expect=400, invalid=True)
    call("POST", "/bigquery/v2/projects/billing-admin/queries",
         body={"query": "SELECT 1 FROM `x.y.z`", "useLegacySql": False}, expect=404)
    control("/_fake/behave", {"bq_incomplete": 1})
    res, _ = call("POST", "/bigquery/v2/projects/billing-admin/queries",
                  body={"query": f"SELECT * FROM `{table}`", "useLegacySql": False, "maxResults": 3},
                  method_id="bigquery.jobs.query")
    check(res["jobComplete"] is False and "rows" not in res, "jobComplete false")
    job = res["jobReference"]
    got, _ = call("GET", f"/bigquery/v2/projects/billing-admin/queries/{job['jobId']}",
                  query={"location": job["location"], "maxResults": "3"}, method_id="bigquery.jobs.getQueryResults")
    check(got["jobComplete"] and len(got["rows"]) == 3 and got.get("pageToken"), "getQueryResults first page")
    got2, _ = call("GET", f"/bigquery/v2/projects/billing-admin/queries/{job['jobId']}",
                   query={"pageToken": got["pageToken"]}, method_id="bigquery.jobs.getQueryResults")
    check(len(got2["rows"]) == 2 and "pageToken" not in got2, "getQueryResults last page")

    section("control API")
    st = control("/_fake/state")
    check(f"{ORG}/roles/cloudBuilder" in st["roles"] and pool_name in [p["name"] for p in st["workload_identity_pools"]],
          "state dump")
    s = stats()
    check(s["by_method"].get("cloudasset.searchAllResources", 0) > 5 and s["recent"], "stats by method and recent")


def _raw_set(path, body):
    req = urllib.request.Request(BASE + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": "Bearer admin-token", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def _aws_subject_token(key_id, audience, headers=None):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    hdrs = headers or [
        {"key": "host", "value": "sts.us-east-1.amazonaws.com"},
        {"key": "x-amz-date", "value": now},
        {"key": "x-goog-cloud-target-resource", "value": audience},
        {"key": "Authorization", "value": f"AWS4-HMAC-SHA256 Credential={key_id}/{now[:8]}/us-east-1/sts/aws4_request, "
                                          f"SignedHeaders=host;x-amz-date;x-goog-cloud-target-resource, Signature=00"}]
    token = {"url": "https://sts.us-east-1.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15",
             "method": "POST", "headers": hdrs}
    return urllib.parse.quote(json.dumps(token))


def _moto_replay(form, audience, role_arn):
    """With moto installed: a real SigV4-signed GetCallerIdentity for assumed-role credentials."""
    moto = shutil.which("moto_server", path=str(pathlib.Path(sys.executable).parent))
    try:
        import boto3
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
    except ImportError:
        moto = None
    if not moto:
        print("    (moto not installed: STS replay against AWS skipped)")
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([moto, "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
                break
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)
        env = dict(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1",
                   endpoint_url=endpoint)
        iam = boto3.client("iam", **env)
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                                          "Action": "sts:AssumeRole"}]}
        for name in ("CloudBuilderScanner", "SomeOtherRole"):
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        account = boto3.client("sts", **env).get_caller_identity()["Account"]

        def subject(role):
            creds = boto3.client("sts", **env).assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}",
                                                           RoleSessionName="scan")["Credentials"]
            url = "https://sts.us-east-1.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15"
            req = AWSRequest(method="POST", url=url, headers={"x-goog-cloud-target-resource": audience2})
            from botocore.credentials import Credentials
            SigV4Auth(Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]), "sts",
                      "us-east-1").add_auth(req)
            hdrs = [{"key": k, "value": v} for k, v in req.headers.items()]
            hdrs.append({"key": "host", "value": "sts.us-east-1.amazonaws.com"})
            return urllib.parse.quote(json.dumps({"url": url, "method": "POST", "headers": hdrs}))

        # a provider for moto's account, pinned to the CloudBuilderScanner role
        pool = "projects/333333333333/locations/global/workloadIdentityPools/aws-scanner"
        call("POST", f"/v1/{pool.replace('333333333333', 'billing-admin')}/providers",
             query={"workloadIdentityPoolProviderId": "moto"},
             body={"aws": {"accountId": account},
                   "attributeCondition": f"attribute.aws_role == 'arn:aws:sts::{account}:assumed-role/CloudBuilderScanner'"})
        audience2 = f"//iam.googleapis.com/{pool}/providers/moto"
        control("/_fake/behave", {"aws_sts_endpoint": endpoint})
        sts, _ = call("POST", "/v1/token", form=dict(form, audience=audience2, subject_token=subject("CloudBuilderScanner")),
                      token=None, method_id="sts.token")
        arn = control("/_fake/stats?method=sts.token")["recent"][-1]["derived"]["aws_arn"]
        check(arn.startswith(f"arn:aws:sts::{account}:assumed-role/CloudBuilderScanner/"), f"moto caller {arn}")
        err, _ = call("POST", "/v1/token", form=dict(form, audience=audience2, subject_token=subject("SomeOtherRole")),
                      token=None, expect=400)
        check("attribute condition" in err["error_description"], f"condition pins the role: {err}")
        control("/_fake/behave", {"aws_sts_endpoint": None})
        print("    (STS subject tokens verified against moto)")
    finally:
        proc.terminate()
        proc.wait(timeout=5)


if __name__ == "__main__":
    main()
