# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""tap_why.py - why a compare run failed, in one short line.

Integration tests put it into the failing test's own description: a CI
summary keeps the list of failing test lines even when it cuts the
diagnostics printed around them.
"""


def why(d, errpath, limit=300):
    """The failed environments' errors from report d, else stderr's last line."""
    parts = []
    if d:
        parts = ["%s: %s" % (e["env"], e.get("error")) for e in d.get("environments", [])
                 if e.get("status") != "ok"]
    if d and not parts:
        return ""
    if not parts:
        try:
            lines = [l for l in open(errpath).read().splitlines() if l.strip()]
        except OSError:
            lines = []
        parts = lines[-1:]
    s = "; ".join(parts)
    return ("; " + s[:limit]) if s else ""


class Tap:
    """TAP lines from Python test bodies: t.ok(cond, msg) ... t.plan()."""

    def __init__(self):
        self.n = 0

    def ok(self, cond, msg, skip=None, todo=None):
        """todo: a known, written-down failure (TAP TODO: shown, not counted)."""
        self.n += 1
        if skip:
            print("ok %d - %s # SKIP %s" % (self.n, msg, skip))
            return True
        print("%sok %d - %s%s" % ("" if cond else "not ", self.n, msg, " # TODO " + todo if todo else ""))
        return cond

    def plan(self):
        print("1..%d" % self.n)
