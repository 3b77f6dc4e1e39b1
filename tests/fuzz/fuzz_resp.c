// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_resp.c - libFuzzer harness for RESP reply handling as the kv load
 * generator (load_kv.c) does it: bytes fed to hiredis's reader in chunks
 * whose sizes come from the input, every reply taken and read the way
 * load_kv reads it (type, error text with its length).  The server's
 * replies are outside input; the parsing itself is hiredis's.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <hiredis/hiredis.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	redisReader *rd;
	size_t at = 1;
	char msg[256];

	if (size < 1)
		return 0;
	rd = redisReaderCreate();
	if (!rd)
		return 0;
	while (at < size) {
		size_t chunk = 1 + data[0] % 64;
		void *reply = NULL;

		if (chunk > size - at)
			chunk = size - at;
		if (redisReaderFeed(rd, (const char *)data + at, chunk) != REDIS_OK)
			break;
		at += chunk;
		while (redisReaderGetReply(rd, &reply) == REDIS_OK && reply) {
			redisReply *rp = reply;

			if (rp->type == REDIS_REPLY_ERROR)
				snprintf(msg, sizeof(msg), "server: %.*s", (int)rp->len, rp->str);
			freeReplyObject(reply);
			reply = NULL;
		}
		if (rd->err)
			break;
	}
	redisReaderFree(rd);
	return 0;
}
