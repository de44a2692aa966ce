/* hf_os.c: the few operating-system primitives the recorder needs, behind one small interface
 * (mimalloc's prim layer). Everything here is a direct system call or a libc wrapper that does
 * not allocate, so it may run inside a malloc hook. */
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hf_base.h"

/* <linux/membarrier.h> is not on musl-gcc's include path; the ABI values are fixed. */
#define HF_MEMBARRIER_CMD_QUERY 0
#define HF_MEMBARRIER_CMD_PRIVATE_EXPEDITED (1 << 3)
#define HF_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED (1 << 4)
#ifndef SYS_membarrier
#define SYS_membarrier 324 /* x86-64 */
#endif

void *hf_os_alloc(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void *hf_os_alloc_present(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void hf_os_make_present(void *p, size_t n)
{
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; musl 1.2.3's headers do not have it */
#endif
	madvise(p, n, MADV_POPULATE_WRITE);
}

void hf_os_free(void *p, size_t n)
{
	if (p)
		munmap(p, n);
}

int hf_os_fit(uint8_t **p, size_t *cap, size_t n)
{
	if (n <= *cap)
		return 0;
	size_t c = (n + (1u << 20) - 1) & ~(size_t)((1u << 20) - 1);
	uint8_t *q = hf_os_alloc(c);
	if (!q)
		return -1;
	hf_os_free(*p, *cap);
	*p = q;
	*cap = c;
	return 0;
}

void *hf_os_grow(void *p, size_t old_n, size_t n)
{
	if (!p)
		return hf_os_alloc(n);
	void *q = mremap(p, old_n, n, MREMAP_MAYMOVE);
	return q == MAP_FAILED ? NULL : q;
}

/* A write past RLIMIT_FSIZE raises SIGXFSZ, whose default action kills the process: the
 * program must not die of our trace. The signal is blocked in this thread around the write
 * (two system calls per chunk) and, if it was not blocked by the program, the one our write
 * raised is consumed; the write then fails with EFBIG and recording stops. */
int hf_os_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	int err = 0;
	sigset_t xfsz, old;
	sigemptyset(&xfsz);
	sigaddset(&xfsz, SIGXFSZ);
	pthread_sigmask(SIG_BLOCK, &xfsz, &old);
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? errno : EIO;
			break;
		}
		c += w;
		n -= (size_t)w;
	}
	if (err == EFBIG && !sigismember(&old, SIGXFSZ)) {
		struct timespec zero = { 0, 0 };
		while (sigtimedwait(&xfsz, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

uint64_t hf_os_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t hf_os_real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

long hf_os_gettid(void)
{
	return syscall(SYS_gettid);
}

ssize_t hf_os_read_file(const char *path, char *buf, size_t cap)
{
	if (cap == 0)
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	while (len < cap - 1) {
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = 0;
	return (ssize_t)len;
}

/* Registration is needed once per process before PRIVATE_EXPEDITED works (kernel >= 4.14). A
 * seccomp filter may refuse the call (ENOSYS, EPERM): the flush protocol then falls back to an
 * exchange on the owner's side. */
int hf_os_membarrier_init(void)
{
	long cmds = syscall(SYS_membarrier, HF_MEMBARRIER_CMD_QUERY, 0);
	if (cmds < 0 || !(cmds & HF_MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		return 0;
	return syscall(SYS_membarrier, HF_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0) == 0;
}

int hf_os_membarrier(void)
{
	if (hf_g.membarrier)
		return syscall(SYS_membarrier, HF_MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) == 0 ? 0 : -1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return 0;
}

size_t hf_os_page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);
	return p > 0 ? (size_t)p : 4096;
}

/* The trace's descriptor is the recorder's, not the program's: a program expects open() to
 * return the numbers it would get without us (3 for its first file; 0-2 after closing one),
 * and its children inherit nothing (close-on-exec). So it goes high: near the top of the range
 * select() can handle (1024) or of RLIMIT_NOFILE if lower, leaving some numbers above it for
 * programs that count down from the top (bash puts a script's descriptor at 255 or below the
 * limit, checking first); lower only if that fails. */
int hf_os_fd_high(int fd)
{
	struct rlimit rl;
	long top = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < top)
		top = (long)rl.rlim_cur;
	long want = top - 32 > 3 ? top - 32 : 3;
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, (int)want);
	if (hi < 0 && want > 3)
		hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (hi < 0)
		return fd;
	close(fd);
	return hi;
}
