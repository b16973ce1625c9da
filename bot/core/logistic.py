"""Logistic models: the dot product the bot runs, and the small fit that makes the weights."""

from __future__ import annotations

import math
from collections.abc import Sequence

# A small ridge keeps Newton's method converging on separable data.
_RIDGE = 0.01
_STEPS = 50


def probability(weights: Sequence[float], values: Sequence[float]) -> float:
    """The logistic model: a dot product through the sigmoid."""
    z = sum(w * v for w, v in zip(weights, values, strict=True))
    return 1 / (1 + math.exp(-max(min(z, 40.0), -40.0)))


def fit(
    rows: Sequence[Sequence[float]], labels: Sequence[bool], counts: Sequence[float]
) -> tuple[float, ...]:
    """Weighted logistic regression by Newton's method (pure Python: a few thousand rows of
    a few dozen features fit in seconds, with no numeric library to install)."""
    n = len(rows[0])
    weights = [0.0] * n
    for _ in range(_STEPS):
        gradient = [0.0] * n
        hessian = [[_RIDGE if i == j else 0.0 for j in range(n)] for i in range(n)]
        for x, y, count in zip(rows, labels, counts, strict=True):
            p = probability(weights, x)
            g, h = count * (p - float(y)), count * p * (1 - p)
            for i in range(n):
                if x[i]:
                    gradient[i] += g * x[i]
                    hx = h * x[i]
                    row = hessian[i]
                    for j in range(n):
                        if x[j]:
                            row[j] += hx * x[j]
        for i in range(n):
            gradient[i] += _RIDGE * weights[i]
        step = _solve(hessian, gradient)
        weights = [w - s for w, s in zip(weights, step, strict=True)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return tuple(round(w, 6) for w in weights)


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Solve a small linear system by Gaussian elimination with partial pivoting."""
    n = len(vector)
    rows = [[*matrix[i], vector[i]] for i in range(n)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(col + 1, n):
            factor = rows[r][col] / rows[col][col]
            for c in range(col, n + 1):
                rows[r][c] -= factor * rows[col][c]
    solution = [0.0] * n
    for r in range(n - 1, -1, -1):
        known = sum(rows[r][c] * solution[c] for c in range(r + 1, n))
        solution[r] = (rows[r][n] - known) / rows[r][r]
    return solution
