// Ground truth for C++ names (tests/integration/print_symbols.sh): a function template
// instantiated twice and a method in a namespace, each allocating with new:
//   make_array<int>(100)  x 2: 400 bytes each   -> "int* ns::make_array<int>(unsigned long)"
//   make_array<double>(8) x 3: 64 bytes each    -> "double* ns::make_array<double>(unsigned long)"
//   ns::Pool::grow()      x 5: 32 bytes each    -> "ns::Pool::grow()"
#include <cstdlib>
#include <unistd.h>

void *volatile gt_sink;

namespace ns {

template <typename T> __attribute__((noinline)) T *make_array(unsigned long n)
{
	T *p = new T[n];
	gt_sink = p;
	return p;
}

struct Pool {
	char *blocks[5];
	int n = 0;
	__attribute__((noinline)) void grow()
	{
		blocks[n] = new char[32];
		gt_sink = blocks[n];
		n++;
	}
};

} // namespace ns

int main()
{
	for (int i = 0; i < 2; i++)
		ns::make_array<int>(100);
	for (int i = 0; i < 3; i++)
		ns::make_array<double>(8);
	ns::Pool pool;
	for (int i = 0; i < 5; i++)
		pool.grow();
	ssize_t r = write(1, "print_cxx: ok\n", 14);
	(void)r;
	return 0;
}
