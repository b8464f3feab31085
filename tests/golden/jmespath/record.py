#!/usr/bin/env python3
"""Differential goldens for `--query` and the output writers.

Evaluates every expression below with Python jmespath 1.1.0 exactly as az runs it
(`Options(dict_cls=OrderedDict)`), then renders each result with az's own writers from knack
(json, tsv, table with the query active, yaml), and stores everything in cases.json.
The Rust test tests/it/query_golden.rs replays them. Run with az's venv:

    ~/az-2.91/bin/python tests/golden/jmespath/record.py
"""
import collections
import itertools
import json
import pathlib

import jmespath
from jmespath import exceptions
from knack.output import format_json, format_json_color, format_table, format_tsv, format_yaml, format_yaml_color
from knack.util import CommandResultItem, CLIError

HERE = pathlib.Path(__file__).resolve().parent


def manifest(i, tags, size, updated, arch="amd64", locked=False):
    m = {
        "digest": "sha256:%064x" % (i * 7919 + 17),
        "imageSize": size,
        "createdTime": updated,
        "lastUpdateTime": updated,
        "architecture": arch,
        "os": "linux",
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    }
    if tags is not None:
        m["tags"] = tags
    m["changeableAttributes"] = {"deleteEnabled": not locked, "writeEnabled": not locked,
                                 "readEnabled": True, "listEnabled": True}
    return m


DATA = {
    "manifests": [
        manifest(1, ["latest", "v3"], 3024, "2019-04-06T10:00:00.1234567Z"),
        manifest(2, None, 1024, "2019-03-01T00:00:00.0000000Z"),
        manifest(3, ["v1"], 2048, "2019-03-15T17:55:00.0000000Z", locked=True),
        manifest(4, None, 4096, "2019-04-04T23:59:59.9999999Z", arch="arm64"),
        manifest(5, ["v2", "stable", "prod"], 512, "2019-05-01T08:30:00.5000000Z"),
    ],
    "summaries": [
        {"digest": "sha256:aaa", "tags": ["latest", "v2"], "timestamp": "2024-01-02T00:00:00Z"},
        {"digest": "sha256:bbb", "tags": [], "timestamp": "2023-12-31T23:00:00Z"},
        {"digest": "sha256:ccc", "tags": None, "timestamp": "2024-01-08T00:00:00Z"},
        {"digest": "", "tags": [], "timestamp": ""},
    ],
    "tags": [
        {"name": "v10", "lastUpdateTime": "2024-01-02T00:00:00Z", "size": 3, "f": 1.5, "ok": True},
        {"name": "v9", "lastUpdateTime": "2024-01-01T00:00:00Z", "size": 10, "f": 2, "ok": False},
        {"name": "latest", "lastUpdateTime": "2024-03-01T00:00:00Z", "size": 1, "f": 0.1, "ok": True, "uni": "é"},
    ],
    "repository": {
        "registry": "myregistry.azurecr.io", "imageName": "marketing/campaign10-18/web",
        "createdTime": "2024-01-01T00:00:00.1Z", "lastUpdateTime": "2024-01-09T00:00:00.2Z",
        "manifestCount": 3, "tagCount": 3, "id": "x", "type": "repo",
        "changeableAttributes": {"deleteEnabled": True, "writeEnabled": True, "readEnabled": True, "listEnabled": True},
    },
    "misc": {
        "n": [1, 2.5, -3, 0, 1e20, 1e-5, 123456789.12345679, 10, 3.0],
        "s": ["b", "a", "é", "Z", "aa", "", "10", "9", "1e3", " 5 ", "1_000", "nan", "0x10", "yes", "2024-01-01"],
        "mixed": [1, "a", None, True, [1], {"a": 1}],
        "nested": {"a": {"b": {"c": [1, 2, {"d": "deep"}]}}, "list": [[1, 2], [3, [4, 5]], 6]},
        "unicode": "日本語 ✓ 😀",
        "text": "line1\nline2\ttabbed",
        "quote": "it's \"quoted\"",
        "empty": {"list": [], "obj": {}, "str": "", "null": None},
        "bools": [True, False],
        "big": 12345678901234567890,
        "long": "a" * 90 + " " + "b" * 30,
        "keys": {"Zed": 1, "alpha": 2, "_under": 3, "Éclair": 4, "10": 5},
    },
}

# Expressions grouped by the dataset they run on; many are crossed with fields below.
EXPRESSIONS = {
    "summaries": [
        "[?tags[0]==null].digest", "[?tags[0]==null]", "[?tags==null].digest", "[?tags==null]",
        "[?timestamp < '2024-01-05'].[digest, timestamp]", "[?timestamp < '2024-01-05'].digest",
        "[?timestamp > '2024'].digest", "[?timestamp >= '2024-01-02T00:00:00Z'].digest",
        "[?timestamp <= ''].digest", "[?digest == ''].timestamp", "[?digest != ''] | length(@)",
        "[].tags[]", "[].tags", "[*].tags[0]", "[].{d: digest, n: length(tags || `[]`)}",
        "[?!tags].digest", "[?tags].digest", "[?not_null(tags[0])].digest", "[?contains(tags || `[]`, 'v2')].digest",
        "sort_by(@, &timestamp)[].digest", "reverse(sort_by(@, &timestamp))[0]", "max_by(@, &timestamp).digest",
        "min_by(@, &timestamp)", "[0]", "[-1]", "[1:3]", "[::2].digest", "[::-1].timestamp", "length(@)",
        "@", "[].timestamp | sort(@)", "[].digest | join(', ', @)", "[?starts_with(digest, 'sha256:a')]",
        "[?ends_with(timestamp, 'Z')].digest", "[].to_string(tags)", "map(&length(digest), @)",
        "[].[digest, tags]", "[].{tags: tags, digest: digest}", "[?timestamp > `1`]", "[0].nonexistent",
        "[?timestamp < '2024-01-05'] | [0]", "[].timestamp | max(@)", "[].timestamp | min(@)",
        "group_by(@, &digest)", "[?digest=='sha256:aaa'] | [0].tags", "[].tags | [0]", "[][]",
    ],
    "manifests": [
        "[?tags[0]==null].digest", "[].{digest: digest, size: imageSize}", "[?changeableAttributes.deleteEnabled].digest",
        "[?!changeableAttributes.writeEnabled]", "[].changeableAttributes", "[].changeableAttributes.deleteEnabled",
        "sum([].imageSize)", "avg([].imageSize)", "max([].imageSize)", "min([].imageSize)", "sort([].imageSize)",
        "sort_by(@, &imageSize)[].digest", "sort_by(@, &lastUpdateTime)[-2:].digest", "max_by(@, &imageSize).tags",
        "min_by(@, &lastUpdateTime).lastUpdateTime", "[?imageSize > `2000`].digest", "[?imageSize >= `2048`] | length(@)",
        "[?architecture=='arm64']", "[?lastUpdateTime < '2019-04-05'].[digest, lastUpdateTime]",
        "[].tags[]", "[].tags[] | sort(@)", "[].tags | [?length(@) > `1`]", "[?length(tags || `[]`) > `1`].digest",
        "[*].[imageSize, architecture]", "[0]", "[0].keys(@)", "[0].values(@)", "[0].changeableAttributes.*",
        "[].*", "[].tags[0]", "[?tags] | [].{t: tags[0], s: imageSize}", "[].merge(@, {extra: imageSize})",
        "[?imageSize > `1000` && architecture == 'amd64'].digest", "[?imageSize < `1000` || architecture == 'arm64'].digest",
        "[].type(tags)", "[].to_number(imageSize)", "[].abs(imageSize)", "[0].imageSize | ceil(@)",
        "length([?tags])", "[?tags == `null`] | length(@)", "@[?contains(tags || `[]`, 'prod')].digest",
    ],
    "tags": [
        "[?lastUpdateTime > '2024-01-01T12:00:00Z'].name", "[?name < 'v'].name", "[?name > `1`].name",
        "sort_by(@, &name)[].name", "sort(@[].name)", "max([].name)", "min([].name)", "[?ok == `1`]", "[?ok == `true`].name",
        "[?size == `1.0`].name", "avg([].size)", "sum([].f)", "sum([].size)", "ceil(`1.2`)", "floor(`1.8`)",
        "to_string([0])", "[0].name[0:2]", "reverse([0].name)", "keys([0])", "values([0])", "merge([0], `{\"a\": 1}`)",
        "[].{n: name, s: size}", "[].[name, size, f, ok]", "length([2].uni)", "[?uni].uni", "[].f", "max([].f)",
        "sort_by(@, &f)[].name", "sort_by(@, &size)[].size", "max_by(@, &f).name", "min_by(@, &size).name",
        "[?f > `1`].name", "[?size > f].name", "[].[size, f] | [0]", "map(&name, @)", "map(&f, @)", "[].ok",
        "[?ok] | length(@)", "@[?ok].{name: name, ok: ok}", "contains([].name, 'v9')", "contains([0].name, 'v1')",
        "[0].name | contains(@, `1`)", "join('-', [].name)", "join('-', [].size)", "starts_with([0].name, 'v')",
        "to_array([0].name)", "not_null([5], [0].name)", "[].type(f)", "type(@)", "length(@)", "length([0])",
    ],
    "repository": [
        "@", "keys(@)", "values(@)", "registry", "changeableAttributes", "{name: imageName, count: tagCount}",
        "[imageName, tagCount]", "changeableAttributes.deleteEnabled", "changeableAttributes.*", "*", "[*]",
        "imageName | length(@)", "tagCount > `2`", "manifestCount == tagCount", "id", "type", "to_string(tagCount)",
        "to_number(createdTime)", "merge(@, `{}`)", "merge(changeableAttributes, {x: `1`})", "length(@)",
        "imageName[0]", "imageName[0:3]", "tagCount[0]", "createdTime < lastUpdateTime", "!changeableAttributes",
        "changeableAttributes || `false`", "missing || imageName", "imageName && tagCount", "missing && imageName",
    ],
    "misc": [
        "n", "s", "sort(n)", "sort(s)", "max(n)", "min(n)", "max(s)", "min(s)", "sum(n)", "avg(n)", "sort(mixed)",
        "max(mixed)", "length(unicode)", "reverse(unicode)", "unicode", "text", "quote", "empty", "empty.list",
        "empty.obj", "empty.str", "empty.null", "bools", "big", "long", "keys", "keys(keys)", "values(keys)",
        "nested.a.b.c", "nested.a.b.c[2].d", "nested.list[]", "nested.list[][]", "nested.list[1][1][0]",
        "nested.*", "nested.*.b", "n[0:3]", "n[-2:]", "n[::3]", "n[::-2]", "n[10:]", "n[:-10]", "s[1:2]",
        "n[?@ > `2`]", "n[?@ < `0`]", "s[?@ > 'Z']", "s[?@ == 'é']", "mixed[?@]", "mixed[*]", "mixed[]",
        "mixed | length(@)", "abs(n[2])", "ceil(n[1])", "floor(n[4])", "to_number(s[6])", "to_number(s[8])",
        "to_number(s[9])", "to_number(s[10])", "to_number(s[11])", "to_number(s[12])", "to_number(s[13])",
        "s[].to_number(@)", "n[].to_string(@)", "to_string(keys)", "to_string(unicode)", "to_string(nested)",
        "length(s[2])", "`\"literal\"`", "`[1, 2]`", "`{\"b\": 1, \"a\": 2}`", "`1e400`", "`-0`", "`0.1`",
        "`foo`", "'raw string'", "`true` == `1`", "`1` == `1.0`", "`[1]` == `[true]`", "`null` < `1`",
        "`\"a\"` < `\"b\"`", "`[1]` < `[2]`", "`{}` == `{}`", "`{\"a\": 1}` == `{\"a\": 1.0}`", "!`0`", "!`\"\"`",
        "!empty.list", "!empty.obj", "length(`\"😀\"`)", "to_number(`\"Infinity\"`)", "to_number('nan')",
        "n[1] > n[0]", "n[?@ > `1`] | [0]", "{a: n[0], b: s[0]}", "[n[0], s[0]]", "keys.Zed", "keys.\"10\"",
        "keys.\"Éclair\"", "\"keys\"", "nested.list[?length(@) > `1`]", "abs(`-1.5`)", "sum(`[]`)", "avg(`[]`)",
        "max(`[]`)", "sort_by(`[]`, &a)", "sort_by(mixed, &@)", "join(`1`, s)", "ends_with(unicode, '😀')",
        "unknown_fn(n)", "length(n, s)", "not_null()", "merge()", "sort(`[\"b\", 1]`)", "abs(missing)",
        "n[0:10:0]", "s[0].x", "map(&[], n)", "[?", "n[", "foo.", "", "a.b.c.d.e", "n.[0]",
    ],
}

# Field access, comparison and function templates crossed over each dataset's fields, to reach
# well over a thousand expressions.
CROSS_FIELDS = {
    "manifests": ["digest", "imageSize", "tags", "lastUpdateTime", "architecture", "changeableAttributes", "missing"],
    "summaries": ["digest", "tags", "timestamp", "missing"],
    "tags": ["name", "size", "f", "ok", "uni", "lastUpdateTime", "missing"],
}
CROSS_TEMPLATES = [
    "[].{f}", "[0].{f}", "[-1].{f}", "[?{f}].digest", "[?{f} == null]", "[?{f} != null] | length(@)",
    "[].[{f}]", "[].{{x: {f}}}", "sort_by(@, &{f})", "max_by(@, &{f})", "min_by(@, &{f})",
    "[?{f} < 'm']", "[?{f} > `100`]", "[].length({f})", "[].type({f})", "[].to_string({f})",
    "[].to_number({f})", "[].not_null({f}, 'none')", "max([].{f})", "sort([].{f})", "sum([].{f})",
    "[].{f} | [0]", "[*].{f}[]", "[?contains({f}, 'v')]", "[?starts_with({f}, 's')]", "[].reverse({f})",
    "[].keys({f})", "[].abs({f})", "[?!{f}]", "[].{f} | length(@)", "[].{{a: {f}, b: `1`}}", "[?{f} == `true`]",
    "[?{f} <= `2048`]", "[?{f} >= 'v']", "[].{f} | [?@]", "[:2].{f}", "[::-1].{f}", "[].[{f}, `null`]",
    "[].{f} || `[]`", "[?{f} && `true`].{f}", "reverse([].{f})", "[].{f} | max(@)", "[].{f} | min(@)",
    "[].{f} | avg(@)", "[].{{{f}: {f}, z: `null`}}",
]


def outcome(expr, data):
    try:
        compiled = jmespath.compile(expr)
    except exceptions.JMESPathError:
        return {"error": {"kind": "parse"}}
    try:
        result = compiled.search(data, jmespath.Options(dict_cls=collections.OrderedDict))
    except exceptions.JMESPathError as e:
        return {"error": {"kind": "jmespath", "message": str(e)}}
    except Exception as e:  # az prints a traceback for these
        return {"error": {"kind": "python", "message": str(e)}}
    if result is None:
        return {"null": True}
    rendered = {}
    writers = [("json", format_json), ("tsv", format_tsv), ("table", format_table), ("yaml", format_yaml),
               ("jsonc", format_json_color), ("yamlc", format_yaml_color)]
    for name, writer in writers:
        try:
            rendered[name] = writer(CommandResultItem(result, is_query_active=True))
        except CLIError as e:
            rendered[name] = {"error": str(e)}
        except Exception as e:
            rendered[name] = {"error": "%s: %s" % (type(e).__name__, e)}
    return {"output": rendered}


def main():
    cases = []
    for dataset, exprs in EXPRESSIONS.items():
        for expr in exprs:
            cases.append({"data": dataset, "expression": expr})
    for dataset, fields in CROSS_FIELDS.items():
        for template, field in itertools.product(CROSS_TEMPLATES, fields):
            cases.append({"data": dataset, "expression": template.format(f=field)})
    seen = set()
    unique = []
    for c in cases:
        key = (c["data"], c["expression"])
        if key not in seen:
            seen.add(key)
            c.update(outcome(c["expression"], DATA[c["data"]]))
            unique.append(c)
    (HERE / "data.json").write_text(json.dumps(DATA, indent=1, ensure_ascii=False) + "\n")
    (HERE / "cases.json").write_text(json.dumps(unique, indent=1, ensure_ascii=False) + "\n")
    print(len(unique), "cases")


if __name__ == "__main__":
    main()
