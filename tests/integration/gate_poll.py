#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""gate_poll.py PID SECONDS - poll a vtax process's --sample gate from outside.

vtax switches its programs between windows by cfg.sample_off (bit 1: the
chain-starting programs are off, bit 2: the chain-ending ones), a field of
the BPF array map vtax_cfg_map that every program reads first.  This reads
that map the way any BPF tool would (the bpf() system call: the map's id
from the process's fdinfo, a descriptor by id, a lookup every ~0.5 ms), so
the fraction of polls with the chain-starting programs on is measured
independently of vtax's own accounting.  Prints one line:

    polls on_fraction off_fraction switches max_epoch_steps

until the process exits or SECONDS pass.  Root (CAP_SYS_ADMIN) required.
"""
import ctypes
import os
import struct
import sys
import time

NR_BPF = 321  # x86_64
BPF_MAP_LOOKUP_ELEM, BPF_MAP_GET_FD_BY_ID, BPF_OBJ_GET_INFO_BY_FD = 1, 14, 15
CFG_SIZE = 40  # include/vtax/keys.h struct vtax_cfg
OFF_SAMPLE_OFF, OFF_EPOCH = 28, 32

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    r = libc.syscall(NR_BPF, cmd, buf, 128)
    if r < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return r, buf


def map_ids(pid):
    ids = set()
    for fd in os.listdir(f"/proc/{pid}/fdinfo"):
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                for line in f:
                    if line.startswith("map_id:"):
                        ids.add(int(line.split()[1]))
        except OSError:
            pass
    return ids


def cfg_fd(pid):
    for mid in sorted(map_ids(pid)):
        try:
            fd, _ = bpf(BPF_MAP_GET_FD_BY_ID, struct.pack("III", mid, 0, 0))
        except OSError:
            continue
        info = ctypes.create_string_buffer(256)
        _, _ = bpf(BPF_OBJ_GET_INFO_BY_FD, struct.pack("IIQ", fd, 256, ctypes.addressof(info)))
        name = info.raw[24:40].split(b"\0")[0]
        if name == b"vtax_cfg_map":
            return fd
        os.close(fd)
    return None


def main():
    pid, secs = int(sys.argv[1]), float(sys.argv[2])
    t_end = time.monotonic() + secs
    fd = None
    while fd is None and time.monotonic() < t_end and os.path.exists(f"/proc/{pid}"):
        fd = cfg_fd(pid)
        if fd is None:
            time.sleep(0.05)
    if fd is None:
        print("0 0 0 0 0 0 0")
        return 1
    key = ctypes.c_uint32(0)
    val = ctypes.create_string_buffer(CFG_SIZE)
    attr = struct.pack("IIQQQ", fd, 0, ctypes.addressof(key), ctypes.addressof(val), 0)
    polls, fds = [], []
    while time.monotonic() < t_end and os.path.exists(f"/proc/{pid}"):
        try:
            bpf(BPF_MAP_LOOKUP_ELEM, attr)
        except OSError:
            break
        off, = struct.unpack_from("I", val.raw, OFF_SAMPLE_OFF)
        epoch, = struct.unpack_from("Q", val.raw, OFF_EPOCH)
        polls.append((off, epoch))
        if len(polls) % 50 == 1:
            try:
                fds.append(len(os.listdir(f"/proc/{pid}/fd")))
            except OSError:
                pass
        time.sleep(0.0005)
    # the start-up and the end (the gate is open before sampling starts and
    # stays as it was at close) are left out
    polls = polls[len(polls) // 20: -len(polls) // 20 or None]
    n = len(polls)
    on = sum(1 for o, _ in polls if not o & 1)
    off_all = sum(1 for o, _ in polls if o & 3 == 3)
    sw = sum(1 for a, b in zip(polls, polls[1:]) if (a[0] & 1) != (b[0] & 1))
    epochs = len({e for _, e in polls})
    fds = fds[len(fds) // 20: -len(fds) // 20 or None]
    half = len(fds) // 2
    print(n, on / max(n, 1), off_all / max(n, 1), sw, epochs, max(fds[:half] or [0]), max(fds[half:] or [0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
