"""The commands behind `gallery` (cli.py parses and dispatches; each file here does one command's work), after
DVC's `commands/`. The commands that work on a loaded plan take (project, plan, args)."""

from generator.commands.build import cmd_build, cmd_run
from generator.commands.gc import cmd_gc
from generator.commands.hugo import cmd_hugo
from generator.commands.plan import cmd_plan
from generator.commands.render import cmd_render


COMMANDS = {  # the commands that run on a loaded plan, by name
    "build": cmd_build,
    "run": cmd_run,
    "render": cmd_render,
    "plan": cmd_plan,
    "gc": cmd_gc,
    "hugo": cmd_hugo,
}
