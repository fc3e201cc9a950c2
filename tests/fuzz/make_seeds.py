#!/usr/bin/env python3
"""Writes seed candidates for the fuzz targets: realistic inputs, most of
them derived from the vendored spec (spec/stable.json).

    python3 tests/fuzz/make_seeds.py OUT

writes OUT/<target>/<name> for every target. They are candidates, not the
corpus: tests/fuzz/README.md shows how `-merge=1` keeps those that add
coverage into tests/fuzz/corpus/<target>/.

The spec has no response examples, so documents are built from the
schemas: `example` values where the spec gives them, else the first enum
value, else a plain value of the type (and format). Each schema yields a
few variants: as built, with every nullable member null, and with every
scalar of the wrong JSON type (what the tolerant decoders must survive).
"""
import base64
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAX_DOC = 8192  # fuzz.sh's -max_len for the document targets
BUNDLE = 2048  # the size of a bundled page: larger ones slow every execution down
PROFILE_ID = "01KDZQX049Z472C5CBNCXHVDAN"  # the first profile a sandbox with seed 1 preloads


class Builder:
    """Example JSON from OpenAPI schemas. `mode` picks the variant:
    'plain', 'nulls' (nullable members null) or 'wrong' (scalars of another type)."""

    def __init__(self, spec, mode="plain", max_depth=8, optional=True):
        self.schemas = spec["components"]["schemas"]
        self.mode = mode
        self.max_depth = max_depth
        self.optional = optional  # members the schema does not require

    def resolve(self, s):
        seen = 0
        while "$ref" in s and seen < 20:
            s = self.schemas[s["$ref"].rsplit("/", 1)[1]]
            seen += 1
        return s

    def build(self, s, depth=0):
        s = self.resolve(s)
        if "oneOf" in s:
            return self.build(s["oneOf"][0], depth)
        if self.mode == "nulls" and s.get("nullable") and depth > 2:
            return None
        t = s.get("type")
        if t == "object" or "properties" in s:
            out = {}
            if depth >= self.max_depth:
                return out
            required = set(s.get("required", []))
            for name, sub in s.get("properties", {}).items():
                if name in required or self.optional:
                    out[name] = self.build(sub, depth + 1)
            return out
        if t == "array":
            if depth >= self.max_depth:
                return []
            return [self.build(s.get("items", {}), depth + 1)]
        return self.scalar(s, t)

    def scalar(self, s, t):
        if self.mode == "wrong":
            return {"string": 7, "integer": "7", "number": "not a number", "boolean": "true"}.get(t, [1])
        if "example" in s and not isinstance(s["example"], (dict, list)):
            return s["example"]
        if s.get("enum"):
            return s["enum"][0]
        if t == "string":
            return {"date-time": "2025-03-01T12:00:00+00:00", "date": "2025-03-01", "time": "12:00:00",
                    "uri": "https://example.com/a.png"}.get(s.get("format"), "text")
        if t == "integer":
            return 1
        if t == "number":
            return 1.5
        if t == "boolean":
            return True
        return "text"


def dumps(v):
    return json.dumps(v, separators=(",", ":"))


def small_document(spec, schema, mode):
    """The document for `schema`, shrunk (fewer optional members, less depth) until it fits MAX_DOC."""
    for depth, optional in ((8, True), (5, True), (3, True), (8, False), (3, False)):
        text = dumps(Builder(spec, mode, depth, optional).build(schema))
        if len(text) <= MAX_DOC:
            return text
    return None


def operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                yield path, method.upper(), op


class Out:
    def __init__(self, root):
        self.root = root

    def put(self, target, data):
        if isinstance(data, str):
            data = data.encode()
        d = os.path.join(self.root, target)
        os.makedirs(d, exist_ok=True)
        # Named by content, as libFuzzer names its inputs: duplicates collapse.
        with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)


def documents(spec, out):
    """Response documents of every 2xx schema. Their resources are bundled
    into pages of a few KB: the targets decode each input into every result
    type, so one page whose data mixes many resource types covers as much
    as one document per type, in far fewer corpus files."""
    seen = set()
    resources = {"plain": [], "nulls": [], "wrong": []}
    singles = 0
    for _, _, op in operations(spec):
        for status, resp in op.get("responses", {}).items():
            if not status.startswith("2"):
                continue
            for content in resp.get("content", {}).values():
                schema = content.get("schema")
                key = json.dumps(schema, sort_keys=True)
                if not schema or key in seen:
                    continue
                seen.add(key)
                for mode in resources:
                    doc = small_document(spec, schema, mode)
                    if not doc:
                        continue
                    data = json.loads(doc).get("data")
                    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
                    resources[mode] += [r for r in items if isinstance(r, dict)]
                    if singles < 8 and isinstance(data, dict):  # a few single-resource documents as they come
                        out.put("fuzz_result", doc)
                        out.put("fuzz_seed_documents", doc)
                        singles += 1
    # The seed layer's parsers are strict (the first member of a wrong type
    # throws): its resource types get documents of their own.
    seed_types = {"account", "campaign", "event", "image", "list", "metric", "profile", "segment", "template"}
    for items in resources.values():
        for r in items:
            if r.get("type") in seed_types:
                out.put("fuzz_seed_documents", dumps({"data": r}))
                out.put("fuzz_seed_documents", dumps({"data": [r], "links": {"next": None}}))
    for items in resources.values():
        page = []
        for r in items + [None]:
            text = dumps({"data": page + [r]}) if r is not None else ""
            if r is None or (page and len(text) > BUNDLE):
                if page:
                    doc = dumps({"data": page, "links": {"self": "https://a.klaviyo.com/api/x/", "next": None}})
                    out.put("fuzz_result", doc)
                    out.put("fuzz_seed_documents", doc)
                page = []
            if r is not None:
                page.append(r)
    # Pages with a next link, null data, included resources, errors, non-JSON.
    page = {"data": [{"type": "profile", "id": PROFILE_ID, "attributes": {"email": "ada@example.com",
                                                                          "location": {"latitude": "51.5"}},
                      "relationships": {"lists": {"data": [{"type": "list", "id": "Y6nRLr"}]}},
                      "links": {"self": "https://a.klaviyo.com/api/profiles/" + PROFILE_ID + "/"}}],
            "included": [{"type": "list", "id": "Y6nRLr", "attributes": {"name": "Newsletter"}}],
            "links": {"self": "https://a.klaviyo.com/api/profiles/",
                      "next": "https://a.klaviyo.com/api/profiles/?page%5Bcursor%5D=bmV4dDo6aWQ6OjQz",
                      "prev": None},
            "meta": {"count": 1}}
    extra = [dumps(page), '{"data":null}', '{"data":[]}', '{"data":{}}', "[]", "null", "", "not json",
             dumps({"errors": [{"id": "e1", "status": 409, "code": "duplicate_profile", "title": "Conflict.",
                                "detail": "A profile already exists with one of these identifiers.",
                                "source": {"pointer": "/data/attributes"},
                                "meta": {"duplicate_profile_id": PROFILE_ID}}]}),
             dumps({"errors": [{"id": "e2", "status": "429", "code": "throttled", "title": "Throttled.",
                                "detail": "Request was throttled. Expected available in 1 second.",
                                "source": {"parameter": "page[size]"}}]})]
    for doc in extra:
        out.put("fuzz_result", doc)
        out.put("fuzz_seed_documents", doc)


def headers(out):
    # status byte (odd: 429), then Retry-After, RateLimit-Remaining, RateLimit-Reset
    for status, ra, rem, reset in (("\x01", "1", "", ""), ("\x01", "30", "", ""), ("\x01", " 60 ", "", ""),
                                   ("\x00", "", "749", "60"), ("\x00", "", "0", "59"), ("\x00", "", "3", "1"),
                                   ("\x01", "Wed, 21 Oct 2015 07:28:00 GMT", "", ""),
                                   ("\x00", "", "999999999", "999999999"), ("\x01", "999999999", "", "")):
        out.put("fuzz_headers", status + ra + "\n" + rem + "\n" + reset)


def links(out):
    k, s, l = "\x00", "\x01", "\x02"  # home: a.klaviyo.com, 127.0.0.1:8080, localhost
    cases = [
        k + "https://a.klaviyo.com/api/profiles/?page%5Bcursor%5D=bmV4dDo6aWQ6OjQz",
        k + "https://a.klaviyo.com/api/events/?filter=greater-than%28datetime%2C2025-01-01%29&page%5Bcursor%5D=x",
        k + "https://evil.example.com/api/profiles/?page%5Bcursor%5D=x",
        k + "https://a.klaviyo.com:8443/api/profiles/",
        k + "http://a.klaviyo.com/api/profiles/",
        k + "https://user:pw@a.klaviyo.com/api/profiles/",
        k + "/api/profiles/\nX-Debug\n1\npage[size]\n10",
        k + "//evil.example.com/x",
        k + "/api/lists#frag",
        k + "https://a.klaviyo.com/api/profiles/\nX-Bad\na\r\nb\nq\nv",
        s + "http://127.0.0.1:8080/api/profiles?page%5Bsize%5D=2&page%5Bcursor%5D=bzoy",
        s + "http://127.0.0.1:8081/api/profiles",
        l + "http://localhost/api/lists/",
        l + "http://[::1]/api/lists/",
        k + "mailto:someone@example.com",
    ]
    for c in cases:
        out.put("fuzz_links", c)


def oauth(out):
    token, redirect, scope = "\x00", "\x01", "\x02"
    ok = "\x00"  # status 200
    for status, body in ((ok, {"access_token": "at-123456789", "refresh_token": "rt-987654321", "expires_in": 3600,
                               "token_type": "Bearer", "scope": "profiles:read profiles:write"}),
                         (ok, {"access_token": "at-123456789", "expires_in": 36000.0}),
                         (ok, {"refresh_token": "rt-only"}),
                         ("\x03", {"error": "invalid_grant", "error_description": "the code is invalid or expired"}),
                         ("\x04", {"error": "invalid_client"}),
                         ("\x05", {"error": "rate_limited"})):
        out.put("fuzz_oauth", token + status + dumps(body))
    out.put("fuzz_oauth", token + ok + "not json")
    for url in ("https://app.example.com/callback?code=abc123&state=st4te-of-the-request",
                "https://app.example.com/callback?state=st4te-of-the-request&error=access_denied"
                "&error_description=The+user+denied",
                "code=abc&state=wrong",
                "/callback?code=a%20b&state=st4te-of-the-request#frag"):
        out.put("fuzz_oauth", redirect + "\x00" + url)
    for granted in ("profiles:read profiles:write lists:read", "profiles:read", ""):
        out.put("fuzz_oauth", scope + "\x00" + granted)


def http_request(method, target, body=None, content_type="application/vnd.api+json", auth=True, extra=()):
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    if auth:
        lines += ["Authorization: Klaviyo-API-Key pk_sandbox", "revision: 2026-07-15",
                  "Accept: application/vnd.api+json"]
    lines += list(extra)
    data = body.encode() if isinstance(body, str) else (body or b"")
    if data:
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(data)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


def sandbox(spec, out):
    """A request for every operation of the spec, pipelined a few to an
    input (one connection, as answer_raw() reads it): a few dozen inputs
    instead of 345. Then requests made by hand: auth, revision, content
    type and OAuth cases, two requests that build on each other, framing."""
    b = Builder(spec, "plain", 8, False)  # required members only: small, valid bodies
    bundle = b""
    for path, method, op in operations(spec):
        the_id = PROFILE_ID if path.startswith("/api/profiles/") else "abc123"
        target = path.replace("{id}", the_id)
        target = target.replace("{job_id}", "job1")
        client = path.startswith("/client/")
        if client:
            target += "?company_id=AbC123"
        body = None
        rb = op.get("requestBody", {}).get("content", {})
        for ct, c in rb.items():
            if "json" in ct and "schema" in c:
                doc = b.build(c["schema"])
                data = doc.get("data") if isinstance(doc, dict) else None
                if isinstance(data, dict) and "id" in data and "{id}" in path:
                    data["id"] = the_id  # the sandbox checks it against the path, as Klaviyo does
                body = dumps(doc)
        data = http_request(method, target, body, auth=not client,
                            extra=("revision: 2026-07-15",) if client else ())
        if len(bundle) + len(data) > 2048 and bundle:
            out.put("fuzz_sandbox_request", bundle)
            bundle = b""
        if len(data) <= 4096:
            bundle += data
    if bundle:
        out.put("fuzz_sandbox_request", bundle)
    basic = "Basic " + base64.b64encode(b"sandbox-app:sandbox-app-secret").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(b"v" * 43).digest()).decode().rstrip("=")
    hand = [
        http_request("GET", "/api/profiles?page[size]=2&fields[profile]=email,first_name&sort=-created"),
        http_request("GET", "/api/profiles?page%5Bcursor%5D=bzoy&filter=equals(email,%22sandbox%2B0@example.com%22)"),
        http_request("GET", f"/api/profiles/{PROFILE_ID}/?include=lists&additional-fields[profile]=subscriptions"),
        http_request("PATCH", f"/api/profiles/{PROFILE_ID}",
                     dumps({"data": {"type": "profile", "id": PROFILE_ID,
                                     "attributes": {"first_name": "Ada", "location": {"latitude": 51.5}}}})),
        http_request("POST", "/api/profiles", "{not json"),
        http_request("POST", "/api/profiles", dumps({"data": {"type": "event"}})),
        http_request("GET", "/api/profiles", auth=False),
        http_request("GET", "/api/profiles", extra=()) .replace(b"revision: 2026-07-15", b"revision: 2019-01-01"),
        http_request("GET", "/api/nowhere"),
        http_request("DELETE", "/api/profiles"),
        http_request("GET", "/sandbox/stats"),
        http_request("GET", "/oauth/authorize?client_id=sandbox-app&redirect_uri=http%3A%2F%2Flocalhost%2Fcb"
                     "&response_type=code&code_challenge_method=S256&code_challenge=" + challenge +
                     "&state=xyz&scope=profiles%3Aread", auth=False),
        http_request("POST", "/oauth/token", "grant_type=authorization_code&code=code-x&code_verifier=" + "v" * 43 +
                     "&redirect_uri=http%3A%2F%2Flocalhost%2Fcb", "application/x-www-form-urlencoded", auth=False,
                     extra=("Authorization: " + basic,)),
        http_request("POST", "/oauth/token", "grant_type=refresh_token&refresh_token=rt-x",
                     "application/x-www-form-urlencoded", auth=False, extra=("Authorization: " + basic,)),
        http_request("POST", "/oauth/revoke", "token=rt-x&token_type_hint=refresh_token",
                     "application/x-www-form-urlencoded", auth=False, extra=("Authorization: " + basic,)),
        http_request("GET", "/api/profiles", extra=("Authorization: Bearer at-unknown",)).replace(
            b"Authorization: Klaviyo-API-Key pk_sandbox\r\n", b""),
        # Two requests on one connection: a create, then a read of the list.
        http_request("POST", "/api/lists", dumps({"data": {"type": "list", "attributes": {"name": "Fuzz"}}})) +
        http_request("GET", "/api/lists?fields[list]=name"),
        # Chunked body, HTTP/1.0, a bad request line.
        b"POST /api/events HTTP/1.1\r\nHost: x\r\nAuthorization: Klaviyo-API-Key pk_sandbox\r\nrevision: 2026-07-15"
        b"\r\nContent-Type: application/vnd.api+json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n"
        b"0\r\n\r\n",
        b"GET /api/accounts HTTP/1.0\r\nAuthorization: Klaviyo-API-Key pk_sandbox\r\nrevision: 2026-07-15\r\n\r\n",
        b"GARBAGE\r\n\r\n",
    ]
    for h in hand:
        out.put("fuzz_sandbox_request", h)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_seeds.py OUT")
    with open(os.path.join(ROOT, "spec", "stable.json")) as f:
        spec = json.load(f)
    out = Out(sys.argv[1])
    documents(spec, out)
    headers(out)
    links(out)
    oauth(out)
    sandbox(spec, out)
    for t in sorted(os.listdir(out.root)):
        print(f"{t}: {len(os.listdir(os.path.join(out.root, t)))} candidates")


if __name__ == "__main__":
    main()
