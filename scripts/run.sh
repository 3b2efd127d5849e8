#!/usr/bin/env bash
# The main job end to end on the bundled data: install, rebuild the dataset, train both models,
# evaluate them, and write the analysts' deferral report. Outputs: data/labeled_opinions.csv,
# models/, reports/evaluation/, reports/deferral/, reports/agreement/.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q -e .
.venv/bin/pubcom ingest
.venv/bin/pubcom train -j 2
.venv/bin/pubcom evaluate -j 2 -o reports/evaluation
.venv/bin/pubcom report -o reports/deferral
.venv/bin/pubcom agreement data/annotations/moe_environment_plans.csv data/second_reading/moe_environment_plans.csv \
  -o reports/agreement/agreement.md
.venv/bin/pubcom agreement data/labeled_opinions.csv data/second_reading/city_rows.csv \
  -o reports/agreement/city_rows.md
.venv/bin/pubcom agreement data/annotations/komaki.csv data/second_reading/komaki.csv \
  -o reports/agreement/komaki.md
.venv/bin/pubcom agreement data/request_types/annotations.csv data/request_types/second_reading.csv \
  -o reports/agreement/request_types.md
