// Ground truth for C++: operator new reaches malloc. new_array() makes 10 x new int[100]
// (400 bytes each, deleted); new_object() 20 x new Node (24 bytes, 5 leaked); containers work.
#include <cstdlib>
#include <map>
#include <string>
#include <vector>
#include <unistd.h>

struct Node {
	long a, b, c;
};

static Node *leaked[5];
void *volatile gt_sink;

__attribute__((noinline)) static void new_array()
{
	for (int i = 0; i < 10; i++) {
		int *p = new int[100];
		gt_sink = p;
		delete[] p;
	}
}

__attribute__((noinline)) static void new_object()
{
	for (int i = 0; i < 20; i++) {
		Node *n = new Node{i, i, i};
		gt_sink = n;
		if (i < 15)
			delete n;
		else
			leaked[i - 15] = n;
	}
}

template <typename T> __attribute__((noinline)) static size_t fill_container(T &c, int n)
{
	for (int i = 0; i < n; i++)
		c.insert(c.end(), typename T::value_type());
	return c.size();
}

int main()
{
	new_array();
	new_object();
	std::vector<std::string> v;
	std::map<int, long> m;
	for (int i = 0; i < 100; i++)
		m[i] = i;
	if (fill_container(v, 1000) != 1000 || m.size() != 100)
		return 1;
	gt_sink = leaked;
	if (write(1, "gt_cxx: ok\n", 11) < 0)
		return 1;
	return 0;
}
