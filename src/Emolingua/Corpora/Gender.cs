namespace Emolingua.Corpora;

public enum Gender
{
    Female,
    Male,
    Unknown,
}

public static class Genders
{
    public static string Name(this Gender g) =>
        g switch
        {
            Gender.Female => "female",
            Gender.Male => "male",
            _ => "unknown",
        };

    /// <summary>
    /// Reads the spellings the corpora use: female/male, Female/Male (MSP-Podcast), F/M, and Common Voice's newer
    /// female_feminine/male_masculine. Everything else (other, intersex, transgender, non-binary,
    /// do_not_wish_to_say, Unknown, empty) is unknown.
    /// </summary>
    public static Gender Parse(string? value) =>
        value?.Trim().ToLowerInvariant() switch
        {
            "female" or "f" or "female_feminine" or "woman" => Gender.Female,
            "male" or "m" or "male_masculine" or "man" => Gender.Male,
            _ => Gender.Unknown,
        };
}
