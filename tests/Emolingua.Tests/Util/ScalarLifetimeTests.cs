using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Emolingua.Tests.Util;

/// <summary>
/// TorchSharp 0.107's Scalar frees its native value in a finalizer and nothing keeps it alive during the native call
/// it is passed to, so a temporary Scalar from an implicit conversion (x * 0.5, clamp_min(1e-10), add_(g, alpha: a))
/// can be freed by a collection on another thread while libtorch reads it (seen as "Expected false to be true" in
/// Scalar::toDouble). Emolingua passes only Scalars that are held (Emolingua.Util.Scalars); this test reads the
/// library's IL and fails on any call to Scalar.op_Implicit.
/// </summary>
public class ScalarLifetimeTests
{
    [Fact]
    public void LibraryMakesNoImplicitScalarTemporaries()
    {
        var offenders = ImplicitScalarCallers(typeof(Emolingua.Util.Scalars).Assembly.Location)
            .Concat(ImplicitScalarCallers(typeof(Emolingua.Cli.Program).Assembly.Location)).ToList();
        Assert.True(offenders.Count == 0, "implicit Scalar conversions in: " + string.Join(", ", offenders));
    }

    [Fact]
    public void ScannerFindsAnImplicitConversion()
    {
        // This test assembly itself converts a double implicitly (below), so the scanner must report it.
        var found = ImplicitScalarCallers(typeof(ScalarLifetimeTests).Assembly.Location);
        Assert.Contains(found, m => m.EndsWith(nameof(UsesImplicitScalar)));
        Assert.Contains(found, m => m.EndsWith(nameof(UsesNumericOperator)));
        Assert.Contains(found, m => m.EndsWith(nameof(UsesTensorSum)));
    }

    private static TorchSharp.Scalar UsesImplicitScalar() => 0.5;

    private static TorchSharp.torch.Tensor UsesNumericOperator(TorchSharp.torch.Tensor x) => x * 0.5;

    private static TorchSharp.torch.Tensor UsesTensorSum(TorchSharp.torch.Tensor x) => x + x;

    internal static List<string> ImplicitScalarCallers(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream, PEStreamOptions.PrefetchEntireImage);
        var md = pe.GetMetadataReader();
        var result = new List<string>();
        foreach (var typeHandle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(typeHandle);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0) continue;
                var il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes()!;
                for (int i = 0; i + 4 < il.Length; i++)
                {
                    if (il[i] != 0x28) continue; // call
                    int token = BitConverter.ToInt32(il, i + 1);
                    if ((token >> 24) != 0x0A || (token & 0xFFFFFF) == 0 || (token & 0xFFFFFF) > md.GetTableRowCount(TableIndex.MemberRef)) continue; // MemberRef
                    var member = md.GetMemberReference(MetadataTokens.MemberReferenceHandle(token & 0xFFFFFF));
                    if (member.Parent.Kind != HandleKind.TypeReference) continue;
                    var parent = md.GetTypeReference((TypeReferenceHandle)member.Parent);
                    string name = md.GetString(member.Name), parentName = md.GetString(parent.Name);
                    bool implicitScalar = name == "op_Implicit" && parentName == "Scalar" && md.GetString(parent.Namespace) == "TorchSharp";
                    // Tensor's operators taking a plain number (x * 0.5) build the Scalar inside TorchSharp: same hazard.
                    bool numericOperator = parentName == "Tensor" && name is "op_Addition" or "op_Subtraction" or "op_Multiply" or "op_Division" or "op_Modulus"
                        && HasPrimitiveNumberParameter(md.GetBlobReader(member.Signature));
                    // add/add_ without alpha and every "+" on a Tensor: TorchSharp forwards add(other, 1), an unheld
                    // temporary alpha (its sub calls libtorch directly and is safe).
                    bool defaultAlpha = parentName == "Tensor"
                        && (name is "add" or "add_" && ParameterCount(md.GetBlobReader(member.Signature)) == 1 || name == "op_Addition");
                    if (implicitScalar || numericOperator || defaultAlpha)
                    {
                        result.Add($"{md.GetString(type.Namespace)}.{md.GetString(type.Name)}.{md.GetString(method.Name)}");
                        break;
                    }
                }
            }
        }
        return result.Distinct().Order().ToList();
    }

    private static int ParameterCount(BlobReader blob)
    {
        blob.ReadByte();
        return blob.ReadCompressedInteger();
    }

    /// <summary>Reads a method signature blob: true when a parameter is int32, int64, float32 or float64.</summary>
    private static bool HasPrimitiveNumberParameter(BlobReader blob)
    {
        blob.ReadByte();                                   // calling convention
        int count = blob.ReadCompressedInteger();
        for (int i = 0; i <= count; i++)                   // return type first, then the parameters
        {
            byte type = blob.ReadByte();
            if (i > 0 && type is 0x08 or 0x0A or 0x0C or 0x0D) return true;
            if (type is 0x12 or 0x11) blob.ReadCompressedInteger(); // class / valuetype token
            else if (type > 0x0E && type is not (0x18 or 0x19 or 0x1C)) return false; // anything complex: not an arithmetic operator we care about
        }
        return false;
    }
}
