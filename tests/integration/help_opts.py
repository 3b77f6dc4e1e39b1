#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# help_opts.py - what `vtax COMMAND --help` says, for the tests that keep the
# man page and the bash completion true to the binary (85-install.t):
#   help_opts.py VTAX commands            commands of `vtax --help`, plus load
#   help_opts.py VTAX options CMD         options of `vtax CMD --help`
#   help_opts.py VTAX values CMD OPT      the values listed for OPT
#   help_opts.py VTAX mancheck MANTEXT    options missing from each command's
#                                         section of the rendered man page
import re
import subprocess
import sys

OPT_RE = re.compile(r"(?:^|(?<=[\s,\[(|]))(--?[a-zA-Z][a-z0-9-]*)")


def help_text(vtax, cmd):
    args = [vtax] + ([cmd] if cmd else []) + ["--help"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def body(text):
    """The help up to its examples (which show other programs' options)."""
    out = []
    for line in text.splitlines():
        if re.match(r"^examples?:", line):
            break
        out.append(line)
    return out


def commands(vtax):
    cmds, on = [], False
    for line in help_text(vtax, None).splitlines():
        if line.startswith("commands:"):
            on = True
        elif on and re.match(r"^  [a-z]", line):
            cmds.append(line.split()[0])
    return cmds + ["load"]  # internal (hidden from the list), documented


def options(vtax, cmd):
    found = []
    for line in body(help_text(vtax, cmd)):
        for m in OPT_RE.finditer(line):
            if m.group(1) not in found:
                found.append(m.group(1))
    return found


def values(vtax, cmd, opt):
    """The value list in OPT's description: parentheses dropped, after the
    last colon, split on commas and 'or' (the first piece's last word)."""
    lines = body(help_text(vtax, cmd))
    desc, on = [], False
    for line in lines:
        if on and (re.match(r"^\s+-", line) or not re.match(r"^\s", line)):
            break
        if on:
            desc.append(line)
        elif re.match(r"^\s+(-\w, )?" + re.escape(opt) + r"(?![\w-])", line):
            on = True
            desc.append(line.split(opt, 1)[1])
    text = " ".join(desc)
    while re.search(r"\([^()]*\)", text):
        text = re.sub(r"\([^()]*\)", "", text)
    text = re.sub(r"^\s*[A-Z]+\s+", "", text)  # the metavariable
    if ":" in text:
        text = text.rsplit(":", 1)[1]
    pieces = [p.split() for p in re.split(r",|\bor\b", text) if p.split()]
    vals = [pieces[0][-1]] + [p[0] for p in pieces[1:]] if pieces else []
    return [v for v in vals if re.match(r"^[a-z][a-z0-9-]*$", v)]


def mancheck(vtax, mantext):
    text = open(mantext).read()
    # subsections "vtax CMD" (indented 3 by man) split the COMMANDS section
    parts = re.split(r"(?m)^ {3}vtax ([a-z]+)\s*$", text)
    sections = dict(zip(parts[1::2], parts[2::2]))
    missing = []
    for cmd in commands(vtax):
        sec = sections.get(cmd)
        if sec is None:
            missing.append(f"{cmd}: no section")
            continue
        for opt in options(vtax, cmd):
            if not re.search(r"(?<![\w-])" + re.escape(opt) + r"(?![\w-])", sec):
                missing.append(f"{cmd} {opt}")
    for opt in ("--help", "--version"):
        if not re.search(r"(?<![\w-])" + re.escape(opt) + r"(?![\w-])", parts[0]):
            missing.append(f"vtax {opt}")
    return missing


def main():
    vtax, what = sys.argv[1], sys.argv[2]
    if what == "commands":
        print("\n".join(commands(vtax)))
    elif what == "options":
        print("\n".join(options(vtax, sys.argv[3])))
    elif what == "values":
        print("\n".join(values(vtax, sys.argv[3], sys.argv[4])))
    elif what == "mancheck":
        print("\n".join(mancheck(vtax, sys.argv[3])))
    else:
        sys.exit("help_opts.py: unknown query " + what)


if __name__ == "__main__":
    main()
