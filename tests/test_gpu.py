"""Checks only a CUDA GPU can answer: no host synchronisation inside the step loop, and CPU-seeded noise makes
the same image on the GPU as on the CPU. Skipped where there is no GPU (CI); run them on a GPU machine."""

import pytest
import torch

from tests.tiny_backend import TinyBackend, make_job, run_job


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.mark.gpu
@needs_cuda
def test_the_step_loop_never_waits_for_the_gpu():
    backend = TinyBackend(device="cuda")
    jobs = [make_job("cfg", ["a photo"], seed=s) for s in range(4)]
    run_job(jobs[0], backend)  # warm-up: allocations and kernels outside the check
    torch.cuda.set_sync_debug_mode("error")  # any .item(), nonzero() or blocking copy now raises
    try:
        for job in jobs:
            run_job(job, backend)
    finally:
        torch.cuda.set_sync_debug_mode("default")


@pytest.mark.gpu
@needs_cuda
def test_an_image_is_the_same_on_the_gpu_as_on_the_cpu():
    job = make_job("cfg", ["a photo"], seed=7)
    on_cpu, _ = run_job(job, TinyBackend(device="cpu"))
    on_gpu, _ = run_job(job, TinyBackend(device="cuda"))
    for name, image in on_cpu.images.items():
        assert torch.allclose(image, on_gpu.images[name].cpu(), atol=1e-3), name
