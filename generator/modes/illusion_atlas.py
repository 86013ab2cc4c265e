"""`illusion_atlas`: the digits model's illusion atlas (generator/digits/atlas.py, `make atlas`) as heatmaps —
for each view, the share of seeds in which both readings of every ordered digit pair hold; for hybrids, the
best pair's rate over the σ × kernel sweep. Model-free: the record's bytes are part of the job key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from generator.modes.base import ModeParams, Param, Result, param, register
from generator.modes.training import ANY, NUMBER, RecordMode, read_record

if TYPE_CHECKING:
    from generator.jobs import Job

SWEEP = "hybrid-sweep"


@register
class IllusionAtlas(RecordMode):
    name = "illusion_atlas"

    @dataclass(frozen=True)
    class Params(ModeParams):
        tables: list[str] = param(Param(list, default=[], items=str,
                                        help=f"which heatmaps, e.g. ['anagram:flip', '{SWEEP}']; [] shows every table"))

    record_shape = {"steps": str, "seeds": [int], "wall_time_s": NUMBER,
                    "tables": {"*": {"both": [[ANY]], "seeds": int, "best": [{"pair": (str, str), "both": NUMBER}]}}}

    def assemble(self, job: Job, tracks: Sequence[Any], ctx: Any) -> Result:
        from generator.digits.atlas import heatmap, sweep_heatmap
        from generator.images import from_pil

        record = read_record(job)
        wanted = self.Params.from_job(job).tables or [*record["tables"], SWEEP]
        unknown = [t for t in wanted if t != SWEEP and t not in record["tables"]]
        if unknown:
            raise ValueError(f"figure {job.figure!r} (illusion_atlas): no table {unknown} in the atlas; it has "
                             f"{', '.join(record['tables'])}, {SWEEP}")
        images = {t: from_pil(sweep_heatmap(record) if t == SWEEP else heatmap(t, record["tables"][t]))
                  for t in wanted}
        info = {"seeds per pair": len(record["seeds"]), "steps": record["steps"],
                "atlas compute time": f"{record['wall_time_s'] / 60:.0f} min"}
        for t in wanted:
            if t != SWEEP:
                best = record["tables"][t]["best"][0]
                info[f"{t}: best pair"] = f"{'/'.join(best['pair'])} ({best['both']:.0%})"
        return Result(images, info)
