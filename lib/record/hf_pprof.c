/* hf_pprof.c: heap profiles of the running process in pprof's format (profile.proto, gzip'd),
 * the format of `go tool pprof`, Pyroscope, Parca and Grafana's profiles: with
 * HEAPFOLD_PPROF_DIR=DIR, DIR/heapfold.<exe>.<pid>.<n>.pb.gz every HEAPFOLD_PPROF_INTERVAL and at
 * exit; hf_pprof_write(path) for a service that serves its own /debug/pprof/heap.
 *
 * A profile is made from the live profile (hf_profile.c) and the stack trie (hf_stack.c):
 * sample types alloc_objects and alloc_space (since the previous profile), inuse_objects and
 * inuse_space (now), in that order; period type space/bytes, period the sampling rate (1 when
 * every allocation is recorded), the values already scaled as pprof's heap profiles are. Stacks
 * are addresses, not names: each frame a location at its call site (return address - 1) in the
 * mapping of its module's executable segment, with the module's path and GNU build-id, so the
 * fleet profilers symbolize by build-id and `go tool pprof` from the files. The ids of mappings
 * and locations run 1..N without gaps (Parca's rule).
 *
 * Memory comes from the real allocator (hf_real), never through the hooks: a profile is built by
 * the profile thread, at exit, or in the program's call to hf_pprof_write, while the program's
 * other threads go on allocating. One mutex keeps two profiles from being built at once. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "heapfold.h"
#include "hf_base.h"
#include "hf_bg.h"
#include "hf_modules.h"
#include "hf_pb.h"
#include "hf_pprof.h"
#include "hf_profile.h"
#include "hf_sample.h"
#include "hf_stack.h"
#include "hf_thread.h"
#include "hf_writer.h"

#define HF_API HF_EXPORT

/* ---- protobuf, into a growable buffer -------------------------------------------------------- */

struct pb {
	uint8_t *p;
	size_t n, cap;
	int failed;
};

static void pb_need(struct pb *b, size_t k)
{
	if (b->failed || b->n + k <= b->cap)
		return;
	size_t cap = b->cap ? b->cap * 2 : 4096;
	while (cap < b->n + k)
		cap *= 2;
	uint8_t *p = hf_real.realloc(b->p, cap);
	if (!p) {
		b->failed = 1;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static void pb_uint(struct pb *b, unsigned field, uint64_t v)
{
	pb_need(b, HF_PB_MAX_HEAD);
	if (!b->failed)
		b->n = (size_t)(hf_pb_uint(b->p + b->n, field, v) - b->p);
}

static void pb_bytes(struct pb *b, unsigned field, const void *s, size_t n)
{
	pb_need(b, HF_PB_MAX_HEAD + n);
	if (b->failed)
		return;
	uint8_t *q = hf_pb_len(b->p + b->n, field, n);
	memcpy(q, s, n);
	b->n = (size_t)(q + n - b->p);
}

/* A packed repeated varint field. */
static void pb_packed(struct pb *b, unsigned field, const uint64_t *v, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += hf_varint_len(v[i]);
	pb_need(b, HF_PB_MAX_HEAD + len);
	if (b->failed)
		return;
	uint8_t *q = hf_pb_len(b->p + b->n, field, len);
	for (size_t i = 0; i < n; i++)
		q = hf_put_varint(q, v[i]);
	b->n = (size_t)(q - b->p);
}

/* A sub-message m as field of b; m is emptied for the next one. */
static void pb_msg(struct pb *b, unsigned field, struct pb *m)
{
	b->failed |= m->failed;
	pb_bytes(b, field, m->p, m->n);
	m->n = 0;
}

static void pb_free(struct pb *b)
{
	hf_real.free(b->p);
	memset(b, 0, sizeof *b);
}

/* ---- the profile under construction ------------------------------------------------------------ */

struct mapping {
	uint64_t start, limit, offset;
	uint64_t file, build_id; /* string indices */
};

struct build {
	struct pb out, m, m2;           /* the Profile; two scratch messages */
	struct pb strings;              /* string_table entries, encoded */
	const char **str;               /* the strings, for their indices */
	size_t nstr, str_cap;
	struct mapping *map;
	size_t nmap, map_cap;
	uint64_t *loc_addr;             /* open addressing: address -> id in loc_id */
	uint32_t *loc_id;
	size_t loc_cap, nloc;
	struct pb locations;            /* Location messages, in id order */
	struct pb samples;              /* Sample messages */
	uint64_t *ids;                  /* one stack's location ids */
	size_t ids_cap;
	int failed;
};

static void *grow(void *p, size_t *cap, size_t want, size_t size, int *failed)
{
	if (want <= *cap)
		return p;
	size_t c = *cap ? *cap * 2 : 64;
	while (c < want)
		c *= 2;
	void *q = hf_real.realloc(p, c * size);
	if (!q) {
		*failed = 1;
		return p;
	}
	*cap = c;
	return q;
}

/* The index of s in the string table, added if new. The strings are few (the sample types and
 * the modules), so a linear search does. s must live until the profile is written. */
static uint64_t str(struct build *x, const char *s)
{
	for (size_t i = 0; i < x->nstr; i++)
		if (!strcmp(x->str[i], s))
			return i;
	x->str = grow(x->str, &x->str_cap, x->nstr + 1, sizeof *x->str, &x->failed);
	if (x->failed)
		return 0;
	x->str[x->nstr] = s;
	pb_bytes(&x->strings, 6, s, strlen(s));
	return x->nstr++;
}

static void value_type(struct build *x, unsigned field, const char *type, const char *unit)
{
	pb_uint(&x->m2, 1, str(x, type));
	pb_uint(&x->m2, 2, str(x, unit));
	pb_msg(&x->out, field, &x->m2);
}

/* Build-ids as hex, kept until the profile is written (hf_real). */
static char *hex(const uint8_t *p, size_t n, int *failed)
{
	char *s = hf_real.malloc(2 * n + 1);
	if (!s) {
		*failed = 1;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = "0123456789abcdef"[p[i] >> 4];
		s[2 * i + 1] = "0123456789abcdef"[p[i] & 15];
	}
	s[2 * n] = 0;
	return s;
}

static char **hexes;
static size_t nhexes, hexes_cap;

static void add_mapping(const char *path, const uint8_t *bid, size_t bid_len, uint64_t start,
			uint64_t limit, uint64_t offset, void *arg)
{
	struct build *x = arg;
	x->map = grow(x->map, &x->map_cap, x->nmap + 1, sizeof *x->map, &x->failed);
	if (x->failed)
		return;
	uint64_t b = 0;
	if (bid_len) {
		hexes = grow(hexes, &hexes_cap, nhexes + 1, sizeof *hexes, &x->failed);
		char *h = x->failed ? NULL : hex(bid, bid_len, &x->failed);
		if (!h)
			return;
		hexes[nhexes++] = h;
		b = str(x, h);
	}
	x->map[x->nmap++] = (struct mapping){ start, limit, offset, str(x, path), b };
}

/* The location id of a call site, added if new (with its mapping, if any holds it). */
static uint32_t location(struct build *x, uint64_t addr)
{
	if ((x->nloc + 1) * 2 > x->loc_cap) {
		size_t cap = x->loc_cap ? x->loc_cap * 2 : 4096;
		uint64_t *a = hf_real.calloc(cap, sizeof *a);
		uint32_t *d = hf_real.calloc(cap, sizeof *d);
		if (!a || !d) {
			hf_real.free(a);
			hf_real.free(d);
			x->failed = 1;
			return 0;
		}
		for (size_t i = 0; i < x->loc_cap; i++) {
			if (!x->loc_id[i])
				continue;
			size_t j = (x->loc_addr[i] * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
			while (d[j])
				j = (j + 1) & (cap - 1);
			a[j] = x->loc_addr[i];
			d[j] = x->loc_id[i];
		}
		hf_real.free(x->loc_addr);
		hf_real.free(x->loc_id);
		x->loc_addr = a;
		x->loc_id = d;
		x->loc_cap = cap;
	}
	size_t j = (addr * 0x9e3779b97f4a7c15ull >> 20) & (x->loc_cap - 1);
	for (; x->loc_id[j]; j = (j + 1) & (x->loc_cap - 1))
		if (x->loc_addr[j] == addr)
			return x->loc_id[j];
	uint32_t id = (uint32_t)++x->nloc;
	x->loc_addr[j] = addr;
	x->loc_id[j] = id;
	uint64_t mapping = 0;
	for (size_t i = 0; i < x->nmap && !mapping; i++)
		if (addr >= x->map[i].start && addr < x->map[i].limit)
			mapping = i + 1;
	pb_uint(&x->m, 1, id);
	pb_uint(&x->m, 2, mapping);
	pb_uint(&x->m, 3, addr);
	pb_msg(&x->locations, 4, &x->m);
	return id;
}

/* One row of the live profile: its stack, leaf first, as location ids, and its four values.
 * Meta lock held (the trie). */
static void add_sample(const struct hf_profile_row *r, void *arg)
{
	struct build *x = arg;
	size_t n = 0;
	uint32_t id = r->node, parent;
	uint64_t frame;
	/* Parents have smaller ids (the trie is written parent first), which bounds the walk. */
	for (uint32_t prev = UINT32_MAX; id && id < prev && hf_stack_node_at(id, &parent, &frame);
	     prev = id, id = parent) {
		if (frame < HF_FRAME_MIN_ADDR)
			continue; /* the allocator and truncation pseudo-frames */
		x->ids = grow(x->ids, &x->ids_cap, n + 1, sizeof *x->ids, &x->failed);
		if (x->failed)
			return;
		x->ids[n++] = location(x, frame - 1);
	}
	struct pb *m = &x->m2;
	pb_packed(m, 1, x->ids, n); /* location_id */
	const uint64_t v[4] = { r->alloc_objects, r->alloc_bytes, r->inuse_objects, r->inuse_bytes };
	pb_packed(m, 2, v, 4); /* value */
	pb_msg(&x->samples, 2, m);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t last_ns; /* realtime of the previous profile, or of the start */

/* The whole profile, encoded, into x->out. -1 without memory. Profile lock held. */
static int build(struct build *x)
{
	uint64_t now = hf_os_real_ns();
	str(x, ""); /* string 0 is the empty string */
	value_type(x, 1, "alloc_objects", "count");
	value_type(x, 1, "alloc_space", "bytes");
	value_type(x, 1, "inuse_objects", "count");
	value_type(x, 1, "inuse_space", "bytes");
	hf_meta_lock();
	hf_modules_mappings(add_mapping, x);
	hf_profile_collect(add_sample, x);
	hf_meta_unlock();
	for (size_t i = 0; i < x->nmap; i++) {
		pb_uint(&x->m, 1, i + 1);
		pb_uint(&x->m, 2, x->map[i].start);
		pb_uint(&x->m, 3, x->map[i].limit);
		pb_uint(&x->m, 4, x->map[i].offset);
		pb_uint(&x->m, 5, x->map[i].file);
		pb_uint(&x->m, 6, x->map[i].build_id);
		pb_msg(&x->out, 3, &x->m);
	}
	uint64_t rate = hf_load(&hf_sample_rate);
	pb_uint(&x->m2, 1, str(x, "space"));
	pb_uint(&x->m2, 2, str(x, "bytes"));
	uint64_t comment = str(x, rate ? "heapfold: sampled, values estimated (period: mean bytes between samples)"
				       : "heapfold: every allocation recorded, values exact");
	/* Never silent: blocks the live profile had no memory for are missing from it. */
	uint64_t incomplete = 0;
	if (hf_profile_incomplete()) {
		static int said;
		if (!__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED))
			hf_warn("out of memory for the live heap profile: profiles from now on miss blocks");
		incomplete = str(x, "heapfold: INCOMPLETE: out of memory for the live profile, blocks are missing");
	}
	/* then sample, location, string_table, time_nanos, duration_nanos, period_type, period,
	 * comment (after sample_type and mapping: readers take fields in any order) */
	x->out.failed |= x->samples.failed | x->locations.failed | x->strings.failed;
	pb_need(&x->out, x->samples.n + x->locations.n + x->strings.n);
	if (!x->out.failed) {
		memcpy(x->out.p + x->out.n, x->samples.p, x->samples.n);
		x->out.n += x->samples.n;
		memcpy(x->out.p + x->out.n, x->locations.p, x->locations.n);
		x->out.n += x->locations.n;
		memcpy(x->out.p + x->out.n, x->strings.p, x->strings.n);
		x->out.n += x->strings.n;
	}
	pb_uint(&x->out, 9, now);
	pb_uint(&x->out, 10, now > last_ns ? now - last_ns : 0);
	pb_msg(&x->out, 11, &x->m2);
	pb_uint(&x->out, 12, rate ? rate : 1);
	pb_uint(&x->out, 13, comment);
	pb_uint(&x->out, 13, incomplete);
	last_ns = now;
	return x->failed || x->out.failed ? -1 : 0;
}

static void build_free(struct build *x)
{
	pb_free(&x->out);
	pb_free(&x->m);
	pb_free(&x->m2);
	pb_free(&x->strings);
	pb_free(&x->locations);
	pb_free(&x->samples);
	hf_real.free(x->str);
	hf_real.free(x->map);
	hf_real.free(x->loc_addr);
	hf_real.free(x->loc_id);
	hf_real.free(x->ids);
	for (size_t i = 0; i < nhexes; i++)
		hf_real.free(hexes[i]);
	nhexes = 0;
}

static void *z_alloc(void *opaque, unsigned items, unsigned size)
{
	(void)opaque;
	return hf_real.calloc(items, size);
}

static void z_free(void *opaque, void *p)
{
	(void)opaque;
	hf_real.free(p);
}

/* The profile, gzip'd, into path through path.tmp.PID and rename(2): a reader never sees half
 * a profile. Returns 0, or an errno value. Profile lock held. */
static int write_profile(const char *path)
{
	struct build x;
	memset(&x, 0, sizeof x);
	int err = 0;
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	zs.zalloc = z_alloc;
	zs.zfree = z_free;
	uint8_t *gz = NULL;
	if (build(&x) < 0 || deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		build_free(&x);
		return ENOMEM;
	}
	size_t cap = deflateBound(&zs, x.out.n);
	gz = hf_real.malloc(cap);
	zs.next_in = x.out.p;
	zs.avail_in = (uInt)x.out.n;
	zs.next_out = gz;
	zs.avail_out = (uInt)cap;
	if (!gz || deflate(&zs, Z_FINISH) != Z_STREAM_END)
		err = ENOMEM;
	size_t n = cap - zs.avail_out;
	deflateEnd(&zs);
	build_free(&x);
	char tmp[4200];
	hf_fmt(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
	int fd = err ? -1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (!err && fd < 0)
		err = errno;
	if (fd >= 0) {
		err = hf_os_write_all(fd, gz, n);
		if (close(fd) != 0 && !err)
			err = errno;
		if (!err && rename(tmp, path) != 0)
			err = errno;
		if (err)
			unlink(tmp);
	}
	hf_real.free(gz);
	return err;
}

/* ---- when profiles are written ------------------------------------------------------------- */

static struct {
	char dir[4096];
	uint64_t interval_ns;
	pid_t owner;
	unsigned n;
	int on;
} pp;

/* The next DIR/heapfold.<exe>.<pid>.<n>.pb.gz. Profile lock held. */
static void write_next(void)
{
	const char *exe = hf_exe_path(), *slash = strrchr(exe, '/');
	char path[4096 + 512];
	hf_fmt(path, sizeof path, "%s/heapfold.%s.%d.%u.pb.gz", pp.dir, slash ? slash + 1 : *exe ? exe : "prog",
	       (int)getpid(), ++pp.n);
	int err = write_profile(path);
	if (err)
		hf_warn("cannot write the heap profile %s: %s", path, strerror(err));
}

/* The profile thread's tick (hf_bg_every). */
static void pprof_tick(void)
{
	pthread_mutex_lock(&lock);
	if (hf_load(&hf_g.state) == HF_STATE_ON)
		write_next();
	pthread_mutex_unlock(&lock);
}

void hf_pprof_start(void)
{
	last_ns = hf_os_real_ns();
	const char *dir = hf_opt_str(HF_OPT_PPROF_DIR);
	if (!*dir || !hf_profile_on)
		return;
	hf_fmt(pp.dir, sizeof pp.dir, "%s", dir);
	pp.interval_ns = (uint64_t)hf_opt(HF_OPT_PPROF_INTERVAL) * 1000000u;
	pp.owner = getpid();
	pp.on = 1;
	if (!pp.interval_ns)
		return; /* at exit only */
	int rc = hf_bg_every(pp.interval_ns, pprof_tick);
	if (rc != 0)
		hf_warn("cannot start the heap profile thread: %s; profiles written at exit only", strerror(rc));
}

void hf_pprof_restart_child(void)
{
	if (!hf_profile_on)
		return;
	hf_profile_reset(); /* the parent's blocks are not in the child's trace either */
	last_ns = hf_os_real_ns();
	if (!pp.dir[0])
		return;
	pp.owner = getpid();
	pp.n = 0;
	pp.on = 1;
	int rc = pp.interval_ns ? hf_bg_every(pp.interval_ns, pprof_tick) : 0;
	if (rc != 0)
		hf_warn("cannot start the heap profile thread: %s; profiles written at exit only", strerror(rc));
}

void hf_pprof_exit(void)
{
	if (!pp.on || getpid() != pp.owner)
		return;
	pthread_mutex_lock(&lock);
	write_next();
	pp.on = 0;
	pthread_mutex_unlock(&lock);
}

void hf_pprof_fork_child(void)
{
	pthread_mutex_init(&lock, NULL);
}

HF_API int hf_pprof_write(const char *path)
{
	if (!path || !*path)
		return HF_EINVAL;
	if (!hf_profile_on)
		return HF_ENOPROFILE;
	struct hf_tls *t = &hf_tls;
	int mode = t->mode;
	t->mode = HF_MODE_INSIDE;
	pthread_mutex_lock(&lock);
	int err = write_profile(path);
	pthread_mutex_unlock(&lock);
	t->mode = mode;
	if (err) {
		errno = err;
		return HF_EIO;
	}
	return HF_OK;
}
