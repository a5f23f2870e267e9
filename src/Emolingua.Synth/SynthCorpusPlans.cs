using System.Globalization;
using System.Text;
using Emolingua.Corpora;
using Emolingua.Util;

namespace Emolingua.Synth;

// The stand-in of each corpus, in its released layout: speakers, sentences, labels and file names.
public static partial class SynthCorpora
{
    private static void PlanEmoDb(Plan plan, Folds.SplitMix64 rng)
    {
        // Real speaker codes and genders, interleaved so that small scales keep both genders.
        (string Id, Gender G)[] speakers =
        [
            ("03", Gender.Male),
            ("08", Gender.Female),
            ("10", Gender.Male),
            ("09", Gender.Female),
            ("11", Gender.Male),
            ("13", Gender.Female),
            ("12", Gender.Male),
            ("14", Gender.Female),
            ("15", Gender.Male),
            ("16", Gender.Female),
        ];
        string[] pattern =
        [
            "angry",
            "happy",
            "neutral",
            "sad",
            "angry",
            "happy",
            "neutral",
            "sad",
            "angry",
            "happy",
            "neutral",
            "sad",
            "boredom",
            "disgust",
            "fear",
            "neutral",
        ];
        var letters = new Dictionary<string, char>
        {
            ["angry"] = 'W',
            ["happy"] = 'F',
            ["neutral"] = 'N',
            ["sad"] = 'T',
            ["boredom"] = 'L',
            ["disgust"] = 'E',
            ["fear"] = 'A',
        };
        var perSpeaker = plan.N(16, 4);
        for (var si = 0; si < plan.N(10, 2, 10); si++)
        {
            var sp = MakeSpeaker(rng, speakers[si].Id, speakers[si].G);
            var versions = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < perSpeaker; i++)
            {
                var emotion = pattern[i % pattern.Length];
                var (code, text) = SynthTexts.EmoDb[(si * 3 + i) % SynthTexts.EmoDb.Length];
                var stem = sp.Id + code + letters[emotion];
                var v = versions.GetValueOrDefault(stem);
                versions[stem] = v + 1;
                plan.Add(
                    "emodb",
                    Job(rng, sp, "de", emotion, text, plan.P("emodb", "wav", $"{stem}{(char)('a' + v)}.wav"), 16000)
                );
            }
        }
    }

    private static void PlanRavdess(Plan plan, Folds.SplitMix64 rng)
    {
        string[] names = ["", "neutral", "calm", "happy", "sad", "angry", "fear", "disgust", "surprise"];
        // The real 60 speech files per actor, the most useful first (4 classes at both intensities, calm, fear).
        var combos = new List<(int E, int I, int S, int R)>
        {
            (1, 1, 1, 1),
            (3, 1, 1, 1),
            (4, 1, 1, 1),
            (5, 1, 1, 1),
            (1, 1, 2, 1),
            (3, 2, 2, 1),
            (4, 2, 2, 1),
            (5, 2, 2, 1),
            (2, 1, 1, 1),
            (6, 1, 1, 1),
            (3, 1, 1, 2),
            (5, 2, 1, 2),
        };
        for (var e = 1; e <= 8; e++)
        {
            for (var inten = 1; inten <= (e == 1 ? 1 : 2); inten++)
            {
                for (var st = 1; st <= 2; st++)
                {
                    for (var r = 1; r <= 2; r++)
                    {
                        if (!combos.Contains((e, inten, st, r)))
                            combos.Add((e, inten, st, r));
                    }
                }
            }
        }

        var perActor = plan.N(12, 4, combos.Count);
        for (var a = 1; a <= plan.N(10, 2, 24); a++)
        {
            var sp = MakeSpeaker(rng, $"Actor_{a:D2}", a % 2 == 1 ? Gender.Male : Gender.Female);
            foreach (var (e, i, s, r) in combos.Take(perActor))
            {
                var name = $"03-01-{e:D2}-{i:D2}-{s:D2}-{r:D2}-{a:D2}.wav";
                plan.Add(
                    "ravdess",
                    Job(
                        rng,
                        sp,
                        "en-us",
                        names[e],
                        SynthTexts.Ravdess[s - 1],
                        plan.P("ravdess", sp.Id, name),
                        48000,
                        intensity: i == 2 ? 1.4 : 1.0
                    )
                );
            }
        }
    }

    private static void PlanUrdu(Plan plan, Folds.SplitMix64 rng)
    {
        (string Folder, string Emotion, char Letter)[] classes =
        [
            ("Angry", "angry", 'A'),
            ("Happy", "happy", 'H'),
            ("Neutral", "neutral", 'N'),
            ("Sad", "sad", 'S'),
        ];
        var running = new int[4];
        int males = 0,
            females = 0,
            baseCount = plan.N(8, 4),
            file = 0;
        for (var si = 0; si < plan.N(12, 2, 29); si++)
        {
            // About two men per woman, as in the talk-show recordings; unequal file counts per speaker.
            var female = si % 3 == 2;
            var id = female ? $"SF{++females}" : $"SM{++males}";
            var sp = MakeSpeaker(rng, id, female ? Gender.Female : Gender.Male);
            int count = Math.Max(2, baseCount + Pick(rng, 7) - 3),
                offset = Pick(rng, 4);
            for (var i = 0; i < count; i++)
            {
                var (folder, emotion, letter) = classes[(offset + i) % 4];
                var c = (offset + i) % 4;
                var name = $"{id}_F{++file}_{letter}{++running[c]:D3}.wav";
                plan.Add(
                    "urdu",
                    Job(
                        rng,
                        sp,
                        "ur",
                        emotion,
                        SynthTexts.Urdu[Pick(rng, SynthTexts.Urdu.Length)],
                        plan.P("urdu", folder, name),
                        44100
                    )
                );
            }
        }
    }

    private static void PlanSubesco(Plan plan, Folds.SplitMix64 rng)
    {
        string[] speakers =
        [
            "F_01_OISHI",
            "M_01_BASHIR",
            "F_02_MONIKA",
            "M_02_NIPUN",
            "F_03_SMITA",
            "M_03_ILIAS",
            "F_04_SWARNALI",
            "M_04_BIBHAS",
            "F_05_MOUNI",
            "M_05_DURANTO",
            "F_06_SIMI",
            "M_06_SHUKANTO",
            "F_07_TITHI",
            "M_07_SIBLY",
            "F_08_JOYEETA",
            "M_08_PRASUN",
            "F_09_CHAITY",
            "M_09_SHUMANTA",
            "F_10_FAHMEE",
            "M_10_EVAN",
        ];
        string[] pattern =
        [
            "ANGRY",
            "HAPPY",
            "NEUTRAL",
            "SAD",
            "ANGRY",
            "HAPPY",
            "NEUTRAL",
            "SAD",
            "ANGRY",
            "HAPPY",
            "NEUTRAL",
            "SAD",
            "FEAR",
            "DISGUST",
            "SURPRISE",
        ];
        var perSpeaker = plan.N(14, 4, 350);
        for (var si = 0; si < plan.N(10, 2, 20); si++)
        {
            var id = speakers[si];
            var sp = MakeSpeaker(rng, id, id[0] == 'F' ? Gender.Female : Gender.Male);
            var takes = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < perSpeaker; i++)
            {
                var emo = pattern[i % pattern.Length];
                var sentence = (si + i) % 10 + 1;
                var key = $"{sentence}_{emo}";
                var take = takes.GetValueOrDefault(key) + 1;
                takes[key] = take;
                var rate = Pick(rng, 3) == 0 ? 48000 : 44100; // the release mixes 44.1 and 48 kHz
                var emotion = emo.ToLowerInvariant();
                plan.Add(
                    "subesco",
                    Job(
                        rng,
                        sp,
                        "bn",
                        emotion,
                        SynthTexts.Bangla[sentence - 1],
                        plan.P("subesco", $"{id}_S_{sentence}_{emo}_{take}.wav"),
                        rate
                    )
                );
            }
        }
    }
}
