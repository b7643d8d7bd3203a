#ifndef PROCESS_HARDENING_H
#define PROCESS_HARDENING_H

/// Marks the process not dumpable (no core dump, no ptrace by other processes of the
/// same user) where the system supports it. Returns 0 on success.
int aso_set_not_dumpable(void);

#endif
