#!/usr/bin/env python3
"""Send two transactions to a fraud-detection server and print its answer.

Works against onnxserve (default http://127.0.0.1:8080) and against the
FastAPI baseline (pass http://127.0.0.1:8000). Standard library only.

    python3 examples/fraud-detection/client.py [SERVER_URL] [--model NAME]
"""
import argparse
import json
import sys
import urllib.error
import urllib.request

# Feature order: Time, Amount, V1..V28 (see train_model.py).
# The blog's sample transaction: an ordinary-looking one.
SAMPLE = [0.5, 125.50, -0.8, 1.2, -0.3, 0.5, 1.1, -0.2, 0.9, -1.2, 0.3, -0.7,
          1.5, -0.4, 0.6, -1.1, 0.8, 0.2, -0.9, 1.3, -0.5, 0.4, -1.0, 0.7,
          -0.3, 0.9, -0.6, 1.2, -0.8, 0.5]
# A fraud case from train_model.py's held-out split (rounded to cents); the
# committed model scores it at p(fraud) ~ 0.9997.
SUSPICIOUS = [29.26, 214.86, -0.55, 6.28, -0.12, -1.95, 10.73, -1.25, 0.25,
              -1.19, 3.54, -2.2, -0.79, -0.2, 3.05, -0.44, 1.3, 5.19, 2.77,
              -0.46, -3.48, -3.14, -1.09, 1.01, 4.32, -1.57, -0.89, -2.01,
              -4.3, -1.4]


def infer(base_url, model, rows, timeout=10.0):
    url = f"{base_url.rstrip('/')}/v1/models/{model}/infer"
    body = json.dumps({"inputs": rows}).encode()
    req = urllib.request.Request(
        url, data=body, method="POST",
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.load(resp)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8080")
    parser.add_argument("--model", default="fraud_detector")
    args = parser.parse_args()

    try:
        answer = infer(args.url, args.model, [SAMPLE, SUSPICIOUS])
    except urllib.error.HTTPError as e:
        # Show the server's own error message (e.g. "model not loaded").
        print(f"HTTP {e.code}: {e.read().decode(errors='replace')}", file=sys.stderr)
        return 1
    except urllib.error.URLError as e:
        print(f"cannot reach {args.url}: {e.reason}", file=sys.stderr)
        return 1

    print(json.dumps(answer, indent=2))
    for name, fraud, p in zip(("sample", "suspicious"),
                              answer["is_fraud"], answer["probabilities"]):
        print(f"{name:>10}: p(fraud) = {p[1]:.6f} -> "
              f"{'FRAUD' if fraud else 'legitimate'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
