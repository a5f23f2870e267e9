namespace Emolingua.Evaluation;

public static partial class Tsne
{
    /// <summary>
    /// Point-region quadtree over the 2-D embedding, rebuilt every iteration. Leaves hold one point, or several when
    /// they coincide (or the depth cap is hit), kept as a linked list and always evaluated exactly.
    /// </summary>
    private sealed class QuadTree
    {
        private const int MaxDepth = 48;
        private readonly double[] _y;
        private readonly int[] _next;
        private double[] _cx = new double[64],
            _cy = new double[64],
            _hw = new double[64],
            _sx = new double[64],
            _sy = new double[64];
        private int[] _count = new int[64],
            _child = new int[64],
            _head = new int[64];
        private int _nodes;

        public QuadTree(double[] y, int n)
        {
            _y = y;
            _next = new int[n];
            double minX = double.PositiveInfinity,
                maxX = double.NegativeInfinity,
                minY = double.PositiveInfinity,
                maxY = double.NegativeInfinity;
            for (var i = 0; i < n; i++)
            {
                minX = Math.Min(minX, y[2 * i]);
                maxX = Math.Max(maxX, y[2 * i]);
                minY = Math.Min(minY, y[2 * i + 1]);
                maxY = Math.Max(maxY, y[2 * i + 1]);
            }
            var hw = Math.Max(maxX - minX, maxY - minY) / 2 * (1 + 1e-5) + 1e-10;
            NewNode((minX + maxX) / 2, (minY + maxY) / 2, hw);
            for (var i = 0; i < n; i++)
                Insert(i);
        }

        private int NewNode(double cx, double cy, double hw)
        {
            if (_nodes == _cx.Length)
            {
                var size = _nodes * 2;
                Array.Resize(ref _cx, size);
                Array.Resize(ref _cy, size);
                Array.Resize(ref _hw, size);
                Array.Resize(ref _sx, size);
                Array.Resize(ref _sy, size);
                Array.Resize(ref _count, size);
                Array.Resize(ref _child, size);
                Array.Resize(ref _head, size);
            }
            var node = _nodes++;
            _cx[node] = cx;
            _cy[node] = cy;
            _hw[node] = hw;
            _sx[node] = 0;
            _sy[node] = 0;
            _count[node] = 0;
            _child[node] = -1;
            _head[node] = -1;
            return node;
        }

        private int Quadrant(int node, double x, double y) =>
            _child[node] + (x >= _cx[node] ? 1 : 0) + (y >= _cy[node] ? 2 : 0);

        private void Insert(int i)
        {
            double x = _y[2 * i],
                y = _y[2 * i + 1];
            var node = 0;
            for (var depth = 0; ; depth++)
            {
                _count[node]++;
                _sx[node] += x;
                _sy[node] += y;
                if (_child[node] >= 0)
                {
                    node = Quadrant(node, x, y);
                    continue;
                }
                var h = _head[node];
                if (h < 0)
                {
                    _head[node] = i;
                    _next[i] = -1;
                    return;
                }
                if (depth >= MaxDepth || (_y[2 * h] == x && _y[2 * h + 1] == y))
                {
                    _next[i] = h;
                    _head[node] = i;
                    return;
                }
                // Split: the resident list (one point, or coincident points) moves down to its quadrant.
                var q = _hw[node] / 2;
                var first = NewNode(_cx[node] - q, _cy[node] - q, q);
                NewNode(_cx[node] + q, _cy[node] - q, q);
                NewNode(_cx[node] - q, _cy[node] + q, q);
                NewNode(_cx[node] + q, _cy[node] + q, q);
                _child[node] = first;
                var c = Quadrant(node, _y[2 * h], _y[2 * h + 1]);
                _head[c] = h;
                _head[node] = -1;
                for (var p = h; p >= 0; p = _next[p])
                {
                    _count[c]++;
                    _sx[c] += _y[2 * p];
                    _sy[c] += _y[2 * p + 1];
                }
                node = Quadrant(node, x, y);
            }
        }

        /// <summary>Σ_j q_ij (returned) and Σ_j q_ij² (y_i − y_j) (out), j ≠ i, with far cells summarised.</summary>
        public double Repulsion(int i, double theta, out double fx, out double fy)
        {
            double xi = _y[2 * i],
                yi = _y[2 * i + 1],
                sumQ = 0,
                theta2 = theta * theta;
            fx = 0;
            fy = 0;
            Span<int> stack = stackalloc int[4 * MaxDepth + 8];
            var top = 0;
            stack[top++] = 0;
            while (top > 0)
            {
                var node = stack[--top];
                var count = _count[node];
                if (count == 0)
                    continue;
                if (_child[node] < 0)
                {
                    for (var p = _head[node]; p >= 0; p = _next[p])
                    {
                        if (p == i)
                            continue;
                        double dx = xi - _y[2 * p],
                            dy = yi - _y[2 * p + 1];
                        var q = 1 / (1 + dx * dx + dy * dy);
                        sumQ += q;
                        fx += q * q * dx;
                        fy += q * q * dy;
                    }
                    continue;
                }
                double cx = _sx[node] / count,
                    cy = _sy[node] / count;
                double ddx = xi - cx,
                    ddy = yi - cy,
                    d2 = ddx * ddx + ddy * ddy;
                var width = 2 * _hw[node];
                if (width * width < theta2 * d2)
                {
                    double q = 1 / (1 + d2),
                        m = count * q;
                    sumQ += m;
                    fx += m * q * ddx;
                    fy += m * q * ddy;
                }
                else
                {
                    var c = _child[node];
                    stack[top++] = c;
                    stack[top++] = c + 1;
                    stack[top++] = c + 2;
                    stack[top++] = c + 3;
                }
            }
            return sumQ;
        }
    }
}
