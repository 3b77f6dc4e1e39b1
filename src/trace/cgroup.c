// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cgroup.c - locate cgroup directories and read CFS bandwidth statistics,
 * on cgroup v1 (hybrid, as Docker's cgroupfs driver uses) and v2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "trace/cgroup.h"

int vtax_cgroup__mount(const char *controller, char *out, size_t len, int *is_v2)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int rc;

	if (!f)
		return -errno;
	rc = vtax_cgroup__mount_from(f, controller, out, len, is_v2);
	fclose(f);
	return rc;
}

int vtax_cgroup__mount_from(FILE *f, const char *controller, char *out, size_t len, int *is_v2)
{
	char line[4096], v2[1024] = "";
	int found = 0;

	while (fgets(line, sizeof(line), f)) {
		char mnt[1024], fstype[64], src[256], opts[1024], *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s %255s %1023s", fstype, src, opts) != 3)
			continue;
		if (!strcmp(fstype, "cgroup2") && !v2[0])
			snprintf(v2, sizeof(v2), "%s", mnt);
		if (controller && !strcmp(fstype, "cgroup")) {
			char *save = NULL, *tok;

			for (tok = strtok_r(opts, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (!strcmp(tok, controller)) {
					snprintf(out, len, "%s", mnt);
					found = 1;
					break;
				}
			}
		}
		if (found)
			break;
	}
	if (found) {
		*is_v2 = 0;
		return 0;
	}
	if (v2[0]) {
		snprintf(out, len, "%s", v2);
		*is_v2 = 1;
		return 0;
	}
	return -ENOENT;
}

int vtax_cgroup__of_pid(pid_t pid, const char *controller, char *out, size_t len)
{
	char path[64], mnt[1024], rel[2048] = "";
	int is_v2 = 0, rc;
	FILE *f;

	rc = vtax_cgroup__mount(controller, mnt, sizeof(mnt), &is_v2);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	rc = vtax_cgroup__rel_from(f, is_v2, controller, rel, sizeof(rel));
	fclose(f);
	if (rc)
		return rc;
	snprintf(out, len, "%s%s", mnt, strcmp(rel, "/") ? rel : "");
	return 0;
}

int vtax_cgroup__rel_from(FILE *f, int is_v2, const char *controller, char *rel, size_t rlen)
{
	char line[4096];

	rel[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c2 = '\0';
		c2[strcspn(c2 + 1, "\n") + 1] = '\0';
		if (is_v2 ? (c1[1] == '\0' && line[0] == '0') : 0) {
			snprintf(rel, rlen, "%s", c2 + 1);
			break;
		}
		if (!is_v2) {
			char *save = NULL, *tok;

			for (tok = strtok_r(c1 + 1, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (controller && !strcmp(tok, controller)) {
					snprintf(rel, rlen, "%s", c2 + 1);
					break;
				}
			}
			if (rel[0])
				break;
		}
	}
	return rel[0] ? 0 : -ENOENT;
}

static int read_u64_file(const char *path, int64_t *v)
{
	FILE *f = fopen(path, "r");
	long long x;
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%lld", &x) == 1;
	fclose(f);
	if (!ok)
		return -EINVAL;
	*v = x;
	return 0;
}

int vtax_cgroup__cfs_stat(const char *dir, struct vtax_cfs_stat *st)
{
	char path[1200], key[64];
	unsigned long long val;
	int64_t q = -1, p = 0;
	FILE *f;

	memset(st, 0, sizeof(*st));
	st->quota_us = -1;
	snprintf(path, sizeof(path), "%s/cpu.stat", dir);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fscanf(f, "%63s %llu", key, &val) == 2) {
		if (!strcmp(key, "nr_periods"))
			st->nr_periods = val;
		else if (!strcmp(key, "nr_throttled"))
			st->nr_throttled = val;
		else if (!strcmp(key, "throttled_time")) /* v1: ns */
			st->throttled_ns = val;
		else if (!strcmp(key, "throttled_usec")) /* v2: us */
			st->throttled_ns = val * 1000;
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
	if (!read_u64_file(path, &q)) {
		snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
		read_u64_file(path, &p);
	} else {
		char buf[64] = "";

		snprintf(path, sizeof(path), "%s/cpu.max", dir);
		f = fopen(path, "r");
		if (f) {
			if (fgets(buf, sizeof(buf), f)) {
				long long a = -1, b = 0;

				if (!strncmp(buf, "max", 3))
					sscanf(buf + 3, "%lld", &b);
				else
					sscanf(buf, "%lld %lld", &a, &b);
				q = a;
				p = b;
			}
			fclose(f);
		}
	}
	st->quota_us = q;
	st->period_us = p > 0 ? (uint64_t)p : 0;
	return 0;
}

unsigned long vtax_proc__ns_ino(pid_t pid, const char *ns)
{
	char p[64];
	struct stat st;

	snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)pid, ns);
	return stat(p, &st) ? 0 : (unsigned long)st.st_ino;
}
