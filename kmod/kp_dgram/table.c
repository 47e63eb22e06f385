// SPDX-License-Identifier: GPL-2.0
/*
 * kp_dgram: the socket table.
 *
 * One table for every netns and both families: 65536 buckets, the bucket
 * of a socket being (local port + net_hash_mix(netns)) mod 65536.  Within
 * one netns, two ports never share a bucket, so a lookup walks only the
 * sockets bound to the datagram's port (plus, rarely, sockets of other
 * namespaces), however many sockets are bound: 10,000 sockets on 10,000
 * ports cost one comparison per lookup.
 *
 * Locking: writers (bind, autobind, unhash) take kp_dgram_table.lock
 * (BH-safe); readers (the receive and ICMP error handlers, dumps) walk a
 * bucket under rcu_read_lock().  Hashed sockets have SOCK_RCU_FREE set, so
 * a socket found under RCU stays valid until rcu_read_unlock() even if it
 * is being closed, as for UDP; a datagram queued to a socket being closed
 * is purged when it is destroyed.
 */
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <net/inet_connection_sock.h>
#include <net/addrconf.h>
#include <net/ip.h>

#include "kp_dgram.h"

#define KP_DGRAM_HASH_BITS	16
#define KP_DGRAM_HASH_SIZE	BIT(KP_DGRAM_HASH_BITS)

static struct {
	struct hlist_head *heads;
	spinlock_t lock;	/* hash/unhash; readers use RCU */
	atomic_t seq;		/* bumped on every change, for dumps */
} kp_dgram_table;

static struct hlist_head *kp_dgram_bucket(const struct net *net, u16 port)
{
	return &kp_dgram_table.heads[(port + net_hash_mix(net)) &
				     (KP_DGRAM_HASH_SIZE - 1)];
}

int kp_dgram_table_init(void)
{
	kp_dgram_table.heads = kvcalloc(KP_DGRAM_HASH_SIZE,
					sizeof(*kp_dgram_table.heads),
					GFP_KERNEL);
	if (!kp_dgram_table.heads)
		return -ENOMEM;
	spin_lock_init(&kp_dgram_table.lock);
	return 0;
}

/* Every socket is gone (each held a module reference). */
void kp_dgram_table_exit(void)
{
	unsigned int i;

	for (i = 0; i < KP_DGRAM_HASH_SIZE; i++)
		WARN_ON_ONCE(!hlist_empty(&kp_dgram_table.heads[i]));
	kvfree(kp_dgram_table.heads);
}

unsigned int kp_dgram_table_seq(void)
{
	return atomic_read(&kp_dgram_table.seq);
}

/*
 * Would @sk, bound to @port, clash with a socket in the table?  Sockets
 * of the other family never clash (AF_INET6 sockets are IPv6 only);
 * otherwise as UDP: unless both set SO_REUSEADDR, sockets on one port
 * need different bound devices or different local addresses.  Caller
 * holds kp_dgram_table.lock.
 */
static bool kp_dgram_port_inuse(const struct sock *sk, u16 port)
{
	const struct net *net = sock_net(sk);
	struct sock *sk2;

	sk_for_each(sk2, kp_dgram_bucket(net, port)) {
		if (sk2 == sk || !net_eq(sock_net(sk2), net) ||
		    sk2->sk_family != sk->sk_family ||
		    inet_sk(sk2)->inet_num != port)
			continue;
		if (sk2->sk_reuse && sk->sk_reuse)
			continue;
		if (sk2->sk_bound_dev_if && sk->sk_bound_dev_if &&
		    sk2->sk_bound_dev_if != sk->sk_bound_dev_if)
			continue;
		if (inet_rcv_saddr_equal(sk, sk2, true))
			return true;
	}
	return false;
}

/**
 * kp_dgram_get_port - bind a socket to a port and hash it
 * @sk: the socket, its local address already set by inet_bind()
 * @snum: the port, or 0 for an ephemeral one
 *
 * An ephemeral port is searched from a random point of the socket's local
 * port range (ip_local_port_range, or IP_LOCAL_PORT_RANGE), skipping
 * ip_local_reserved_ports.
 *
 * Return: 0, or -EADDRINUSE (what bind() returns) when the port is taken
 * or no ephemeral port is free.
 */
int kp_dgram_get_port(struct sock *sk, unsigned short snum)
{
	struct net *net = sock_net(sk);
	int low, high, remaining, i;
	u32 offset;

	spin_lock_bh(&kp_dgram_table.lock);
	if (!snum) {
		inet_sk_get_local_port_range(sk, &low, &high);
		remaining = high - low + 1;
		offset = get_random_u32_below(remaining);
		for (i = 0; i < remaining; i++) {
			u16 port = low + (offset + i) % remaining;

			if (inet_is_local_reserved_port(net, port))
				continue;
			if (!kp_dgram_port_inuse(sk, port)) {
				snum = port;
				break;
			}
		}
		if (!snum)
			goto fail;
	} else if (kp_dgram_port_inuse(sk, snum)) {
		goto fail;
	}

	inet_sk(sk)->inet_num = snum;
	if (sk_unhashed(sk)) {
		/* Lookups hold no reference: free after a grace period. */
		sock_set_flag(sk, SOCK_RCU_FREE);
		sk_add_node_rcu(sk, kp_dgram_bucket(net, snum));
		sock_prot_inuse_add(sock_net(sk), sk->sk_prot, 1);
		atomic_inc(&kp_dgram_table.seq);
	}
	spin_unlock_bh(&kp_dgram_table.lock);
	return 0;

fail:
	spin_unlock_bh(&kp_dgram_table.lock);
	return -EADDRINUSE;
}

/* struct proto unhash: on close, and on disconnect of an autobound socket. */
void kp_dgram_unhash(struct sock *sk)
{
	spin_lock_bh(&kp_dgram_table.lock);
	if (sk_del_node_init_rcu(sk)) {
		inet_sk(sk)->inet_num = 0;
		sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
		atomic_inc(&kp_dgram_table.seq);
	}
	spin_unlock_bh(&kp_dgram_table.lock);
}

/*
 * Scores as UDP's compute_score(): -1 for no match; a bound device,
 * a bound local address and a connected peer each add 4.
 */
static int kp_dgram_score_dev(const struct sock *sk, int dif, int sdif)
{
	int bound = READ_ONCE(sk->sk_bound_dev_if);

	if (!bound)
		return 0;
	return bound == dif || bound == sdif ? 4 : -1;
}

static int kp_dgram4_score(const struct sock *sk, const struct net *net,
			   __be32 saddr, __be16 sport, __be32 daddr, u16 hnum,
			   int dif, int sdif)
{
	const struct inet_sock *inet = inet_sk(sk);
	int score = 1, dev;

	if (!net_eq(sock_net(sk), net) || sk->sk_family != AF_INET ||
	    inet->inet_num != hnum)
		return -1;
	if (inet->inet_rcv_saddr) {
		if (inet->inet_rcv_saddr != daddr)
			return -1;
		score += 4;
	}
	if (inet->inet_daddr) {
		if (inet->inet_daddr != saddr)
			return -1;
		score += 4;
	}
	if (inet->inet_dport) {
		if (inet->inet_dport != sport)
			return -1;
		score += 4;
	}
	dev = kp_dgram_score_dev(sk, dif, sdif);
	if (dev < 0)
		return -1;
	return score + dev;
}

/**
 * kp_dgram4_lookup - the best AF_INET socket for a datagram
 * @net: the namespace it arrived in
 * @saddr: its source address
 * @sport: its source port
 * @daddr: its destination address
 * @hnum: its destination port, host order
 * @dif: the device it arrived on
 * @sdif: the L3 master device's slave, or 0
 *
 * Caller holds rcu_read_lock(); the socket is valid until it drops it.
 *
 * Return: the socket, or NULL.
 */
struct sock *kp_dgram4_lookup(const struct net *net, __be32 saddr,
			      __be16 sport, __be32 daddr, u16 hnum, int dif,
			      int sdif)
{
	struct sock *sk, *result = NULL;
	int score, best = 0;

	sk_for_each_rcu(sk, kp_dgram_bucket(net, hnum)) {
		score = kp_dgram4_score(sk, net, saddr, sport, daddr, hnum,
					dif, sdif);
		if (score > best) {
			result = sk;
			best = score;
		}
	}
	return result;
}

static int kp_dgram6_score(const struct sock *sk, const struct net *net,
			   const struct in6_addr *saddr, __be16 sport,
			   const struct in6_addr *daddr, u16 hnum, int dif,
			   int sdif)
{
	const struct inet_sock *inet = inet_sk(sk);
	int score = 1, dev;

	if (!net_eq(sock_net(sk), net) || sk->sk_family != AF_INET6 ||
	    inet->inet_num != hnum)
		return -1;
	if (!ipv6_addr_any(&sk->sk_v6_rcv_saddr)) {
		if (!ipv6_addr_equal(&sk->sk_v6_rcv_saddr, daddr))
			return -1;
		score += 4;
	}
	if (!ipv6_addr_any(&sk->sk_v6_daddr)) {
		if (!ipv6_addr_equal(&sk->sk_v6_daddr, saddr))
			return -1;
		score += 4;
	}
	if (inet->inet_dport) {
		if (inet->inet_dport != sport)
			return -1;
		score += 4;
	}
	dev = kp_dgram_score_dev(sk, dif, sdif);
	if (dev < 0)
		return -1;
	return score + dev;
}

/* kp_dgram4_lookup() for AF_INET6 sockets. */
struct sock *kp_dgram6_lookup(const struct net *net,
			      const struct in6_addr *saddr, __be16 sport,
			      const struct in6_addr *daddr, u16 hnum, int dif,
			      int sdif)
{
	struct sock *sk, *result = NULL;
	int score, best = 0;

	sk_for_each_rcu(sk, kp_dgram_bucket(net, hnum)) {
		score = kp_dgram6_score(sk, net, saddr, sport, daddr, hnum,
					dif, sdif);
		if (score > best) {
			result = sk;
			best = score;
		}
	}
	return result;
}

/**
 * kp_dgram_iter_next - the next socket of a namespace, for dumps
 * @net: the namespace
 * @family: AF_INET or AF_INET6, or AF_UNSPEC for both
 * @it: the position, advanced past the socket returned
 *
 * Caller holds rcu_read_lock().  Sockets hashed or unhashed between two
 * calls may be missed or seen twice; kp_dgram_table_seq() tells.
 *
 * Return: the socket, or NULL at the end of the table.
 */
struct sock *kp_dgram_iter_next(const struct net *net, int family,
				struct kp_dgram_iter *it)
{
	struct sock *sk;
	unsigned int n;

	for (; it->bucket < KP_DGRAM_HASH_SIZE; it->bucket++, it->index = 0) {
		n = 0;
		sk_for_each_rcu(sk, &kp_dgram_table.heads[it->bucket]) {
			if (!net_eq(sock_net(sk), net) ||
			    (family != AF_UNSPEC && sk->sk_family != family))
				continue;
			if (n++ < it->index)
				continue;
			it->index++;
			return sk;
		}
	}
	return NULL;
}
