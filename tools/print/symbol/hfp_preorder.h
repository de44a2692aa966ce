/* hfp_preorder.h: where each node of a trace's stack tree comes in a depth-first walk of the
 * tree. Stacks whose leaves are near in that order share most of their frames, so an output
 * that visits stacks in it can carry each stack's common prefix over from the one before
 * (hfp_folded_stream.c) instead of finding every level again. */
#ifndef HFP_PREORDER_H
#define HFP_PREORDER_H

#include <stdint.h>

#include "hfp_symbol.h"

/* The preorder rank of every node: rank[id] for ids 0 (the root above the outermost frames,
 * rank 0) to nodes->count, a node before its children, children in the order of their ids.
 * An array of count + 1, freed by the caller. */
uint32_t *hfp_node_preorder(const struct hfp_nodesrc *nodes);

#endif
