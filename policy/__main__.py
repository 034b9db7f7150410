"""The cloudscale policy pack. The Pulumi CLI starts it: ``pulumi preview --policy-pack policy``.

Importing the rules never needs this file: ``cloudscale.policy.catalog`` holds them, and
``cloudscale plan`` and the tests call them directly.
"""

from pulumi_policy import PolicyPack

from cloudscale.policy.pack import policies

PolicyPack(name="cloudscale", policies=policies())
