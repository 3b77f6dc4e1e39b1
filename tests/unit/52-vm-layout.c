// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 52-vm-layout - naming virtio notifications by device (src/env/vm_layout.c)
 * from QEMU 7.2's own `info qtree` answers, captured over its monitor
 * socket (tests/fixtures/qtree-*.txt): a microvm with virtio-net, -blk and
 * -serial on virtio-mmio (21 empty transports beside them), and a PC
 * machine with the same devices on virtio-pci after SeaBIOS assigned their
 * BARs.  Each notify register is where the virtio spec and QEMU put it;
 * kvm.notify series of a result get device and vq labels, others none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "env/vm_layout.h"
#include "result/result.h"
#include "tap.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *b = calloc(1, 1 << 18);
	size_t n;

	if (!f || !b) {
		if (f)
			fclose(f);
		free(b);
		return NULL;
	}
	n = fread(b, 1, (1 << 18) - 1, f);
	b[n] = 0;
	fclose(f);
	return b;
}

/* "" for an absent label, so a failed check prints rather than crashes */
static const char *label(const struct vtax_series *se, const char *k)
{
	const char *v = vtax_series__label(se, k);

	return v ? v : "";
}

static void check_lookup(const struct vtax_vm_layout *l, int space, unsigned long long a, int q_in,
			 const char *want_dev, int want_q, const char *want_role)
{
	const char *role = NULL;
	int q = q_in;
	const char *d = vtax_vm_layout__lookup(l, space, a, &q, &role);

	tap_ok(want_dev ? d && !strcmp(d, want_dev) && q == want_q &&
				  !strcmp(role ? role : "", want_role ? want_role : "")
			: d == NULL,
	       "%s 0x%llx queue %d -> %s queue %d %s (want %s %d %s)", space ? "pio" : "mmio", a, q_in,
	       d ? d : "none", q, role ? role : "-", want_dev ? want_dev : "none", want_q,
	       want_role ? want_role : "-");
}

int main(void)
{
	struct vtax_vm_layout l;
	char *t = slurp("tests/fixtures/qtree-microvm.txt");

	tap_ok(t != NULL, "read the microvm fixture");
	if (!t)
		return tap_done();
	int n = vtax_vm_layout__parse(t, &l);

	tap_ok(n == 3, "microvm: 3 virtio-mmio transports with a device (%d)", n);
	check_lookup(&l, VTAX_VM_SPACE_MMIO, 0xfeb02e50, 1, "virtio-net", 1, "tx");
	check_lookup(&l, VTAX_VM_SPACE_MMIO, 0xfeb02e50, 0, "virtio-net", 0, "rx");
	check_lookup(&l, VTAX_VM_SPACE_MMIO, 0xfeb02c50, 0, "virtio-blk", 0, "requests");
	check_lookup(&l, VTAX_VM_SPACE_MMIO, 0xfeb02a50, 3, "virtio-serial", 3, "ctrl-tx");
	check_lookup(&l, VTAX_VM_SPACE_MMIO, 0xfeb02850, 0, NULL, 0, NULL); /* empty transport */
	check_lookup(&l, VTAX_VM_SPACE_MMIO, 0xfeb02e00, 0, NULL, 0, NULL); /* not the notify register */
	check_lookup(&l, VTAX_VM_SPACE_PIO, 0xfeb02e50, 0, NULL, 0, NULL);
	free(t);

	t = slurp("tests/fixtures/qtree-pc.txt");
	tap_ok(t != NULL, "read the pc fixture");
	if (!t)
		return tap_done();
	/* each of 3 devices: a modern notify window (BAR4) and a legacy one (BAR0) */
	n = vtax_vm_layout__parse(t, &l);
	tap_ok(n == 6, "pc: 3 virtio-pci devices, 2 notify windows each (%d)", n);
	check_lookup(&l, VTAX_VM_SPACE_MMIO, 0xfebfc000ull + 0x3000 + 4 * 5, -1, "virtio-serial", 5, NULL);
	check_lookup(&l, VTAX_VM_SPACE_MMIO, 0xfebf8000ull + 0x3000, -1, "virtio-blk", 0, "requests");
	check_lookup(&l, VTAX_VM_SPACE_PIO, 0xc000 + 0x10, 0, "virtio-blk", 0, "requests");
	check_lookup(&l, VTAX_VM_SPACE_PIO, 0xc0c0 + 0x10, 1, "virtio-net", 1, "tx");
	check_lookup(&l, VTAX_VM_SPACE_MMIO, 0xfebf8000ull, -1, NULL, 0, NULL); /* common config, no notify */
	free(t);

	/* naming a result's series */
	t = slurp("tests/fixtures/qtree-microvm.txt");
	n = t ? vtax_vm_layout__parse(t, &l) : 0;
	free(t);
	if (n != 3)
		return tap_done();
	struct vtax_result *r = vtax_result__new("compare-env");
	struct vtax_subject *s = vtax_result__subject(r, "server", "vm");
	struct vtax_label a[3] = { { "space", "mmio" }, { "addr", "0xfeb02e50" }, { "queue", "1" } };
	struct vtax_label b[3] = { { "space", "mmio" }, { "addr", "0xfeb00e50" }, { "queue", "0" } };
	struct vtax_label c[1] = { { "reason", "npf" } };
	struct vtax_series *na = vtax_subject__series(s, "kvm", "notify", 3, a);
	struct vtax_series *nb = vtax_subject__series(s, "kvm", "notify", 3, b);
	struct vtax_series *ex = vtax_subject__series(s, "kvm", "exit", 1, c);

	tap_ok(vtax_vm_layout__name_notifies(&l, r) == 1, "one notify series named");
	tap_ok(!strcmp(label(na, "device"), "virtio-net") && !strcmp(label(na, "vq"), "tx"),
	       "the known address: device=%s vq=%s", label(na, "device"), label(na, "vq"));
	tap_ok(nb->nlabels == 3 && ex->nlabels == 1, "an unknown address and other series keep their labels");
	tap_ok(vtax_vm_layout__name_notifies(&l, r) == 0, "naming twice adds nothing");
	vtax_result__free(r);
	return tap_done();
}
