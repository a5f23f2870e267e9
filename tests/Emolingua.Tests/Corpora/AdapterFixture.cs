using Emolingua.Corpora;
using Emolingua.Util;

namespace Emolingua.Tests.Corpora;

/// <summary>Reads a corpus through its adapter, as the adapter tests compare it with hand-written
/// expectations.</summary>
internal static class AdapterFixture
{
    public static (List<Utterance> Kept, SkipCounter Skips) Read(string kind, string root)
    {
        var skips = new SkipCounter();
        var kept = Corpus.Open(kind, root).Enumerate(skips).ToList();
        return (kept, skips);
    }

    public static Dictionary<string, int> SkipMap(SkipCounter s) => s.Counts.ToDictionary(kv => kv.Key, kv => kv.Value);
}
