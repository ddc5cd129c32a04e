using System.Collections.Concurrent;

using KestrelOneShot.Logging;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KestrelOneShot.Testing.Hosting;

/// <summary>
/// Keeps every log line of a run, formatted exactly as the program writes them to stderr.
/// The host's logging filters (Logging:LogLevel) decide what reaches it.
/// </summary>
internal sealed class CapturedLog : ILoggerProvider
{
    private readonly OneLineConsoleFormatter _formatter = new();
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            using var line = new StringWriter();
            log._formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), scopeProvider: null, line);
            log._lines.Enqueue(line.ToString().TrimEnd('\r', '\n'));
        }
    }
}
