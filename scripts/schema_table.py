"""Flattens resolved JSON schemas of the spec model (scripts/klaviyo_spec.py)
into the compact tables of include/klaviyo/api/schema.hpp, and writes them
as C++ constexpr arrays.

A table is three arrays: nodes, members and enum values. A node is one
schema: its kind (object, array, string, integer, number, boolean, one_of,
any_of, all_of, string_or_number, any), flags (nullable, readOnly,
writeOnly), format, and ranges into the other arrays: an object's members
(name, node, required), the alternatives of one_of / any_of / all_of
(members without a name), an array's item node, its enum values. Enum values
are written as text tagged by their JSON type: "s<string>", "b<true|false>",
"i<integer>", "n" (null). A schema used in many places (a named schema of
components/schemas) is one node; a reference that closes a cycle points back
at the node being built.

The spec uses no length, size or range keywords (minLength, maxItems,
minimum, ...): the tables carry none.
"""
import json
import sys

sys.dont_write_bytecode = True

KINDS = ["any", "object", "array", "string", "integer", "number", "boolean", "one_of", "any_of", "all_of",
         "string_or_number"]
FORMATS = ["none", "date_time", "date", "time", "uri", "email", "uuid", "binary"]
NULLABLE, READ_ONLY, WRITE_ONLY = 1, 2, 4


def _kind(schema):
    """The kind of one schema node."""
    if schema.get("x-cpp-type") == "string_or_number":
        return "string_or_number"
    for key in ("oneOf", "anyOf", "allOf"):
        if schema.get(key):
            return {"oneOf": "one_of", "anyOf": "any_of", "allOf": "all_of"}[key]
    t = schema.get("type")
    if t is None and schema.get("properties"):
        return "object"
    return t if t in KINDS else "any"


def _enum_text(v):
    """An enum value as the table writes it."""
    if v is None:
        return "n"
    if isinstance(v, bool):
        return "b" + ("true" if v else "false")
    if isinstance(v, int):
        return "i" + str(v)
    if isinstance(v, str):
        return "s" + v
    raise ValueError(f"enum value of an unsupported type: {v!r}")


class Table:
    """The nodes of a set of schemas; add() returns a root's node index."""

    def __init__(self):
        self.nodes = []     # [kind, flags, format, first, count, items, enum_first, enum_count]
        self.members = []   # (name or None, node, required)
        self.enums = []     # tagged text
        self._ids = {}      # id(schema dict) -> node index
        self._named = {}    # x-schema-name -> node index
        self._enum_ranges = {}

    def add(self, schema):
        """The node index of `schema` (added with everything below it)."""
        if schema.get("x-recursive"):
            return self._named[schema["x-schema-name"]]
        key = id(schema)
        if key in self._ids:
            return self._ids[key]
        index = len(self.nodes)
        self._ids[key] = index
        if "x-schema-name" in schema:
            self._named.setdefault(schema["x-schema-name"], index)
        kind = _kind(schema)
        flags = (NULLABLE if schema.get("nullable") else 0) | (READ_ONLY if schema.get("readOnly") else 0) | \
                (WRITE_ONLY if schema.get("writeOnly") else 0)
        values = schema.get("enum") or []
        if None in values:
            flags |= NULLABLE
        fmt = (schema.get("format") or "none").replace("-", "_")
        if fmt not in FORMATS:
            raise ValueError(f"format {schema.get('format')!r} is not known to include/klaviyo/api/schema.hpp")
        node = [kind, flags, fmt, 0, 0, 0, 0, 0]
        self.nodes.append(node)
        # Children after the node itself (pre-order), so cycles find it.
        entries = []
        if kind == "object":
            required = set(schema.get("required") or [])
            for name, sub in (schema.get("properties") or {}).items():
                entries.append((name, self.add(sub), name in required))
        elif kind in ("one_of", "any_of", "all_of"):
            key_ = {"one_of": "oneOf", "any_of": "anyOf", "all_of": "allOf"}[kind]
            entries = [(None, self.add(sub), False) for sub in schema[key_]]
        elif kind == "array" and isinstance(schema.get("items"), dict):
            node[5] = self.add(schema["items"])
        node[3], node[4] = len(self.members), len(entries)
        self.members += entries
        if values:
            texts = tuple(_enum_text(v) for v in values)
            if texts not in self._enum_ranges:
                self._enum_ranges[texts] = len(self.enums)
                self.enums += texts
            node[6], node[7] = self._enum_ranges[texts], len(texts)
        if max(len(self.nodes), len(self.members), len(self.enums)) >= 65535:
            raise ValueError("a schema table outgrew its 16-bit indexes")
        return index

    def cpp_lines(self, namespace_prefix=""):
        """The three arrays and the table object, as C++ lines (to be placed
        in a namespace of the caller's choosing)."""
        out = [
            "inline constexpr ::klaviyo::api::schema::node schema_nodes[] = {",
        ]
        row = []
        for kind, flags, fmt, first, count, items, ef, ec in self.nodes:
            row.append(f"{{k::{kind}, {flags}, f::{fmt}, {first}, {count}, {items}, {ef}, {ec}}}")
        out += _wrap(row)
        out.append("};")
        if self.members:
            out.append("inline constexpr ::klaviyo::api::schema::member schema_members[] = {")
            out += _wrap(["{" + (_cpp_string(n) if n is not None else '""') + f", {node}, {'true' if req else 'false'}}}"
                          for n, node, req in self.members])
            out.append("};")
        if self.enums:
            out.append("inline constexpr std::string_view schema_enums[] = {")
            out += _wrap([_cpp_string(e) for e in self.enums])
            out.append("};")
        out.append("inline constexpr ::klaviyo::api::schema::table schema_table{schema_nodes, " +
                   ("schema_members" if self.members else "{}") + ", " +
                   ("schema_enums" if self.enums else "{}") + "};")
        return out


def _cpp_string(s):
    """A C++ string literal."""
    return json.dumps(s, ensure_ascii=True)


def _wrap(items, width=116):
    """Initializers joined by commas into lines of about `width` characters."""
    lines, line = [], "    "
    for i, item in enumerate(items):
        piece = item + ("," if i + 1 < len(items) else "")
        if len(line) + len(piece) + 1 > width and line.strip():
            lines.append(line.rstrip())
            line = "    "
        line += piece + " "
    if line.strip():
        lines.append(line.rstrip())
    return lines


PRELUDE = [
    "using k = ::klaviyo::api::schema::kind;",
    "using f = ::klaviyo::api::schema::format;",
]
