#include "process_hardening.h"

#if defined(__linux__)
#include <sys/prctl.h>

int aso_set_not_dumpable(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }
#else
int aso_set_not_dumpable(void) { return 0; }
#endif
