#!/usr/bin/env python3
"""Check that the exported ONNX model gives the same answers as XGBoost.

Rebuilds the held-out split from train_model.py (it is deterministic), runs
1000 of those rows -- plus copies with some features blanked to NaN, to test
the missing-value routing -- through the native XGBoost model and through
the ONNX model, and fails (exit 1) if any fraud probability differs by more
than 1e-5 or any label disagrees.

There is no onnxruntime for Python on Debian, so the ONNX side runs in
onnxruntime-node (the runtime onnxserve itself uses) via check_onnx.mjs.

    /usr/bin/python3 examples/fraud-detection/check_model.py
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from xgboost import XGBClassifier

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import train_model  # noqa: E402  (sibling script: shares data generation)

TOLERANCE = 1e-5
N_ROWS = 1000
N_NAN_ROWS = 200


def run_onnx(model_path, X):
    """Return the parsed JSON printed by check_onnx.mjs for rows X."""
    with tempfile.NamedTemporaryFile(suffix=".f32") as f:
        f.write(np.ascontiguousarray(X, dtype="<f4").tobytes())
        f.flush()
        proc = subprocess.run(
            ["node", str(HERE / "check_onnx.mjs"), str(model_path), f.name,
             str(X.shape[1])],
            capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"check_onnx.mjs failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--onnx", type=Path, default=train_model.DEFAULT_ONNX)
    parser.add_argument("--xgb", type=Path, default=train_model.DEFAULT_XGB)
    args = parser.parse_args(argv)

    model = XGBClassifier()
    model.load_model(str(args.xgb))

    X, y = train_model.make_dataset()
    _, X_test, _, _ = train_model.split(X, y)
    rows = X_test[:N_ROWS].copy()
    # Blank ~20% of the features in a further batch of rows: XGBoost routes
    # NaN by each split's default direction, which the ONNX model must copy.
    rng = np.random.default_rng(0)
    nan_rows = X_test[N_ROWS:N_ROWS + N_NAN_ROWS].copy()
    nan_rows[rng.random(nan_rows.shape) < 0.2] = np.nan
    sample = np.array(
        json.loads((HERE / "sample_request.json").read_text())["inputs"],
        dtype=np.float32)
    all_rows = np.vstack([rows, nan_rows, sample])

    want = model.predict_proba(all_rows).astype(np.float64)
    got = run_onnx(args.onnx, all_rows)
    got_p = np.array(got["probabilities"], dtype=np.float64)
    got_label = np.array(got["label"], dtype=np.int64)

    print(f"onnx inputs {got['inputNames']} outputs {got['outputNames']}; "
          f"label dims {got['labelDims']}, probabilities dims {got['probabilitiesDims']}")
    failures = []
    if got_p.shape != want.shape:
        failures.append(f"probabilities shape {got_p.shape}, want {want.shape}")
    else:
        diff = np.abs(got_p - want)
        print(f"max |onnx - xgboost| over {len(all_rows)} rows: "
              f"{diff[:N_ROWS].max():.3g} (plain), "
              f"{diff[N_ROWS:N_ROWS + N_NAN_ROWS].max():.3g} (with NaNs), "
              f"{diff[-1].max():.3g} (blog sample)")
        if diff.max() > TOLERANCE:
            worst = int(diff.max(axis=1).argmax())
            failures.append(f"max diff {diff.max():.3g} > {TOLERANCE} "
                            f"(row {worst}: onnx {got_p[worst]}, xgb {want[worst]})")
        # Rows exactly at p = 0.5 could legitimately flip; none are expected.
        want_label = (want[:, 1] > 0.5).astype(np.int64)
        bad = np.flatnonzero(got_label != want_label)
        if len(bad):
            failures.append(f"{len(bad)} labels differ, first at row {bad[0]}")
    print(f"blog sample: xgboost p(fraud) {want[-1, 1]:.6g}, "
          f"onnx probabilities {got_p[-1].tolist()}, label {got_label[-1]}")

    if failures:
        for f in failures:
            print("FAIL:", f, file=sys.stderr)
        return 1
    print(f"OK: ONNX matches XGBoost within {TOLERANCE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
