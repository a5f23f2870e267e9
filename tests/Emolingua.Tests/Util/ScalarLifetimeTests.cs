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
            .Concat(ImplicitScalarCallers(typeof(Emolingua.Cli.Program).Assembly.Location))
            .ToList();
        Assert.True(offenders.Count == 0, "implicit Scalar conversions in: " + string.Join(", ", offenders));
    }

    [Fact]
    public void ScannerFindsAnImplicitConversion()
    {
        // This test assembly itself converts a double implicitly (below), so the scanner must report it.
        var found = ImplicitScalarCallers(typeof(ScalarLifetimeTests).Assembly.Location);
        Assert.Contains(found, m => m.Contains(nameof(UsesImplicitScalar) + " ->"));
        Assert.Contains(found, m => m.Contains(nameof(UsesNumericOperator) + " ->"));
        Assert.Contains(found, m => m.Contains(nameof(UsesTensorSum) + " ->"));
        Assert.Contains(found, m => m.Contains(nameof(UsesSquare) + " ->"));
        Assert.DoesNotContain(found, m => m.Contains(nameof(ImplicitScalarCallers)));
    }

    private static TorchSharp.Scalar UsesImplicitScalar() => 0.5;

    private static TorchSharp.torch.Tensor UsesNumericOperator(TorchSharp.torch.Tensor x) => x * 0.5;

    private static TorchSharp.torch.Tensor UsesTensorSum(TorchSharp.torch.Tensor x) => x + x;

    private static TorchSharp.torch.Tensor UsesSquare(TorchSharp.torch.Tensor x) => x.square();

    /// <summary>
    /// TorchSharp methods that create a Scalar themselves (an implicit conversion or ToScalar in their own IL, such as
    /// square() => pow(2) or add(t) => add(t, 1)), directly or through another such method: (type, name, parameter
    /// count).
    /// </summary>
    private static readonly Lazy<HashSet<(string Type, string Name, string Signature)>> TorchSharpScalarMakers = new(
        () =>
        {
            using var stream = File.OpenRead(typeof(TorchSharp.Scalar).Assembly.Location);
            using var pe = new PEReader(stream, PEStreamOptions.PrefetchEntireImage);
            var md = pe.GetMetadataReader();
            var calls = new Dictionary<MethodDefinitionHandle, List<MethodDefinitionHandle>>();
            var makers = new HashSet<MethodDefinitionHandle>();
            foreach (var typeHandle in md.TypeDefinitions)
            {
                foreach (var methodHandle in md.GetTypeDefinition(typeHandle).GetMethods())
                {
                    var method = md.GetMethodDefinition(methodHandle);
                    if (method.RelativeVirtualAddress == 0)
                        continue;
                    var callees = new List<MethodDefinitionHandle>();
                    foreach (var token in CallTokens(pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes()!))
                    {
                        if (
                            (token >> 24) != 0x06
                            || (token & 0xFFFFFF) == 0
                            || (token & 0xFFFFFF) > md.GetTableRowCount(TableIndex.MethodDef)
                        )
                        {
                            continue;
                        }

                        var callee = MetadataTokens.MethodDefinitionHandle(token & 0xFFFFFF);
                        var c = md.GetMethodDefinition(callee);
                        var calleeType = md.GetString(md.GetTypeDefinition(c.GetDeclaringType()).Name);
                        if (
                            calleeType is "Scalar" or "ScalarExtensionMethods"
                            && md.GetString(c.Name) is "op_Implicit" or "ToScalar"
                        )
                        {
                            makers.Add(methodHandle);
                        }
                        else
                        {
                            callees.Add(callee);
                        }
                    }
                    calls[methodHandle] = callees;
                }
            }

            var grew = true;
            while (grew) // methods that call a maker make Scalars too
            {
                grew = false;
                foreach (var (caller, callees) in calls)
                {
                    if (!makers.Contains(caller) && callees.Any(makers.Contains))
                    {
                        makers.Add(caller);
                        grew = true;
                    }
                }
            }
            return makers
                .Select(h =>
                {
                    var m = md.GetMethodDefinition(h);
                    return (
                        md.GetString(md.GetTypeDefinition(m.GetDeclaringType()).Name),
                        md.GetString(m.Name),
                        Signature(md, md.GetBlobReader(m.Signature))
                    );
                })
                .ToHashSet();
        }
    );

    /// <summary>Tokens of call, callvirt and newobj instructions (a byte scan; tokens are checked against the
    /// tables).</summary>
    private static IEnumerable<int> CallTokens(byte[] il)
    {
        for (var i = 0; i + 4 < il.Length; i++)
        {
            if (il[i] is 0x28 or 0x6F or 0x73)
                yield return BitConverter.ToInt32(il, i + 1);
        }
    }

    internal static List<string> ImplicitScalarCallers(string assemblyPath)
    {
        var makers = TorchSharpScalarMakers.Value;
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
                if (method.RelativeVirtualAddress == 0)
                    continue;
                foreach (var token in CallTokens(pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes()!))
                {
                    if (
                        (token >> 24) != 0x0A
                        || (token & 0xFFFFFF) == 0
                        || (token & 0xFFFFFF) > md.GetTableRowCount(TableIndex.MemberRef)
                    )
                    {
                        continue;
                    }

                    var member = md.GetMemberReference(MetadataTokens.MemberReferenceHandle(token & 0xFFFFFF));
                    if (member.Parent.Kind != HandleKind.TypeReference)
                        continue;
                    var parent = md.GetTypeReference((TypeReferenceHandle)member.Parent);
                    if (!IsTorchSharp(md, parent))
                        continue;
                    string name = md.GetString(member.Name),
                        parentName = md.GetString(parent.Name);
                    if (member.GetKind() != MemberReferenceKind.Method)
                        continue;
                    if (
                        makers.Contains(
                            (
                                parentName,
                                name,
                                Signature(
                                    md,
                                    member.GetKind() == MemberReferenceKind.Method
                                        ? md.GetBlobReader(member.Signature)
                                        : default
                                )
                            )
                        )
                    )
                    {
                        result.Add(
                            $"{md.GetString(type.Namespace)}.{md.GetString(type.Name)}.{md.GetString(method.Name)} -> {parentName}.{name}"
                        );
                    }
                }
            }
        }
        return result.Distinct().Order().ToList();
    }

    /// <summary>A type reference into the TorchSharp assembly (namespace TorchSharp*, or nested in such a
    /// type).</summary>
    private static bool IsTorchSharp(MetadataReader md, TypeReference t)
    {
        while (t.ResolutionScope.Kind == HandleKind.TypeReference)
            t = md.GetTypeReference((TypeReferenceHandle)t.ResolutionScope);
        return md.GetString(t.Namespace).StartsWith("TorchSharp", StringComparison.Ordinal);
    }

    /// <summary>A method signature as text ("Tensor(Tensor,Scalar)"), with types by simple name, so that a call site in
    /// another assembly compares equal to TorchSharp's definition of the same overload.</summary>
    private static string Signature(MetadataReader md, BlobReader blob)
    {
        var header = blob.ReadSignatureHeader();
        if (header.IsGeneric)
            blob.ReadCompressedInteger();
        var count = blob.ReadCompressedInteger();
        var parts = new List<string>();
        for (var i = 0; i <= count; i++)
            parts.Add(TypeName(md, ref blob));
        return $"{parts[0]}({string.Join(",", parts.Skip(1))})";
    }

    private static string TypeName(MetadataReader md, ref BlobReader blob)
    {
        var code = blob.ReadByte();
        switch (code)
        {
            case 0x1F or 0x20:
                blob.ReadTypeHandle();
                return TypeName(md, ref blob); // custom modifiers
            case 0x10:
                return "ref " + TypeName(md, ref blob);
            case 0x0F:
                return "ptr " + TypeName(md, ref blob);
            case 0x1D:
                return TypeName(md, ref blob) + "[]";
            case 0x11 or 0x12:
                return HandleName(md, blob.ReadTypeHandle());
            case 0x13 or 0x1E:
                return "T" + blob.ReadCompressedInteger();
            case 0x15:
            {
                blob.ReadByte();
                var generic = HandleName(md, blob.ReadTypeHandle());
                var n = blob.ReadCompressedInteger();
                var args = new List<string>();
                for (var i = 0; i < n; i++)
                    args.Add(TypeName(md, ref blob));
                return $"{generic}<{string.Join(",", args)}>";
            }
            default:
                return "e" + code.ToString("x2"); // primitives
        }
    }

    private static string HandleName(MetadataReader md, EntityHandle handle) =>
        handle.Kind switch
        {
            HandleKind.TypeDefinition => md.GetString(md.GetTypeDefinition((TypeDefinitionHandle)handle).Name),
            HandleKind.TypeReference => md.GetString(md.GetTypeReference((TypeReferenceHandle)handle).Name),
            _ => "spec",
        };

    private static int ParameterCount(BlobReader blob)
    {
        blob.ReadByte();
        return blob.ReadCompressedInteger();
    }
}
