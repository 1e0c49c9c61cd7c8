"""The synthetic demo districts (``kc sample load``), labelled as such: not ETL of real files."""
