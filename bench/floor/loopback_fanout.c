/*
 * The kernel's floor for one fan-out over loopback TCP: what a broadcast to N sockets costs when the
 * server does nothing but write(2) one small message to each of them.
 *
 * A sender pinned to one core accepts N connections, then, once per round, writes one message
 * carrying its CLOCK_MONOTONIC send time to every socket in a loop. A receiver process pinned to the
 * other core holds the N client sockets in one epoll set (as every event-loop client does) and notes
 * when each message arrives. Per round it prints the sender's loop time and the receipt latencies
 * (p50/p99/max); at the end the median of each over the rounds, and a JSON line for scripts.
 *
 * No Socket.IO, no websocket framing, no allocation per message: any real server does more than this,
 * so its single-broadcast latency cannot be below these figures on the same machine and pinning.
 *
 *   cc -O2 -o loopback-fanout loopback_fanout.c
 *   ./loopback-fanout [--clients 10000] [--rounds 10] [--bytes 120] [--port 39517]
 *                     [--sender-cpu 0] [--receiver-cpu 1]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct options {
  int clients, rounds, bytes, port, sender_cpu, receiver_cpu;
};

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "loopback-fanout: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    die("sched_setaffinity");
  }
}

static int by_value(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

static long percentile(long *sorted, int n, int pct) {
  int i = (int)((long)n * pct / 100);
  return sorted[i < n ? i : n - 1];
}

static void write_fully(int fd, const void *buf, size_t len) {
  if (write(fd, buf, len) != (ssize_t)len) {
    die("write");
  }
}

/* Connects the client sockets and reads every round's messages; reports each round to the sender. */
static void receive(const struct options *o, const struct sockaddr_in *addr, int report_fd) {
  pin(o->receiver_cpu);
  int one = 1;
  int ep = epoll_create1(0);
  if (ep < 0) {
    die("epoll_create1");
  }
  for (int i = 0; i < o->clients; i++) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
      die("socket (raise ulimit -n above twice --clients)");
    }
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(s, (const struct sockaddr *)addr, sizeof *addr) != 0) {
      die("connect");
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = s};
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
  }
  long *latency = malloc(sizeof(long) * o->clients);
  struct epoll_event ready[512];
  char buf[65536];
  for (int r = 0; r < o->rounds; r++) {
    int got = 0;
    while (got < o->clients) {
      int k = epoll_wait(ep, ready, 512, -1);
      if (k < 0 && errno != EINTR) {
        die("epoll_wait");
      }
      for (int j = 0; j < k; j++) {
        ssize_t m = read(ready[j].data.fd, buf, sizeof buf);
        if (m < (ssize_t)sizeof(long)) {
          continue;
        }
        long sent;
        memcpy(&sent, buf, sizeof sent);
        latency[got++] = now_ns() - sent;
      }
    }
    qsort(latency, o->clients, sizeof(long), by_value);
    long summary[3] = {percentile(latency, o->clients, 50), percentile(latency, o->clients, 99),
                       latency[o->clients - 1]};
    write_fully(report_fd, summary, sizeof summary);
  }
  free(latency);
}

static void parse(int argc, char **argv, struct options *o) {
  for (int i = 1; i < argc; i++) {
    int *target = NULL;
    if (!strcmp(argv[i], "--clients")) target = &o->clients;
    else if (!strcmp(argv[i], "--rounds")) target = &o->rounds;
    else if (!strcmp(argv[i], "--bytes")) target = &o->bytes;
    else if (!strcmp(argv[i], "--port")) target = &o->port;
    else if (!strcmp(argv[i], "--sender-cpu")) target = &o->sender_cpu;
    else if (!strcmp(argv[i], "--receiver-cpu")) target = &o->receiver_cpu;
    if (target == NULL || i + 1 >= argc) {
      fprintf(stderr, "loopback-fanout: unknown option or missing value: %s\n", argv[i]);
      exit(64);
    }
    *target = atoi(argv[++i]);
  }
  if (o->clients < 1 || o->rounds < 1 || o->bytes < (int)sizeof(long) || o->bytes > 65536) {
    fprintf(stderr, "loopback-fanout: need --clients >= 1, --rounds >= 1, 8 <= --bytes <= 65536\n");
    exit(64);
  }
}

int main(int argc, char **argv) {
  struct options o = {.clients = 10000, .rounds = 10, .bytes = 120, .port = 39517, .sender_cpu = 0, .receiver_cpu = 1};
  parse(argc, argv, &o);
  struct rlimit files;
  getrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_cur < (rlim_t)o.clients + 64) {
    fprintf(stderr, "loopback-fanout: %d clients need ulimit -n of at least %d (it is %ld)\n", o.clients,
            o.clients + 64, (long)files.rlim_cur);
    return 64;
  }

  int one = 1;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(o.port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 4096) != 0) {
    die("bind 127.0.0.1");
  }
  int reports[2];
  if (pipe(reports) != 0) {
    die("pipe");
  }
  pid_t child = fork();
  if (child < 0) {
    die("fork");
  }
  if (child == 0) {
    close(listener);
    close(reports[0]);
    receive(&o, &addr, reports[1]);
    return 0;
  }
  close(reports[1]);
  pin(o.sender_cpu);
  int *fds = malloc(sizeof(int) * o.clients);
  for (int i = 0; i < o.clients; i++) {
    fds[i] = accept(listener, NULL, NULL);
    if (fds[i] < 0) {
      die("accept");
    }
    setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  char *message = malloc(o.bytes);
  memset(message, 'x', o.bytes);
  long *loop = malloc(sizeof(long) * o.rounds), *p50 = malloc(sizeof(long) * o.rounds),
       *p99 = malloc(sizeof(long) * o.rounds), *max = malloc(sizeof(long) * o.rounds);
  printf("loopback fan-out to %d sockets, %d bytes each, sender on cpu %d, receiver on cpu %d\n", o.clients,
         o.bytes, o.sender_cpu, o.receiver_cpu);
  usleep(500000);
  for (int r = 0; r < o.rounds; r++) {
    long t0 = now_ns();
    memcpy(message, &t0, sizeof t0);
    for (int i = 0; i < o.clients; i++) {
      write_fully(fds[i], message, o.bytes);
    }
    loop[r] = now_ns() - t0;
    long summary[3];
    if (read(reports[0], summary, sizeof summary) != sizeof summary) {
      die("receiver ended early");
    }
    p50[r] = summary[0];
    p99[r] = summary[1];
    max[r] = summary[2];
    printf("  round %2d: sender loop %6.1f ms (%5.2f us a socket)   receipts p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms\n",
           r + 1, loop[r] / 1e6, loop[r] / 1e3 / o.clients, p50[r] / 1e6, p99[r] / 1e6, max[r] / 1e6);
    fflush(stdout);
    usleep(300000);
  }
  waitpid(child, NULL, 0);
  qsort(loop, o.rounds, sizeof(long), by_value);
  qsort(p50, o.rounds, sizeof(long), by_value);
  qsort(p99, o.rounds, sizeof(long), by_value);
  qsort(max, o.rounds, sizeof(long), by_value);
  long m_loop = loop[o.rounds / 2], m_p50 = p50[o.rounds / 2], m_p99 = p99[o.rounds / 2], m_max = max[o.rounds / 2];
  printf("median of %d rounds: sender loop %.1f ms (%.2f us a socket), receipts p50 %.1f ms, p99 %.1f ms, max %.1f ms"
         " (p99 range %.1f-%.1f ms)\n",
         o.rounds, m_loop / 1e6, m_loop / 1e3 / o.clients, m_p50 / 1e6, m_p99 / 1e6, m_max / 1e6, p99[0] / 1e6,
         p99[o.rounds - 1] / 1e6);
  printf("{\"clients\":%d,\"bytes\":%d,\"rounds\":%d,\"senderLoopMs\":%.2f,\"usPerSocket\":%.3f,\"p50Ms\":%.2f,"
         "\"p99Ms\":%.2f,\"maxMs\":%.2f,\"p99MinMs\":%.2f,\"p99MaxMs\":%.2f}\n",
         o.clients, o.bytes, o.rounds, m_loop / 1e6, m_loop / 1e3 / o.clients, m_p50 / 1e6, m_p99 / 1e6,
         m_max / 1e6, p99[0] / 1e6, p99[o.rounds - 1] / 1e6);
  return 0;
}
