# Reference values for LogisticRegressionTests (run with Debian's /usr/bin/python3, scikit-learn 1.2.1, scipy 1.10).
# Not run by the tests. The data are a formula both sides evaluate: 30 samples, 3 features, 4 imbalanced classes.
# scikit-learn's lbfgs stops on a relative objective change of 64·eps, leaving a gradient of about 2e-4 at its answer;
# scipy's BFGS on the same objective (written out below, its gradient checked) gives the optimum to 1e-9.
import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression

i = np.arange(30)
y = (i * 7 % 13) % 4
X = np.stack([np.sin(1.1 * i) + 0.5 * y, np.cos(0.7 * i) - 0.3 * y, (i * 37 % 11) / 5.0 - 1.0], axis=1)
Y = np.eye(4)[y]
for C, cw in [(1.0, "balanced"), (0.1, None)]:
    s = np.ones(30) if cw is None else (30 / (4 * np.bincount(y)))[y]

    def objective(t):
        W, b = t[:12].reshape(4, 3), t[12:]
        Z = X @ W.T + b
        Z -= Z.max(1, keepdims=True)
        L = Z - np.log(np.exp(Z).sum(1, keepdims=True))
        G = s[:, None] * (np.exp(L) - Y)
        value = -(s * (Y * L).sum(1)).sum() + 0.5 / C * (W ** 2).sum()
        return value, np.concatenate([(G.T @ X + W / C).ravel(), G.sum(0)])

    m = LogisticRegression(C=C, class_weight=cw, tol=1e-12, max_iter=100000).fit(X, y)
    print(f"C={C} class_weight={cw} counts={np.bincount(y).tolist()}")
    print("sklearn coef", [[f"{v:.10f}" for v in row] for row in m.coef_])
    print("sklearn intercept", [f"{v:.10f}" for v in m.intercept_])
    print("sklearn gradient max", np.abs(objective(np.concatenate([m.coef_.ravel(), m.intercept_]))[1]).max())
    r = minimize(objective, np.zeros(16), jac=True, method="BFGS", options={"gtol": 1e-13, "maxiter": 10000})
    print("optimum coef", [[f"{v:.10f}" for v in row] for row in r.x[:12].reshape(4, 3)])
    print("optimum intercept (centred)", [f"{v:.10f}" for v in r.x[12:] - r.x[12:].mean()])
    print("optimum gradient max", np.abs(r.jac).max())
