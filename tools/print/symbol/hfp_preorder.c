/* hfp_preorder.c: the keys of hfp_preorder.h, from the nodes' parents alone, in two passes over
 * the ids, one array and no list of children: a trace defines a parent before its children
 * (docs/format.md, NODE records), so walking the ids down adds each subtree's size into its
 * parent's, and walking them up gives each node the next free rank of its parent, whose next
 * free rank then moves past the node's subtree. A node's entry ends as its rank plus its
 * subtree's size: one past its last descendant's rank, a leaf's rank plus one. (Keeping the
 * ranks apart took a second array of the same size: 21 MB more at heapfold_print's peak on a
 * trace of 5 million nodes.) */
#include <stdlib.h>

#include "heapfold_trace.h"

#include "../core/hfp_mem.h"
#include "hfp_preorder.h"

/* The parent of id; a node the reader cannot give, or whose parent does not come before it
 * (which a trace the reader accepted does not have), hangs from the root. */
static uint32_t parent_of(const struct hfp_nodesrc *nodes, uint32_t id)
{
	struct hf_node nd = hfp_node(nodes, id);
	return nd.frame && nd.parent < id ? nd.parent : 0;
}

uint32_t *hfp_node_preorder(const struct hfp_nodesrc *nodes)
{
	uint32_t n = nodes->count;
	/* size[id], the nodes of id's subtree, until id's rank is given; then next[id], the rank
	 * its next child gets. */
	uint32_t *sn = hfp_malloc(((size_t)n + 1) * sizeof *sn);
	hfp_mem_present(sn, ((size_t)n + 1) * sizeof *sn);
	for (size_t id = 0; id <= n; id++)
		sn[id] = 1;
	for (uint32_t id = n; id > 0; id--)
		sn[parent_of(nodes, id)] += sn[id];
	sn[0] = 1; /* the root's rank is 0: its first child's is 1 */
	for (uint32_t id = 1; id <= n && id != 0; id++) {
		uint32_t p = parent_of(nodes, id), rank = sn[p];
		sn[p] += sn[id];
		sn[id] = rank + 1;
	}
	for (size_t id = 0; id <= n; id++)
		sn[id]--; /* one past the last descendant's rank: that rank, a leaf's own */
	return sn;
}
