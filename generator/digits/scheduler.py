"""The digits model's noise schedule: a diffusers DDPMScheduler config (cosine ᾱ, Nichol & Dhariwal 2021).

Torch-free, so the model spec can name the schedule while planning, before (or without) any weights.
"""

SCHEDULER_CONFIG = {
    "num_train_timesteps": 1000,
    "beta_schedule": "squaredcos_cap_v2",
    "prediction_type": "epsilon",
    "variance_type": "fixed_small",
    "clip_sample": True,
}
