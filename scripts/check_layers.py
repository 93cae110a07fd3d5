#!/usr/bin/env python3
"""Fails when a lower layer of the crate reaches up: a `crate::` path in `xml`, `message`,
`koppeling`, `location` or `mock` that names a module its layer may not use.

The layers run one way (docs/ARCHITECTURE.md): xml <- message <- koppeling <- mock. A
codec that imports a message type, or a pure rule that calls a test double, is the kind of
upward edge this catches. Only code counts: comments and doc links are stripped first, and
every `crate::x` path is checked, whether it sits in a `use` or inline in an expression.

Usage: scripts/check_layers.py [src-dir]   (exit 1 and one line per forbidden path)
"""
import re
import sys
from pathlib import Path

# Each checked module and the crate modules it may name besides itself. Anything else is
# an upward (or sideways) import.
ALLOWED = {
    # The codec foundation depends on nothing else in the crate.
    "xml": set(),
    # Every message kind reads and writes through the codec, and only through it.
    "message": {"xml"},
    # A school location is a value: the UWLR school id is all it knows of a message.
    "location": {"message"},
    # The pure koppeling rules: values and the location, never a store, gateway or mock.
    "koppeling": {"location", "message", "xml"},
    # The mock is a LAS: it may use the rules, the messages and the server, not the gateway.
    "mock": {"koppeling", "location", "message", "xml", "server", "generate", "clock", "private", "free_text"},
}

PATH = re.compile(r"\bcrate\s*::\s*(\{[^}]*\}|[a-z_][a-z0-9_]*)")


def strip_comments(text: str) -> str:
    """Drops // and /* */ comments (doc comments too), keeping strings and line numbers."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def top_module(src: Path, file: Path) -> str:
    rel = file.relative_to(src)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def named_modules(match: str) -> list[str]:
    """`xml` -> [xml]; `{xml::writer, message}` -> [xml, message] (the first segment of each)."""
    if match.startswith("{"):
        return [p.strip().split("::")[0].strip() for p in match[1:-1].split(",") if p.strip()]
    return [match]


def root_reexports(src: Path) -> dict[str, str]:
    """`pub use message::{decode, Body};` in lib.rs: `crate::decode` is `message`'s."""
    names = {}
    lib = strip_comments((src / "lib.rs").read_text(encoding="utf-8"))
    for m in re.finditer(r"\bpub\s+use\s+([a-z_][a-z0-9_]*)\s*::\s*(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)", lib):
        for item in named_modules(m.group(2)):
            names[item.split(" as ")[-1].strip()] = m.group(1)
    return names


def check(src: Path) -> list[str]:
    problems = []
    reexported = root_reexports(src)
    for file in sorted(src.rglob("*.rs")):
        layer = top_module(src, file)
        if layer not in ALLOWED:
            continue
        code = strip_comments(file.read_text(encoding="utf-8"))
        for m in PATH.finditer(code):
            for name in named_modules(m.group(1)):
                name = reexported.get(name, name)
                if name in ("self", "", layer) or name in ALLOWED[layer]:
                    continue
                if not name[0].islower():
                    name = reexported.get(name, name)  # a type re-exported at the root
                    if not name[0].islower() or name in ALLOWED[layer] or name == layer:
                        continue
                line = code.count("\n", 0, m.start()) + 1
                problems.append(f"{file}:{line}: `{layer}` may not use `crate::{name}` (allowed: "
                                f"{', '.join(sorted(ALLOWED[layer])) or 'nothing else in the crate'})")
    return problems


def main() -> int:
    src = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "src")
    problems = check(src)
    for p in problems:
        print(p)
    if problems:
        print(f"check_layers: {len(problems)} upward import(s)", file=sys.stderr)
        return 1
    print("check_layers: the layers run one way")
    return 0


if __name__ == "__main__":
    sys.exit(main())
