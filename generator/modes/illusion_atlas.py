"""`illusion_atlas`: the digits model's illusion atlas (generator/digits/atlas.py, `make atlas`) as heatmaps —
for each view, the share of the selection seeds in which both readings of every ordered digit pair hold; for
hybrids, each σ's best pair on the selection and on the held-out seeds. Its info states the judge (what each
reading sees, its accuracy on held-out digits) and the held-out rate of every re-measured cell with its 95%
interval. Model-free: the record's bytes are part of the job key."""

from __future__ import annotations

from dataclasses import dataclass

from generator.digits.stats import rate_text
from generator.images import from_pil
from generator.jobs import Job
from generator.modes.base import Result, register
from generator.modes.runtime import atlas
from generator.modes.training import ANY, NUMBER, RecordMode, read_record
from generator.params import ModeParams, Param, param


SWEEP = "hybrid-sweep"


@dataclass(frozen=True)
class AtlasParams(ModeParams):
    tables: list[str] = param(
        Param(
            list, default=[], items=str, help=f"which heatmaps, e.g. ['anagram:flip', '{SWEEP}']; [] shows every table"
        )
    )


@register
class IllusionAtlas(RecordMode[AtlasParams]):
    name = "illusion_atlas"
    version = 2  # 2: the judge, held-out rates, the sweep's held-out column
    Params = AtlasParams
    noun = "illusion atlas"

    record_shape = {
        "steps": str,
        "seeds": [int],
        "held_out_seeds": [int],
        "wall_time_s": NUMBER,
        "judge": {"*": {"accuracy": NUMBER, "sees": str, "held_out_digits": int}},
        "tables": {"*": {"both": [[ANY]], "seeds": int, "best": [{"pair": (str, str), "both": NUMBER}]}},
        "held_out": [{"table": str, "pair": (str, str), "k": int, "n": int}],
    }

    def make(self, job: Job[AtlasParams]) -> Result:
        record = read_record(job)
        wanted = job.params.tables or [*record["tables"], SWEEP]
        unknown = [t for t in wanted if t != SWEEP and t not in record["tables"]]
        if unknown:
            raise ValueError(
                f"figure {job.figure!r} (illusion_atlas): no table {unknown} in the atlas; it has "
                f"{', '.join(record['tables'])}, {SWEEP}"
            )
        images = {
            t: from_pil(atlas.sweep_heatmap(record) if t == SWEEP else atlas.heatmap(t, record["tables"][t]))
            for t in wanted
        }
        info = {
            "selection seeds per pair": len(record["seeds"]),
            "held-out seeds per re-measured cell": len(record["held_out_seeds"]),
            "steps": record["steps"],
            "atlas compute time": f"{record['wall_time_s'] / 60:.0f} min",
        }
        for name, judge in record["judge"].items():
            info[f"judge, {name} reading"] = (
                f"{judge['sees']}: {judge['accuracy']:.1%} of {judge['held_out_digits']} held-out digits"
            )
        shown = {t for t in wanted if t != SWEEP} | (
            {t for t in record["tables"] if t.startswith("hybrid:")} if SWEEP in wanted else set()
        )
        for cell in record["held_out"]:
            if cell["table"] in shown:
                info[f"{cell['table']} {'/'.join(cell['pair'])}, held-out"] = rate_text(cell["k"], cell["n"])
        return Result(images, info)
