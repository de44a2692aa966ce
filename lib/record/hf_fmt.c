/* hf_fmt.c: a tiny printf for the recorder's warnings and file names. stdio may allocate, lock
 * or be in an undefined state inside a malloc hook; this formats into the caller's buffer and
 * writes with write(2). Supports %s %c %d %i %u %x %% with the l, ll and z modifiers. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hf_base.h"

struct out {
	char *p;
	size_t len, cap; /* cap > 0; one byte is kept for the NUL */
};

static void put_c(struct out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->p[o->len++] = c;
}

static void put_s(struct out *o, const char *s)
{
	while (*s)
		put_c(o, *s++);
}

static void put_u(struct out *o, unsigned long long v, unsigned base)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n > 0)
		put_c(o, tmp[--n]);
}

size_t hf_vfmt(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct out o = { buf, 0, cap };
	if (cap == 0)
		return 0;
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			put_c(&o, *f);
			continue;
		}
		f++;
		int lng = 0; /* 0 int, 1 long, 2 long long, 3 size_t */
		if (*f == 'l') {
			lng = 1;
			if (*++f == 'l') {
				lng = 2;
				f++;
			}
		} else if (*f == 'z') {
			lng = 3;
			f++;
		}
		switch (*f) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			put_s(&o, s ? s : "(null)");
			break;
		}
		case 'c':
			put_c(&o, (char)va_arg(ap, int));
			break;
		case 'd':
		case 'i': {
			long long v = lng == 0	 ? va_arg(ap, int)
				      : lng == 1 ? va_arg(ap, long)
				      : lng == 2 ? va_arg(ap, long long)
						 : (long long)va_arg(ap, ssize_t);
			if (v < 0) {
				put_c(&o, '-');
				put_u(&o, 0ull - (unsigned long long)v, 10);
			} else {
				put_u(&o, (unsigned long long)v, 10);
			}
			break;
		}
		case 'u':
		case 'x': {
			unsigned long long v = lng == 0	  ? va_arg(ap, unsigned)
					       : lng == 1 ? va_arg(ap, unsigned long)
					       : lng == 2 ? va_arg(ap, unsigned long long)
							  : va_arg(ap, size_t);
			put_u(&o, v, *f == 'x' ? 16 : 10);
			break;
		}
		case '%':
			put_c(&o, '%');
			break;
		case 0:
			f--; /* a lone % at the end */
			break;
		default:
			put_c(&o, '%');
			put_c(&o, *f);
			break;
		}
	}
	o.p[o.len] = 0;
	return o.len;
}

size_t hf_fmt(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = hf_vfmt(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}

int hf_fmt_quiet;

/* The standard error found at start (hf_fmt_claim_stderr): 0 unknown, 1 known, -1 closed. */
static int err_state;
static dev_t err_dev;
static ino_t err_ino;

void hf_fmt_claim_stderr(void)
{
	struct stat st;
	if (fstat(2, &st) != 0) {
		err_state = -1;
		return;
	}
	err_dev = st.st_dev;
	err_ino = st.st_ino;
	err_state = 1;
}

/* Whether descriptor 2 is still the standard error found at start. A program may close it and
 * open one of its own files there (daemons, a program that reuses the number for data): our
 * line must never land in the program's file. */
static int stderr_is_ours(void)
{
	struct stat st;
	if (err_state == 0)
		return 1;
	return err_state > 0 && fstat(2, &st) == 0 && st.st_dev == err_dev && st.st_ino == err_ino;
}

void hf_warn(const char *fmt, ...)
{
	if (hf_fmt_quiet || !stderr_is_ours())
		return;
	int err = errno;
	char buf[1024];
	static const char prefix[] = "heapfold: ";
	memcpy(buf, prefix, sizeof prefix - 1);
	va_list ap;
	va_start(ap, fmt);
	size_t n = sizeof prefix - 1;
	n += hf_vfmt(buf + n, sizeof buf - n - 1, fmt, ap);
	va_end(ap);
	buf[n++] = '\n';
	ssize_t w = write(2, buf, n); /* one write: the line is not interleaved with others */
	(void)w;
	errno = err;
}
