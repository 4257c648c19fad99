// Linux system calls that Swift's Glibc module does not import: epoll, eventfd and accept4.
// Used by the HTTP server's event loop. Part of libc, so nothing to link.
#ifndef SWITCHYARD_CLINUX_SHIM_H
#define SWITCHYARD_CLINUX_SHIM_H

#include <sys/epoll.h>
#include <sys/eventfd.h>

// accept4 is declared only under _GNU_SOURCE. Declared here without including <sys/socket.h>, whose
// declarations would otherwise be claimed by this module and hidden from files importing only Glibc.
// (socklen_t is unsigned int on glibc.)
struct sockaddr;
extern int accept4(int sockfd, struct sockaddr *addr, unsigned int *addrlen, int flags);

/// accept4 without the peer address.
static inline int switchyard_accept4(int fd, int flags) {
    return accept4(fd, (struct sockaddr *)0, (unsigned int *)0, flags);
}

#endif
