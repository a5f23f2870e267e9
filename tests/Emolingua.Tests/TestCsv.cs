using CsvHelper;

namespace Emolingua.Tests;

/// <summary>
/// The tests' one CSV/TSV reader: CsvHelper with RFC 4180 quoting and an explicit separator, so a quoted field holding
/// the separator or a quote cannot shift the columns a test reads.
/// </summary>
public static class TestCsv
{
    /// <summary>Every row of the file, the header first; fields as written (untrimmed).</summary>
    public static List<string[]> Rows(string path, char separator = ',')
    {
        using var reader = CsvReader.FromFile(
            path,
            CsvReaderOptions.Default with
            {
                Separator = separator,
                Mode = CsvMode.Rfc4180,
                DetectSeparatorHint = false,
                TrimWhitespace = false,
            }
        );
        string[] header = [.. reader.Headers];
        var rows = new List<string[]> { header };
        while (reader.Read())
            rows.Add(Enumerable.Range(0, reader.Current.FieldCount).Select(i => reader.Current.GetString(i)).ToArray());
        return rows;
    }

    /// <summary>The data rows (header skipped).</summary>
    public static List<string[]> Records(string path, char separator = ',') => Rows(path, separator).Skip(1).ToList();

    /// <summary>The data rows as column name → field.</summary>
    public static List<Dictionary<string, string>> Named(string path, char separator = ',')
    {
        var rows = Rows(path, separator);
        return rows.Skip(1).Select(row => rows[0].Zip(row).ToDictionary(p => p.First, p => p.Second)).ToList();
    }
}
