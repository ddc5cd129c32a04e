using System.Text;

using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Logging;

/// <summary>
/// One line per log entry, <c>level: message</c>, and an exception as its type and message only:
/// operators and scripts read stderr, and a stack trace is never what they need from a one-shot.
/// </summary>
internal static class OneLineLogFormat
{
    /// <summary>The line for one entry, without a line break; <c>null</c> when there is nothing to say.</summary>
    public static string? Format(LogLevel level, string? message, Exception? exception)
    {
        if (string.IsNullOrEmpty(message) && exception is null)
        {
            return null;
        }

        var line = new StringBuilder(Level(level)).Append(": ");
        AppendOneLine(line, message);
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            line.Append(inner == exception ? " (" : " <- ").Append(inner.GetType().Name).Append(": ");
            AppendOneLine(line, inner.Message);
            line.Append(inner.InnerException is null ? ")" : "");
        }

        return line.ToString();
    }

    private static void AppendOneLine(StringBuilder line, string? text)
    {
        var separator = false;
        foreach (var part in text.AsSpan().EnumerateLines())
        {
            var trimmed = part.Trim();
            if (trimmed.IsEmpty)
            {
                continue;
            }

            if (separator)
            {
                line.Append(' ');
            }

            line.Append(trimmed);
            separator = true;
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => level.ToString(),
    };
}
