/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linux 6.6 moved socket option flags of struct inet_sock and struct
 * ipv6_pinfo into atomic bit fields (inet_cmsg_flags(), inet6_test_bit())
 * and let struct proto say where struct ipv6_pinfo is
 * (ipv6_pinfo_offset; before, it had to end the socket); 6.10 dropped
 * RT_CONN_FLAGS() for ip_sock_rt_tos().
 */
#ifndef KP_COMPAT_V6_6_INET_FLAGS_H
#define KP_COMPAT_V6_6_INET_FLAGS_H

#include <linux/version.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/route.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define kp_inet_cmsg_flags(inet)	inet_cmsg_flags(inet)
#define kp_np_dontfrag(sk)		inet6_test_bit(DONTFRAG, sk)
#define kp_np_pmtudisc(sk)		READ_ONCE(inet6_sk(sk)->pmtudisc)
#define KP_IPV6_PINFO_OFFSET(type, member) \
	.ipv6_pinfo_offset = offsetof(type, member),
#else
#define kp_inet_cmsg_flags(inet)	((inet)->cmsg_flags)
#define kp_np_dontfrag(sk)		(inet6_sk(sk)->dontfrag)
#define kp_np_pmtudisc(sk)		(inet6_sk(sk)->pmtudisc)	/* bit field */
#define KP_IPV6_PINFO_OFFSET(type, member)
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define kp_sock_rt_tos(sk)		ip_sock_rt_tos(sk)
#else
#define kp_sock_rt_tos(sk)		RT_CONN_FLAGS(sk)
#endif

#endif /* KP_COMPAT_V6_6_INET_FLAGS_H */
