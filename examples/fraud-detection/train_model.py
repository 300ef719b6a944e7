#!/usr/bin/env python3
"""Train the fraud-detection XGBoost model and export it to ONNX.

Reproduces the "GoServe" blog example: a 30-feature XGBoost binary classifier
exported as an ONNX TreeEnsembleClassifier and served by onnxserve.

onnxmltools is not packaged for Debian, so the ONNX graph is written by hand
with onnx.helper from XGBoost's own JSON model (see xgb_to_onnx below).

Run from anywhere (paths default to locations inside the repository):
    /usr/bin/python3 examples/fraud-detection/train_model.py
Outputs:
    models/fraud_detector.onnx            (the model onnxserve serves)
    examples/fraud-detection/fraud_xgb.json  (native model for fastapi_server.py)
Afterwards check_model.py runs, so a bad export fails this script.
"""
import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper
from sklearn.datasets import make_classification
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
from xgboost import DMatrix, XGBClassifier

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
DEFAULT_ONNX = REPO_ROOT / "models" / "fraud_detector.onnx"
DEFAULT_XGB = HERE / "fraud_xgb.json"

N_FEATURES = 30
# Column order mirrors the Kaggle credit-card data set the blog used:
#   0: Time, 1: Amount, 2..29: V1..V28 (anonymised PCA components).
FEATURE_NAMES = ["Time", "Amount"] + [f"V{i}" for i in range(1, 29)]
SEED = 42


def make_dataset(seed=SEED):
    """Synthetic stand-in for the credit-card data: 30 features, ~2% fraud.

    Deterministic for a given seed, so check_model.py can rebuild the exact
    held-out split instead of shipping a data file.
    """
    # shuffle=False keeps make_classification's column layout predictable:
    # 12 informative, 8 redundant (linear mixes), then 10 pure-noise columns.
    X, y = make_classification(
        n_samples=20000, n_features=N_FEATURES, n_informative=12,
        n_redundant=8, n_repeated=0, n_clusters_per_class=2,
        weights=[0.98, 0.02], flip_y=0.001, class_sep=2.0,
        shuffle=False, random_state=seed)
    rng = np.random.default_rng(seed)
    X = X.astype(np.float64)
    # Time and Amount get realistic-looking scales; trees are invariant to
    # monotone transforms, so this changes presentation, not accuracy.
    # Time: a noise column rescaled to "hours since the start" (0..48).
    time = np.clip(24.0 + 8.0 * X[:, -1], 0.0, 48.0)
    # Amount: an informative column made log-normal (median ~ $55), in cents.
    amount = np.round(np.exp(4.0 + 0.8 * X[:, 0]), 2)
    # V1..V28: the remaining columns, in a shuffled (but fixed) order so the
    # informative ones are not simply V1..V11.
    rest = X[:, 1:-1][:, rng.permutation(N_FEATURES - 2)]
    X = np.column_stack([time, amount, rest]).astype(np.float32)
    return X, y.astype(np.int64)


def split(X, y, seed=SEED):
    """The train/held-out split shared by training and checking."""
    return train_test_split(X, y, test_size=0.2, stratify=y, random_state=seed)


def train(X_train, y_train, base_score):
    model = XGBClassifier(
        n_estimators=100, max_depth=6, learning_rate=0.3,
        objective="binary:logistic", eval_metric="logloss",
        # Starting from the prior fraud rate rather than 0.5 is what
        # XGBoost >= 2.0 does by itself; it also makes base_values non-zero,
        # so the ONNX check exercises that attribute for real.
        base_score=base_score,
        tree_method="hist", n_jobs=2, random_state=SEED)
    model.fit(X_train, y_train)
    return model


def xgb_to_onnx(booster, n_features=N_FEATURES):
    """Build an ai.onnx.ml TreeEnsembleClassifier equivalent to `booster`.

    Reads the booster's JSON model (not get_dump()'s text), because it holds
    thresholds and leaf values as exact float32 numbers.

    Encoding (the same one onnxmltools uses for binary:logistic): every leaf
    votes for class id 0 with its raw margin; base_values holds the base
    margin; post_transform LOGISTIC.  With two class labels and only class 0
    voted on, onnxruntime treats it as the binary case and emits scores
    [1 - p, p] plus label = (p > 0.5).  check_model.py verifies this.
    """
    model = json.loads(booster.save_raw(raw_format="json"))
    learner = model["learner"]
    objective = learner["objective"]["name"]
    if objective != "binary:logistic":
        raise ValueError(f"only binary:logistic is supported, got {objective}")
    # XGBoost >= 1.0 stores base_score as a probability; trees add margins.
    base_prob = float(learner["learner_model_param"]["base_score"])
    base_margin = math.log(base_prob / (1.0 - base_prob))

    nodes = {k: [] for k in ("treeids", "nodeids", "featureids", "modes",
                             "values", "truenodeids", "falsenodeids",
                             "missing_value_tracks_true")}
    leaves = {k: [] for k in ("treeids", "nodeids", "ids", "weights")}
    trees = learner["gradient_booster"]["model"]["trees"]
    for tree_id, tree in enumerate(trees):
        left, right = tree["left_children"], tree["right_children"]
        for node_id in range(len(left)):
            nodes["treeids"].append(tree_id)
            nodes["nodeids"].append(node_id)
            # In the JSON model a leaf's value lives in split_conditions.
            value = tree["split_conditions"][node_id]
            if left[node_id] == -1:
                # Leaf: ONNX still wants a full node tuple, with dummy fields.
                nodes["modes"].append("LEAF")
                nodes["featureids"].append(0)
                nodes["values"].append(0.0)
                nodes["truenodeids"].append(0)
                nodes["falsenodeids"].append(0)
                nodes["missing_value_tracks_true"].append(0)
                leaves["treeids"].append(tree_id)
                leaves["nodeids"].append(node_id)
                leaves["ids"].append(0)
                leaves["weights"].append(value)
            else:
                # XGBoost goes left ("yes") when x < threshold, and sends
                # missing (NaN) values left when default_left is set.
                nodes["modes"].append("BRANCH_LT")
                nodes["featureids"].append(tree["split_indices"][node_id])
                nodes["values"].append(value)
                nodes["truenodeids"].append(left[node_id])
                nodes["falsenodeids"].append(right[node_id])
                nodes["missing_value_tracks_true"].append(
                    int(tree["default_left"][node_id]))

    classifier = helper.make_node(
        "TreeEnsembleClassifier", inputs=["input"],
        outputs=["label", "probabilities"], name="xgb_fraud_trees",
        domain="ai.onnx.ml",
        classlabels_int64s=[0, 1],
        post_transform="LOGISTIC",
        base_values=[base_margin],
        **{f"nodes_{k}": v for k, v in nodes.items()},
        **{f"class_{k}": v for k, v in leaves.items()},
    )
    graph = helper.make_graph(
        [classifier], "fraud_detector",
        inputs=[helper.make_tensor_value_info(
            "input", TensorProto.FLOAT, ["N", n_features])],
        outputs=[
            helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]),
            helper.make_tensor_value_info(
                "probabilities", TensorProto.FLOAT, ["N", 2]),
        ])
    onnx_model = helper.make_model(
        graph, producer_name="onnxserve-examples", producer_version="1",
        doc_string="XGBoost fraud detector (synthetic data); features: "
                   + ", ".join(FEATURE_NAMES),
        opset_imports=[helper.make_opsetid("", 17),
                       helper.make_opsetid("ai.onnx.ml", 3)])
    # IR 8 matches opset 17 and keeps the file loadable by older runtimes.
    onnx_model.ir_version = 8
    onnx.checker.check_model(onnx_model)
    return onnx_model, trees, base_margin


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_ONNX,
                        help="ONNX output path (default: %(default)s)")
    parser.add_argument("--xgb-out", type=Path, default=DEFAULT_XGB,
                        help="native XGBoost JSON model (default: %(default)s)")
    parser.add_argument("--skip-check", action="store_true",
                        help="do not run check_model.py afterwards")
    args = parser.parse_args(argv)

    X, y = make_dataset()
    X_train, X_test, y_train, y_test = split(X, y)
    print(f"data: {len(X)} rows, {N_FEATURES} features, "
          f"fraud rate {y.mean():.2%} (train {len(X_train)}, held-out {len(X_test)})")

    model = train(X_train, y_train, base_score=float(y_train.mean()))
    proba = model.predict_proba(X_test)[:, 1]
    pred = (proba > 0.5).astype(np.int64)
    # Accuracy alone flatters an imbalanced problem (all-legit scores ~98%),
    # so recall on the fraud class and ROC AUC are printed too.
    recall = pred[y_test == 1].mean()
    print(f"held-out accuracy {accuracy_score(y_test, pred):.4f}, "
          f"fraud recall {recall:.4f}, ROC AUC {roc_auc_score(y_test, proba):.4f} "
          f"(all-legit baseline accuracy {1 - y_test.mean():.4f})")

    booster = model.get_booster()
    onnx_model, trees, base_margin = xgb_to_onnx(booster)

    # XGBoost's raw margin must be the leaf sum plus logit(base_score): this
    # pins down the space base_values lives in before anything is written.
    margin = booster.predict(DMatrix(X_test[:5]), output_margin=True)
    leaf_sum = _leaf_sums(trees, X_test[:5])
    if not np.allclose(margin, leaf_sum + base_margin, atol=1e-5):
        sys.exit(f"base margin mismatch: {margin} vs {leaf_sum + base_margin}")
    print(f"base_score {float(y_train.mean()):.5f} -> base margin {base_margin:.5f} (verified)")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(onnx_model, str(args.out))
    model.save_model(str(args.xgb_out))
    n_nodes = sum(len(t["left_children"]) for t in trees)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, "
          f"{len(trees)} trees, {n_nodes} nodes)")
    print(f"wrote {args.xgb_out} ({args.xgb_out.stat().st_size} bytes)")

    if not args.skip_check:
        sys.path.insert(0, str(HERE))
        import check_model  # noqa: E402  (sibling script, imported late on purpose)
        return check_model.main(["--onnx", str(args.out),
                                 "--xgb", str(args.xgb_out)])
    return 0


def _leaf_sums(trees, X):
    """Sum of leaf values per row, walking the JSON trees in float32 like
    XGBoost does; used only to confirm where base_score enters."""
    out = np.zeros(len(X), dtype=np.float32)
    for tree in trees:
        for r, row in enumerate(X):
            n = 0
            while tree["left_children"][n] != -1:
                x = row[tree["split_indices"][n]]
                go_left = (tree["default_left"][n] if np.isnan(x)
                           else x < np.float32(tree["split_conditions"][n]))
                n = tree["left_children"][n] if go_left else tree["right_children"][n]
            out[r] += np.float32(tree["split_conditions"][n])
    return out


if __name__ == "__main__":
    sys.exit(main())
