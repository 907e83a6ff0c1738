#!/usr/bin/env python3
"""tests/openapi_routes.py: site/openapi.yaml describes exactly the routes
of cgi/routes.c.

Compares the set of (method, path) of the route table with the operations
of the OpenAPI description, and checks that exactly the public routes
(ROUTE_PUBLIC) are marked `security: []`. Path parameters are compared by
position only ("{id}" in the C, any "{name}" in the YAML). Prints every
difference and exits 1 when there is one. Standard library only: the YAML
is read line by line, which works for the block style site/openapi.yaml is
written in (path keys indented by two spaces under "paths:", methods by
four, operation members by six).

    tests/openapi_routes.py [ROUTES_C [OPENAPI_YAML]]
"""
import re
import sys

METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")

# One row of the route table: ROUTE(METHOD_GET, "/api/v1/x", handler, roles, ...
ROUTE_RE = re.compile(
    r"ROUTE\(\s*METHOD_([A-Z]+)\s*,\s*\"([^\"]+)\"\s*,\s*(\w+)\s*,\s*([^,]+?)\s*,"
)


def normalise(path):
    """A path with every parameter written as {}."""
    return re.sub(r"\{[^}/]*\}", "{}", path)


def routes_of(c_file):
    """{(METHOD, path): public} of the route table."""
    with open(c_file, encoding="utf-8") as f:
        text = f.read()
    # Comments could hold examples of rows; drop them first.
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    table = text[text.index("routes[]"):]
    routes = {}
    for method, path, _handler, roles in ROUTE_RE.findall(table):
        routes[(method, normalise(path))] = roles.strip() == "ROUTE_PUBLIC"
    return routes


def unquote(s):
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    return s


def operations_of(yaml_file):
    """{(METHOD, path): public} of the OpenAPI description, with the
    server URL put in front of each path."""
    with open(yaml_file, encoding="utf-8") as f:
        lines = f.read().splitlines()
    server = None
    ops = {}
    section = None
    path = None
    op = None
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        top = re.match(r"^([A-Za-z][\w-]*):", line)
        if top:
            section = top.group(1)
            path = op = None
            continue
        if section == "servers" and server is None:
            m = re.match(r"^\s*-\s*url:\s*(.+?)\s*$", line)
            if m:
                server = unquote(m.group(1))
            continue
        if section != "paths":
            continue
        m = re.match(r"^  (\S.*?):\s*$", line)
        if m:
            path = unquote(m.group(1))
            op = None
            continue
        m = re.match(r"^    (\w+):\s*$", line)
        if m and path is not None:
            op = (m.group(1).upper(), path) if m.group(1) in METHODS else None
            if op is not None:
                ops[op] = False
            continue
        if op is not None and re.match(r"^      security:\s*\[\s*\]\s*$", line):
            ops[op] = True
    prefix = "" if server in (None, "/") else server.rstrip("/")
    return {(m, normalise(prefix + p)): public for (m, p), public in ops.items()}


def main(argv):
    c_file = argv[1] if len(argv) > 1 else "cgi/routes.c"
    yaml_file = argv[2] if len(argv) > 2 else "site/openapi.yaml"
    routes = routes_of(c_file)
    ops = operations_of(yaml_file)
    problems = []
    if not routes:
        problems.append(f"no routes found in {c_file}")
    for key in sorted(set(routes) - set(ops)):
        problems.append(f"{key[0]} {key[1]}: in {c_file}, not in {yaml_file}")
    for key in sorted(set(ops) - set(routes)):
        problems.append(f"{key[0]} {key[1]}: in {yaml_file}, not in {c_file}")
    for key in sorted(set(routes) & set(ops)):
        if routes[key] and not ops[key]:
            problems.append(f"{key[0]} {key[1]}: public (ROUTE_PUBLIC) but "
                            f"not marked `security: []` in {yaml_file}")
        elif ops[key] and not routes[key]:
            problems.append(f"{key[0]} {key[1]}: marked `security: []` in "
                            f"{yaml_file} but needs a session")
    for p in problems:
        print(f"# {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
