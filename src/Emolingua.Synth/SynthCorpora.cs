using System.Globalization;
using System.Text;
using Emolingua.Corpora;
using Emolingua.Util;

namespace Emolingua.Synth;

/// <summary>Result of <see cref="SynthCorpora.Generate"/>: clips written per corpus folder, and the time it
/// took.</summary>
public sealed record SynthSummary(string OutDir, IReadOnlyDictionary<string, int> Clips, TimeSpan Elapsed);

/// <summary>
/// Writes small stand-in corpora in the released layouts (emodb/, urdu/, subesco/, ravdess/, iemocap/,
/// commonvoice/cv/{de,ur,bn}/) spoken by espeak-ng with emotion-dependent prosody, per-speaker voices, jitter and
/// noise. Everything random comes from SplitMix64 seeded by --seed, and the plan is made before any audio is
/// rendered, so a seed fixes the file list, the labels and (with the same espeak-ng/sox) the audio bytes.
/// </summary>
public static partial class SynthCorpora
{
    public const string ReadmeMarker = "Emolingua synthetic stand-in corpora";
    private static readonly string[] OwnFolders = ["emodb", "urdu", "subesco", "ravdess", "iemocap", "commonvoice"];

    private sealed record Speaker(
        string Id,
        Gender Gender,
        string Variant,
        int Pitch,
        int Rate,
        int Amp,
        double GainDb,
        double SnrDb
    );

    private sealed class Plan(string outDir, double scale)
    {
        public string OutDir { get; } = outDir;
        public double Scale { get; } = scale;
        public List<SynthJob> Jobs { get; } = [];
        public List<Action> After { get; } = []; // metadata writers that need the rendered durations
        public Dictionary<string, int> Clips { get; } = new(StringComparer.Ordinal);

        /// <summary>A count scaled by --scale, at least <paramref name="min"/>.</summary>
        public int N(int baseCount, int min, int max = int.MaxValue) =>
            Math.Clamp((int)Math.Round(baseCount * Scale, MidpointRounding.AwayFromZero), min, Math.Max(min, max));

        public string P(params string[] parts) => Path.Combine([OutDir, .. parts]);

        public SynthJob Add(string corpus, SynthJob job)
        {
            Jobs.Add(job);
            Clips[corpus] = Clips.GetValueOrDefault(corpus) + 1;
            return job;
        }
    }

    public static SynthSummary Generate(
        string outDir,
        double scale = 1,
        int seed = 0,
        Action<int, int>? progress = null,
        int parallelism = 2
    )
    {
        if (!(scale > 0) || scale > 100)
            throw new EmolinguaException(outDir, $"--scale must be in (0, 100], got {scale}");
        SynthRenderer.CheckTools();
        outDir = Path.GetFullPath(outDir);
        PrepareOutDir(outDir);
        var started = DateTime.UtcNow;
        var plan = BuildPlan(outDir, scale, seed);

        var done = 0;
        progress?.Invoke(0, plan.Jobs.Count);
        var tmp = Path.Combine(outDir, ".synth-tmp");
        Directory.CreateDirectory(tmp);
        var raws = plan.Jobs.Select((j, i) => j.Mp3 ? Path.Combine(tmp, i + ".f32") : null).ToArray();
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) };
        Parallel.For(0, plan.Jobs.Count, options, i =>
        {
            SynthRenderer.Render(plan.Jobs[i], raws[i]);
            progress?.Invoke(Interlocked.Increment(ref done), plan.Jobs.Count);
        });
        // MP3: one ffmpeg per 50 clips (its start-up cost dominates single small files).
        var mp3 = plan
            .Jobs.Select((j, i) => (j, i))
            .Where(t => t.j.Mp3)
            .Select(t => (raws[t.i]!, t.j.OutPath, t.j.SampleRate))
            .Chunk(50)
            .ToList();
        Parallel.ForEach(mp3, options, batch => SynthRenderer.EncodeMp3(batch));
        Directory.Delete(tmp, recursive: true);
        foreach (var after in plan.After)
            after();
        AtomicFile.WriteAllText(Path.Combine(outDir, "README.txt"), Readme(scale, seed, plan.Clips));
        return new SynthSummary(outDir, plan.Clips, DateTime.UtcNow - started);
    }

    /// <summary>The clips a run would write (paths, voices, prosody), without rendering: for determinism
    /// checks.</summary>
    internal static IReadOnlyList<SynthJob> PlanJobs(string outDir, double scale, int seed) =>
        BuildPlan(Path.GetFullPath(outDir), scale, seed).Jobs;

    private static Plan BuildPlan(string outDir, double scale, int seed)
    {
        var plan = new Plan(outDir, scale);
        PlanEmoDb(plan, Rng(seed, 1));
        PlanRavdess(plan, Rng(seed, 2));
        PlanUrdu(plan, Rng(seed, 3));
        PlanSubesco(plan, Rng(seed, 4));
        PlanIemocap(plan, Rng(seed, 5));
        string[] locales = ["de", "ur", "bn"];
        for (var i = 0; i < locales.Length; i++)
            PlanCommonVoice(plan, Rng(seed, 6 + i), locales[i]);
        return plan;
    }

    private static Folds.SplitMix64 Rng(int seed, int stream) =>
        new((ulong)(uint)seed * 0x100000001B3UL + (ulong)stream * 0x9E3779B97F4A7C15UL);

    // Regenerating into an earlier synth output replaces it (so the file list matches the seed); anything else must be
    // empty.
    private static void PrepareOutDir(string outDir)
    {
        var readme = Path.Combine(outDir, "README.txt");
        if (Directory.Exists(outDir))
        {
            var ours =
                File.Exists(readme) && File.ReadAllText(readme).StartsWith(ReadmeMarker, StringComparison.Ordinal);
            if (!ours && Directory.EnumerateFileSystemEntries(outDir).Any())
            {
                throw new EmolinguaException(
                    outDir,
                    "exists and is not empty (and not an earlier synth output); choose a new folder"
                );
            }

            foreach (var f in OwnFolders.Append(".synth-tmp"))
            {
                if (Directory.Exists(Path.Combine(outDir, f)))
                    Directory.Delete(Path.Combine(outDir, f), recursive: true);
            }
        }
        // Marker first, so that a run that fails half-way can simply be repeated into the same folder.
        AtomicFile.WriteAllText(readme, ReadmeMarker + " (incomplete: generation did not finish)\n");
    }

    private static int Pick(Folds.SplitMix64 rng, int n) => (int)(rng.Next() % (ulong)n);

    private static double Uniform(Folds.SplitMix64 rng, double lo, double hi) => lo + (hi - lo) * rng.NextDouble();

    private static Speaker MakeSpeaker(Folds.SplitMix64 rng, string id, Gender gender)
    {
        var voiceGender = gender == Gender.Unknown ? (Pick(rng, 2) == 0 ? Gender.Female : Gender.Male) : gender;
        var variant = voiceGender == Gender.Female ? "f" + (1 + Pick(rng, 5)) : "m" + (1 + Pick(rng, 7));
        var pitch = voiceGender == Gender.Female ? 54 + Pick(rng, 18) : 28 + Pick(rng, 18);
        return new Speaker(
            id,
            gender,
            variant,
            pitch,
            150 + Pick(rng, 36),
            78 + Pick(rng, 16),
            -Uniform(rng, 0, 5),
            Uniform(rng, 16, 32)
        );
    }

    /// <summary>One clip: speaker voice + emotion prosody + random jitter (so classes overlap a little).</summary>
    private static SynthJob Job(
        Folds.SplitMix64 rng,
        Speaker s,
        string language,
        string emotion,
        string text,
        string path,
        int sampleRate,
        bool mp3 = false,
        double intensity = 1.0
    )
    {
        var (dp, fr, da, range) = SynthTexts.Prosody(emotion);
        var rangeIndex = Array.IndexOf(SynthTexts.Ranges, range);
        if (rng.NextDouble() < 0.25)
            rangeIndex = Math.Clamp(rangeIndex + (Pick(rng, 2) == 0 ? -1 : 1), 0, 4);
        return new SynthJob
        {
            OutPath = path,
            Voice = $"{language}+{s.Variant}",
            Text = text,
            Pitch = Math.Clamp(s.Pitch + (int)Math.Round(dp * intensity) + Pick(rng, 13) - 6, 0, 99),
            Rate = Math.Clamp((int)Math.Round(s.Rate * (1 + (fr - 1) * intensity) * Uniform(rng, 0.92, 1.08)), 80, 450),
            Amplitude = Math.Clamp(s.Amp + (int)Math.Round(da * intensity) + Pick(rng, 17) - 8, 10, 120),
            Range = SynthTexts.Ranges[rangeIndex],
            SampleRate = sampleRate,
            Mp3 = mp3,
            Lead = Uniform(rng, 0.08, 0.35),
            Trail = Uniform(rng, 0.08, 0.35),
            GainDb = Math.Min(0, s.GainDb + Uniform(rng, -1.5, 1.5)),
            SnrDb = s.SnrDb + Uniform(rng, -4, 4),
            NoiseSeed = rng.Next(),
        };
    }

    private static string Readme(double scale, int seed, IReadOnlyDictionary<string, int> clips) =>
        $"""
            {ReadmeMarker} (emolingua synth --scale {scale.ToString(CultureInfo.InvariantCulture)} --seed {seed}).

            NOT real data. Small corpora spoken by espeak-ng in the folder layouts and audio formats of the real
            releases, so that every Emolingua step can run end to end without the licensed corpora:

              emodb/                 EMO-DB-like, German, wav/SSTTTEV.wav, 16 kHz PCM16          ({clips.GetValueOrDefault(
                "emodb"
            )} clips)
              ravdess/               RAVDESS-like, English, Actor_NN/03-01-EE-II-SS-RR-AA.wav, 48 kHz ({clips.GetValueOrDefault(
                "ravdess"
            )} clips)
              urdu/                  URDU-like, Urdu, Angry|Happy|Neutral|Sad/SMn_Fk_Xidx.wav, 44.1 kHz ({clips.GetValueOrDefault(
                "urdu"
            )} clips)
              subesco/               SUBESCO-like, Bangla, flat G_NN_NAME_S_n_EMOTION_t.wav, 44.1/48 kHz ({clips.GetValueOrDefault(
                "subesco"
            )} clips)
              iemocap/               IEMOCAP-like, English, Session1..5 with EmoEvaluation files, 16 kHz ({clips.GetValueOrDefault(
                "iemocap"
            )} clips)
              commonvoice/cv/de|ur|bn/  Common Voice-like, unlabeled, clips/*.mp3 48 kHz, v17 TSVs ({clips.GetValueOrDefault(
                "commonvoice"
            )} clips)

            Emotions change espeak-ng's pitch (-p), rate (-s), level (-a) and SSML pitch range; each speaker has its own
            voice variant (+f1..+f5, +m1..+m7), pitch, rate, level and noise; every clip adds random jitter, silence
            padding and background noise. Labels also include classes the 4-class task drops (calm, fear, boredom ...).
            The same seed gives the same files and labels. Read them with: ./emolingua corpus KIND DIR
            """
        + "\n";
}
