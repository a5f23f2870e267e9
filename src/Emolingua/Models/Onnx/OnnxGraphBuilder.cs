using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace Emolingua.Models.Onnx;

/// <summary>
/// Appends nodes and initializers to an ONNX graph (OnnxSharp's onnx.proto classes) with unique tensor names, so the
/// graph code reads like the model code: <c>var y = g.Op("Gemm", [x, w, b], transB: 1)</c>.
/// </summary>
/// <remarks>
/// Why OnnxSharp rather than classes generated from onnx.proto with Google.Protobuf's protoc: OnnxSharp 0.3.2 is
/// exactly those generated classes (onnx.proto of IR version 11, on the Google.Protobuf runtime), so the bytes written
/// are the same, without vendoring onnx.proto into the repository or running a native protoc in every build. We use
/// only the message classes (ModelProto, GraphProto, NodeProto, TensorProto, ...), a part of onnx.proto that has been
/// stable since IR version 3.
/// </remarks>
internal sealed class OnnxGraphBuilder
{
    private readonly Dictionary<string, int> _counts = new();
    private readonly Dictionary<(float, string), string> _scalars = new();

    public GraphProto Graph { get; } = new();

    /// <summary>Prefixes node and tensor names (e.g. "encoder.layers.3.") so the graph can be read in Netron.</summary>
    public string Scope { get; set; } = "";

    private string Unique(string stem)
    {
        var key = Scope + stem;
        var n = _counts.TryGetValue(key, out var c) ? c : 0;
        _counts[key] = n + 1;
        return n == 0 ? key : $"{key}_{n}";
    }

    /// <summary>One node with one output; returns the output's name.</summary>
    public string Op(string opType, IReadOnlyList<string> inputs, params AttributeProto[] attributes) =>
        Ops(opType, inputs, 1, attributes)[0];

    /// <summary>One node with <paramref name="outputs"/> outputs; returns their names.</summary>
    public string[] Ops(string opType, IReadOnlyList<string> inputs, int outputs, params AttributeProto[] attributes)
    {
        var name = Unique(opType);
        var node = new NodeProto { Name = name, OpType = opType };
        node.Input.AddRange(inputs);
        var names = Enumerable.Range(0, outputs).Select(i => outputs == 1 ? name : $"{name}:{i}").ToArray();
        node.Output.AddRange(names);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return names;
    }

    /// <summary>Renames a tensor where it is produced and wherever it is read (to give a graph output its public
    /// name).</summary>
    public string Rename(string tensor, string newName)
    {
        var produced = false;
        foreach (var node in Graph.Node)
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (node.Input[i] == tensor)
                    node.Input[i] = newName;
            }

            for (var i = 0; i < node.Output.Count; i++)
            {
                if (node.Output[i] == tensor)
                {
                    node.Output[i] = newName;
                    produced = true;
                }
            }
        }
        return produced ? newName : throw new InvalidOperationException($"no node produces '{tensor}'");
    }

    public string Float(string stem, ReadOnlySpan<float> data, params long[] dims) =>
        Initializer(stem, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(data), data.Length, dims);

    public string Int8(string stem, ReadOnlySpan<sbyte> data, params long[] dims) =>
        Initializer(stem, TensorProto.Types.DataType.Int8, MemoryMarshal.AsBytes(data), data.Length, dims);

    public string Int64(string stem, params long[] values) =>
        Initializer(
            stem,
            TensorProto.Types.DataType.Int64,
            MemoryMarshal.AsBytes(values.AsSpan()),
            values.Length,
            [values.Length]
        );

    /// <summary>A float scalar constant, shared by every node that uses the same value.</summary>
    public string Scalar(float value)
    {
        var key = (value, "");
        if (_scalars.TryGetValue(key, out var name))
            return name;
        var saved = Scope;
        Scope = "";
        name = Float(
            $"const_{value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}",
            new[] { value }
        );
        Scope = saved;
        return _scalars[key] = name;
    }

    private string Initializer(
        string stem,
        TensorProto.Types.DataType type,
        ReadOnlySpan<byte> bytes,
        int count,
        long[] dims
    )
    {
        var expected = dims.Aggregate(1L, (a, b) => a * b);
        if (expected != count)
            throw new ArgumentException($"{stem}: {count} values for dims [{string.Join(", ", dims)}]");
        var name = Unique(stem);
        var t = new TensorProto
        {
            Name = name,
            DataType = (int)type,
            RawData = ByteString.CopyFrom(bytes),
        }; // raw data is little-endian, as on x86 and ARM
        t.Dims.AddRange(dims);
        Graph.Initializer.Add(t);
        return name;
    }

    /// <summary>A float tensor input or output with named (dynamic) or fixed dimensions.</summary>
    public static ValueInfoProto FloatValue(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(
                d is string p
                    ? new TensorShapeProto.Types.Dimension { DimParam = p }
                    : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) }
            );
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor
                {
                    ElemType = (int)TensorProto.Types.DataType.Float,
                    Shape = shape,
                },
            },
        };
    }
}

/// <summary>Node attributes.</summary>
internal static class Attr
{
    public static AttributeProto Int(string name, long value) =>
        new()
        {
            Name = name,
            Type = AttributeProto.Types.AttributeType.Int,
            I = value,
        };

    public static AttributeProto Float(string name, float value) =>
        new()
        {
            Name = name,
            Type = AttributeProto.Types.AttributeType.Float,
            F = value,
        };

    public static AttributeProto String(string name, string value) =>
        new()
        {
            Name = name,
            Type = AttributeProto.Types.AttributeType.String,
            S = ByteString.CopyFromUtf8(value),
        };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }
}
