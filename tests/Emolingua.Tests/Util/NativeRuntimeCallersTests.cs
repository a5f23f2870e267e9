using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Emolingua.Tests.Packaging;

namespace Emolingua.Tests.Util;

/// <summary>
/// NativeRuntime.Configure changes the whole process (glibc's heap, MKL's code path), so it is called where a process
/// starts and nowhere else: the library never calls it behind an application's back, the CLI calls it in Main.
/// </summary>
public class NativeRuntimeCallersTests
{
    [Fact]
    public void OnlyProcessEntryPointsCallConfigure()
    {
        Assert.Empty(ConfigureCallers(typeof(Emolingua.Util.NativeRuntime).Assembly.Location));
        Assert.Equal(["Emolingua.Cli.Program"], ConfigureCallers(typeof(Emolingua.Cli.Program).Assembly.Location));
    }

    /// <summary>The outermost types whose methods (lambdas included) call NativeRuntime.Configure.</summary>
    private static List<string> ConfigureCallers(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream, PEStreamOptions.PrefetchEntireImage);
        var md = pe.GetMetadataReader();
        var callers = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var typeHandle in md.TypeDefinitions)
        {
            var outer = typeHandle;
            while (md.GetTypeDefinition(outer).IsNested)
                outer = md.GetTypeDefinition(outer).GetDeclaringType();
            var outerType = md.GetTypeDefinition(outer);
            var name = md.GetString(outerType.Namespace) + "." + md.GetString(outerType.Name);
            if (name == "Emolingua.Util.NativeRuntime")
                continue;
            foreach (var methodHandle in md.GetTypeDefinition(typeHandle).GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0)
                    continue;
                if (
                    DoorsTests
                        .OperandTokens(pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes()!)
                        .Any(t => IsConfigure(md, t))
                )
                {
                    callers.Add(name);
                }
            }
        }
        return callers.ToList();
    }

    private static bool IsConfigure(MetadataReader md, int token)
    {
        var handle = MetadataTokens.EntityHandle(token);
        switch (handle.Kind)
        {
            case HandleKind.MethodDefinition:
                var def = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                return md.GetString(def.Name) == "Configure"
                    && md.GetString(md.GetTypeDefinition(def.GetDeclaringType()).Name) == "NativeRuntime";
            case HandleKind.MemberReference:
                var member = md.GetMemberReference((MemberReferenceHandle)handle);
                return md.GetString(member.Name) == "Configure"
                    && member.Parent.Kind == HandleKind.TypeReference
                    && md.GetString(md.GetTypeReference((TypeReferenceHandle)member.Parent).Name) == "NativeRuntime";
            default:
                return false;
        }
    }
}
