# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Reading `vtax compare -f json` results in the compare tests.

A test runs compare with `-o TMP/TAG.json 2>TMP/TAG.err` and writes the exit
code to TMP/TAG.rc; load() gives (rc, document or None), and prints the
reason and compare's stderr as TAP comments when there is no document.
"""
import json
import sys


def load(tmp, tag):
    rc = int(open("%s/%s.rc" % (tmp, tag)).read())
    try:
        return rc, json.load(open("%s/%s.json" % (tmp, tag)))
    except Exception as e:
        try:
            err = open("%s/%s.err" % (tmp, tag)).read()
        except OSError:
            err = ""
        sys.stdout.write("# %s: %s\n# %s\n" % (tag, e, err.replace("\n", "\n# ")))
        return rc, None


def env(d, name):
    """The environment's measured part (client latency, rounds)."""
    return [e for e in d["environments"] if e["env"] == name][0]


def led(d, name):
    """The environment's ledger entry (difference vs native, causes)."""
    return [e for e in d["ledger"]["environments"] if e["env"] == name][0]


def cause(le, key):
    return [c for c in le["causes"] if c["cause"] == key][0]
