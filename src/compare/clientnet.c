// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * clientnet.c - the remote client's namespace for `vtax compare --client
 * remote` (see clientnet.h).  Everything is done with ip(8), iptables(8)
 * and /proc/sys through the argv runner; every step that creates something
 * records it, so teardown (and a failed setup) removes exactly that.
 */
#include "compare/clientnet.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/spawn.h"
#include "util/state.h"

#define CN_SUBNET "198.19.255."
#define CN_FORWARD "/proc/sys/net/ipv4/ip_forward"

static int run(char *const argv[], char *err, size_t errlen)
{
	char e[256] = "";
	struct vtax_run_opts ro = { .err = e, .errlen = sizeof(e) }; /* 60 s: see env_vm.c ip_cmd */
	int r = vtax_spawn__run(argv, NULL, 0, &ro);

	if (r && err && errlen) {
		size_t n = strcspn(e, "\n");

		e[n] = 0;
		snprintf(err, errlen, "%s %s %s: %s", argv[0], argv[1], argv[2] ? argv[2] : "",
			 e[0] ? e : (r < 0 ? strerror(-r) : "failed"));
	}
	return r < 0 ? r : r ? -EIO : 0;
}

static int read_flag(const char *path)
{
	char b[8] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, b, sizeof(b) - 1);
	close(fd);
	return n > 0 ? b[0] == '1' : -EIO;
}

static int write_flag(const char *path, int v)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, v ? "1\n" : "0\n", 2) != 2)
		r = -errno;
	close(fd);
	return r;
}

/* A free /30 of 198.19.255.0/24: k in 0..63 whose .4k+1 nobody holds. */
static int pick_block(char *host, char *client)
{
	char addrs[32768] = "";
	char *ip[] = { "ip", "-4", "-o", "addr", "show", NULL };
	struct vtax_run_opts ro = { .timeout_s = 0 } /* the default, 60 s: a loaded emulated guest reads `ip` over 9p */;

	if (vtax_spawn__run(ip, addrs, sizeof(addrs), &ro))
		return -EIO;
	for (int t = 0; t < 64; t++) {
		int k = ((int)getpid() + t) % 64;
		char probe[32];

		snprintf(probe, sizeof(probe), " " CN_SUBNET "%d/", 4 * k + 1);
		if (strstr(addrs, probe))
			continue;
		snprintf(host, 16, CN_SUBNET "%d", 4 * k + 1);
		snprintf(client, 16, CN_SUBNET "%d", 4 * k + 2);
		return 0;
	}
	return -EADDRINUSE;
}

int vtax_clientnet__setup(struct vtax_clientnet *cn, char *err, size_t errlen)
{
	char path[64], hcidr[24], ccidr[24];
	struct stat st;
	int r, fwd, lock;

	memset(cn, 0, sizeof(*cn));
	cn->ns_fd = -1;
	snprintf(cn->ns, sizeof(cn->ns), "vtax-cli-%d", (int)getpid());
	snprintf(cn->host_if, sizeof(cn->host_if), "vtaxc%d", (int)getpid());
	/* two runs at once must not pick the same /30: pick and claim it
	 * under a lock (the address is on our veth before it is dropped).
	 * The lock is on /run itself, so that no lock file is left behind. */
	lock = open("/run", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock >= 0)
		flock(lock, LOCK_EX);
	r = pick_block(cn->host_addr, cn->client_addr);
	if (r) {
		snprintf(err, errlen, r == -EIO ? "cannot list the host's addresses (ip -4 addr show)"
						  : "no free /30 in " CN_SUBNET "0/24 for the client namespace");
		goto fail;
	}
	snprintf(hcidr, sizeof(hcidr), "%s/30", cn->host_addr);
	snprintf(ccidr, sizeof(ccidr), "%s/30", cn->client_addr);
	{
		char *a[] = { "ip", "netns", "add", cn->ns, NULL };

		r = run(a, err, errlen);
		if (r)
			goto fail;
		vtax_state__add("netns", cn->ns, (char *[]){ "ip", "netns", "del", cn->ns, NULL });
		cn->made_ns = 1;
	}
	{
		char *a[] = { "ip", "link", "add", cn->host_if, "type", "veth", "peer", "name", "eth0",
			      "netns", cn->ns, NULL };

		r = run(a, err, errlen);
		if (r)
			goto fail;
		vtax_state__add("link", cn->host_if, (char *[]){ "ip", "link", "del", cn->host_if, NULL });
		cn->made_link = 1;
	}
	{
		char *a1[] = { "ip", "addr", "add", hcidr, "dev", cn->host_if, NULL };
		char *a2[] = { "ip", "link", "set", cn->host_if, "up", NULL };
		char *a3[] = { "ip", "-n", cn->ns, "addr", "add", ccidr, "dev", "eth0", NULL };
		char *a4[] = { "ip", "-n", cn->ns, "link", "set", "eth0", "up", NULL };
		char *a5[] = { "ip", "-n", cn->ns, "link", "set", "lo", "up", NULL };
		char *a6[] = { "ip", "-n", cn->ns, "route", "add", "default", "via", cn->host_addr, NULL };

		if ((r = run(a1, err, errlen)) || (r = run(a2, err, errlen)) || (r = run(a3, err, errlen)) ||
		    (r = run(a4, err, errlen)) || (r = run(a5, err, errlen)) || (r = run(a6, err, errlen)))
			goto fail;
	}
	if (lock >= 0)
		close(lock);
	lock = -1;
	/* Docker turns forwarding on; a host without it still reaches the vm */
	fwd = read_flag(CN_FORWARD);
	if (fwd == 0) {
		r = write_flag(CN_FORWARD, 1);
		if (r) {
			snprintf(err, errlen, "cannot enable IPv4 forwarding: %s", strerror(-r));
			goto fail;
		}
		vtax_state__add("sysctl", "net.ipv4.ip_forward",
				(char *[]){ "sysctl", "-qw", "net.ipv4.ip_forward=0", NULL });
		cn->set_forward = 1;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", cn->ns);
	cn->ns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (cn->ns_fd < 0 || fstat(cn->ns_fd, &st)) {
		r = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(-r));
		goto fail;
	}
	cn->ns_ino = st.st_ino;
	return 0;
fail:
	if (lock >= 0)
		close(lock);
	vtax_clientnet__teardown(cn);
	return r;
}

static int forward_rule(const struct vtax_clientnet *cn, const char *op, const char *in, const char *out,
			char *err, size_t errlen)
{
	char *a[] = { "iptables", "-w", "5", (char *)op, "FORWARD", "-i", (char *)in, "-o", (char *)out,
		      "-m", "comment", "--comment", (char *)cn->ns, "-j", "ACCEPT", NULL };
	char id[96];
	int r = run(a, err, errlen);

	snprintf(id, sizeof(id), "FORWARD %s>%s", in, out);
	if (!r && strcmp(op, "-A") == 0) {
		a[3] = "-D";
		vtax_state__add("iptables", id, a);
	} else if (!r) {
		vtax_state__done("iptables", id);
	}
	return r;
}

int vtax_clientnet__allow_bridge(struct vtax_clientnet *cn, const char *bridge, char *err, size_t errlen)
{
	int r;

	if (!cn || !cn->host_if[0] || cn->nrules + 2 > 4)
		return cn && cn->host_if[0] ? -ENOSPC : 0;
	/*
	 * Appended, not inserted: Docker's own FORWARD rules (and the packets
	 * they accept) come first and are timed as they are, and only traffic
	 * nothing else accepted reaches ours before the DROP policy.
	 */
	r = forward_rule(cn, "-A", cn->host_if, bridge, err, errlen);
	if (r)
		return r;
	snprintf(cn->rules[cn->nrules++], sizeof(cn->rules[0]), "%s", bridge);
	r = forward_rule(cn, "-A", bridge, cn->host_if, err, errlen);
	if (r) {
		vtax_clientnet__forget_bridge(cn, bridge);
		return r;
	}
	snprintf(cn->rules[cn->nrules++], sizeof(cn->rules[0]), "<%s", bridge);
	return 0;
}

void vtax_clientnet__forget_bridge(struct vtax_clientnet *cn, const char *bridge)
{
	if (!cn)
		return;
	for (int i = cn->nrules - 1; i >= 0; i--) {
		const char *r = cn->rules[i];
		int back = r[0] == '<';

		if (strcmp(r + back, bridge))
			continue;
		if (back)
			forward_rule(cn, "-D", bridge, cn->host_if, NULL, 0);
		else
			forward_rule(cn, "-D", cn->host_if, bridge, NULL, 0);
		memmove(cn->rules[i], cn->rules[i + 1], sizeof(cn->rules[0]) * (size_t)(cn->nrules - i - 1));
		cn->nrules--;
	}
}

int vtax_clientnet__enter(const struct vtax_clientnet *cn)
{
	if (!cn || cn->ns_fd < 0)
		return -EBADF;
	return setns(cn->ns_fd, CLONE_NEWNET) ? -errno : 0;
}

void vtax_clientnet__teardown(struct vtax_clientnet *cn)
{
	if (!cn)
		return;
	while (cn->nrules > 0) {
		const char *r = cn->rules[cn->nrules - 1];
		char br[64];

		snprintf(br, sizeof(br), "%s", r + (r[0] == '<'));
		vtax_clientnet__forget_bridge(cn, br);
	}
	if (cn->ns_fd >= 0)
		close(cn->ns_fd);
	cn->ns_fd = -1;
	if (cn->made_link) {
		char *a[] = { "ip", "link", "del", cn->host_if, NULL };

		run(a, NULL, 0); /* also gone with the namespace */
		vtax_state__done("link", cn->host_if);
		cn->made_link = 0;
	}
	if (cn->made_ns) {
		char *a[] = { "ip", "netns", "del", cn->ns, NULL };

		if (run(a, NULL, 0) == 0)
			vtax_state__done("netns", cn->ns);
		cn->made_ns = 0;
	}
	if (cn->set_forward) {
		if (write_flag(CN_FORWARD, 0) == 0)
			vtax_state__done("sysctl", "net.ipv4.ip_forward");
		cn->set_forward = 0;
	}
}

static int pid_alive(int pid)
{
	return vtax_state__owner_alive(pid);
}

int vtax_clientnet__cleanup_stale(char *report, size_t len)
{
	char rules[32768] = "", *save = NULL, line[160];
	char *ls[] = { "iptables", "-w", "5", "-S", "FORWARD", NULL };
	struct vtax_run_opts ro = { .timeout_s = 10 };
	struct dirent *de;
	DIR *d;
	int n = 0;

	/* FORWARD rules of dead runs, by their comment */
	if (vtax_spawn__have("iptables") && vtax_spawn__run(ls, rules, sizeof(rules), &ro) == 0) {
		for (char *l = strtok_r(rules, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char *c = strstr(l, "--comment vtax-cli-"), *args[40];
			int na = 0;

			if (strncmp(l, "-A FORWARD ", 11) || !c || pid_alive(atoi(c + 19)))
				continue;
			snprintf(line, sizeof(line), "%s", l);
			args[na++] = "iptables";
			args[na++] = "-w";
			args[na++] = "5";
			for (char *s2 = NULL, *tok = strtok_r(line, " ", &s2); tok && na < 38;
			     tok = strtok_r(NULL, " ", &s2))
				args[na++] = strcmp(tok, "-A") ? tok : "-D";
			args[na] = NULL;
			if (vtax_state__undo(args, "iptables rule", l, report, len) == 0)
				n++;
		}
	}
	d = opendir("/run/netns");
	if (!d)
		return n;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "vtax-cli-", 9) || pid_alive(atoi(de->d_name + 9)))
			continue;
		{
			char *a[] = { "ip", "netns", "del", de->d_name, NULL };

			if (vtax_state__undo(a, "network namespace", de->d_name, report, len) == 0)
				n++;
		}
	}
	closedir(d);
	return n;
}
