"""The engine: a track's noise never depends on what it was packed with and its image agrees within the
stated tolerance; one track equals diffusers' own loop, requests share model calls, follow-ups run after the whole phase."""

from __future__ import annotations

import pytest
import torch
from diffusers import DDPMScheduler

from generator.diffusion.schedule import Schedule, add_noise, parse_timesteps
from generator.diffusion.views import get_view
from generator.engine import PACKING_ATOL, Term, Track, draw_noise, make_generator, run_tracks
from tests.tiny_backend import TinyBackend


STEPS = parse_timesteps("strided-100")  # 900, 800, …, 100, 0 — ten steps keep the tests quick
SHAPE = (1, 3, 16, 16)


@pytest.fixture(scope="module")
def embeddings(backend) -> dict[str, torch.Tensor]:
    return backend.encode(["a cat", "a dog", ""])


def track(backend, embeddings, seed: int, terms: list[Term], i_start: int = 0, **kwargs) -> Track:
    g = make_generator(seed)
    return Track(
        x=draw_noise(g, SHAPE, "cpu"),
        timesteps=STEPS[i_start:],
        terms=terms,
        embeddings=embeddings,
        schedule=Schedule.from_config(backend.spec.scheduler_config),
        rng=g,
        thresholding="dynamic",
        **kwargs,
    )


def assorted_tracks(backend, embeddings) -> list[Track]:
    flip = get_view("flip", 16)
    return [
        track(backend, embeddings, 1, [Term("a cat", uncond="", guidance=7.0)]),
        track(backend, embeddings, 2, [Term("a dog")]),
        track(backend, embeddings, 3, [Term("a cat", "", 5.0), Term("a dog", "", 5.0, view=flip)], i_start=4),
        track(backend, embeddings, 4, [Term("a dog", "", 3.0)], i_start=7, keep_every=2),
    ]


def run_alone_and_packed(backend, embeddings, batch_size: int) -> tuple[list[Track], list[Track]]:
    alone = [run_tracks([t], backend, progress=False)[0] for t in assorted_tracks(backend, embeddings)]
    packed = list(run_tracks(assorted_tracks(backend, embeddings), backend, batch_size=batch_size, progress=False))
    return alone, packed


@pytest.mark.parametrize("batch_size", [16, 3])
def test_a_tracks_noise_does_not_depend_on_packing(backend, embeddings, batch_size):
    """Guaranteed everywhere: each track draws the same noise, in the same order, whatever it is packed with."""
    alone, packed = run_alone_and_packed(backend, embeddings, batch_size)
    for a, p in zip(alone, packed):
        assert torch.equal(a.rng.get_state(), p.rng.get_state())
    assert not torch.equal(alone[0].rng.get_state(), alone[1].rng.get_state())


@pytest.mark.parametrize("batch_size", [16, 3])
def test_a_track_agrees_alone_or_packed_within_the_tolerance(backend, embeddings, batch_size):
    """CPU kernels pick their algorithm by batch shape (MKL sgemm row blocks), so packing may move the last
    float bits; the engine promises PACKING_ATOL, a fraction of one 8-bit grey level (2/255 in [-1, 1])."""
    alone, packed = run_alone_and_packed(backend, embeddings, batch_size)
    for a, p in zip(alone, packed):
        torch.testing.assert_close(p.x, a.x, atol=PACKING_ATOL, rtol=0)
        grey = [((x.x.clamp(-1, 1) + 1) * 127.5).round() for x in (a, p)]
        assert (grey[0] - grey[1]).abs().max() <= 1
    assert (alone[0].x - alone[1].x).abs().max() > 100 * PACKING_ATOL  # the tolerance is far below a change


def test_the_same_packing_is_reproducible(backend, embeddings):
    """Same tracks, same batch shapes, same machine: bit-identical (what makes a stored result reproducible)."""
    first = run_tracks(assorted_tracks(backend, embeddings), backend, batch_size=3, progress=False)
    again = run_tracks(assorted_tracks(backend, embeddings), backend, batch_size=3, progress=False)
    assert all(torch.equal(a.x, b.x) for a, b in zip(first, again))


@pytest.mark.parametrize("learned", [True, False], ids=["learned_range", "fixed_small"])
@pytest.mark.parametrize("guidance", [7.0, None])
def test_one_track_equals_the_diffusers_scheduler_loop(learned, guidance):
    """The loop of IFPipeline (num_images_per_prompt=1): x_T from the generator, then DDPMScheduler.step."""
    backend = TinyBackend(learned_variance=learned)
    emb = backend.encode(["a cat", ""])
    config = backend.spec.scheduler_config
    timesteps = parse_timesteps("strided-30")
    g = make_generator(11)
    ours = Track(
        x=draw_noise(g, SHAPE, "cpu"),
        timesteps=timesteps,
        embeddings=emb,
        rng=g,
        terms=[Term("a cat", uncond="" if guidance else None, guidance=guidance or 1.0)],
        schedule=Schedule.from_config(config),
        thresholding=Schedule.from_config(config).thresholding,
    )
    run_tracks([ours], backend, progress=False)

    scheduler = DDPMScheduler.from_config(config)
    scheduler.set_timesteps(timesteps=timesteps)
    g = torch.Generator().manual_seed(11)
    x = torch.randn(SHAPE, generator=g)
    for t in scheduler.timesteps:
        if guidance:
            eps, var = backend.predict(torch.cat([x, x]), t.expand(2), torch.stack([emb[""], emb["a cat"]]))
            eps = eps[:1] + guidance * (eps[1:] - eps[:1])
            var = None if var is None else var[1:]
        else:
            eps, var = backend.predict(torch.cat([x, x]), t.expand(2), torch.stack([emb["a cat"]] * 2))
            eps, var = eps[:1], None if var is None else var[:1]
        x = scheduler.step(eps if var is None else torch.cat([eps, var], 1), t, x, generator=g).prev_sample
    assert torch.equal(ours.x, x)


def test_requests_share_calls_and_a_lone_sample_is_padded(backend, embeddings):
    backend.calls.clear()
    tracks = [track(backend, embeddings, s, [Term("a cat", "", 7.0)]) for s in range(5)]
    run_tracks(tracks, backend, batch_size=4, progress=False)
    assert backend.calls == [4, 4, 2] * len(STEPS)  # 10 requests per tick: uncond + cond × 5
    backend.calls.clear()
    run_tracks([track(backend, embeddings, 0, [Term("a cat")])], backend, progress=False)
    assert backend.calls == [2] * len(STEPS)


def test_shared_requests_are_computed_once(backend, embeddings):
    """Two terms with the same view and prompts (a hybrid of one prompt) need one uncond and one cond call."""
    t = track(backend, embeddings, 0, [Term("a cat", "", 7.0), Term("a cat", "", 7.0)], reduce="sum")
    assert len(t.requests()) == 2 and t.model_calls() == 2 * len(STEPS)


def test_predict_only_gives_the_one_step_estimate(embeddings):
    """With the true noise as ε̂, x̂₀ is x₀ again."""
    backend = TinyBackend()
    schedule = Schedule.from_config(backend.spec.scheduler_config)
    x0 = torch.rand(SHAPE, generator=torch.Generator().manual_seed(0)) * 2 - 1
    eps = torch.randn(SHAPE, generator=torch.Generator().manual_seed(1))
    backend.predict = lambda x_t, t, emb: (eps.expand(len(x_t), -1, -1, -1), None)
    t = Track(
        x=add_noise(x0, eps, schedule.alpha_bar(500)),
        timesteps=[500],
        terms=[Term("a cat")],
        embeddings=embeddings,
        schedule=schedule,
        rng=make_generator(0),
        predict_only=True,
    )
    run_tracks([t], backend, progress=False)
    torch.testing.assert_close(t.x0_hat, x0, atol=1e-5, rtol=0)
    assert t.done and t.index == 1


def test_snapshots_every_k_steps(backend, embeddings):
    t = track(backend, embeddings, 0, [Term("a cat")], i_start=1, keep_every=3)
    first = t.x
    run_tracks([t], backend, progress=False)
    assert [s.t for s in t.snapshots] == [800, 500, 200]
    assert torch.equal(t.snapshots[0].x_t, first)


def test_follow_ups_start_after_the_whole_phase(backend, embeddings):
    """Stage II (32²) never runs before every stage-I track is done, nor shares a batch with it."""
    seen: list[tuple[int, int]] = []
    predict = backend.predict

    def spy(x_t, t, emb, **cond):
        seen.append((x_t.shape[-1], len(x_t)))
        return predict(x_t, t, emb, **cond)

    def stage2(done: Track) -> Track:
        assert all(t.done for t in tracks)
        g = done.rng
        x_T = draw_noise(g, (1, 3, 32, 32), "cpu")
        level = torch.tensor([250])
        image = backend.upscale_condition(done.x, level, draw_noise(g, (1, 3, 32, 32), "cpu"))
        return Track(
            x=x_T,
            timesteps=[900, 500, 100],
            terms=[Term("a cat", "", 4.0)],
            embeddings=embeddings,
            schedule=done.schedule,
            rng=g,
            cond={"image": image, "noise_level": level},
        )

    tracks = [track(backend, embeddings, s, [Term("a cat", "", 7.0)], i_start=s, then=stage2) for s in (0, 5)]
    backend.predict = spy
    try:
        run_tracks(tracks, backend, progress=False)
    finally:
        backend.predict = predict
    sizes = [size for size, _ in seen]
    assert sizes == [16] * len(STEPS) + [32] * 3
    assert seen[-1] == (32, 4)  # both stage-II tracks in one call
    assert all(t.next is not None and t.next.done and t.next.x.shape == (1, 3, 32, 32) for t in tracks)


def test_a_missing_embedding_is_reported(backend, embeddings):
    t = track(backend, embeddings, 0, [Term("a bird", "", 7.0)])
    with pytest.raises(KeyError, match="no embedding for prompt.*a bird"):
        run_tracks([t], backend, progress=False)


def test_bad_tracks_are_refused(backend, embeddings):
    g = make_generator(0)
    schedule = Schedule.from_config(backend.spec.scheduler_config)
    with pytest.raises(ValueError, match=r"\(1, C, H, W\)"):
        Track(
            x=torch.zeros(2, 3, 16, 16),
            timesteps=STEPS,
            terms=[Term("a cat")],
            embeddings=embeddings,
            schedule=schedule,
            rng=g,
        )
    with pytest.raises(ValueError, match="'mean' or 'sum'"):
        Track(
            x=torch.zeros(SHAPE),
            timesteps=STEPS,
            terms=[Term("a cat")],
            embeddings=embeddings,
            schedule=schedule,
            rng=g,
            reduce="max",
        )


def test_noise_comes_from_the_track_generator_on_any_device():
    a = draw_noise(make_generator(3), SHAPE, "cpu")
    assert torch.equal(a, torch.randn(SHAPE, generator=torch.Generator().manual_seed(3)))


def test_calls_are_padded_to_compiled_batch_buckets(embeddings):
    backend = TinyBackend()
    backend.batch_buckets = (2, 4, 8)
    tracks = [track(backend, embeddings, s, [Term("a cat", "", 7.0)], i_start=8) for s in range(5)]
    run_tracks(tracks, backend, batch_size=6, progress=False)  # 6 is no bucket: 10 requests as 4 + 4 + 2
    assert backend.calls == [4, 4, 2] * 2
    backend.calls.clear()
    pair = [
        track(backend, embeddings, 8, [Term("a cat", "", 7.0)], i_start=9),
        track(backend, embeddings, 9, [Term("a dog")], i_start=9),
    ]
    run_tracks(pair, backend, progress=False)
    assert backend.calls == [4]  # 3 requests, padded up to the bucket of 4
