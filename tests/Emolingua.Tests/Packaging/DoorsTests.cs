using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace Emolingua.Tests.Packaging;

/// <summary>
/// The README's doors table ("What the rooms actually use") is the one source of truth for which room may use which:
/// these tests parse it and read every type reference of Emolingua.dll and Emolingua.Runtime.dll (signatures, base
/// types, fields, locals and the tokens in method bodies), so the table cannot drift from the code again.
/// </summary>
public class DoorsTests
{
    /// <summary>What a room may use: whole rooms, or only the named types of a room ("Inference
    /// (ClipScorer)").</summary>
    internal sealed record Doors(Dictionary<string, Dictionary<string, HashSet<string>?>> Allowed);

    /// <summary>One use of a type of another room: (using type, used type), both namespace-qualified.</summary>
    internal sealed record Edge(string From, string To)
    {
        public string FromRoom => RoomOf(From)!;
        public string ToRoom => RoomOf(To)!;
    }

    [Fact]
    public void EveryRoomUsesOnlyWhatTheReadmeTableAllows()
    {
        var doors = ReadDoorsTable(File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")));
        var violations = new List<string>();
        foreach (var edge in LibraryEdges())
        {
            if (!doors.Allowed.TryGetValue(edge.FromRoom, out var uses))
            {
                violations.Add($"{edge.From}: room {edge.FromRoom} is not in the README's doors table");
            }
            else if (!uses.TryGetValue(edge.ToRoom, out var types))
            {
                violations.Add(
                    $"{edge.From} uses {edge.To}: the README's doors table does not let {edge.FromRoom} use {edge.ToRoom}"
                );
            }
            else if (types != null && !types.Contains(SimpleName(edge.To)))
            {
                violations.Add(
                    $"{edge.From} uses {edge.To}: the README's doors table lets {edge.FromRoom} use only {string.Join(", ", types)} of {edge.ToRoom}"
                );
            }
        }
        Assert.True(violations.Count == 0, string.Join("\n", violations.Distinct().Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void EveryUseTheReadmeTableListsExists()
    {
        var doors = ReadDoorsTable(File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")));
        var edges = LibraryEdges();
        var stale = new List<string>();
        foreach (var (room, uses) in doors.Allowed)
        {
            foreach (var (used, types) in uses)
            {
                var found = edges
                    .Where(e => e.FromRoom == room && e.ToRoom == used)
                    .Select(e => SimpleName(e.To))
                    .ToHashSet();
                if (found.Count == 0)
                    stale.Add($"the README's doors table lets {room} use {used}, but no type of {room} does");
                foreach (var type in (IEnumerable<string>?)types ?? [])
                {
                    if (!found.Contains(type))
                    {
                        stale.Add(
                            $"the README's doors table lets {room} use {used}'s {type}, but no type of {room} does"
                        );
                    }
                }
            }
        }

        Assert.True(stale.Count == 0, string.Join("\n", stale));
    }

    [Fact]
    public void ScannerSeesUsesInSignaturesAndMethodBodies()
    {
        var edges = LibraryEdges();
        // Known uses, read in the sources: TrainRun scores validation clips with ClipScorer (a method body), Folds
        // throws EmolinguaException (another assembly), ZeroShotEvaluation takes Corpora's utterances (a signature).
        Assert.Contains(new Edge("Emolingua.Training.TrainRun", "Emolingua.Inference.ClipScorer"), edges);
        Assert.Contains(new Edge("Emolingua.Corpora.Folds", "Emolingua.Util.EmolinguaException"), edges);
        Assert.Contains(new Edge("Emolingua.Evaluation.ZeroShotEvaluation", "Emolingua.Corpora.Utterance"), edges);
        Assert.DoesNotContain(edges, e => e.FromRoom == e.ToRoom);
    }

    [Fact]
    public void TableParserReadsWholeRoomsAndNamedTypes()
    {
        const string readme =
            "intro\n\n| room | uses |\n|---|---|\n| Util, Scoring | nothing of Emolingua |\n"
            + "| Training | Audio, Inference (ClipScorer, ClipScores), Util |\n| CLI (project) | everything above |\n\nafter\n";
        var doors = ReadDoorsTable(readme);
        Assert.Equal(["Scoring", "Training", "Util"], doors.Allowed.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(doors.Allowed["Util"]);
        Assert.Null(doors.Allowed["Training"]["Audio"]);
        Assert.Equal(
            ["ClipScorer", "ClipScores"],
            doors.Allowed["Training"]["Inference"]!.Order(StringComparer.Ordinal)
        );
        Assert.Equal(3, doors.Allowed["Training"].Count);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (
                File.Exists(Path.Combine(dir.FullName, "Emolingua.slnx"))
                && File.Exists(Path.Combine(dir.FullName, "README.md"))
            )
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException(
            $"{AppContext.BaseDirectory}: no parent folder holds Emolingua.slnx and README.md"
        );
    }

    /// <summary>
    /// The table after "| room | uses |": each row names rooms (comma-separated) and what they use ("nothing of
    /// Emolingua", or rooms, each optionally with the only types it may use in parentheses). Rows of projects
    /// ("(project)") are not rooms of the two library assemblies and are skipped.
    /// </summary>
    internal static Doors ReadDoorsTable(string readme)
    {
        var lines = readme.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var header = lines.FindIndex(l => Regex.IsMatch(l, @"^\|\s*room\s*\|\s*uses\s*\|"));
        Assert.True(header >= 0, "README.md: no doors table (a line '| room | uses |')");
        var allowed = new Dictionary<string, Dictionary<string, HashSet<string>?>>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')))
        {
            var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            if (cells[0].Contains("(project)", StringComparison.Ordinal))
                continue;
            var uses = new Dictionary<string, HashSet<string>?>(StringComparer.Ordinal);
            if (cells[1] != "nothing of Emolingua")
            {
                foreach (Match m in Regex.Matches(cells[1], @"(\w+)(?:\s*\(([^)]*)\))?"))
                {
                    uses[m.Groups[1].Value] = m.Groups[2].Success
                        ? m.Groups[2].Value.Split(',').Select(t => t.Trim()).ToHashSet(StringComparer.Ordinal)
                        : null;
                }
            }

            foreach (var room in cells[0].Split(',').Select(r => r.Trim()))
                allowed[room] = uses;
        }
        return new Doors(allowed);
    }

    private static string? RoomOf(string fullName)
    {
        var parts = fullName.Split('.');
        return parts.Length >= 3 && parts[0] == "Emolingua" ? parts[1] : null;
    }

    private static string SimpleName(string fullName) => fullName[(fullName.LastIndexOf('.') + 1)..];

    private static readonly Lazy<List<Edge>> Edges = new(() =>
        new[] { typeof(Emolingua.Util.Scalars), typeof(Emolingua.Util.EmolinguaException) }
            .SelectMany(t => TypeUses(t.Assembly.Location))
            .Where(e => RoomOf(e.From) is { } from && RoomOf(e.To) is { } to && from != to)
            .Distinct()
            .ToList()
    );

    private static List<Edge> LibraryEdges() => Edges.Value;

    /// <summary>Every (type, referenced type) of one assembly; nested and compiler-generated types count as their
    /// outermost type.</summary>
    private static IEnumerable<Edge> TypeUses(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream, PEStreamOptions.PrefetchEntireImage);
        var md = pe.GetMetadataReader();
        var names = new TypeNames(md);
        var result = new List<Edge>();
        foreach (var handle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(handle);
            var from = names.Outermost(handle);
            var used = new List<string>();
            if (!type.BaseType.IsNil)
                used.AddRange(names.Of(type.BaseType));
            foreach (var i in type.GetInterfaceImplementations())
                used.AddRange(names.Of(md.GetInterfaceImplementation(i).Interface));
            foreach (var f in type.GetFields())
                used.AddRange(md.GetFieldDefinition(f).DecodeSignature(names, null));
            foreach (var p in type.GetProperties())
                used.AddRange(md.GetPropertyDefinition(p).DecodeSignature(names, null).ReturnType);
            foreach (var m in type.GetMethods())
            {
                var method = md.GetMethodDefinition(m);
                var signature = method.DecodeSignature(names, null);
                used.AddRange(signature.ReturnType.Concat(signature.ParameterTypes.SelectMany(p => p)));
                if (method.RelativeVirtualAddress == 0)
                    continue;
                var body = pe.GetMethodBody(method.RelativeVirtualAddress);
                if (!body.LocalSignature.IsNil)
                {
                    foreach (
                        var local in md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(names, null)
                    )
                    {
                        used.AddRange(local);
                    }
                }

                foreach (var token in OperandTokens(body.GetILBytes()!))
                    used.AddRange(names.OfToken(token));
            }
            result.AddRange(used.Distinct().Select(to => new Edge(from, to)));
        }
        return result;
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields()
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The metadata tokens that method-body instructions name (calls, fields, types, ldtoken), decoded
    /// instruction by instruction.</summary>
    internal static IEnumerable<int> OperandTokens(byte[] il)
    {
        var i = 0;
        while (i < il.Length)
        {
            var value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineMethod
                or OperandType.InlineField
                or OperandType.InlineType
                or OperandType.InlineTok:
                    yield return BitConverter.ToInt32(il, i);
                    i += 4;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + 4 * BitConverter.ToInt32(il, i);
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineBrTarget
                or OperandType.InlineI
                or OperandType.InlineSig
                or OperandType.InlineString
                or OperandType.ShortInlineR:
                    i += 4;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
            }
        }
    }

    /// <summary>Namespace-qualified names of the types a handle or signature mentions (generic arguments
    /// included).</summary>
    private sealed class TypeNames(MetadataReader md) : ISignatureTypeProvider<List<string>, object?>
    {
        public string Outermost(TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            while (type.IsNested)
            {
                handle = type.GetDeclaringType();
                type = md.GetTypeDefinition(handle);
            }
            return Join(md.GetString(type.Namespace), md.GetString(type.Name));
        }

        public List<string> Of(EntityHandle handle) =>
            handle.Kind switch
            {
                HandleKind.TypeDefinition => [Outermost((TypeDefinitionHandle)handle)],
                HandleKind.TypeReference => [Reference((TypeReferenceHandle)handle)],
                HandleKind.TypeSpecification => md.GetTypeSpecification((TypeSpecificationHandle)handle)
                    .DecodeSignature(this, null),
                _ => [],
            };

        public List<string> OfToken(int token)
        {
            var handle = MetadataTokens.EntityHandle(token);
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition or HandleKind.TypeReference or HandleKind.TypeSpecification:
                    return Of(handle);
                case HandleKind.FieldDefinition:
                    return Of(md.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                case HandleKind.MethodDefinition:
                    return Of(md.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                case HandleKind.MemberReference:
                    var member = md.GetMemberReference((MemberReferenceHandle)handle);
                    var names = Of(member.Parent);
                    if (member.GetKind() == MemberReferenceKind.Method)
                    {
                        var s = member.DecodeMethodSignature(this, null);
                        names.AddRange(s.ReturnType.Concat(s.ParameterTypes.SelectMany(p => p)));
                    }
                    else
                    {
                        names.AddRange(member.DecodeFieldSignature(this, null));
                    }

                    return names;
                case HandleKind.MethodSpecification:
                    var spec = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                    return OfToken(MetadataTokens.GetToken(spec.Method))
                        .Concat(spec.DecodeSignature(this, null).SelectMany(a => a))
                        .ToList();
                default:
                    return [];
            }
        }

        private string Reference(TypeReferenceHandle handle)
        {
            var type = md.GetTypeReference(handle);
            while (type.ResolutionScope.Kind == HandleKind.TypeReference)
                type = md.GetTypeReference((TypeReferenceHandle)type.ResolutionScope);
            return Join(md.GetString(type.Namespace), md.GetString(type.Name));
        }

        private static string Join(string ns, string name) => ns.Length == 0 ? name : ns + "." + name;

        public List<string> GetTypeFromDefinition(
            MetadataReader reader,
            TypeDefinitionHandle handle,
            byte rawTypeKind
        ) => [Outermost(handle)];

        public List<string> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) =>
            [Reference(handle)];

        public List<string> GetTypeFromSpecification(
            MetadataReader reader,
            object? context,
            TypeSpecificationHandle handle,
            byte rawTypeKind
        ) => reader.GetTypeSpecification(handle).DecodeSignature(this, context);

        public List<string> GetPrimitiveType(PrimitiveTypeCode typeCode) => [];

        public List<string> GetSZArrayType(List<string> elementType) => elementType;

        public List<string> GetArrayType(List<string> elementType, ArrayShape shape) => elementType;

        public List<string> GetByReferenceType(List<string> elementType) => elementType;

        public List<string> GetPointerType(List<string> elementType) => elementType;

        public List<string> GetPinnedType(List<string> elementType) => elementType;

        public List<string> GetModifiedType(List<string> modifier, List<string> unmodifiedType, bool isRequired) =>
            unmodifiedType;

        public List<string> GetGenericInstantiation(
            List<string> genericType,
            System.Collections.Immutable.ImmutableArray<List<string>> typeArguments
        ) => genericType.Concat(typeArguments.SelectMany(a => a)).ToList();

        public List<string> GetGenericMethodParameter(object? genericContext, int index) => [];

        public List<string> GetGenericTypeParameter(object? genericContext, int index) => [];

        public List<string> GetFunctionPointerType(MethodSignature<List<string>> signature) =>
            signature.ReturnType.Concat(signature.ParameterTypes.SelectMany(p => p)).ToList();
    }
}
