"""The baseline a user would write instead of ftcollect: json + pandas.json_normalize + to_csv.

    python pandas_baseline.py PAGES_DIR OUT.csv

Reads every France Travail search page (`{"resultats": [...]}`) in PAGES_DIR, flattens the offers
with pandas.json_normalize and writes them as CSV. Prints the row count.
"""
import glob
import json
import os
import sys

import pandas as pd

pages_dir, out = sys.argv[1], sys.argv[2]
offers = []
for path in sorted(glob.glob(os.path.join(pages_dir, "*.json"))):
    with open(path, encoding="utf-8") as f:
        offers.extend(json.load(f)["resultats"])
df = pd.json_normalize(offers)
df.to_csv(out, index=False)
print(len(df))
