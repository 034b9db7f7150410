"""Train the lease-renewal model: the Azure ML command job's script, also run locally by the tests.

Reads the ``renewal_features`` table (parquet) that the Customer 360 notebook writes, keeps the
completed tenancies (moved out), and fits a standardised logistic regression on a stratified split.
It logs parameters and metrics to MLflow, Azure ML's native tracking (the job's environment sets the
tracking URI), compares the model with a constant predictor on the held-out split, and writes
``model.json``: the coefficients on the original feature scale, which the Spark pool applies without
scikit-learn (``customer_360.score_tenancies``), plus ``model.pkl`` for anyone who wants the estimator.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pyarrow.parquet as pq
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

LABEL = "isRenewed"
BASE_FEATURES = ("InitialLeaseTerm",)
FEATURE_PREFIXES = ("WO_", "Movein_")  # the same rule as customer_360.model_features
THRESHOLD = 0.5


def feature_columns(columns: Sequence[str]) -> list[str]:
    return [*BASE_FEATURES, *sorted(c for c in columns if c.startswith(FEATURE_PREFIXES))]


def load_training_set(features_path: str | Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    table = pq.read_table(str(features_path))
    rows = [row for row in table.to_pylist() if row["isMovedOut"] == "Y"]
    if len(rows) < 20:
        raise ValueError(f"{features_path}: {len(rows)} completed tenancies; at least 20 are needed to train")
    names = feature_columns(table.column_names)
    x = np.array([[float(row[name] or 0.0) for name in names] for row in rows])
    y = np.array([1 if row[LABEL] == "Y" else 0 for row in rows])
    if len(set(y.tolist())) < 2:
        raise ValueError(f"{features_path}: every completed tenancy has the same outcome; nothing to learn")
    return x, y, names


def export_coefficients(model: Any, names: list[str]) -> dict[str, Any]:
    """The pipeline's coefficients on the unscaled features: w / s and b - sum(w * m / s)."""
    scaler, regression = model.named_steps["standardscaler"], model.named_steps["logisticregression"]
    scale = np.where(scaler.scale_ == 0, 1.0, scaler.scale_)
    weights = regression.coef_[0] / scale
    intercept = float(regression.intercept_[0] - np.sum(regression.coef_[0] * scaler.mean_ / scale))
    return {
        "intercept": intercept,
        "coefficients": {name: float(weight) for name, weight in zip(names, weights, strict=True)},
        "threshold": THRESHOLD,
    }


def train(
    features_path: str | Path, model_output: str | Path, test_size: float = 0.25, seed: int = 17
) -> dict[str, Any]:
    """Fit, evaluate against a constant predictor, log to MLflow, write the model; returns the metrics."""
    x, y, names = load_training_set(features_path)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=test_size, random_state=seed, stratify=y)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(x_train, y_train)
    constant = DummyClassifier(strategy="prior").fit(x_train, y_train)
    probability = model.predict_proba(x_test)[:, 1]
    baseline_probability = constant.predict_proba(x_test)[:, 1]
    metrics = {
        "accuracy": float(accuracy_score(y_test, (probability >= THRESHOLD).astype(int))),
        "baseline_accuracy": float(accuracy_score(y_test, constant.predict(x_test))),
        "auc": float(roc_auc_score(y_test, probability)),
        "log_loss": float(log_loss(y_test, probability, labels=[0, 1])),
        "baseline_log_loss": float(log_loss(y_test, baseline_probability, labels=[0, 1])),
        "train_rows": len(y_train),
        "test_rows": len(y_test),
    }
    if metrics["log_loss"] >= metrics["baseline_log_loss"]:
        # Publishing a model no better than the base rate would mislead every renewal decision.
        raise ValueError(
            f"the model does not beat a constant predictor on the held-out split "
            f"(log loss {metrics['log_loss']:.4f} vs {metrics['baseline_log_loss']:.4f}); nothing written"
        )
    exported = export_coefficients(model, names)
    output = Path(model_output)
    output.mkdir(parents=True, exist_ok=True)
    (output / "model.json").write_text(json.dumps({**exported, "metrics": metrics}, indent=2, sort_keys=True))
    with (output / "model.pkl").open("wb") as handle:
        pickle.dump(model, handle)
    with mlflow.start_run(run_name="lease-renewal") as run:
        mlflow.log_params(
            {"model": "logistic_regression", "test_size": test_size, "seed": seed, "features": len(names)}
        )
        mlflow.log_metrics({key: float(value) for key, value in metrics.items()})
        mlflow.log_artifact(str(output / "model.json"))
        metrics["mlflow_run_id"] = run.info.run_id
    return metrics


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Train the lease-renewal model.")
    parser.add_argument("--features", required=True, help="folder of the renewal_features parquet table")
    parser.add_argument("--model-output", required=True, help="folder to write model.json and model.pkl")
    parser.add_argument("--test-size", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=17)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    metrics = train(args.features, args.model_output, args.test_size, args.seed)
    print(json.dumps(metrics, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
