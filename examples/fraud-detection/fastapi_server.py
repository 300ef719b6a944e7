#!/usr/bin/env python3
"""The blog's Python baseline: FastAPI + uvicorn serving XGBoost directly.

Same route and JSON as onnxserve's fraud-detector endpoint, so client.py,
the curl commands in README.md and the benchmarks can target either server:

    POST /v1/models/fraud_detector/infer   {"inputs": [[30 floats], ...]}
    -> {"model_name", "predictions", "probabilities", "is_fraud", "confidence"}

    /usr/bin/python3 examples/fraud-detection/fastapi_server.py --port 8000
"""
import argparse
from pathlib import Path
from typing import List

import numpy as np
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from xgboost import XGBClassifier

HERE = Path(__file__).resolve().parent
MODEL_NAME = "fraud_detector"
N_FEATURES = 30
THRESHOLD = 0.5  # on the fraud (class 1) probability

app = FastAPI(title="fraud-detector (XGBoost baseline)")
model = XGBClassifier()


class InferRequest(BaseModel):
    inputs: List[List[float]]


def error(status, message):
    return JSONResponse(status_code=status, content={"error": message})


# FastAPI answers a malformed body with 422 and its own shape; use the same
# 400 + {"error": ...} as every other bad request, like onnxserve does.
@app.exception_handler(RequestValidationError)
def bad_body(_request: Request, exc: RequestValidationError):
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    return error(400, f"invalid request body: {where}: {first.get('msg', exc)}")


@app.get("/health")
def health():
    return {"status": "ok"}


# A plain `def` (not async) so FastAPI runs the CPU-bound predict in its
# thread pool instead of blocking the event loop.
@app.post("/v1/models/{model_name}/infer")
def infer(model_name: str, request: InferRequest):
    if model_name != MODEL_NAME:
        return error(404, f"Model {model_name} not found")
    if not request.inputs:
        return error(400, "inputs must contain at least one transaction")
    for i, row in enumerate(request.inputs):
        if len(row) != N_FEATURES:
            return error(400, f"Transaction {i} has {len(row)} features, "
                              f"expected {N_FEATURES}")

    # float32, like the ONNX model's input, so both servers see the same values.
    X = np.asarray(request.inputs, dtype=np.float32)
    proba = model.predict_proba(X)
    fraud = proba[:, 1]
    is_fraud = fraud > THRESHOLD
    return {
        "model_name": model_name,
        "predictions": is_fraud.astype(int).tolist(),
        "probabilities": proba.tolist(),
        "is_fraud": is_fraud.tolist(),
        # As in GoServe's API: the probability of fraud, not max(p0, p1).
        "confidence": fraud.tolist(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--model", type=Path, default=HERE / "fraud_xgb.json",
                        help="XGBoost JSON model written by train_model.py")
    parser.add_argument("--log-level", default="warning",
                        help="uvicorn log level; per-request logs skew benchmarks")
    args = parser.parse_args()

    model.load_model(str(args.model))
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
