#!/usr/bin/env python3
"""Klaviyo's OpenAPI spec as a clean model for the code generators.

Loads spec/stable.json, applies spec/overlay.json (the places where the live
API differs from the spec), resolves every $ref and describes each operation
with the facts a C++ descriptor needs: path parameters, the JSON:API query
vocabulary (fields, additional-fields, include, sort, filter, page[size],
page[cursor]), rate limits, OAuth scopes, request and response schemas,
pagination, public /client/ access and idempotency.

    import klaviyo_spec
    model = klaviyo_spec.load()
    for op in model.operations:
        print(op.method, op.path, op.cpp_name)

Run it to print the number of operations per tag:

    python3 scripts/klaviyo_spec.py [path/to/stable.json [path/to/overlay.json]]

Resolved schemas share objects (a schema referenced twice is one dict), so
treat them as read-only. A reference that would loop (a schema that contains
itself, directly or not) stays a stub {"$ref": ..., "x-schema-name": NAME,
"x-recursive": true}: look NAME up in Model.schemas. Every schema that came
from components/schemas carries "x-schema-name", which generators can use to
name C++ types.

Python 3 standard library only.
"""
from __future__ import annotations

import copy
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = REPO / "spec" / "stable.json"
DEFAULT_OVERLAY = REPO / "spec" / "overlay.json"

# The HTTP methods of a path item; any other key (parameters, summary) is not
# an operation. The spec uses only get, post, patch and delete.
HTTP_METHODS = ("get", "post", "patch", "put", "delete")

SCHEMA_REF_PREFIX = "#/components/schemas/"


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------

@dataclass
class Param:
    """A parameter: its name, whether it is required, its resolved schema."""
    name: str
    required: bool
    schema: dict
    description: str = ""


@dataclass
class PageSize:
    """page[size]: the spec's default, maximum and minimum (None when absent)."""
    default: Optional[int]
    maximum: Optional[int]
    minimum: Optional[int]


@dataclass
class Filter:
    """The `filter` query parameter.

    fields maps each filterable field to its operators, sorted (the union of
    every operator group). groups keeps x-klaviyo-filters' own grouping
    ({"single": [...], "list": [...], "none": [...]}) and values the schema
    of a field's value; both are empty when the rules came from the
    parameter's description. source says which: "x-klaviyo-filters" or
    "description".
    """
    fields: dict
    required: bool
    source: str
    groups: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)


@dataclass
class RateLimit:
    """x-klaviyo-ratelimit as requests per second, minute and day (0: none)."""
    burst: int
    steady: int
    daily: int


@dataclass
class RequestBody:
    """A request body: its content type, resolved schema and whether required."""
    content_type: str
    schema: Optional[dict]
    required: bool


@dataclass
class Operation:
    """One operation of the spec, with the facts a C++ descriptor needs.

    fields and additional_fields map a JSON:API resource type to its allowed
    values (fields[profile] -> {"profile": [...]}). other_params holds the
    query parameters that are none of fields, additional-fields, include,
    sort, filter, page[size] and page[cursor]. response_schema is the
    resolved schema of response_status, the first success status with a
    body; both are None when no success status has one (202/204 without
    content). responses maps every success status to its schema or None.
    """
    operation_id: str
    cpp_name: str
    tag: str
    subtag: Optional[str]
    aliases: list
    summary: str
    method: str
    path: str
    path_params: list
    query_params: list
    header_params: list
    fields: dict
    additional_fields: dict
    include: list
    sort: list
    filter: Optional[Filter]
    page_size: Optional[PageSize]
    page_cursor: bool
    cursor_param: Optional[str]
    other_params: list
    rate_limit: RateLimit
    scopes: list
    success_statuses: list
    request_body: Optional[RequestBody]
    response_status: Optional[int]
    response_content_type: Optional[str]
    response_schema: Optional[dict]
    responses: dict
    paginated: bool
    public_client: bool
    idempotent: bool
    idempotency_reason: str
    pre_release: Optional[str]
    extensions: dict


@dataclass
class Model:
    """The whole spec: operations in spec order, resolved schemas, tags.

    version is info.version (the API revision), overlay_applied the ids of
    the overlay entries applied, spec the raw spec with the overlay applied
    (its $refs unresolved).
    """
    version: str
    operations: list = field(repr=False)
    schemas: dict = field(repr=False)
    tags: list
    tag_descriptions: dict
    overlay_applied: list
    spec: dict = field(repr=False)

    def operation(self, operation_id: str) -> Operation:
        """The operation with this operationId (KeyError when there is none)."""
        for op in self.operations:
            if op.operation_id == operation_id:
                return op
        raise KeyError(operation_id)

    def by_tag(self) -> dict:
        """Operations grouped by their first tag, tags in the spec's order."""
        groups = {t: [] for t in self.tags}
        for op in self.operations:
            groups.setdefault(op.tag, []).append(op)
        return groups


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------

# Words a generated C++ identifier must not be; cpp_identifier() appends "_".
CPP_KEYWORDS = frozenset("""
    alignas alignof and and_eq asm auto bitand bitor bool break case catch char
    char8_t char16_t char32_t class compl concept const consteval constexpr
    constinit const_cast continue co_await co_return co_yield decltype default
    delete do double dynamic_cast else enum explicit export extern false float
    for friend goto if inline int long mutable namespace new noexcept not not_eq
    nullptr operator or or_eq private protected public register reinterpret_cast
    requires return short signed sizeof static static_assert static_cast struct
    switch template this thread_local throw true try typedef typeid typename
    union unsigned using virtual void volatile wchar_t while xor xor_eq
""".split())


def snake(name: str) -> str:
    """snake_case of a spec name: CamelCase, kebab-case, "a.b", "page[size]".

    "GetProfileResponse" -> "get_profile_response", "HTTPStatus" ->
    "http_status", "additional-fields[profile]" ->
    "additional_fields_profile", "Custom Objects" -> "custom_objects".
    """
    # A lower-case letter or digit followed by an upper-case one starts a
    # word ("getProfile"), and so does the last capital of an acronym
    # followed by lower case ("HTTPStatus").
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = re.sub(r"[^A-Za-z0-9]+", "_", s)
    return s.strip("_").lower()


def cpp_identifier(name: str) -> str:
    """snake(name) made usable as a C++ identifier (keywords and leading digits)."""
    s = snake(name) or "_"
    if s[0].isdigit():
        s = "_" + s
    return s + "_" if s in CPP_KEYWORDS else s


def is_snake_case(name: str) -> bool:
    """Whether name is already snake_case (lower case, digits, underscores)."""
    return re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name) is not None


# ---------------------------------------------------------------------------
# JSON pointers and the overlay
# ---------------------------------------------------------------------------

class OverlayError(Exception):
    """An overlay entry does not fit the spec (most likely a new revision)."""


def pointer_tokens(pointer: str) -> list:
    """The reference tokens of an RFC 6901 JSON pointer ("" is the whole document)."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def pointer_join(base: str, token: Any) -> str:
    """base extended by one reference token, escaped as RFC 6901 requires."""
    return base + "/" + str(token).replace("~", "~0").replace("/", "~1")


def pointer_get(document: Any, pointer: str) -> Any:
    """The value at pointer inside document (KeyError or IndexError when absent)."""
    node = document
    for token in pointer_tokens(pointer):
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch: objects merge member by member, null removes
    a member, anything else replaces. Returns the patched value; target dicts
    are changed in place."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = merge_patch(target.get(key), value)
    return target


def _overlay_target(spec: dict, target: dict) -> tuple:
    """(container, key) of an overlay target, so that container[key] is the
    value to patch. A target names either a schema ({"schema", "pointer"})
    or an operation's parameter ({"operation", "parameter", "pointer"}) or
    an operation itself ({"operation", "pointer"})."""
    if "schema" in target:
        base = spec["components"]["schemas"]
        tokens = [target["schema"]] + pointer_tokens(target.get("pointer", ""))
    elif "operation" in target:
        base = _operation_object(spec, target["operation"])
        if "parameter" in target:
            base = _parameter_object(base, target["parameter"])
        tokens = pointer_tokens(target.get("pointer", ""))
        if not tokens:
            raise OverlayError(f"target {target} needs a non-empty pointer")
    else:
        raise OverlayError(f"target {target} names neither a schema nor an operation")
    container = base
    for token in tokens[:-1]:
        container = container[int(token)] if isinstance(container, list) else container[token]
    last = int(tokens[-1]) if isinstance(container, list) else tokens[-1]
    return container, last


def _operation_object(spec: dict, operation_id: str) -> dict:
    """The raw operation object with this operationId."""
    for item in spec["paths"].values():
        for method, op in item.items():
            if method in HTTP_METHODS and op.get("operationId") == operation_id:
                return op
    raise OverlayError(f"no operation {operation_id}")


def _parameter_object(op: dict, name: str) -> dict:
    """The raw parameter object of op named name."""
    for p in op.get("parameters", []):
        if p.get("name") == name:
            return p
    raise OverlayError(f"{op.get('operationId')} has no parameter {name}")


def _matches(value: Any, expect: Any) -> bool:
    """Whether value has every member of expect with an equal value."""
    if isinstance(expect, dict):
        return isinstance(value, dict) and all(k in value and value[k] == v for k, v in expect.items())
    return value == expect


def apply_overlay(spec: dict, overlay: dict) -> list:
    """Applies overlay's entries to spec in place; returns the applied ids.

    Each entry patches each of its targets with "patch" (a JSON Merge
    Patch). When an entry has "expect", the target must first hold those
    members with those values: otherwise the spec moved on (a new revision
    fixed or changed the place) and OverlayError asks for a review instead of
    patching blindly.
    """
    applied = []
    for entry in overlay.get("entries", []):
        for target in entry["targets"]:
            try:
                container, key = _overlay_target(spec, target)
                current = container[key]
            except (KeyError, IndexError, ValueError) as e:
                raise OverlayError(f"overlay entry {entry['id']}: target {target} not found ({e})") from None
            if "expect" in entry and not _matches(current, entry["expect"]):
                raise OverlayError(
                    f"overlay entry {entry['id']}: target {target} is {json.dumps(current)[:300]}, "
                    f"expected {json.dumps(entry['expect'])}: review the entry against the new spec")
            container[key] = merge_patch(current, entry["patch"])
        applied.append(entry["id"])
    return applied


# ---------------------------------------------------------------------------
# $ref resolution
# ---------------------------------------------------------------------------

class Resolver:
    """Replaces $refs by what they point to, each named schema resolved once.

    Named schemas (components/schemas/NAME) are memoised, so a schema used
    in many places is one shared dict; this keeps the 1,290 schemas and
    their many cross references small. A reference to a schema that is
    still being resolved further up (a cycle) becomes a stub marked
    "x-recursive" instead of looping. Sibling members of a $ref (the spec
    writes {"$ref": ..., "nullable": true}) are laid over the resolved
    schema in a copy, the shared one stays unchanged.
    """

    def __init__(self, spec: dict):
        """A resolver for spec's references."""
        self.spec = spec
        self.named: dict = {}
        self.in_progress: list = []

    def schema_named(self, name: str) -> dict:
        """components/schemas/NAME, resolved."""
        return self._ref(SCHEMA_REF_PREFIX + name)

    def resolve(self, node: Any) -> Any:
        """node with every $ref inside it resolved."""
        if isinstance(node, list):
            return [self.resolve(x) for x in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = self._ref(node["$ref"])
            siblings = {k: self.resolve(v) for k, v in node.items() if k != "$ref"}
            return {**target, **siblings} if siblings else target
        return {k: self.resolve(v) for k, v in node.items()}

    def _ref(self, ref: str) -> Any:
        """What ref points to, resolved (a stub when ref closes a cycle)."""
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref}")
        if not ref.startswith(SCHEMA_REF_PREFIX):
            # Responses, parameters: no cycles among them, resolve in place.
            return self.resolve(pointer_get(self.spec, ref[1:]))
        name = ref[len(SCHEMA_REF_PREFIX):]
        if name in self.named:
            return self.named[name]
        if name in self.in_progress:
            return {"$ref": ref, "x-schema-name": name, "x-recursive": True}
        self.in_progress.append(name)
        try:
            resolved = self.resolve(self.spec["components"]["schemas"][name])
        finally:
            self.in_progress.pop()
        if isinstance(resolved, dict):
            resolved = {**resolved, "x-schema-name": name}
        self.named[name] = resolved
        return resolved


# ---------------------------------------------------------------------------
# Schema helpers for generators
# ---------------------------------------------------------------------------

# Members of a schema object that hold one subschema, and those that hold a
# list of them.
_SUBSCHEMA_KEYS = ("items", "additionalProperties", "not")
_SUBSCHEMA_LIST_KEYS = ("oneOf", "anyOf", "allOf")


def iter_members(schema: dict, pointer: str = "", follow_named: bool = True) -> Iterator[tuple]:
    """Yields (json_pointer, subschema) for every subschema below schema.

    Pointers are RFC 6901, relative to schema, and name the schema keywords
    on the way: "/properties/data/properties/attributes/properties/email",
    "/properties/data/items", "/oneOf/2". Recursive stubs are yielded but not
    entered, and a schema already on the current path is not entered again.
    With follow_named=False the walk does not enter schemas that came from
    components/schemas (they carry "x-schema-name"): generators that emit
    one C++ type per named schema want only the members they must inline.
    """
    yield from _walk(schema, pointer, follow_named, set(), top=True)


def _walk(node: Any, pointer: str, follow_named: bool, on_path: set, top: bool) -> Iterator[tuple]:
    """iter_members' recursion; on_path holds the ids of the enclosing schemas."""
    if not isinstance(node, dict) or id(node) in on_path or node.get("x-recursive"):
        return
    if not top and not follow_named and "x-schema-name" in node:
        return
    on_path.add(id(node))
    for name, sub in (node.get("properties") or {}).items():
        where = pointer_join(pointer_join(pointer, "properties"), name)
        yield where, sub
        yield from _walk(sub, where, follow_named, on_path, False)
    for key in _SUBSCHEMA_KEYS:
        sub = node.get(key)
        if isinstance(sub, dict):
            where = pointer_join(pointer, key)
            yield where, sub
            yield from _walk(sub, where, follow_named, on_path, False)
    for key in _SUBSCHEMA_LIST_KEYS:
        for i, sub in enumerate(node.get(key) or []):
            where = pointer_join(pointer_join(pointer, key), i)
            yield where, sub
            yield from _walk(sub, where, follow_named, on_path, False)
    on_path.discard(id(node))


def schema_type(schema: Optional[dict]) -> Optional[str]:
    """The JSON type a schema describes, looking through allOf (all members
    that state one agree) and oneOf / anyOf (all alternatives agree); None
    when unknown or mixed."""
    if not isinstance(schema, dict):
        return None
    if "type" in schema:
        return schema["type"]
    if schema.get("properties"):
        return "object"
    for key in ("allOf", "oneOf", "anyOf"):
        if schema.get(key):
            kinds = {schema_type(s) for s in schema[key]}
            if key == "allOf":
                kinds.discard(None)
            if len(kinds) == 1:
                return kinds.pop()
            return None
    return None


def document_kind(schema: Optional[dict]) -> str:
    """How a schema uses JSON:API's top-level `data` member.

    "object": a document whose data is one resource (or one resource
    identifier); "array": data is a list (collections, to-many
    relationships); "other": no data member, or one of another shape;
    "none": no schema at all (202/204 without content).
    """
    if schema is None:
        return "none"
    data = (schema.get("properties") or {}).get("data")
    kind = schema_type(data)
    return kind if kind in ("object", "array") else "other"


# ---------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------

def _per_unit(value: Optional[str]) -> int:
    """The count of a rate like "350/s", "3500/m" or "100/d"; 0 when absent."""
    m = re.match(r"(\d+)/([smd])", value or "")
    return int(m.group(1)) if m else 0


def _rate_limit(op: dict) -> RateLimit:
    """x-klaviyo-ratelimit as integers."""
    rl = op.get("x-klaviyo-ratelimit", {})
    return RateLimit(_per_unit(rl.get("burst")), _per_unit(rl.get("steady")), _per_unit(rl.get("daily")))


def _filter_from_description(description: str) -> dict:
    """Filter rules from a parameter description's "`field`: `op`, `op`" lines
    (what the spec had before x-klaviyo-filters)."""
    rules = {}
    for name, ops in re.findall(r"`([^`]+)`: ((?:`[^`]+`(?:, )?)+)", description):
        rules[name] = sorted(re.findall(r"`([^`]+)`", ops))
    return rules


def _filter(param: dict, op: dict, resolver: Resolver) -> Filter:
    """The filter parameter's rules: x-klaviyo-filters when the operation has
    them, else what the parameter's description lists."""
    required = bool(param.get("required"))
    xf = op.get("x-klaviyo-filters")
    if not xf:
        return Filter(_filter_from_description(param.get("description", "")), required, "description")
    fields, groups, values = {}, {}, {}
    for name, info in xf.items():
        operators = set()
        for group in info.get("operators", {}).values():
            operators.update(group)
        fields[name] = sorted(operators)
        groups[name] = info.get("operators", {})
        values[name] = resolver.resolve(info.get("value", {}))
    return Filter(fields, required, "x-klaviyo-filters", groups, values)


def _enum_values(schema: dict) -> list:
    """The allowed values of a parameter: its items' enum for an array, its
    own enum otherwise ([] when it has none)."""
    if schema.get("type") == "array":
        return list(schema.get("items", {}).get("enum", []))
    return list(schema.get("enum", []))


def _bracketed(name: str, prefix: str) -> Optional[str]:
    """"profile" for "fields[profile]" with prefix "fields"; None otherwise."""
    m = re.fullmatch(re.escape(prefix) + r"\[(.+)\]", name)
    return m.group(1) if m else None


def _param(p: dict, resolver: Resolver) -> Param:
    """A Param from a raw parameter object."""
    return Param(p["name"], bool(p.get("required")), resolver.resolve(p.get("schema", {})), p.get("description", ""))


def _path_params(path: str, params: list, resolver: Resolver) -> list:
    """The path parameters in the order they appear in the path."""
    by_name = {p["name"]: p for p in params if p.get("in") == "path"}
    names = re.findall(r"\{([^}]+)\}", path)
    missing = [n for n in names if n not in by_name]
    if missing:
        raise ValueError(f"{path}: no parameter object for {missing}")
    return [_param(by_name[n], resolver) for n in names]


def _content(obj: dict, resolver: Resolver) -> tuple:
    """(content type, resolved schema) of a request body or response; the
    JSON:API media type first when there are several; (None, None) without
    content."""
    content = obj.get("content") or {}
    if not content:
        return None, None
    ctype = "application/vnd.api+json" if "application/vnd.api+json" in content else next(iter(content))
    schema = content[ctype].get("schema")
    return ctype, (resolver.resolve(schema) if schema is not None else None)


# POSTs that are safe to repeat although POST is not idempotent in general.
# The spec has no marker for this (no x-klaviyo-* extension says it), so each
# one is a decision, with its reason. Keep in step with the hand-written
# descriptors in include/klaviyo/resources/.
IDEMPOTENT_POSTS = {
    "create_or_update_profile":
        "an upsert keyed by the profile's identifiers: a repeat updates the same profile",
    "bulk_subscribe_profiles":
        "consent is a state: subscribing twice leaves the same subscription",
    "bulk_unsubscribe_profiles":
        "withdrawing consent twice is the same as once",
    "bulk_suppress_profiles":
        "suppression is a state: suppressing twice leaves the profiles suppressed",
    "bulk_unsuppress_profiles":
        "removing a suppression twice is the same as once",
    "create_push_token":
        "'Create or Update Push Token': a repeat updates the same token",
    "create_client_push_token":
        "'Create or Update Client Push Token': a repeat updates the same token",
    "unregister_client_push_token":
        "unregistering a token twice is the same as once",
    "create_client_profile":
        "'Create or Update Client Profile': an upsert keyed by the identifiers",
    "create_client_subscription":
        "consent is a state: subscribing twice leaves the same subscription",
    "render_template":
        "renders a template with a context and stores nothing",
}


def _idempotency(method: str, operation_id: str, path: str, body: Optional[RequestBody]) -> tuple:
    """(idempotent, reason) as the C++ client should treat a retry.

    GET, DELETE and PATCH are idempotent (HTTP semantics; a PATCH sets
    members to given values). A POST is not, except: the reporting queries
    (query_*, reads with a body), to-many relationship additions whose body
    is a list of bare {type, id} identifiers (JSON:API: members already
    present are not added again), and IDEMPOTENT_POSTS.
    """
    if method in ("GET", "DELETE", "PATCH", "PUT"):
        return True, f"{method} is idempotent"
    if operation_id.startswith("query_"):
        return True, "a report query: a read that takes its parameters in a body"
    if "/relationships/" in path and _is_identifier_list(body):
        return True, "adds to a to-many relationship: identifiers already present are not added twice"
    if operation_id in IDEMPOTENT_POSTS:
        return True, IDEMPOTENT_POSTS[operation_id]
    return False, "POST creates something new on every call"


def _is_identifier_list(body: Optional[RequestBody]) -> bool:
    """Whether a body is {"data": [{type, id}, ...]} and nothing more per item
    (a relationship with meta per item creates a new definition each time)."""
    if body is None or body.schema is None:
        return False
    data = (body.schema.get("properties") or {}).get("data") or {}
    items = data.get("items") or {}
    return data.get("type") == "array" and set((items.get("properties") or {})) <= {"type", "id"}


def _query_vocabulary(op: dict, resolver: Resolver) -> dict:
    """The JSON:API query parameters of op, split by role, as Operation's
    members of the same names (fields ... other_params)."""
    v = {"fields": {}, "additional_fields": {}, "include": [], "sort": [], "filter": None,
         "page_size": None, "cursor_param": None, "other_params": []}
    for p in op.get("parameters", []):
        if p.get("in") != "query":
            continue
        name, schema = p["name"], p.get("schema", {})
        if _bracketed(name, "fields") is not None:
            v["fields"][_bracketed(name, "fields")] = _enum_values(schema)
        elif _bracketed(name, "additional-fields") is not None:
            v["additional_fields"][_bracketed(name, "additional-fields")] = _enum_values(schema)
        elif name in ("include", "sort"):
            v[name] = _enum_values(schema)
        elif name == "filter":
            v["filter"] = _filter(p, op, resolver)
        elif name == "page[size]":
            v["page_size"] = PageSize(schema.get("default"), schema.get("maximum"), schema.get("minimum"))
        elif name == "page[cursor]":
            v["cursor_param"] = name
        else:
            # company_id, the review report's group_by / statistics /
            # timeframe, and page_cursor: the cursor of three reporting POSTs,
            # which also counts as their cursor_param.
            if name == "page_cursor" and v["cursor_param"] is None:
                v["cursor_param"] = name
            v["other_params"].append(_param(p, resolver))
    return v


def _request_body(op: dict, resolver: Resolver) -> Optional[RequestBody]:
    """op's request body, or None when it takes none."""
    if "requestBody" not in op:
        return None
    ctype, schema = _content(op["requestBody"], resolver)
    return RequestBody(ctype, schema, bool(op["requestBody"].get("required")))


def _success_responses(op: dict, resolver: Resolver) -> dict:
    """Operation's success_statuses, responses, response_status,
    response_content_type and response_schema."""
    success = sorted(int(c) for c in op["responses"] if c.isdigit() and c.startswith("2"))
    r = {"success_statuses": success, "responses": {}, "response_status": None,
         "response_content_type": None, "response_schema": None}
    for status in success:
        ctype, schema = _content(op["responses"][str(status)], resolver)
        r["responses"][status] = schema
        if r["response_status"] is None and schema is not None:
            r.update(response_status=status, response_content_type=ctype, response_schema=schema)
    return r


def _operation(path: str, method: str, op: dict, resolver: Resolver) -> Operation:
    """An Operation from a raw operation object."""
    params = op.get("parameters", [])
    vocabulary = _query_vocabulary(op, resolver)
    body = _request_body(op, resolver)
    method = method.upper()
    idempotent, why = _idempotency(method, op["operationId"], path, body)
    pre_release = op.get("x-klaviyo-pre-release")
    return Operation(
        operation_id=op["operationId"],
        cpp_name=cpp_identifier(op["operationId"]),
        tag=op.get("tags", ["Untagged"])[0],
        subtag=op.get("x-klaviyo-subtag"),
        aliases=list(op.get("x-klaviyo-operation-aliases", [])),
        summary=op.get("summary", ""),
        method=method,
        path=path,
        path_params=_path_params(path, params, resolver),
        query_params=[_param(p, resolver) for p in params if p.get("in") == "query"],
        header_params=[_param(p, resolver) for p in params if p.get("in") == "header"],
        page_cursor=vocabulary["cursor_param"] == "page[cursor]",
        paginated=vocabulary["cursor_param"] == "page[cursor]",
        **vocabulary,
        rate_limit=_rate_limit(op),
        scopes=list(op.get("x-klaviyo-scopes", [])),
        request_body=body,
        **_success_responses(op, resolver),
        # /client/ operations are the public, browser and mobile ones: they
        # take the public key as company_id and no private key (security: []).
        public_client=path.startswith("/client/"),
        idempotent=idempotent,
        idempotency_reason=why,
        # The spec writes the string "None" on every operation that is not
        # in pre-release.
        pre_release=None if pre_release in (None, "None") else pre_release,
        extensions={k: v for k, v in op.items() if k.startswith("x-")},
    )


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------

def read_spec(spec_path=None, overlay_path=None) -> tuple:
    """(spec with the overlay applied, ids of the applied overlay entries).

    overlay_path="" (or a missing default overlay) applies no overlay.
    """
    spec = json.loads(Path(spec_path or DEFAULT_SPEC).read_text(encoding="utf-8"))
    if overlay_path == "":
        return spec, []
    overlay_file = Path(overlay_path or DEFAULT_OVERLAY)
    if overlay_path is None and not overlay_file.exists():
        return spec, []
    overlay = json.loads(overlay_file.read_text(encoding="utf-8"))
    return spec, apply_overlay(spec, overlay)


def load(spec_path=None, overlay_path=None) -> Model:
    """Loads the spec (default spec/stable.json), applies the overlay
    (default spec/overlay.json; "" for none) and builds the Model."""
    spec, applied = read_spec(spec_path, overlay_path)
    resolver = Resolver(spec)
    schemas = {name: resolver.schema_named(name) for name in spec["components"]["schemas"]}
    operations = [
        _operation(path, method, op, resolver)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    ]
    tags = [t["name"] for t in spec.get("tags", [])]
    for op in operations:  # a tag used but not declared goes last
        if op.tag not in tags:
            tags.append(op.tag)
    return Model(
        version=spec["info"]["version"],
        operations=operations,
        schemas=schemas,
        tags=tags,
        tag_descriptions={t["name"]: t.get("description", "") for t in spec.get("tags", [])},
        overlay_applied=applied,
        spec=spec,
    )


def summary(model: Model) -> str:
    """A few lines about the model: operations per tag, then totals."""
    lines = [f"Klaviyo API {model.version}"]
    groups = model.by_tag()
    width = max(len(t) for t in groups)
    for tag, ops in groups.items():
        lines.append(f"  {tag.ljust(width)}  {len(ops):3d}")
    ops = model.operations
    methods = Counter(op.method for op in ops)
    lines += [
        f"{len(groups)} tags, {len(ops)} operations "
        f"({', '.join(f'{m} {n}' for m, n in methods.most_common())})",
        f"paginated (page[cursor]): {sum(op.paginated for op in ops)}, "
        f"public /client/: {sum(op.public_client for op in ops)}, "
        f"idempotent POSTs: {sum(op.idempotent and op.method == 'POST' for op in ops)}",
        f"operationIds already snake_case: {sum(is_snake_case(op.operation_id) for op in ops)}/{len(ops)}",
        f"{len(model.schemas)} schemas; overlay entries applied: {len(model.overlay_applied)}",
    ]
    return "\n".join(lines)


def main(argv: list) -> int:
    """Prints summary() for the spec and overlay named on the command line."""
    usage = "usage: klaviyo_spec.py [path/to/stable.json [path/to/overlay.json]]"
    if any(a in ("-h", "--help") for a in argv[1:]):
        print(__doc__.strip().splitlines()[0] + "\n" + usage)
        return 0
    if len(argv) > 3:
        print(usage, file=sys.stderr)
        return 2
    model = load(*(argv[1:] + [None, None])[:2])
    print(summary(model))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
