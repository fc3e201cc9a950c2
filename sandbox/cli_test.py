#!/usr/bin/env python3
"""The klaviyo-sandbox command line: first line, serving (the seed's resources
and the whole API's), TLS, clean stop, refusal of non-loopback addresses, and
the OAuth options of fleet mode (app, token lifetime, slow token endpoint,
grant revoked on refresh-token reuse).

usage: cli_test.py PATH_TO_KLAVIYO_SANDBOX
"""
import base64
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

exe = sys.argv[1]
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


def start(*args):
    p = subprocess.Popen([exe, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = p.stdout.readline().strip()
    return p, first


def get(url, key="pk_cli", context=None, method="GET", body=None):
    headers = {"Authorization": "Klaviyo-API-Key " + key, "revision": "2026-07-15",
               "Accept": "application/vnd.api+json"}
    if body is not None:
        headers["Content-Type"] = "application/vnd.api+json"
        body = json.dumps(body).encode()
    req = urllib.request.Request(url, headers=headers, method=method, data=body)
    try:
        with urllib.request.urlopen(req, timeout=10, context=context) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


# Plain HTTP, preloaded profiles, custom key, clean stop on SIGTERM.
p, first = start("--port", "0", "--profiles", "3", "--api-key", "pk_cli")
check(first.startswith("listening http://127.0.0.1:"), f"first line is 'listening <url>' ({first!r})")
base = first.split(" ", 1)[1]
status, doc = get(base + "/api/profiles")
check(status == 200 and len(doc["data"]) == 3, "serves the preloaded profiles")
status, doc = get(base + "/api/profiles", key="pk_other")
check(status == 401 and doc["errors"][0]["code"] == "not_authenticated", "refuses an unknown key")
# Operations beyond the seed's, from the generic store: a catalog item, a
# coupon and its code, a flow's actions, a report; /sandbox/stats counts them.
status, doc = get(base + "/api/catalog-items", method="POST", body={"data": {"type": "catalog-item", "attributes": {
    "external_id": "MUG", "title": "Mug", "description": "A mug", "url": "https://example.com/mug"}}})
check(status == 201 and doc["data"]["attributes"]["title"] == "Mug", "creates a catalog item")
status, doc = get(base + "/api/catalog-items?filter=equals(published,true)&page[size]=5")
check(status == 200 and isinstance(doc["data"], list), "lists catalog items with a filter and unencoded brackets")
status, doc = get(base + "/api/coupons", method="POST", body={"data": {"type": "coupon", "attributes": {
    "external_id": "SPRING"}}})
check(status == 201, "creates a coupon")
coupon = doc["data"]["id"] if status == 201 else ""
status, doc = get(base + "/api/coupon-codes", method="POST", body={"data": {"type": "coupon-code", "attributes": {
    "unique_code": "SPRING-1"}, "relationships": {"coupon": {"data": {"type": "coupon", "id": coupon}}}}})
check(status == 200 and doc["data"]["attributes"]["unique_code"] == "SPRING-1",
      f"creates a coupon code (200, as the spec says; got {status})")
status, doc = get(base + "/api/coupons", method="POST", body={"data": {"type": "coupon", "attributes": {}}})
check(status == 400 and doc["errors"][0]["source"]["pointer"] == "/data/attributes/external_id",
      "refuses a body without a required member, naming it")
status, flows = get(base + "/api/flows")
flow = flows["data"][0]["id"] if status == 200 and flows["data"] else ""
status, doc = get(base + "/api/flows/" + flow + "/flow-actions")
check(status == 200 and len(doc["data"]) >= 1, "lists a flow's actions")
status, doc = get(base + "/api/campaign-values-reports", method="POST", body={"data": {
    "type": "campaign-values-report", "attributes": {"statistics": ["opens"], "timeframe": {"key": "last_30_days"},
                                                      "conversion_metric_id": "M1"}}})
check(status == 200 and doc["data"]["type"] == "campaign-values-report", "answers a report")
status, stats = get(base + "/sandbox/stats")
check(status == 200 and stats["types"].get("catalog-item") == 1 and stats["types"].get("coupon-code") == 1
      and stats["types"].get("profile") == 3, f"counts every type in /sandbox/stats ({stats.get('types')})")
p.send_signal(signal.SIGTERM)
try:
    check(p.wait(timeout=10) == 0, "stops cleanly on SIGTERM")
except subprocess.TimeoutExpired:
    p.kill()
    check(False, "stops cleanly on SIGTERM")

# TLS with the generated certificate written out; SIGINT stops it too.
with tempfile.TemporaryDirectory() as d:
    ca = os.path.join(d, "ca.pem")
    p, first = start("--tls", "--ca-out", ca, "--api-key", "pk_cli")
    check(first.startswith("listening https://127.0.0.1:"), f"TLS first line ({first!r})")
    ctx = ssl.create_default_context(cafile=ca)
    status, doc = get(first.split(" ", 1)[1] + "/api/profiles", context=ctx)
    check(status == 200, "serves HTTPS with the certificate it wrote to --ca-out")
    p.send_signal(signal.SIGINT)
    try:
        check(p.wait(timeout=10) == 0, "stops cleanly on SIGINT")
    except subprocess.TimeoutExpired:
        p.kill()
        check(False, "stops cleanly on SIGINT")

# Only loopback addresses.
r = subprocess.run([exe, "--host", "0.0.0.0"], capture_output=True, text=True, timeout=10)
check(r.returncode != 0 and "loopback" in r.stderr, "refuses to bind 0.0.0.0")
r = subprocess.run([exe, "--rate-limits", "maybe"], capture_output=True, text=True, timeout=10)
check(r.returncode == 2, "rejects a bad option value")

# Fleet mode's OAuth options: the app named on the command line is the one the
# token endpoint authenticates, answers come after --token-delay, and
# /sandbox/stats counts token requests.
p, first = start("--api-key", "pk_cli", "--oauth-client-id", "fleet-app", "--oauth-client-secret", "fleet-secret",
                 "--token-ttl", "120", "--token-delay", "200", "--revoke-on-reuse")
check(first.startswith("listening http://"), f"takes the OAuth options ({first!r})")
base = first.split(" ", 1)[1]


def token(client, form):
    auth = base64.b64encode(client.encode()).decode()
    req = urllib.request.Request(base + "/oauth/token", data=urllib.parse.urlencode(form).encode(), method="POST",
                                 headers={"Authorization": "Basic " + auth,
                                          "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


began = time.monotonic()
status, doc = token("fleet-app:fleet-secret", {"grant_type": "refresh_token", "refresh_token": "rt-unknown"})
check(status == 400 and doc["error"] == "invalid_grant" and time.monotonic() - began >= 0.2,
      "the named app is authenticated, and answered after --token-delay")
status, doc = token("sandbox-app:sandbox-app-secret", {"grant_type": "refresh_token", "refresh_token": "rt-x"})
check(status == 401 and doc["error"] == "invalid_client", "the default app is not known any more")
status, stats = get(base + "/sandbox/stats")
check(status == 200 and stats.get("oauth") == {"token_requests": 1, "refreshes": 0, "invalid_grants": 1,
                                                "revoked_grants": 0}, f"/sandbox/stats counts OAuth ({stats.get('oauth')})")
p.send_signal(signal.SIGTERM)
try:
    p.wait(timeout=10)
except subprocess.TimeoutExpired:
    p.kill()
r = subprocess.run([exe, "--token-delay", "-5"], capture_output=True, text=True, timeout=10)
check(r.returncode == 2, "rejects a negative --token-delay")


sys.exit(1 if failures else 0)
