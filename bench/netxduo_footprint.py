#!/usr/bin/env python3
"""Flash, RAM and stack of the NetX Duo SMTP Client drop-in on a Cortex-M4.

Builds bench/netxduo_app.c (create, one mail, delete) for a Cortex-M4
(arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os, function and data sections,
--gc-sections) against NetX Duo's own headers, twice: with smtpc's drop-in
(src/engine/sources.txt + compat/netxduo/sources.txt) and with NetX Duo's
own addons/smtp client. NetX and ThreadX calls link to stand-ins
(bench/netxduo_stubs.c); only each client's own sections are counted, read
from the linker map, plus, for the original, the NetX helpers it calls
(nx_utility.c: base64 and string checks).

Prints, for each: .text+.rodata, .data, .bss, sizeof(NX_SMTP_CLIENT), and
the worst-case stack depth of nx_smtp_mail_send along the call graph
(-fcallgraph-info=su; calls through the transport's function pointers are
resolved to the transport's functions, calls into NetX count as 0).
Sizes from a pinned cross compiler are deterministic, so --budget FILE
fails (exit 1) when a figure of smtpc's grows past its recorded limit.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CC = "arm-none-eabi-gcc"
CPU = ["-mcpu=cortex-m4", "-mthumb"]
CFLAGS = CPU + ["-Os", "-ffunction-sections", "-fdata-sections", "-std=c99",
                "-fcallgraph-info=su", "-Wall", "-Wextra", "-Werror"]
# Calls through smtpc's function pointers: the transport's operations and
# the drop-in's body reader.
INDIRECT = ["netxduo_read", "netxduo_write", "netxduo_close", "netxduo_now_ms",
            "pull_message"]


def run(cmd, cwd=None):
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    if r.returncode != 0:
        sys.stderr.write("$ %s\n%s" % (" ".join(cmd), r.stdout))
        raise SystemExit(2)
    return r.stdout


def compile_all(sources, out_dir, flags):
    os.makedirs(out_dir, exist_ok=True)
    objs = []
    for src in sources:
        base = os.path.splitext(os.path.basename(src))[0]
        obj = os.path.join(out_dir, base + ".o")
        run([CC] + flags + ["-c", src, "-o", obj], cwd=out_dir)
        objs.append(obj)
    return objs


def map_sizes(map_file, groups):
    """Sums the retained input sections of each group's objects."""
    totals = {g: {"text": 0, "rodata": 0, "data": 0, "bss": 0} for g in groups}
    with open(map_file) as f:
        text = f.read()
    text = text[text.index("Linker script and memory map"):]
    pending = None
    for line in text.splitlines():
        m = re.match(r"^ (\.\S+|COMMON)\s*$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^ (\.\S+|COMMON)?\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+\.o)\s*$", line)
        if not m:
            pending = None
            continue
        name = m.group(1) or pending
        pending = None
        if name is None:
            continue
        size = int(m.group(2), 16)
        obj = os.path.abspath(m.group(3))
        for g, objs in groups.items():
            if obj in objs:
                kind = ("text" if name.startswith(".text") else
                        "rodata" if name.startswith(".rodata") else
                        "data" if name.startswith(".data") else
                        "bss" if name.startswith(".bss") or name == "COMMON" else None)
                if kind:
                    totals[g][kind] += size
    return totals


def struct_size(flags, out_dir, header, type_name):
    src = os.path.join(out_dir, "sizeof.c")
    with open(src, "w") as f:
        f.write('#include "nx_api.h"\n#include "%s"\nchar probe[sizeof(%s)];\n' %
                (header, type_name))
    obj = os.path.join(out_dir, "sizeof.o")
    run([CC] + flags + ["-fno-common", "-c", src, "-o", obj], cwd=out_dir)
    for line in run(["arm-none-eabi-nm", "-S", obj]).splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] == "probe":
            return int(parts[1], 16)
    raise SystemExit("sizeof probe not found")


def call_graph(ci_dir):
    nodes, edges = {}, {}
    for name in os.listdir(ci_dir):
        if not name.endswith(".ci"):
            continue
        with open(os.path.join(ci_dir, name)) as f:
            for line in f:
                m = re.match(r'node: \{ title: "([^"]+)" label: "[^"]*\\n(\d+) bytes \(([^)]*)\)',
                             line)
                if m:
                    t = m.group(1).split(":")[-1]
                    nodes[t] = max(nodes.get(t, 0), int(m.group(2)))
                    if "dynamic" in m.group(3) and "bounded" not in m.group(3):
                        nodes[t] += 1 << 20  # unbounded: make it stand out
                    continue
                m = re.match(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', line)
                if m:
                    s = m.group(1).split(":")[-1]
                    t = m.group(2).split(":")[-1]
                    edges.setdefault(s, set()).add(t)
    return nodes, edges


def worst_stack(nodes, edges, entry, indirect):
    """Deepest path from entry; returns (bytes, path). A call through a
    pointer may reach any function named in `indirect` (None: any function
    of the client, an upper bound for the original's table of handlers)."""
    memo = {}

    def depth(fn, path):
        if fn in path:
            raise SystemExit("recursion through %s" % fn)
        if fn in memo:
            return memo[fn]
        own = nodes.get(fn, 0)
        best, best_path = 0, []
        targets = set(edges.get(fn, ()))
        if "__indirect_call" in targets:
            targets.discard("__indirect_call")
            targets.update(t for t in (indirect if indirect is not None else nodes)
                           if t in nodes and t not in path and t != fn)
        for t in targets:
            d, p = depth(t, path | {fn})
            if d > best:
                best, best_path = d, p
        memo[fn] = (own + best, [fn] + best_path)
        return memo[fn]

    return depth(entry, frozenset())


def measure(name, client_sources, client_incs, extra_objs_sources, inc, out, cfg, indirect):
    flags = CFLAGS + cfg + inc + client_incs
    # a fresh tree: the call graph is read from every .ci file in it, so a
    # file left by a source no longer listed would count
    shutil.rmtree(os.path.join(out, name), ignore_errors=True)
    objs = compile_all(client_sources, os.path.join(out, name, "client"), flags)
    helpers = compile_all(extra_objs_sources, os.path.join(out, name, "helpers"), flags)
    app_flags = [f for f in flags if not f.startswith("-fcallgraph")]
    app = compile_all([os.path.join(ROOT, "bench", "netxduo_app.c"),
                       os.path.join(ROOT, "bench", "netxduo_stubs.c")],
                      os.path.join(out, name, "app"), app_flags)
    elf = os.path.join(out, name, "image.elf")
    mapf = os.path.join(out, name, "image.map")
    run([CC] + CPU + ["-Os", "-Wl,--gc-sections", "--specs=nano.specs", "--specs=nosys.specs",
                      "-Wl,-Map=" + mapf] + app + objs + helpers + ["-o", elf])
    sizes = map_sizes(mapf, {"client": set(objs), "helpers": set(helpers)})
    nodes, edges = call_graph(os.path.join(out, name, "client"))
    entry = "_nx_smtp_mail_send" if "-DNX_SMTP_DISABLE_ERROR_CHECKING" in cfg \
        else "_nxe_smtp_mail_send"
    stack, path = worst_stack(nodes, edges, entry, indirect)
    size = struct_size(flags, os.path.join(out, name), "nxd_smtp_client.h", "NX_SMTP_CLIENT")
    return {"sizes": sizes, "stack": stack, "path": path, "struct": size}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--netxduo", required=True, help="extracted NetX Duo tree")
    ap.add_argument("--threadx", required=True, help="extracted ThreadX tree")
    ap.add_argument("--out", default=os.path.join(ROOT, "build-footprint"))
    ap.add_argument("--budget", help="file of limits; exit 1 when a figure is over")
    ap.add_argument("--define", action="append", default=[],
                    help="extra -D for both builds (a NetX configuration)")
    a = ap.parse_args()
    nx, tx = os.path.abspath(a.netxduo), os.path.abspath(a.threadx)
    inc = ["-I" + os.path.join(tx, "common", "inc"),
           "-I" + os.path.join(tx, "ports", "cortex_m4", "gnu", "inc"),
           "-I" + os.path.join(nx, "common", "inc"),
           "-I" + os.path.join(nx, "ports", "cortex_m4", "gnu", "inc")]
    cfg = ["-D" + d for d in a.define]

    def listed(f):
        with open(os.path.join(ROOT, f)) as fh:
            return [os.path.join(ROOT, l.strip()) for l in fh if l.strip()]

    smtpc_src = listed("src/engine/sources.txt") + listed("compat/netxduo/sources.txt")
    ours = measure("smtpc", smtpc_src,
                   ["-I" + os.path.join(ROOT, d) for d in ("include", "compat/netxduo",
                                                           "src/engine")],
                   [], inc, a.out, cfg, INDIRECT)
    full = measure("smtpc-full", smtpc_src,
                   ["-I" + os.path.join(ROOT, d) for d in ("include", "compat/netxduo",
                                                           "src/engine")],
                   [], inc, a.out, cfg + ["-DSMTPC_CONFIG_FULL=1"], INDIRECT)
    orig = measure("original", [os.path.join(nx, "addons", "smtp", "nxd_smtp_client.c")],
                   ["-I" + os.path.join(nx, "addons", "smtp")],
                   [os.path.join(nx, "common", "src", "nx_utility.c")], inc, a.out, cfg, None)

    def flash(r, g):
        return r["sizes"][g]["text"] + r["sizes"][g]["rodata"]

    figures = {
        "flash": flash(ours, "client"),
        "data": ours["sizes"]["client"]["data"],
        "bss": ours["sizes"]["client"]["bss"],
        "client_struct": ours["struct"],
        "stack": ours["stack"],
    }
    print("NetX Duo SMTP Client on a Cortex-M4 (-Os, --gc-sections, NetX Duo's headers%s):" %
          ("; " + " ".join(cfg) if cfg else ""))
    print("  %-34s %8s %s" % ("", "smtpc", "original"))
    print("  %-34s %8d %d (+ %d of NetX's nx_utility.c it calls)" %
          (".text+.rodata", figures["flash"], flash(orig, "client"), flash(orig, "helpers")))
    print("  %-34s %8d %d" % (".data", figures["data"], orig["sizes"]["client"]["data"]))
    print("  %-34s %8d %d" % (".bss", figures["bss"], orig["sizes"]["client"]["bss"]))
    print("  %-34s %8d %d" % ("sizeof(NX_SMTP_CLIENT)", figures["client_struct"], orig["struct"]))
    print("  %-34s %8d %d" % ("stack of nx_smtp_mail_send", figures["stack"], orig["stack"]))
    print("  every feature on (SMTPC_CONFIG_FULL=1: TLS, trace, CRAM-MD5, RFC 2047, Date, Message-ID,"
          "\n   SIZE, SMTPUTF8, many recipients, enhanced codes, all capabilities, error texts,"
          " host-sized buffers):")
    print("  %-34s %8d" % (".text+.rodata", flash(full, "client")))
    print("  %-34s %8d" % ("sizeof(NX_SMTP_CLIENT)", full["struct"]))
    print("  %-34s %8d" % ("stack of nx_smtp_mail_send", full["stack"]))
    print("  deepest path (smtpc): %s" % " > ".join(ours["path"]))
    print("  deepest path (original; its handlers are called through a table, so any of them\n"
          "  may follow any: an upper bound): %s" % " > ".join(orig["path"]))

    if not a.budget:
        return 0
    over = []
    with open(a.budget) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if len(line) != 2:
                continue
            key, limit = line[0], int(line[1])
            if key not in figures:
                raise SystemExit("%s: unknown figure %s" % (a.budget, key))
            if figures[key] > limit:
                over.append("%s is %d, over its budget of %d" % (key, figures[key], limit))
            elif figures[key] < limit:
                print("  %s is %d, under its budget of %d: lower it in %s" %
                      (key, figures[key], limit, os.path.relpath(a.budget, ROOT)))
    for o in over:
        print("FOOTPRINT: " + o)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
