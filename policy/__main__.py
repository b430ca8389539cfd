"""The data platform's policy pack: `pulumi preview --policy-pack policy --policy-pack-config policy/config/<stack>.json`."""

from policies import POLICIES
from pulumi_policy import PolicyPack

PolicyPack(name="data-platform", policies=POLICIES)
