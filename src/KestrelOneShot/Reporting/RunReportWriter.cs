using System.Text.Json;

namespace KestrelOneShot.Reporting;

/// <summary>Writes the report atomically: a reader sees the old file or the whole new one, never half.</summary>
internal static class RunReportWriter
{
    public static void Write(string path, RunReport report)
    {
        var full = Path.GetFullPath(path);
        var temporary = $"{full}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(report, RunReportJsonContext.Default.RunReport));
            File.Move(temporary, full, overwrite: true);
        }
        catch when (File.Exists(temporary))
        {
            // Written but not moved: leave nothing behind. (Cleaning up in a finally would, for a
            // directory that does not exist, throw again and hide why the write failed.)
            File.Delete(temporary);
            throw;
        }
    }
}
