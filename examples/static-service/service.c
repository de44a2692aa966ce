/* kvd: a tiny key-value service speaking a line protocol on 127.0.0.1, built fully static with
 * musl and heapfold linked in (docs/linking.md walks through it). It has the shapes a heap
 * profile should show:
 *   - a per-connection buffer pool: request buffers are taken from a free list and given back,
 *     so steady traffic allocates nothing new (pool_get, pool_put);
 *   - a temporary hot spot: every request's key is copied and case-folded, then freed at once
 *     (fold_key);
 *   - a deliberate leak: SET over an existing key forgets the old value instead of freeing it
 *     (store_set).
 *
 *   kvd PORT [ADDR]   listens on ADDR:PORT (default 127.0.0.1; 0.0.0.0 in a container; PORT 0:
 *                     any free port), prints "listening on PORT"
 *
 * Protocol, one request per line, one reply line each:
 *   SET key value   -> OK
 *   GET key         -> VALUE value | NONE
 *   DEL key         -> OK | NONE
 *   STATS           -> heap: current=BYTES peak=BYTES allocs=N (from hf_stats)
 *   METRICS         -> the heap's metrics in Prometheus's text format (hf_metrics_format),
 *                      several lines, then a line "END"
 *   PPROF path      -> OK, a heap profile in pprof's format written to path (hf_pprof_write:
 *                      what a /debug/pprof/heap handler sends; run with HEAPFOLD_PPROF=1 or
 *                      HEAPFOLD_PPROF_DIR), or ERR why
 *   QUIT            -> BYE, and the service exits (cleanly: the trace is complete)
 * Connections are served one at a time; a connection ends at end of input. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The API through weak references: the service also builds and runs without heapfold. */
#define HF_WEAK
#include <heapfold.h>

#define LINE_MAX_LEN 4096

/* ---- the store: a small chained hash table ----------------------------------------------- */

struct item {
	char *key, *value;
	struct item *next;
};

#define BUCKETS 256
static struct item *buckets[BUCKETS];

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % BUCKETS;
}

static struct item *find(const char *key)
{
	for (struct item *it = buckets[hash(key)]; it; it = it->next)
		if (!strcmp(it->key, key))
			return it;
	return NULL;
}

/* malloc and memcpy rather than strdup: the stack is then whole whatever the libc (heapfold
 * finds strdup's caller in musl's libc, which has no unwind tables, from its machine code, but a
 * service should not depend on that). */
__attribute__((noinline)) static char *copy(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (!d)
		abort();
	return memcpy(d, s, n);
}

/* The leak: an existing key's old value is dropped, not freed. */
__attribute__((noinline)) static void store_set(const char *key, const char *value)
{
	struct item *it = find(key);
	if (it) {
		it->value = copy(value); /* BUG (deliberate): the old value leaks */
		return;
	}
	it = malloc(sizeof *it);
	if (!it)
		abort();
	it->key = copy(key);
	it->value = copy(value);
	unsigned h = hash(key);
	it->next = buckets[h];
	buckets[h] = it;
}

__attribute__((noinline)) static int store_del(const char *key)
{
	for (struct item **pp = &buckets[hash(key)]; *pp; pp = &(*pp)->next) {
		struct item *it = *pp;
		if (!strcmp(it->key, key)) {
			*pp = it->next;
			free(it->key);
			free(it->value);
			free(it);
			return 1;
		}
	}
	return 0;
}

/* At exit everything still stored is freed: what remains is the leak. */
static void store_clear(void)
{
	for (unsigned h = 0; h < BUCKETS; h++) {
		while (buckets[h]) {
			struct item *it = buckets[h];
			buckets[h] = it->next;
			free(it->key);
			free(it->value);
			free(it);
		}
	}
}

/* ---- request buffers: a pool ------------------------------------------------------------- */

struct buf {
	char data[LINE_MAX_LEN];
	struct buf *next;
};
static struct buf *pool;

__attribute__((noinline)) static struct buf *pool_get(void)
{
	struct buf *b = pool;
	if (b) {
		pool = b->next;
		return b;
	}
	b = malloc(sizeof *b); /* only when the pool is empty */
	if (!b)
		abort();
	return b;
}

static void pool_put(struct buf *b)
{
	b->next = pool;
	pool = b;
}

static void pool_clear(void)
{
	while (pool) {
		struct buf *b = pool;
		pool = b->next;
		free(b);
	}
}

/* ---- requests ----------------------------------------------------------------------------- */

/* The hot spot: a case-folded copy of the key for every request, freed when it is done. */
__attribute__((noinline)) static char *fold_key(const char *key)
{
	size_t n = strlen(key);
	char *k = malloc(n + 1);
	if (!k)
		abort();
	for (size_t i = 0; i <= n; i++)
		k[i] = (char)tolower((unsigned char)key[i]);
	return k;
}

/* Handles one request line; writes the reply into out. Returns 0, or 1 for QUIT. */
static int handle(char *line, char *out, size_t cap)
{
	char *cmd = strtok(line, " "), *arg = strtok(NULL, " "), *rest = strtok(NULL, "");
	if (!cmd) {
		snprintf(out, cap, "ERR empty\n");
		return 0;
	}
	if (!strcmp(cmd, "QUIT")) {
		snprintf(out, cap, "BYE\n");
		return 1;
	}
	if (!strcmp(cmd, "STATS")) {
		hf_stats_t s = { .size = sizeof s };
		if (hf_stats(&s) == HF_OK)
			snprintf(out, cap, "heap: current=%llu peak=%llu allocs=%llu\n",
				 (unsigned long long)s.current_bytes, (unsigned long long)s.peak_bytes,
				 (unsigned long long)s.total_allocs);
		else
			snprintf(out, cap, "heap: no statistics (heapfold not linked)\n");
		return 0;
	}
	if (!strcmp(cmd, "METRICS")) {
		int n = hf_metrics_format(out, cap - 4);
		if (n < 0 || (size_t)n >= cap - 4)
			snprintf(out, cap, "ERR no metrics (heapfold not linked, or too long)\n");
		else
			strcat(out, "END\n");
		return 0;
	}
	if (!strcmp(cmd, "PPROF") && arg) {
		int rc = hf_pprof_write(arg);
		snprintf(out, cap, rc == HF_OK ? "OK\n" : rc == HF_ENOPROFILE ? "ERR no live profile (HEAPFOLD_PPROF=1)\n"
							  : "ERR cannot write the profile\n");
		return 0;
	}
	if (!arg) {
		snprintf(out, cap, "ERR missing key\n");
		return 0;
	}
	char *key = fold_key(arg);
	if (!strcmp(cmd, "SET") && rest) {
		store_set(key, rest);
		snprintf(out, cap, "OK\n");
	} else if (!strcmp(cmd, "GET")) {
		struct item *it = find(key);
		if (it)
			snprintf(out, cap, "VALUE %s\n", it->value);
		else
			snprintf(out, cap, "NONE\n");
	} else if (!strcmp(cmd, "DEL")) {
		snprintf(out, cap, store_del(key) ? "OK\n" : "NONE\n");
	} else {
		snprintf(out, cap, "ERR unknown command\n");
	}
	free(key);
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Serves one connection until it ends. Returns 1 after QUIT. */
static int serve(int fd)
{
	struct buf *in = pool_get(), *reply = pool_get();
	size_t have = 0;
	int quit = 0;
	while (!quit) {
		char *nl;
		while (!(nl = memchr(in->data, '\n', have))) {
			if (have == sizeof in->data) {
				have = 0; /* a line too long: dropped */
				continue;
			}
			ssize_t r = read(fd, in->data + have, sizeof in->data - have);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				goto out;
			have += (size_t)r;
		}
		*nl = 0;
		if (nl > in->data && nl[-1] == '\r')
			nl[-1] = 0;
		quit = handle(in->data, reply->data, sizeof reply->data);
		if (write_all(fd, reply->data, strlen(reply->data)) < 0)
			break;
		size_t used = (size_t)(nl + 1 - in->data);
		memmove(in->data, nl + 1, have - used);
		have -= used;
	}
out:
	pool_put(reply);
	pool_put(in);
	return quit;
}

int main(int argc, char **argv)
{
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: %s PORT [ADDR]\n", argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (argc == 3 && inet_pton(AF_INET, argv[2], &a.sin_addr) != 1) {
		fprintf(stderr, "kvd: %s is not an IPv4 address\n", argv[2]);
		return 2;
	}
	socklen_t len = sizeof a;
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) < 0) {
		perror("kvd: listen");
		return 1;
	}
	printf("listening on %u\n", (unsigned)ntohs(a.sin_port));
	fflush(stdout);
	hf_mark("serving");
	for (int quit = 0; !quit;) {
		int c = accept(s, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			perror("kvd: accept");
			return 1;
		}
		quit = serve(c);
		close(c);
	}
	close(s);
	store_clear();
	pool_clear();
	return 0;
}
