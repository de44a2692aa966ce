// Ground truth for allocation functions above malloc (tests/integration/print_allocfn.sh). Each
// site allocates a known number of times through one allocation function:
//   site_new          4 x new Obj                 operator new(unsigned long)
//   site_new_array    3 x new char[100]           operator new[](unsigned long)
//   site_nothrow      2 x new (nothrow) Obj       operator new(unsigned long, nothrow_t const&)
//   site_aligned      5 x new Aligned (64-byte)   operator new(unsigned long, align_val_t)
//   site_xmalloc      6 x xmalloc(40)             a GNU-style wrapper, in the default list
//   site_xstrdup      7 x xstrdup("...")          a copy helper: visible by default
//   site_wrap         8 x my_alloc(16)            the program's own wrapper: --allocator-frame
//   site_throw        3 x throw Error (caught)    __cxa_allocate_exception: visible by default
// All are freed, and so is libstdc++'s emergency exception pool (at exit): nothing leaks.
#include <cstdlib>
#include <cstring>
#include <new>
#include <unistd.h>

void *volatile gt_sink;

struct Obj {
	long a, b;
};
struct alignas(64) Aligned {
	char c[64];
};

extern "C" __attribute__((noinline)) void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p)
		abort();
	return p;
}

extern "C" __attribute__((noinline)) char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return static_cast<char *>(memcpy(xmalloc(n), s, n));
}

extern "C" __attribute__((noinline)) void *my_alloc(size_t n)
{
	return xmalloc(n);
}

#define SITE(name, count, alloc, release)                                                          \
	__attribute__((noinline)) static void name()                                               \
	{                                                                                          \
		for (int i = 0; i < count; i++) {                                                  \
			auto p = alloc;                                                            \
			gt_sink = p;                                                               \
			release;                                                                   \
		}                                                                                  \
	}

SITE(site_new, 4, new Obj(), delete p)
SITE(site_new_array, 3, new char[100], delete[] p)
SITE(site_nothrow, 2, new (std::nothrow) Obj(), delete p)
SITE(site_aligned, 5, new Aligned(), delete p)
SITE(site_xmalloc, 6, xmalloc(40), free(p))
SITE(site_xstrdup, 7, xstrdup("a string"), free(p))
SITE(site_wrap, 8, my_alloc(16), free(p))

struct Error {
	long code;
};

__attribute__((noinline)) static void thrower(int i)
{
	throw Error{i};
}

__attribute__((noinline)) static void site_throw()
{
	for (int i = 0; i < 3; i++) {
		try {
			thrower(i);
		} catch (const Error &e) {
			gt_sink = const_cast<Error *>(&e);
		}
	}
}

int main()
{
	site_new();
	site_new_array();
	site_nothrow();
	site_aligned();
	site_xmalloc();
	site_xstrdup();
	site_wrap();
	site_throw();
	ssize_t r = write(1, "print_allocfn: ok\n", 18);
	(void)r;
	return 0;
}
