using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Emolingua.Models;

/// <summary>
/// Matrix products in a lower-precision dtype with fp32 master weights, as autocast does them: weight, bias and input
/// cast to <c>compute</c> for this forward only (differentiable casts: the gradients reach the fp32 parameters), the
/// output left in <c>compute</c> for the caller to cast back where fp32 work follows. <c>compute</c> null: the layer's
/// own fp32 forward, unchanged.
/// </summary>
internal static class MixedPrecision
{
    /// <summary>The tensors cast to <paramref name="compute"/> (differentiably), or unchanged when it is
    /// null.</summary>
    public static Tensor[] Cast(Tensor[] tensors, ScalarType? compute) =>
        compute is { } dtype ? tensors.Select(t => t.to(dtype)).ToArray() : tensors;

    /// <param name="x">[..., in]</param><returns>[..., out] in <paramref name="compute"/> (or x's dtype)</returns>
    public static Tensor Linear(Tensor x, Linear layer, ScalarType? compute) =>
        compute is { } dtype ? Linear(x, layer.weight!, layer.bias, dtype) : layer.forward(x);

    /// <param name="x">[..., in]</param><param name="weight">[out, in]</param><returns>[..., out]</returns>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias, ScalarType? compute)
    {
        if (compute is not { } dtype)
            return F.linear(x, weight, bias);
        using var scope = NewDisposeScope();
        return F.linear(x.to(dtype), weight.to(dtype), bias?.to(dtype)).MoveToOuterDisposeScope();
    }

    /// <param name="x">[B, C_in, T]</param><returns>[B, C_out, T'] in <paramref name="compute"/> (or x's
    /// dtype)</returns>
    public static Tensor Conv1d(Tensor x, Conv1d layer, ScalarType? compute)
    {
        if (compute is not { } dtype)
            return layer.forward(x);
        using var scope = NewDisposeScope();
        return F.conv1d(
                x.to(dtype),
                layer.weight!.to(dtype),
                layer.bias?.to(dtype),
                layer.stride[0],
                layer.padding?[0] ?? 0,
                layer.dilation[0],
                layer.groups
            )
            .MoveToOuterDisposeScope();
    }
}
