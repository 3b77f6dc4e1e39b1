// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * thread.h - vtax's helper threads (the spill drainer, the --sample
 * sampler, the link reaper) start and stop the same way: signals stay
 * with the main thread (a SIGINT taken by a helper would not wake the
 * main thread's wait), and a stop is a flag set under the thread's mutex,
 * a signal on its condition variable, then a join.
 */
#ifndef VTAX_THREAD_H
#define VTAX_THREAD_H

#include <pthread.h>

/* pthread_create with every signal blocked in the new thread; 0 or the
 * pthread_create error. */
int vtax_thread_start(pthread_t *th, void *(*fn)(void *), void *arg);

/* Set *stop = 1 under mu, signal cv, unlock, join th. */
void vtax_thread_stop(pthread_t th, pthread_mutex_t *mu, pthread_cond_t *cv, int *stop);

#endif
