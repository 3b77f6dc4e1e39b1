// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * env_image.c - offline assembly of root filesystems for containers and
 * guests.  No registry is reachable, so vtax builds what it runs from the
 * host's own files:
 *
 *   busybox-static (/bin/busybox + applet links) for a shell and tools,
 *   the server binary (`cp -L`, under the name the server expects), every
 *   library `ldd` lists plus the dynamic loader, the data files it needs
 *   (MariaDB's /usr/share/mysql), and the calling vtax binary with its
 *   libraries as /usr/bin/vtax so `vtax load io ...` runs inside.
 *
 * The tree is then either tarred into `docker import` (env_docker.c) or
 * written here as a newc cpio archive for a guest initramfs (env_vm.c);
 * newc is simple enough to write directly, which saves a dependency and
 * lets vtax add /dev/console without mknod.  Guest kernel modules are
 * ordered by their "depends=" in .modinfo (read with libelf): Debian's
 * kernel .deb has no modules.dep.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "env/env.h"

struct vtax_rootfs {
	char dir[512];
	unsigned long long hash;
};

static void hash_add(unsigned long long *h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		*h ^= c[i];
		*h *= 0x100000001b3ULL;
	}
}

struct vtax_rootfs *vtax_rootfs__new(const char *dir)
{
	struct vtax_rootfs *r = calloc(1, sizeof(*r));
	static const char *const dirs[] = { "bin", "dev", "etc", "proc", "sys", "run", "data", "usr/bin", "usr/sbin" };

	if (!r)
		return NULL;
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	r->hash = 0xcbf29ce484222325ULL;
	if (vtax_env__mkdirp(dir, 0755)) {
		free(r);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		vtax_rootfs__add_dir(r, dirs[i], 0755);
	vtax_rootfs__add_dir(r, "tmp", 01777);
	vtax_rootfs__add_text(r, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644);
	vtax_rootfs__add_text(r, "etc/group", "root:x:0:\n", 0644);
	return r;
}

void vtax_rootfs__free(struct vtax_rootfs *r)
{
	free(r);
}

const char *vtax_rootfs__dir(const struct vtax_rootfs *r)
{
	return r->dir;
}

unsigned long long vtax_rootfs__hash(const struct vtax_rootfs *r)
{
	return r->hash;
}

static int target(const struct vtax_rootfs *r, const char *dst, char *out, size_t len)
{
	while (*dst == '/')
		dst++;
	if ((size_t)snprintf(out, len, "%s/%s", r->dir, dst) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int parent_dirs(const char *path)
{
	char d[1024];
	char *s;

	snprintf(d, sizeof(d), "%s", path);
	s = strrchr(d, '/');
	if (!s || s == d)
		return 0;
	*s = 0;
	return vtax_env__mkdirp(d, 0755);
}

int vtax_rootfs__add_dir(struct vtax_rootfs *r, const char *dst, mode_t mode)
{
	char t[1024];
	int ret = target(r, dst, t, sizeof(t));

	if (ret)
		return ret;
	ret = vtax_env__mkdirp(t, 0755);
	if (!ret)
		chmod(t, mode);
	return ret;
}

int vtax_rootfs__add_text(struct vtax_rootfs *r, const char *dst, const char *text, mode_t mode)
{
	char t[1024];
	size_t n = strlen(text);
	int fd, ret = target(r, dst, t, sizeof(t));

	if (ret || (ret = parent_dirs(t)))
		return ret;
	fd = open(t, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != (ssize_t)n)
		ret = -EIO;
	fchmod(fd, mode);
	close(fd);
	hash_add(&r->hash, dst, strlen(dst));
	hash_add(&r->hash, text, n);
	return ret;
}

/* cp -L: the content of what src points to, at dst. */
int vtax_rootfs__add_file(struct vtax_rootfs *r, const char *src, const char *dst, mode_t mode)
{
	char t[1024];
	struct stat st, tst;
	int in, out, ret;
	off_t left;

	ret = target(r, dst ? dst : src, t, sizeof(t));
	if (ret)
		return ret;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	if (fstat(in, &st)) {
		ret = -errno;
		close(in);
		return ret;
	}
	/* Already there (a library two binaries share): nothing to do. */
	if (lstat(t, &tst) == 0 && S_ISREG(tst.st_mode) && tst.st_size == st.st_size) {
		close(in);
		return 0;
	}
	ret = parent_dirs(t);
	if (ret) {
		close(in);
		return ret;
	}
	unlink(t);
	out = open(t, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	left = st.st_size;
	while (left > 0) {
		ssize_t n = sendfile(out, in, NULL, left > (1 << 30) ? (1 << 30) : left);

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		left -= n;
	}
	fchmod(out, mode ? mode : (st.st_mode & 07777));
	close(out);
	close(in);
	hash_add(&r->hash, t + strlen(r->dir), strlen(t) - strlen(r->dir));
	hash_add(&r->hash, &st.st_size, sizeof(st.st_size));
	hash_add(&r->hash, &st.st_mtim, sizeof(st.st_mtim));
	return ret;
}

int vtax_rootfs__add_binary(struct vtax_rootfs *r, const char *src, const char *dst)
{
	char out[8192], *save = NULL, *argv[] = { "ldd", (char *)src, NULL };
	struct vtax_run_opts ro = { .timeout_s = 20 };
	int ret;

	ret = vtax_rootfs__add_file(r, src, dst, 0);
	if (ret)
		return ret;
	ret = vtax_spawn__run(argv, out, sizeof(out), &ro);
	if (ret < 0)
		return ret;
	if (ret != 0)
		return 0; /* static binary: "not a dynamic executable" */
	/*
	 * Lines are "name => /path (addr)", "/lib64/ld-linux... (addr)" or
	 * "linux-vdso.so.1 (addr)": copy every absolute path.
	 */
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = strstr(line, "=> ");
		char path[512];

		p = p ? p + 3 : line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '/')
			continue;
		snprintf(path, sizeof(path), "%.*s", (int)strcspn(p, " \t("), p);
		ret = vtax_rootfs__add_file(r, path, path, 0);
		if (ret)
			return ret;
	}
	return 0;
}

static struct vtax_rootfs *tree_r;
static const char *tree_src, *tree_dst;
static int tree_err;

static int tree_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	char dst[1024];

	(void)f;
	snprintf(dst, sizeof(dst), "%s%s", tree_dst, p + strlen(tree_src));
	if (flag == FTW_D) {
		tree_err = vtax_rootfs__add_dir(tree_r, dst, st->st_mode & 07777);
	} else if (flag == FTW_F) {
		tree_err = vtax_rootfs__add_file(tree_r, p, dst, 0);
	} else if (flag == FTW_SL) {
		char t[1024], tgt[512];
		ssize_t n = readlink(p, tgt, sizeof(tgt) - 1);

		if (n > 0 && target(tree_r, dst, t, sizeof(t)) == 0) {
			tgt[n] = 0;
			parent_dirs(t);
			unlink(t);
			if (symlink(tgt, t))
				tree_err = -errno;
		}
	}
	return tree_err ? 1 : 0;
}

/* Not reentrant (nftw has no context pointer); set-up is single-threaded. */
int vtax_rootfs__add_tree(struct vtax_rootfs *r, const char *src, const char *dst)
{
	tree_r = r;
	tree_src = src;
	tree_dst = dst;
	tree_err = 0;
	if (nftw(src, tree_one, 32, FTW_PHYS) < 0 && !tree_err)
		return -errno;
	return tree_err;
}

int vtax_rootfs__add_busybox(struct vtax_rootfs *r)
{
	static char *argv[] = { "/bin/busybox", "--list", NULL };
	struct vtax_run_opts ro = { .timeout_s = 10 };
	char out[8192], *save = NULL;
	int ret;

	ret = vtax_rootfs__add_file(r, "/bin/busybox", "/bin/busybox", 0755);
	if (ret)
		return ret;
	ret = vtax_spawn__run(argv, out, sizeof(out), &ro);
	if (ret)
		return ret < 0 ? ret : -ENOEXEC;
	for (char *a = strtok_r(out, "\n", &save); a; a = strtok_r(NULL, "\n", &save)) {
		char t[1024], rel[300];
		struct stat st;

		snprintf(rel, sizeof(rel), "bin/%s", a);
		if (target(r, rel, t, sizeof(t)) || lstat(t, &st) == 0)
			continue;
		if (symlink("busybox", t))
			return -errno;
	}
	return 0;
}

int vtax_rootfs__add_server(struct vtax_rootfs *r, enum vtax_env_server s)
{
	int ret;

	switch (s) {
	case VTAX_SERVER_REDIS:
		/* Debian's redis-server is a symlink; redis picks its mode from argv[0]. */
		return vtax_rootfs__add_binary(r, "/usr/bin/redis-server", "/usr/bin/redis-server");
	case VTAX_SERVER_MARIADB:
		ret = vtax_rootfs__add_binary(r, access("/usr/sbin/mariadbd", X_OK) == 0 ? "/usr/sbin/mariadbd"
											 : "/usr/sbin/mysqld",
					      "/usr/sbin/mariadbd");
		if (ret)
			return ret;
		/* errmsg.sys and charsets (lc-messages-dir, character-sets-dir). */
		return vtax_rootfs__add_tree(r, "/usr/share/mysql", "/usr/share/mysql");
	default:
		return 0;
	}
}

int vtax_rootfs__add_vtax(struct vtax_rootfs *r, const char *exe)
{
	char path[512];
	ssize_t n;

	/* Resolve now: `ldd /proc/self/exe` would describe ldd itself. */
	n = readlink(exe ? exe : "/proc/self/exe", path, sizeof(path) - 1);
	if (n > 0)
		path[n] = 0;
	else
		snprintf(path, sizeof(path), "%s", exe ? exe : "/proc/self/exe");
	return vtax_rootfs__add_binary(r, path, "/usr/bin/vtax");
}

/* ---- newc cpio ---- */

struct cpio_w {
	FILE *f;
	const char *root;
	unsigned int ino;
	int err;
};
static struct cpio_w *cw;

static int cpio_pad(FILE *f)
{
	long pos = ftell(f);

	while (pos % 4) {
		fputc(0, f);
		pos++;
	}
	return 0;
}

static void cpio_entry(struct cpio_w *w, const char *name, mode_t mode, unsigned int size, unsigned int rmaj,
		       unsigned int rmin, unsigned int mtime)
{
	size_t nl = strlen(name) + 1;

	fprintf(w->f, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ++w->ino, (unsigned)mode, 0u, 0u,
		S_ISDIR(mode) ? 2u : 1u, mtime, size, 0u, 0u, rmaj, rmin, (unsigned)nl, 0u);
	fwrite(name, 1, nl, w->f);
	cpio_pad(w->f);
}

static int cpio_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	const char *name = p + strlen(cw->root);

	(void)f;
	while (*name == '/')
		name++;
	if (!*name)
		return 0;
	if (flag == FTW_D) {
		cpio_entry(cw, name, S_IFDIR | (st->st_mode & 07777), 0, 0, 0, st->st_mtime);
	} else if (flag == FTW_SL) {
		char tgt[512];
		ssize_t n = readlink(p, tgt, sizeof(tgt));

		if (n < 0)
			return cw->err = -errno, 1;
		cpio_entry(cw, name, S_IFLNK | 0777, n, 0, 0, st->st_mtime);
		fwrite(tgt, 1, n, cw->f);
		cpio_pad(cw->f);
	} else if (flag == FTW_F) {
		FILE *in = fopen(p, "re");
		char buf[65536];
		size_t n;

		if (!in)
			return cw->err = -errno, 1;
		cpio_entry(cw, name, S_IFREG | (st->st_mode & 07777), st->st_size, 0, 0, st->st_mtime);
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, n, cw->f);
		fclose(in);
		cpio_pad(cw->f);
	}
	return 0;
}

int vtax_rootfs__write_cpio(const struct vtax_rootfs *r, const char *path)
{
	struct cpio_w w = { .root = r->dir };
	int ret = 0;

	w.f = fopen(path, "we");
	if (!w.f)
		return -errno;
	cw = &w;
	if (nftw(r->dir, cpio_one, 32, FTW_PHYS) < 0 && !w.err)
		w.err = -errno;
	/* The kernel opens /dev/console before init: give it one. */
	cpio_entry(&w, "dev/console", S_IFCHR | 0600, 0, 5, 1, 0);
	cpio_entry(&w, "TRAILER!!!", 0, 0, 0, 0, 0);
	cw = NULL;
	if (ferror(w.f))
		ret = -EIO;
	if (fclose(w.f) && !ret)
		ret = -errno;
	return w.err ? w.err : ret;
}

/* ---- kernel modules in dependency order ---- */

static char (*km_names)[64], (*km_paths)[512];
static int km_n, km_cap;

static void mod_norm(char *s)
{
	for (; *s; s++)
		if (*s == '-')
			*s = '_';
}

static int km_scan(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	const char *b = p + f->base;
	size_t n = strlen(b);

	(void)st;
	if (flag != FTW_F || n < 4 || strcmp(b + n - 3, ".ko"))
		return 0;
	if (km_n == km_cap) {
		int cap = km_cap ? km_cap * 2 : 1024;
		void *a = realloc(km_names, cap * sizeof(*km_names)), *b2;

		if (!a)
			return 1;
		km_names = a;
		b2 = realloc(km_paths, cap * sizeof(*km_paths));
		if (!b2)
			return 1;
		km_paths = b2;
		km_cap = cap;
	}
	snprintf(km_names[km_n], sizeof(km_names[0]), "%.*s", (int)(n - 3), b);
	mod_norm(km_names[km_n]);
	snprintf(km_paths[km_n], sizeof(km_paths[0]), "%s", p);
	km_n++;
	return 0;
}

/* "depends=" of a module's .modinfo (comma-separated names). */
static int mod_depends(const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -ENOENT;
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t shstr;

	out[0] = 0;
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstr)) {
		if (elf)
			elf_end(elf);
		close(fd);
		return -EINVAL;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *nm;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(nm = elf_strptr(elf, shstr, sh.sh_name)) || strcmp(nm, ".modinfo"))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d)
			break;
		for (size_t off = 0; off < d->d_size;) {
			const char *s = (const char *)d->d_buf + off;
			size_t sl = strnlen(s, d->d_size - off);

			if (strncmp(s, "depends=", 8) == 0) {
				snprintf(out, len, "%.*s", (int)(sl - 8), s + 8);
				ret = 0;
			}
			off += sl + 1;
		}
		if (ret)
			ret = 0; /* no depends= line: none */
		break;
	}
	elf_end(elf);
	close(fd);
	return ret;
}

static int km_find(const char *name)
{
	char n[64];

	snprintf(n, sizeof(n), "%s", name);
	mod_norm(n);
	for (int i = 0; i < km_n; i++)
		if (strcmp(km_names[i], n) == 0)
			return i;
	return -1;
}

static int km_visit(int idx, char *done, char (*out)[512], int *nout, int max, int depth)
{
	char deps[512], *save = NULL;
	int ret;

	if (done[idx])
		return 0;
	if (depth > 32)
		return -ELOOP;
	ret = mod_depends(km_paths[idx], deps, sizeof(deps));
	if (ret)
		return ret;
	for (char *d = strtok_r(deps, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		int j = km_find(d);

		if (j < 0)
			return -ENOENT;
		ret = km_visit(j, done, out, nout, max, depth + 1);
		if (ret)
			return ret;
	}
	if (done[idx])
		return 0;
	if (*nout >= max)
		return -E2BIG;
	snprintf(out[(*nout)++], 512, "%s", km_paths[idx]);
	done[idx] = 1;
	return 0;
}

int vtax_kmod__resolve(const char *moddir, const char *const names[], char (*out)[512], int max)
{
	int nout = 0, ret = 0;
	char *done;

	km_n = 0;
	if (nftw(moddir, km_scan, 32, FTW_PHYS) < 0) {
		ret = -errno;
		goto out;
	}
	done = calloc(km_n ? km_n : 1, 1);
	if (!done) {
		ret = -ENOMEM;
		goto out;
	}
	for (int i = 0; names[i] && !ret; i++) {
		int idx = km_find(names[i]);

		/* A missing module may be built in: the kernel config decides. */
		if (idx < 0)
			continue;
		ret = km_visit(idx, done, out, &nout, max, 0);
	}
	free(done);
out:
	free(km_names);
	free(km_paths);
	km_names = NULL;
	km_paths = NULL;
	km_n = km_cap = 0;
	return ret ? ret : nout;
}

struct vtax_rootfs *vtax_rootfs__new_workload(const char *dir, enum vtax_env_server s,
					       const char *exe, int *ret)
{
	struct vtax_rootfs *r = vtax_rootfs__new(dir);

	if (!r) {
		*ret = -ENOMEM;
		return NULL;
	}
	*ret = vtax_rootfs__add_busybox(r);
	if (!*ret)
		*ret = vtax_rootfs__add_server(r, s);
	if (!*ret)
		*ret = vtax_rootfs__add_vtax(r, exe);
	if (*ret) {
		vtax_rootfs__free(r);
		return NULL;
	}
	return r;
}
