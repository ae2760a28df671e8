/*
 * The floor of an HTTP upload on this machine: the least a server can do with one.
 *
 * Listens on 127.0.0.1:PORT, takes one HTTP/1.1 request with a Content-Length (curl -T FILE), writes
 * its body to OUT with write(2) from a 1 MiB buffer, answers 204 and exits. No parsing beyond the
 * headers, no hashing, no copies but the kernel's: what curl and the disk cost together, which no
 * server can beat on the same cores. bench/files.sh prints it beside dd and Switchboard's uploads.
 *
 *   upload_sink PORT OUT
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFFER (1 << 20)

static void fail(const char *what) {
  perror(what);
  exit(1);
}

/* Writes all of buf or fails. */
static void write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    buf += n;
    len -= (size_t)n;
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: upload_sink PORT OUT\n");
    return 2;
  }
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) fail("socket");
  int yes = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0) fail("bind");
  if (listen(listener, 1) < 0) fail("listen");
  /* ready: the caller waits for this line before it starts curl */
  printf("listening\n");
  fflush(stdout);

  int connection = accept(listener, NULL, NULL);
  if (connection < 0) fail("accept");
  int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (out < 0) fail("open");
  char *buffer = malloc(BUFFER);
  if (buffer == NULL) fail("malloc");

  /* the headers, then whatever of the body came with them */
  size_t have = 0;
  char *end = NULL;
  while (end == NULL) {
    if (have == BUFFER) {
      fprintf(stderr, "headers larger than the buffer\n");
      return 1;
    }
    ssize_t n = read(connection, buffer + have, BUFFER - have);
    if (n <= 0) fail("read headers");
    have += (size_t)n;
    end = memmem(buffer, have, "\r\n\r\n", 4);
  }
  long long length = -1;
  for (char *line = buffer; line < end; line = strstr(line, "\r\n") + 2) {
    if (strncasecmp(line, "Content-Length:", 15) == 0) length = atoll(line + 15);
  }
  if (length < 0) {
    fprintf(stderr, "no Content-Length (send the file with curl -T and a Content-Length)\n");
    return 1;
  }
  size_t header_bytes = (size_t)(end + 4 - buffer);
  size_t body_bytes = have - header_bytes;
  write_all(out, buffer + header_bytes, body_bytes);
  long long received = (long long)body_bytes;
  while (received < length) {
    ssize_t n = read(connection, buffer, BUFFER);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("read body");
    write_all(out, buffer, (size_t)n);
    received += n;
  }
  const char *answer = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
  write_all(connection, answer, strlen(answer));
  close(out);
  close(connection);
  close(listener);
  printf("received %lld bytes\n", received);
  return 0;
}
