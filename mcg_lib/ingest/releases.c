/*
 * Compiled converter for batches of <release> records.
 *
 * It turns a batch of whole records (the bytes the splitter cuts, without the
 * root element) into the columns of the release tables, the same values the
 * lxml converter in records/releases.py gives, in the same row order. Each
 * record is read into a small tree of nodes first, and the tree is then
 * walked in the order the Python code walks its elements, so repeated
 * elements, ordinals and the sub-track order come out the same.
 *
 * Some input this file does not handle exactly: comments, CDATA, control
 * characters, invalid UTF-8, numbers or dates written with non-ASCII
 * characters, anything not well-formed. It then gives the batch back, and the
 * caller parses that batch with lxml, which also raises the errors. So this
 * converter never has to decide what is an error.
 *
 * Plain C, no Python API: loaded with ctypes, compiled by hatch_build.py.
 */

#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MCG_OK 0
#define MCG_UNSUPPORTED 1
#define MCG_NO_MEMORY 2

#define MAX_DEPTH 64
#define MAX_COLUMNS 14
#define PATH_MAX_BYTES 2048

enum { C_I64, C_I32, C_BOOL, C_STR, C_STRLIST, C_ROLES };

enum {
    T_RELEASES, T_CREDITS, T_LABELS, T_COMPANIES, T_FORMATS, T_GENRES, T_STYLES,
    T_IDENTIFIERS, T_SERIES, T_VIDEOS, T_IMAGES, T_TRACKS, N_TABLES
};

/* Column types per table, in the column order of mcg_lib/ingest/schema.py.
 * -1 ends a table. */
static const int8_t SCHEMA[N_TABLES][MAX_COLUMNS + 1] = {
    /* releases */ {C_I64, C_STR, C_STR, C_STR, C_STR, C_I32, C_I32, C_I32, C_BOOL, C_STR, C_STR, C_I64, C_BOOL, -1},
    /* release_credits */ {C_I64, C_STR, C_I32, C_I32, C_I64, C_STR, C_STR, C_STR, C_STR, C_ROLES, C_STR, -1},
    /* release_labels */ {C_I64, C_I32, C_I64, C_STR, C_STR, -1},
    /* release_companies */ {C_I64, C_I32, C_I64, C_STR, C_STR, C_I32, C_STR, C_STR, -1},
    /* release_formats */ {C_I64, C_I32, C_STR, C_STR, C_STR, C_STRLIST, -1},
    /* release_genres */ {C_I64, C_I32, C_STR, -1},
    /* release_styles */ {C_I64, C_I32, C_STR, -1},
    /* release_identifiers */ {C_I64, C_I32, C_STR, C_STR, C_STR, -1},
    /* release_series */ {C_I64, C_I32, C_I64, C_STR, C_STR, -1},
    /* release_videos */ {C_I64, C_I32, C_STR, C_I32, C_BOOL, C_STR, C_STR, -1},
    /* release_images */ {C_I64, C_I32, C_STR, C_STR, C_STR, C_I32, C_I32, -1},
    /* tracks */ {C_I64, C_I32, C_I32, C_STR, C_STR, C_STR, C_I32, C_STR, -1},
};

/* Element names the walk handles: X_<NAME> is the tag of <name>. */
#define ELEMENT_NAMES(X) \
    X(RELEASE, release) \
    X(TITLE, title) \
    X(COUNTRY, country) \
    X(RELEASED, released) \
    X(NOTES, notes) \
    X(DATA_QUALITY, data_quality) \
    X(ARTISTS, artists) \
    X(EXTRAARTISTS, extraartists) \
    X(TRACKLIST, tracklist) \
    X(LABELS, labels) \
    X(FORMATS, formats) \
    X(GENRES, genres) \
    X(STYLES, styles) \
    X(IDENTIFIERS, identifiers) \
    X(COMPANIES, companies) \
    X(VIDEOS, videos) \
    X(IMAGES, images) \
    X(SERIES, series) \
    X(MASTER_ID, master_id) \
    X(TRACK, track) \
    X(POSITION, position) \
    X(DURATION, duration) \
    X(SUB_TRACKS, sub_tracks) \
    X(LABEL, label) \
    X(FORMAT, format) \
    X(DESCRIPTIONS, descriptions) \
    X(DESCRIPTION, description) \
    X(GENRE, genre) \
    X(STYLE, style) \
    X(IDENTIFIER, identifier) \
    X(COMPANY, company) \
    X(ID, id) \
    X(NAME, name) \
    X(CATNO, catno) \
    X(ENTITY_TYPE, entity_type) \
    X(ENTITY_TYPE_NAME, entity_type_name) \
    X(RESOURCE_URL, resource_url) \
    X(VIDEO, video) \
    X(IMAGE, image) \
    X(ARTIST, artist) \
    X(ANV, anv) \
    X(JOIN, join) \
    X(ROLE, role) \
    X(TRACKS, tracks)

#define AS_ENUM(upper, lower) X_##upper,
enum { X_OTHER, ELEMENT_NAMES(AS_ENUM) N_NAMES };

#define AS_NAME(upper, lower) {#lower, sizeof(#lower) - 1},
static const struct {
    const char *s;
    int32_t n;
} NAMES[N_NAMES] = {{"", 0}, ELEMENT_NAMES(AS_NAME)};

typedef struct {
    char *p;
    int64_t n, cap;
} buf;

typedef struct {
    int8_t type;
    int64_t n, nulls;
    buf valid;  /* validity bitmap */
    buf vals;   /* int64 / int32 values, bool bitmap, or int32 offsets */
    buf data;   /* string bytes, or for string lists the child offsets */
    buf data2;  /* string lists: the child bytes */
    int64_t child_n;
    /* roles, a list of (role, details) structs: data and data2 hold the
     * roles, these the details */
    buf details_valid, details_offsets, details;
    int64_t details_nulls;
} column;

typedef struct {
    const char *name, *val;
    int32_t name_len, val_len;
    uint8_t raw; /* the value has no entity, CR, LF or TAB: usable as it is */
} attr;

typedef struct {
    const char *name, *text;
    int32_t name_len, text_len;
    int32_t first_child, next_sibling, last_child, n_children;
    int32_t attr_first, attr_count;
    int16_t tag;
    uint8_t text_raw; /* the text has no entity or CR */
} node;

typedef struct {
    column tables[N_TABLES][MAX_COLUMNS];
    int n_columns[N_TABLES];

    node *nodes;
    int32_t n_nodes, cap_nodes;
    attr *attrs;
    int32_t n_attrs, cap_attrs;

    buf scratch;
    buf unknown; /* NUL-terminated paths of unknown elements and attributes */
    int64_t n_unknown;
    char path[PATH_MAX_BYTES];
    int32_t path_len;

    int has_cr; /* the batch has a CR byte somewhere */
    int64_t records, skipped, first_id, last_id;
    /* Start tags written exactly as "<release " or "<release>", "<artist>" and
     * "<track>": the markers count_elements in batch.py counts in the bytes. */
    int64_t marked_releases, marked_artists, marked_tracks;
    int has_first;
    const char *reason;
    jmp_buf fail;
} ctx;

/* ------------------------------------------------------------------ errors */

static void give_back(ctx *c, const char *reason) {
    c->reason = reason;
    longjmp(c->fail, MCG_UNSUPPORTED);
}

static void out_of_memory(ctx *c) {
    c->reason = "out of memory";
    longjmp(c->fail, MCG_NO_MEMORY);
}

/* ----------------------------------------------------------------- buffers */

static void reserve(ctx *c, buf *b, int64_t extra) {
    if (b->n + extra <= b->cap) return;
    int64_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + extra) cap *= 2;
    char *p = realloc(b->p, (size_t)cap);
    if (!p) out_of_memory(c);
    b->p = p;
    b->cap = cap;
}

static void push_bytes(ctx *c, buf *b, const void *src, int64_t n) {
    reserve(c, b, n);
    memcpy(b->p + b->n, src, (size_t)n);
    b->n += n;
}

static void push_bit(ctx *c, buf *b, int64_t index, int value) {
    if ((index & 7) == 0) {
        reserve(c, b, 1);
        b->p[b->n++] = 0;
    }
    if (value) b->p[index >> 3] |= (char)(1 << (index & 7));
}

static void push_offset(ctx *c, buf *b, int64_t value) {
    int32_t v = (int32_t)value;
    push_bytes(c, b, &v, 4);
}

/* ----------------------------------------------------------------- columns */

static column *col(ctx *c, int table, int index) { return &c->tables[table][index]; }

static void set_null(ctx *c, column *k, int is_null) {
    push_bit(c, &k->valid, k->n, !is_null);
    if (is_null) k->nulls++;
}

static void put_i64(ctx *c, column *k, int64_t v, int is_null) {
    if (is_null) v = 0;
    push_bytes(c, &k->vals, &v, 8);
    set_null(c, k, is_null);
    k->n++;
}

static void put_i32(ctx *c, column *k, int64_t v, int is_null) {
    int32_t w = is_null ? 0 : (int32_t)v;
    push_bytes(c, &k->vals, &w, 4);
    set_null(c, k, is_null);
    k->n++;
}

static void put_bool(ctx *c, column *k, int v, int is_null) {
    push_bit(c, &k->vals, k->n, !is_null && v);
    set_null(c, k, is_null);
    k->n++;
}

static void put_str(ctx *c, column *k, const char *s, int64_t n) {
    if (s) push_bytes(c, &k->data, s, n);
    push_offset(c, &k->vals, k->data.n);
    set_null(c, k, s == NULL);
    k->n++;
}

static void put_null_str(ctx *c, column *k) { put_str(c, k, NULL, 0); }

/* --------------------------------------------------------------- decoding */

static int is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

static void push_utf8(ctx *c, buf *out, uint32_t cp) {
    char b[4];
    int n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    push_bytes(c, out, b, n);
}

static int xml_char(uint32_t cp) {
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
           (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* Read the reference at s[0] == '&'; return its length and set *cp, or give
 * the batch back when it is not one of the five predefined entities or a
 * character reference to a character XML allows. */
static int64_t entity(ctx *c, const char *s, const char *end, uint32_t *cp) {
    const char *semi = memchr(s, ';', (size_t)(end - s < 12 ? end - s : 12));
    if (!semi) give_back(c, "entity");
    int64_t n = semi - s - 1;
    const char *name = s + 1;
    if (n == 2 && name[0] == 'l' && name[1] == 't') *cp = '<';
    else if (n == 2 && name[0] == 'g' && name[1] == 't') *cp = '>';
    else if (n == 3 && memcmp(name, "amp", 3) == 0) *cp = '&';
    else if (n == 4 && memcmp(name, "quot", 4) == 0) *cp = '"';
    else if (n == 4 && memcmp(name, "apos", 4) == 0) *cp = '\'';
    else if (n >= 2 && name[0] == '#') {
        uint32_t v = 0;
        int hex = name[1] == 'x';
        const char *d = name + 1 + hex;
        if (d == semi) give_back(c, "entity");
        for (; d < semi; d++) {
            int digit;
            if (*d >= '0' && *d <= '9') digit = *d - '0';
            else if (hex && *d >= 'a' && *d <= 'f') digit = *d - 'a' + 10;
            else if (hex && *d >= 'A' && *d <= 'F') digit = *d - 'A' + 10;
            else give_back(c, "entity");
            v = v * (hex ? 16 : 10) + (uint32_t)digit;
            if (v > 0x10FFFF) give_back(c, "entity");
        }
        if (!xml_char(v)) give_back(c, "entity");
        *cp = v;
    } else {
        give_back(c, "entity");
    }
    return semi - s + 1;
}

/* Append the text an XML parser gives for raw[0..n): entities decoded, line
 * ends normalized, and in attribute values TAB, LF and CR turned to spaces.
 * The catalog stores LF line ends, so a CR written as a character reference
 * becomes LF too, and a CR-LF pair one LF. */
static void decode(ctx *c, buf *out, const char *raw, int64_t n, int in_attr) {
    const char *p = raw, *end = raw + n;
    int after_cr = 0;
    while (p < end) {
        char ch = *p;
        if (ch == '&') {
            uint32_t cp;
            p += entity(c, p, end, &cp);
            if (cp == '\r') {
                reserve(c, out, 1);
                out->p[out->n++] = '\n';
                after_cr = 1;
                continue;
            }
            if (cp == '\n' && after_cr) {
                after_cr = 0;
                continue;
            }
            push_utf8(c, out, cp);
        } else if (ch == '\r' || ((ch == '\n' || ch == '\t') && in_attr)) {
            if (ch == '\r' && p + 1 < end && p[1] == '\n') p++;
            char put = in_attr ? ' ' : (ch == '\t' ? '\t' : '\n');
            if (!(put == '\n' && after_cr)) {
                reserve(c, out, 1);
                out->p[out->n++] = put;
            }
            p++;
        } else if (ch == '\n' && after_cr) {
            p++;
        } else {
            reserve(c, out, 1);
            out->p[out->n++] = ch;
            p++;
        }
        after_cr = 0;
    }
}

typedef struct {
    const char *s;
    int64_t n;
} text;

static const text NONE = {NULL, 0};

/* Decoded text in the scratch buffer (for values that are parsed, not stored). */
static text scratch_text(ctx *c, const char *raw, int64_t n, int is_raw, int in_attr) {
    if (is_raw) return (text){raw, n};
    c->scratch.n = 0;
    decode(c, &c->scratch, raw, n, in_attr);
    return (text){c->scratch.p, c->scratch.n};
}

static void put_raw(ctx *c, column *k, const char *raw, int64_t n, int is_raw, int in_attr) {
    if (is_raw) {
        put_str(c, k, raw, n);
        return;
    }
    decode(c, &k->data, raw, n, in_attr);
    push_offset(c, &k->vals, k->data.n);
    set_null(c, k, 0);
    k->n++;
}

/* ------------------------------------------------------------------ values */

static int ascii(text t) {
    for (int64_t i = 0; i < t.n; i++)
        if ((unsigned char)t.s[i] >= 0x80) return 0;
    return 1;
}

/* Python's int(): surrounding whitespace, a sign, digits with single
 * underscores between them. Returns 1 and sets *v, or 0 when it is not a
 * number or does not fit in 64 bits (the Python side maps both to null). */
static int to_int(ctx *c, text t, int64_t *v) {
    if (!t.s || t.n == 0) return 0;
    if (!ascii(t)) give_back(c, "non-ASCII number");
    const char *p = t.s, *end = t.s + t.n;
    while (p < end && is_space(*p)) p++;
    while (end > p && is_space(end[-1])) end--;
    int negative = 0;
    if (p < end && (*p == '+' || *p == '-')) negative = *p++ == '-';
    if (p == end) return 0;
    uint64_t value = 0;
    int big = 0, last_digit = 0;
    for (; p < end; p++) {
        if (*p == '_') {
            if (!last_digit || p + 1 == end) return 0;
            last_digit = 0;
            continue;
        }
        if (*p < '0' || *p > '9') return 0;
        last_digit = 1;
        if (value > (UINT64_MAX - 9) / 10) big = 1;
        else value = value * 10 + (uint64_t)(*p - '0');
    }
    if (!last_digit) return 0;
    if (big || value > (uint64_t)INT64_MAX) return 0;
    *v = negative ? -(int64_t)value : (int64_t)value;
    return 1;
}

/* An id is a positive number. 0 (an unlinked credit), junk and absence are null. */
static int to_id(ctx *c, text t, int64_t *v) { return to_int(c, t, v) && *v > 0; }

static int to_i32(ctx *c, text t, int64_t *v) {
    return to_int(c, t, v) && *v >= INT32_MIN && *v <= INT32_MAX;
}

/* Read up to at_most digits. Values stop growing at DIGITS_CAP, far above
 * any 32-bit result, so sums of hours, minutes and seconds cannot overflow. */
#define DIGITS_CAP 1000000000000LL

static int digits(const char **p, const char *end, int at_most, int64_t *v) {
    int n = 0;
    *v = 0;
    while (*p < end && **p >= '0' && **p <= '9' && n < at_most) {
        *v = *v < DIGITS_CAP ? *v * 10 + (**p - '0') : DIGITS_CAP;
        (*p)++;
        n++;
    }
    return n;
}

/* See parse_duration in text.py: M:SS, MM:SS or H:MM:SS, else null. */
static void put_duration(ctx *c, column *k, text t) {
    if (!t.s || t.n == 0) {
        put_i32(c, k, 0, 1);
        return;
    }
    if (!ascii(t)) give_back(c, "non-ASCII duration");
    const char *p = t.s, *end = t.s + t.n;
    while (p < end && is_space(*p)) p++;
    while (end > p && is_space(end[-1])) end--;
    int64_t part[3];
    int parts = 0;
    while (parts < 3) {
        if (!digits(&p, end, 1 << 30, &part[parts])) break;
        parts++;
        if (p < end && *p == ':') p++;
        else break;
    }
    int ok = p == end && parts >= 2 && end[-1] != ':';
    if (ok) {
        const char *s = end;
        int last = 0;
        while (s > t.s && s[-1] >= '0' && s[-1] <= '9') s--, last++;
        ok = last <= 2;
    }
    if (!ok) {
        put_i32(c, k, 0, 1);
        return;
    }
    int64_t total = parts == 3 ? part[0] * 3600 + part[1] * 60 + part[2] : part[0] * 60 + part[1];
    put_i32(c, k, total, total > INT32_MAX);
}

static int days_in(int64_t year, int64_t month) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

/* See parse_released in text.py. */
static void put_released(ctx *c, int64_t out[4], int nulls[4], text t) {
    for (int i = 0; i < 4; i++) nulls[i] = 1, out[i] = 0;
    if (!t.s) return;
    if (!ascii(t)) give_back(c, "non-ASCII date");
    const char *p = t.s, *end = t.s + t.n;
    while (p < end && is_space(*p)) p++;
    while (end > p && is_space(end[-1])) end--;
    if (p == end) return;
    nulls[3] = 0; /* valid is now false or true */

    int64_t year, month = 0, day = 0;
    if (digits(&p, end, 4, &year) != 4) return;
    if (p < end && *p == '-' && p + 1 < end && p[1] >= '0' && p[1] <= '9') {
        p++;
        digits(&p, end, 2, &month);
        if (p < end && *p == '-' && p + 1 < end && p[1] >= '0' && p[1] <= '9') {
            p++;
            digits(&p, end, 2, &day);
        }
    }
    if (p != end) return;

    if (year) out[0] = year, nulls[0] = 0;
    if (month && (month < 1 || month > 12)) return;
    if (month) out[1] = month, nulls[1] = 0;
    if (day && (!month || !year || day > days_in(year, month))) return;
    if (day) out[2] = day, nulls[2] = 0;
    out[3] = 1;
}

/* ------------------------------------------------------------------ roles */

/* Length of the whitespace character (as Python's str.isspace counts it) that
 * starts at p, or 0. */
static int space_at(const unsigned char *p, const unsigned char *end) {
    unsigned char a = p[0];
    if (a == ' ' || (a >= 0x09 && a <= 0x0D) || (a >= 0x1C && a <= 0x1F)) return 1;
    if (a < 0xC2 || p + 1 >= end) return 0;
    unsigned char b = p[1];
    if (a == 0xC2) return b == 0x85 || b == 0xA0 ? 2 : 0;
    if (p + 2 >= end) return 0;
    unsigned char d = p[2];
    if (a == 0xE1) return b == 0x9A && d == 0x80 ? 3 : 0;
    if (a == 0xE2 && b == 0x80) return d <= 0x8A || d == 0xA8 || d == 0xA9 || d == 0xAF ? 3 : 0;
    if (a == 0xE2 && b == 0x81) return d == 0x9F ? 3 : 0;
    if (a == 0xE3) return b == 0x80 && d == 0x80 ? 3 : 0;
    return 0;
}

/* Length of the whitespace character that ends just before p, or 0. */
static int space_before(const unsigned char *start, const unsigned char *p) {
    for (int n = 1; n <= 3 && p - n >= start; n++) {
        const unsigned char *q = p - n;
        if ((*q & 0xC0) == 0x80) continue; /* a continuation byte: look further back */
        return space_at(q, p) == n ? n : 0;
    }
    return 0;
}

static text strip(text t) {
    const unsigned char *p = (const unsigned char *)t.s, *end = p + t.n;
    int n;
    while (p < end && (n = space_at(p, end))) p += n;
    while (end > p && (n = space_before(p, end))) end -= n;
    return (text){(const char *)p, end - p};
}

static const char *find_last(const char *s, int64_t n, char ch) {
    for (int64_t i = n - 1; i >= 0; i--)
        if (s[i] == ch) return s + i;
    return NULL;
}

/* Append one comma-separated piece, "Role [details]", as _one_role in text.py splits it. */
static int put_role(ctx *c, column *k, text piece) {
    text t = strip(piece), role = t, details = NONE;
    const char *open = memchr(t.s, '[', (size_t)t.n);
    if (open) {
        const char *close = find_last(t.s, t.n, ']');
        if (!close || close < open) close = t.s + t.n;
        role = strip((text){t.s, open - t.s});
        details = strip((text){open + 1, close - open - 1});
        if (details.n == 0) details = NONE;
    }
    if (role.n == 0 && !details.s) return 0;
    push_bytes(c, &k->data2, role.s, role.n);
    push_offset(c, &k->data, k->data2.n);
    push_bit(c, &k->details_valid, k->child_n, details.s != NULL);
    if (details.s) push_bytes(c, &k->details, details.s, details.n);
    else k->details_nulls++;
    push_offset(c, &k->details_offsets, k->details.n);
    k->child_n++;
    return 1;
}

/* Split a credit's role text at the commas outside brackets; see parse_roles
 * in text.py. The pieces point into the role column, which the pieces' own
 * columns never reallocate. */
static void put_roles(ctx *c, column *k, text raw) {
    int64_t before = k->child_n;
    if (raw.s && raw.n) {
        int depth = 0;
        const char *start = raw.s, *end = raw.s + raw.n;
        for (const char *p = raw.s; p < end; p++) {
            if (*p == '[') depth++;
            else if (*p == ']') depth = depth > 0 ? depth - 1 : 0;
            else if (*p == ',' && depth == 0) {
                put_role(c, k, (text){start, p - start});
                start = p + 1;
            }
        }
        put_role(c, k, (text){start, end - start});
    }
    push_offset(c, &k->vals, k->child_n);
    set_null(c, k, k->child_n == before);
    k->n++;
}

/* -------------------------------------------------------------- the tree */

static node *N(ctx *c, int32_t i) { return &c->nodes[i]; }

static text node_text(ctx *c, int32_t i) {
    if (i < 0 || N(c, i)->text_len == 0) return NONE;
    node *x = N(c, i);
    return scratch_text(c, x->text, x->text_len, x->text_raw, 0);
}

static void put_text(ctx *c, column *k, int32_t i) {
    if (i < 0 || N(c, i)->text_len == 0) {
        put_null_str(c, k);
        return;
    }
    node *x = N(c, i);
    put_raw(c, k, x->text, x->text_len, x->text_raw, 0);
}

static attr *find_attr(ctx *c, int32_t i, const char *name) {
    node *x = N(c, i);
    size_t len = strlen(name);
    for (int32_t a = 0; a < x->attr_count; a++) {
        attr *y = &c->attrs[x->attr_first + a];
        if ((size_t)y->name_len == len && memcmp(y->name, name, len) == 0) return y;
    }
    return NULL;
}

static text attr_text(ctx *c, int32_t i, const char *name) {
    attr *a = find_attr(c, i, name);
    if (!a) return NONE;
    return scratch_text(c, a->val, a->val_len, a->raw, 1);
}

/* element.get(name), or with empty_is_null element.get(name) or None. */
static void put_attr(ctx *c, column *k, int32_t i, const char *name, int empty_is_null) {
    attr *a = find_attr(c, i, name);
    if (!a || (empty_is_null && a->val_len == 0)) {
        put_null_str(c, k);
        return;
    }
    put_raw(c, k, a->val, a->val_len, a->raw, 1);
}

static void put_attr_id(ctx *c, column *k, int32_t i, const char *name) {
    int64_t v;
    int ok = to_id(c, attr_text(c, i, name), &v);
    put_i64(c, k, v, !ok);
}

static void put_attr_i32(ctx *c, column *k, int32_t i, const char *name) {
    int64_t v;
    int ok = to_i32(c, attr_text(c, i, name), &v);
    put_i32(c, k, v, !ok);
}

/* --------------------------------------------------------- unknown paths */

static void path_push(ctx *c, const char *segment) {
    size_t n = strlen(segment);
    if (c->path_len + n + 2 >= PATH_MAX_BYTES) give_back(c, "path too deep");
    if (c->path_len) c->path[c->path_len++] = '/';
    memcpy(c->path + c->path_len, segment, n);
    c->path_len += (int32_t)n;
}

static void path_set(ctx *c, int32_t len) { c->path_len = len; }

static void note_unknown(ctx *c, char sep, const char *name, int32_t name_len) {
    reserve(c, &c->unknown, c->path_len + name_len + 2);
    push_bytes(c, &c->unknown, c->path, c->path_len);
    c->unknown.p[c->unknown.n++] = sep;
    push_bytes(c, &c->unknown, name, name_len);
    c->unknown.p[c->unknown.n++] = 0;
    c->n_unknown++;
}

/* count_unknown(child, path): the current path names the parent. */
static void unknown_element(ctx *c, int32_t i) { note_unknown(c, '/', N(c, i)->name, N(c, i)->name_len); }

/* check_attributes(element, known, path): the current path names the element. */
static void check_attrs(ctx *c, int32_t i, const char *const *known) {
    node *x = N(c, i);
    for (int32_t a = 0; a < x->attr_count; a++) {
        attr *y = &c->attrs[x->attr_first + a];
        int found = 0;
        for (const char *const *k = known; *k && !found; k++)
            found = strlen(*k) == (size_t)y->name_len && memcmp(*k, y->name, (size_t)y->name_len) == 0;
        if (!found) note_unknown(c, '@', y->name, y->name_len);
    }
}

#define EACH_CHILD(c, parent, var) \
    for (int32_t var = N(c, parent)->first_child; var >= 0; var = N(c, var)->next_sibling)

/* Whether child x of a list is one of its items; any other child is counted as unknown. */
static int is_item(ctx *c, int32_t x, int tag) {
    if (N(c, x)->tag == tag) return 1;
    unknown_element(c, x);
    return 0;
}

/* ---------------------------------------------------------- the walk */

static const char *const RELEASE_ATTRS[] = {"id", "status", NULL};
static const char *const LABEL_ATTRS[] = {"name", "catno", "id", NULL};
static const char *const FORMAT_ATTRS[] = {"name", "qty", "text", NULL};
static const char *const IDENTIFIER_ATTRS[] = {"type", "value", "description", NULL};
static const char *const SERIES_ATTRS[] = {"name", "catno", "id", NULL};
static const char *const MASTER_ID_ATTRS[] = {"is_main_release", NULL};
static const char *const IMAGE_ATTRS[] = {"type", "uri", "uri150", "width", "height", NULL};
static const char *const VIDEO_ATTRS[] = {"src", "duration", "embed", NULL};

/* add_release_credits: the current path names the container. */
static void add_credits(ctx *c, int32_t box, int64_t id, const char *kind, int32_t track) {
    int32_t base = c->path_len;
    int32_t ordinal = 0;
    EACH_CHILD(c, box, a) {
        if (!is_item(c, a, X_ARTIST)) continue;
        int32_t f[X_TRACKS + 1];
        f[X_NAME] = f[X_ID] = f[X_ANV] = f[X_JOIN] = f[X_ROLE] = f[X_TRACKS] = -1;
        path_push(c, "artist");
        EACH_CHILD(c, a, x) {
            int t = N(c, x)->tag;
            if (t == X_NAME || t == X_ID || t == X_ANV || t == X_JOIN || t == X_ROLE || t == X_TRACKS) f[t] = x;
            else unknown_element(c, x);
        }
        path_set(c, base);

        int64_t artist;
        int linked = to_id(c, node_text(c, f[X_ID]), &artist);
        put_i64(c, col(c, T_CREDITS, 0), id, 0);
        put_str(c, col(c, T_CREDITS, 1), kind, (int64_t)strlen(kind));
        put_i32(c, col(c, T_CREDITS, 2), ordinal, 0);
        put_i32(c, col(c, T_CREDITS, 3), track, track < 0);
        put_i64(c, col(c, T_CREDITS, 4), artist, !linked);
        put_text(c, col(c, T_CREDITS, 5), f[X_NAME]);
        put_text(c, col(c, T_CREDITS, 6), f[X_ANV]);
        put_text(c, col(c, T_CREDITS, 7), f[X_JOIN]);
        column *raw = col(c, T_CREDITS, 8);
        put_text(c, raw, f[X_ROLE]);
        int32_t *ends = (int32_t *)raw->vals.p + raw->n - 1;
        put_roles(c, col(c, T_CREDITS, 9), (text){raw->data.p + ends[0], ends[1] - ends[0]});
        put_text(c, col(c, T_CREDITS, 10), f[X_TRACKS]);
        ordinal++;
    }
}

static void add_track(ctx *c, int32_t tr, int64_t id, int32_t parent, int32_t *counter) {
    int32_t base = c->path_len; /* names this track */
    int32_t ordinal = (*counter)++;
    int32_t title = -1, position = -1, duration = -1, subs = -1;
    int has_credits = 0;

    EACH_CHILD(c, tr, x) {
        int t = N(c, x)->tag;
        if (t == X_TITLE) title = x;
        else if (t == X_POSITION) position = x;
        else if (t == X_DURATION) duration = x;
        else if (t == X_ARTISTS || t == X_EXTRAARTISTS) {
            path_push(c, t == X_ARTISTS ? "artists" : "extraartists");
            add_credits(c, x, id, t == X_ARTISTS ? "track" : "track_extra", ordinal);
            path_set(c, base);
            has_credits = 1;
        } else if (t == X_SUB_TRACKS) subs = x;
        else unknown_element(c, x);
    }

    const char *kind;
    int no_position = position < 0 || N(c, position)->text_len == 0;
    int no_duration = duration < 0 || N(c, duration)->text_len == 0;
    if (parent >= 0) kind = "sub_track";
    else if (subs >= 0 && N(c, subs)->n_children) kind = "index";
    else if (no_position && no_duration && !has_credits) kind = "heading";
    else kind = "track";

    put_i64(c, col(c, T_TRACKS, 0), id, 0);
    put_i32(c, col(c, T_TRACKS, 1), ordinal, 0);
    put_i32(c, col(c, T_TRACKS, 2), parent, parent < 0);
    put_text(c, col(c, T_TRACKS, 3), position);
    put_text(c, col(c, T_TRACKS, 4), title);
    put_text(c, col(c, T_TRACKS, 5), duration);
    put_duration(c, col(c, T_TRACKS, 6), node_text(c, duration));
    put_str(c, col(c, T_TRACKS, 7), kind, (int64_t)strlen(kind));

    if (subs < 0) return;
    path_push(c, "sub_tracks");
    int32_t box = c->path_len;
    EACH_CHILD(c, subs, s) {
        if (!is_item(c, s, X_TRACK)) continue;
        path_push(c, "track");
        add_track(c, s, id, ordinal, counter);
        path_set(c, box);
    }
    path_set(c, base);
}

static void add_tracklist(ctx *c, int32_t list, int64_t id) {
    int32_t counter = 0, base = c->path_len;
    EACH_CHILD(c, list, t) {
        if (!is_item(c, t, X_TRACK)) continue;
        path_push(c, "track");
        add_track(c, t, id, -1, &counter);
        path_set(c, base);
    }
}

/* The lists whose ordinal counts every child, known or not (enumerate()). */
static void add_labels(ctx *c, int32_t box, int64_t id, int item_tag, int table, const char *item,
                       const char *const *known, const char *id_attr) {
    int32_t base = c->path_len, ordinal = -1;
    EACH_CHILD(c, box, x) {
        ordinal++;
        if (!is_item(c, x, item_tag)) continue;
        path_push(c, item);
        check_attrs(c, x, known);
        path_set(c, base);
        put_i64(c, col(c, table, 0), id, 0);
        put_i32(c, col(c, table, 1), ordinal, 0);
        if (table == T_IDENTIFIERS) {
            put_attr(c, col(c, table, 2), x, "type", 0);
            put_attr(c, col(c, table, 3), x, "value", 0);
            put_attr(c, col(c, table, 4), x, "description", 1);
        } else {
            put_attr_id(c, col(c, table, 2), x, id_attr);
            put_attr(c, col(c, table, 3), x, "name", 0);
            put_attr(c, col(c, table, 4), x, "catno", 1);
        }
    }
}

static void add_formats(ctx *c, int32_t box, int64_t id) {
    int32_t base = c->path_len, ordinal = -1;
    EACH_CHILD(c, box, f) {
        ordinal++;
        if (!is_item(c, f, X_FORMAT)) continue;
        path_push(c, "format");
        check_attrs(c, f, FORMAT_ATTRS);
        int32_t descriptions = -1;
        EACH_CHILD(c, f, x) {
            if (N(c, x)->tag == X_DESCRIPTIONS) descriptions = x;
            else unknown_element(c, x);
        }
        path_set(c, base);

        column *k = col(c, T_FORMATS, 5);
        int64_t before = k->child_n;
        if (descriptions >= 0) {
            EACH_CHILD(c, descriptions, d) {
                node *x = N(c, d);
                if (x->tag != X_DESCRIPTION || x->text_len == 0) continue;
                if (x->text_raw) push_bytes(c, &k->data2, x->text, x->text_len);
                else decode(c, &k->data2, x->text, x->text_len, 0);
                push_offset(c, &k->data, k->data2.n);
                k->child_n++;
            }
        }
        put_i64(c, col(c, T_FORMATS, 0), id, 0);
        put_i32(c, col(c, T_FORMATS, 1), ordinal, 0);
        put_attr(c, col(c, T_FORMATS, 2), f, "name", 0);
        put_attr(c, col(c, T_FORMATS, 3), f, "qty", 1);
        put_attr(c, col(c, T_FORMATS, 4), f, "text", 1);
        push_offset(c, &k->vals, k->child_n);
        set_null(c, k, k->child_n == before);
        k->n++;
    }
}

static void add_ordered_text(ctx *c, int32_t box, int64_t id, int item_tag, int table) {
    int32_t ordinal = 0;
    EACH_CHILD(c, box, x) {
        if (!is_item(c, x, item_tag)) continue;
        if (N(c, x)->text_len == 0) continue;
        put_i64(c, col(c, table, 0), id, 0);
        put_i32(c, col(c, table, 1), ordinal++, 0);
        put_text(c, col(c, table, 2), x);
    }
}

static void add_companies(ctx *c, int32_t box, int64_t id) {
    int32_t base = c->path_len, ordinal = -1;
    EACH_CHILD(c, box, co) {
        ordinal++;
        if (!is_item(c, co, X_COMPANY)) continue;
        int32_t f[N_NAMES];
        f[X_ID] = f[X_NAME] = f[X_CATNO] = f[X_ENTITY_TYPE] = f[X_ENTITY_TYPE_NAME] = f[X_RESOURCE_URL] = -1;
        path_push(c, "company");
        EACH_CHILD(c, co, x) {
            int t = N(c, x)->tag;
            if (t == X_ID || t == X_NAME || t == X_CATNO || t == X_ENTITY_TYPE || t == X_ENTITY_TYPE_NAME ||
                t == X_RESOURCE_URL)
                f[t] = x;
            else unknown_element(c, x);
        }
        path_set(c, base);

        int64_t company, type;
        int linked = to_id(c, node_text(c, f[X_ID]), &company);
        int typed = to_i32(c, node_text(c, f[X_ENTITY_TYPE]), &type);
        put_i64(c, col(c, T_COMPANIES, 0), id, 0);
        put_i32(c, col(c, T_COMPANIES, 1), ordinal, 0);
        put_i64(c, col(c, T_COMPANIES, 2), company, !linked);
        put_text(c, col(c, T_COMPANIES, 3), f[X_NAME]);
        put_text(c, col(c, T_COMPANIES, 4), f[X_CATNO]);
        put_i32(c, col(c, T_COMPANIES, 5), type, !typed);
        put_text(c, col(c, T_COMPANIES, 6), f[X_ENTITY_TYPE_NAME]);
        put_text(c, col(c, T_COMPANIES, 7), f[X_RESOURCE_URL]);
    }
}

static void add_videos(ctx *c, int32_t box, int64_t id) {
    int32_t base = c->path_len, ordinal = -1;
    EACH_CHILD(c, box, v) {
        ordinal++;
        if (!is_item(c, v, X_VIDEO)) continue;
        path_push(c, "video");
        check_attrs(c, v, VIDEO_ATTRS);
        int32_t title = -1, description = -1;
        EACH_CHILD(c, v, x) {
            int t = N(c, x)->tag;
            if (t == X_TITLE) title = x;
            else if (t == X_DESCRIPTION) description = x;
            else unknown_element(c, x);
        }
        path_set(c, base);

        put_i64(c, col(c, T_VIDEOS, 0), id, 0);
        put_i32(c, col(c, T_VIDEOS, 1), ordinal, 0);
        put_attr(c, col(c, T_VIDEOS, 2), v, "src", 0);
        put_attr_i32(c, col(c, T_VIDEOS, 3), v, "duration");
        text embed = attr_text(c, v, "embed");
        put_bool(c, col(c, T_VIDEOS, 4), embed.n == 4 && memcmp(embed.s, "true", 4) == 0, embed.s == NULL);
        put_text(c, col(c, T_VIDEOS, 5), title);
        put_text(c, col(c, T_VIDEOS, 6), description);
    }
}

static void add_images(ctx *c, int32_t box, int64_t id) {
    int32_t base = c->path_len, ordinal = -1;
    EACH_CHILD(c, box, im) {
        ordinal++;
        if (!is_item(c, im, X_IMAGE)) continue;
        path_push(c, "image");
        check_attrs(c, im, IMAGE_ATTRS);
        path_set(c, base);
        put_i64(c, col(c, T_IMAGES, 0), id, 0);
        put_i32(c, col(c, T_IMAGES, 1), ordinal, 0);
        put_attr(c, col(c, T_IMAGES, 2), im, "type", 0);
        put_attr(c, col(c, T_IMAGES, 3), im, "uri", 1);
        put_attr(c, col(c, T_IMAGES, 4), im, "uri150", 1);
        put_attr_i32(c, col(c, T_IMAGES, 5), im, "width");
        put_attr_i32(c, col(c, T_IMAGES, 6), im, "height");
    }
}

/* ------------------------------------------------------- what the walk reads */

/* The release shape of records/shape.py: which attributes and children the
 * walk reads, so that a second pass counts the rest. */
typedef struct shape shape;

typedef struct {
    int tag;
    const shape *shape;
} child_shape;

struct shape {
    uint8_t attributes_checked; /* the walk counts unknown attributes itself */
    uint8_t others_skipped;     /* the walk skips other children without counting them */
    const child_shape *children; /* NULL: read as text, so no child is read; ends with tag 0 */
};

static const shape TEXT_SHAPE = {0, 0, NULL};
static const shape ITEM_SHAPE = {1, 0, NULL};

static const child_shape CREDIT_CHILDREN[] = {
    {X_NAME, &TEXT_SHAPE}, {X_ID, &TEXT_SHAPE}, {X_ANV, &TEXT_SHAPE}, {X_JOIN, &TEXT_SHAPE},
    {X_ROLE, &TEXT_SHAPE}, {X_TRACKS, &TEXT_SHAPE}, {0, NULL},
};
static const shape CREDIT_SHAPE = {0, 0, CREDIT_CHILDREN};
static const child_shape CREDITS_CHILDREN[] = {{X_ARTIST, &CREDIT_SHAPE}, {0, NULL}};
static const shape CREDITS_SHAPE = {0, 0, CREDITS_CHILDREN};

/* A track's sub-tracks are tracks again. */
static const shape TRACK_SHAPE;
static const child_shape SUB_TRACKS_CHILDREN[] = {{X_TRACK, &TRACK_SHAPE}, {0, NULL}};
static const shape SUB_TRACKS_SHAPE = {0, 0, SUB_TRACKS_CHILDREN};
static const child_shape TRACK_CHILDREN[] = {
    {X_TITLE, &TEXT_SHAPE}, {X_POSITION, &TEXT_SHAPE}, {X_DURATION, &TEXT_SHAPE},
    {X_ARTISTS, &CREDITS_SHAPE}, {X_EXTRAARTISTS, &CREDITS_SHAPE}, {X_SUB_TRACKS, &SUB_TRACKS_SHAPE}, {0, NULL},
};
static const shape TRACK_SHAPE = {0, 0, TRACK_CHILDREN};
static const shape TRACKLIST_SHAPE = {0, 0, SUB_TRACKS_CHILDREN};

#define LIST_OF(name, item_tag, item_shape)                                       \
    static const child_shape name##_CHILDREN[] = {{item_tag, item_shape}, {0, NULL}}; \
    static const shape name##_SHAPE = {0, 0, name##_CHILDREN};

LIST_OF(LABELS, X_LABEL, &ITEM_SHAPE)
LIST_OF(GENRES, X_GENRE, &TEXT_SHAPE)
LIST_OF(STYLES, X_STYLE, &TEXT_SHAPE)
LIST_OF(IDENTIFIERS, X_IDENTIFIER, &ITEM_SHAPE)
LIST_OF(IMAGES, X_IMAGE, &ITEM_SHAPE)
LIST_OF(SERIES, X_SERIES, &ITEM_SHAPE)

static const child_shape DESCRIPTIONS_CHILDREN[] = {{X_DESCRIPTION, &TEXT_SHAPE}, {0, NULL}};
static const shape DESCRIPTIONS_SHAPE = {0, 1, DESCRIPTIONS_CHILDREN};
static const child_shape FORMAT_CHILDREN[] = {{X_DESCRIPTIONS, &DESCRIPTIONS_SHAPE}, {0, NULL}};
static const shape FORMAT_SHAPE = {1, 0, FORMAT_CHILDREN};
LIST_OF(FORMATS, X_FORMAT, &FORMAT_SHAPE)

static const child_shape COMPANY_CHILDREN[] = {
    {X_ID, &TEXT_SHAPE}, {X_NAME, &TEXT_SHAPE}, {X_CATNO, &TEXT_SHAPE}, {X_ENTITY_TYPE, &TEXT_SHAPE},
    {X_ENTITY_TYPE_NAME, &TEXT_SHAPE}, {X_RESOURCE_URL, &TEXT_SHAPE}, {0, NULL},
};
static const shape COMPANY_SHAPE = {0, 0, COMPANY_CHILDREN};
LIST_OF(COMPANIES, X_COMPANY, &COMPANY_SHAPE)

static const child_shape VIDEO_CHILDREN[] = {{X_TITLE, &TEXT_SHAPE}, {X_DESCRIPTION, &TEXT_SHAPE}, {0, NULL}};
static const shape VIDEO_SHAPE = {1, 0, VIDEO_CHILDREN};
LIST_OF(VIDEOS, X_VIDEO, &VIDEO_SHAPE)

static const child_shape RELEASE_CHILDREN[] = {
    {X_TITLE, &TEXT_SHAPE}, {X_COUNTRY, &TEXT_SHAPE}, {X_RELEASED, &TEXT_SHAPE}, {X_NOTES, &TEXT_SHAPE},
    {X_DATA_QUALITY, &TEXT_SHAPE}, {X_ARTISTS, &CREDITS_SHAPE}, {X_EXTRAARTISTS, &CREDITS_SHAPE},
    {X_TRACKLIST, &TRACKLIST_SHAPE}, {X_LABELS, &LABELS_SHAPE}, {X_FORMATS, &FORMATS_SHAPE},
    {X_GENRES, &GENRES_SHAPE}, {X_STYLES, &STYLES_SHAPE}, {X_IDENTIFIERS, &IDENTIFIERS_SHAPE},
    {X_COMPANIES, &COMPANIES_SHAPE}, {X_VIDEOS, &VIDEOS_SHAPE}, {X_IMAGES, &IMAGES_SHAPE},
    {X_SERIES, &SERIES_SHAPE}, {X_MASTER_ID, &ITEM_SHAPE}, {0, NULL},
};
static const shape RELEASE_SHAPE = {1, 0, RELEASE_CHILDREN};

/* count_unread in shape.py: the current path names element i. */
static void count_unread(ctx *c, int32_t i, const shape *s) {
    node *x = N(c, i);
    if (!s->attributes_checked)
        for (int32_t a = 0; a < x->attr_count; a++) {
            attr *y = &c->attrs[x->attr_first + a];
            note_unknown(c, '@', y->name, y->name_len);
        }

    int32_t base = c->path_len;
    EACH_CHILD(c, i, k) {
        const shape *sub = NULL;
        int tag = N(c, k)->tag;
        for (const child_shape *m = s->children; m && m->tag; m++)
            if (m->tag == tag) {
                sub = m->shape;
                break;
            }
        if (sub) {
            path_push(c, NAMES[tag].s);
            count_unread(c, k, sub);
            path_set(c, base);
        } else if (!s->children || s->others_skipped) {
            unknown_element(c, k);
        }
    }
}

static void emit_release(ctx *c, int32_t r) {
    int64_t id;
    c->records++;
    if (!to_id(c, attr_text(c, r, "id"), &id)) {
        c->skipped++;
        return;
    }
    if (!c->has_first) c->first_id = id, c->has_first = 1;
    c->last_id = id;

    path_set(c, 0);
    path_push(c, "release");
    check_attrs(c, r, RELEASE_ATTRS);

    int32_t field[N_NAMES];
    field[X_TITLE] = field[X_COUNTRY] = field[X_RELEASED] = field[X_NOTES] = field[X_DATA_QUALITY] = -1;
    int64_t master = 0;
    int has_master = 0, main_flag = 0, has_flag = 0;
    int32_t base = c->path_len;

    EACH_CHILD(c, r, x) {
        int t = N(c, x)->tag;
        switch (t) {
        case X_TITLE: case X_COUNTRY: case X_RELEASED: case X_NOTES: case X_DATA_QUALITY:
            field[t] = x;
            break;
        case X_ARTISTS:
            path_push(c, "artists");
            add_credits(c, x, id, "main", -1);
            break;
        case X_EXTRAARTISTS:
            path_push(c, "extraartists");
            add_credits(c, x, id, "extra", -1);
            break;
        case X_TRACKLIST:
            path_push(c, "tracklist");
            add_tracklist(c, x, id);
            break;
        case X_LABELS:
            path_push(c, "labels");
            add_labels(c, x, id, X_LABEL, T_LABELS, "label", LABEL_ATTRS, "id");
            break;
        case X_FORMATS:
            path_push(c, "formats");
            add_formats(c, x, id);
            break;
        case X_GENRES:
            path_push(c, "genres");
            add_ordered_text(c, x, id, X_GENRE, T_GENRES);
            break;
        case X_STYLES:
            path_push(c, "styles");
            add_ordered_text(c, x, id, X_STYLE, T_STYLES);
            break;
        case X_IDENTIFIERS:
            path_push(c, "identifiers");
            add_labels(c, x, id, X_IDENTIFIER, T_IDENTIFIERS, "identifier", IDENTIFIER_ATTRS, NULL);
            break;
        case X_COMPANIES:
            path_push(c, "companies");
            add_companies(c, x, id);
            break;
        case X_VIDEOS:
            path_push(c, "videos");
            add_videos(c, x, id);
            break;
        case X_IMAGES:
            path_push(c, "images");
            add_images(c, x, id);
            break;
        case X_SERIES:
            path_push(c, "series");
            add_labels(c, x, id, X_SERIES, T_SERIES, "series", SERIES_ATTRS, "id");
            break;
        case X_MASTER_ID: {
            has_master = to_id(c, node_text(c, x), &master);
            text flag = attr_text(c, x, "is_main_release");
            has_flag = flag.s != NULL;
            main_flag = flag.n == 4 && memcmp(flag.s, "true", 4) == 0;
            path_push(c, "master_id");
            check_attrs(c, x, MASTER_ID_ATTRS);
            break;
        }
        default:
            unknown_element(c, x);
        }
        path_set(c, base);
    }

    int64_t date[4];
    int nulls[4];
    put_released(c, date, nulls, node_text(c, field[X_RELEASED]));

    column *k = c->tables[T_RELEASES];
    put_i64(c, &k[0], id, 0);
    put_attr(c, &k[1], r, "status", 0);
    put_text(c, &k[2], field[X_TITLE]);
    put_text(c, &k[3], field[X_COUNTRY]);
    put_text(c, &k[4], field[X_RELEASED]);
    put_i32(c, &k[5], date[0], nulls[0]);
    put_i32(c, &k[6], date[1], nulls[1]);
    put_i32(c, &k[7], date[2], nulls[2]);
    put_bool(c, &k[8], (int)date[3], nulls[3]);
    put_text(c, &k[9], field[X_NOTES]);
    put_text(c, &k[10], field[X_DATA_QUALITY]);
    put_i64(c, &k[11], master, !has_master);
    put_bool(c, &k[12], main_flag, !has_flag);

    path_set(c, 0);
    path_push(c, "release");
    count_unread(c, r, &RELEASE_SHAPE);
}

/* ------------------------------------------------------------ tokenizer */

/* 1 for the bytes a plain ASCII name may continue with. */
static const uint8_t NAME_CHAR[256] = {
    ['-'] = 1, ['.'] = 1, ['_'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1,
    ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1,
    ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1,
    ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
    ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/* Known names by length: BY_LENGTH[n] lists the X_ codes of n-letter names. */
#define MAX_NAME_LENGTH 16
static int8_t BY_LENGTH[MAX_NAME_LENGTH + 1][N_NAMES];

/* Runs when the library is loaded, before any thread can call it. */
__attribute__((constructor)) static void index_names(void) {
    int count[MAX_NAME_LENGTH + 1] = {0};
    for (int i = 1; i < N_NAMES; i++) BY_LENGTH[NAMES[i].n][count[NAMES[i].n]++] = (int8_t)i;
}

/* Names are short: a plain loop beats a call to memcmp. */
static int same_bytes(const char *a, const char *b, int32_t n) {
    for (int32_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

static int lookup(const char *name, int32_t n) {
    if (n > MAX_NAME_LENGTH) return X_OTHER;
    for (const int8_t *i = BY_LENGTH[n]; *i; i++)
        if (NAMES[*i].s[0] == name[0] && same_bytes(NAMES[*i].s, name, n)) return *i;
    return X_OTHER;
}

/* Read a name at *p. Only plain ASCII names without a namespace prefix are handled. */
static int32_t read_name(ctx *c, const char **p, const char *end) {
    const char *s = *p;
    if (s >= end || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) give_back(c, "name");
    while (*p < end && NAME_CHAR[(unsigned char)**p]) (*p)++;
    if (*p < end && (unsigned char)**p >= 0x80) give_back(c, "non-ASCII name");
    if (*p < end && **p == ':') give_back(c, "namespace");
    return (int32_t)(*p - s);
}

/* Check the references in raw text or an attribute value. Return 1 when the
 * text can be used as it is: no reference, no CR, and in attributes no LF or TAB. */
static int check_text(ctx *c, const char *s, int64_t n, int in_attr) {
    int plain = 1;
    const char *end = s + n;
    if (!in_attr && !c->has_cr) {
        /* Most text: only references to look for, which memchr finds fast. */
        for (const char *p = memchr(s, '&', (size_t)n); p; p = memchr(p, '&', (size_t)(end - p))) {
            uint32_t cp;
            p += entity(c, p, end, &cp);
            plain = 0;
        }
        return plain;
    }
    for (const char *p = s; p < end; p++) {
        char ch = *p;
        if (ch == '&') {
            uint32_t cp;
            p += entity(c, p, end, &cp) - 1;
            plain = 0;
        } else if (ch == '\r' || (in_attr && (ch == '\n' || ch == '\t'))) {
            plain = 0;
        } else if (in_attr && ch == '<') {
            give_back(c, "< in attribute");
        }
    }
    return plain;
}

static int32_t new_node(ctx *c) {
    if (c->n_nodes == c->cap_nodes) {
        int32_t cap = c->cap_nodes ? c->cap_nodes * 2 : 1024;
        node *p = realloc(c->nodes, sizeof(node) * (size_t)cap);
        if (!p) out_of_memory(c);
        c->nodes = p;
        c->cap_nodes = cap;
    }
    return c->n_nodes++;
}

static int32_t new_attr(ctx *c) {
    if (c->n_attrs == c->cap_attrs) {
        int32_t cap = c->cap_attrs ? c->cap_attrs * 2 : 1024;
        attr *p = realloc(c->attrs, sizeof(attr) * (size_t)cap);
        if (!p) out_of_memory(c);
        c->attrs = p;
        c->cap_attrs = cap;
    }
    return c->n_attrs++;
}

static const char *skip_space(const char *p, const char *end) {
    while (p < end && is_space(*p)) p++;
    return p;
}

/* Parse the attributes after a start tag's name; return the position after
 * '>' and set *empty for '/>'. */
static const char *read_attrs(ctx *c, int32_t i, const char *p, const char *end, int *empty) {
    node *x = N(c, i);
    x->attr_first = c->n_attrs;
    x->attr_count = 0;
    for (;;) {
        const char *before = p;
        p = skip_space(p, end);
        if (p >= end) give_back(c, "truncated tag");
        if (*p == '>') {
            *empty = 0;
            return p + 1;
        }
        if (*p == '/') {
            if (p + 1 >= end || p[1] != '>') give_back(c, "tag");
            *empty = 1;
            return p + 2;
        }
        if (p == before) give_back(c, "attributes without space");
        const char *name = p;
        int32_t name_len = read_name(c, &p, end);
        if (name_len >= 5 && memcmp(name, "xmlns", 5) == 0) give_back(c, "namespace");
        p = skip_space(p, end);
        if (p >= end || *p != '=') give_back(c, "attribute");
        p = skip_space(p + 1, end);
        if (p >= end || (*p != '"' && *p != '\'')) give_back(c, "attribute");
        const char *close = memchr(p + 1, *p, (size_t)(end - p - 1));
        if (!close) give_back(c, "truncated attribute");
        const char *val = p + 1;
        int raw = check_text(c, val, close - val, 1);
        p = close + 1;

        x = N(c, i);
        for (int32_t a = 0; a < x->attr_count; a++) {
            attr *y = &c->attrs[x->attr_first + a];
            if (y->name_len == name_len && memcmp(y->name, name, (size_t)name_len) == 0)
                give_back(c, "duplicate attribute");
        }
        int32_t slot = new_attr(c); /* may move the array */
        attr *y = &c->attrs[slot];
        y->name = name;
        y->name_len = name_len;
        y->val = val;
        y->val_len = (int32_t)(close - val);
        y->raw = (uint8_t)raw;
        N(c, i)->attr_count++;
    }
}

static void reset_record(ctx *c) {
    c->n_nodes = 0;
    c->n_attrs = 0;
}

static void tokenize(ctx *c, const char *data, int64_t len) {
    const char *p = data, *end = data + len;
    int32_t stack[MAX_DEPTH];
    int depth = 0;
    int32_t text_owner = -1; /* the element whose .text the next text run is */

    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        const char *stop = lt ? lt : end;
        if (stop > p) {
            int raw = check_text(c, p, stop - p, 0);
            if (text_owner >= 0) {
                node *x = N(c, text_owner);
                x->text = p;
                x->text_len = (int32_t)(stop - p);
                x->text_raw = (uint8_t)raw;
            }
        }
        text_owner = -1;
        if (!lt) break;
        p = lt + 1;
        if (p >= end) give_back(c, "truncated");

        if (*p == '/') {
            p++;
            if (depth == 0) give_back(c, "end tag without start");
            node *open = N(c, stack[depth - 1]);
            const char *name = p;
            int32_t n = read_name(c, &p, end);
            if (n != open->name_len || !same_bytes(name, open->name, n)) give_back(c, "mismatched tag");
            p = skip_space(p, end);
            if (p >= end || *p != '>') give_back(c, "tag");
            p++;
            depth--;
            if (depth == 0) {
                if (N(c, stack[0])->tag == X_RELEASE) emit_release(c, stack[0]);
                reset_record(c);
            }
            continue;
        }
        if (*p == '!' || *p == '?') give_back(c, "comment, CDATA or processing instruction");

        int32_t i = new_node(c);
        node *x = N(c, i);
        x->name = p;
        x->name_len = read_name(c, &p, end);
        x->tag = (int16_t)lookup(x->name, x->name_len);
        if (p < end) {
            if (x->tag == X_RELEASE && (*p == ' ' || *p == '>')) c->marked_releases++;
            else if (x->tag == X_ARTIST && *p == '>') c->marked_artists++;
            else if (x->tag == X_TRACK && *p == '>') c->marked_tracks++;
        }
        x->text = NULL;
        x->text_len = 0;
        x->text_raw = 1;
        x->first_child = x->next_sibling = x->last_child = -1;
        x->n_children = 0;
        if (depth > 0) {
            node *parent = N(c, stack[depth - 1]);
            if (parent->last_child >= 0) N(c, parent->last_child)->next_sibling = i;
            else parent->first_child = i;
            parent->last_child = i;
            parent->n_children++;
        }
        int empty;
        p = read_attrs(c, i, p, end, &empty);
        if (depth == 0 && N(c, i)->tag != X_RELEASE) {
            /* Not a record: counted, and its content still checked. */
            path_set(c, 0);
            path_push(c, "releases");
            unknown_element(c, i);
        }
        if (empty) {
            if (depth == 0) {
                if (N(c, i)->tag == X_RELEASE) emit_release(c, i);
                reset_record(c);
            }
            continue;
        }
        if (depth == MAX_DEPTH) give_back(c, "too deep");
        stack[depth++] = i;
        text_owner = i;
    }
    if (depth) give_back(c, "truncated");
}

/* Control characters XML forbids, invalid UTF-8, and the two non-characters
 * U+FFFE and U+FFFF: the lxml path removes or replaces them, or fails. */
static void check_bytes(ctx *c, const unsigned char *s, int64_t n) {
    int64_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            uint64_t high = w & 0x8080808080808080ULL;
            uint64_t low = (w - 0x2020202020202020ULL) & ~w & 0x8080808080808080ULL;
            if (!(high | low)) {
                i += 8;
                continue;
            }
        }
        unsigned char ch = s[i];
        if (ch < 0x80) {
            if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') give_back(c, "control character");
            if (ch == '\r') c->has_cr = 1;
            i++;
            continue;
        }
        int len;
        uint32_t cp;
        if (ch >= 0xC2 && ch <= 0xDF) len = 2, cp = ch & 0x1F;
        else if (ch >= 0xE0 && ch <= 0xEF) len = 3, cp = ch & 0x0F;
        else if (ch >= 0xF0 && ch <= 0xF4) len = 4, cp = ch & 0x07;
        else give_back(c, "invalid UTF-8");
        if (i + len > n) give_back(c, "invalid UTF-8");
        for (int k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) give_back(c, "invalid UTF-8");
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF) || cp >= 0xFFFE)) give_back(c, "invalid UTF-8");
        if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) give_back(c, "invalid UTF-8");
        i += len;
    }
}

static void init_columns(ctx *c) {
    for (int t = 0; t < N_TABLES; t++) {
        int n = 0;
        while (SCHEMA[t][n] >= 0) {
            column *k = &c->tables[t][n];
            k->type = SCHEMA[t][n];
            /* Arrow wants a real pointer even for an empty buffer. */
            reserve(c, &k->valid, 8);
            reserve(c, &k->vals, 8);
            reserve(c, &k->data, 8);
            reserve(c, &k->data2, 8);
            if (k->type == C_STR || k->type == C_STRLIST || k->type == C_ROLES) push_offset(c, &k->vals, 0);
            if (k->type == C_STRLIST || k->type == C_ROLES) push_offset(c, &k->data, 0);
            if (k->type == C_ROLES) {
                reserve(c, &k->details_valid, 8);
                reserve(c, &k->details, 8);
                push_offset(c, &k->details_offsets, 0);
            }
            n++;
        }
        c->n_columns[t] = n;
    }
}

/* ------------------------------------------------------------ interface */

void *mcg_releases_new(void) { return calloc(1, sizeof(ctx)); }

void mcg_releases_free(void *handle) {
    ctx *c = handle;
    if (!c) return;
    for (int t = 0; t < N_TABLES; t++)
        for (int k = 0; k < MAX_COLUMNS; k++) {
            column *x = &c->tables[t][k];
            free(x->valid.p);
            free(x->vals.p);
            free(x->data.p);
            free(x->data2.p);
            free(x->details_valid.p);
            free(x->details_offsets.p);
            free(x->details.p);
        }
    free(c->nodes);
    free(c->attrs);
    free(c->scratch.p);
    free(c->unknown.p);
    free(c);
}

/* Convert one batch; MCG_OK, MCG_UNSUPPORTED (parse it with lxml instead) or
 * MCG_NO_MEMORY. A handle converts one batch only. */
int mcg_releases_parse(void *handle, const char *data, int64_t len) {
    ctx *c = handle;
    int status = setjmp(c->fail);
    if (status) return status;
    init_columns(c);
    check_bytes(c, (const unsigned char *)data, len);
    if (memmem(data, (size_t)len, "]]>", 3)) give_back(c, "]]> in the text");
    tokenize(c, data, len);
    return MCG_OK;
}

const char *mcg_releases_reason(void *handle) { return ((ctx *)handle)->reason; }

/* records, records skipped for want of an id, first id, last id, whether
 * there is a first id, unknown count, then the marked <release>, <artist>
 * and <track> start tags */
void mcg_releases_counts(void *handle, int64_t out[9]) {
    ctx *c = handle;
    out[0] = c->records;
    out[1] = c->skipped;
    out[2] = c->first_id;
    out[3] = c->last_id;
    out[4] = c->has_first;
    out[5] = c->n_unknown;
    out[6] = c->marked_releases;
    out[7] = c->marked_artists;
    out[8] = c->marked_tracks;
}

const char *mcg_releases_unknown(void *handle, int64_t *size) {
    ctx *c = handle;
    *size = c->unknown.n;
    return c->unknown.p;
}

int mcg_releases_column_type(int table, int index) {
    if (table < 0 || table >= N_TABLES || index < 0 || index > MAX_COLUMNS) return -1;
    for (int k = 0; k <= index; k++)
        if (SCHEMA[table][k] < 0) return -1;
    return SCHEMA[table][index];
}

/* The Arrow C data interface (https://arrow.apache.org/docs/format/CDataInterface.html). */
struct ArrowArray {
    int64_t length, null_count, offset, n_buffers, n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

/* One exported table: it owns its columns' buffers, so a small table the
 * caller keeps does not keep the rest of the batch. */
typedef struct {
    column cols[MAX_COLUMNS];
    int n;
    struct ArrowArray arrays[MAX_COLUMNS], items[MAX_COLUMNS];
    struct ArrowArray *array_ptrs[MAX_COLUMNS], *item_ptrs[MAX_COLUMNS];
    const void *buffers[MAX_COLUMNS][3], *item_buffers[MAX_COLUMNS][3], *top[1];
    /* the roles column: a struct per item, with role and details children */
    struct ArrowArray role_fields[2], *role_field_ptrs[2];
    const void *role_buffers[2][3];
} exported;

static void release_child(struct ArrowArray *a) { a->release = NULL; }

static void release_table(struct ArrowArray *a) {
    exported *e = a->private_data;
    for (int k = 0; k < e->n; k++) {
        free(e->cols[k].valid.p);
        free(e->cols[k].vals.p);
        free(e->cols[k].data.p);
        free(e->cols[k].data2.p);
        free(e->cols[k].details_valid.p);
        free(e->cols[k].details_offsets.p);
        free(e->cols[k].details.p);
    }
    free(e);
    a->release = NULL;
}

static void fill(struct ArrowArray *a, int64_t length, int64_t nulls, int64_t n_buffers, const void **buffers) {
    memset(a, 0, sizeof(*a));
    a->length = length;
    a->null_count = nulls;
    a->n_buffers = n_buffers;
    a->buffers = buffers;
    a->release = release_child;
}

static void export_roles(exported *e, int j) {
    column *y = &e->cols[j];
    const void **r = e->role_buffers[0], **d = e->role_buffers[1];
    r[0] = NULL;
    r[1] = y->data.p;
    r[2] = y->data2.p;
    d[0] = y->details_nulls ? y->details_valid.p : NULL;
    d[1] = y->details_offsets.p;
    d[2] = y->details.p;
    fill(&e->role_fields[0], y->child_n, 0, 3, r);
    fill(&e->role_fields[1], y->child_n, y->details_nulls, 3, d);
    e->role_field_ptrs[0] = &e->role_fields[0];
    e->role_field_ptrs[1] = &e->role_fields[1];
    e->item_buffers[j][0] = NULL;
    fill(&e->items[j], y->child_n, 0, 1, e->item_buffers[j]);
    e->items[j].n_children = 2;
    e->items[j].children = e->role_field_ptrs;
}

/* The size logical_bytes in writer.py gives the table: the writer flushes
 * on it, so it must not depend on how the buffers were built. */
static int64_t logical_bytes(const column *y) {
    switch (y->type) {
    case C_I64: return 8 * y->n;
    case C_I32: return 4 * y->n;
    case C_BOOL: return (y->n + 7) / 8;
    case C_STR: return 4 * y->n + y->data.n;
    default: return 4 * y->n + 16 * y->child_n; /* lists */
    }
}

/* Move a converted table into *out as a struct array whose children are its
 * columns, and set *size to its logical size. Returns 0, or -1 when out of
 * memory. */
int mcg_releases_export(void *handle, int table, struct ArrowArray *out, int64_t *size) {
    ctx *c = handle;
    exported *e = calloc(1, sizeof(exported));
    if (!e) return -1;
    int64_t rows = c->tables[table][0].n;
    *size = 0;
    for (int k = 0; k < c->n_columns[table]; k++) {
        column *x = &c->tables[table][k];
        if (rows) *size += logical_bytes(x);
        int j = e->n++;
        e->cols[j] = *x;
        memset(x, 0, sizeof(column));
        x->type = e->cols[j].type;

        column *y = &e->cols[j];
        const void **b = e->buffers[j];
        b[0] = y->nulls ? y->valid.p : NULL;
        b[1] = y->vals.p;
        b[2] = y->data.p;
        fill(&e->arrays[j], y->n, y->nulls, y->type == C_STR ? 3 : 2, b);
        if (y->type == C_STRLIST) {
            const void **d = e->item_buffers[j];
            d[0] = NULL;
            d[1] = y->data.p;
            d[2] = y->data2.p;
            fill(&e->items[j], y->child_n, 0, 3, d);
        }
        if (y->type == C_ROLES) export_roles(e, j);
        if (y->type == C_STRLIST || y->type == C_ROLES) {
            e->item_ptrs[j] = &e->items[j];
            e->arrays[j].n_children = 1;
            e->arrays[j].children = &e->item_ptrs[j];
        }
        e->array_ptrs[j] = &e->arrays[j];
    }
    e->top[0] = NULL;
    fill(out, rows, 0, 1, e->top);
    out->n_children = e->n;
    out->children = e->array_ptrs;
    out->release = release_table;
    out->private_data = e;
    return 0;
}

/* Count the LF bytes in data[0..len), eight at a time. Python calls it without the GIL. */
int64_t mcg_count_lines(const char *data, int64_t len) {
    const uint64_t ones = 0x0101010101010101ULL, low7 = 0x7F7F7F7F7F7F7F7FULL;
    int64_t n = 0, i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, data + i, 8);
        uint64_t x = w ^ (ones * '\n'); /* zero bytes where w has LF */
        uint64_t t = ((x & low7) + low7) | x; /* high bit set in every non-zero byte */
        n += __builtin_popcountll(~t & ~low7);
    }
    for (; i < len; i++) n += data[i] == '\n';
    return n;
}

/* Return the offset of the first needle in data, or -1. Python calls it
 * without the GIL, and glibc's memmem beats bytes.find on long inputs. */
int64_t mcg_find(const char *data, int64_t len, const char *needle, int64_t needle_len) {
    const char *hit = memmem(data, (size_t)len, needle, (size_t)needle_len);
    return hit ? hit - data : -1;
}
