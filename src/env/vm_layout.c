// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vm_layout.c - where the vm environment's virtio devices take their queue
 * notifications, so that the kvm family's kvm.notify{space, addr, queue}
 * series can be named by device: kvm.notify{..., device=virtio-net,
 * vq=tx}.
 *
 * The layout comes from the guest's own VMM: QEMU's human monitor (a unix
 * socket vtax gives it) answers `info qtree`, which lists every device with
 * its transport's address:
 *
 *   dev: virtio-mmio, id ""                 (microvm; virtio-mmio transport)
 *     mmio 00000000feb00e00/0000000000000200
 *     bus: virtio-mmio-bus.7
 *       dev: virtio-net-device, id ""
 *
 *   dev: virtio-net-pci, id ""              (pc; virtio-pci transport)
 *     bar 0: i/o at 0xc000 [0xc01f]
 *     bar 4: mem at 0xfe000000 [0xfe003fff]
 *
 * The notify register of each transport (the virtio spec, and QEMU's
 * defaults for what the spec leaves to the device):
 *   virtio-mmio     base + 0x50 (QueueNotify), the queue index is the data;
 *   virtio-pci      modern: BAR4 + 0x3000 (QEMU's notify capability) +
 *                   4 x queue (notify_off_multiplier 4);
 *                   legacy: BAR0 (i/o) + 0x10, the queue index is the data.
 * Queue roles: virtio-net 0 rx, 1 tx, 2 ctrl (one queue pair); virtio-blk
 * 0 requests; virtio-serial 0/1 port 0 rx/tx, 2/3 control rx/tx, then
 * rx/tx per port.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "env/env.h"
#include "env/vm_layout.h"
#include "util/clock.h"

#define MMIO_QUEUE_NOTIFY 0x50
#define PCI_MODERN_NOTIFY 0x3000
#define PCI_MODERN_NOTIFY_LEN 0x1000
#define PCI_NOTIFY_MULT 4
#define PCI_LEGACY_NOTIFY 0x10

/* "virtio-net-pci" / "virtio-net-device" -> "virtio-net" */
static void device_name(const char *dev, char *out, size_t len)
{
	size_t n = strlen(dev);

	if (n > 4 && strcmp(dev + n - 4, "-pci") == 0)
		n -= 4;
	else if (n > 7 && strcmp(dev + n - 7, "-device") == 0)
		n -= 7;
	snprintf(out, len, "%.*s", (int)n, dev);
}

/* A notify window [lo, lo+len) in space; queue_stride 0: one address for
 * every queue (the queue index is written). NULL when the table is full. */
static struct vtax_vm_notify *add_window(struct vtax_vm_layout *l, int space, unsigned long long lo,
					 unsigned long long len, int queue_stride)
{
	struct vtax_vm_notify *w;

	if (l->n >= VTAX_VM_MAX_NOTIFY)
		return NULL;
	w = memset(&l->w[l->n++], 0, sizeof(l->w[0]));
	w->space = space;
	w->lo = lo;
	w->hi = lo + len;
	w->queue_stride = queue_stride;
	return w;
}

/* A BAR's address as `info qtree` prints it: 0 or all ones = unassigned */
static int bar_assigned(unsigned long long a)
{
	return a && a != 0xffffffffffffffffull;
}

/*
 * Parse `info qtree`.  The transport's address comes before the device
 * under it (virtio-mmio) or is the device itself (virtio-pci): a
 * virtio-mmio window waits, unnamed, for the first "dev: virtio-..." below
 * it; a window nothing is plugged into is dropped.
 */
int vtax_vm_layout__parse(const char *qtree, struct vtax_vm_layout *l)
{
	const char *p = qtree;
	char pci_dev[64] = "";
	int mmio_pending = -1;

	memset(l, 0, sizeof(*l));
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char line[256], dev[64];
		unsigned long long a, b;
		struct vtax_vm_notify *w;

		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1), p);
		p += n + (e ? 1 : 0);
		const char *t = line + strspn(line, " ");

		if (sscanf(t, "dev: %63[^,]", dev) == 1) {
			pci_dev[0] = 0;
			if (strncmp(dev, "virtio-", 7) || strcmp(dev, "virtio-mmio") == 0)
				continue;
			if (mmio_pending >= 0 && !l->w[mmio_pending].device[0]) {
				device_name(dev, l->w[mmio_pending].device, sizeof(l->w[0].device));
				mmio_pending = -1;
			} else if (strstr(dev, "-pci")) {
				snprintf(pci_dev, sizeof(pci_dev), "%s", dev);
			}
		} else if (sscanf(t, "mmio %llx/%llx", &a, &b) == 2 && b == 0x200) {
			/* a virtio-mmio transport's register window (other sysbus
			 * devices have other sizes) */
			if (mmio_pending >= 0 && !l->w[mmio_pending].device[0])
				l->n--; /* the previous slot had nothing plugged in */
			w = add_window(l, VTAX_VM_SPACE_MMIO, a + MMIO_QUEUE_NOTIFY, 4, 0);
			if (w)
				mmio_pending = (int)(w - l->w);
		} else if (pci_dev[0] && sscanf(t, "bar 4: mem at %llx [%llx]", &a, &b) == 2 && bar_assigned(a)) {
			/* modern virtio-pci: the notify capability in BAR 4 */
			w = add_window(l, VTAX_VM_SPACE_MMIO, a + PCI_MODERN_NOTIFY, PCI_MODERN_NOTIFY_LEN,
				       PCI_NOTIFY_MULT);
			if (w)
				device_name(pci_dev, w->device, sizeof(w->device));
		} else if (pci_dev[0] && sscanf(t, "bar 0: i/o at %llx [%llx]", &a, &b) == 2 && bar_assigned(a)) {
			/* legacy virtio-pci: the queue-notify port in BAR 0 */
			w = add_window(l, VTAX_VM_SPACE_PIO, a + PCI_LEGACY_NOTIFY, 2, 0);
			if (w)
				device_name(pci_dev, w->device, sizeof(w->device));
		}
	}
	if (mmio_pending >= 0 && !l->w[mmio_pending].device[0])
		l->n--;
	return l->n;
}

static const char *queue_role(const char *device, int q)
{
	static const char *const net[] = { "rx", "tx", "ctrl" };
	static const char *const serial[] = { "port0-rx", "port0-tx", "ctrl-rx", "ctrl-tx" };

	if (q < 0)
		return NULL;
	if (strcmp(device, "virtio-net") == 0 && q < 3)
		return net[q];
	if (strcmp(device, "virtio-blk") == 0)
		return "requests";
	if (strcmp(device, "virtio-serial") == 0 && q < 4)
		return serial[q];
	return NULL;
}

/* The device (and the queue's role) a notify address belongs to; NULL if none. */
const char *vtax_vm_layout__lookup(const struct vtax_vm_layout *l, int space, unsigned long long addr, int *queue,
				   const char **role)
{
	for (int i = 0; i < l->n; i++) {
		const struct vtax_vm_notify *w = &l->w[i];

		if (w->space != space || addr < w->lo || addr >= w->hi)
			continue;
		if (w->queue_stride && *queue < 0)
			*queue = (int)((addr - w->lo) / (unsigned long long)w->queue_stride);
		*role = queue_role(w->device, *queue);
		return w->device;
	}
	return NULL;
}

/* Name every kvm.notify series of r by device (and queue role). */
int vtax_vm_layout__name_notifies(const struct vtax_vm_layout *l, struct vtax_result *r)
{
	int named = 0;

	for (size_t s = 0; l->n && s < r->nsubjects; s++) {
		struct vtax_subject *subj = &r->subjects[s];

		for (size_t i = 0; i < subj->nseries; i++) {
			struct vtax_series *se = &subj->series[i];
			const char *space, *addr, *q, *dev, *role = NULL;
			int queue;
			char buf[16];

			if (strcmp(se->family, "kvm") || strcmp(se->name, "notify") || vtax_series__label(se, "device"))
				continue;
			space = vtax_series__label(se, "space");
			addr = vtax_series__label(se, "addr");
			q = vtax_series__label(se, "queue");
			if (!space || !addr)
				continue;
			queue = q ? atoi(q) : -1;
			dev = vtax_vm_layout__lookup(l, strcmp(space, "pio") ? VTAX_VM_SPACE_MMIO : VTAX_VM_SPACE_PIO,
						     strtoull(addr, NULL, 0), &queue, &role);
			if (!dev)
				continue;
			vtax_series__add_label(se, "device", dev);
			if (!q && queue >= 0) {
				snprintf(buf, sizeof(buf), "%d", queue);
				vtax_series__add_label(se, "queue", buf);
			}
			if (role)
				vtax_series__add_label(se, "vq", role);
			named++;
		}
	}
	return named;
}

/* ---- QEMU's human monitor ---- */

/* Read until the monitor's "(qemu) " prompt; the text before it in out. */
static int read_to_prompt(int fd, char *out, size_t len, double deadline)
{
	size_t n = 0;

	out[0] = 0;
	while (vtax_now_s() < deadline) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pf, 1, 100) <= 0)
			continue;
		if (n + 1 >= len)
			return -E2BIG;
		r = read(fd, out + n, len - n - 1);
		if (r <= 0)
			return r ? -errno : -EPIPE;
		n += (size_t)r;
		out[n] = 0;
		if (n >= 7 && strcmp(out + n - 7, "(qemu) ") == 0) {
			out[n - 7] = 0;
			return 0;
		}
	}
	return -ETIMEDOUT;
}

int vtax_vm_layout__query(const char *monitor_sock, struct vtax_vm_layout *l, double timeout_s)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	double deadline = vtax_now_s() + timeout_s;
	size_t cap = 1 << 18;
	char *buf = malloc(cap);
	int fd = -1, r;

	memset(l, 0, sizeof(*l));
	if (!buf)
		return -ENOMEM;
	if (strlen(monitor_sock) >= sizeof(a.sun_path)) {
		r = -ENAMETOOLONG;
		goto out;
	}
	strcpy(a.sun_path, monitor_sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		r = -errno;
		goto out;
	}
	r = read_to_prompt(fd, buf, cap, deadline); /* the banner */
	if (!r && write(fd, "info qtree\n", 11) != 11)
		r = -errno;
	if (!r)
		r = read_to_prompt(fd, buf, cap, deadline);
	if (!r)
		r = vtax_vm_layout__parse(buf, l) > 0 ? 0 : -ENOENT;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}
