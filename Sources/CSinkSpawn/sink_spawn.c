#define _GNU_SOURCE
#include "sink_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

// Set by SIGTERM or SIGALRM in the supervisor: end the command now.
static volatile sig_atomic_t stop_requested = 0;

static void request_stop(int signal) {
    (void)signal;
    stop_requested = 1;
    // Again in a second, in case the signal came between the loop's look at the flag and
    // its wait: the wait is then interrupted by the next one.
    alarm(1);
}

// Closes every descriptor from `first` on, except `keep_a` and `keep_b`.
static void close_from(int first, int keep_a, int keep_b) {
    int keeps[2] = {keep_a < keep_b ? keep_a : keep_b, keep_a < keep_b ? keep_b : keep_a};
#if defined(__linux__) && defined(SYS_close_range)
    int ok = 1;
    unsigned start = (unsigned)first;
    for (int i = 0; i < 2 && ok; i++) {
        if (keeps[i] < (int)start) continue;
        if ((unsigned)keeps[i] > start && syscall(SYS_close_range, start, (unsigned)keeps[i] - 1, 0) != 0) ok = 0;
        start = (unsigned)keeps[i] + 1;
    }
    if (ok && syscall(SYS_close_range, start, ~0U, 0) == 0) return;
#endif
    struct rlimit limit;
    long last = 65536;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY && (long)limit.rlim_cur < last) {
        last = (long)limit.rlim_cur;
    }
    for (long fd = first; fd < last; fd++) {
        if (fd != keeps[0] && fd != keeps[1]) close((int)fd);
    }
}

// Writes the decimal digits of `value` at `out`; returns the number written.
static int put_decimal(char *out, long value) {
    char digits[24];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0);
    for (int i = 0; i < count; i++) out[i] = digits[count - 1 - i];
    return count;
}

#if defined(__linux__)
// Reads a small /proc file into `buffer` (NUL-terminated); returns its length or -1.
static ssize_t read_small(const char *path, char *buffer, size_t size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done + 1 < size) {
        ssize_t count = read(fd, buffer + done, size - 1 - done);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) break;
        done += (size_t)count;
    }
    close(fd);
    buffer[done] = 0;
    return (ssize_t)done;
}

// The parent process id in the text of /proc/PID/stat: the field after the state, which
// follows the last ')' (the command name in parentheses may hold any character).
static long parent_in_stat(const char *stat) {
    const char *end = 0;
    for (const char *c = stat; *c; c++) {
        if (*c == ')') end = c;
    }
    if (!end) return -1;
    const char *c = end + 1;
    while (*c == ' ') c++;
    if (!*c) return -1;
    c++;  // the state
    while (*c == ' ') c++;
    long parent = 0;
    if (*c < '0' || *c > '9') return -1;
    while (*c >= '0' && *c <= '9') parent = parent * 10 + (*c++ - '0');
    return parent;
}

struct linux_dirent64 {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};
#endif

// Sends SIGKILL to every child of this (single-threaded) process, found by reading each
// process's parent in /proc (with raw system calls: this runs after fork). Returns
// whether /proc could be read.
static int kill_children(void) {
#if defined(__linux__)
    long self = (long)getpid();
    int directory = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directory < 0) return 0;
    char entries[8192];
    for (;;) {
        long count = syscall(SYS_getdents64, directory, entries, sizeof entries);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) break;
        for (long offset = 0; offset < count;) {
            struct linux_dirent64 *entry = (struct linux_dirent64 *)(entries + offset);
            offset += entry->d_reclen;
            long pid = 0;
            const char *name = entry->d_name;
            if (*name < '1' || *name > '9') continue;
            while (*name >= '0' && *name <= '9') pid = pid * 10 + (*name++ - '0');
            if (*name || pid == self) continue;
            char path[48] = "/proc/";
            int length = 6 + put_decimal(path + 6, pid);
            const char *tail = "/stat";
            for (int i = 0; tail[i]; i++) path[length++] = tail[i];
            path[length] = 0;
            char stat[512];
            if (read_small(path, stat, sizeof stat) <= 0) continue;
            if (parent_in_stat(stat) == self) kill((pid_t)pid, SIGKILL);
        }
    }
    close(directory);
    return 1;
#else
    return 0;
#endif
}

static void write_report(int fd, int wait_status, int stopped) {
    aso_sink_report report = {wait_status, stopped};
    const char *bytes = (const char *)&report;
    size_t done = 0;
    while (done < sizeof report) {
        ssize_t count = write(fd, bytes + done, sizeof report - done);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) return;
        done += (size_t)count;
    }
}

static void default_signals(void) {
    int defaults[] = {SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2};
    struct sigaction action;
    for (unsigned i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        action.sa_handler = SIG_DFL;
        action.sa_flags = 0;
        sigemptyset(&action.sa_mask);
        sigaction(defaults[i], &action, 0);
    }
}

// The supervisor: never returns.
static void supervise(const char *path, char *const argv[], char *const envp[], int stdin_fd, int status_fd,
                      unsigned int deadline_seconds) {
    setpgid(0, 0);
#if defined(__linux__)
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#endif
    close_from(3, stdin_fd, status_fd);
    default_signals();
    struct sigaction stop;
    stop.sa_handler = request_stop;
    stop.sa_flags = 0;  // no SA_RESTART: waitpid returns EINTR and the loop looks at the flag
    sigemptyset(&stop.sa_mask);
    sigaction(SIGTERM, &stop, 0);
    sigaction(SIGALRM, &stop, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);

    pid_t command = fork();
    if (command == 0) {
        setpgid(0, 0);
        default_signals();
        if (stdin_fd != 0) {
            dup2(stdin_fd, 0);
            close(stdin_fd);
        }
        close(status_fd);
        execve(path, argv, envp);
        _exit(127);
    }
    close(stdin_fd);
    if (command < 0) {
        write_report(status_fd, 127 << 8, 0);
        _exit(1);
    }
    if (deadline_seconds > 0) alarm(deadline_seconds);

    int wait_status = 0;
    int finished = 0;
    int stopped = 0;
    while (!finished) {
        if (stop_requested) {
            stopped = 1;
            break;
        }
        int status = 0;
        pid_t ended = waitpid(-1, &status, 0);
        if (ended == command) {
            wait_status = status;
            finished = 1;
        } else if (ended < 0 && errno != EINTR) {
            break;
        }
        // Any other pid: an orphan of the command, reparented here and reaped.
    }
    alarm(0);

    // Whatever the command left behind goes with it: its process group, then every
    // process under this one, until none is left.
    kill(-command, SIGKILL);
    if (!finished) kill(command, SIGKILL);
    for (;;) {
        int listed = kill_children();
        int status = 0;
        pid_t ended = waitpid(-1, &status, 0);
        if (ended < 0) {
            if (errno == EINTR) continue;
            break;  // ECHILD: nothing is left
        }
        if (ended == command && !finished) {
            wait_status = status;
            finished = 1;
        }
        if (!listed) kill(-command, SIGKILL);
    }
    write_report(status_fd, wait_status, stopped);
    _exit(0);
}

pid_t aso_sink_spawn(const char *path, char *const argv[], char *const envp[], int stdin_fd, int status_fd,
                     unsigned int deadline_seconds) {
    pid_t pid = fork();
    if (pid == 0) {
        supervise(path, argv, envp, stdin_fd, status_fd, deadline_seconds);
        _exit(1);
    }
    return pid;
}

int aso_unread_bytes(int fd) {
    int count = 0;
    return ioctl(fd, FIONREAD, &count) == 0 ? count : -1;
}

int aso_cloexec_pipe(int fds[2]) {
#if defined(__linux__)
    return pipe2(fds, O_CLOEXEC);
#else
    if (pipe(fds) != 0) return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}
