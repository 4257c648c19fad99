// Linux system calls that Swift's Glibc module does not import: epoll, eventfd and accept4.
// Used by the HTTP server's event loop. Part of libc, so nothing to link.
#ifndef SWITCHYARD_CLINUX_SHIM_H
#define SWITCHYARD_CLINUX_SHIM_H

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

// accept4 is declared only under _GNU_SOURCE; declare it here so the module does not depend on it.
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);

/// accept4 without the peer address.
static inline int switchyard_accept4(int fd, int flags) {
    return accept4(fd, (struct sockaddr *)0, (socklen_t *)0, flags);
}

#endif
