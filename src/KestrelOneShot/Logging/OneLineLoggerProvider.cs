using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Logging;

/// <summary>
/// Hands every log entry, as one <see cref="OneLineLogFormat"/> line, to <c>writeLine</c> (the
/// program's queued stderr; the in-memory kit keeps the lines). Entries of one kind (category and
/// event id) that flood are counted instead, and said in one line per interval (<see cref="RepeatSummary"/>).
/// </summary>
/// <remarks>
/// In place of the framework's console logger: a one-shot writes a handful of lines, and that
/// logger's queue thread, formatters and options monitors are a large share of a Native AOT start
/// (docs/performance.md). The "Console" alias keeps <c>Logging:Console:LogLevel</c> filters working.
/// </remarks>
[ProviderAlias("Console")]
internal sealed class OneLineLoggerProvider : ILoggerProvider
{
    private readonly Action<string> _writeLine;
    private readonly RepeatSummary _repeats;

    /// <param name="writeLine">Where each line goes.</param>
    /// <param name="time">The clock of the summaries' intervals.</param>
    /// <param name="neverSummarised">Event ids written every time, however many come.</param>
    public OneLineLoggerProvider(Action<string> writeLine, TimeProvider? time = null, IReadOnlyCollection<int>? neverSummarised = null)
    {
        _writeLine = writeLine;
        _repeats = new RepeatSummary(writeLine, time ?? TimeProvider.System, neverSummarised ?? []);
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Says what is still counted and stops counting.</summary>
    public void Dispose() => _repeats.Dispose();

    private sealed class Logger(OneLineLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id != 0 && !provider._repeats.Admit(category, eventId, logLevel))
            {
                return;
            }

            if (OneLineLogFormat.Format(logLevel, formatter(state, exception), exception) is { } line)
            {
                provider._writeLine(line);
            }
        }
    }
}
