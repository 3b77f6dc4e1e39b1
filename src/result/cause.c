// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cause.c - the names of the cause ids (cause.h) in JSON.
 */
#include <string.h>
#include "result/cause.h"

static const char *const keys[VTAX_CAUSE__END] = {
	[VTAX_CAUSE_NAT] = "nat",
	[VTAX_CAUSE_HOPS] = "hops",
	[VTAX_CAUSE_FILTER] = "filter",
	[VTAX_CAUSE_PROXY] = "proxy",
	[VTAX_CAUSE_FS] = "fs",
	[VTAX_CAUSE_BLK] = "blk",
	[VTAX_CAUSE_RUNQ] = "runq",
	[VTAX_CAUSE_STEAL] = "steal",
	[VTAX_CAUSE_KVM_EXIT] = "kvm_exits",
	[VTAX_CAUSE_VMM] = "vmm",
	[VTAX_CAUSE_TCG] = "tcg",
	[VTAX_CAUSE_FS_REF] = "fs_ref",
	[VTAX_CAUSE_READ_WAIT] = "read_wait",
};

const char *vtax_cause__key(int cause)
{
	return cause >= 0 && cause < VTAX_CAUSE__END ? keys[cause] : NULL;
}

int vtax_cause__from_key(const char *key)
{
	for (int i = 0; key && i < VTAX_CAUSE__END; i++)
		if (!strcmp(keys[i], key))
			return i;
	return VTAX_CAUSE_NONE;
}
