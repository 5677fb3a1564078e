#include "CBPF.h"

const char *CBPF_libbpf_version(void) { return libbpf_version_string(); }
