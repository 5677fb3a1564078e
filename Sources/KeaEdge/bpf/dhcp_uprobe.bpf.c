// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// kea-edge uprobe mode: in-process timings from uprobes on symbols libkea-dhcp++ exports, attached for
// Kea's PID only (perfdhcp links the same library):
//   isc::dhcp::Pkt4::Pkt4(unsigned char const*, unsigned long)   a query built from wire bytes (receive)
//   isc::dhcp::Pkt4::Pkt4(unsigned char, unsigned int)           a response created (type, xid)
//   isc::dhcp::IfaceMgr::send(boost::shared_ptr<Pkt4> const&)    the response handed to the socket
// Query and response are matched by transaction id; the response's (type, xid) is carried from its
// creation to send() on the thread that processes it. Same maps as dhcp_tc.bpf.c, so the same reader.
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define DIR_IN 0
#define DIR_OUT 1
#define MSG_TYPES 32
#define HIST_SLOTS 64
#define MAX_OPTIONS 64

enum { STAT_MALFORMED = 0, STAT_UNMATCHED_REPLY = 1, STAT_RETRANSMIT = 2, STAT_PENDING_FULL = 3, STAT_LATENCY_SUM = 4 /* + kind */, STAT_MAX = 8 };
enum { KIND_DISCOVER = 0, KIND_REQUEST = 1 };

struct pending_key { __u32 xid; __u32 kind; };
struct response { __u32 xid; __u32 type; };

struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 2 * MSG_TYPES); __type(key, __u32); __type(value, __u64); } msg_counts SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, STAT_MAX); __type(key, __u32); __type(value, __u64); } stats SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 2 * HIST_SLOTS); __type(key, __u32); __type(value, __u64); } latency_hist SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 65536); __type(key, struct pending_key); __type(value, __u64); } pending SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4096); __type(key, __u32); __type(value, struct response); } building SEC(".maps");

static __always_inline void bump(void *map, __u32 key)
{
    __u64 *v = bpf_map_lookup_elem(map, &key);
    if (v)
        __sync_fetch_and_add(v, 1);
}

static __always_inline void add(void *map, __u32 key, __u64 amount)
{
    __u64 *v = bpf_map_lookup_elem(map, &key);
    if (v)
        *v += amount;
}

static __always_inline __u32 log2l(__u64 v)
{
    __u32 r = 0;
    if (v >> 32) { v >>= 32; r += 32; }
    if (v >> 16) { v >>= 16; r += 16; }
    if (v >> 8)  { v >>= 8;  r += 8; }
    if (v >> 4)  { v >>= 4;  r += 4; }
    if (v >> 2)  { v >>= 2;  r += 2; }
    if (v >> 1)  { r += 1; }
    return r + 1;
}

SEC("uprobe")
int BPF_KPROBE(kea_pkt4_from_wire, void *self, const unsigned char *data, unsigned long len)
{
    __u8 fixed[8];
    __u32 cookie;
    if (len < 241 || bpf_probe_read_user(fixed, sizeof(fixed), data) < 0 ||
        bpf_probe_read_user(&cookie, sizeof(cookie), data + 236) < 0 || cookie != __builtin_bswap32(0x63825363)) {
        bump(&stats, STAT_MALFORMED);
        return 0;
    }
    __u32 xid = ((__u32)fixed[4] << 24) | ((__u32)fixed[5] << 16) | ((__u32)fixed[6] << 8) | fixed[7];
    __u32 off = 240, type = 0;
    for (int i = 0; i < MAX_OPTIONS; i++) {
        __u8 opt[3];
        if (off + 1 > len || bpf_probe_read_user(opt, 1, data + off) < 0)
            break;
        if (opt[0] == 0) { off += 1; continue; }
        if (opt[0] == 255 || off + 3 > len || bpf_probe_read_user(opt, 3, data + off) < 0)
            break;
        if (opt[0] == 53) {
            if (opt[1] == 1)
                type = opt[2];
            break;
        }
        off += 2 + opt[1];
    }
    if (type == 0 || type >= MSG_TYPES) {
        bump(&stats, STAT_MALFORMED);
        return 0;
    }
    bump(&msg_counts, DIR_IN * MSG_TYPES + type);
    if (type == 1 || type == 3) {
        __u64 now = bpf_ktime_get_ns();
        struct pending_key key = { .xid = xid, .kind = type == 1 ? KIND_DISCOVER : KIND_REQUEST };
        if (bpf_map_update_elem(&pending, &key, &now, BPF_NOEXIST) != 0) {
            if (bpf_map_update_elem(&pending, &key, &now, BPF_EXIST) == 0)
                bump(&stats, STAT_RETRANSMIT);
            else
                bump(&stats, STAT_PENDING_FULL);
        }
    }
    return 0;
}

SEC("uprobe")
int BPF_KPROBE(kea_pkt4_response, void *self, unsigned long type, unsigned long xid)
{
    __u32 tid = (__u32)bpf_get_current_pid_tgid();
    struct response r = { .xid = (__u32)xid, .type = (__u32)(type & 0xff) };
    bpf_map_update_elem(&building, &tid, &r, BPF_ANY);
    return 0;
}

SEC("uprobe")
int BPF_KPROBE(kea_iface_send4, void *self, void *packet)
{
    __u32 tid = (__u32)bpf_get_current_pid_tgid();
    struct response *r = bpf_map_lookup_elem(&building, &tid);
    if (!r)
        return 0;
    __u32 xid = r->xid, type = r->type;
    bpf_map_delete_elem(&building, &tid);
    if (type == 0 || type >= MSG_TYPES)
        return 0;
    bump(&msg_counts, DIR_OUT * MSG_TYPES + type);
    if (type != 2 && type != 5 && type != 6)
        return 0;
    struct pending_key key = { .xid = xid, .kind = type == 2 ? KIND_DISCOVER : KIND_REQUEST };
    __u64 *seen = bpf_map_lookup_elem(&pending, &key);
    if (!seen) {
        bump(&stats, STAT_UNMATCHED_REPLY);
        return 0;
    }
    __u64 delta = bpf_ktime_get_ns() - *seen;
    /* The request removed under us (a second reply, or kea-edge's sweep of unanswered requests): unmatched, so
     * that every reply is in exactly one histogram or counted as unmatched. */
    if (bpf_map_delete_elem(&pending, &key) != 0) {
        bump(&stats, STAT_UNMATCHED_REPLY);
        return 0;
    }
    __u32 slot = log2l(delta);
    if (slot >= HIST_SLOTS)
        slot = HIST_SLOTS - 1;
    bump(&latency_hist, key.kind * HIST_SLOTS + slot);
    add(&stats, STAT_LATENCY_SUM + key.kind, delta);
    return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
