/*
 * mdwe-exec: run a program under the same W^X restriction that systemd's
 * MemoryDenyWriteExecute=yes applies, to check that Postillon works with it
 * without a running systemd.
 *
 *   mdwe-exec seccomp PROGRAM [ARGS...]  systemd <= 256's mechanism (seccomp, as in
 *                                        src/shared/seccomp-util.c): mmap with
 *                                        PROT_WRITE|PROT_EXEC, mprotect/pkey_mprotect
 *                                        with PROT_EXEC, shmat with SHM_EXEC -> EPERM
 *   mdwe-exec prctl PROGRAM [ARGS...]    systemd >= 257's mechanism on Linux >= 6.3:
 *                                        prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN)
 *   mdwe-exec probe                      exits 0 if W+X mappings are refused in this
 *                                        process (run it under one of the modes above
 *                                        to prove the restriction survives execve)
 *
 * Build: cc -O2 -o mdwe-exec mdwe-exec.c -lseccomp   (Debian: libseccomp-dev)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <unistd.h>

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#endif
#ifndef SHM_EXEC
#define SHM_EXEC 0100000
#endif

static int install_seccomp(void) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) return -1;
    const int wx = PROT_WRITE | PROT_EXEC;
    int rc = 0;
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mmap), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, wx, wx));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mprotect), 1,
                           SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(pkey_mprotect), 1,
                           SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(shmat), 1,
                           SCMP_A2(SCMP_CMP_MASKED_EQ, SHM_EXEC, SHM_EXEC));
    if (rc == 0) rc = seccomp_load(ctx); /* sets no_new_privs itself (SCMP_FLTATR_CTL_NNP) */
    seccomp_release(ctx);
    return rc;
}

static int probe(void) {
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
        fprintf(stderr, "mdwe-exec probe: mmap(PROT_WRITE|PROT_EXEC) was allowed\n");
        return 1;
    }
    void *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (q == MAP_FAILED) { perror("mdwe-exec probe: mmap"); return 2; }
    if (mprotect(q, 4096, PROT_READ | PROT_EXEC) == 0) {
        fprintf(stderr, "mdwe-exec probe: mprotect(+PROT_EXEC) on a writable mapping was allowed\n");
        return 1;
    }
    printf("mdwe-exec probe: W+X refused (%s)\n", strerror(errno));
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "probe") == 0) return probe();
    if (argc < 3) {
        fprintf(stderr, "usage: %s seccomp|prctl PROGRAM [ARGS...] | probe\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "seccomp") == 0) {
        int rc = install_seccomp();
        if (rc != 0) { fprintf(stderr, "mdwe-exec: seccomp: %s\n", strerror(-rc)); return 2; }
    } else if (strcmp(argv[1], "prctl") == 0) {
        if (prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0L, 0L, 0L) != 0) {
            perror("mdwe-exec: prctl(PR_SET_MDWE) (needs Linux >= 6.3)");
            return 3;
        }
    } else {
        fprintf(stderr, "mdwe-exec: unknown mode %s\n", argv[1]);
        return 2;
    }
    execvp(argv[2], argv + 2);
    perror("mdwe-exec: exec");
    return 127;
}
