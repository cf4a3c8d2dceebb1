"""Small interpreters the GCP fake needs: the parts of Google's query languages it honours.

- `LogFilter`: the Logging query language subset — comparisons `= != > >= < <= :`
  on any field path (`logName`, `timestamp`, `severity`, `resource.type`,
  `protoPayload.methodName`, `labels."k"` …), `LOG_ID("…")`/`log_id("…")`,
  value lists `logName=("a" OR "b")`, `AND` (or juxtaposition), `OR`, `NOT`/`-`,
  parentheses. Timestamps compare as instants, severities by level. Anything
  else is rejected (the caller answers INVALID_ARGUMENT).
- `Cel`: the CEL subset Workload Identity Federation attribute mappings and
  conditions use: literals, `assertion.x`/`attribute.x`, `== != < <= > >= in`,
  `&& || !`, `+`, `? :`, and the string methods `startsWith endsWith contains
  matches extract size`.
- `parse_terms`: `key:value key=value` terms (Resource Manager and Asset search
  queries), ANDed.
- `bigquery_date_range`: the usage-date bounds of a billing-export query.
"""

import datetime
import re

from discovery import parse_time


class ExprError(ValueError):
    pass


# --------------------------------------------------------------------------- Logging filters

SEVERITIES = ["DEFAULT", "DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL", "ALERT", "EMERGENCY"]
_LOG_TOKEN = re.compile(r"""
    \s*(?:
      (?P<str>"(?:[^"\\]|\\.)*")
    | (?P<op>>=|<=|!=|=~|!~|[=<>:()])
    | (?P<word>[^\s=<>:()!"]+)
    )""", re.X)


def _unquote(s):
    return re.sub(r"\\(.)", r"\1", s[1:-1])


def _log_tokens(text):
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        m = _LOG_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExprError(f"unparseable filter near {text[pos:pos + 20]!r}")
        pos = m.end()
        if m.group("str") is not None:
            out.append(("str", _unquote(m.group("str"))))
        elif m.group("op") is not None:
            out.append(("op", m.group("op")))
        else:
            out.append(("word", m.group("word")))
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class LogFilter:
    """Parsed Logging filter; `matches(entry)` evaluates it on a LogEntry dict."""

    def __init__(self, text):
        self.text = text or ""
        self.toks = _log_tokens(self.text)
        self.i = 0
        self.tree = ("true",) if not self.toks else self._or()
        if self.i != len(self.toks):
            raise ExprError(f"unexpected {self.toks[self.i][1]!r} in filter")

    def _peek(self, k=0):
        return self.toks[self.i + k] if self.i + k < len(self.toks) else (None, None)

    def _take(self):
        t = self._peek()
        self.i += 1
        return t

    def _or(self):
        node = self._and()
        while self._peek() == ("word", "OR"):
            self._take()
            node = ("or", node, self._and())
        return node

    def _and(self):
        node = self._unary()
        while True:
            t = self._peek()
            if t == ("word", "AND"):
                self._take()
                node = ("and", node, self._unary())
            elif t[0] is not None and t != ("word", "OR") and t != ("op", ")"):
                node = ("and", node, self._unary())  # juxtaposition means AND
            else:
                return node

    def _unary(self):
        t = self._peek()
        if t == ("word", "NOT"):
            self._take()
            return ("not", self._unary())
        if t[0] == "word" and t[1].startswith("-") and len(t[1]) > 1:
            self.toks[self.i] = ("word", t[1][1:])
            return ("not", self._unary())
        return self._primary()

    def _primary(self):
        t = self._take()
        if t == ("op", "("):
            node = self._or()
            if self._take() != ("op", ")"):
                raise ExprError("missing ')' in filter")
            return node
        if t[0] == "word" and t[1].lower() in ("log_id", "source", "search", "sample") and self._peek() == ("op", "("):
            fn = t[1].lower()
            self._take()
            arg = self._take()
            if arg[0] != "str" or self._take() != ("op", ")"):
                raise ExprError(f"{t[1]}() takes one quoted string")
            if fn != "log_id":
                raise ExprError(f"{t[1]}() is not supported by this fake")
            return ("log_id", arg[1])
        if t[0] == "word":
            op = self._peek()
            if op[0] == "op" and op[1] in ("=", "!=", ">", ">=", "<", "<=", ":", "=~", "!~"):
                self._take()
                return ("cmp", t[1], op[1], self._values())
            raise ExprError(f"bare term {t[1]!r}: global search is not supported by this fake")
        raise ExprError(f"unexpected {t[1]!r} in filter")

    def _values(self):
        t = self._take()
        if t == ("op", "("):
            vals = [self._value_token(self._take())]
            while self._peek() == ("word", "OR"):
                self._take()
                vals.append(self._value_token(self._take()))
            if self._take() != ("op", ")"):
                raise ExprError("missing ')' in value list")
            return vals
        return [self._value_token(t)]

    @staticmethod
    def _value_token(t):
        if t[0] in ("str", "word"):
            return t[1]
        raise ExprError(f"expected a value, got {t[1]!r}")

    # ---- evaluation
    def matches(self, entry):
        return self._eval(self.tree, entry)

    def _eval(self, node, e):
        kind = node[0]
        if kind == "true":
            return True
        if kind == "and":
            return self._eval(node[1], e) and self._eval(node[2], e)
        if kind == "or":
            return self._eval(node[1], e) or self._eval(node[2], e)
        if kind == "not":
            return not self._eval(node[1], e)
        if kind == "log_id":
            return log_id(e.get("logName", "")) == node[1]
        _, field, op, values = node
        actual = _field(e, field)
        result = any(_compare(field, actual, op, v) for v in values)
        return result

    def lower_bounds(self):
        """Timestamp lower bounds this filter ANDs in (for stats/tests)."""
        out = []

        def walk(n):
            if n[0] == "and":
                walk(n[1]), walk(n[2])
            elif n[0] == "cmp" and n[1] in ("timestamp", "receiveTimestamp") and n[2] in (">", ">="):
                out.append(n[2] + n[3][0])
        walk(self.tree)
        return out


def log_id(log_name):
    import urllib.parse
    return urllib.parse.unquote(log_name.split("/logs/", 1)[1]) if "/logs/" in log_name else ""


def _field(entry, path):
    parts = re.findall(r'"[^"]*"|[^.]+', path)
    cur = entry
    for p in parts:
        p = p.strip('"')
        if isinstance(cur, dict) and p in cur:
            cur = cur[p]
        else:
            return None
    return cur


def _compare(field, actual, op, want):
    if actual is None:
        return op == "!="
    if field.endswith("imestamp"):
        a, w = parse_time(actual), parse_time(want)
        if w is None:
            raise ExprError(f"{want!r} is not a timestamp")
        if a is None:
            return False
    elif field == "severity":
        if want.upper() not in SEVERITIES:
            raise ExprError(f"{want!r} is not a severity")
        a, w = SEVERITIES.index(str(actual)), SEVERITIES.index(want.upper())
    elif isinstance(actual, bool):
        a, w = actual, want.lower() == "true"
    elif isinstance(actual, (int, float)):
        try:
            a, w = actual, float(want)
        except ValueError:
            return False
    elif isinstance(actual, (dict, list)):
        text = str(actual)
        return want in text if op == ":" else (op == "!=")
    else:
        a, w = str(actual), want
    if op == "=":
        return a == w
    if op == "!=":
        return a != w
    if op == ":":
        return str(w).lower() in str(a).lower()
    if op in ("=~", "!~"):
        hit = re.search(want, str(actual)) is not None
        return hit if op == "=~" else not hit
    try:
        return {">": a > w, ">=": a >= w, "<": a < w, "<=": a <= w}[op]
    except TypeError:
        return False


# --------------------------------------------------------------------------- CEL subset

_CEL_TOKEN = re.compile(r"""
    \s*(?:
      (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<num>\d+(?:\.\d+)?)
    | (?P<op>==|!=|<=|>=|&&|\|\||[<>!?:+\-.(),\[\]])
    | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
    )""", re.X)


class Cel:
    def __init__(self, text):
        self.text = text
        self.toks = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _CEL_TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ExprError(f"unparseable CEL near {text[pos:pos + 20]!r}")
            pos = m.end()
            for kind in ("str", "num", "op", "id"):
                if m.group(kind) is not None:
                    v = m.group(kind)
                    self.toks.append((kind, _unquote(v) if kind == "str" else v))
                    break
        self.i = 0
        self.tree = self._ternary()
        if self.i != len(self.toks):
            raise ExprError(f"unexpected {self.toks[self.i][1]!r} in CEL")

    def _peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def _eat(self, v):
        if self._peek() == ("op", v):
            self.i += 1
            return True
        return False

    def _need(self, v):
        if not self._eat(v):
            raise ExprError(f"expected {v!r} in CEL {self.text!r}")

    def _ternary(self):
        c = self._or()
        if self._eat("?"):
            a = self._ternary()
            self._need(":")
            b = self._ternary()
            return ("?", c, a, b)
        return c

    def _or(self):
        n = self._and()
        while self._eat("||"):
            n = ("||", n, self._and())
        return n

    def _and(self):
        n = self._rel()
        while self._eat("&&"):
            n = ("&&", n, self._rel())
        return n

    def _rel(self):
        n = self._add()
        while True:
            t = self._peek()
            if t[0] == "op" and t[1] in ("==", "!=", "<", "<=", ">", ">="):
                self.i += 1
                n = (t[1], n, self._add())
            elif t == ("id", "in"):
                self.i += 1
                n = ("in", n, self._add())
            else:
                return n

    def _add(self):
        n = self._unary()
        while self._peek() == ("op", "+"):
            self.i += 1
            n = ("+", n, self._unary())
        return n

    def _unary(self):
        if self._eat("!"):
            return ("!", self._unary())
        return self._member()

    def _member(self):
        n = self._primary()
        while True:
            if self._eat("."):
                t = self._peek()
                if t[0] != "id":
                    raise ExprError("expected a name after '.'")
                self.i += 1
                if self._eat("("):
                    args = []
                    if not self._eat(")"):
                        args.append(self._ternary())
                        while self._eat(","):
                            args.append(self._ternary())
                        self._need(")")
                    n = ("call", n, t[1], args)
                else:
                    n = ("get", n, t[1])
            elif self._eat("["):
                k = self._ternary()
                self._need("]")
                n = ("index", n, k)
            else:
                return n

    def _primary(self):
        t = self._peek()
        self.i += 1
        if t[0] == "str":
            return ("lit", t[1])
        if t[0] == "num":
            return ("lit", float(t[1]) if "." in t[1] else int(t[1]))
        if t[0] == "id":
            if t[1] in ("true", "false"):
                return ("lit", t[1] == "true")
            if t[1] == "null":
                return ("lit", None)
            if self._peek() == ("op", "("):
                self.i += 1
                args = [self._ternary()]
                while self._eat(","):
                    args.append(self._ternary())
                self._need(")")
                return ("fn", t[1], args)
            return ("var", t[1])
        if t == ("op", "("):
            n = self._ternary()
            self._need(")")
            return n
        if t == ("op", "["):
            items = []
            if not self._eat("]"):
                items.append(self._ternary())
                while self._eat(","):
                    items.append(self._ternary())
                self._need("]")
            return ("list", items)
        raise ExprError(f"unexpected {t[1]!r} in CEL {self.text!r}")

    def eval(self, env):
        return self._ev(self.tree, env)

    def _ev(self, n, env):
        k = n[0]
        if k == "lit":
            return n[1]
        if k == "var":
            if n[1] not in env:
                raise ExprError(f"undeclared reference {n[1]!r}")
            return env[n[1]]
        if k == "list":
            return [self._ev(x, env) for x in n[1]]
        if k == "get" or k == "index":
            base = self._ev(n[1], env)
            key = n[2] if k == "get" else self._ev(n[2], env)
            if isinstance(base, dict) and key in base:
                return base[key]
            raise ExprError(f"no such key {key!r}")
        if k == "?":
            return self._ev(n[2], env) if self._ev(n[1], env) else self._ev(n[3], env)
        if k == "||":
            return bool(self._ev(n[1], env)) or bool(self._ev(n[2], env))
        if k == "&&":
            return bool(self._ev(n[1], env)) and bool(self._ev(n[2], env))
        if k == "!":
            return not self._ev(n[1], env)
        if k == "+":
            return self._ev(n[1], env) + self._ev(n[2], env)
        if k == "in":
            return self._ev(n[1], env) in self._ev(n[2], env)
        if k in ("==", "!=", "<", "<=", ">", ">="):
            a, b = self._ev(n[1], env), self._ev(n[2], env)
            return {"==": lambda: a == b, "!=": lambda: a != b, "<": lambda: a < b,
                    "<=": lambda: a <= b, ">": lambda: a > b, ">=": lambda: a >= b}[k]()
        if k == "fn":
            args = [self._ev(a, env) for a in n[2]]
            if n[1] == "size":
                return len(args[0])
            if n[1] == "string":
                return str(args[0])
            raise ExprError(f"function {n[1]}() not supported")
        if k == "call":
            target = self._ev(n[1], env)
            args = [self._ev(a, env) for a in n[3]]
            name = n[2]
            if not isinstance(target, str):
                if name == "size":
                    return len(target)
                raise ExprError(f"{name}() on a non-string")
            if name == "startsWith":
                return target.startswith(args[0])
            if name == "endsWith":
                return target.endswith(args[0])
            if name == "contains":
                return args[0] in target
            if name == "matches":
                return re.search(args[0], target) is not None
            if name == "size":
                return len(target)
            if name == "extract":
                return cel_extract(target, args[0])
            raise ExprError(f"method {name}() not supported")
        raise ExprError(f"cannot evaluate {k}")


def cel_extract(value, template):
    """Google's `extract`: the text where the template's single {placeholder} sits."""
    m = re.fullmatch(r"(.*)\{[^}]*\}(.*)", template, re.S)
    if not m:
        raise ExprError("extract() template needs one {placeholder}")
    prefix, suffix = m.groups()
    regex = re.escape(prefix) + ("(.*?)" + re.escape(suffix) if suffix else "(.*)$")
    found = re.search(("^" if not prefix else "") + regex, value)
    return found.group(1) if found else ""


# --------------------------------------------------------------------------- search queries

_TERM = re.compile(r'\s*(?P<key>[A-Za-z_][\w.]*)\s*(?P<op>[:=])\s*(?P<val>"[^"]*"|[^\s"]+)\s*')


def parse_terms(query):
    """'a:b c=d AND e:"f g"' -> [(key, op, value)]; raises ExprError on anything else."""
    out, pos = [], 0
    q = (query or "").strip()
    while pos < len(q):
        m = _TERM.match(q, pos)
        if not m:
            word = re.match(r"\s*(\S+)\s*", q[pos:])
            if word and word.group(1) == "AND":
                pos += word.end()
                continue
            if word and not re.search(r"[:=]", word.group(1)):
                out.append(("", ":", word.group(1).strip('"')))
                pos += word.end()
                continue
            raise ExprError(f"cannot parse query near {q[pos:pos + 20]!r}")
        val = m.group("val")
        out.append((m.group("key"), m.group("op"), val[1:-1] if val.startswith('"') else val))
        pos = m.end()
    return out


def text_match(actual, op, want):
    """Asset/Resource Manager search semantics: '=' exact, ':' word/prefix ('*' suffix)."""
    if actual is None:
        return False
    a = str(actual)
    if op == "=":
        return a == want
    if want == "*":
        return True
    if want.endswith("*"):
        stem = want[:-1].lower()
        return any(w.startswith(stem) for w in re.split(r"[^A-Za-z0-9]+", a.lower()))
    words = [w for w in re.split(r"[^A-Za-z0-9]+", a.lower()) if w]
    want_words = [w for w in re.split(r"[^A-Za-z0-9]+", want.lower()) if w]
    if not want_words:
        return False
    joined = " ".join(words)
    return " ".join(want_words) in joined or a.lower() == want.lower()


# --------------------------------------------------------------------------- BigQuery date range

_DATE_LIT = r"(?:(?:DATE|TIMESTAMP|DATETIME)\s*)?'(\d{4}-\d{2}-\d{2})[^']*'"
_PARAM = r"@(\w+)"


def bigquery_date_range(sql, params):
    """(lower, upper_exclusive) dates the WHERE clause bounds the usage date by.

    Recognised: `<expr> >= DATE '2026-11-01'`, `> …`, `< …`, `<= …`, `= …`,
    `BETWEEN '…' AND '…'`, with a literal (optionally DATE/TIMESTAMP-typed) or a
    named parameter `@name` (queryParameters, DATE/STRING/TIMESTAMP). Bounds are
    ANDed: the greatest lower and least upper bound win. None = unbounded.
    """
    where = re.split(r"\bWHERE\b", sql, maxsplit=1, flags=re.I)
    if len(where) < 2:
        return None, None
    clause = re.split(r"\b(GROUP\s+BY|ORDER\s+BY|LIMIT|HAVING)\b", where[1], flags=re.I)[0]

    def value(lit, param):
        if lit:
            return datetime.date.fromisoformat(lit)
        if param not in params:
            raise ExprError(f"query parameter @{param} is not given")
        return datetime.date.fromisoformat(str(params[param])[:10])

    lower, upper = None, None

    def lo(d):
        nonlocal lower
        lower = d if lower is None or d > lower else lower

    def hi(d):
        nonlocal upper
        upper = d if upper is None or d < upper else upper

    one = datetime.timedelta(days=1)
    for m in re.finditer(rf"\bBETWEEN\s+(?:{_DATE_LIT}|{_PARAM})\s+AND\s+(?:{_DATE_LIT}|{_PARAM})", clause, re.I):
        lo(value(m.group(1), m.group(2)))
        hi(value(m.group(3), m.group(4)) + one)
    clause = re.sub(r"\bBETWEEN\b.*?\bAND\b\s*\S+", " ", clause, flags=re.I)
    for m in re.finditer(rf"(>=|<=|>|<|=)\s*(?:{_DATE_LIT}|{_PARAM})", clause):
        op, d = m.group(1), value(m.group(2), m.group(3))
        if op == ">=":
            lo(d)
        elif op == ">":
            lo(d + one)
        elif op == "<":
            hi(d)
        elif op == "<=":
            hi(d + one)
        else:
            lo(d), hi(d + one)
    return lower, upper
