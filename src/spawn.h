/*
 * spawn.h - run a program with an argv array (never a shell), capture its
 * output, bound it in time.  Used for docker, ip, iptables, qemu helpers.
 */
#ifndef VTAX_SPAWN_H
#define VTAX_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

/* Run argv, wait at most timeout_s; stdout (and stderr when err_too) into
 * out (NUL-terminated, may be NULL).  Returns the exit status (0..255),
 * -ETIMEDOUT (child killed), or -errno when it could not start. */
int vtax_spawn__run(char *const argv[], char *out, size_t outlen, double timeout_s, int err_too);
/* Is argv[0] on PATH? */
int vtax_spawn__have(const char *prog);

#endif
