using System.Text.Json.Nodes;
using TorchSharp;

namespace Emolingua.Util;

/// <summary>
/// What decides the speed of a run on this machine, for every benchmark line and the run header of metrics.jsonl:
/// the CPU (model name, family and model), its instruction families, MKL's code path and libtorch's thread count.
/// </summary>
public static class MachineReport
{
    public static JsonObject Describe()
    {
        var cpu = CpuFeatures.Machine;
        return new JsonObject
        {
            ["cpu"] = Name(cpu),
            ["cpu_flags"] = cpu.Summary,
            ["mkl"] = MklCodePath.Ensure(),
            ["mkl_path"] = MklCodePath.Current(),
            ["threads"] = torch.get_num_threads(),
        };
    }

    /// <summary>"AMD EPYC (family 25, model 17)": a virtual machine's model name alone may not tell Zen 4 from Zen
    /// 5.</summary>
    public static string Name(CpuFeatures cpu)
    {
        var name =
            cpu.ModelName.Length > 0 ? cpu.ModelName
            : cpu.Vendor.Length > 0 ? cpu.Vendor
            : "unknown CPU";
        return cpu.Family is { } f && cpu.Model is { } m ? $"{name} (family {f}, model {m})" : name;
    }
}
