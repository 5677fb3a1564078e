#ifndef CBPF_H
#define CBPF_H
#include <stdint.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

/// libbpf version this module was built against, as "major.minor".
const char *CBPF_libbpf_version(void);

/// Creates the clsact qdisc on `ifindex` (LIBBPF_OPTS does not import into Swift).
/// Returns 0 when created, -EEXIST when it already existed, another negative errno on failure.
int CBPF_tc_hook_create(int ifindex);

/// Destroys the clsact qdisc on `ifindex` (and with it every tc filter on both hooks). 0 or -errno.
int CBPF_tc_hook_destroy(int ifindex);

/// Attaches `prog_fd` as a direct-action filter on the ingress (`ingress` != 0) or egress hook, with
/// the given handle and priority; `replace` != 0 replaces a filter left with the same handle/priority.
/// Stores the attached program id in `*prog_id`. Returns 0 or -errno.
int CBPF_tc_attach(int ifindex, int ingress, int prog_fd, uint32_t handle, uint32_t priority, int replace,
                   uint32_t *prog_id);

/// Detaches the filter with this handle/priority from the ingress or egress hook. 0 or -errno
/// (-ENOENT when it is not there).
int CBPF_tc_detach(int ifindex, int ingress, uint32_t handle, uint32_t priority);

/// Looks up the program id of the filter with this handle/priority. 0 or -errno (-ENOENT: none).
int CBPF_tc_query(int ifindex, int ingress, uint32_t handle, uint32_t priority, uint32_t *prog_id);

/// Run statistics of a loaded program (non-zero only while kernel.bpf_stats_enabled=1). 0 or -errno.
int CBPF_prog_run_stats(int prog_fd, uint64_t *run_time_ns, uint64_t *run_cnt, uint32_t *prog_id);

/// Attaches a uprobe (or uretprobe when `retprobe` != 0) on `func_name` in `binary_path`, for `pid`
/// (-1: every process). Returns the link (NULL with errno set on failure); free it with bpf_link__destroy.
struct bpf_link *CBPF_attach_uprobe(struct bpf_program *prog, int retprobe, int pid, const char *binary_path,
                                    const char *func_name);

/// Runs `prog_fd` `repeat` times on `data` in the kernel (BPF_PROG_TEST_RUN) without attaching it.
/// Stores the program's return value and the average duration per run in ns. Returns 0 or -errno.
int CBPF_prog_test_run(int prog_fd, const void *data, uint32_t size, uint32_t repeat, uint32_t *retval,
                       uint32_t *duration_ns);

/// Routes libbpf's messages of level WARN (and INFO when `verbose`) to stderr;
/// DEBUG messages are dropped.
void CBPF_set_print(int verbose);
#endif
