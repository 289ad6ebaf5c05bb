#!/usr/bin/env bash
# Recommend, then tune, from the command line on a dataset that ships with scikit-learn.
# Works offline: the bundled repository of prior evaluations is inside the package.
set -euo pipefail

# 1. The 5 LightGBM configurations most likely to do well, with the nearest prior tasks.
metaknow recommend sklearn:breast_cancer --space lightgbm --k 5

# 2. The same as JSON (for scripts); algorithm + configuration across every space (CASH).
metaknow recommend sklearn:breast_cancer --space all --k 5 --format json > recommendation.json

# 3. Tune LightGBM for 20 trials, starting from 5 recommended configurations.
#    Writes the history, the best configuration and an anytime plot to tune-out/;
#    rerunning the same command resumes the run.
metaknow tune sklearn:breast_cancer --space lightgbm --budget 20 --warm-start 5 --out tune-out

# 4. Tune the algorithm and its configuration together across every registered space
#    (warm-started from step 2's cross-space recommendations); best_config.json names
#    the chosen algorithm and its parameters.
metaknow tune sklearn:breast_cancer --space all --budget 30 --out tune-all
