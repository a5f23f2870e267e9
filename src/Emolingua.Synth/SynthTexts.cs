using Emolingua.Corpora;

namespace Emolingua.Synth;

/// <summary>Sentences the stand-in corpora speak, and how each emotion changes espeak-ng's prosody.</summary>
internal static class SynthTexts
{
    /// <summary>EMO-DB's ten text codes and sentences.</summary>
    public static readonly (string Code, string Text)[] EmoDb =
    [
        ("a01", "Der Lappen liegt auf dem Eisschrank."),
        ("a02", "Das will sie am Mittwoch abgeben."),
        ("a04", "Heute abend könnte ich es ihm sagen."),
        ("a05", "Das schwarze Stück Papier befindet sich da oben neben dem Holzstück."),
        ("a07", "In sieben Stunden wird es soweit sein."),
        ("b01", "Was sind denn das für Tüten, die da unter dem Tisch stehen?"),
        ("b02", "Sie haben es gerade hochgetragen und jetzt gehen sie wieder runter."),
        ("b03", "An den Wochenenden bin ich jetzt immer nach Hause gefahren und habe Agnes besucht."),
        ("b09", "Ich will das eben wegbringen und dann mit Karl was trinken gehen."),
        ("b10", "Die wird auf dem Platz sein, wo wir sie immer hinlegen."),
    ];

    public static readonly string[] Ravdess = ["Kids are talking by the door.", "Dogs are sitting by the door."];

    public static readonly string[] English =
    [
        "I told you I would be here on time.",
        "Why did you not call me yesterday?",
        "Okay.",
        "That is the best news I have heard all year.",
        "I just do not know what to do anymore.",
        "Can we please talk about this later?",
        "You never listen to a single word I say.",
        "We are finally going to the coast this summer.",
        "Yeah.",
        "It was raining the whole day.",
        "Give me back my ticket right now.",
        "She left the house early this morning.",
        "I cannot believe they gave it to us.",
        "Nobody came to the party.",
        "Just sit down and wait for me.",
        "The meeting starts at nine tomorrow.",
    ];

    public static readonly string[] German =
    [
        "Der Zug nach Hamburg hat heute Verspätung.",
        "Ich habe das Buch gestern in der Bibliothek gefunden.",
        "Kannst du mir bitte das Salz geben?",
        "Morgen wird es wieder regnen.",
        "Wir treffen uns um acht Uhr am Bahnhof.",
        "Das Museum ist am Montag geschlossen.",
        "Meine Schwester wohnt seit drei Jahren in Berlin.",
        "Bitte schließen Sie die Tür hinter sich.",
    ];

    public static readonly string[] Urdu =
    [
        "یہ میرا گھر ہے۔",
        "آج موسم بہت اچھا ہے۔",
        "میں کل بازار جاؤں گا۔",
        "آپ کیسے ہیں؟",
        "وہ کتاب پڑھ رہا ہے۔",
        "ہم شام کو چائے پیتے ہیں۔",
        "بچے باغ میں کھیل رہے ہیں۔",
        "مجھے یہ بات بالکل پسند نہیں۔",
        "کل صبح جلدی اٹھنا ہے۔",
        "اس نے مجھے خط لکھا۔",
    ];

    public static readonly string[] Bangla =
    [
        "আমি প্রতিদিন সকালে হাঁটতে যাই।",
        "আজ আকাশ খুব পরিষ্কার।",
        "সে মন দিয়ে বই পড়ছে।",
        "আমরা কাল গ্রামের বাড়ি যাব।",
        "তুমি কেমন আছ?",
        "বাজারে আজ অনেক ভিড়।",
        "মা রান্নাঘরে ভাত রান্না করছেন।",
        "এই কথাটা আমার একদম ভালো লাগেনি।",
        "ছেলেটি মাঠে ফুটবল খেলছে।",
        "নদীর পাশে একটা পুরনো বাড়ি আছে।",
    ];

    /// <summary>Per-emotion change of espeak pitch (-p points), speaking rate (factor), level (-a points) and pitch
    /// range.</summary>
    public static (int Pitch, double Rate, int Amp, string Range) Prosody(string emotion) =>
        emotion switch
        {
            "angry" => (6, 1.15, 22, "high"),
            "happy" => (16, 1.08, 10, "x-high"),
            "neutral" => (0, 1.0, 0, "medium"),
            "sad" => (-12, 0.78, -28, "x-low"),
            "fear" => (20, 1.22, -6, "high"),
            "disgust" => (-6, 0.88, 4, "low"),
            "boredom" => (-8, 0.84, -16, "x-low"),
            "calm" => (-4, 0.9, -14, "low"),
            "surprise" => (22, 1.05, 12, "x-high"),
            "frustrated" => (2, 1.0, 12, "medium"),
            _ => (0, 1.0, 0, "medium"),
        };

    public static readonly string[] Ranges = ["x-low", "low", "medium", "high", "x-high"];
}
