/*
 * Bidirectional breadth-first search over the bipartite CSR graph.
 *
 * mcg_lib/graph/search.py states the rules (levels, which side goes next,
 * budgets, tie-breaking) and calls mcg_find_chain through ctypes. The code
 * is plain C with no Python API, so one build serves every Python version.
 *
 * Each node's mark is 16 bits, in caller-owned arrays that start zeroed and
 * are zeroed again before returning:
 *   bits 0-13  depth + 1 within its side's search (0 = not reached)
 *   bit 14     reached by the search from the high artist
 *   bit 15     lies on a shortest chain (set while the chain is rebuilt)
 */

/* clock_gettime under -std=c11 */
#define _POSIX_C_SOURCE 199309L

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef uint16_t Mark;

#define DEPTH_BITS 0x3fff
#define HIGH_SIDE 0x4000
#define ON_PATH 0x8000


enum {
    FOUND = 0,
    UNREACHABLE = 1,
    HOPS_EXCEEDED = 2,
    EXPANDED_EXCEEDED = 3,
    DEADLINE_PASSED = 4,
    OUT_OF_MEMORY = 5,
    DAMAGED = 6, /* offsets or targets out of range, or marks that do not add up */
};

typedef struct {
    int32_t *items;
    int64_t length;
    int64_t capacity;
} NodeList;

/* One direction of the graph: neighbours of node i are targets[offsets[i]:offsets[i+1]].
 * Offsets are int64 as stored, or int32 when a server has narrowed them. */
typedef struct {
    const int64_t *offsets64;
    const int32_t *offsets32;
    const int32_t *targets;
    int64_t edges;        /* length of targets */
    uint32_t target_count; /* nodes of the other type: every target is below it */
} Adjacency;

static inline int64_t offset_at(const Adjacency *adjacency, int64_t node)
{
    return adjacency->offsets64 ? adjacency->offsets64[node] : adjacency->offsets32[node];
}

/* Reads the bounds of a node's neighbours; returns -1 if a damaged file puts them out of range. */
static inline int neighbour_range(const Adjacency *adjacency, int64_t node, int64_t *start, int64_t *end)
{
    *start = offset_at(adjacency, node);
    *end = offset_at(adjacency, node + 1);
    return (*start < 0 || *end < *start || *end > adjacency->edges) ? -1 : 0;
}

static inline void prefetch_offset(const Adjacency *adjacency, int64_t node)
{
    if (adjacency->offsets64)
        __builtin_prefetch(&adjacency->offsets64[node]);
    else
        __builtin_prefetch(&adjacency->offsets32[node]);
}

/* One of the two searches. Node lists of every depth are stored one after
 * the other in nodes; depth d spans layer_start[d] to layer_start[d + 1]. */
typedef struct {
    int32_t root;
    int depth;
    Mark side_bit;
    NodeList nodes;
    int64_t *layer_start; /* 2 * max_hops + 2 entries */
    int64_t cost; /* edges out of the deepest layer */
} Side;

typedef struct {
    Adjacency by_type[2]; /* 0: artist -> releases, 1: release -> artists */
    Mark *marks[2];    /* 0: artists, 1: releases */
    double deadline;      /* CLOCK_MONOTONIC seconds; 0 means none */
    int64_t clock_every;  /* edges read between two looks at the clock */
    int64_t edges_since_clock;
} Search;

static int push(NodeList *list, int32_t node)
{
    if (list->length == list->capacity) {
        int64_t capacity = list->capacity ? list->capacity * 2 : 1024;
        int32_t *grown = realloc(list->items, (size_t)capacity * sizeof(int32_t));
        if (grown == NULL)
            return -1;
        list->items = grown;
        list->capacity = capacity;
    }
    list->items[list->length++] = node;
    return 0;
}

static double now(void)
{
    struct timespec spec;
    clock_gettime(CLOCK_MONOTONIC, &spec);
    return (double)spec.tv_sec + (double)spec.tv_nsec * 1e-9;
}

/* Counts edges read and returns whether the deadline has passed, looking at
 * the clock only every clock_every edges. */
static int out_of_time(Search *search, int64_t edges)
{
    if (search->deadline <= 0)
        return 0;
    search->edges_since_clock += edges;
    if (search->edges_since_clock < search->clock_every)
        return 0;
    search->edges_since_clock = 0;
    return now() > search->deadline;
}

/* Node type of a side's layer at a depth: artists at even depths. */
static int type_at(int depth)
{
    return depth % 2;
}

/* Edges out of a side's deepest layer, or -1 if the graph is damaged. */
static int64_t layer_cost(const Search *search, const Side *side)
{
    const Adjacency *adjacency = &search->by_type[type_at(side->depth)];
    int64_t cost = 0;
    for (int64_t i = side->layer_start[side->depth]; i < side->nodes.length; i++) {
        if (i + 16 < side->nodes.length)
            prefetch_offset(adjacency, side->nodes.items[i + 16]);
        int64_t start, end;
        if (neighbour_range(adjacency, side->nodes.items[i], &start, &end))
            return -1;
        cost += end - start;
    }
    return cost;
}

static int reserve(NodeList *list, int64_t extra)
{
    if (list->length + extra <= list->capacity)
        return 0;
    int64_t capacity = list->length + extra + 1024;
    int32_t *grown = realloc(list->items, (size_t)capacity * sizeof(int32_t));
    if (grown == NULL)
        return -1;
    list->items = grown;
    list->capacity = capacity;
    return 0;
}

/* Records the nodes from last to length as the side's next layer, so that
 * their marks are found and cleared even when the expansion stopped early. */
static int close_layer(Side *side, int64_t last, int64_t length, int status)
{
    side->nodes.length = length;
    side->depth++;
    side->layer_start[side->depth] = last;
    return status;
}

/* Expands the deepest layer of a side. Nodes the other side reached go to
 * met (each once); nodes that neither side reached are marked and form the next layer.
 *
 * The inner loop has no branch on whether a neighbour is new: which ones
 * are is random, and mispredicted branches would stop the processor from
 * waiting on several marks' cache misses at once. Every neighbour is
 * written after the layer and only new ones advance the length, so the
 * list first gets room for all of the layer's edges. */
static int expand(Search *search, Side *side, const Side *other, NodeList *met)
{
    int from_type = type_at(side->depth);
    const Adjacency *adjacency = &search->by_type[from_type];
    Mark *marks = search->marks[1 - from_type];
    Mark own = (Mark)(side->side_bit | (side->depth + 2));
    Mark other_bit = other->side_bit;
    int64_t first = side->layer_start[side->depth];
    int64_t last = side->nodes.length;
    if (reserve(&side->nodes, side->cost))
        return OUT_OF_MEMORY;
    int32_t *nodes = side->nodes.items;
    int64_t length = last;

    for (int64_t i = first; i < last; i++) {
        if (i + 8 < last)
            prefetch_offset(adjacency, nodes[i + 8]);
        int32_t node = nodes[i];
        int64_t start, end;
        if (neighbour_range(adjacency, node, &start, &end))
            return close_layer(side, last, length, DAMAGED);
        if (out_of_time(search, end - start))
            return close_layer(side, last, length, DEADLINE_PASSED);
        for (int64_t e = start; e < end; e++) {
            if (e + 16 < end)
                __builtin_prefetch(&marks[adjacency->targets[e + 16]], 1);
            int32_t next = adjacency->targets[e];
            if ((uint32_t)next >= adjacency->target_count)
                return close_layer(side, last, length, DAMAGED);
            Mark mark = marks[next];
            int fresh = mark == 0;
            marks[next] = fresh ? own : mark;
            nodes[length] = next;
            length += fresh;
            /* Reached by the other side and not yet met. ON_PATH doubles
             * as "already in met" during the search. */
            if (mark != 0 && ((mark ^ other_bit) & (HIGH_SIDE | ON_PATH)) == 0) {
                marks[next] = mark | ON_PATH;
                if (push(met, next))
                    return close_layer(side, last, length, OUT_OF_MEMORY);
            }
        }
    }
    return close_layer(side, last, length, FOUND);
}

/* Lowest-index neighbour of node (of type from_type) whose mark passes the test. */
static int32_t first_neighbour(const Search *search, int from_type, int32_t node, Mark mask, Mark want)
{
    const Adjacency *adjacency = &search->by_type[from_type];
    const Mark *marks = search->marks[1 - from_type];
    int64_t start, end;
    if (neighbour_range(adjacency, node, &start, &end))
        return -1;
    for (int64_t e = start; e < end; e++) {
        int32_t next = adjacency->targets[e];
        if ((uint32_t)next >= adjacency->target_count)
            return -1;
        if ((marks[next] & mask) == want)
            return next;
    }
    return -1;
}

/*
 * Writes the chain from the high artist to the low one into chain and
 * returns its length, or -1 if the graph is damaged. The search has
 * already marked the meeting nodes ON_PATH.
 *
 * First the nodes on a shortest chain are marked ON_PATH, from the meeting
 * nodes back to the high root: a node of the high side's layer d is on one
 * when a neighbour at depth d + 1 is. Neighbours of layer d lie at depth
 * d - 1 or d + 1, and those at d - 1 are not yet marked, so the mark alone
 * decides. The walk then goes from the root through the lowest-index marked
 * neighbour one level deeper, down to a meeting node, and from there through
 * the lowest-index neighbour one level closer to the low artist.
 */
static int rebuild(Search *search, const Side *high, const Side *low, Mark met_side_bit, int32_t *chain)
{
    int high_depth = high->depth;
    for (int depth = high_depth - 1; depth >= 0; depth--) {
        int type = type_at(depth);
        Mark *marks = search->marks[type];
        for (int64_t i = high->layer_start[depth]; i < high->layer_start[depth + 1]; i++) {
            int32_t node = high->nodes.items[i];
            if (first_neighbour(search, type, node, ON_PATH, ON_PATH) >= 0)
                marks[node] |= ON_PATH;
        }
    }

    int length = 1;
    chain[0] = high->root;
    for (int depth = 1; depth <= high_depth; depth++) {
        /* Meeting nodes reached by the high side carry its depth; the
         * others are the only low-side nodes marked ON_PATH. */
        Mark mask = ON_PATH | HIGH_SIDE | DEPTH_BITS;
        Mark want = (Mark)(ON_PATH | HIGH_SIDE | (depth + 1));
        if (depth == high_depth && met_side_bit != HIGH_SIDE) {
            mask = ON_PATH | HIGH_SIDE;
            want = ON_PATH;
        }
        chain[length] = first_neighbour(search, type_at(depth - 1), chain[length - 1], mask, want);
        if (chain[length++] < 0)
            return -1;
    }

    /* Meeting nodes lie at the low side's depth: the side that met them
     * reached them there, or had reached them when the other side met them. */
    for (int low_depth = low->depth; low_depth > 0; low_depth--) {
        /* The next node is on the low side at depth low_depth - 1. */
        chain[length] =
            first_neighbour(search, type_at(length - 1), chain[length - 1], DEPTH_BITS | HIGH_SIDE, (Mark)low_depth);
        if (chain[length++] < 0)
            return -1;
    }
    return length;
}

static void clear_marks(Search *search, const Side *side)
{
    if (side->layer_start == NULL)
        return;
    for (int depth = 0; depth <= side->depth; depth++) {
        Mark *marks = search->marks[type_at(depth)];
        int64_t end = depth < side->depth ? side->layer_start[depth + 1] : side->nodes.length;
        for (int64_t i = side->layer_start[depth]; i < end; i++) {
            if (i + 16 < end)
                __builtin_prefetch(&marks[side->nodes.items[i + 16]], 1);
            marks[side->nodes.items[i]] = 0;
        }
    }
}

static int start_side(Search *search, Side *side, int32_t root, Mark side_bit, int32_t max_hops)
{
    memset(side, 0, sizeof(*side));
    side->layer_start = calloc((size_t)(2 * max_hops + 2), sizeof(int64_t));
    if (side->layer_start == NULL)
        return OUT_OF_MEMORY;
    side->root = root;
    side->side_bit = side_bit;
    if (push(&side->nodes, root))
        return OUT_OF_MEMORY;
    search->marks[0][root] = (Mark)(side_bit | 1);
    side->cost = layer_cost(search, side);
    return side->cost < 0 ? DAMAGED : FOUND;
}

/*
 * Searches from artist node low and artist node high (low < high).
 *
 * On FOUND, chain holds chain_length[0] node indices from high to low,
 * alternating artist and release; it must have room for 2 * max_hops + 1.
 * offset_bytes (4 or 8) is the width of both offset arrays.
 * expanded[0] counts the nodes whose neighbours were read. max_hops must
 * be at most 8000 so that depths fit in a mark.
 */
int mcg_find_chain(const void *artist_offsets, const int32_t *artist_releases, const void *release_offsets,
                   const int32_t *release_artists, int32_t offset_bytes, int64_t artist_count, int64_t release_count,
                   int64_t edge_count, Mark *artist_marks, Mark *release_marks,
                   int32_t low, int32_t high, int32_t max_hops, int64_t max_expanded, double deadline, int64_t clock_every, int32_t *chain,
                   int32_t *chain_length, int64_t *expanded)
{
    Search search = {
        .by_type = {{NULL, NULL, artist_releases, edge_count, (uint32_t)release_count},
                    {NULL, NULL, release_artists, edge_count, (uint32_t)artist_count}},
        .marks = {artist_marks, release_marks},
        .deadline = deadline,
        /* So that the first edge read looks at the clock. */
        .clock_every = clock_every,
        .edges_since_clock = clock_every,
    };
    if (offset_bytes == 8) {
        search.by_type[0].offsets64 = artist_offsets;
        search.by_type[1].offsets64 = release_offsets;
    } else {
        search.by_type[0].offsets32 = artist_offsets;
        search.by_type[1].offsets32 = release_offsets;
    }
    Side sides[2] = {{0}, {0}};
    NodeList met = {0};
    if (low < 0 || high < 0 || low >= artist_count || high >= artist_count)
        return DAMAGED;
    int status = start_side(&search, &sides[0], low, 0, max_hops);
    if (status == FOUND)
        status = start_side(&search, &sides[1], high, HIGH_SIDE, max_hops);
    *expanded = 0;

    while (status == FOUND) {
        if (sides[0].depth + sides[1].depth + 1 > 2 * max_hops) {
            status = HOPS_EXCEEDED;
            break;
        }
        /* The side whose layer has fewer edges goes next. */
        int next_side = sides[0].cost <= sides[1].cost ? 0 : 1;
        Side *side = &sides[next_side];
        int64_t layer_size = side->nodes.length - side->layer_start[side->depth];
        if (*expanded + layer_size > max_expanded) {
            status = EXPANDED_EXCEEDED;
            break;
        }
        *expanded += layer_size;

        status = expand(&search, side, &sides[1 - next_side], &met);
        if (status != FOUND)
            break;
        if (met.length > 0) {
            /* Met nodes carry the mark of the side that did not just expand. */
            *chain_length = rebuild(&search, &sides[1], &sides[0], sides[1 - next_side].side_bit, chain);
            if (*chain_length < 0)
                status = DAMAGED;
            break;
        }
        if (side->nodes.length == side->layer_start[side->depth]) {
            status = UNREACHABLE;
            break;
        }
        side->cost = layer_cost(&search, side);
        if (side->cost < 0)
            status = DAMAGED;
    }

    clear_marks(&search, &sides[0]);
    clear_marks(&search, &sides[1]);
    for (int index = 0; index < 2; index++) {
        free(sides[index].nodes.items);
        free(sides[index].layer_start);
    }
    free(met.items);
    return status;
}
