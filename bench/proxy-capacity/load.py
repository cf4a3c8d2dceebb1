"""Measures the fault proxy's own capacity, so that benchmarks can show it is not their bottleneck.

Starts crates/testkit/fakes/fault_proxy.py in replay mode with one recorded
DescribeInstances answer (three instances, as moto answers), then drives it from
CONNECTIONS concurrent keep-alive connections (asyncio, raw sockets, requests
prebuilt, in a separate process from the proxy) for SECONDS, and prints the
requests served per second and the latency percentiles. It does so at latency 0
(the proxy's CPU cost per request) and at LATENCY_MS (showing that added latency
is a sleep that does not hold up other requests: throughput should approach
CONNECTIONS / latency). Then, for the memory benchmark, how many synthesized
DescribeInstances pages of 1000 instances it serves per second (4 connections;
this template's instances are smaller than moto's 3.3 KB, so see MB/s too).

Usage: load.py [CONNECTIONS=64] [SECONDS=5] [LATENCY_MS=80]
"""

import asyncio
import base64
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "crates/testkit/fakes"))
import fault_proxy  # noqa: E402  (the proxy's own request model builds the replay key)

ACCOUNT = "111111111111"
INSTANCE = (
    "<item><reservationId>r-{n:017x}</reservationId><ownerId>111111111111</ownerId><groupSet/><instancesSet><item>"
    "<architecture>x86_64</architecture><instanceId>i-{n:017x}</instanceId><imageId>ami-03cf127a</imageId>"
    "<instanceState><code>16</code><name>running</name></instanceState><instanceType>t3.micro</instanceType>"
    "<launchTime>2026-12-03T19:36:58.000Z</launchTime><placement><availabilityZone>eu-west-1a</availabilityZone>"
    "</placement><privateIpAddress>10.0.0.{n}</privateIpAddress><subnetId>subnet-b39771bf17bcca995</subnetId>"
    "<vpcId>vpc-3c93d984ecb48f7f6</vpcId></item></instancesSet></item>"
)
BODY = (
    '<?xml version="1.0" encoding="utf-8"?><DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15">'
    "<requestId>bench</requestId><reservationSet>"
    + "".join(INSTANCE.format(n=n) for n in range(3))
    + "</reservationSet></DescribeInstancesResponse>"
)
FORM = b"Action=DescribeInstances&Version=2016-11-15&MaxResults=1000"
HEADERS = [
    ("Host", "127.0.0.1"),
    ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
    ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIABENCHEXAMPLE0000/20261203/eu-west-1/ec2/aws4_request, "
                      "SignedHeaders=host;x-amz-date, Signature=0"),
    ("X-Amz-Date", "20261203T000000Z"),
    ("Content-Length", str(len(FORM))),
]
REQUEST = fault_proxy.serialize("POST / HTTP/1.1", HEADERS, FORM)


def recording(path):
    key = fault_proxy.Request("POST", "/", HEADERS, FORM).replay_key(fault_proxy.DEFAULT_ACCOUNT)
    line = {"key": key, "status": 200, "headers": [["Content-Type", "text/xml;charset=UTF-8"]],
            "body": base64.b64encode(BODY.encode()).decode()}
    path.write_text(json.dumps(line) + "\n")


async def client(port, deadline, latencies, sizes):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while time.monotonic() < deadline:
        start = time.monotonic()
        writer.write(REQUEST)
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        body = await reader.readexactly(length)
        if not head.startswith(b"HTTP/1.1 200"):
            raise SystemExit(f"the proxy answered {head[:40]!r}: {body[:200]!r}")
        latencies.append(time.monotonic() - start)
        sizes.append(len(body))
    writer.close()


async def drive(port, connections, seconds):
    """Requests/s, median and p99 latency (ms), and answer bytes/s."""
    latencies, sizes = [], []
    deadline = time.monotonic() + seconds
    start = time.monotonic()
    await asyncio.gather(*(client(port, deadline, latencies, sizes) for _ in range(connections)))
    elapsed = time.monotonic() - start
    latencies.sort()
    pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, pct(0.99), sum(sizes) / elapsed


def configure(port, settings):
    import urllib.request
    request = urllib.request.Request(f"http://127.0.0.1:{port}/_proxy/config", json.dumps(settings).encode(), method="POST")
    urllib.request.urlopen(request).read()


def main():
    given = [int(a) for a in sys.argv[1:4]]
    connections, seconds, latency = given + [64, 5, 80][len(given):]
    with tempfile.TemporaryDirectory() as work:
        rec = pathlib.Path(work) / "capacity.jsonl"
        recording(rec)
        proxy = subprocess.Popen([sys.executable, str(ROOT / "crates/testkit/fakes/fault_proxy.py"), "--replay", str(rec)],
                                 stdout=subprocess.PIPE, text=True)
        try:
            port = int(proxy.stdout.readline().split()[1])
            for latency_ms in (0, latency):
                configure(port, {"latency_ms": latency_ms})
                rate, p50, p99, _ = asyncio.run(drive(port, connections, seconds))
                print(f"proxy capacity (replay, latency {latency_ms} ms, {connections} keep-alive connections, "
                      f"{len(BODY)}-byte answers, {seconds} s): {rate:,.0f} requests/s, latency p50 {p50:.1f} ms, p99 {p99:.1f} ms")
            configure(port, {"latency_ms": 0, "synth_pages": 1000, "synth_per_page": 1000})
            rate, p50, _, throughput = asyncio.run(drive(port, 4, seconds))
            print(f"synthesized DescribeInstances pages of 1000 instances (4 connections, {seconds} s): "
                  f"{rate:,.0f} pages/s ({rate * 1000:,.0f} instances/s), {throughput / 2**20:,.0f} MB/s, latency p50 {p50:.1f} ms")
        finally:
            proxy.terminate()
            proxy.wait()


if __name__ == "__main__":
    main()
