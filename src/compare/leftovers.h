// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * leftovers.h - remove what dead vtax runs left on the host: first what
 * their state files (util/state.h) list, then anything else carrying vtax's
 * label (docker objects labelled vtax=1, vtaxbr/vtaxtap links, vtax-cli-*
 * namespaces and FORWARD rules) whose owner is gone.  A live run's objects
 * are never touched.  Used by `vtax cleanup` and at the start of compare.
 */
#ifndef VTAX_LEFTOVERS_H
#define VTAX_LEFTOVERS_H

#include <stddef.h>

/* Appends one line per object to report.  Count removed (or, under
 * vtax_state__set_dry_run(1), that would be), or -errno. */
int vtax_leftovers__remove(char *report, size_t len);

#endif
