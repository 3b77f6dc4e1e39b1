// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vm_layout.h - the vm environment's virtio notify registers, read from
 * QEMU's monitor, to name kvm.notify series by device and queue
 * (vm_layout.c explains the layout).
 */
#ifndef VTAX_VM_LAYOUT_H
#define VTAX_VM_LAYOUT_H

#include "result/result.h"

#define VTAX_VM_MAX_NOTIFY 32

enum { VTAX_VM_SPACE_MMIO, VTAX_VM_SPACE_PIO };

struct vtax_vm_notify {
	int space;                  /* VTAX_VM_SPACE_* */
	unsigned long long lo, hi;  /* notify addresses [lo, hi) */
	int queue_stride;           /* bytes per queue (virtio-pci modern); 0: the data is the queue */
	char device[32];            /* "virtio-net", "virtio-blk", "virtio-serial" */
};

struct vtax_vm_layout {
	int n;
	struct vtax_vm_notify w[VTAX_VM_MAX_NOTIFY];
};

/* Parse QEMU's `info qtree`; returns the number of notify windows found. */
int vtax_vm_layout__parse(const char *qtree, struct vtax_vm_layout *l);
/* Ask QEMU's human monitor at monitor_sock; 0 or -errno. */
int vtax_vm_layout__query(const char *monitor_sock, struct vtax_vm_layout *l, double timeout_s);
/* The device owning a notify address (queue: in, or derived from the address; role: "tx", ...). */
const char *vtax_vm_layout__lookup(const struct vtax_vm_layout *l, int space, unsigned long long addr, int *queue,
				   const char **role);
/* Add device (and vq) labels to every kvm.notify series of r; returns how many were named. */
int vtax_vm_layout__name_notifies(const struct vtax_vm_layout *l, struct vtax_result *r);

#endif
