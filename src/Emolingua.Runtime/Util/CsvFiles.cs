using CsvHelper;

namespace Emolingua.Util;

/// <summary>
/// CSV and TSV files through CsvHelper: a header row, an explicit separator (never guessed from the data), RFC 4180
/// quoting, and "\n" line ends when writing (atomically).
/// </summary>
public static class CsvFiles
{
    /// <summary>
    /// Opens a file whose first row is a header. <paramref name="quoted"/> false: no quoting at all, every character
    /// but the separator and line breaks is text (Common Voice's TSVs hold sentences with unbalanced quotes).
    /// </summary>
    public static CsvReader Open(string path, char separator = ',', bool quoted = true) =>
        CsvReader.FromFile(
            path,
            CsvReaderOptions.Default with
            {
                Separator = separator,
                Mode = quoted ? CsvMode.Rfc4180 : CsvMode.NoEscape,
                DetectSeparatorHint = false,
            }
        );

    /// <summary>The first column with one of <paramref name="names"/> (exact, else ignoring case and surrounding
    /// spaces); -1 when none.</summary>
    public static int Column(CsvReader reader, params string[] names)
    {
        foreach (var name in names)
        {
            if (reader.TryGetFieldIndex(name, out var index))
                return index;
        }

        return -1;
    }

    /// <summary>A field of the current record, trimmed; "" for a column that is absent (-1) or past the record's
    /// end.</summary>
    public static string Field(CsvReader reader, int column) =>
        column >= 0 && column < reader.Current.FieldCount ? reader.Current.GetString(column).Trim() : "";

    /// <summary>Writes a header and records atomically (a reader never sees half a file).</summary>
    public static void Write(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> records) =>
        AtomicFile.Write(path, stream =>
        {
            using var csv = CsvWriter.Create(stream, CsvWriterOptions.Default with { NewLine = "\n" }, leaveOpen: true);
            csv.WriteHeader([.. header]);
            foreach (var record in records)
                csv.WriteRecord([.. record]);
        });
}
