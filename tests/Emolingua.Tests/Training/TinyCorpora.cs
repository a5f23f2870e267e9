using System.Globalization;
using System.Text;
using Emolingua.Training;

namespace Emolingua.Tests.Training;

/// <summary>
/// Small generated corpora written as manifests: an English labelled set with five sessions, where each emotion has
/// its own pitch, level and vibrato (learnable in a few steps), and an unlabeled "low-resource" set of 12 speakers
/// with speaker-specific pitch and timbre. 16 kHz PCM16, 1.2 s clips.
/// </summary>
public static class TinyCorpora
{
    private static readonly (double F0, double Level, double Vibrato)[] EmotionVoice =
    {
        (320, 0.5, 0),
        (260, 0.3, 25),
        (160, 0.2, 0),
        (110, 0.08, 0),
    }; // angry, happy, neutral, sad

    public static string Write(string folder)
    {
        Directory.CreateDirectory(Path.Combine(folder, "en"));
        Directory.CreateDirectory(Path.Combine(folder, "lr"));
        var en = new StringBuilder("path,label,speaker,gender,session,language\n");
        string[] labels = { "angry", "happy", "neutral", "sad" };
        var n = 0;
        for (var session = 1; session <= 5; session++)
        {
            for (var spk = 0; spk < 2; spk++)
            {
                for (var e = 0; e < 4; e++)
                {
                    for (var k = 0; k < 2; k++)
                    {
                        var name = $"en/s{session}_{spk}_{labels[e]}_{k}.wav";
                        var v = EmotionVoice[e];
                        TestWav.WritePcm16Mono(
                            Path.Combine(folder, name),
                            Tone(v.F0 * (1 + 0.05 * spk), v.Level, v.Vibrato, 1.2, seed: n++, harmonics: 6),
                            16000
                        );
                        en.Append(
                            CultureInfo.InvariantCulture,
                            $"{name},{labels[e]},S{session}{(spk == 0 ? "F" : "M")},{(spk == 0 ? "female" : "male")},Session{session},en\n"
                        );
                    }
                }
            }
        }

        File.WriteAllText(Path.Combine(folder, "english.csv"), en.ToString());

        var lr = new StringBuilder("path,label,speaker,gender,session,language\n");
        for (var spk = 0; spk < 12; spk++)
        {
            for (var k = 0; k < 5; k++)
            {
                var name = $"lr/spk{spk:00}_{k}.wav";
                TestWav.WritePcm16Mono(
                    Path.Combine(folder, name),
                    Tone(100 + 25 * spk, 0.25, 0, 1.2, seed: 1000 + spk * 10 + k, harmonics: 2 + spk % 6),
                    16000
                );
                lr.Append(
                    CultureInfo.InvariantCulture,
                    $"{name},,L{spk:00},{(spk % 2 == 0 ? "female" : "male")},,xx\n"
                );
            }
        }

        File.WriteAllText(Path.Combine(folder, "unlabeled.csv"), lr.ToString());
        return folder;
    }

    /// <summary>
    /// Labelled clips that no training run has seen: the English emotions' voices spoken by other "speakers" (pitch
    /// factors between and beyond the training speakers') with new noise seeds. Label indices follow angry, happy,
    /// neutral, sad.
    /// </summary>
    public static List<(float[] Samples, int Label)> HeldOut(int perEmotion, int seed = 5000)
    {
        var clips = new List<(float[], int)>();
        for (var e = 0; e < EmotionVoice.Length; e++)
        {
            for (var k = 0; k < perEmotion; k++)
            {
                var v = EmotionVoice[e];
                var pitch = 0.85 + 0.35 * k / Math.Max(1, perEmotion - 1);
                clips.Add((Tone(v.F0 * pitch, v.Level, v.Vibrato, 1.2, seed: seed + 100 * e + k, harmonics: 6), e));
            }
        }

        return clips;
    }

    private static float[] Tone(double f0, double level, double vibrato, double seconds, int seed, int harmonics)
    {
        var rng = new Random(seed);
        var n = (int)(seconds * 16000);
        var x = new float[n];
        var phase = rng.NextDouble() * 6.28;
        for (var i = 0; i < n; i++)
        {
            var t = i / 16000.0;
            phase += 2 * Math.PI * (f0 + vibrato * Math.Sin(2 * Math.PI * 6 * t)) / 16000;
            double v = 0;
            for (var h = 1; h <= harmonics; h++)
                v += Math.Sin(h * phase) / h;
            x[i] = (float)(level * v * 0.5 + 0.005 * (rng.NextDouble() * 2 - 1));
        }
        return x;
    }

    /// <summary>A recipe for the tiny corpora: 1-s windows, a 64-wide one-layer encoder, short epochs.</summary>
    public static Recipe Recipe(string method, params string[] overrides) =>
        Emolingua.Training.Recipe.FromJson(
            System.Text.Json.Nodes.JsonNode.Parse(RecipeJson(method))!,
            "test recipe",
            overrides.Select(Emolingua.Training.RecipeOverride.Parse)
        );

    /// <summary>The recipe text (for experiment recipes that name recipe files).</summary>
    public static string RecipeJson(string method)
    {
        return $$"""
            {
              "name": "test-{{method}}", "method": "{{method}}", "seed": 3,
              "model": { "dims": { "d_model": 64, "encoder_layers": 1, "encoder_attention_heads": 4, "encoder_ffn_dim": 128 },
                         "seconds": 1, "head_hidden": 32, "dropout": 0.1 },
              "data": { "english": [ { "kind": "manifest", "root": "english.csv" } ],
                        "target": [ { "kind": "manifest", "root": "unlabeled.csv" } ],
                        "unlabeled": "target", "fold": 1 },
              "training": { "batch_size": 8, "learning_rate": 0.002, "steps_per_epoch": 4, "max_epochs": 3, "patience": 5,
                            "log_every": 1, "prefetch": 2, "eval_batch": 16 },
              "contrastive": { "speakers": 4, "utterances_per_speaker": 3, "temperature": 0.2,
                               "stage1_max_epochs": 2, "stage1_patience": 5, "stage1_learning_rate": 0.002 },
              "byol": { "projector_hidden": 64, "projection_dim": 32, "unlabeled_batch": 8, "mixup_memory": 32 }
            }
            """;
    }
}
