using Emolingua.Util;

namespace Emolingua.Tests.Util;

public class FiniteTests
{
    /// <summary>Every position of arrays longer and shorter than a vector block, against a plain float.IsFinite
    /// scan.</summary>
    [Fact]
    public void FindsTheFirstNonFiniteValueAnywhere()
    {
        foreach (var length in new[] { 0, 1, 3, 7, 8, 9, 16, 31, 33, 100 })
        {
            Assert.Equal(-1, Finite.FirstNonFinite(Enumerable.Range(0, length).Select(i => i * 1e30f).ToArray()));
            foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                for (var at = 0; at < length; at++)
                {
                    var values = Enumerable.Range(0, length).Select(i => (float)Math.Sin(i)).ToArray();
                    values[at] = bad;
                    if (at + 2 < length)
                        values[at + 2] = float.NaN; // a later one must not win
                    Assert.Equal(at, Finite.FirstNonFinite(values));
                }
            }
        }
    }

    [Fact]
    public void RequireNamesTheSourceIndexAndKind()
    {
        var e = Assert.Throws<EmolinguaException>(() =>
            Finite.Require([0.5f, float.NegativeInfinity], "clip.wav", "sample", "hint")
        );
        Assert.Equal("clip.wav: sample 1 is -infinity; hint", e.Message);
        Finite.Require([float.MaxValue, -float.MaxValue, 0], "ok.wav", "sample");
    }
}
