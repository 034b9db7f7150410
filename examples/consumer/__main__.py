"""The finance team's stack: `pulumi preview` / `pulumi up` in this folder."""

import pulumi
from finance_data import FinanceSettings, finance_data

for name, value in finance_data(FinanceSettings.from_config(pulumi.Config())).items():
    pulumi.export(name, value)
