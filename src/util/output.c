// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * output.c - atomic output files (see output.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/output.h"

/*
 * A symlink in a shared directory (sticky and world-writable, like /tmp)
 * may have been planted by another user to make root write elsewhere:
 * never followed.  Elsewhere a symlink is the owner's choice.  Regular
 * files are never written through a link anyway: the temp file is made
 * with O_EXCL (mkstemp) and renamed over the link itself.
 */
static int shared_dir_symlink(const char *path)
{
	char dir[sizeof(((struct vtax_out *)0)->path)];
	struct stat st;
	char *slash;

	if (lstat(path, &st) || !S_ISLNK(st.st_mode))
		return 0;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	return stat(dir, &st) == 0 && (st.st_mode & S_ISVTX) && (st.st_mode & S_IWOTH);
}

int vtax_out__open(struct vtax_out *o, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	memset(o, 0, sizeof(*o));
	snprintf(o->path, sizeof(o->path), "%s", path);
	if (!strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	if (shared_dir_symlink(path)) {
		snprintf(err, errlen, "cannot write %s: a symlink in a shared directory (not followed)", path);
		return -ELOOP;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		o->f = fopen(path, "w");
		if (!o->f) {
			snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
			return -errno;
		}
		return 0;
	}
	snprintf(o->tmp, sizeof(o->tmp), "%s.XXXXXX", path);
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
		o->tmp[0] = '\0';
		return -e;
	}
	fchmod(fd, 0644);
	o->f = fdopen(fd, "w");
	if (!o->f) {
		int e = errno;

		close(fd);
		unlink(o->tmp);
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

int vtax_out__commit(struct vtax_out *o, char *err, size_t errlen)
{
	int bad;

	if (o->f == stdout)
		return fflush(stdout) ? -EIO : 0;
	int e = 0;

	/* flush first: its errno says why (ENOSPC), fclose's may not */
	errno = 0;
	bad = fflush(o->f) != 0 || ferror(o->f);
	e = errno;
	if (fclose(o->f)) {
		e = e ? e : errno;
		bad = 1;
	}
	o->f = NULL;
	if (bad) {
		snprintf(err, errlen, "cannot write %s: %s", o->path, strerror(e ? e : EIO));
		if (o->tmp[0])
			unlink(o->tmp);
		return -EIO;
	}
	if (o->tmp[0] && rename(o->tmp, o->path)) {
		int e = errno;

		snprintf(err, errlen, "cannot write %s: %s", o->path, strerror(e));
		unlink(o->tmp);
		return -e;
	}
	return 0;
}

void vtax_out__abort(struct vtax_out *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp[0])
		unlink(o->tmp);
}

int vtax_out__check(const char *path, char *err, size_t errlen)
{
	struct vtax_out o;
	struct stat st;

	if (!strcmp(path, "-"))
		return 0;
	if (shared_dir_symlink(path)) {
		snprintf(err, errlen, "cannot write %s: a symlink in a shared directory (not followed)", path);
		return -ELOOP;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (access(path, W_OK)) {
			int e = errno;

			snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
			return -e;
		}
		return 0;
	}
	if (vtax_out__open(&o, path, err, errlen))
		return -EACCES;
	vtax_out__abort(&o);
	return 0;
}
