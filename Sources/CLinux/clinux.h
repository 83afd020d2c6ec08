// Linux system headers that Swift's Glibc module does not import: epoll, eventfd, TCP options.
#ifndef CLINUX_H
#define CLINUX_H
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <malloc.h>
#include <fcntl.h>

// accept4(2) is declared by glibc only under _GNU_SOURCE, which would change struct layouts seen by
// other modules (fd_set), so it is declared here by hand.
extern int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);

extern int pthread_setname_np(pthread_t thread, const char *name);

/// Names a thread (at most 15 bytes) for debuggers and crash reports.
static inline int clinux_set_thread_name(pthread_t thread, const char *name) {
    return pthread_setname_np(thread, name);
}

/// accept4(2): accept with SOCK_NONBLOCK/SOCK_CLOEXEC in one call.
static inline int clinux_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) {
    return accept4(fd, address, length, flags);
}

/// malloc_trim(3): returns freed heap pages of every arena to the system.
static inline int clinux_malloc_trim(size_t pad) {
    return malloc_trim(pad);
}

/// open(2) with O_TMPFILE: a nameless regular file in `directory`, gone when its last descriptor
/// closes (glibc defines O_TMPFILE only under _GNU_SOURCE; its building block is always there).
static inline int clinux_open_tmpfile(const char *directory, int mode) {
    return open(directory, __O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
}
#endif
