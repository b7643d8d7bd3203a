#ifndef SINK_SPAWN_H
#define SINK_SPAWN_H

#include <sys/types.h>

/// What the supervising process reports on `status_fd` when it ends: the command's wait
/// status, and whether it was ended at the deadline (or on SIGTERM) rather than by itself.
typedef struct {
    int wait_status;
    int stopped;
} aso_sink_report;

/// Starts `path` (with `argv` and `envp`) under a supervising process of its own.
///
/// The supervisor is a child subreaper (Linux): whatever the command starts stays under
/// it, even a process that leaves the command's process group or session (`setsid`).
/// When the command exits, when `deadline_seconds` pass, or when the supervisor gets
/// SIGTERM, it kills the command's process group and every process left under it, reaps
/// them all, writes one `aso_sink_report` to `status_fd` and exits. The command gets
/// `stdin_fd` as its standard input and default signal handling; every other descriptor
/// of the calling process is closed in the supervisor (the command gets only 0, 1, 2).
///
/// Only async-signal-safe calls are made between `fork` and `execve`: the caller may be
/// multithreaded. Returns the supervisor's process id, or -1 with `errno` set.
pid_t aso_sink_spawn(const char *path, char *const argv[], char *const envp[], int stdin_fd, int status_fd,
                     unsigned int deadline_seconds);

/// A pipe whose two ends are closed on exec, made atomically (no other thread's fork can
/// see them without the flag). Returns 0, or -1 with `errno` set.
int aso_cloexec_pipe(int fds[2]);

/// The bytes written to pipe `fd` that nobody has read yet, or -1 when it cannot tell.
int aso_unread_bytes(int fd);

#endif
