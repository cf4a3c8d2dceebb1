"""The subset of Resource Graph's query language (KQL) the Azure contract fake evaluates.

    <Resources | ResourceContainers>
      | where EXPR            EXPR: TERM (and|or TERM)*, parentheses allowed
                              TERM: COL (==|=~|!=|!~|contains|!contains|has|startswith|endswith) LITERAL
                                  | COL (in|in~|!in|!in~) (LITERAL, ...)
                                  | isnotempty(COL) | isempty(COL) | isnotnull(COL) | isnull(COL)
      | project COL[, NAME = COL ...]
      | order by COL [asc|desc][, ...]      (also `sort by`)
      | limit N | take N

COL is a column (`type`), a dotted path (`properties.hardwareProfile.vmSize`), or an index
(`tags['env']`, `properties['x']`). Table names are case-insensitive; string comparisons with
`=~`, `in~`, `contains`, `has`, `startswith`, `endswith` are case-insensitive (as in KQL).
Anything else raises Unsupported: the fake answers 400 and counts it under `unsupported`.
"""

import re


class Unsupported(ValueError):
    pass


TOKEN_RE = re.compile(
    r"""\s*(?:
      (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<num>-?\d+(?:\.\d+)?)
    | (?P<op>==|=~|!=|!~|!in~|!in|in~|[(),=\[\]])
    | (?P<word>[A-Za-z_$][\w$.\-]*(?:\[[^\]]*\])*(?:\.[\w$]+)*)
    )""",
    re.VERBOSE,
)
WORD_OPS = {"in", "contains", "!contains", "has", "startswith", "endswith"}


def split_pipes(query):
    parts, current, quote = [], "", None
    for ch in query:
        if quote:
            current += ch
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            current += ch
        elif ch == "|":
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts.append(current.strip())
    return parts


def tokenize(text):
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        if text[pos:].startswith("!contains"):
            tokens.append(("op", "!contains"))
            pos += len("!contains")
            continue
        m = TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            raise Unsupported(f"cannot read {text[pos:]!r}")
        pos = m.end()
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif kind == "num":
            value = float(value) if "." in value else int(value)
        tokens.append((kind, value))
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return tokens


def column_path(word):
    """`tags['env']` → ['tags', 'env']; `properties.a.b` → ['properties', 'a', 'b']."""
    path = []
    for m in re.finditer(r"([A-Za-z_$][\w$]*)|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]", word):
        path.append(m.group(1) or m.group(2) or m.group(3))
    if not path:
        raise Unsupported(f"{word!r} is not a column")
    return path


def lookup(row, path):
    value = row
    for key in path:
        if isinstance(value, dict):
            match = next((k for k in value if k == key), None)
            if match is None:
                match = next((k for k in value if k.lower() == key.lower()), None)
            value = value.get(match) if match is not None else None
        else:
            return None
    return value


class Where:
    def __init__(self, text):
        self.tokens = tokenize(text)
        self.pos = 0
        self.tree = self.expr()
        if self.pos != len(self.tokens):
            raise Unsupported(f"unexpected {self.tokens[self.pos][1]!r} in where clause")

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def take(self):
        tok = self.peek()
        self.pos += 1
        return tok

    def expr(self):
        node = self.term()
        while self.peek()[0] == "word" and self.peek()[1].lower() in ("and", "or"):
            op = self.take()[1].lower()
            node = (op, node, self.term())
        return node

    def term(self):
        kind, value = self.take()
        if kind == "op" and value == "(":
            node = self.expr()
            if self.take() != ("op", ")"):
                raise Unsupported("missing )")
            return node
        if kind != "word":
            raise Unsupported(f"expected a column, got {value!r}")
        if value.lower() in ("isnotempty", "isempty", "isnotnull", "isnull") and self.peek() == ("op", "("):
            self.take()
            col = self.take()
            if col[0] != "word" or self.take() != ("op", ")"):
                raise Unsupported(f"{value}(COLUMN) expected")
            return (value.lower(), column_path(col[1]))
        path = column_path(value)
        okind, op = self.take()
        if okind == "word" and op.lower() in WORD_OPS:
            op = op.lower()
        elif okind != "op" or op not in ("==", "=~", "!=", "!~", "in", "in~", "!in", "!in~", "!contains"):
            raise Unsupported(f"operator {op!r} is not supported")
        if op in ("in", "in~", "!in", "!in~"):
            if self.take() != ("op", "("):
                raise Unsupported(f"{op} needs a (list)")
            values = []
            while True:
                vkind, v = self.take()
                if vkind not in ("str", "num"):
                    raise Unsupported("in (...) takes literals")
                values.append(v)
                sep = self.take()
                if sep == ("op", ")"):
                    break
                if sep != ("op", ","):
                    raise Unsupported("expected , or ) in list")
            return (op, path, values)
        vkind, v = self.take()
        if vkind not in ("str", "num"):
            if vkind == "word" and v.lower() in ("true", "false"):
                v = v.lower() == "true"
            else:
                raise Unsupported(f"expected a literal after {op}, got {v!r}")
        return (op, path, v)

    def test(self, row, node=None):
        node = node or self.tree
        op = node[0]
        if op == "and":
            return self.test(row, node[1]) and self.test(row, node[2])
        if op == "or":
            return self.test(row, node[1]) or self.test(row, node[2])
        value = lookup(row, node[1])
        if op in ("isnotempty", "isempty"):
            empty = value is None or value == "" or value == {} or value == []
            return empty == (op == "isempty")
        if op in ("isnull", "isnotnull"):
            return (value is None) == (op == "isnull")
        lit = node[2]
        fold = lambda x: x.lower() if isinstance(x, str) else x
        sval = "" if value is None else str(value)
        if op == "==":
            return value == lit
        if op == "!=":
            return value != lit
        if op == "=~":
            return fold(value) == fold(lit)
        if op == "!~":
            return fold(value) != fold(lit)
        if op == "in":
            return value in lit
        if op == "!in":
            return value not in lit
        if op == "in~":
            return fold(value) in [fold(x) for x in lit]
        if op == "!in~":
            return fold(value) not in [fold(x) for x in lit]
        if op == "contains":
            return str(lit).lower() in sval.lower()
        if op == "!contains":
            return str(lit).lower() not in sval.lower()
        if op == "has":
            return re.search(r"(?<![A-Za-z0-9])" + re.escape(str(lit).lower()) + r"(?![A-Za-z0-9])", sval.lower()) is not None
        if op == "startswith":
            return sval.lower().startswith(str(lit).lower())
        if op == "endswith":
            return sval.lower().endswith(str(lit).lower())
        raise Unsupported(op)


class Query:
    """A parsed query. `table` is 'resources' or 'resourcecontainers'."""

    def __init__(self, text):
        stages = split_pipes(text)
        table = stages[0].strip()
        if table.lower() not in ("resources", "resourcecontainers"):
            raise Unsupported(f"table {table!r}: the fake serves Resources and ResourceContainers")
        self.table = table.lower()
        self.steps = []
        for stage in stages[1:]:
            m = re.match(r"(\w[\w-]*)(?:\s+by)?\s*(.*)$", stage, re.S)
            if not m:
                raise Unsupported(f"cannot read stage {stage!r}")
            verb, rest = m.group(1).lower(), m.group(2).strip()
            if verb == "where":
                self.steps.append(("where", Where(rest)))
            elif verb == "project":
                cols = []
                for item in [c.strip() for c in rest.split(",") if c.strip()]:
                    name, eq, src = item.partition("=")
                    if eq:
                        cols.append((name.strip(), column_path(src.strip())))
                    else:
                        cols.append((column_path(item)[-1], column_path(item)))
                self.steps.append(("project", cols))
            elif verb in ("order", "sort"):
                keys = []
                for item in [c.strip() for c in rest.split(",") if c.strip()]:
                    words = item.split()
                    direction = words[1].lower() if len(words) > 1 else "desc"  # KQL default is desc
                    if direction not in ("asc", "desc") or len(words) > 2:
                        raise Unsupported(f"order by {item!r}")
                    keys.append((column_path(words[0]), direction == "desc"))
                self.steps.append(("order", keys))
            elif verb in ("limit", "take"):
                if not re.fullmatch(r"\d+", rest):
                    raise Unsupported(f"{verb} {rest!r}")
                self.steps.append(("limit", int(rest)))
            else:
                raise Unsupported(f"operator {verb!r} is not supported by the fake")

    def run(self, rows):
        """Returns (rows, columns or None when not projected)."""
        rows = sorted(rows, key=lambda r: r["id"].lower())
        columns = None
        for step, arg in self.steps:
            if step == "where":
                rows = [r for r in rows if arg.test(r)]
            elif step == "project":
                rows = [{name: lookup(r, path) for name, path in arg} for r in rows]
                columns = [name for name, _ in arg]
            elif step == "order":
                for path, desc in reversed(arg):
                    rows.sort(key=lambda r: _sort_key(lookup(r, path)), reverse=desc)
            elif step == "limit":
                rows = rows[:arg]
        return rows, columns


def _sort_key(value):
    if value is None:
        return (0, "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (1, value)
    return (2, str(value).lower())
