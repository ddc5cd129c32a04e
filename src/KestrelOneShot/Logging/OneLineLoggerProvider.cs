using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Logging;

/// <summary>
/// Hands every log entry, as one <see cref="OneLineLogFormat"/> line, to <c>writeLine</c> at once
/// (the program passes stderr's; the in-memory kit keeps the lines).
/// </summary>
/// <remarks>
/// In place of the framework's console logger: a one-shot writes a handful of lines, and that logger's
/// queue thread, three built-in formatters and their options monitors cost about 10 ms of a ~44 ms
/// Native AOT start (docs/performance.md). Written synchronously, no line is lost at exit.
/// The "Console" alias keeps <c>Logging:Console:LogLevel</c> filters working.
/// </remarks>
[ProviderAlias("Console")]
public sealed class OneLineLoggerProvider(Action<string> writeLine) : ILoggerProvider
{
    private readonly Logger _logger = new(writeLine);

    public ILogger CreateLogger(string categoryName) => _logger;

    public void Dispose()
    {
    }

    private sealed class Logger(Action<string> writeLine) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (OneLineLogFormat.Format(logLevel, formatter(state, exception), exception) is { } line)
            {
                writeLine(line);
            }
        }
    }
}
