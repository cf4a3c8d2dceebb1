"""The Azure contract fake's in-memory world: tenant, management groups, subscriptions,
resource groups, resources, activity-log events, daily costs, role definitions and assignments.

Built from a seed (JSON; see README.md for the shape). Scopes are ARM resource ids compared
case-insensitively: "/", "/providers/Microsoft.Management/managementGroups/{name}",
"/subscriptions/{guid}", "/subscriptions/{guid}/resourceGroups/{name}", or a resource id.
"""

import datetime
import fnmatch
import hashlib
import random
import re
import uuid

from swagger import GUID_RE, parse_datetime

RG_NAME_RE = re.compile(r"^[-\w._()]{1,90}$")
MG_NAME_RE = re.compile(r"^[-\w().]{1,90}$")
BUILTIN_ROLES = [
    # Published built-in role ids (docs: "Azure built-in roles"); permissions abbreviated to the
    # part that matters here.
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner", ["*"], []),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor", ["*"],
     ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write"]),
    ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader", ["*/read"], []),
]
SERVICES = ["Virtual Machines", "Storage", "Bandwidth", "Azure Monitor", "Virtual Network"]


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


def stable_uuid(*parts):
    return str(uuid.UUID(hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:32]))


class ScopeError(ValueError):
    pass


def parse_scope(text):
    """Returns a dict {kind, sub, rg, mg, canonical} for an ARM scope, or raises ScopeError.
    kind: root | mg | sub | rg | resource."""
    if text is None or text.strip("/") == "":
        return {"kind": "root", "canonical": "/"}
    raw = "/" + text.strip("/")
    parts = raw.strip("/").split("/")
    low = [p.lower() for p in parts]
    if low[:3] == ["providers", "microsoft.management", "managementgroups"] and len(parts) == 4:
        if not MG_NAME_RE.match(parts[3]):
            raise ScopeError(f"management group name {parts[3]!r} is not valid")
        return {"kind": "mg", "mg": parts[3], "canonical": raw}
    if low[0] != "subscriptions" or len(parts) < 2:
        raise ScopeError(f"{raw!r} is not a management group, subscription, resource group or resource scope")
    if not GUID_RE.match(parts[1]):
        raise ScopeError(f"subscription id {parts[1]!r} in scope {raw!r} is not a GUID")
    if len(parts) == 2:
        return {"kind": "sub", "sub": parts[1].lower(), "canonical": raw}
    if low[2] != "resourcegroups" or len(parts) < 4:
        raise ScopeError(f"{raw!r}: after the subscription a scope continues with resourceGroups/NAME")
    if not RG_NAME_RE.match(parts[3]) or parts[3].endswith("."):
        raise ScopeError(f"resource group name {parts[3]!r} is not valid")
    if len(parts) == 4:
        return {"kind": "rg", "sub": parts[1].lower(), "rg": parts[3], "canonical": raw}
    if low[4] != "providers" or len(parts) < 8 or (len(parts) - 6) % 2:
        raise ScopeError(f"{raw!r} is not a resource id (…/providers/NAMESPACE/TYPE/NAME)")
    return {"kind": "resource", "sub": parts[1].lower(), "rg": parts[3], "canonical": raw}


def under(scope, ancestor):
    """True when `scope` equals or lies below `ancestor` in the resource-id tree (no MG walk)."""
    s, a = scope.lower().rstrip("/"), ancestor.lower().rstrip("/")
    return a == "" or s == a or s.startswith(a + "/")


def action_matches(pattern, action):
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


class World:
    def __init__(self, seed):
        seed = seed or {}
        self.tenant = (seed.get("tenant") or "72f988bf-86f1-41af-91ab-2d7cd011db47").lower()
        self.now = parse_datetime(seed["now"]) if seed.get("now") else None
        self.currency = seed.get("currency", "USD")
        self.clients = {}
        for c in seed.get("clients", []):
            cid = c["client_id"]
            self.clients[cid.lower()] = {
                "client_id": cid,
                "client_secret": c.get("client_secret"),
                "object_id": (c.get("object_id") or stable_uuid("sp", cid)).lower(),
                "display_name": c.get("display_name", cid),
                "owner": bool(c.get("owner", False)),
            }
        self.principals = {p.lower() for p in seed.get("principals", [])}
        self.principals |= {c["object_id"] for c in self.clients.values()}
        root = {"name": self.tenant, "display_name": "Tenant Root Group", "parent": None}
        self.mgs = {self.tenant: root}
        for mg in seed.get("management_groups", []):
            self.mgs[mg["name"].lower()] = {
                "name": mg["name"],
                "display_name": mg.get("display_name", mg["name"]),
                "parent": (mg.get("parent") or self.tenant).lower(),
            }
        for mg in self.mgs.values():
            if mg["parent"] is not None and mg["parent"] not in self.mgs:
                raise ValueError(f"management group {mg['name']} has unknown parent {mg['parent']}")
        self.subs = {}
        self.rgs = {}
        self.resources = []
        self.events = {}
        self.costs = {}
        for mg in seed.get("management_groups", []):
            for sid in mg.get("subscriptions", []):
                self._add_sub({"id": sid}, mg["name"].lower())
        for sub in seed.get("subscriptions", []):
            self._add_sub(sub, (sub.get("management_group") or "").lower() or None)
        self.role_definitions = {}
        for rid, name, actions, not_actions in BUILTIN_ROLES:
            self.role_definitions[rid] = {
                "name": rid, "scope": "/", "roleName": name, "type": "BuiltInRole",
                "description": f"Built-in role {name}", "assignableScopes": ["/"],
                "permissions": [{"actions": actions, "notActions": not_actions, "dataActions": [], "notDataActions": []}],
            }
        for rd in seed.get("role_definitions", []):
            props = rd.get("properties", rd)
            self.role_definitions[rd["name"].lower()] = {
                "name": rd["name"].lower(), "scope": parse_scope(rd.get("scope", "/"))["canonical"],
                "roleName": props["roleName"], "type": props.get("type", "CustomRole"),
                "description": props.get("description", ""), "assignableScopes": props.get("assignableScopes", ["/"]),
                "permissions": props.get("permissions", []),
            }
        self.role_assignments = {}
        for ra in seed.get("role_assignments", []):
            scope = parse_scope(ra["scope"])["canonical"]
            props = ra.get("properties", ra)
            self.put_assignment(scope, ra["name"].lower(), {
                "roleDefinitionId": props["roleDefinitionId"], "principalId": props["principalId"].lower(),
                "principalType": props.get("principalType", "ServicePrincipal"),
            })

    # --- building ---------------------------------------------------------------------------

    def append(self, data):
        """Adds to the world without replacing it: new management groups, and subscriptions
        (new ones, or more resource groups / resources / events / costs for existing ones)."""
        for mg in data.get("management_groups", []):
            parent = (mg.get("parent") or self.tenant).lower()
            if parent not in self.mgs:
                raise ValueError(f"management group {mg['name']} has unknown parent {parent}")
            self.mgs.setdefault(mg["name"].lower(), {"name": mg["name"], "display_name": mg.get("display_name", mg["name"]),
                                                     "parent": parent})
            for sid in mg.get("subscriptions", []):
                self._add_sub({"id": sid}, mg["name"].lower())
        for sub in data.get("subscriptions", []):
            self._add_sub(sub, (sub.get("management_group") or "").lower() or None)

    def _add_sub(self, sub, mg):
        sid = sub["id"].lower()
        if not GUID_RE.match(sid):
            raise ValueError(f"subscription id {sub['id']!r} is not a GUID")
        entry = self.subs.get(sid) or {
            "id": sid, "display_name": f"Subscription {sid[:8]}", "state": "Enabled", "tags": {},
            "mg": self.tenant, "managed_by_tenants": [],
        }
        if mg:
            if mg not in self.mgs:
                raise ValueError(f"subscription {sid} names unknown management group {mg}")
            entry["mg"] = mg
        for key, field in (("display_name", "display_name"), ("state", "state"), ("tags", "tags"),
                           ("managed_by_tenants", "managed_by_tenants")):
            if key in sub:
                entry[field] = sub[key]
        self.subs[sid] = entry
        self.events.setdefault(sid, [])
        self.costs.setdefault(sid, [])
        for rg in sub.get("resource_groups", []):
            self.rgs[(sid, rg["name"].lower())] = {
                "name": rg["name"], "location": rg.get("location", "eastus"), "tags": rg.get("tags", {}),
            }
        for res in sub.get("resources", []):
            self.add_resource(sid, res)
        for ev in sub.get("activity_log", []):
            self.add_event(sid, ev)
        for row in sub.get("costs", []):
            self.costs[sid].append({
                "date": datetime.date.fromisoformat(row["date"]), "service": row["service"],
                "cost": float(row["cost"]), "resource_group": row.get("resource_group"),
            })
        if "generate" in sub:
            self._generate(sid, sub["generate"])

    def add_resource(self, sid, res):
        rg = res.get("resource_group", "rg-default")
        if (sid, rg.lower()) not in self.rgs:
            self.rgs[(sid, rg.lower())] = {"name": rg, "location": res.get("location", "eastus"), "tags": {}}
        rtype = res["type"]
        namespace, _, kind = rtype.partition("/")
        rid = f"/subscriptions/{sid}/resourceGroups/{rg}/providers/{namespace}/{kind}/{res['name']}"
        row = {
            "id": res.get("id", rid), "name": res["name"], "type": rtype.lower(), "tenantId": self.tenant,
            "kind": res.get("kind", ""), "location": res.get("location", "eastus"),
            "resourceGroup": rg.lower(), "subscriptionId": sid, "managedBy": res.get("managedBy", ""),
            "sku": res.get("sku"), "plan": res.get("plan"), "properties": res.get("properties", {}),
            "tags": res.get("tags", {}), "identity": res.get("identity"), "zones": res.get("zones"),
            "extendedLocation": res.get("extendedLocation"),
        }
        self.resources.append(row)

    def add_event(self, sid, ev):
        when = parse_datetime(ev["eventTimestamp"])
        if when is None:
            raise ValueError(f"event timestamp {ev['eventTimestamp']!r} is not RFC 3339")
        event = dict(ev)
        event["_when"] = when
        event.setdefault("eventDataId", stable_uuid("event", sid, ev["eventTimestamp"], len(self.events[sid])))
        event.setdefault("resourceId", f"/subscriptions/{sid}")
        self.events[sid].append(event)
        self.events[sid].sort(key=lambda e: e["_when"], reverse=True)

    def _generate(self, sid, gen):
        rnd = random.Random(f"{sid}/{len(self.events[sid])}/{len(self.costs[sid])}")
        r0 = sum(1 for r in self.resources if r["subscriptionId"] == sid)
        e0 = len(self.events[sid])
        kinds = [
            ("Microsoft.Compute/virtualMachines", "vm", lambda i: {
                "vmId": stable_uuid("vm", sid, i), "provisioningState": "Succeeded",
                "hardwareProfile": {"vmSize": rnd.choice(["Standard_B2s", "Standard_D2s_v5"])},
                "storageProfile": {"osDisk": {"osType": "Linux", "name": f"vm-{i:04d}_OsDisk"}},
            }, None, ""),
            ("Microsoft.Storage/storageAccounts", "st", lambda i: {
                "provisioningState": "Succeeded", "supportsHttpsTrafficOnly": True, "minimumTlsVersion": "TLS1_2",
                "allowBlobPublicAccess": False,
                "primaryEndpoints": {"blob": f"https://st{sid[:6]}{i:04d}.blob.core.windows.net/"},
            }, {"name": "Standard_LRS", "tier": "Standard"}, "StorageV2"),
            ("Microsoft.Network/networkInterfaces", "nic", lambda i: {"provisioningState": "Succeeded"}, None, ""),
        ]
        for i in range(r0, r0 + int(gen.get("resources", 0))):
            rtype, prefix, props, sku, kind = kinds[i % len(kinds)]
            name = f"{prefix}{sid[:6]}{i:04d}" if prefix == "st" else f"{prefix}-{i:04d}"
            self.add_resource(sid, {
                "type": rtype, "name": name, "resource_group": f"rg-{i % 3}",
                "location": ["eastus", "westeurope"][i % 2], "tags": {"env": ["prod", "dev"][i % 2]},
                "properties": props(i), "sku": sku, "kind": kind,
            })
        count, days = int(gen.get("events", 0)), float(gen.get("event_days", 7))
        base = self.clock()
        for i in range(count):
            when = base - datetime.timedelta(seconds=60 + i * days * 86400 / max(count, 1))
            self.add_event(sid, {
                "eventTimestamp": iso(when),
                "operationName": ["Microsoft.Compute/virtualMachines/write", "Microsoft.Storage/storageAccounts/listKeys/action",
                                  "Microsoft.Authorization/roleAssignments/write"][i % 3],
                "resourceId": f"/subscriptions/{sid}/resourceGroups/rg-{i % 3}/providers/Microsoft.Compute/virtualMachines/vm-{i:04d}",
                "caller": f"user{i % 4}@contoso.com", "eventDataId": stable_uuid("gen-event", sid, e0 + i),
            })
        services = gen.get("services", SERVICES)
        today = self.clock().date()
        for d in range(int(gen.get("cost_days", 0))):
            day = today - datetime.timedelta(days=d)
            for s, service in enumerate(services):
                self.costs[sid].append({"date": day, "service": service,
                                        "cost": round(rnd.uniform(0.01, 50.0), 6), "resource_group": f"rg-{s % 3}"})

    def clock(self):
        return self.now or now_utc()

    # --- hierarchy ----------------------------------------------------------------------------

    def mg_chain(self, mg):
        """The management group and its ancestors up to the tenant root, nearest first."""
        chain = []
        while mg is not None:
            chain.append(mg)
            mg = self.mgs[mg]["parent"]
        return chain

    def mg_descendant_subs(self, mg):
        mg = mg.lower()
        return [s for s in self.subs.values() if mg in self.mg_chain(s["mg"])]

    def exists(self, parsed):
        kind = parsed["kind"]
        if kind == "root":
            return True
        if kind == "mg":
            return parsed["mg"].lower() in self.mgs
        if parsed["sub"] not in self.subs:
            return False
        if kind in ("rg", "resource"):
            return (parsed["sub"], parsed["rg"].lower()) in self.rgs
        return True

    def ancestors(self, scope):
        """`scope` and every scope above it (resource → rg → sub → MGs → "/"), canonical ids."""
        parsed = parse_scope(scope)
        out = []
        kind = parsed["kind"]
        if kind == "resource":
            out.append(parsed["canonical"])
        if kind in ("resource", "rg"):
            out.append(f"/subscriptions/{parsed['sub']}/resourceGroups/{parsed['rg']}")
        if kind in ("resource", "rg", "sub"):
            out.append(f"/subscriptions/{parsed['sub']}")
            sub = self.subs.get(parsed["sub"])
            mgs = self.mg_chain(sub["mg"]) if sub else []
        elif kind == "mg":
            mgs = self.mg_chain(parsed["mg"].lower()) if parsed["mg"].lower() in self.mgs else [parsed["mg"]]
        else:
            mgs = []
        out += ["/providers/Microsoft.Management/managementGroups/" + self.mgs.get(m, {"name": m})["name"] for m in mgs]
        out.append("/")
        return out

    def is_ancestor_or_self(self, ancestor, scope):
        a = ancestor.lower().rstrip("/") or "/"
        return any((s.lower().rstrip("/") or "/") == a for s in self.ancestors(scope))

    # --- RBAC ---------------------------------------------------------------------------------

    def put_assignment(self, scope, name, props):
        self.role_assignments[name] = {"name": name, "scope": scope, **props}

    def role_guid(self, role_definition_id):
        return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()

    def allowed(self, principal, action, scope):
        """True when some assignment of `principal` at or above `scope` grants `action`."""
        for ra in self.role_assignments.values():
            if ra["principalId"] != principal or not self.is_ancestor_or_self(ra["scope"], scope):
                continue
            rd = self.role_definitions.get(self.role_guid(ra["roleDefinitionId"]))
            if not rd:
                continue
            for perm in rd["permissions"]:
                if any(action_matches(p, action) for p in perm.get("actions", [])) and not any(
                    action_matches(p, action) for p in perm.get("notActions", [])
                ):
                    return True
        return False
