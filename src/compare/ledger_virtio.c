// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ledger_virtio.c - the vm environment's virtio notifications in the
 * ledger: how often per operation the guest kicked each device's queue
 * (kvm.notify series, named by device and vq from QEMU's layout:
 * env/vm_layout.c) and the in-kernel exit time they took.
 *
 * Information, not a cause: a notify is an exit (npf on SVM, EPT
 * misconfig on VMX, io for legacy PIO) that KVM completes by signalling an
 * ioeventfd, so its time is already inside the KVM exits cause.  What the
 * breakdown adds is *which* device costs the exits: the knob (vhost-net,
 * event-idx, batching) depends on it.
 */
#include <stdio.h>
#include <string.h>
#include "compare/ledger.h"

void vtax_ledger_env__virtio(struct vtax_ledger_env *le, const struct vtax_ledger_input *in)
{
	const struct vtax_result *r = in->traced;

	le->nnotify = 0;
	if (!r || !in->traced_ops)
		return;
	for (size_t s = 0; s < r->nsubjects; s++) {
		const struct vtax_subject *subj = &r->subjects[s];

		for (size_t i = 0; i < subj->nseries; i++) {
			const struct vtax_series *se = &subj->series[i];
			const char *dev, *vq;
			struct vtax_ledger_notify *n = NULL;

			if (strcmp(se->family, "kvm") || strcmp(se->name, "notify"))
				continue;
			dev = vtax_series__label(se, "device");
			vq = vtax_series__label(se, "vq");
			if (!vq)
				vq = vtax_series__label(se, "queue");
			for (int k = 0; k < le->nnotify; k++)
				if (!strcmp(le->notify[k].device, dev ? dev : "unknown") &&
				    !strcmp(le->notify[k].vq, vq ? vq : "?"))
					n = &le->notify[k];
			if (!n) {
				if (le->nnotify >= VTAX_LEDGER_MAX_NOTIFY)
					continue;
				n = &le->notify[le->nnotify++];
				memset(n, 0, sizeof(*n));
				snprintf(n->device, sizeof(n->device), "%s", dev ? dev : "unknown");
				snprintf(n->vq, sizeof(n->vq), "%s", vq ? vq : "?");
			}
			n->per_op += (double)se->hist.count / (double)in->traced_ops;
			n->ns_per_op += (double)se->hist.sum_ns / (double)in->traced_ops;
		}
	}
}

json_t *vtax_ledger_env__virtio_json(const struct vtax_ledger_env *le)
{
	json_t *a = json_array();

	for (int k = 0; a && k < le->nnotify; k++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:f,s:f}", "device", le->notify[k].device, "vq",
						   le->notify[k].vq, "per_op", le->notify[k].per_op,
						   "exit_ns_per_op", le->notify[k].ns_per_op));
	return a;
}
