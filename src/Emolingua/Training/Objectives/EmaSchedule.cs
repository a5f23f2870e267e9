namespace Emolingua.Training.Objectives;

/// <summary>The EMA momentum τ as a function of the optimisation step.</summary>
public abstract class EmaSchedule
{
    /// <summary>τ for 0-based optimisation step <paramref name="step"/>.</summary>
    public abstract double Tau(long step);

    /// <summary>Constant τ (BYOL-A and lucidrains: 0.99). The default.</summary>
    public static EmaSchedule Constant(double tau = 0.99) => new ConstantSchedule(tau);

    /// <summary>BYOL paper: τ_k = 1 − (1 − τ_base)·(cos(πk/K) + 1)/2, k clamped to K; rises from τ_base to 1.</summary>
    public static EmaSchedule Cosine(double tauBase, long totalSteps) => new CosineSchedule(tauBase, totalSteps);

    private sealed class ConstantSchedule : EmaSchedule
    {
        private readonly double _tau;

        public ConstantSchedule(double tau)
        {
            if (!(tau >= 0 && tau <= 1))
                throw new ArgumentOutOfRangeException(nameof(tau), tau, "τ must be in [0, 1].");
            _tau = tau;
        }

        public override double Tau(long step) => _tau;

        public override string ToString() => FormattableString.Invariant($"EmaSchedule.Constant(tau={_tau})");
    }

    private sealed class CosineSchedule : EmaSchedule
    {
        private readonly double _tauBase;
        private readonly long _totalSteps;

        public CosineSchedule(double tauBase, long totalSteps)
        {
            if (!(tauBase >= 0 && tauBase <= 1))
                throw new ArgumentOutOfRangeException(nameof(tauBase), tauBase, "τ_base must be in [0, 1].");
            if (totalSteps <= 0)
                throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "Must be > 0.");
            (_tauBase, _totalSteps) = (tauBase, totalSteps);
        }

        public override double Tau(long step)
        {
            double k = Math.Clamp(step, 0, _totalSteps);
            return 1 - (1 - _tauBase) * (Math.Cos(Math.PI * k / _totalSteps) + 1) / 2;
        }

        public override string ToString() =>
            FormattableString.Invariant($"EmaSchedule.Cosine(tauBase={_tauBase}, totalSteps={_totalSteps})");
    }
}
