// faultfs: a failing disk for tests, loaded with LD_PRELOAD.
//
// Makes write/pwrite/pwrite64/writev, fsync and fdatasync fail with EIO or ENOSPC on
// the files whose path ends with FAULTFS_SUFFIX, while the file FAULTFS_ARM exists (a
// test creates it to start the fault and removes it to clear it), after letting
// FAULTFS_SKIP matching calls through. Every injected fault is reported on standard
// error as "faultfs: OP PATH -> ERRNO", so that a test can assert that it happened.
//
//   FAULTFS_SUFFIX  end of the path to fail, e.g. "events.sqlite-wal" (required)
//   FAULTFS_OPS     comma-separated: write, fsync (fsync covers fdatasync) (default both)
//   FAULTFS_ERRNO   EIO (default) or ENOSPC
//   FAULTFS_ARM     path of the file whose existence arms the fault (required)
//   FAULTFS_SKIP    matching calls let through after arming before the first fault (default 0)
//
// Built by the tests: cc -shared -fPIC -o faultfs.so faultfs.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long skipped = 0;

typedef ssize_t (*write_f)(int, const void *, size_t);
typedef ssize_t (*pwrite_f)(int, const void *, size_t, off_t);
typedef ssize_t (*pwrite64_f)(int, const void *, size_t, off64_t);
typedef ssize_t (*writev_f)(int, const struct iovec *, int);
typedef int (*fsync_f)(int);

#define REAL(name, type) \
    static type real_##name; \
    if (!real_##name) real_##name = (type)dlsym(RTLD_NEXT, #name)

static int matches(int fd, const char *op, char *path, size_t size) {
    const char *suffix = getenv("FAULTFS_SUFFIX");
    const char *arm = getenv("FAULTFS_ARM");
    if (!suffix || !arm) return 0;
    const char *ops = getenv("FAULTFS_OPS");
    if (ops && !strstr(ops, op)) return 0;
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, path, size - 1);
    if (length <= 0) return 0;
    path[length] = 0;
    size_t suffixLength = strlen(suffix);
    if ((size_t)length < suffixLength || strcmp(path + length - suffixLength, suffix) != 0) return 0;
    struct stat armed;
    if (stat(arm, &armed) != 0) return 0;
    const char *skip = getenv("FAULTFS_SKIP");
    if (__atomic_fetch_add(&skipped, 1, __ATOMIC_SEQ_CST) < (skip ? atol(skip) : 0)) return 0;
    return 1;
}

static int fail(const char *op, const char *path) {
    const char *name = getenv("FAULTFS_ERRNO");
    int code = (name && strcmp(name, "ENOSPC") == 0) ? ENOSPC : EIO;
    char line[4200];
    int length = snprintf(line, sizeof line, "faultfs: %s %s -> %s\n", op, path, code == ENOSPC ? "ENOSPC" : "EIO");
    REAL(write, write_f);
    if (length > 0) real_write(2, line, (size_t)length);
    errno = code;
    return -1;
}


ssize_t write(int fd, const void *buffer, size_t count) {
    REAL(write, write_f);
    char path[4096];
    if (matches(fd, "write", path, sizeof path)) return fail("write", path);
    return real_write(fd, buffer, count);
}

ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset) {
    REAL(pwrite, pwrite_f);
    char path[4096];
    if (matches(fd, "write", path, sizeof path)) return fail("pwrite", path);
    return real_pwrite(fd, buffer, count, offset);
}

ssize_t pwrite64(int fd, const void *buffer, size_t count, off64_t offset) {
    REAL(pwrite64, pwrite64_f);
    char path[4096];
    if (matches(fd, "write", path, sizeof path)) return fail("pwrite64", path);
    return real_pwrite64(fd, buffer, count, offset);
}

ssize_t writev(int fd, const struct iovec *vector, int count) {
    REAL(writev, writev_f);
    char path[4096];
    if (matches(fd, "write", path, sizeof path)) return fail("writev", path);
    return real_writev(fd, vector, count);
}

int fsync(int fd) {
    REAL(fsync, fsync_f);
    char path[4096];
    if (matches(fd, "fsync", path, sizeof path)) return fail("fsync", path);
    return real_fsync(fd);
}

int fdatasync(int fd) {
    REAL(fdatasync, fsync_f);
    char path[4096];
    if (matches(fd, "fsync", path, sizeof path)) return fail("fdatasync", path);
    return real_fdatasync(fd);
}
