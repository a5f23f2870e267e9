using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Emolingua.Tests.Inference;

/// <summary>
/// ONNX Runtime for Node.js (npm package onnxruntime-node), the "another language's runtime" of issue 9: installed
/// from the npm registry into a cache folder on first use, then run as a child process on an exported model.
/// </summary>
public static class NodeOnnxRuntime
{
    public const string Version = "1.30.0";

    /// <summary>The script a Node.js user would write (the README shows the same calls).</summary>
    private const string Script = """
        const ort = require('onnxruntime-node');
        const fs = require('fs');
        const [modelPath, inputPath, batch, samples] = process.argv.slice(2);
        (async () => {
          const session = await ort.InferenceSession.create(modelPath, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
          const bytes = fs.readFileSync(inputPath);
          const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
          const waveform = new ort.Tensor('float32', data, [Number(batch), Number(samples)]);
          const out = await session.run({ waveform });
          console.log(JSON.stringify({
            probabilities: Array.from(out.probabilities.data), probabilities_dims: out.probabilities.dims,
            embedding: Array.from(out.embedding.data), embedding_dims: out.embedding.dims,
          }));
        })().catch(e => { console.error(e.message); process.exit(1); });
        """;

    /// <summary>The folder holding node_modules/onnxruntime-node: EMOLINGUA_NODE_CACHE, else
    /// ~/.cache/emolingua/onnxruntime-node-VERSION.</summary>
    public static string CacheFolder =>
        Environment.GetEnvironmentVariable("EMOLINGUA_NODE_CACHE") is { Length: > 0 } c
            ? c
            : Path.Combine(
                Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
                ".cache",
                "emolingua",
                $"onnxruntime-node-{Version}"
            );

    /// <summary>
    /// Installs onnxruntime-node into the cache when missing. <c>--ignore-scripts</c>: its postinstall script would
    /// fetch
    /// CUDA provider libraries from NuGet on Linux x64; the CPU runtime is inside the npm package itself, so nothing
    /// beyond the npm registry is downloaded. Installed into a temporary folder and renamed, so an interrupted install
    /// leaves no half cache.
    /// </summary>
    public static string EnsureInstalled()
    {
        var folder = CacheFolder;
        if (File.Exists(Path.Combine(folder, "node_modules", "onnxruntime-node", "package.json")))
            return folder;
        var staging = $"{folder}.tmp-{Environment.ProcessId}";
        Directory.CreateDirectory(staging);
        File.WriteAllText(
            Path.Combine(staging, "package.json"),
            """{ "name": "emolingua-onnx-check", "private": true }"""
        );
        Run(
            "npm",
            staging,
            "install",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            $"onnxruntime-node@{Version}"
        );
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
        Directory.Move(staging, folder);
        return folder;
    }

    /// <summary>Runs an exported model on windows [batch, samples] in Node.js; returns its probabilities and
    /// embeddings, row-major.</summary>
    public static (float[] Probabilities, long[] ProbabilityDims, float[] Embedding, long[] EmbeddingDims) Run(
        string modelPath,
        float[] windows,
        int batch,
        int samples
    )
    {
        var folder = EnsureInstalled();
        var script = Path.Combine(folder, "run-model.js");
        File.WriteAllText(script, Script);
        var input = Path.Combine(Path.GetTempPath(), $"emolingua-node-input-{Guid.NewGuid():N}.f32");
        try
        {
            File.WriteAllBytes(input, MemoryMarshal.AsBytes(windows.AsSpan()).ToArray());
            var json = Run("node", folder, script, modelPath, input, batch.ToString(), samples.ToString());
            using var doc = JsonDocument.Parse(json);
            float[] Floats(string name) =>
                doc.RootElement.GetProperty(name).EnumerateArray().Select(e => e.GetSingle()).ToArray();
            long[] Dims(string name) =>
                doc.RootElement.GetProperty(name).EnumerateArray().Select(e => e.GetInt64()).ToArray();
            return (Floats("probabilities"), Dims("probabilities_dims"), Floats("embedding"), Dims("embedding_dims"));
        }
        finally
        {
            File.Delete(input);
        }
    }

    private static string Run(string tool, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"{tool} not found ({e.Message}): ./test.sh installs Node.js (Debian package nodejs)"
            );
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(300_000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{tool} {string.Join(' ', arguments)} timed out");
            }
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"{tool} {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr.Result}"
                );
            }

            return stdout.Result;
        }
    }
}
