/* env_vm.c - the vm environment (QEMU guest); being written. */
#include <errno.h>
#include <stdio.h>
#include "env.h"

int vtax_env_vm__setup(const struct vtax_env_opts *o, struct vtax_env *e, double deadline, char *err, size_t errlen)
{
	(void)o; (void)e; (void)deadline;
	snprintf(err, errlen, "vm: not available yet");
	return -ENOTSUP;
}
int vtax_env_vm__teardown(struct vtax_env *e) { (void)e; return 0; }
int vtax_env_vm__exec(struct vtax_env *e, char *const argv[], char *out, size_t outlen, double timeout_s)
{ (void)e; (void)argv; (void)out; (void)outlen; (void)timeout_s; return -ENOTSUP; }
int vtax_env_vm__cleanup_stale(char *report, size_t len) { (void)report; (void)len; return 0; }
