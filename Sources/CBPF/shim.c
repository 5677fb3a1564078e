#include "CBPF.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *CBPF_libbpf_version(void) { return libbpf_version_string(); }

int CBPF_tc_hook_create(int ifindex)
{
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
    return bpf_tc_hook_create(&hook);
}

int CBPF_tc_hook_destroy(int ifindex)
{
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
    return bpf_tc_hook_destroy(&hook);
}

int CBPF_tc_attach(int ifindex, int ingress, int prog_fd, uint32_t handle, uint32_t priority, int replace,
                   uint32_t *prog_id)
{
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority, .prog_fd = prog_fd,
                .flags = replace ? BPF_TC_F_REPLACE : 0);
    int rc = bpf_tc_attach(&hook, &opts);
    if (rc == 0 && prog_id)
        *prog_id = opts.prog_id;
    return rc;
}

int CBPF_tc_detach(int ifindex, int ingress, uint32_t handle, uint32_t priority)
{
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority);
    return bpf_tc_detach(&hook, &opts);
}

int CBPF_tc_query(int ifindex, int ingress, uint32_t handle, uint32_t priority, uint32_t *prog_id)
{
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority);
    /* "not found" is an expected answer here: keep libbpf from printing the kernel's message. */
    libbpf_print_fn_t previous = libbpf_set_print(NULL);
    int rc = bpf_tc_query(&hook, &opts);
    libbpf_set_print(previous);
    if (rc == 0 && prog_id)
        *prog_id = opts.prog_id;
    return rc;
}

int CBPF_prog_run_stats(int prog_fd, uint64_t *run_time_ns, uint64_t *run_cnt, uint32_t *prog_id)
{
    struct bpf_prog_info info;
    __u32 len = sizeof(info);
    memset(&info, 0, sizeof(info));
    int rc = bpf_obj_get_info_by_fd(prog_fd, &info, &len);
    if (rc != 0)
        return rc < 0 ? rc : -errno;
    *run_time_ns = info.run_time_ns;
    *run_cnt = info.run_cnt;
    if (prog_id)
        *prog_id = info.id;
    return 0;
}

struct bpf_link *CBPF_attach_uprobe(struct bpf_program *prog, int retprobe, int pid, const char *binary_path,
                                    const char *func_name)
{
    LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe != 0, .func_name = func_name);
    return bpf_program__attach_uprobe_opts(prog, pid, binary_path, 0, &opts);
}

int CBPF_prog_test_run(int prog_fd, const void *data, uint32_t size, uint32_t repeat, uint32_t *retval,
                       uint32_t *duration_ns)
{
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = size, .repeat = repeat);
    int rc = bpf_prog_test_run_opts(prog_fd, &opts);
    if (rc != 0)
        return rc < 0 ? rc : -errno;
    *retval = opts.retval;
    *duration_ns = opts.duration;
    return 0;
}

static int verbose_print;

static int print_fn(enum libbpf_print_level level, const char *format, va_list args)
{
    if (level == LIBBPF_DEBUG || (level == LIBBPF_INFO && !verbose_print))
        return 0;
    /* libbpf's messages carry their own "libbpf: " prefix. */
    return vfprintf(stderr, format, args);
}

void CBPF_set_print(int verbose)
{
    verbose_print = verbose;
    libbpf_set_print(print_fn);
}
