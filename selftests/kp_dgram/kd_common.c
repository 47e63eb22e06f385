// SPDX-License-Identifier: GPL-2.0
/*
 * kd_common: see kd_common.h.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "kd_common.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* ------------------------------------------------------------------------ */
/* Generic netlink.                                                          */

static const char *const counter_names[KP_DGRAM_A_STATS_MAX + 1] = {
	[KP_DGRAM_A_STATS_IN_DATAGRAMS] = "in_datagrams",
	[KP_DGRAM_A_STATS_NO_PORTS] = "no_ports",
	[KP_DGRAM_A_STATS_IN_ERRORS] = "in_errors",
	[KP_DGRAM_A_STATS_IN_CSUM_ERRORS] = "in_csum_errors",
	[KP_DGRAM_A_STATS_RCVBUF_ERRORS] = "rcvbuf_errors",
	[KP_DGRAM_A_STATS_OUT_DATAGRAMS] = "out_datagrams",
	[KP_DGRAM_A_STATS_SNDBUF_ERRORS] = "sndbuf_errors",
};

const char *kd_counter_name(int attr)
{
	if (attr < 0 || attr > KP_DGRAM_A_STATS_MAX)
		return NULL;
	return counter_names[attr];
}

struct kd_req {
	bool done;
	int error;
	char msg[256];
	int (*on_msg)(struct nlmsghdr *nlh, void *arg);
	void *arg;
	int cb_err;			/* what on_msg returned, if < 0 */
};

/* The errno (and extack message) of NLMSG_ERROR / NLMSG_DONE @nlh. */
static void parse_answer(struct nlmsghdr *nlh, struct kd_req *r)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlmsgerr *e = nlmsg_data(nlh);
	size_t off = sizeof(*e);
	int len;

	r->done = true;
	if (nlh->nlmsg_type == NLMSG_DONE) {
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
			return;
		r->error = *(int *)nlmsg_data(nlh);
		off = NLMSG_ALIGN(sizeof(int));
	} else {
		r->error = e->error;
	}
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (nlh->nlmsg_type != NLMSG_DONE && !(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
	if (len <= 0 ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
		      len, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(r->msg, sizeof(r->msg), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
}

static int cb_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	parse_answer((struct nlmsghdr *)((char *)e - NLMSG_HDRLEN), arg);
	return NL_STOP;
}

static int cb_ack(struct nl_msg *msg, void *arg)
{
	parse_answer(nlmsg_hdr(msg), arg);
	return NL_STOP;
}

static int cb_finish(struct nl_msg *msg, void *arg)
{
	parse_answer(nlmsg_hdr(msg), arg);
	return NL_STOP;
}

static int cb_valid(struct nl_msg *msg, void *arg)
{
	struct kd_req *r = arg;
	int err;

	if (r->on_msg) {
		err = r->on_msg(nlmsg_hdr(msg), r->arg);
		if (err < 0 && !r->cb_err)
			r->cb_err = err;
	}
	return NL_OK;
}

/* A genl socket of the current netns, extended acks on, and the family. */
static int genl_open(struct nl_sock **skp, int *family)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1, fam;

	if (!sk)
		return -ENOMEM;
	if (nl_connect(sk, NETLINK_GENERIC) < 0) {
		nl_socket_free(sk);
		return -EIO;
	}
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	fam = genl_ctrl_resolve(sk, KP_DGRAM_FAMILY_NAME);
	if (fam < 0) {
		nl_socket_free(sk);
		return -ENOENT;
	}
	*skp = sk;
	*family = fam;
	return 0;
}

/*
 * Send a request of @cmd (attributes added by @put) and read the whole
 * answer; each reply message goes to @on_msg.  Returns the kernel's
 * verdict (0 / -errno), or -EIO when the exchange itself failed.
 */
static int genl_request(uint8_t cmd, int flags,
			int (*put)(struct nl_msg *msg, void *arg), void *put_arg,
			int (*on_msg)(struct nlmsghdr *nlh, void *arg),
			void *msg_arg, struct kd_nl_answer *ans)
{
	struct kd_req r = { .on_msg = on_msg, .arg = msg_arg };
	struct nl_sock *sk;
	struct nl_msg *msg;
	struct nl_cb *cb;
	int family, err;

	err = genl_open(&sk, &family);
	if (err)
		return err;
	msg = nlmsg_alloc();
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!msg || !cb ||
	    !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd,
			 KP_DGRAM_FAMILY_VERSION) ||
	    (put && put(msg, put_arg) < 0)) {
		err = -ENOMEM;
		goto out;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cb_valid, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, cb_ack, &r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, cb_finish, &r);
	nl_cb_err(cb, NL_CB_CUSTOM, cb_error, &r);
	err = nl_send_auto(sk, msg);
	while (err >= 0 && !r.done)
		err = nl_recvmsgs(sk, cb);
	if (!r.done) {
		err = -EIO;
		goto out;
	}
	err = r.error ?: r.cb_err;
	if (ans) {
		ans->error = r.error;
		snprintf(ans->msg, sizeof(ans->msg), "%s", r.msg);
	}
out:
	nlmsg_free(msg);
	nl_cb_put(cb);
	nl_socket_free(sk);
	return err;
}

static void parse_mib(struct nlattr *nest, struct kd_mib *m)
{
	struct nlattr *tb[KP_DGRAM_A_STATS_MAX + 1];
	int i;

	if (nla_parse_nested(tb, KP_DGRAM_A_STATS_MAX, nest, NULL))
		return;
	m->present = true;
	for (i = KP_DGRAM_A_STATS_IN_DATAGRAMS; i <= KP_DGRAM_A_STATS_MAX; i++) {
		if (!tb[i])
			continue;
		m->has[i] = true;
		m->v[i] = nla_len(tb[i]) >= 8 ? nla_get_u64(tb[i]) :
					       nla_get_u32(tb[i]);
	}
}

static int stats_msg(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[KP_DGRAM_A_NS_MAX + 1];
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct kd_stats *st = arg;

	st->cmd = g->cmd;
	if (genlmsg_parse(nlh, 0, tb, KP_DGRAM_A_NS_MAX, NULL))
		return -EBADMSG;
	if (tb[KP_DGRAM_A_NS_PROTO]) {
		st->has_proto = true;
		st->proto = nla_get_u8(tb[KP_DGRAM_A_NS_PROTO]);
	}
	if (tb[KP_DGRAM_A_NS_PORT_UNREACH]) {
		st->has_port_unreach = true;
		st->port_unreach = nla_get_u8(tb[KP_DGRAM_A_NS_PORT_UNREACH]);
	}
	if (tb[KP_DGRAM_A_NS_STATS4])
		parse_mib(tb[KP_DGRAM_A_NS_STATS4], &st->mib4);
	if (tb[KP_DGRAM_A_NS_STATS6])
		parse_mib(tb[KP_DGRAM_A_NS_STATS6], &st->mib6);
	return 0;
}

int kd_stats_get(struct kd_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->proto = -1;
	st->port_unreach = -1;
	return genl_request(KP_DGRAM_CMD_STATS_GET, 0, NULL, NULL, stats_msg,
			    st, NULL);
}

int kd_proto(void)
{
	struct kd_stats st;
	int err = kd_stats_get(&st);

	if (err)
		return err;
	return st.has_proto ? st.proto : -ENODATA;
}

static int put_port_unreach(struct nl_msg *msg, void *arg)
{
	int v = *(int *)arg;

	return v < 0 ? 0 : nla_put_u8(msg, KP_DGRAM_A_NS_PORT_UNREACH, v);
}

int kd_config_set_raw(int value, struct kd_nl_answer *ans)
{
	return genl_request(KP_DGRAM_CMD_CONFIG_SET, 0, put_port_unreach,
			    &value, NULL, NULL, ans);
}

int kd_set_port_unreach(bool on)
{
	return kd_config_set_raw(on, NULL);
}

struct sock_list {
	struct kd_sock *s;
	int n, cap;
};

static int sock_msg(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[KP_DGRAM_A_SOCK_MAX + 1];
	struct sock_list *l = arg;
	struct kd_sock *s;

	if (genlmsg_parse(nlh, 0, tb, KP_DGRAM_A_SOCK_MAX, NULL))
		return -EBADMSG;
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 64;
		struct kd_sock *p = realloc(l->s, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->s = p;
		l->cap = cap;
	}
	s = &l->s[l->n++];
	memset(s, 0, sizeof(*s));
	s->lport = -1;
	s->rport = -1;
	if (tb[KP_DGRAM_A_SOCK_FAMILY])
		s->family = nla_get_u16(tb[KP_DGRAM_A_SOCK_FAMILY]);
	if (tb[KP_DGRAM_A_SOCK_LOCAL_ADDR] &&
	    nla_len(tb[KP_DGRAM_A_SOCK_LOCAL_ADDR]) <= 16) {
		s->laddr_len = nla_len(tb[KP_DGRAM_A_SOCK_LOCAL_ADDR]);
		memcpy(s->laddr, nla_data(tb[KP_DGRAM_A_SOCK_LOCAL_ADDR]),
		       s->laddr_len);
	}
	if (tb[KP_DGRAM_A_SOCK_LOCAL_PORT])
		s->lport = nla_get_u16(tb[KP_DGRAM_A_SOCK_LOCAL_PORT]);
	if (tb[KP_DGRAM_A_SOCK_REMOTE_ADDR] &&
	    nla_len(tb[KP_DGRAM_A_SOCK_REMOTE_ADDR]) <= 16) {
		s->raddr_len = nla_len(tb[KP_DGRAM_A_SOCK_REMOTE_ADDR]);
		memcpy(s->raddr, nla_data(tb[KP_DGRAM_A_SOCK_REMOTE_ADDR]),
		       s->raddr_len);
	}
	if (tb[KP_DGRAM_A_SOCK_REMOTE_PORT])
		s->rport = nla_get_u16(tb[KP_DGRAM_A_SOCK_REMOTE_PORT]);
	if (tb[KP_DGRAM_A_SOCK_BOUND_IFINDEX]) {
		s->has_ifindex = true;
		s->ifindex = nla_get_u32(tb[KP_DGRAM_A_SOCK_BOUND_IFINDEX]);
	}
	if (tb[KP_DGRAM_A_SOCK_RX_QUEUE])
		s->rx_queue = nla_get_u32(tb[KP_DGRAM_A_SOCK_RX_QUEUE]);
	if (tb[KP_DGRAM_A_SOCK_TX_QUEUE])
		s->tx_queue = nla_get_u32(tb[KP_DGRAM_A_SOCK_TX_QUEUE]);
	if (tb[KP_DGRAM_A_SOCK_DROPS]) {
		s->has_drops = true;
		s->drops = nla_get_u32(tb[KP_DGRAM_A_SOCK_DROPS]);
	}
	if (tb[KP_DGRAM_A_SOCK_UID])
		s->uid = nla_get_u32(tb[KP_DGRAM_A_SOCK_UID]);
	if (tb[KP_DGRAM_A_SOCK_INODE])
		s->inode = nla_get_u64(tb[KP_DGRAM_A_SOCK_INODE]);
	return 0;
}

int kd_sock_dump(struct kd_sock **socks, int *n)
{
	struct sock_list l = { 0 };
	int err;

	err = genl_request(KP_DGRAM_CMD_SOCK_GET, NLM_F_DUMP, NULL, NULL,
			   sock_msg, &l, NULL);
	if (err) {
		free(l.s);
		return err;
	}
	*socks = l.s;
	*n = l.n;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* /proc/net/kp_dgram{,6}.                                                   */

static int hexbytes(const char *hex, uint8_t *out, int nbytes)
{
	int i;

	if ((int)strlen(hex) != 2 * nbytes)
		return -1;
	/* /proc/net/udp prints each 32-bit word as a host-order integer */
	for (i = 0; i < nbytes / 4; i++) {
		uint32_t w;
		char word[9];

		memcpy(word, hex + 8 * i, 8);
		word[8] = '\0';
		w = strtoul(word, NULL, 16);
		memcpy(out + 4 * i, &w, 4);
	}
	return 0;
}

/* "0100007F:1F90": the address (@nbytes) and the port. */
static int proc_addr(const char *text, uint8_t *addr, int nbytes, int *port)
{
	const char *colon = strchr(text, ':');
	char hex[33];

	if (!colon || colon - text != 2 * nbytes)
		return -1;
	memcpy(hex, text, 2 * nbytes);
	hex[2 * nbytes] = '\0';
	if (hexbytes(hex, addr, nbytes))
		return -1;
	*port = strtol(colon + 1, NULL, 16);
	return 0;
}

int kd_proc_read(int family, struct kd_proc_sock **socks, int *n)
{
	const char *path = family == AF_INET ? "/proc/net/kp_dgram" :
					       "/proc/net/kp_dgram6";
	int alen = family == AF_INET ? 4 : 16, cnt = 0, cap = 0;
	struct kd_proc_sock *arr = NULL;
	char line[512];
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f) || !strstr(line, "local_address") ||
	    !strstr(line, "drops")) {
		fclose(f);
		return -EBADMSG;
	}
	while (fgets(line, sizeof(line), f)) {
		/*
		 * sl local rem st tx:rx tr:when retrnsmt uid timeout inode
		 * ref pointer drops
		 */
		char *tok[16], *save = NULL, *t;
		struct kd_proc_sock *s;
		int k = 0;

		for (t = strtok_r(line, "\n ", &save); t && k < 16;
		     t = strtok_r(NULL, "\n ", &save))
			tok[k++] = t;
		if (k != 13) {
			free(arr);
			fclose(f);
			return -EBADMSG;
		}
		if (cnt == cap) {
			struct kd_proc_sock *p;

			cap = cap ? 2 * cap : 256;
			p = realloc(arr, cap * sizeof(*p));
			if (!p) {
				free(arr);
				fclose(f);
				return -ENOMEM;
			}
			arr = p;
		}
		s = &arr[cnt++];
		memset(s, 0, sizeof(*s));
		if (proc_addr(tok[1], s->laddr, alen, &s->lport) ||
		    proc_addr(tok[2], s->raddr, alen, &s->rport) ||
		    sscanf(tok[4], "%x:%x", &s->tx_queue, &s->rx_queue) != 2) {
			free(arr);
			fclose(f);
			return -EBADMSG;
		}
		s->st = strtol(tok[3], NULL, 16);
		s->uid = strtoul(tok[7], NULL, 10);
		s->inode = strtoull(tok[9], NULL, 10);
		s->drops = strtoul(tok[12], NULL, 10);
	}
	fclose(f);
	*socks = arr;
	*n = cnt;
	return 0;
}

const struct kd_proc_sock *kd_proc_find(const struct kd_proc_sock *s, int n,
					uint64_t ino)
{
	int i;

	for (i = 0; i < n; i++)
		if (s[i].inode == ino)
			return &s[i];
	return NULL;
}

uint64_t kd_sock_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* ------------------------------------------------------------------------ */
/* Addresses.                                                                */

int kd_addr(union kd_addr *a, int family, const char *text, int port)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		a->in.sin_family = AF_INET;
		a->in.sin_port = htons(port);
		return inet_pton(AF_INET, text, &a->in.sin_addr) == 1 ? 0 : -EINVAL;
	}
	a->in6.sin6_family = AF_INET6;
	a->in6.sin6_port = htons(port);
	return inet_pton(AF_INET6, text, &a->in6.sin6_addr) == 1 ? 0 : -EINVAL;
}

socklen_t kd_addr_len(int family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in) :
				   sizeof(struct sockaddr_in6);
}

int kd_addr_port(const union kd_addr *a)
{
	return ntohs(a->sa.sa_family == AF_INET ? a->in.sin_port :
						  a->in6.sin6_port);
}

const void *kd_addr_bytes(const union kd_addr *a)
{
	return a->sa.sa_family == AF_INET ? (const void *)&a->in.sin_addr :
					    (const void *)&a->in6.sin6_addr;
}

bool kd_addr_eq(const union kd_addr *a, const union kd_addr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (kd_addr_port(a) != kd_addr_port(b))
		return false;
	return !memcmp(kd_addr_bytes(a), kd_addr_bytes(b),
		       a->sa.sa_family == AF_INET ? 4 : 16);
}

const char *kd_addr_str(const union kd_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(a->sa.sa_family, kd_addr_bytes(a), ip, sizeof(ip));
	snprintf(buf, len, a->sa.sa_family == AF_INET6 ? "[%s]:%d" : "%s:%d",
		 ip, kd_addr_port(a));
	return buf;
}

/* ------------------------------------------------------------------------ */
/* Network namespaces.                                                       */

int kd_netns_open(const char *name)
{
	char path[256];
	int fd;

	if (!name || !*name)
		snprintf(path, sizeof(path), "/proc/self/ns/net");
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int kd_socket_in(int nsfd, int family, int type, int proto)
{
	int here, fd, err = 0;

	if (nsfd < 0) {
		fd = socket(family, type, proto);
		return fd < 0 ? -errno : fd;
	}
	here = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (here < 0)
		return -errno;
	if (setns(nsfd, CLONE_NEWNET)) {
		err = -errno;
		close(here);
		return err;
	}
	fd = socket(family, type, proto);
	if (fd < 0)
		err = -errno;
	if (setns(here, CLONE_NEWNET)) {
		/* cannot go back: the caller must not carry on */
		if (fd >= 0)
			close(fd);
		close(here);
		return -EIO;
	}
	close(here);
	return fd < 0 ? err : fd;
}

int kd_link_up(const char *ifname)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		err = -errno;
	} else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			err = -errno;
	}
	close(fd);
	return err;
}

int kd_netns_fresh(void)
{
	if (unshare(CLONE_NEWNET))
		return -errno;
	return kd_link_up("lo");
}

/* ------------------------------------------------------------------------ */
/* Payloads and sizes.                                                       */

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void kd_fill(uint8_t *p, size_t n, uint64_t seed, uint64_t index)
{
	uint64_t state = seed ^ (index * 0xd1342543de82ef95ull), r = 0;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		r = splitmix64(&state);
		memcpy(p + i, &r, 8);
	}
	if (i < n) {
		r = splitmix64(&state);
		memcpy(p + i, &r, n - i);
	}
}

uint64_t kd_random_seed(void)
{
	uint64_t s = 0;

	if (getrandom(&s, sizeof(s), 0) != sizeof(s))
		s = kd_now_us() ^ ((uint64_t)getpid() << 32);
	return s;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* @b - 1, @b, @b + 1, those in [0, @max]. */
static int add_around(int *s, int cnt, int b, int max)
{
	int i;

	for (i = b - 1; i <= b + 1; i++)
		if (i >= 0 && i <= max)
			s[cnt++] = i;
	return cnt;
}

int kd_sizes(int max, int mtu, int iphdr, int **sizes, int *n)
{
	int cap = 2049 + 1024 + 64, cnt = 0, i, k, fraghdr, first, per, last, lastb;
	int stride = 331;	/* prime: every residue of 8 comes up */
	int *s = malloc(cap * sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (i = 0; i <= 2048 && i <= max; i++)
		s[cnt++] = i;
	for (i = 2048 + stride; i < max && cnt < cap - 64; i += stride)
		s[cnt++] = i;
	s[cnt++] = max - 1;
	s[cnt++] = max;
	/*
	 * Fragment boundaries: unfragmented up to MTU - iphdr - 8; then each
	 * fragment but the last carries a multiple of 8 bytes (of the
	 * transport header + payload), the last up to MTU - iphdr (- 8 for
	 * the IPv6 fragment header).
	 */
	fraghdr = iphdr == 40 ? 8 : 0;
	first = mtu - iphdr - KD_HDR_LEN;
	per = (mtu - iphdr - fraghdr) & ~7;
	last = mtu - iphdr - fraghdr;
	for (k = 1, lastb = -1;; k++) {
		int b = k == 1 ? first : (k - 1) * per + last - KD_HDR_LEN;

		if (b - 1 > max)
			break;
		if (k <= 3)	/* the first three ... */
			cnt = add_around(s, cnt, b, max);
		lastb = b;
	}
	if (lastb >= 0)		/* ... and the last below max */
		cnt = add_around(s, cnt, lastb, max);
	qsort(s, cnt, sizeof(*s), cmp_int);
	k = 0;
	for (i = 0; i < cnt; i++)
		if (s[i] >= 0 && (k == 0 || s[k - 1] != s[i]))
			s[k++] = s[i];
	*sizes = s;
	*n = k;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Integrity.                                                                */

int kd_xfer_run(struct kd_xfer *x)
{
	uint8_t *out = malloc(65536), *in = malloc(65536 + 1);
	int i, rc = -1;
	ssize_t n;

	x->sent = 0;
	x->received = 0;
	x->bytes = 0;
	x->err[0] = '\0';
	if (!out || !in) {
		snprintf(x->err, sizeof(x->err), "out of memory");
		goto out;
	}
	for (i = 0; i < x->nsizes; i++) {
		int size = x->sizes[i], r;
		union kd_addr from;
		socklen_t flen = sizeof(from);
		char a[80], b[80];

		kd_fill(out, size, x->seed, size);
		n = sendto(x->tx, out, size, 0, &x->dst->sa,
			   kd_addr_len(x->dst->sa.sa_family));
		if (n != size) {
			snprintf(x->err, sizeof(x->err),
				 "size %d: sendto returned %zd (%s)", size, n,
				 n < 0 ? strerror(errno) : "short");
			goto out;
		}
		x->sent++;
		r = kd_wait_readable(x->rx, x->timeout_ms);
		if (r <= 0) {
			snprintf(x->err, sizeof(x->err),
				 "size %d: nothing received within %d ms%s%s",
				 size, x->timeout_ms, r < 0 ? ": " : "",
				 r < 0 ? strerror(-r) : "");
			goto out;
		}
		memset(in, 0xa5, size + 1);
		n = recvfrom(x->rx, in, 65536 + 1, MSG_TRUNC | MSG_DONTWAIT,
			     &from.sa, &flen);
		if (n != size) {
			snprintf(x->err, sizeof(x->err),
				 "size %d: recvfrom returned %zd (%s)", size, n,
				 n < 0 ? strerror(errno) : "wrong length");
			goto out;
		}
		x->received++;
		if (memcmp(in, out, size)) {
			int j = 0;

			while (in[j] == out[j])
				j++;
			snprintf(x->err, sizeof(x->err),
				 "size %d: payload differs from byte %d on (0x%02x, sent 0x%02x)",
				 size, j, in[j], out[j]);
			goto out;
		}
		if (x->src && !kd_addr_eq(&from, x->src)) {
			snprintf(x->err, sizeof(x->err),
				 "size %d: from %s, sent from %s", size,
				 kd_addr_str(&from, a, sizeof(a)),
				 kd_addr_str(x->src, b, sizeof(b)));
			goto out;
		}
		x->bytes += size;
	}
	/* nothing more: no duplicate, nothing stray */
	n = recv(x->rx, in, 65536, MSG_DONTWAIT);
	if (n >= 0 || errno != EAGAIN) {
		snprintf(x->err, sizeof(x->err),
			 "after the last datagram: recv returned %zd (%s), expected EAGAIN",
			 n, n >= 0 ? "one datagram more than sent" : strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(out);
	free(in);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* ICMP.                                                                     */

int kd_icmp_sock(int family)
{
	struct icmp6_filter f;
	int fd;

	if (family == AF_INET) {
		fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
		return fd < 0 ? -errno : fd;
	}
	fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0)
		return -errno;
	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
	if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f))) {
		close(fd);
		return -errno;
	}
	return fd;
}

int kd_icmp_next(int family, int fd, int ms, struct kd_unreach *u)
{
	uint8_t b[2048];
	const uint8_t *q;
	ssize_t n;
	int off;

	for (;;) {
		if (kd_wait_readable(fd, ms) != 1)
			return -ETIMEDOUT;
		n = recv(fd, b, sizeof(b), MSG_DONTWAIT);
		if (n < 0)
			return -errno;
		if (family == AF_INET) {
			off = (b[0] & 0xf) * 4;		/* outer IP header */
			if (n < off + 8 + 20 + 8 || b[off] != ICMP_DEST_UNREACH)
				continue;
			u->type = b[off];
			u->code = b[off + 1];
			q = b + off + 8;		/* the quoted IP header */
			u->proto = q[9];
			if (n < off + 8 + (q[0] & 0xf) * 4 + 8)
				continue;
			q += (q[0] & 0xf) * 4;
		} else {
			if (n < 8 + 40 + 8 || b[0] != ICMP6_DST_UNREACH)
				continue;
			u->type = b[0];
			u->code = b[1];
			q = b + 8;
			u->proto = q[6];		/* next header */
			q += 40;
		}
		u->sport = q[0] << 8 | q[1];
		u->dport = q[2] << 8 | q[3];
		return 0;
	}
}

bool kd_unreach_is_port(int family, const struct kd_unreach *u)
{
	if (family == AF_INET)
		return u->type == ICMP_DEST_UNREACH && u->code == ICMP_PORT_UNREACH;
	return u->type == ICMP6_DST_UNREACH && u->code == ICMP6_DST_UNREACH_NOPORT;
}

/* ------------------------------------------------------------------------ */
/* Checksums.                                                                */

static uint32_t sum16(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

uint16_t kd_pseudo_sum(int family, const void *saddr, const void *daddr,
		       int proto, size_t len)
{
	uint32_t sum = 0;
	uint8_t ph[4];

	if (family == AF_INET) {
		sum = sum16(sum, saddr, 4);
		sum = sum16(sum, daddr, 4);
		ph[0] = 0;
		ph[1] = proto;
		ph[2] = len >> 8;
		ph[3] = len;
		sum = sum16(sum, ph, 4);
	} else {
		uint32_t l = htonl(len);
		uint8_t nh[4] = { 0, 0, 0, proto };

		sum = sum16(sum, saddr, 16);
		sum = sum16(sum, daddr, 16);
		sum = sum16(sum, &l, 4);
		sum = sum16(sum, nh, 4);
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t kd_csum(int family, const void *saddr, const void *daddr, int proto,
		 const void *data, size_t len)
{
	uint32_t sum = kd_pseudo_sum(family, saddr, daddr, proto, len);

	sum = sum16(sum, data, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* ------------------------------------------------------------------------ */
/* Misc.                                                                     */

void kd_kmsg(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int fd, n;

	n = snprintf(buf, sizeof(buf), "kpath-test: ");
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, buf, strlen(buf)) < 0)
		; /* best effort */
	close(fd);
}

int kd_wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do {
		r = poll(&p, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r > 0 && (p.revents & POLLIN);
}

uint64_t kd_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
