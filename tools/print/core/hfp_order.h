/* hfp_order.h: the order of n 32-bit keys, for the stages that reorder their items by a key
 * (the drain in depth-first order of the stack tree, -F's trie). */
#ifndef HFP_ORDER_H
#define HFP_ORDER_H

#include <stddef.h>
#include <stdint.h>

/* The indices 0 .. n-1 sorted by key[i], equal keys in index order (n < 2^32). Freed by the
 * caller. Two passes of a radix sort on the keys' halves: linear, and no comparison calls. */
uint32_t *hfp_order_by_key(const uint32_t *key, size_t n);

#endif
