"""Google API Discovery documents: find the method a request names and check it.

Loaded once at start from the discovery JSON files (Google's published API
descriptions, `crates/testkit/fixtures/gcp/`). Nothing here is hand-copied from
them: routes, parameters, enums and schemas all come from the documents.

- `Registry.route(http_method, path, host)` finds the method whose `path`
  template (prefixed by the API's `servicePath`) matches, with `{+var}` and
  `{var}` variables checked against the parameter's `pattern`. When several
  match, the template with the most literal text wins (so `v1/{+name}:undelete`
  beats `v1/{+name}`); a `Host` naming the API (`iam.googleapis.com`) breaks ties.
- `Registry.check_query(method, query)` checks query parameters: unknown names,
  repetition, types, enums, patterns and required ones (`required: true`, or a
  description starting "Required").
- `Registry.check_value(api, value, schema, mode)` validates a JSON value
  against a schema (`$ref`s followed): types, formats (int64 as string,
  google-datetime, google-duration, byte, date), enums, unknown fields. In
  "request" mode it is as lenient as Google's proto3 JSON parser is (numbers for
  int64, numeric strings for int32, enum numbers, nulls); in "response" mode it
  is strict (the fake must answer canonical JSON). It returns the value
  normalised (enum numbers turned into names, int64 numbers into strings).
"""

import base64
import datetime
import json
import pathlib
import re
import urllib.parse

# System parameters every Google API accepts beyond the documents' own list:
# google-cloud-rust (and the Python/Java GAPIC REST transports) send
# `$alt=json;enum-encoding=int` on every call.
EXTRA_SYSTEM_PARAMS = {"$alt": {"type": "string", "enum": ["json", "json;enum-encoding=int"]}}

# Discovery lists an enum's names but not their proto numbers; a client that
# sends numbers (google-cloud-rust sends enums as numbers) needs them. Names are
# numbered by position except these, whose proto numbering has gaps.
PROTO_ENUM_NUMBERS = {
    ("ALPHA", "BETA", "GA", "DEPRECATED", "DISABLED", "EAP"): [0, 1, 2, 4, 5, 6],
    ("DEFAULT", "DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL", "ALERT", "EMERGENCY"):
        [0, 100, 200, 300, 400, 500, 600, 700, 800],
}

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
DURATION = re.compile(r"^-?\d+(\.\d{1,9})?s$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
BASE64 = re.compile(r"^[A-Za-z0-9+/_-]*={0,2}$")
REQUIRED = re.compile(r"^\s*required\b", re.I)


class Method:
    def __init__(self, api, raw):
        self.api = api
        self.id = raw["id"]
        self.http_method = raw["httpMethod"]
        self.path = raw["path"]
        self.params = raw.get("parameters", {})
        self.request = raw.get("request", {}).get("$ref")
        self.response = raw.get("response", {}).get("$ref")
        template = api.service_path + self.path
        regex, literal = "", 0
        for part in re.split(r"(\{\+?[^}]+\})", template):
            if part.startswith("{"):
                name = part.strip("{}")
                if name.startswith("+"):
                    regex += f"(?P<{_group(name[1:])}>.+)"
                else:
                    regex += f"(?P<{_group(name)}>[^/]+)"
            else:
                regex += re.escape(part)
                literal += len(part)
        self.regex = re.compile("^/" + regex + "$")
        self.literal = literal
        self.path_params = [k for k, v in self.params.items() if v.get("location") == "path"]

    def match(self, path):
        m = self.regex.match(path)
        if not m:
            return None
        values = {}
        for name in self.path_params:
            raw = m.group(_group(name))
            value = urllib.parse.unquote(raw)
            pattern = self.params[name].get("pattern")
            if pattern and not re.match(pattern, value):
                return None
            values[name] = value
        return values


def _group(name):
    return re.sub(r"\W", "_", name)


class Api:
    def __init__(self, raw):
        self.name = raw["name"]
        self.version = raw["version"]
        self.revision = raw.get("revision")
        self.host = urllib.parse.urlparse(raw["rootUrl"]).hostname
        self.service_path = raw.get("servicePath", "")
        self.schemas = raw.get("schemas", {})
        self.system_params = dict(raw.get("parameters", {}))
        self.system_params.update(EXTRA_SYSTEM_PARAMS)
        self.methods = {}
        stack = [raw]
        while stack:
            res = stack.pop()
            for m in res.get("methods", {}).values():
                method = Method(self, m)
                self.methods[method.id] = method
            stack.extend(res.get("resources", {}).values())


class Registry:
    def __init__(self, directory):
        self.apis = {}
        self.methods = {}
        for path in sorted(pathlib.Path(directory).glob("*.json")):
            raw = json.loads(path.read_text())
            if raw.get("kind") != "discovery#restDescription":
                continue
            api = Api(raw)
            self.apis[api.name] = api
            self.methods.update(api.methods)
        if not self.methods:
            raise SystemExit(f"no discovery documents in {directory}")

    def route(self, http_method, path, host=None):
        """((method, path parameters), None) or ((None, None), reason)."""
        found, other_verb = [], []
        for method in self.methods.values():
            values = method.match(path)
            if values is None:
                continue
            (found if method.http_method == http_method else other_verb).append((method, values))
        if not found:
            if other_verb:
                verbs = sorted({m.http_method + " (" + m.id + ")" for m, _ in other_verb})
                return (None, None), f"{http_method} {path}: the documents have this path only for {', '.join(verbs)}"
            return (None, None), f"{http_method} {path} matches no method of the discovery documents"
        host = (host or "").split(":")[0]
        found.sort(key=lambda mv: (mv[0].literal, mv[0].api.host == host), reverse=True)
        return found[0], None

    # ---- query parameters -------------------------------------------------
    def check_query(self, method, query):
        """query: {name: [values]}. Returns (normalised {name: value or [values]}, errors)."""
        errors, out = [], {}
        api = method.api
        for name, values in query.items():
            spec = method.params.get(name)
            if spec is not None and spec.get("location") != "query":
                errors.append(f"query parameter {name!r} is a path parameter of {method.id}")
                continue
            if spec is None:
                spec = api.system_params.get(name)
            if spec is None:
                errors.append(f"unknown query parameter {name!r} for {method.id}")
                continue
            if len(values) > 1 and not spec.get("repeated"):
                errors.append(f"query parameter {name!r} is not repeated but given {len(values)} times")
            parsed = []
            for v in values:
                ok, val = _check_query_value(v, spec)
                if not ok:
                    errors.append(f"query parameter {name}={v!r}: {val}")
                parsed.append(val)
            out[name] = parsed if spec.get("repeated") else parsed[-1]
        for name, spec in method.params.items():
            if spec.get("location") != "query":
                continue
            required = spec.get("required") or REQUIRED.match(spec.get("description", ""))
            if required and (name not in query or all(v == "" for v in query[name])):
                errors.append(f"required query parameter {name!r} is missing")
        return out, errors

    # ---- JSON values --------------------------------------------------------
    def check_value(self, api, value, schema, mode, where="body"):
        """Returns (normalised value, errors)."""
        errors = []
        out = _check(api, value, schema, mode, where, errors, 0)
        return out, errors

    def check_request_body(self, method, body, path_values):
        """Validate a parsed JSON body against the method's request schema.

        google-cloud-rust sends the whole request message for `body: "*"`
        methods, so fields named after a path parameter (`parent`, `name`,
        `resource`) may appear in the body; Google accepts them when they equal
        the URL's value, and so does this check.
        """
        api = method.api
        schema = api.schemas[method.request]
        if not isinstance(body, dict):
            return body, [f"request body is not a JSON object ({method.request})"]
        errors = []
        body = dict(body)
        for name in method.path_params:
            if name in body:
                if body[name] != path_values.get(name):
                    errors.append(f"body field {name!r}={body[name]!r} disagrees with the URL's {path_values.get(name)!r}")
                if name not in schema.get("properties", {}):
                    body.pop(name)
        out, more = self.check_value(api, body, {"$ref": method.request}, "request")
        errors.extend(more)
        for name, prop in schema.get("properties", {}).items():
            if REQUIRED.match(prop.get("description", "")) and _empty(out.get(name) if isinstance(out, dict) else None):
                errors.append(f"required field {method.request}.{name} is missing")
        return out, errors


def _empty(v):
    return v is None or v == "" or v == [] or v == {}


def _check_query_value(v, spec):
    t = spec.get("type")
    if v == "" and t != "string":
        return True, None  # unset (clients send empty defaults)
    if "enum" in spec:
        if v in spec["enum"]:
            return True, v
        if re.fullmatch(r"-?\d+", v):
            name = enum_name(int(v), spec["enum"])
            if name is not None:
                return True, name
        return False, f"not one of {spec['enum']}"
    if t == "integer":
        if not re.fullmatch(r"-?\d+", v):
            return False, "not an integer"
        return True, int(v)
    if t == "boolean":
        if v not in ("true", "false"):
            return False, "not true/false"
        return True, v == "true"
    if t == "number":
        try:
            return True, float(v)
        except ValueError:
            return False, "not a number"
    fmt = spec.get("format")
    if v and fmt == "google-datetime" and not RFC3339.match(v):
        return False, "not an RFC 3339 timestamp"
    if v and fmt == "google-duration" and not DURATION.match(v):
        return False, "not a duration like '3600s'"
    if v and fmt in ("int64", "uint64") and not re.fullmatch(r"-?\d+", v):
        return False, "not an integer"
    pattern = spec.get("pattern")
    if v and pattern and not re.match(pattern, v):
        return False, f"does not match {pattern}"
    return True, v


def enum_numbers(names):
    return PROTO_ENUM_NUMBERS.get(tuple(names), list(range(len(names))))


def enum_name(number, names):
    numbers = enum_numbers(names)
    return names[numbers.index(number)] if number in numbers else None


def _resolve(api, schema):
    seen = 0
    while "$ref" in schema:
        ref = schema["$ref"]
        if ref not in api.schemas:
            raise KeyError(f"schema {ref} not in {api.name}")
        schema = api.schemas[ref]
        seen += 1
        if seen > 50:
            break
    return schema


def _check(api, value, schema, mode, where, errors, depth):
    if depth > 64:
        errors.append(f"{where}: nested too deeply")
        return value
    name = schema.get("$ref")
    schema = _resolve(api, schema)
    t = schema.get("type")
    if value is None:
        if mode == "response":
            errors.append(f"{where}: null (the fake must omit unset fields)")
        return None
    if t == "any":
        return value
    if t == "object":
        if not isinstance(value, dict):
            errors.append(f"{where}: expected an object{' (' + name + ')' if name else ''}, got {type(value).__name__}")
            return value
        props = schema.get("properties")
        addl = schema.get("additionalProperties")
        out = {}
        for k, v in value.items():
            if props is not None and k in props:
                out[k] = _check(api, v, props[k], mode, f"{where}.{k}", errors, depth + 1)
            elif addl is not None:
                out[k] = _check(api, v, addl, mode, f"{where}[{k!r}]", errors, depth + 1)
            elif props is None and addl is None:
                out[k] = v  # free-form object
            else:
                errors.append(f"{where}: unknown field {k!r}{' in ' + name if name else ''}")
        return out
    if t == "array":
        if not isinstance(value, list):
            errors.append(f"{where}: expected an array, got {type(value).__name__}")
            return value
        return [_check(api, v, schema.get("items", {"type": "any"}), mode, f"{where}[{i}]", errors, depth + 1)
                for i, v in enumerate(value)]
    if t == "string":
        fmt = schema.get("format")
        enum = schema.get("enum")
        if enum is not None:
            if isinstance(value, str) and value in enum:
                return value
            if mode == "request" and isinstance(value, int) and not isinstance(value, bool):
                n = enum_name(value, enum)
                if n is not None:
                    return n
            errors.append(f"{where}: {value!r} is not one of {enum}")
            return value
        if fmt in ("int64", "uint64"):
            if mode == "request" and isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value):
                errors.append(f"{where}: expected a {fmt} as a decimal string, got {value!r}")
            elif fmt == "uint64" and value.startswith("-"):
                errors.append(f"{where}: negative uint64 {value!r}")
            return value
        if not isinstance(value, str):
            errors.append(f"{where}: expected a string, got {type(value).__name__} {value!r}")
            return value
        if fmt == "google-datetime" and not RFC3339.match(value):
            errors.append(f"{where}: {value!r} is not an RFC 3339 timestamp")
        elif fmt == "google-duration" and not DURATION.match(value):
            errors.append(f"{where}: {value!r} is not a duration like '3600s'")
        elif fmt == "date" and not DATE.match(value):
            errors.append(f"{where}: {value!r} is not a date YYYY-MM-DD")
        elif fmt == "byte":
            if not BASE64.match(value):
                errors.append(f"{where}: {value!r} is not base64")
            else:
                try:
                    base64.urlsafe_b64decode(value.replace("+", "-").replace("/", "_") + "=" * (-len(value) % 4))
                except ValueError:
                    errors.append(f"{where}: {value!r} is not base64")
        return value
    if t == "integer":
        if mode == "request" and isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            value = int(value)
        if isinstance(value, float) and value.is_integer() and mode == "request":
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(f"{where}: expected an integer, got {value!r}")
            return value
        fmt = schema.get("format")
        lo, hi = {"int32": (-2**31, 2**31 - 1), "uint32": (0, 2**32 - 1)}.get(fmt, (-2**63, 2**63 - 1))
        if not lo <= value <= hi:
            errors.append(f"{where}: {value} out of range for {fmt}")
        return value
    if t == "number":
        if isinstance(value, bool) or not (isinstance(value, (int, float)) or value in ("NaN", "Infinity", "-Infinity")):
            errors.append(f"{where}: expected a number, got {value!r}")
        return value
    if t == "boolean":
        if not isinstance(value, bool):
            errors.append(f"{where}: expected true/false, got {value!r}")
        return value
    if t is None and "properties" not in schema:
        return value
    errors.append(f"{where}: schema type {t!r} not understood")
    return value


def parse_time(value):
    """RFC 3339 (any precision, Z or offset) -> aware datetime; None if not one."""
    if not isinstance(value, str):
        return None
    m = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$", value.strip())
    if not m:
        return None
    day, clock, frac, tz = m.groups()
    clock = clock or "00:00:00"
    if len(clock) == 5:
        clock += ":00"
    micro = int((frac or ".0")[1:7].ljust(6, "0"))
    try:
        dt = datetime.datetime.fromisoformat(f"{day}T{clock}").replace(microsecond=micro)
    except ValueError:
        return None
    if tz in (None, "Z"):
        return dt.replace(tzinfo=datetime.timezone.utc)
    sign = 1 if tz[0] == "+" else -1
    hh, mm = int(tz[1:3]), int(tz[-2:])
    return dt.replace(tzinfo=datetime.timezone(sign * datetime.timedelta(hours=hh, minutes=mm)))


def format_time(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
