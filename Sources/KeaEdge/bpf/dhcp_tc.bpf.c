// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// kea-edge tc classifier: counts DHCPv4 messages on the server's interface in both directions and
// records DISCOVER->OFFER and REQUEST->ACK/NAK latency as log2 histograms, matched by transaction id.
// Attached to the clsact qdisc's ingress (client -> server) and egress (server -> client) hooks; it only
// observes (always TC_ACT_OK). Build: clang -target bpf -g -O2 -D__TARGET_ARCH_x86 -c dhcp_tc.bpf.c
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define DIR_IN 0
#define DIR_OUT 1
#define MSG_TYPES 32            /* option 53 values 0..31 (0 = none/invalid) per direction */
#define HIST_SLOTS 64
#define MAX_OPTIONS 64          /* options scanned before giving up on option 53 */

/* Indices of the `stats` array; keep in sync with TCCollector.swift. */
enum {
    STAT_MALFORMED = 0,         /* UDP 67/68 that is not a valid DHCPv4 message with option 53 */
    STAT_UNMATCHED_REPLY = 1,   /* OFFER/ACK/NAK sent without a pending DISCOVER/REQUEST of the same xid */
    STAT_RETRANSMIT = 2,        /* DISCOVER/REQUEST whose xid was already pending (the newer time wins) */
    STAT_PENDING_FULL = 3,      /* requests not tracked because the pending map was full */
    STAT_LATENCY_SUM = 4,       /* 4 + kind: sum of the matched latencies in ns (a Prometheus histogram's _sum) */
    STAT_MAX = 8,
};

enum { KIND_DISCOVER = 0, KIND_REQUEST = 1 };

struct pending_key {
    __u32 xid;
    __u32 kind;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 2 * MSG_TYPES);
    __type(key, __u32);
    __type(value, __u64);
} msg_counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, STAT_MAX);
    __type(key, __u32);
    __type(value, __u64);
} stats SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 2 * HIST_SLOTS);
    __type(key, __u32);
    __type(value, __u64);
} latency_hist SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 65536);
    __type(key, struct pending_key);
    __type(value, __u64);       /* bpf_ktime_get_ns() when the request was seen */
} pending SEC(".maps");

static __always_inline void bump(void *map, __u32 key)
{
    __u64 *v = bpf_map_lookup_elem(map, &key);
    if (v)
        *v += 1;                /* per-CPU slot: no atomics needed */
}

/* BCC's bpf_log2l: slot 1 holds 0..1, slot i holds [2^(i-1), 2^i - 1]. */
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

/* Reads `len` bytes at `off`: straight from the linear packet data when they are there (no helper call),
 * else with bpf_skb_load_bytes. `len` is a compile-time constant at every call site. The option loop keeps
 * bpf_skb_load_bytes: two paths per option multiply the verifier's states beyond its limit. */
static __always_inline int load(struct __sk_buff *skb, __u32 off, void *to, const __u32 len)
{
    void *data = (void *)(long)skb->data;
    void *end = (void *)(long)skb->data_end;
    if (off < 2048 && data + off + len <= end) {
        __builtin_memcpy(to, data + off, len);
        return 0;
    }
    return bpf_skb_load_bytes(skb, off, to, len);
}

static __always_inline int handle(struct __sk_buff *skb, __u32 dir)
{
    __u16 proto;
    if (load(skb, 12, &proto, sizeof(proto)) < 0 || proto != bpf_htons(ETH_P_IP))
        return TC_ACT_OK;
    __u8 iph[20];
    if (load(skb, ETH_HLEN, iph, sizeof(iph)) < 0)
        return TC_ACT_OK;
    if ((iph[0] >> 4) != 4 || iph[9] != IPPROTO_UDP)
        return TC_ACT_OK;
    __u32 ihl = (iph[0] & 0x0f) * 4;
    __u32 udp_off = ETH_HLEN + ihl;
    __be16 ports[2];
    if (load(skb, udp_off, ports, sizeof(ports)) < 0)
        return TC_ACT_OK;
    __u16 sport = bpf_ntohs(ports[0]), dport = bpf_ntohs(ports[1]);
    if (!((sport == 67 || sport == 68) && (dport == 67 || dport == 68)))
        return TC_ACT_OK;

    /* From here on it is DHCP traffic: anything unexpected is malformed. */
    if (ihl < 20 || (iph[6] & 0x3f) || iph[7]) {  /* bad header length or a fragment */
        bump(&stats, STAT_MALFORMED);
        return TC_ACT_OK;
    }
    __u32 dhcp = udp_off + 8;
    __u8 fixed[8];
    __be32 cookie;
    if (load(skb, dhcp, fixed, sizeof(fixed)) < 0 ||
        load(skb, dhcp + 236, &cookie, sizeof(cookie)) < 0 ||
        cookie != bpf_htonl(0x63825363) || (fixed[0] != 1 && fixed[0] != 2)) {
        bump(&stats, STAT_MALFORMED);
        return TC_ACT_OK;
    }
    __u32 xid = ((__u32)fixed[4] << 24) | ((__u32)fixed[5] << 16) | ((__u32)fixed[6] << 8) | fixed[7];

    __u32 off = dhcp + 240;
    __u32 type = 0;
    for (int i = 0; i < MAX_OPTIONS; i++) {
        __u8 opt[3];
        if (bpf_skb_load_bytes(skb, off, opt, 1) < 0)
            break;
        if (opt[0] == 0) { off += 1; continue; }    /* pad */
        if (opt[0] == 255)                          /* end */
            break;
        if (bpf_skb_load_bytes(skb, off, opt, 3) < 0)
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
        return TC_ACT_OK;
    }
    bump(&msg_counts, dir * MSG_TYPES + type);

    __u64 now = bpf_ktime_get_ns();
    if (dir == DIR_IN && (type == 1 || type == 3)) {          /* DISCOVER, REQUEST */
        struct pending_key key = { .xid = xid, .kind = type == 1 ? KIND_DISCOVER : KIND_REQUEST };
        if (bpf_map_update_elem(&pending, &key, &now, BPF_NOEXIST) != 0) {
            if (bpf_map_update_elem(&pending, &key, &now, BPF_EXIST) == 0)
                bump(&stats, STAT_RETRANSMIT);
            else
                bump(&stats, STAT_PENDING_FULL);
        }
    } else if (dir == DIR_OUT && (type == 2 || type == 5 || type == 6)) {  /* OFFER, ACK, NAK */
        struct pending_key key = { .xid = xid, .kind = type == 2 ? KIND_DISCOVER : KIND_REQUEST };
        __u64 *seen = bpf_map_lookup_elem(&pending, &key);
        if (!seen) {
            bump(&stats, STAT_UNMATCHED_REPLY);
            return TC_ACT_OK;
        }
        __u64 delta = now - *seen;
        /* Only the reply that wins the delete is counted (ingress and egress may run on two CPUs). */
        if (bpf_map_delete_elem(&pending, &key) == 0) {
            __u32 slot = log2l(delta);
            if (slot >= HIST_SLOTS)
                slot = HIST_SLOTS - 1;
            bump(&latency_hist, key.kind * HIST_SLOTS + slot);
            add(&stats, STAT_LATENCY_SUM + key.kind, delta);
        }
    }
    return TC_ACT_OK;
}

SEC("tc")
int kea_edge_ingress(struct __sk_buff *skb) { return handle(skb, DIR_IN); }

SEC("tc")
int kea_edge_egress(struct __sk_buff *skb) { return handle(skb, DIR_OUT); }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
