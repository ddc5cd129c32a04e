using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace KestrelOneShot.Logging;

/// <summary>
/// One line per log entry, <c>level: message</c>, and an exception as its type and message only:
/// operators and scripts read stderr, and a stack trace is never what they need from a one-shot.
/// </summary>
public sealed class OneLineConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "oneline";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        textWriter.Write(Level(logEntry.LogLevel));
        textWriter.Write(": ");
        WriteOneLine(textWriter, message);
        for (var exception = logEntry.Exception; exception is not null; exception = exception.InnerException)
        {
            textWriter.Write(exception == logEntry.Exception ? " (" : " <- ");
            textWriter.Write(exception.GetType().Name);
            textWriter.Write(": ");
            WriteOneLine(textWriter, exception.Message);
            textWriter.Write(exception.InnerException is null ? ")" : "");
        }

        textWriter.WriteLine();
    }

    private static void WriteOneLine(TextWriter writer, string? text)
    {
        var separator = false;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            var trimmed = line.Trim();
            if (trimmed.IsEmpty)
            {
                continue;
            }

            if (separator)
            {
                writer.Write(' ');
            }

            writer.Write(trimmed);
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
