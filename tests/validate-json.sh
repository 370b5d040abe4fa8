#!/bin/sh
# validate-json.sh [--lines] SCHEMA FILE - validates the JSON document FILE (with
# --lines: every non-empty line of FILE, NDJSON) against the JSON Schema SCHEMA, with
# Debian's python3-jsonschema run by /usr/bin/python3 (so no other python on PATH is
# used). The validator follows the schema's "$schema" (Draft 2020-12 when it has none);
# relative "$ref"s resolve against SCHEMA's folder. Prints each error as
# "FILE[:LINE]: /json/pointer: message"; exits 0 when valid, 1 when not, 2 on bad use.
lines=0
if [ "$1" = "--lines" ]; then lines=1; shift; fi
if [ $# -ne 2 ]; then
    echo "usage: validate-json.sh [--lines] SCHEMA FILE" >&2
    exit 2
fi
exec /usr/bin/python3 - "$1" "$2" "$lines" <<'PY'
import json, os, sys
import jsonschema

schema_path, doc_path, lines = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
try:
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
except (OSError, ValueError) as e:
    print(f"{schema_path}: cannot load schema: {e}")
    sys.exit(2)
cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
try:
    cls.check_schema(schema)
except jsonschema.exceptions.SchemaError as e:
    print(f"{schema_path}: invalid schema: {e.message}")
    sys.exit(2)
base = "file://" + os.path.abspath(os.path.dirname(schema_path)) + "/"
resolver = jsonschema.RefResolver(base_uri=base, referrer=schema)
validator = cls(schema, resolver=resolver, format_checker=jsonschema.FormatChecker())

def pointer(path):
    return "/" + "/".join(str(p) for p in path)

docs = []
try:
    with open(doc_path, encoding="utf-8") as f:
        if lines:
            for n, line in enumerate(f, 1):
                if line.strip():
                    docs.append((f"{doc_path}:{n}", json.loads(line)))
        else:
            docs.append((doc_path, json.load(f)))
except (OSError, ValueError) as e:
    print(f"{doc_path}: not JSON: {e}")
    sys.exit(1)
if not docs:
    print(f"{doc_path}: no JSON document")
    sys.exit(1)
bad = 0
for where, doc in docs:
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        print(f"{where}: {pointer(err.absolute_path)}: {err.message}")
        bad += 1
sys.exit(1 if bad else 0)
PY
