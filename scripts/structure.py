#!/usr/bin/env python3
"""Reads the crates' source and reports what ARCHITECTURE.md promises about its shape:
- import cycles between files of different folders (strongly connected components of the
  `crate::`/`super::` references; a `#[cfg(test)]` tail of a file is not read);
- files over 600 lines without a reason (`//! Long file: …`) in their first three lines;
- a backend or a unit level decided by comparing strings (`backend_name()`, `level == "…"`).
Functions over 80 lines are clippy's to find (`clippy.toml`).

Usage: scripts/structure.py [crate_src_dir ...]   (default: every crates/*/src). Exit 1 on a
finding; `tests/structure.rs` runs it in the suite.
"""
import glob, os, re, sys

roots = sys.argv[1:] or sorted(glob.glob("crates/*/src"))
bad = 0
for root in roots:

    def module_of(path):
        rel = os.path.relpath(path, root)[:-3].split(os.sep)
        if rel[-1] in ("mod", "lib", "main"):
            rel = rel[:-1]
        return tuple(rel)

    files = {}
    for d, _, fs in os.walk(root):
        for f in fs:
            if f.endswith(".rs"):
                p = os.path.join(d, f)
                files[module_of(p)] = p

    def strip_comments(src):
        """Drops comments, string and char literals (raw strings too), so that only code is read."""
        out, i, n = [], 0, len(src)
        while i < n:
            c = src[i]
            if src.startswith("//", i):
                j = src.find("\n", i); i = n if j < 0 else j
            elif src.startswith("/*", i):
                j = src.find("*/", i); i = n if j < 0 else j + 2
            elif c == "r" and re.match(r'r#*"', src[i:i+10]) and not (i and (src[i-1].isalnum() or src[i-1] == "_")):
                m = re.match(r'r(#*)"', src[i:]); close = '"' + m.group(1)
                j = src.find(close, i + len(m.group(0))); i = n if j < 0 else j + len(close); out.append('""')
            elif c == '"':
                j = i + 1
                while j < n and src[j] != '"':
                    j += 2 if src[j] == "\\" else 1
                i = j + 1; out.append('""')
            elif c == "'" and re.match(r"'(\\.|[^\\'])'", src[i:i+4]):
                m = re.match(r"'(\\.|[^\\'])'", src[i:i+4]); i += len(m.group(0)); out.append("' '")
            else:
                out.append(c); i += 1
        return "".join(out)

    def expand_use(tree, prefix):
        """Expands `a::{b, c::{d}}` into paths."""
        out = []
        tree = tree.strip()
        i = tree.find("{")
        if i < 0:
            out.append(prefix + [p for p in tree.split("::") if p])
            return out
        head = [p for p in tree[:i].split("::") if p]
        inner = tree[i + 1 : tree.rfind("}")]
        depth, cur, parts = 0, "", []
        for ch in inner:
            if ch == "{": depth += 1
            if ch == "}": depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur); cur = ""
            else:
                cur += ch
        parts.append(cur)
        for p in parts:
            if p.strip():
                out += expand_use(p, prefix + head)
        return out

    def resolve(mod, segs):
        segs = [s.split(" as ")[0].strip() for s in segs]
        if not segs:
            return None
        if segs[0] == "crate":
            base = []
            segs = segs[1:]
        elif segs[0] == "super":
            base = list(mod)
            while segs and segs[0] == "super":
                base = base[:-1]; segs = segs[1:]
        elif segs[0] == "self":
            base = list(mod)
            segs = segs[1:]
        else:
            return None
        best = None
        path = base[:]
        for s in segs:
            path.append(s)
            if tuple(path) in files:
                best = tuple(path)
        if best is None and tuple(base) in files:
            best = tuple(base)
        return best

    graph = {m: set() for m in files}
    for mod, p in files.items():
        src = strip_comments(open(p, encoding="utf-8").read())
        # drop #[cfg(test)] mod tests { ... } blocks: a test may use anything
        k = src.find("#[cfg(test)]")
        if k >= 0:
            src = src[:k]
        for m in re.finditer(r"\buse\s+((?:crate|super|self)::[^;]*);", src, re.S):
            for segs in expand_use(m.group(1), []):
                t = resolve(mod, segs)
                if t and t != mod:
                    graph[mod].add(t)
        for m in re.finditer(r"\b((?:crate|super)(?:::\w+)+)", src):
            t = resolve(mod, m.group(1).split("::"))
            if t and t != mod:
                graph[mod].add(t)

    # Tarjan's SCC
    index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)
    def strong(v):
        index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1:
                sccs.append(comp)
    for v in graph:
        if v not in index:
            strong(v)

    for comp in sccs:
        feats = {c[0] if c else "" for c in comp}
        names = sorted("::".join(c) or "lib" for c in comp)
        cross = len(feats) > 1
        print(("CYCLE across folders" if cross else "cycle within a folder") + f" ({len(comp)} files): " + ", ".join(names))
        if cross:
            bad += 1
    for mod, p in sorted(files.items()):
        lines = open(p, encoding="utf-8").read().split("\n")
        if len(lines) > 600:
            head = "\n".join(lines[:3])
            reason = "Long file:" in head or "long file:" in head
            print(f"{'long file (reason given)' if reason else 'LONG FILE'}: {p} {len(lines)} lines")
            if not reason:
                bad += 1
    for mod, p in sorted(files.items()):
        code = strip_comments(open(p, encoding="utf-8").read())
        for pat in (r"backend_name\(\)", r"\blevel\s*[!=]=\s*\"\"", r"match [^{]*\blevel\.as_str\(\)"):
            for m in re.finditer(pat, code):
                line = code[: m.start()].count("\n") + 1
                print(f"STRING COMPARISON deciding a backend or a level: {p}:{line}")
                bad += 1
sys.exit(1 if bad else 0)
