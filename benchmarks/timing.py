"""What the loss benchmarks share: the clock option, the device line and
the round-robin forward + backward timing."""
import time

import torch


def add_clock_argument(parser):
    parser.add_argument(
        '--clock', choices=['wall', 'cpu'], default='wall',
        help='wall: elapsed time; cpu: the process CPU seconds (CPU runs '
        'only), which still count the work of each loss on a shared '
        'machine where the benchmark waits for the cores')


def clock_of(args, device, parser):
    if args.clock == 'cpu' and device == 'cuda':
        parser.error('--clock cpu times CPU runs only')
    return time.process_time if args.clock == 'cpu' else time.perf_counter


def describe(device):
    """The device, and on a CPU the vector ISA ATen dispatches to (AVX2 /
    AVX-512) and the thread count, on which CPU timings depend."""
    if device == 'cuda':
        return device
    return (f'cpu ({torch.backends.cpu.get_cpu_capability()}, '
            f'{torch.get_num_threads()} threads)')


def median_backward_times(calls, logits, repeats, device,
                          clock=time.perf_counter, warmup=5):
    """Median seconds of forward + backward of each ``call(x)`` (a loss
    tensor or a dict of them) on a fresh leaf copy ``x`` of its
    ``logits``, timed round-robin so that the machine's drift (shared
    CPUs, memory reclaim) falls on every call alike."""
    times = [[] for _ in calls]
    for i in range(repeats + warmup):
        for call, x0, call_times in zip(calls, logits, times):
            x = x0.clone().requires_grad_()
            if device == 'cuda':
                torch.cuda.synchronize()
            start = clock()
            out = call(x)
            (sum(out.values()) if isinstance(out, dict) else out).backward()
            if device == 'cuda':
                torch.cuda.synchronize()
            if i >= warmup:
                call_times.append(clock() - start)
            del x
    return [sorted(t)[len(t) // 2] for t in times]
