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
