"""A contract fake of CloudTrail's LookupEvents, for tests (moto has none).

Every request is checked against botocore's published CloudTrail service model
(service-2.json, shipped in the botocore wheel): the JSON 1.1 protocol headers,
a SigV4 Authorization header scoped to `cloudtrail`, the X-Amz-Target naming a
modelled operation, and the body validated against the operation's input shape.
A request the model does not allow is answered with a ValidationException and
counted as invalid. Each answer is itself validated against the output shape.

LookupEvents is served from published CloudTrail records (a folder of log
files), replicated to COUNT events with fresh ids and times spread over the
last three days, newest first, at most MaxResults (50) a page, with NextToken.
The published rate limit is enforced per access key and region: 2 requests per second,
beyond which the answer is a ThrottlingException, and counted.

Usage: cloudtrail_lookup_events.py RECORDS_DIR COUNT
Prints "listening PORT" once ready. GET /_fake/stats answers the counters.
"""

import datetime
import gzip
import json
import pathlib
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore
from botocore.model import ServiceModel
from botocore.validate import ParamValidator

MODEL = ServiceModel(
    json.load(gzip.open(pathlib.Path(botocore.__file__).parent / "data/cloudtrail/2013-11-01/service-2.json.gz"))
)
TARGET_PREFIX = MODEL.metadata["targetPrefix"]
RATE, BURST = 2.0, 2.0

records_dir, count = pathlib.Path(sys.argv[1]), int(sys.argv[2])
templates = []
for path in sorted(records_dir.glob("*.json")):
    data = json.loads(path.read_text())
    templates.extend(data["Records"] if isinstance(data, dict) else data)
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
events = []
for i in range(count):
    record = dict(templates[i % len(templates)])
    record["eventID"] = str(uuid.uuid4())
    when = now - datetime.timedelta(seconds=int(i * 3 * 86400 / max(count, 1)) + 60)
    record["eventTime"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    record.pop("responseElements", None)
    events.append((when, record))

stats = {"requests": 0, "throttled": 0, "invalid": 0, "invalid_reasons": []}
buckets = {}
lock = threading.Lock()


def allow(key):
    with lock:
        tokens, last = buckets.get(key, (BURST, time.monotonic()))
        now_t = time.monotonic()
        tokens = min(BURST, tokens + (now_t - last) * RATE)
        if tokens < 1:
            buckets[key] = (tokens, now_t)
            return False
        buckets[key] = (tokens - 1, now_t)
        return True


def to_epoch(value):
    return value if isinstance(value, (int, float)) else datetime.datetime.fromisoformat(value).timestamp()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def invalid(self, reason):
        with lock:
            stats["invalid"] += 1
            stats["invalid_reasons"].append(reason)
        self.reply(400, {"__type": "ValidationException", "message": reason})

    def do_GET(self):
        if self.path == "/_fake/stats":
            with lock:
                self.reply(200, stats)
        else:
            self.reply(404, {"message": "not found"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            stats["requests"] += 1
        if self.headers.get("Content-Type", "").split(";")[0] != "application/x-amz-json-1.1":
            return self.invalid(f"Content-Type {self.headers.get('Content-Type')!r} is not application/x-amz-json-1.1")
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 Credential=") or "/cloudtrail/aws4_request" not in auth:
            return self.invalid("no SigV4 Authorization scoped to cloudtrail")
        target = self.headers.get("X-Amz-Target", "")
        prefix, _, operation = target.rpartition(".")
        # botocore's model names the target com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101;
        # the Smithy model the Rust SDK is generated from names it CloudTrail_20131101. CloudTrail
        # accepts both.
        if prefix not in (TARGET_PREFIX, TARGET_PREFIX.rsplit(".", 1)[-1]) or operation not in MODEL.operation_names:
            return self.invalid(f"X-Amz-Target {target!r} names no CloudTrail operation")
        if operation != "LookupEvents":
            return self.invalid(f"{operation} is modelled but not served by this fake")
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return self.invalid("body is not JSON")
        report = ParamValidator().validate(params, MODEL.operation_model(operation).input_shape)
        if report.has_errors():
            return self.invalid(report.generate_report())
        # The limit is per account and region: the credential scope names both (key id, region).
        scope = auth.split("Credential=")[1].split(",")[0].split("/")
        if not allow((scope[0], scope[2])):
            with lock:
                stats["throttled"] += 1
            return self.reply(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})

        start = to_epoch(params["StartTime"]) if "StartTime" in params else 0
        end = to_epoch(params["EndTime"]) if "EndTime" in params else float("inf")
        chosen = [r for when, r in events if start <= when.timestamp() <= end]
        offset = int(params.get("NextToken", "0"))
        size = params.get("MaxResults", 50)
        page = chosen[offset : offset + size]
        answer = {
            "Events": [
                {k: v for k, v in {
                    "EventId": r["eventID"],
                    "EventName": r.get("eventName"),
                    "ReadOnly": str(r.get("readOnly", "false")).lower(),
                    "EventTime": datetime.datetime.strptime(r["eventTime"], "%Y-%m-%dT%H:%M:%SZ")
                    .replace(tzinfo=datetime.timezone.utc)
                    .timestamp(),
                    "EventSource": r.get("eventSource"),
                    "Resources": [],
                    "CloudTrailEvent": json.dumps(r),
                }.items() if v is not None}
                for r in page
            ]
        }
        if offset + size < len(chosen):
            answer["NextToken"] = str(offset + size)
        check = dict(answer, Events=[dict(e, EventTime=datetime.datetime.fromtimestamp(e["EventTime"], datetime.timezone.utc)) for e in answer["Events"]])
        out_report = ParamValidator().validate(check, MODEL.operation_model(operation).output_shape)
        if out_report.has_errors():
            return self.invalid("the fake's own answer breaks the model: " + out_report.generate_report())
        self.reply(200, answer)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"listening {server.server_address[1]}", flush=True)
server.serve_forever()
