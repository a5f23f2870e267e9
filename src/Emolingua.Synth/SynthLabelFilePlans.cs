using System.Globalization;
using System.Text;
using Emolingua.Corpora;
using Emolingua.Util;

namespace Emolingua.Synth;

/// <summary>The planners of the corpora labelled by label files (IEMOCAP, Common Voice).</summary>
public static partial class SynthCorpora
{
    private static void PlanIemocap(Plan plan, Folds.SplitMix64 rng)
    {
        string[] pattern =
        [
            "neu",
            "hap",
            "ang",
            "sad",
            "exc",
            "neu",
            "fru",
            "sad",
            "ang",
            "hap",
            "xxx",
            "neu",
            "exc",
            "sad",
            "ang",
            "sur",
            "neu",
            "hap",
            "sad",
            "ang",
        ];
        string[] randomEmotions = ["angry", "happy", "neutral", "sad", "frustrated"];
        var perSpeaker = plan.N(20, 3);
        for (var s = 1; s <= 5; s++)
        {
            var female = MakeSpeaker(rng, $"Ses0{s}F", Gender.Female);
            var male = MakeSpeaker(rng, $"Ses0{s}M", Gender.Male);
            string[] dialogs = [$"Ses0{s}F_impro0{s}", $"Ses0{s}M_script0{s}_1"];
            var turns = new List<(string Dialog, string Id, string Code, SynthJob Job)>[2] { [], [] };
            for (var i = 0; i < perSpeaker; i++)
            {
                int d = i < (perSpeaker + 1) / 2 ? 0 : 1,
                    idx = d == 0 ? i : i - (perSpeaker + 1) / 2;
                foreach (var sp in new[] { female, male })
                {
                    var g = sp.Gender == Gender.Female ? 'F' : 'M';
                    var code = pattern[(i + (g == 'M' ? 7 : 0) + s) % pattern.Length];
                    var id = $"{dialogs[d]}_{g}{idx:D3}";
                    var emotion = code switch
                    {
                        "neu" => "neutral",
                        "hap" or "exc" => "happy",
                        "ang" => "angry",
                        "sad" => "sad",
                        "fru" => "frustrated",
                        "sur" => "surprise",
                        _ => randomEmotions[Pick(rng, randomEmotions.Length)],
                    };
                    var text = SynthTexts.English[Pick(rng, SynthTexts.English.Length)];
                    var job = plan.Add(
                        "iemocap",
                        Job(
                            rng,
                            sp,
                            "en-us",
                            emotion,
                            text,
                            plan.P("iemocap", $"Session{s}", "sentences", "wav", dialogs[d], id + ".wav"),
                            16000,
                            intensity: code == "exc" ? 1.3 : 1.0
                        )
                    );
                    turns[d].Add((dialogs[d], id, code, job));
                }
            }
            var gaps = Enumerable
                .Range(0, turns[0].Count + turns[1].Count + 2)
                .Select(_ => Uniform(rng, 0.3, 1.5))
                .ToArray();
            var session = s;
            plan.After.Add(() => WriteIemocapLabels(plan, session, turns, gaps));
        }
    }

    private static void WriteIemocapLabels(
        Plan plan,
        int session,
        List<(string Dialog, string Id, string Code, SynthJob Job)>[] turns,
        double[] gaps
    )
    {
        var eval = plan.P("iemocap", $"Session{session}", "dialog", "EmoEvaluation");
        var inv = CultureInfo.InvariantCulture;
        var g = 0;
        foreach (var dialogTurns in turns)
        {
            if (dialogTurns.Count == 0)
                continue;
            var dialog = dialogTurns[0].Dialog;
            var summary = new StringBuilder("% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n");
            var cat = new StringBuilder();
            var atr = new StringBuilder();
            var self = new StringBuilder();
            var transcript = new StringBuilder();
            var t = gaps[g++] + 1.0;
            foreach (var (_, id, code, job) in dialogTurns)
            {
                double start = Math.Round(t, 4),
                    end = Math.Round(t + job.Duration, 4);
                t = end + gaps[g++ % gaps.Length];
                var word = code switch
                {
                    "neu" => "Neutral",
                    "hap" => "Happiness",
                    "exc" => "Excited",
                    "ang" => "Anger",
                    "sad" => "Sadness",
                    "fru" => "Frustration",
                    "sur" => "Surprise",
                    _ => "Other",
                };
                var vad = code switch
                {
                    "ang" => "[2.0000, 4.0000, 4.0000]",
                    "sad" => "[2.0000, 2.0000, 2.5000]",
                    "hap" or "exc" => "[4.0000, 3.5000, 3.0000]",
                    _ => "[3.0000, 2.5000, 3.0000]",
                };
                var times = $"[{start.ToString("0.0000", inv)} - {end.ToString("0.0000", inv)}]";
                summary.Append($"{times}\t{id}\t{code}\t{vad}\n");
                summary.Append($"C-E2:\t{word};\t()\nC-E3:\t{word};\t()\nC-F1:\t{word};\t()\n");
                summary.Append("A-E3:\tval 3; act 2; dom  2;\t()\nA-F1:\tval 3; act 3; dom  3;\t()\n\n");
                cat.Append($"{id} :{word}; ()\n");
                atr.Append($"{id} :act 2; val 3; dom 2; ()\n");
                // Self-evaluation files also start with bracketed times: an adapter reading sub-folders would double
                // count.
                self.Append($"{times}\t{id}\tneu\t[3.0000, 3.0000, 3.0000]\n");
                transcript.Append(
                    $"{id} [{start.ToString("000.0000", inv)}-{end.ToString("000.0000", inv)}]: {job.Text}\n"
                );
            }
            AtomicFile.WriteAllText(Path.Combine(eval, dialog + ".txt"), summary.ToString());
            AtomicFile.WriteAllText(Path.Combine(eval, "Categorical", dialog + "_e2_cat.txt"), cat.ToString());
            AtomicFile.WriteAllText(Path.Combine(eval, "Attribute", dialog + "_e3_atr.txt"), atr.ToString());
            AtomicFile.WriteAllText(Path.Combine(eval, "Self-evaluation", dialog + ".txt"), self.ToString());
            AtomicFile.WriteAllText(
                plan.P("iemocap", $"Session{session}", "dialog", "transcriptions", dialog + ".txt"),
                transcript.ToString()
            );
        }
    }

    public const string CommonVoiceHeader =
        "client_id\tpath\tsentence_id\tsentence\tsentence_domain\tup_votes\tdown_votes\tage\tgender\taccents\tvariant\tlocale\tsegment";

    private static void PlanCommonVoice(Plan plan, Folds.SplitMix64 rng, string locale)
    {
        var texts = locale switch
        {
            "de" => SynthTexts.German,
            "ur" => SynthTexts.Urdu,
            _ => SynthTexts.Bangla,
        };
        string[] ages = ["", "teens", "twenties", "thirties", "fourties", "fifties", "sixties"];
        string[] emotions = ["neutral", "neutral", "neutral", "happy", "sad", "calm"];
        var nSpeakers = plan.N(40, 5);
        int nTest = Math.Max(1, (int)Math.Round(0.15 * nSpeakers)),
            nDev = Math.Max(1, (int)Math.Round(0.15 * nSpeakers));
        var rows = new List<(string Split, string Row, string Clip, SynthJob Job)>();
        long clipNumber = 19000000 + 100000 * (locale[0] - 'a');
        for (var si = 0; si < nSpeakers; si++)
        {
            var clientId = string.Concat(
                Enumerable.Range(0, 4).Select(_ => rng.Next().ToString("x16", CultureInfo.InvariantCulture))
            );
            var gi = Pick(rng, 20);
            // Newer releases' spellings; some speakers leave it empty or decline.
            var gender =
                gi < 9 ? "male_masculine"
                : gi < 16 ? "female_feminine"
                : gi < 19 ? ""
                : "do_not_wish_to_say";
            var sp = MakeSpeaker(rng, clientId, Genders.Parse(gender));
            var age = ages[Pick(rng, ages.Length)];
            var split =
                si < nSpeakers - nDev - nTest ? "train"
                : si < nSpeakers - nTest ? "dev"
                : "test";
            var clips = 1 + Pick(rng, plan.N(9, 1, 9)); // 1..9 (mean 5) at scale 1; one each at tiny scales
            for (var c = 0; c < clips; c++)
            {
                clipNumber += 1 + Pick(rng, 50);
                var clip = $"common_voice_{locale}_{clipNumber}.mp3";
                var ti = Pick(rng, texts.Length);
                var sentenceId = string.Concat(
                    Enumerable.Range(0, 4).Select(_ => rng.Next().ToString("x16", CultureInfo.InvariantCulture))
                );
                var job = plan.Add(
                    "commonvoice",
                    Job(
                        rng,
                        sp,
                        locale,
                        emotions[Pick(rng, emotions.Length)],
                        texts[ti],
                        plan.P("commonvoice", "cv", locale, "clips", clip),
                        48000,
                        mp3: true,
                        intensity: 0.5
                    )
                );
                var row = string.Join(
                    '\t',
                    clientId,
                    clip,
                    sentenceId,
                    texts[ti],
                    "",
                    "2",
                    "0",
                    age,
                    gender,
                    "",
                    "",
                    locale,
                    ""
                );
                rows.Add((split, row, clip, job));
            }
        }
        plan.After.Add(() =>
        {
            var dir = plan.P("commonvoice", "cv", locale);
            string Tsv(IEnumerable<string> lines) =>
                CommonVoiceHeader + "\n" + string.Concat(lines.Select(l => l + "\n"));
            foreach (var split in Corpora.Adapters.CommonVoiceCorpus.Splits)
            {
                AtomicFile.WriteAllText(
                    Path.Combine(dir, split + ".tsv"),
                    Tsv(rows.Where(r => r.Split == split).Select(r => r.Row))
                );
            }

            AtomicFile.WriteAllText(Path.Combine(dir, "validated.tsv"), Tsv(rows.Select(r => r.Row)));
            foreach (var empty in new[] { "invalidated.tsv", "other.tsv" })
                AtomicFile.WriteAllText(Path.Combine(dir, empty), Tsv([]));
            AtomicFile.WriteAllText(
                Path.Combine(dir, "clip_durations.tsv"),
                "clip\tduration[ms]\n"
                    + string.Concat(
                        rows.Select(r =>
                            $"{r.Clip}\t{Math.Round(r.Job.Duration * 1000).ToString(CultureInfo.InvariantCulture)}\n"
                        )
                    )
            );
        });
    }
}
