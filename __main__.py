"""Pulumi entry point: validate config, declare the stack's zones, export the zone contract.

``pulumi.run`` awaits the program after this module has run and exports the mapping it returns; the
program is asynchronous so that it can hand each zone's registrations to the engine as it goes
(stacks/program.py).
"""

import pulumi

from cloudscale.stacks import load_config, run_platform

pulumi.run(lambda: run_platform(load_config()))
