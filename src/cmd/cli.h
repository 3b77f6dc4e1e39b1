// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cli.h - subcommands and the option helpers they share.
 */
#ifndef VTAX_CLI_H
#define VTAX_CLI_H

#include <signal.h>

extern volatile sig_atomic_t vtax_stop;   /* set by SIGINT/SIGTERM */
extern int vtax_verbose;

int cmd_run(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_cleanup(int argc, char **argv);

/* one-line error on stderr, returns 1 (the exit status for bad input) */
int vtax_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vtax_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* after getopt_long returned '?' (with opterr = 0): one line naming the
 * unknown option or the option missing its value; returns 1 */
int vtax_bad_option(char **argv, const char *optstring);
/* integer option in [lo, hi]: 0, or one error line and 1 */
int vtax_parse_long(const char *opt, const char *s, long lo, long hi, long *out);
/* parse seconds (> 0, finite); -1 on error */
double vtax_parse_seconds(const char *s);
/* root, BTF, tracefs: the preconditions of any tracing command */
int vtax_preflight(void);
void vtax_install_signals(void);
/* libbpf's log goes to stderr only with -v */
void vtax_setup_libbpf_log(void);

#endif
