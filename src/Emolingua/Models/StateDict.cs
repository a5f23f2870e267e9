using Emolingua.Util;
using static TorchSharp.torch;

namespace Emolingua.Models;

/// <summary>
/// The one copy between tensors and float32 safetensors files: a module's state dict (model bundles, encoder exports,
/// training checkpoints) or any named tensors (optimizer moments, augmentation state) out to disk, and back in with a
/// check that every tensor is there with its shape. Stored as float32 whatever the tensor's dtype; read back into the
/// tensor's own dtype and device.
/// </summary>
public static class StateDict
{
    /// <summary>Named tensors as float32 arrays on the CPU, with their shapes.</summary>
    public static Dictionary<string, (float[] Data, long[] Shape)> ToFloat32(
        IEnumerable<(string Name, Tensor Tensor)> tensors
    ) => tensors.ToDictionary(t => t.Name, t => (Floats(t.Tensor), t.Tensor.shape));

    public static Dictionary<string, (float[] Data, long[] Shape)> ToFloat32(nn.Module module) =>
        ToFloat32(module.state_dict().Select(kv => (kv.Key, kv.Value)));

    /// <summary>A tensor's values as float32 on the CPU, in row-major order.</summary>
    public static float[] Floats(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.cpu().to(ScalarType.Float32).data<float>().ToArray();
    }

    /// <summary>Writes the module's state dict (float32) to a .safetensors file.</summary>
    public static void Save(string path, nn.Module module) => SafeTensors.WriteFloat32(path, ToFloat32(module));

    /// <summary>Every tensor of a float32 .safetensors file, by name.</summary>
    public static Dictionary<string, (float[] Data, long[] Shape)> Read(string path)
    {
        var file = SafeTensors.Open(path);
        return file.Entries.ToDictionary(e => e.Key, e => (file.ReadFloat32(e.Key), e.Value.Shape));
    }

    /// <summary>
    /// Copies every state-dict tensor of <paramref name="module"/> from a .safetensors file; a missing tensor or
    /// another shape is an error naming the file (<paramref name="hint"/> is appended to say what may have caused it).
    /// </summary>
    public static void Load(nn.Module module, string path, string hint = "")
    {
        var file = SafeTensors.Open(path);
        using var noGrad = no_grad();
        foreach (var (name, target) in module.state_dict())
        {
            if (!file.Entries.TryGetValue(name, out var entry))
                throw new EmolinguaException(file.Path, $"missing tensor '{name}'{hint}");
            if (!entry.Shape.SequenceEqual(target.shape))
            {
                throw new EmolinguaException(
                    file.Path,
                    $"tensor '{name}' has shape [{string.Join(", ", entry.Shape)}], expected [{string.Join(", ", target.shape)}]{hint}"
                );
            }

            Copy(target, file.ReadFloat32(name), entry.Shape);
        }
    }

    /// <summary>Copies float32 <paramref name="data"/> of <paramref name="shape"/> into <paramref name="target"/> (its
    /// dtype and device).</summary>
    public static void Copy(Tensor target, float[] data, long[] shape)
    {
        using var value = tensor(data, shape);
        target.copy_(value);
    }
}
