using SharpFuzz;

namespace Emolingua.Fuzz;

// Under afl-fuzz (scripts/fuzz.sh): `dotnet Emolingua.Fuzz.dll TARGET`, inputs on stdin, through SharpFuzz's
// out-of-process fork server (a hang or an uncatchable exception kills only a child, which is restarted).
// Without afl-fuzz it runs one input from stdin; `--replay FILE...` runs files under the contract and the time bound.
internal static class FuzzProgram
{
    public static int Main(string[] args)
    {
        if (args is ["--make-seeds", var seedDir])
        {
            SeedMaker.Write(seedDir);
            return 0;
        }
        if (args.Length == 0 || !FuzzTargets.All.ContainsKey(args[0]))
        {
            Console.Error.WriteLine(
                $"usage: Emolingua.Fuzz TARGET [--replay FILE...]   (targets: {string.Join(", ", FuzzTargets.All.Keys)})"
            );
            return 2;
        }
        var target = args[0];
        if (args.Length > 1 && args[1] == "--replay")
        {
            var failed = 0;
            foreach (var file in args.Skip(2))
            {
                try
                {
                    FuzzTargets.Replay(target, File.ReadAllBytes(file));
                    Console.WriteLine($"ok    {file}");
                }
                catch (ContractViolation e)
                {
                    failed++;
                    Console.WriteLine($"FAIL  {file}: {e.Message}");
                }
            }
            return failed == 0 ? 0 : 1;
        }
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            FuzzTargets.Run(target, memory.ToArray());
        });
        return 0;
    }
}
