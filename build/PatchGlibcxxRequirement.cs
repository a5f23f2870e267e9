using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Marks the GLIBCXX_3.4.32 version requirement of libLibTorchSharp.so as weak (VER_FLG_WEAK = 0x2) in the
/// SHT_GNU_verneed section, but only when the machine's libstdc++ lacks that version node. Writes a new file
/// and renames it over the output copy, so a hard link into the NuGet cache is never modified.
/// </summary>
public class PatchGlibcxxRequirement : Task
{
    const string Needed = "GLIBCXX_3.4.32";
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlagWeak = 0x2;

    [Required]
    public string SearchDirectory { get; set; } = "";

    public override bool Execute()
    {
        if (!Directory.Exists(SearchDirectory))
            return true;
        var libs = Directory.GetFiles(SearchDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories);
        if (libs.Length == 0)
            return true;
        string libstdcxx = FindLibStdCxx();
        if (libstdcxx == null)
        {
            Log.LogMessage(
                MessageImportance.High,
                "Emolingua: no libstdc++.so.6 found in the usual places; libLibTorchSharp.so left as shipped."
            );
            return true;
        }
        if (Contains(File.ReadAllBytes(libstdcxx), Encoding.ASCII.GetBytes(Needed + "\0")))
            return true; // the system provides the version: nothing to do
        foreach (var lib in libs)
        {
            try
            {
                if (PatchFile(lib))
                    Log.LogMessage(
                        MessageImportance.High,
                        $"Emolingua: {libstdcxx} lacks {Needed}; marked that requirement weak in {lib}"
                    );
            }
            catch (Exception e)
            {
                Log.LogError($"Emolingua: could not patch {lib}: {e.Message}");
                return false;
            }
        }
        return true;
    }

    static string FindLibStdCxx()
    {
        foreach (
            var dir in new[]
            {
                "/usr/lib/x86_64-linux-gnu",
                "/lib/x86_64-linux-gnu",
                "/usr/lib/aarch64-linux-gnu",
                "/lib/aarch64-linux-gnu",
                "/usr/lib64",
                "/lib64",
                "/usr/lib",
            }
        )
        {
            var p = Path.Combine(dir, "libstdc++.so.6");
            if (File.Exists(p))
                return p;
        }
        return null;
    }

    static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
                j++;
            if (j == needle.Length)
                return true;
        }
        return false;
    }

    /// <returns>true when a flag was changed</returns>
    static bool PatchFile(string path)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (
            elf.Length < 64
            || elf[0] != 0x7f
            || elf[1] != 'E'
            || elf[2] != 'L'
            || elf[3] != 'F'
            || elf[4] != 2
            || elf[5] != 1
        )
            throw new InvalidDataException("not a little-endian ELF64 file");
        ulong shoff = BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        bool changed = false;
        for (int s = 0; s < shnum; s++)
        {
            int sh = checked((int)shoff + s * shentsize);
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed)
                continue;
            int offset = checked((int)BitConverter.ToUInt64(elf, sh + 0x18));
            int link = (int)BitConverter.ToUInt32(elf, sh + 0x28);
            int count = (int)BitConverter.ToUInt32(elf, sh + 0x2C);
            int strtab = checked((int)BitConverter.ToUInt64(elf, (int)shoff + link * shentsize + 0x18));
            int vn = offset;
            for (int n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, vn + 2);
                int aux = vn + (int)BitConverter.ToUInt32(elf, vn + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    int nameOffset = strtab + (int)BitConverter.ToUInt32(elf, aux + 8);
                    int end = Array.IndexOf(elf, (byte)0, nameOffset);
                    string name = Encoding.ASCII.GetString(elf, nameOffset, end - nameOffset);
                    ushort flags = BitConverter.ToUInt16(elf, aux + 4);
                    if (name == Needed && (flags & VerFlagWeak) == 0)
                    {
                        flags |= VerFlagWeak;
                        elf[aux + 4] = (byte)(flags & 0xff);
                        elf[aux + 5] = (byte)(flags >> 8);
                        changed = true;
                    }
                    aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                }
                vn += (int)BitConverter.ToUInt32(elf, vn + 12);
            }
        }
        if (!changed)
            return false;
        string tmp = path + ".patching";
        DateTime stamp = File.GetLastWriteTimeUtc(path);
        File.WriteAllBytes(tmp, elf);
        // Keep the shipped timestamp: MSBuild then sees the copy as unchanged and does not overwrite the patched file
        // on the next incremental build (an in-place overwrite would also hit processes that have it loaded).
        File.SetLastWriteTimeUtc(tmp, stamp);
        File.Delete(path); // unlink first: never write through a hard link into the NuGet cache
        File.Move(tmp, path);
        return true;
    }
}
