/* hfp_preorder.h: where each node of a trace's stack tree comes in a depth-first walk of the
 * tree. Stacks whose leaves are near in that order share most of their frames, so an output
 * that visits stacks in it can carry each stack's common prefix over from the one before
 * (hfp_folded_stream.c) instead of finding every level again. */
#ifndef HFP_PREORDER_H
#define HFP_PREORDER_H

#include <stdint.h>

#include "hfp_symbol.h"

/* For every node, ids 0 (the root above the outermost frames) to nodes->count, the preorder
 * rank of its last descendant (a node before its children, children in the order of their ids,
 * the root's rank 0): a leaf's own rank, so leaves sorted by it are in preorder, and an inner
 * node comes after its subtree's leaves. The outputs sort stacks by their leaf (an allocator
 * node, which the reader makes sure is a leaf). An array of count + 1, freed by the caller. */
uint32_t *hfp_node_preorder(const struct hfp_nodesrc *nodes);

#endif
