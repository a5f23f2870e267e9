namespace Emolingua.Evaluation;

public enum TsneMethod
{
    /// <summary>Exact for N ≤ <see cref="TsneOptions.ExactMaxSamples"/> (and for dims ≠ 2), Barnes-Hut above.</summary>
    Auto,
    Exact,
    BarnesHut,
}

public enum TsneInit
{
    Random,
    Pca,
}

public sealed record TsneOptions
{
    public int Dimensions { get; init; } = 2;
    public double Perplexity { get; init; } = 30;
    public int Iterations { get; init; } = 1000;
    public int Seed { get; init; }

    /// <summary>null = sklearn "auto": max(N / early_exaggeration / 4, 50).</summary>
    public double? LearningRate { get; init; }
    public double EarlyExaggeration { get; init; } = 12;
    public int ExaggerationIterations { get; init; } = 250;
    public double InitialMomentum { get; init; } = 0.5;
    public double FinalMomentum { get; init; } = 0.8;
    public TsneMethod Method { get; init; } = TsneMethod.Auto;
    public int ExactMaxSamples { get; init; } = 2000;

    /// <summary>Barnes-Hut accuracy: a cell is summarised when its width / distance &lt; theta.</summary>
    public double Theta { get; init; } = 0.5;
    public TsneInit Init { get; init; } = TsneInit.Random;

    /// <summary>Threads for the per-point gradient loops. Results are identical for any value: per-point terms
    /// go to arrays and every reduction runs sequentially in index order.</summary>
    public int Threads { get; init; } = 1;
}
