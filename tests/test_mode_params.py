"""Typed mode parameters (generator/params.py): the recipe schema and the dataclass are one declaration."""

from __future__ import annotations

import dataclasses
import types
import typing

import pytest

from generator.modes import MODES
from generator.modes.common import GuidedParams, SamplingParams
from tests.tiny_backend import make_job


TYPED = sorted(name for name, mode in MODES.items() if mode.params)


def base_types(hint: typing.Any) -> set[type]:
    """The runtime classes a type hint admits: list[str] → {list}, str | list[int] → {str, list}."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return set().union(*(base_types(arg) for arg in typing.get_args(hint)))
    return {typing.get_origin(hint) or hint}


def test_the_shared_sampling_parameters_and_at_least_the_simple_modes_are_typed():
    assert {"sample", "cfg", "hybrid", "anagram", "sdedit", "inpaint"} <= set(TYPED)


@pytest.mark.parametrize("name", TYPED)
def test_each_parameter_has_one_name_type_and_default(name):
    """The schema is the dataclass's `param` fields: their annotation admits exactly the Param's kinds, and a job
    without the parameter reads the Param's default."""
    mode = MODES[name]
    hints = typing.get_type_hints(mode.Params)
    fields = {f.name: f for f in dataclasses.fields(mode.Params)}
    assert set(mode.params) <= set(fields)
    for key, spec in mode.params.items():
        kinds = set(spec.kind if isinstance(spec.kind, tuple) else (spec.kind,))
        assert base_types(hints[key]) - {type(None)} == kinds, key
    defaults = mode.Params()
    assert {k: getattr(defaults, k) for k in mode.params} == {k: p.default for k, p in mode.params.items()}


def test_a_list_default_is_not_shared_between_instances():
    first, second = MODES["anagram"].Params(), MODES["anagram"].Params()
    assert first.views == second.views and first.views is not second.views


def test_cfg_is_on_exactly_for_modes_with_a_guidance_parameter():
    """No `"guidance" in params` switch: SamplingParams.guidance is None unless the mode declares guidance."""
    assert "guidance" not in SamplingParams.schema() and "guidance" in GuidedParams.schema()
    assert make_job("sample", ["a"], 0).params.guidance is None
    assert make_job("cfg", ["a"], 0, guidance=3.5).params.guidance == 3.5


def test_a_job_carries_its_modes_typed_parameters_and_they_are_frozen():
    p = make_job("hybrid", ["a", "b"], 0, kernel_size=9, sigma=1.5).params
    assert isinstance(p, MODES["hybrid"].Params)
    assert (p.kernel_size, p.sigma, p.guidance) == (9, 1.5, 7.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.sigma = 2.0  # type: ignore[misc]


def test_the_schema_lists_a_modes_own_parameters_first_and_an_override_in_its_inherited_place():
    assert list(MODES["hybrid"].params)[:3] == ["kernel_size", "sigma", "steps"]
    assert list(MODES["cfg"].params) == list(GuidedParams.schema()) and MODES["cfg"].params["guidance"].sweepable
