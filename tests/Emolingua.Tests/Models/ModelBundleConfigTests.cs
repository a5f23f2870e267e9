using Emolingua.Models;
using Emolingua.Util;

namespace Emolingua.Tests.Models;

public class ModelBundleConfigTests
{
    [Theory]
    [InlineData("""{"format": "emolingua-emotion-model", "seconds": 4}""", "no whisper.d_model")]
    [InlineData("""{"format": "emolingua-emotion-model", "whisper": [1, 2], "seconds": 4}""", "no whisper.d_model")]
    [InlineData(
        """{"format": "emolingua-emotion-model", "whisper": {"d_model": 8, "encoder_layers": 1, "encoder_attention_heads": 2, "encoder_ffn_dim": 16, "num_mel_bins": 80}}""",
        "no whisper.max_source_positions"
    )]
    [InlineData(
        """{"format": "emolingua-emotion-model", "whisper": {"d_model": 8, "encoder_layers": 1, "encoder_attention_heads": 2, "encoder_ffn_dim": 16, "num_mel_bins": 80, "max_source_positions": 1500}, "seconds": 4}""",
        "no head.hidden"
    )]
    public void AMissingKeyIsNamedInOneLine(string config, string missing)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), config);
        var e = Assert.Throws<EmolinguaException>(() => ModelBundle.ReadInfo(dir.Path));
        Assert.Equal($"{dir.File("config.json")}: incomplete model config ({missing})", e.Message);
    }
}
