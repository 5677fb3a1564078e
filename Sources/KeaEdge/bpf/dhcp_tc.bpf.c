// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// kea-edge tc classifier: counts DHCPv4 and DHCPv6 messages on the server's interface in both directions and
// records the request->reply latency of every exchange as log2 histograms (DISCOVER->OFFER, REQUEST->ACK/NAK;
// DHCPv6: SOLICIT->ADVERTISE, REQUEST->REPLY, SOLICIT->REPLY (rapid commit), RENEW, REBIND, CONFIRM, RELEASE,
// DECLINE and INFORMATION-REQUEST->REPLY), matched by transaction id and message type (DHCPv6 relay envelopes
// unwrapped).
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
#define FAM_V4 0
#define FAM_V6 1
#define FAMILIES 2
#define MSG_TYPES 32            /* message types 0..31 (0 = none/invalid) per family and direction */
#define HIST_SLOTS 64
#define MAX_OPTIONS 64          /* DHCPv4 options scanned before giving up on option 53 */
#define MAX_EXT_HEADERS 4       /* IPv6 extension headers (hop-by-hop, routing, destination) skipped */
#define MAX_RELAY_DEPTH 4       /* RELAY-FORW/RELAY-REPL envelopes unwrapped */
#define MAX_RELAY_OPTIONS 16    /* options per envelope scanned for the Relay Message option (on average) */

/* Indices of the `stats` array: family * STATS_PER_FAMILY + one of these; keep in sync with TCProgram.swift. */
enum {
    STAT_MALFORMED = 0,         /* DHCP-port UDP that is not a valid message of its family */
    STAT_UNMATCHED_REPLY = 1,   /* reply sent without a pending request of the same exchange and xid */
    STAT_RETRANSMIT = 2,        /* request whose xid was already pending (the newer time wins) */
    STAT_PENDING_FULL = 3,      /* requests not tracked because the pending map was full */
    STAT_LATENCY_SUM = 4,       /* 4 + exchange: sum of the matched latencies in ns (a Prometheus histogram's _sum) */
    STAT_RELAYED = 6,           /* 6 + direction: DHCPv6 messages carried in RELAY-FORW (in) / RELAY-REPL (out) */
    STATS_PER_FAMILY = 8,
    STAT_MAX = FAMILIES * STATS_PER_FAMILY,
    /* STAT_MAX + exchange: latency sums of the exchanges from EXCHANGE_SOLICIT_REPLY on (exchanges 0-3 keep
     * theirs at family * 8 + STAT_LATENCY_SUM + (exchange & 1)) */
};

/* Tracked exchanges: histogram rows; the pending map's kind is the request's exchange (SOLICIT's is
 * EXCHANGE_SOLICIT, which either ADVERTISE or a rapid-commit REPLY ends). Keep in sync with TCProgram.swift. */
enum {
    EXCHANGE_DISCOVER = 0,      /* DISCOVER -> OFFER */
    EXCHANGE_REQUEST = 1,       /* REQUEST -> ACK/NAK */
    EXCHANGE_SOLICIT = 2,       /* SOLICIT -> ADVERTISE */
    EXCHANGE_REQUEST6 = 3,      /* REQUEST -> REPLY */
    EXCHANGE_SOLICIT_REPLY = 4, /* SOLICIT -> REPLY (rapid commit); a histogram row only */
    EXCHANGE_RENEW = 5,         /* RENEW -> REPLY, and so on: 5 + the DHCPv6 msg-type - 5 for RENEW..DECLINE */
    EXCHANGE_REBIND = 6,
    EXCHANGE_CONFIRM = 7,
    EXCHANGE_RELEASE = 8,
    EXCHANGE_DECLINE = 9,
    EXCHANGE_INFREQ = 10,       /* INFORMATION-REQUEST -> REPLY */
    EXCHANGES = 11,
};

struct pending_key {
    __u32 xid;
    __u32 kind;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, FAMILIES * 2 * MSG_TYPES);   /* (family * 2 + direction) * MSG_TYPES + type */
    __type(key, __u32);
    __type(value, __u64);
} msg_counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, STAT_MAX + EXCHANGES);
    __type(key, __u32);
    __type(value, __u64);
} stats SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, EXCHANGES * HIST_SLOTS);     /* exchange * HIST_SLOTS + slot */
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

/* Counts the message and, for a request of a tracked exchange (ingress), records its time under (xid, kind). */
static __always_inline int account_in(__u32 family, __u32 type, int kind, __u32 xid)
{
    __u32 s = family * STATS_PER_FAMILY;
    bump(&msg_counts, (family * 2 + DIR_IN) * MSG_TYPES + type);
    if (kind < 0)
        return TC_ACT_OK;
    struct pending_key key = { .xid = xid, .kind = (__u32)kind };
    __u64 now = bpf_ktime_get_ns();
    if (bpf_map_update_elem(&pending, &key, &now, BPF_NOEXIST) != 0) {
        if (bpf_map_update_elem(&pending, &key, &now, BPF_EXIST) == 0)
            bump(&stats, s + STAT_RETRANSMIT);
        else
            bump(&stats, s + STAT_PENDING_FULL);
    }
    return TC_ACT_OK;
}

/* A reply to the request pending under `key`: 0 when it took the request (its latency is added to the exchange's
 * histogram and sum), 1 when the request was there but removed under it (by a second reply on another CPU, or by
 * kea-edge's sweep of unanswered requests), -1 when no such request was pending. Every reply is thus either in
 * exactly one histogram or counted as unmatched. */
static __always_inline int match(__u32 family, struct pending_key *key, __u32 exchange, __u64 now)
{
    __u64 *seen = bpf_map_lookup_elem(&pending, key);
    if (!seen)
        return -1;
    __u64 delta = now - *seen;
    if (bpf_map_delete_elem(&pending, key) != 0)
        return 1;
    __u32 slot = log2l(delta);
    if (slot >= HIST_SLOTS)
        slot = HIST_SLOTS - 1;
    bump(&latency_hist, exchange * HIST_SLOTS + slot);
    add(&stats, exchange < EXCHANGE_SOLICIT_REPLY ? family * STATS_PER_FAMILY + STAT_LATENCY_SUM + (exchange & 1)
                                                 : STAT_MAX + exchange, delta);
    return 0;
}

/* Counts a reply (egress) and matches it to the pending request of exchange `kind` with its xid; -1: none. */
static __always_inline int account_out(__u32 family, __u32 type, int kind, __u32 xid)
{
    bump(&msg_counts, (family * 2 + DIR_OUT) * MSG_TYPES + type);
    if (kind < 0)
        return TC_ACT_OK;
    struct pending_key key = { .xid = xid, .kind = (__u32)kind };
    if (match(family, &key, (__u32)kind, bpf_ktime_get_ns()) != 0)
        bump(&stats, family * STATS_PER_FAMILY + STAT_UNMATCHED_REPLY);
    return TC_ACT_OK;
}

/* The requests a DHCPv6 REPLY answers (RFC 8415 section 18.3), most frequent first; SOLICIT's REPLY is rapid
 * commit. A REPLY is matched to the first of them pending with its xid. */
static const __u32 reply6_requests[8] = {
    EXCHANGE_REQUEST6, EXCHANGE_RENEW, EXCHANGE_REBIND, EXCHANGE_SOLICIT, EXCHANGE_INFREQ, EXCHANGE_CONFIRM,
    EXCHANGE_RELEASE, EXCHANGE_DECLINE,
};

/* A DHCPv6 REPLY (egress): counted, and matched to the pending request of the same xid. */
static __always_inline int account_reply6(__u32 xid)
{
    bump(&msg_counts, (FAM_V6 * 2 + DIR_OUT) * MSG_TYPES + 7);
    __u64 now = bpf_ktime_get_ns();
#pragma unroll
    for (int i = 0; i < 8; i++) {
        __u32 kind = reply6_requests[i];
        struct pending_key key = { .xid = xid, .kind = kind };
        int m = match(FAM_V6, &key, kind == EXCHANGE_SOLICIT ? EXCHANGE_SOLICIT_REPLY : kind, now);
        if (m == 0)
            return TC_ACT_OK;
        if (m > 0)
            break;
    }
    bump(&stats, FAM_V6 * STATS_PER_FAMILY + STAT_UNMATCHED_REPLY);
    return TC_ACT_OK;
}

/* DHCPv4 over UDP/IPv4, ports 67/68: the type is option 53. */
static __always_inline int handle4(struct __sk_buff *skb, __u32 dir)
{
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
        bump(&stats, FAM_V4 * STATS_PER_FAMILY + STAT_MALFORMED);
        return TC_ACT_OK;
    }
    __u32 dhcp = udp_off + 8;
    __u8 fixed[8];
    __be32 cookie;
    if (load(skb, dhcp, fixed, sizeof(fixed)) < 0 ||
        load(skb, dhcp + 236, &cookie, sizeof(cookie)) < 0 ||
        cookie != bpf_htonl(0x63825363) || (fixed[0] != 1 && fixed[0] != 2)) {
        bump(&stats, FAM_V4 * STATS_PER_FAMILY + STAT_MALFORMED);
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
        bump(&stats, FAM_V4 * STATS_PER_FAMILY + STAT_MALFORMED);
        return TC_ACT_OK;
    }
    if (dir == DIR_IN)
        return account_in(FAM_V4, type, type == 1 ? EXCHANGE_DISCOVER : type == 3 ? EXCHANGE_REQUEST : -1, xid);
    /* OFFER answers a DISCOVER; ACK and NAK a REQUEST */
    return account_out(FAM_V4, type, type == 2 ? EXCHANGE_DISCOVER : type == 5 || type == 6 ? EXCHANGE_REQUEST : -1, xid);
}

/* State of the walk through nested RELAY-FORW/RELAY-REPL envelopes, one option per bpf_loop step (the
 * verifier checks the callback once instead of every iteration of a loop). */
struct relay_walk {
    struct __sk_buff *skb;
    __u32 option;               /* offset of the next option of the current envelope */
    __u32 depth;                /* envelopes entered below the outermost */
    __u32 type;                 /* msg-type of the current message: 12/13 while inside an envelope */
    __u8 xid[3];                /* transaction id of the relayed client/server message */
};

/* One option of an envelope (msg-type, hop-count, link-address, peer-address: 34 bytes, then options): on the
 * Relay Message option (9) the walk moves into the relayed message; it stops at a non-relay message. */
static long relay_step(__u64 index, void *ctx)
{
    struct relay_walk *w = ctx;
    __u8 opt[4];
    if (bpf_skb_load_bytes(w->skb, w->option, opt, sizeof(opt)) < 0)
        return 1;
    if (opt[0] == 0 && opt[1] == 9) {
        __u8 hdr[4];
        if (++w->depth > MAX_RELAY_DEPTH || bpf_skb_load_bytes(w->skb, w->option + 4, hdr, sizeof(hdr)) < 0)
            return 1;
        w->type = hdr[0];
        w->xid[0] = hdr[1]; w->xid[1] = hdr[2]; w->xid[2] = hdr[3];
        w->option += 4 + 34;
        return w->type == 12 || w->type == 13 ? 0 : 1;
    }
    w->option += 4 + (((__u32)opt[2] << 8) | opt[3]);
    return 0;
}

/* DHCPv6 over UDP/IPv6, ports 546/547 (RFC 8415): msg-type and a 24-bit transaction id; RELAY-FORW (12) and
 * RELAY-REPL (13) carry the relayed message in their Relay Message option (9), unwrapped up to
 * MAX_RELAY_DEPTH envelopes. The inner message is what is counted (as Kea counts it). */
static __always_inline int handle6(struct __sk_buff *skb, __u32 dir)
{
    __u8 ip6[8];
    if (load(skb, ETH_HLEN, ip6, sizeof(ip6)) < 0 || (ip6[0] >> 4) != 6)
        return TC_ACT_OK;
    __u32 next = ip6[6];
    __u32 off = ETH_HLEN + 40;
    for (int i = 0; i < MAX_EXT_HEADERS && next != IPPROTO_UDP; i++) {
        if (next != 0 && next != 43 && next != 60)   /* hop-by-hop, routing, destination options */
            return TC_ACT_OK;                        /* a fragment, ICMPv6, ...: not DHCPv6 we can read */
        __u8 ext[2];
        if (bpf_skb_load_bytes(skb, off, ext, sizeof(ext)) < 0)
            return TC_ACT_OK;
        next = ext[0];
        off += ((__u32)ext[1] + 1) * 8;
    }
    if (next != IPPROTO_UDP)
        return TC_ACT_OK;
    __be16 ports[2];
    if (load(skb, off, ports, sizeof(ports)) < 0)
        return TC_ACT_OK;
    __u16 sport = bpf_ntohs(ports[0]), dport = bpf_ntohs(ports[1]);
    if (!((sport == 546 || sport == 547) && (dport == 546 || dport == 547)))
        return TC_ACT_OK;

    /* From here on it is DHCPv6 traffic: anything unexpected is malformed. */
    __u32 msg = off + 8;
    __u8 hdr[4];
    if (load(skb, msg, hdr, sizeof(hdr)) < 0) {
        bump(&stats, FAM_V6 * STATS_PER_FAMILY + STAT_MALFORMED);
        return TC_ACT_OK;
    }
    __u32 type = hdr[0];
    int relayed = type == 12 || type == 13;
    if (relayed) {
        struct relay_walk walk = { .skb = skb, .option = msg + 34, .type = type };
        bpf_loop(MAX_RELAY_DEPTH * MAX_RELAY_OPTIONS, relay_step, &walk, 0);
        type = walk.type;
        hdr[1] = walk.xid[0]; hdr[2] = walk.xid[1]; hdr[3] = walk.xid[2];
    }
    if (type == 0 || type == 12 || type == 13 || type >= MSG_TYPES) {   /* invalid, or nested too deep */
        bump(&stats, FAM_V6 * STATS_PER_FAMILY + STAT_MALFORMED);
        return TC_ACT_OK;
    }
    if (relayed)
        bump(&stats, FAM_V6 * STATS_PER_FAMILY + STAT_RELAYED + dir);
    __u32 xid = ((__u32)hdr[1] << 16) | ((__u32)hdr[2] << 8) | hdr[3];
    if (dir == DIR_IN) {
        /* SOLICIT, REQUEST, CONFIRM (4), RENEW (5), REBIND (6), RELEASE (8), DECLINE (9), INFORMATION-REQUEST (11) */
        int kind = type == 1 ? EXCHANGE_SOLICIT : type == 3 ? EXCHANGE_REQUEST6 : type == 4 ? EXCHANGE_CONFIRM
                 : type == 5 ? EXCHANGE_RENEW : type == 6 ? EXCHANGE_REBIND : type == 8 ? EXCHANGE_RELEASE
                 : type == 9 ? EXCHANGE_DECLINE : type == 11 ? EXCHANGE_INFREQ : -1;
        return account_in(FAM_V6, type, kind, xid);
    }
    if (type == 7)                                          /* REPLY: to one of eight requests */
        return account_reply6(xid);
    return account_out(FAM_V6, type, type == 2 ? EXCHANGE_SOLICIT : -1, xid);   /* ADVERTISE answers a SOLICIT */
}

static __always_inline int handle(struct __sk_buff *skb, __u32 dir)
{
    __u16 proto;
    if (load(skb, 12, &proto, sizeof(proto)) < 0)
        return TC_ACT_OK;
    if (proto == bpf_htons(ETH_P_IP))
        return handle4(skb, dir);
    if (proto == bpf_htons(ETH_P_IPV6))
        return handle6(skb, dir);
    return TC_ACT_OK;
}

SEC("tc")
int kea_edge_ingress(struct __sk_buff *skb) { return handle(skb, DIR_IN); }

SEC("tc")
int kea_edge_egress(struct __sk_buff *skb) { return handle(skb, DIR_OUT); }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
