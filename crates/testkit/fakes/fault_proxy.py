"""A fault-injecting, rate-limiting, recording HTTP proxy in front of moto.

Tests and benchmarks point an AWS client's endpoint (AWS_ENDPOINT_URL) at this
proxy instead of moto's server. Every signed request is attributed to an
(account, region, service, action):

- region and service come from the SigV4 credential scope
  (`Credential=AKID/DATE/REGION/SERVICE/aws4_request`, in the Authorization
  header or a presigned URL's X-Amz-Credential);
- the account is learned from answers passing through: an STS AssumeRole answer
  maps its AccessKeyId to the RoleArn's account, a GetCallerIdentity answer maps
  the caller's key to its Account (and makes that account the default); any other
  key belongs to the default (management) account, 123456789012 until learned;
- the action is the query/form `Action=`, the JSON protocol's `X-Amz-Target`
  operation, or `METHOD /path?subresource` for REST services (S3, Lambda).

On the way it can, per request:

- add latency (`--latency-ms`), half before the request is handled and half
  after, without holding up other requests;
- throttle EC2 like EC2 does: a token bucket per (account, region), burst
  `--bucket-burst`, refilled at `--bucket-refill` per second; an empty bucket is
  answered 503 RequestLimitExceeded in EC2's XML. `--bucket-all-services` gives
  every service (but STS) the same buckets per (account, region, service),
  answered in that service's throttling shape;
- answer `ExpiredToken` (HTTP 400) to every request signed by an assumed-role key
  once that key has signed `--expire-keys-after` requests, while fresh keys from
  new AssumeRole answers work: how a test proves a scanner refreshes credentials;
- inject faults into `--fault-rate` of the requests (STS excluded unless
  `--fault-sts`): HTTP 500 InternalError, HTTP 503 ServiceUnavailable, or a
  connection reset (the socket is closed with RST, unanswered), chosen at random
  with `--seed`.

Errors are shaped like the service's protocol in botocore's models: EC2's XML,
the query protocol's ErrorResponse (STS, IAM, RDS), JSON 1.1's `__type` body
(Organizations, Cost Explorer, CloudTrail), REST-JSON's `x-amzn-ErrorType`
header (Lambda), S3's REST-XML `<Error>`.

Modes. `forward` passes every request to `--upstream`. `record` does too, and
keeps each answer under a canonical request key: account, region, service,
action, method, host, path and the request's parameters without volatile ones
(RoleSessionName, DurationSeconds, presigned-URL signing fields); with
`--record FILE` each new answer is also appended to FILE as a JSON line.
`replay` serves only what was recorded (loaded from `--replay FILE`, or kept in
memory by an earlier `record` phase of the same process), never calling the
upstream; latency, buckets, expiry and faults still apply. A request with no
recorded answer gets HTTP 599 and is counted as a replay miss. Replayed
AssumeRole answers get a fresh AccessKeyId and an Expiration DurationSeconds from
now, so that keys stay distinct and unexpired as they are with a live STS.

In replay mode `--synth-pages N --synth-per-page M` gives every (account,
region) N x M instances, one reservation each, made from the first recorded
DescribeInstances answer that holds an instance, with distinct instance and
reservation ids: a large, fast, deterministic inventory for memory benchmarks.
DescribeInstances pages through them (chained by NextToken) as EC2 does: a page
holds at most the request's MaxResults, and at most M.

Control endpoints (never delayed, throttled or faulted):
  GET  /_proxy/stats   counters as JSON (see `Proxy.stats`)
  POST /_proxy/reset   zero the counters, buckets, key uses and fault RNG
  GET  /_proxy/config  the settings in effect
  POST /_proxy/config  a JSON object of settings to change, e.g.
                       {"mode": "replay", "latency_ms": 80}; answers the settings

`--log FILE` appends a JSON line per request (arrival and answer times,
account, region, service, action, status): the timeline of a scan.

Usage: fault_proxy.py [--upstream URL] [--record FILE | --replay FILE] [options]
Prints "listening PORT" once ready (127.0.0.1, a free port unless --port).
"""

import argparse
import asyncio
import base64
import dataclasses
import hashlib
import http
import itertools
import json
import random
import re
import socket
import struct
import sys
import time
import uuid
import zlib
from collections import defaultdict
from email.utils import formatdate
from urllib.parse import parse_qsl, urlsplit

import botocore.exceptions
import botocore.loaders

DEFAULT_ACCOUNT = "123456789012"
# Parameters that differ between two runs of the same logical request.
VOLATILE = frozenset({
    "RoleSessionName", "DurationSeconds", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
    "X-Amz-Expires", "X-Amz-Security-Token", "X-Amz-Signature", "X-Amz-SignedHeaders",
})
# Headers that describe one hop, not the message.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade",
    "content-length", "expect",
})
# Answer headers the proxy writes itself: a recorded Date would be stale, and SDKs
# correct their clock skew from it.
OWN_ANSWER_HEADERS = HOP_BY_HOP | {"date", "server"}
CONTROL = "/_proxy/"
MAX_HEAD = 64 * 1024
FAULT_KINDS = ("http_500", "http_503", "reset")
SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
ROLE_ACCOUNT = re.compile(r"arn:[^:]+:iam::(\d{12}):role/")


@dataclasses.dataclass
class Settings:
    """What the proxy does; every field can be changed through POST /_proxy/config."""

    mode: str = "forward"
    latency_ms: float = 0.0
    bucket_burst: float = 0.0
    bucket_refill: float = 0.0
    bucket_all_services: bool = False
    fault_rate: float = 0.0
    fault_sts: bool = False
    seed: int = 0
    expire_keys_after: int = 0
    synth_pages: int = 0
    synth_per_page: int = 0

    def updated(self, changes):
        """These settings with a dict of changes applied; ValueError names a bad name, type or mode."""
        if not isinstance(changes, dict):
            raise ValueError("settings must be a JSON object")
        fields = {f.name: f.type for f in dataclasses.fields(self)}
        checked = {}
        for name, value in changes.items():
            if name not in fields:
                raise ValueError(f"unknown setting {name!r}; known: {', '.join(fields)}")
            kind = fields[name]
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise ValueError(f"{name} must be a {kind.__name__}, not {value!r}")
            checked[name] = value
        new = dataclasses.replace(self, **checked)
        if new.mode not in ("forward", "record", "replay"):
            raise ValueError(f"mode must be forward, record or replay, not {new.mode!r}")
        return new


@dataclasses.dataclass
class Answer:
    """An HTTP answer: status, headers (name, value pairs) and body."""

    status: int
    headers: list
    body: bytes

    def header(self, name):
        return next((v for k, v in self.headers if k.lower() == name), None)


class Request:
    """One parsed client request and what it is to AWS."""

    def __init__(self, method, target, headers, body):
        self.method, self.target, self.headers, self.body = method, target, headers, body
        self.lower = {k.lower(): v for k, v in headers}
        url = urlsplit(target)
        self.path = url.path
        self.query = parse_qsl(url.query, keep_blank_values=True)
        content_type = self.lower.get("content-type", "")
        self.form = (
            parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            if content_type.startswith("application/x-www-form-urlencoded") else []
        )
        params = dict(self.query + self.form)
        match = SCOPE.search(self.lower.get("authorization", "")) or SCOPE.search(
            "Credential=" + params.get("X-Amz-Credential", "")
        )
        self.key_id, self.region, self.service = match.groups() if match else (None, "-", "-")
        target_header = self.lower.get("x-amz-target")
        if "Action" in params:
            self.action = params["Action"]
        elif target_header:
            self.action = target_header.rpartition(".")[2]
        else:  # REST: the method and path, and sub-resources such as S3's ?tagging
            subresources = sorted(k for k, v in self.query if not v)
            self.action = f"{method} {self.path}" + ("?" + "&".join(subresources) if subresources else "")
        self.params = params

    def replay_key(self, account):
        """The canonical key a recorded answer is stored under."""
        pairs = sorted((k, v) for k, v in self.query + self.form if k not in VOLATILE and k != "Action")
        if self.form:
            payload = ""
        elif self.lower.get("content-type", "").startswith("application/x-amz-json"):
            try:
                document = json.loads(self.body or b"{}")
            except ValueError:
                document = {"(not JSON)": hashlib.sha256(self.body).hexdigest()}
            payload = json.dumps({k: v for k, v in document.items() if k not in VOLATILE}, sort_keys=True)
        else:
            payload = hashlib.sha256(self.body).hexdigest() if self.body else ""
        host = self.lower.get("host", "").rsplit(":", 1)[0]
        return json.dumps([account, self.region, self.service, self.action, self.method, host, self.path, pairs, payload])


class Protocols:
    """The wire protocol of each signing name, from botocore's service models."""

    def __init__(self):
        self.loader = botocore.loaders.Loader()
        self.known = {}

    def of(self, service):
        if service not in self.known:
            try:
                self.known[service] = self.loader.load_service_model(service, "service-2")["metadata"]["protocol"]
            except botocore.exceptions.DataNotFoundError:
                self.known.update(self._by_signing_name())
                self.known.setdefault(service, "query")
        return self.known[service]

    def _by_signing_name(self):
        found = {}
        for name in self.loader.list_available_services("service-2"):
            meta = self.loader.load_service_model(name, "service-2")["metadata"]
            for alias in (meta.get("signingName"), meta.get("endpointPrefix")):
                if alias and alias not in self.known:
                    found.setdefault(alias, meta["protocol"])
        return found


def error_answer(protocol, status, code, message):
    """An AWS error answer in `protocol`'s shape."""
    request_id = str(uuid.uuid4())
    if protocol == "ec2":
        body = (f'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{code}</Code>'
                f"<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>")
        return Answer(status, [("Content-Type", "text/xml;charset=UTF-8")], body.encode())
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message})
        return Answer(status, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", request_id)], body.encode())
    if protocol == "rest-json":
        body = json.dumps({"Type": "User" if status < 500 else "Service", "message": message})
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", code), ("x-amzn-RequestId", request_id)]
        return Answer(status, headers, body.encode())
    if protocol == "rest-xml":
        body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message>'
                f"<RequestId>{request_id}</RequestId></Error>")
        return Answer(status, [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)], body.encode())
    kind = "Sender" if status < 500 else "Receiver"
    body = (f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>")
    return Answer(status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body.encode())


def throttle_answer(protocol):
    """What each protocol's services answer when their rate limit is exceeded."""
    if protocol == "ec2":
        return error_answer(protocol, 503, "RequestLimitExceeded", "Request limit exceeded.")
    if protocol == "rest-xml":
        return error_answer(protocol, 503, "SlowDown", "Please reduce your request rate.")
    if protocol == "rest-json":
        return error_answer(protocol, 429, "TooManyRequestsException", "Rate exceeded")
    if protocol == "json":
        return error_answer(protocol, 400, "ThrottlingException", "Rate exceeded")
    return error_answer(protocol, 400, "Throttling", "Rate exceeded")


def expired_answer(protocol):
    code = "ExpiredTokenException" if protocol in ("json", "rest-json") else "ExpiredToken"
    return error_answer(protocol, 400, code, "The security token included in the request is expired")


def fault_answer(protocol, kind):
    if kind == "http_500":
        code = "InternalError" if protocol in ("ec2", "rest-xml") else "InternalFailure"
        return error_answer(protocol, 500, code, "An internal error has occurred")
    return error_answer(protocol, 503, "ServiceUnavailable", "The service is unavailable. Please try again shortly.")


def plain_answer(status, text):
    return Answer(status, [("Content-Type", "text/plain; charset=utf-8")], text.encode())


def json_answer(document):
    return Answer(200, [("Content-Type", "application/json")], json.dumps(document, indent=1).encode())


# HTTP/1.1 message framing, for both sides.

async def read_head(reader):
    """The start line and headers of the next message, or None at a clean end of stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if e.partial.strip():
            raise ConnectionError("connection closed inside a message head") from e
        return None
    except asyncio.LimitOverrunError as e:
        raise ConnectionError("message head too large") from e
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    return lines[0], headers


async def read_body(reader, headers, until_close):
    """The body framed by Content-Length or chunked encoding, else (if `until_close`) by EOF."""
    lower = {k.lower(): v for k, v in headers}
    if "chunked" in lower.get("transfer-encoding", "").lower():
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
    if "content-length" in lower:
        return await reader.readexactly(int(lower["content-length"]))
    return await reader.read() if until_close else b""


def reason(status):
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Replay Miss" if status == 599 else "Unknown"


def serialize(start_line, headers, body):
    head = start_line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode("latin-1") + body


class Upstream:
    """Keep-alive connections to the upstream server, reused one request at a time."""

    def __init__(self, url):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.idle = []

    async def send(self, request):
        headers = [(k, v) for k, v in request.headers if k.lower() not in HOP_BY_HOP]
        headers.append(("Content-Length", str(len(request.body))))
        data = serialize(f"{request.method} {request.target} HTTP/1.1", headers, request.body)
        while True:
            reused = bool(self.idle)
            reader, writer = self.idle.pop() if reused else await asyncio.open_connection(self.host, self.port)
            try:
                writer.write(data)
                await writer.drain()
                head = await read_head(reader)
                if head is None:
                    raise ConnectionError("upstream closed the connection")
                status_line, answer_headers = head
                status = int(status_line.split()[1])
                lower = {k.lower(): v for k, v in answer_headers}
                framed = "content-length" in lower or "chunked" in lower.get("transfer-encoding", "")
                no_body = request.method == "HEAD" or status in (204, 304)
                body = b"" if no_body else await read_body(reader, answer_headers, until_close=True)
            except (ConnectionError, asyncio.IncompleteReadError):
                writer.close()
                if reused:
                    continue  # a kept-alive connection the server had closed: try a fresh one
                raise
            if (framed or no_body) and lower.get("connection", "").lower() != "close":
                self.idle.append((reader, writer))
            else:
                writer.close()
            kept = [(k, v) for k, v in answer_headers if k.lower() not in OWN_ANSWER_HEADERS]
            if request.method == "HEAD" and "content-length" in lower:
                kept.append(("Content-Length", lower["content-length"]))
            return Answer(status, kept, body)


class Synthesizer:
    """DescribeInstances pages made from one recorded instance (see the module doc)."""

    def __init__(self, recorded_body):
        text = recorded_body.decode()
        start = text.index("<reservationSet>") + len("<reservationSet>")
        end = start
        depth = 0
        for tag in re.finditer(r"<(/?)item>", text[start:]):
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                end = start + tag.end()
                break
        item = text[start:end]
        instance_id = re.search(r"<instanceId>(i-[0-9a-f]+)</instanceId>", item).group(1)
        reservation_id = re.search(r"<reservationId>(r-[0-9a-f]+)</reservationId>", item).group(1)
        self.parts = [p.split(reservation_id) for p in item.split(instance_id)]
        self.head = text[:start]
        self.tail = re.sub(r"<nextToken>[^<]*</nextToken>", "", text[text.index("</reservationSet>"):])

    def page(self, account, region, offset, total, size):
        """Instances offset .. offset + size of the (account, region)'s total."""
        base = zlib.crc32(f"{account}/{region}".encode()) << 32
        end = min(offset + size, total)
        items = []
        for n in range(offset, end):
            suffix = f"{base | n:017x}"
            items.append(f"i-{suffix}".join(f"r-{suffix}".join(p) for p in self.parts))
        tail = self.tail
        if end < total:
            closing = tail.rindex("</")
            tail = f"{tail[:closing]}<nextToken>synth-{end}</nextToken>{tail[closing:]}"
        body = (self.head + "".join(items) + tail).encode()
        return Answer(200, [("Content-Type", "text/xml;charset=UTF-8")], body)


def nested():
    return defaultdict(nested)


class Proxy:
    """The proxy's state and its handling of one request."""

    def __init__(self, settings, upstream, recorded, record_file, log_file):
        self.settings = settings
        self.log_file = log_file
        self.upstream = Upstream(upstream) if upstream else None
        self.recorded = recorded
        self.record_file = record_file
        self.protocols = Protocols()
        self.accounts = {}  # access key id -> account, learned from answers
        self.assumed_keys = set()
        self.default_account = DEFAULT_ACCOUNT
        self.fresh_keys = itertools.count(1)
        self.synthesizer = None
        self.reset()

    def reset(self):
        """Zeroes the counters, buckets and key uses; restarts the fault sequence from the seed."""
        self.rng = random.Random(self.settings.seed)
        self.buckets = {}
        self.key_uses = defaultdict(int)
        self.counts = nested()
        self.throttled_by = nested()
        self.total = self.throttled = self.expired = self.replay_misses = 0
        self.faults = dict.fromkeys(FAULT_KINDS, 0)
        self.miss_examples = []
        self.first_request_at = {}

    def stats(self):
        """requests[account][region][service][action] = count; total; throttled (and
        throttled_by[account][region][service]); faults per kind; expired; replay_misses
        (with up to 20 missed keys); first_request_at[account] = epoch seconds; the
        access keys learned per account; the mode and how many answers are recorded."""
        learned = defaultdict(list)
        for key_id, account in self.accounts.items():
            learned[account].append(key_id)
        return {
            "mode": self.settings.mode,
            "recorded": len(self.recorded),
            "total": self.total,
            "requests": self.counts,
            "throttled": self.throttled,
            "throttled_by": self.throttled_by,
            "faults": self.faults,
            "expired": self.expired,
            "replay_misses": self.replay_misses,
            "miss_examples": self.miss_examples,
            "first_request_at": self.first_request_at,
            "default_account": self.default_account,
            "keys": learned,
        }

    def control(self, request):
        name = request.path[len(CONTROL):]
        if name == "stats" and request.method == "GET":
            return json_answer(self.stats())
        if name == "reset" and request.method == "POST":
            self.reset()
            return json_answer({"reset": True})
        if name == "config" and request.method in ("GET", "POST"):
            if request.method == "POST":
                try:
                    changes = json.loads(request.body or b"{}")
                    settings = self.settings.updated(changes)
                except ValueError as e:
                    return plain_answer(400, f"fault_proxy: {e}\n")
                if settings.mode != "replay" and not self.upstream:
                    return plain_answer(400, f"fault_proxy: {settings.mode} mode needs an --upstream\n")
                self.settings = settings
                if "seed" in changes:
                    self.rng = random.Random(settings.seed)
            return json_answer(dataclasses.asdict(self.settings))
        return plain_answer(404, f"fault_proxy: no control endpoint {request.method} {request.path}\n")

    async def handle(self, request):
        """The answer to `request`, or None to reset the connection."""
        if request.path.startswith(CONTROL):
            return self.control(request)
        s = self.settings
        account = self.accounts.get(request.key_id, self.default_account)
        self.total += 1
        actions = self.counts[account][request.region][request.service]
        actions[request.action] = actions.get(request.action, 0) + 1
        arrived = time.time()
        self.first_request_at.setdefault(account, arrived)
        if s.latency_ms:
            await asyncio.sleep(s.latency_ms / 2000)
        answer = await self.decide(request, account)
        if s.latency_ms:
            await asyncio.sleep(s.latency_ms / 2000)
        if self.log_file:
            line = {"at": arrived, "done": time.time(), "account": account, "region": request.region,
                    "service": request.service, "action": request.action,
                    "status": answer.status if answer else "reset"}
            self.log_file.write(json.dumps(line) + "\n")
        return answer

    async def decide(self, request, account):
        s = self.settings
        signed = request.key_id is not None
        protocol = self.protocols.of(request.service) if signed else "query"
        if s.expire_keys_after and request.key_id in self.assumed_keys:
            self.key_uses[request.key_id] += 1
            if self.key_uses[request.key_id] > s.expire_keys_after:
                self.expired += 1
                return expired_answer(protocol)
        if signed and not self.take_token(account, request):
            self.throttled += 1
            by = self.throttled_by[account][request.region]
            by[request.service] = by.get(request.service, 0) + 1
            return throttle_answer(protocol)
        if signed and s.fault_rate and (s.fault_sts or request.service != "sts") and self.rng.random() < s.fault_rate:
            kind = self.rng.choice(FAULT_KINDS)
            self.faults[kind] += 1
            return None if kind == "reset" else fault_answer(protocol, kind)
        answer = await self.answer(request, account)
        if answer.status == 200 and request.service == "sts":
            self.learn(request, answer)
        return answer

    def take_token(self, account, request):
        s = self.settings
        if not (s.bucket_burst and s.bucket_refill):
            return True
        if request.service != "ec2" and not (s.bucket_all_services and request.service != "sts"):
            return True
        key = (account, request.region, request.service)
        now = time.monotonic()
        tokens, last = self.buckets.get(key, (s.bucket_burst, now))
        tokens = min(s.bucket_burst, tokens + (now - last) * s.bucket_refill)
        if tokens < 1:
            self.buckets[key] = (tokens, now)
            return False
        self.buckets[key] = (tokens - 1, now)
        return True

    async def answer(self, request, account):
        s = self.settings
        key = request.replay_key(account)
        if s.mode != "replay":
            try:
                answer = await self.upstream.send(request)
            except (OSError, asyncio.IncompleteReadError) as e:
                return plain_answer(502, f"fault_proxy: upstream failed: {e}\n")
            if s.mode == "record":
                self.record(key, answer)
            return answer
        if s.synth_pages and request.service == "ec2" and request.action == "DescribeInstances":
            return self.synthesize(request, account)
        answer = self.recorded.get(key)
        if answer is None:
            self.replay_misses += 1
            if len(self.miss_examples) < 20:
                self.miss_examples.append(key)
            return plain_answer(599, f"fault_proxy: no recorded answer for {key}\n")
        if request.service == "sts" and request.action == "AssumeRole" and answer.status == 200:
            return self.freshen(request, answer)
        return answer

    def record(self, key, answer):
        self.recorded[key] = answer
        if self.record_file:
            line = {"key": key, "status": answer.status, "headers": answer.headers,
                    "body": base64.b64encode(answer.body).decode()}
            self.record_file.write(json.dumps(line) + "\n")
            self.record_file.flush()

    def freshen(self, request, answer):
        """A replayed AssumeRole answer with a new key id and an expiration from now."""
        key_id = f"ASIAREPLAY{next(self.fresh_keys):010d}"
        seconds = int(request.params.get("DurationSeconds", "3600"))
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds))
        body = re.sub(rb"<AccessKeyId>[^<]*</AccessKeyId>", f"<AccessKeyId>{key_id}</AccessKeyId>".encode(), answer.body)
        body = re.sub(rb"<Expiration>[^<]*</Expiration>", f"<Expiration>{expires}</Expiration>".encode(), body)
        return Answer(answer.status, answer.headers, body)

    def synthesize(self, request, account):
        if self.synthesizer is None:
            template = next((a for k, a in self.recorded.items()
                             if '"DescribeInstances"' in k and b"<instanceId>" in a.body), None)
            if template is None:
                return plain_answer(599, "fault_proxy: no recorded DescribeInstances answer holds an instance\n")
            self.synthesizer = Synthesizer(template.body)
        token = request.params.get("NextToken", "synth-0")
        offset = int(token.removeprefix("synth-")) if token.startswith("synth-") else 0
        s = self.settings
        try:
            size = min(int(request.params.get("MaxResults", s.synth_per_page)), s.synth_per_page)
        except ValueError:
            return plain_answer(400, "fault_proxy: MaxResults is not a number\n")
        total = s.synth_pages * s.synth_per_page
        return self.synthesizer.page(account, request.region, offset, total, max(size, 1))

    def learn(self, request, answer):
        """Which account the keys in an STS answer belong to."""
        if request.action == "AssumeRole":
            role = ROLE_ACCOUNT.search(request.params.get("RoleArn", ""))
            key_id = re.search(rb"<AccessKeyId>([^<]+)</AccessKeyId>", answer.body)
            if role and key_id:
                self.accounts[key_id.group(1).decode()] = role.group(1)
                self.assumed_keys.add(key_id.group(1).decode())
        elif request.action == "GetCallerIdentity" and request.key_id:
            found = re.search(rb"<Account>(\d{12})</Account>", answer.body)
            if found:
                self.accounts[request.key_id] = found.group(1).decode()
                if request.key_id not in self.assumed_keys:
                    self.default_account = found.group(1).decode()

    async def serve(self, reader, writer):
        """Answers the requests of one keep-alive client connection, in order."""
        try:
            while True:
                head = await read_head(reader)
                if head is None:
                    return
                start_line, headers = head
                method, target, version = start_line.split(" ", 2)
                lower = {k.lower(): v.lower() for k, v in headers}
                if lower.get("expect") == "100-continue":
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                body = await read_body(reader, headers, until_close=False)
                answer = await self.handle(Request(method, target, headers, body))
                if answer is None:
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                    return
                close = version == "HTTP/1.0" or lower.get("connection") == "close"
                # A HEAD answer keeps the length of the body it does not carry.
                length = (method == "HEAD" and answer.header("content-length")) or str(len(answer.body))
                headers_out = [h for h in answer.headers if h[0].lower() != "content-length"]
                headers_out += [("Content-Length", length), ("Date", formatdate(usegmt=True))]
                if close:
                    headers_out.append(("Connection", "close"))
                writer.write(serialize(f"HTTP/1.1 {answer.status} {reason(answer.status)}", headers_out,
                                       b"" if method == "HEAD" else answer.body))
                await writer.drain()
                if close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            if not writer.transport.is_closing():
                writer.close()


def load_recording(path):
    recorded = {}
    with open(path) as f:
        for line in f:
            entry = json.loads(line)
            recorded[entry["key"]] = Answer(entry["status"], [tuple(h) for h in entry["headers"]],
                                            base64.b64decode(entry["body"]))
    return recorded


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--upstream", help="the server to forward to, e.g. moto's http://127.0.0.1:PORT")
    p.add_argument("--port", type=int, default=0, help="the port to listen on (default: a free one)")
    store = p.add_mutually_exclusive_group()
    store.add_argument("--record", metavar="FILE", help="start in record mode, appending answers to FILE")
    store.add_argument("--replay", metavar="FILE", help="start in replay mode, serving the answers in FILE")
    p.add_argument("--latency-ms", type=float, default=0.0, help="latency added to every request")
    p.add_argument("--bucket-burst", type=float, default=0.0, help="token bucket size (0: no throttling)")
    p.add_argument("--bucket-refill", type=float, default=0.0, help="tokens added per second (0: no throttling)")
    p.add_argument("--bucket-all-services", action="store_true", help="throttle every service but STS, not only EC2")
    p.add_argument("--fault-rate", type=float, default=0.0, help="fraction of requests answered with a fault")
    p.add_argument("--fault-sts", action="store_true", help="inject faults into STS requests too")
    p.add_argument("--seed", type=int, default=0, help="seed of the fault choices")
    p.add_argument("--expire-keys-after", type=int, default=0, metavar="N",
                   help="answer ExpiredToken to an assumed-role key after its N-th request (0: never)")
    p.add_argument("--synth-pages", type=int, default=0, help="replay: DescribeInstances pages per account and region")
    p.add_argument("--synth-per-page", type=int, default=0, help="replay: instances per synthesized page")
    p.add_argument("--log", metavar="FILE", help="append a JSON line per request: times, attribution, status")
    args = p.parse_args(argv)
    if not args.upstream and not args.replay:
        p.error("--upstream is required unless --replay is given")
    return args


async def main(argv):
    args = parse_args(argv)
    settings = Settings(
        mode="replay" if args.replay else "record" if args.record else "forward",
        latency_ms=args.latency_ms, bucket_burst=args.bucket_burst, bucket_refill=args.bucket_refill,
        bucket_all_services=args.bucket_all_services, fault_rate=args.fault_rate, fault_sts=args.fault_sts,
        seed=args.seed, expire_keys_after=args.expire_keys_after,
        synth_pages=args.synth_pages, synth_per_page=args.synth_per_page,
    )
    recorded = load_recording(args.replay) if args.replay else {}
    record_file = open(args.record, "a") if args.record else None
    log_file = open(args.log, "a", buffering=1) if args.log else None
    proxy = Proxy(settings, args.upstream, recorded, record_file, log_file)
    server = await asyncio.start_server(proxy.serve, "127.0.0.1", args.port, limit=MAX_HEAD, backlog=1024)
    print(f"listening {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main(sys.argv[1:]))
    except KeyboardInterrupt:
        pass
