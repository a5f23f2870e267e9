using TorchSharp;
using TorchSharp.Modules;
using static Emolingua.Util.Scalars;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace Emolingua.Models;

// Field names are the Hugging Face parameter names (conv1, layers.0.self_attn.k_proj, ...): they become state-dict
// keys.
#pragma warning disable IDE1006

/// <summary>
/// Whisper self-attention (HF WhisperAttention): k_proj has no bias; q is scaled by head_dim^-0.5. The parameters keep
/// HF's three projections (state-dict keys, checkpoints and optimizer state are unchanged), but the forward pass
/// multiplies once by their concatenation: one [B·T, D]·[D, 3D] product (and one of each kind in backward) runs
/// closer to the machine's peak than three [D, D] ones.
/// </summary>
public sealed class WhisperAttention : Module<Tensor, Tensor>
{
    private readonly int _heads;
    public readonly Linear k_proj,
        v_proj,
        q_proj,
        out_proj;

    /// <summary>The dtype of the matrix products (null: fp32); set through
    /// <see cref="WhisperEncoder.Precision"/>.</summary>
    internal ScalarType? ComputeType { get; set; }

    public WhisperAttention(int dModel, int heads)
        : base(nameof(WhisperAttention))
    {
        _heads = heads;
        k_proj = Linear(dModel, dModel, hasBias: false);
        v_proj = Linear(dModel, dModel);
        q_proj = Linear(dModel, dModel);
        out_proj = Linear(dModel, dModel);
        RegisterComponents();
    }

    /// <param name="x">[B, T, D]</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0],
            t = x.shape[1],
            d = x.shape[2];
        // Cast each fp32 weight before concatenating (no fp32 [3D, D] copy in bf16).
        // [3D, D]
        var weight = cat(MixedPrecision.Cast([q_proj.weight!, k_proj.weight!, v_proj.weight!], ComputeType), 0);
        // [3D]
        var bias = cat(MixedPrecision.Cast([q_proj.bias!, zeros_like(q_proj.bias!), v_proj.bias!], ComputeType), 0);
        var qkv = MixedPrecision
            .Linear(x, weight, bias, ComputeType)
            .view(b, t, 3, _heads, -1)
            .permute(2, 0, 3, 1, 4)
            .unbind(0); // 3 × [B, H, T, hd]
        // softmax(q k^T / sqrt(hd)) v: the same scaling HF applies to q after its bias. q, k, v are strided views.
        // In bf16 the attention runs on bf16 q, k, v as PyTorch's CPU autocast runs it (its kernel keeps the softmax
        // and the running sums in fp32).
        var attended = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2]); // [B, H, T, hd]
        var merged = attended.transpose(1, 2).reshape(b, t, d); // [B, T, D]
        // [B, T, D] in the compute dtype: the caller's residual sum adds it to the fp32 stream (type promotion reads
        // bf16 as fp32 on the fly, without an fp32 copy)
        return MixedPrecision.Linear(merged, out_proj, ComputeType).MoveToOuterDisposeScope();
    }
}

/// <summary>A pre-LayerNorm transformer block (HF WhisperEncoderLayer) with the exact (erf) GELU.</summary>
public sealed class WhisperEncoderLayer : Module<Tensor, Tensor>
{
    public readonly WhisperAttention self_attn;
    public readonly LayerNorm self_attn_layer_norm;
    public readonly Linear fc1,
        fc2;
    public readonly LayerNorm final_layer_norm;

    /// <summary>The dtype of the matrix products (null: fp32); set through
    /// <see cref="WhisperEncoder.Precision"/>.</summary>
    internal ScalarType? ComputeType
    {
        get => _computeType;
        set
        {
            _computeType = value;
            self_attn.ComputeType = value;
        }
    }
    private ScalarType? _computeType;

    public WhisperEncoderLayer(WhisperConfig c)
        : base(nameof(WhisperEncoderLayer))
    {
        self_attn = new WhisperAttention(c.DModel, c.EncoderAttentionHeads);
        self_attn_layer_norm = LayerNorm(c.DModel, eps: 1e-5);
        fc1 = Linear(c.DModel, c.EncoderFfnDim);
        fc2 = Linear(c.EncoderFfnDim, c.DModel);
        final_layer_norm = LayerNorm(c.DModel, eps: 1e-5);
        RegisterComponents();
    }

    /// <param name="x">[B, T, D]</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // The residual stream and the LayerNorms stay fp32; in bf16 fc1, GELU and fc2 run in bf16 (as under autocast)
        // and the sublayers' bf16 outputs join the fp32 stream in the residual sums (fp32 + bf16 → fp32).
        var h = x.add(self_attn.forward(self_attn_layer_norm.forward(x)), One); // explicit alpha: see Util.Scalars
        var ffn = MixedPrecision.Linear(
            F.gelu(MixedPrecision.Linear(final_layer_norm.forward(h), fc1, ComputeType)),
            fc2,
            ComputeType
        );
        h = h.add(ffn, One); // fp32 + bf16 → fp32
        return h.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The Whisper audio encoder (HF WhisperEncoder, spec §2.1) for an S-second window: GELU(conv1) → GELU(conv2, stride 2)
/// → + the first 50·S rows of the sinusoidal positional embedding → pre-LN blocks → final LayerNorm.
/// </summary>
public sealed class WhisperEncoder : Module<Tensor, Tensor>
{
    public WhisperConfig Config { get; }

    /// <summary>Encoder positions (rows kept of the positional embedding): 50·S for an S-second window.</summary>
    public int Positions { get; }

    public readonly Conv1d conv1,
        conv2;
    public readonly Embedding embed_positions;
    public readonly ModuleList<WhisperEncoderLayer> layers;
    public readonly LayerNorm layer_norm;

    /// <summary>
    /// The number format of the matrix products (convolutions, projections, attention, feed-forward): fp32, or bf16
    /// with fp32 master weights. In bf16 each product casts its weights and input to bfloat16 per forward (the casts
    /// are differentiable, so gradients, optimizer state and checkpoints stay fp32) and its output returns to fp32
    /// where fp32 work follows (in a residual sum by type promotion); LayerNorms, the residual stream, the time-mean
    /// and everything after the encoder stay fp32. This is what PyTorch's <c>torch.autocast("cpu", torch.bfloat16)</c>
    /// does for these operators, written out because TorchSharp 0.107 exposes no autocast (libtorch has it, but only as
    /// C++ functions of thread-local state).
    /// </summary>
    public Util.Precision Precision
    {
        get => _precision;
        set
        {
            _precision = value;
            foreach (var layer in layers)
                layer.ComputeType = Util.Precisions.ComputeType(value);
        }
    }
    private Util.Precision _precision = Util.Precision.Fp32;

    public WhisperEncoder(WhisperConfig config, int positions)
        : base(nameof(WhisperEncoder))
    {
        if (positions <= 0 || positions > config.MaxSourcePositions)
            throw new ArgumentException($"positions must be in 1..{config.MaxSourcePositions}, got {positions}");
        Config = config;
        Positions = positions;
        conv1 = Conv1d(config.NumMelBins, config.DModel, 3, padding: 1);
        conv2 = Conv1d(config.DModel, config.DModel, 3, stride: 2, padding: 1);
        embed_positions = Embedding(positions, config.DModel);
        layers = new ModuleList<WhisperEncoderLayer>(
            Enumerable.Range(0, config.EncoderLayers).Select(_ => new WhisperEncoderLayer(config)).ToArray()
        );
        layer_norm = LayerNorm(config.DModel, eps: 1e-5);
        RegisterComponents();
        InitializeLikeHuggingFace();
    }

    /// <summary>Expected log-mel frames: 2·positions.</summary>
    public int Frames => 2 * Positions;

    /// <param name="mel">[B, n_mels, 2·positions] log-mel</param>
    /// <returns>[B, positions, D], after the final LayerNorm</returns>
    public override Tensor forward(Tensor mel)
    {
        if (mel.dim() != 3 || mel.shape[1] != Config.NumMelBins || mel.shape[2] != Frames)
        {
            throw new ArgumentException(
                $"expected log-mel [B, {Config.NumMelBins}, {Frames}], got [{string.Join(", ", mel.shape)}]"
            );
        }

        using var scope = NewDisposeScope();
        var compute = Util.Precisions.ComputeType(Precision);
        var x = F.gelu(MixedPrecision.Conv1d(mel, conv1, compute));
        x = F.gelu(MixedPrecision.Conv1d(x, conv2, compute)).to(mel.dtype); // [B, D, P]
        // Row-major [B, P, D] once here: added to the permuted view, the residual stream would keep the conv's [B, D,
        // P] layout through every layer, each LayerNorm copying it and each residual add striding over it (in backward
        // too).
        x = x.permute(0, 2, 1).contiguous().add(embed_positions.weight!, One); // [B, P, D]
        foreach (var layer in layers)
            x = layer.forward(x);
        return layer_norm.forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>Time-mean of the final output: [B, n_mels, frames] → [B, D] (the paper's utterance
    /// embedding).</summary>
    public Tensor Embed(Tensor mel)
    {
        using var scope = NewDisposeScope();
        return forward(mel).mean(new long[] { 1 }).MoveToOuterDisposeScope();
    }

    /// <summary>Freezes conv1, conv2 and the positional embedding (the paper's "conv + positional layers
    /// frozen").</summary>
    public void FreezeFrontEnd()
    {
        foreach (var p in conv1.parameters().Concat(conv2.parameters()).Concat(embed_positions.parameters()))
            p.requires_grad = false;
    }

    /// <summary>HF _init_weights: normal(0, 0.02) for linear and conv weights, zero biases, unit LayerNorms,
    /// sinusoids.</summary>
    private void InitializeLikeHuggingFace()
    {
        using var noGrad = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (name.StartsWith("embed_positions"))
                continue;
            if (name.EndsWith("bias"))
                p.zero_();
            else if (name.Contains("layer_norm"))
                p.fill_(Held(1.0));
            else
                p.normal_(0, 0.02);
        }
        embed_positions.weight!.copy_(Sinusoids(Positions, Config.DModel));
        embed_positions.weight!.requires_grad = false;
    }

    /// <summary>Whisper's sinusoidal table (spec §2.2): first half sin, second half cos, timescales up to
    /// 10000.</summary>
    public static Tensor Sinusoids(int length, int channels)
    {
        using var scope = NewDisposeScope();
        var increment = Math.Log(10000) / (channels / 2 - 1);
        var inv = exp(
            arange(Held(0L), Held((long)(channels / 2)), Held(1L), dtype: ScalarType.Float64) * Held(-increment)
        ); // [C/2]
        var scaled =
            // [L, C/2]
            arange(Held(0L), Held((long)length), Held(1L), dtype: ScalarType.Float64).unsqueeze(1) * inv.unsqueeze(0);
        return cat(new[] { sin(scaled), cos(scaled) }, 1).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
