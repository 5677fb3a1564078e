#ifndef CBPF_H
#define CBPF_H
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

/// libbpf version this module was built against, as "major.minor".
const char *CBPF_libbpf_version(void);
#endif
