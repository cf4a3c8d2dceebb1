"""Swagger 2.0 (Azure REST API specs) loading, routing and validation for the Azure contract fake.

Stdlib only. The specs are read as published, `$ref`s are resolved lazily relative to the file
that holds them (`#/definitions/X`, `./common-types.json#/parameters/Y`,
`../../../../../common-types/resource-management/v2/types.json#/...`), so no schema is copied.

Validation follows the AutoRest reading of Swagger 2.0, which is what Azure's SDKs generate from:

- `type: object` with no `properties`, `additionalProperties` or `allOf` means "any JSON value"
  (Resource Graph's `data`, Activity Log's `claims`/`properties`).
- A property the schema does not declare is an error (in requests and in the fake's own answers)
  unless the schema has `additionalProperties`.
- `null` is an error unless the schema says `x-nullable: true`; an SDK must omit an unset optional
  property, not send `null`. In answers a `nextLink` may be null (the published Cost Management
  and Management Groups examples answer `"nextLink": null`, which ends x-ms-pageable paging), and
  the x-ms-pageable next link is never required (SubscriptionListResult marks it required; the
  last page has none).
- Enums are compared exactly, also where `x-ms-enum.modelAsString` is true (the fake knows only the
  values the spec lists).
- `readOnly` properties in a request are reported to the caller (`readonly` list); the server
  decides whether that is an error (see azure_fake.py).
- `format`: date-time, date, uuid, int32 and int64 are checked.
"""

import datetime
import json
import pathlib
import re

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head")


class SpecSet:
    """Every loaded spec file, by absolute path, with `$ref` resolution across files."""

    def __init__(self):
        self.files = {}

    def load(self, path):
        path = pathlib.Path(path).resolve()
        if path not in self.files:
            self.files[path] = json.loads(path.read_text(encoding="utf-8"))
        return self.files[path]

    def resolve(self, ref, base):
        """Returns (target, file) for `ref` seen in `base` (a resolved path)."""
        file_part, _, pointer = ref.partition("#")
        target_file = (base.parent / file_part).resolve() if file_part else base
        node = self.load(target_file)
        for token in [t for t in pointer.split("/") if t]:
            token = token.replace("~1", "/").replace("~0", "~")
            node = node[token]
        return node, target_file

    def deref(self, node, base):
        """Follows `$ref` chains; returns (node, file)."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            node, base = self.resolve(node["$ref"], base)
            seen += 1
            if seen > 50:
                raise ValueError("ref cycle")
        return node, base


class Operation:
    def __init__(self, specs, file, template, method, op, path_level_params):
        self.specs = specs
        self.file = file
        self.doc = specs.load(file)
        self.template = template
        self.method = method.upper()
        self.op = op
        self.operation_id = op.get("operationId")
        self.api_version = self.doc["info"]["version"]
        self.pageable = op.get("x-ms-pageable")
        self.params = []
        for raw in list(path_level_params) + list(op.get("parameters", [])):
            param, pfile = specs.deref(raw, file)
            self.params.append((param, pfile))
        self.path_params = {p["name"]: (p, f) for p, f in self.params if p.get("in") == "path"}
        self.query_params = {p["name"]: (p, f) for p, f in self.params if p.get("in") == "query"}
        self.body_param = next(((p, f) for p, f in self.params if p.get("in") == "body"), None)
        self.examples = {}
        for title, ref in (op.get("x-ms-examples") or {}).items():
            example_path = (file.parent / ref["$ref"]).resolve()
            if example_path.exists():
                self.examples[title] = json.loads(example_path.read_text(encoding="utf-8"))
        self.literals = 0
        pattern = "^"
        segments = [s for s in template.split("/") if s != ""]
        for index, segment in enumerate(segments):
            m = re.fullmatch(r"\{([^}]+)\}", segment)
            if not m:
                self.literals += 1
                pattern += "/" + re.escape(segment)
                continue
            name = m.group(1)
            param = self.path_params.get(name, ({}, None))[0]
            if index == 0 and param.get("x-ms-skip-url-encoding"):
                # `{scope}` spans slashes; the root scope "/" makes it empty.
                pattern += "(?:/(?P<%s>.+?))?" % _group(name)
            else:
                pattern += "/(?P<%s>[^/]+)" % _group(name)
        pattern += "/?$"
        self.regex = re.compile(pattern, re.IGNORECASE)
        self.group_names = {_group(n): n for n in self.path_params}

    def match(self, path):
        m = self.regex.match(path)
        if not m:
            return None
        return {self.group_names.get(k, k): v for k, v in m.groupdict().items()}

    def example(self, status="200"):
        """The first published example that has a body for `status`, or None."""
        for example in self.examples.values():
            response = example.get("responses", {}).get(str(status))
            if response is not None and "body" in response:
                return json.loads(json.dumps(response["body"]))
        return None

    def response_schema(self, status):
        responses = self.op.get("responses", {})
        response = responses.get(str(status))
        if response is None:
            return None, None
        response, rfile = self.specs.deref(response, self.file)
        if "schema" not in response:
            return {}, rfile
        return response["schema"], rfile

    def declares(self, status):
        return str(status) in self.op.get("responses", {})

    def __repr__(self):
        return f"{self.method} {self.template} ({self.operation_id})"


def _group(name):
    return "p_" + re.sub(r"\W", "_", name)


class Router:
    """Every operation of every loaded spec; `served` names the ones the fake answers."""

    def __init__(self, specs, spec_files, served):
        self.specs = specs
        self.operations = []
        for file in spec_files:
            file = pathlib.Path(file).resolve()
            doc = specs.load(file)
            for template, item in (doc.get("paths") or {}).items():
                level = item.get("parameters", [])
                for method in HTTP_METHODS:
                    if method in item:
                        op = Operation(specs, file, template, method, item[method], level)
                        if op.literals == 0:
                            # `/{roleAssignmentId}` (the *ById operations) would match any path.
                            continue
                        self.operations.append(op)
        self.served = served

    def route(self, method, path):
        """Returns (operation, path_params, error). The best match prefers a served
        operation, then the template with the most literal segments."""
        candidates = []
        path_only = []
        for op in self.operations:
            params = op.match(path)
            if params is None:
                continue
            if op.method != method:
                path_only.append(op)
                continue
            candidates.append((op.operation_id in self.served, op.literals, op, params))
        if not candidates:
            if path_only:
                names = ", ".join(sorted({f"{o.method} ({o.operation_id})" for o in path_only}))
                return None, None, f"{method} is not an operation of {path}; the specs allow {names}"
            return None, None, f"no operation in the loaded specs matches {method} {path}"
        candidates.sort(key=lambda c: (c[0], c[1]), reverse=True)
        _, _, op, params = candidates[0]
        return op, params, None


class Validator:
    """Validates a JSON value against a Swagger schema (see the module docstring)."""

    def __init__(self, specs, request=False):
        self.specs = specs
        self.request = request
        self.readonly = []
        # x-ms-pageable: a null next link ends paging (the published Cost Management and
        # Management Groups examples answer `"nextLink": null`), so answers may carry it.
        self.null_next_link = not request
        # Paths whose `required` is waived (the x-ms-pageable next link on the last page).
        self.optional = set()

    def validate(self, value, schema, file, where="body"):
        errors = []
        self._check(value, schema, file, where, errors, depth=0)
        return errors

    def _collect(self, schema, file, depth=0):
        """Flattens allOf: returns (properties {name: (schema, file)}, required set,
        additionalProperties or None, type, extra constraints schema list)."""
        schema, file = self.specs.deref(schema, file)
        props, required, additional, types, parts = {}, set(), None, set(), [(schema, file)]
        for part in schema.get("allOf", []):
            p2, r2, a2, t2, parts2 = self._collect(part, file, depth + 1)
            props.update(p2)
            required |= r2
            additional = additional if additional is not None else a2
            types |= t2
            parts.extend(parts2)
        for name, prop in (schema.get("properties") or {}).items():
            props[name] = (prop, file)
        required |= set(schema.get("required", []))
        if "additionalProperties" in schema:
            additional = (schema["additionalProperties"], file)
        if "type" in schema:
            types.add(schema["type"])
        return props, required, additional, types, parts

    def _check(self, value, schema, file, where, errors, depth):
        if depth > 60:
            return
        schema, file = self.specs.deref(schema, file)
        if value is None:
            if not schema.get("x-nullable") and not (self.null_next_link and where.endswith(".nextLink")):
                errors.append(f"{where}: null is not allowed here")
            return
        props, required, additional, types, _ = self._collect(schema, file)
        kind = next(iter(types)) if types else ("object" if props else None)
        if kind is None or kind == "file":
            return
        if kind == "object":
            if not props and additional is None and not schema.get("allOf"):
                return  # AutoRest: an open `object` is any JSON value
            if not isinstance(value, dict):
                errors.append(f"{where}: expected an object, got {type(value).__name__}")
                return
            for name in sorted(required):
                if name not in value and f"{where}.{name}" not in self.optional:
                    errors.append(f"{where}: required property {name!r} is missing")
            for name, item in value.items():
                if name in props:
                    pschema, pfile = props[name]
                    resolved, _ = self.specs.deref(pschema, pfile)
                    if self.request and (pschema.get("readOnly") or resolved.get("readOnly")):
                        self.readonly.append(f"{where}.{name}")
                        continue
                    self._check(item, pschema, pfile, f"{where}.{name}", errors, depth + 1)
                elif additional is not None:
                    aschema, afile = additional
                    if aschema is False:
                        errors.append(f"{where}: unknown property {name!r}")
                    elif aschema is not True:
                        self._check(item, aschema, afile, f"{where}.{name}", errors, depth + 1)
                else:
                    errors.append(f"{where}: unknown property {name!r} (the schema declares {sorted(props)})")
            if "maxItems" in schema and len(value) > schema["maxItems"]:
                errors.append(f"{where}: at most {schema['maxItems']} entries allowed")
            return
        if kind == "array":
            if not isinstance(value, list):
                errors.append(f"{where}: expected an array, got {type(value).__name__}")
                return
            if "minItems" in schema and len(value) < schema["minItems"]:
                errors.append(f"{where}: at least {schema['minItems']} items required")
            if "maxItems" in schema and len(value) > schema["maxItems"]:
                errors.append(f"{where}: at most {schema['maxItems']} items allowed")
            if "items" in schema:
                for i, item in enumerate(value):
                    self._check(item, schema["items"], file, f"{where}[{i}]", errors, depth + 1)
            return
        check_scalar(value, schema, kind, where, errors)


def check_scalar(value, schema, kind, where, errors):
    if kind == "string":
        if not isinstance(value, str):
            errors.append(f"{where}: expected a string, got {type(value).__name__}")
            return
        fmt = schema.get("format")
        if fmt == "date-time" and parse_datetime(value) is None:
            errors.append(f"{where}: {value!r} is not an RFC 3339 date-time")
        if fmt == "date":
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                errors.append(f"{where}: {value!r} is not a date (YYYY-MM-DD)")
        if fmt == "uuid" and not GUID_RE.match(value):
            errors.append(f"{where}: {value!r} is not a GUID")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append(f"{where}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{where}: longer than {schema['maxLength']}")
    elif kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(f"{where}: expected an integer, got {value!r}")
            return
        bits = {"int32": 31, "int64": 63}.get(schema.get("format"))
        if bits and not -(2**bits) <= value < 2**bits:
            errors.append(f"{where}: {value} is out of {schema['format']} range")
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append(f"{where}: expected a number, got {value!r}")
            return
    elif kind == "boolean":
        if not isinstance(value, bool):
            errors.append(f"{where}: expected a boolean, got {value!r}")
            return
    if kind in ("integer", "number"):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{where}: {value} is below the minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{where}: {value} is above the maximum {schema['maximum']}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} is not one of {schema['enum']}")


def parse_datetime(value):
    """Parses RFC 3339 (Z or offset, up to 7 fractional digits as Azure writes); None if bad."""
    m = re.fullmatch(
        r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|z|[+-]\d{2}:\d{2})?", value
    )
    if not m:
        return None
    year, month, day, hour, minute, second, frac, tz = m.groups()
    try:
        micro = int((frac or "0").ljust(6, "0")[:6])
        offset = datetime.timedelta(0)
        if tz and tz not in ("Z", "z"):
            sign = 1 if tz[0] == "+" else -1
            offset = sign * datetime.timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
        naive = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro)
    except ValueError:
        return None
    return (naive - offset).replace(tzinfo=datetime.timezone.utc)


def coerce_query(value, param):
    """Checks a query/path string against a non-body parameter declaration; returns errors."""
    errors = []
    kind = param.get("type", "string")
    where = f"{param.get('in')} parameter {param['name']!r}"
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            return [f"{where}: {value!r} is not an integer"]
        check_scalar(int(value), param, "integer", where, errors)
    elif kind == "boolean":
        if value not in ("true", "false"):
            return [f"{where}: {value!r} is not true/false"]
    else:
        check_scalar(value, param, "string", where, errors)
    return errors
