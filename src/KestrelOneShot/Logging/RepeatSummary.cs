using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Logging;

/// <summary>
/// Lets the first entries of a kind through in each <see cref="Interval"/> (one warning or error,
/// <see cref="Burst"/> of the lower levels) and counts the rest, saying the count in one line when
/// the interval ends: a flood of bad headers or rejected connections costs a line a second, not a
/// line a connection. Events whose every line is part of the contract (<c>neverSummarised</c>, by
/// event id) are always written: their number must be bounded by their owner.
/// </summary>
internal sealed class RepeatSummary(Action<string> writeLine, TimeProvider time, IReadOnlyCollection<int> neverSummarised) : IDisposable
{
    /// <summary>How many debug or information entries of a kind are written per interval; of warnings and errors, one.</summary>
    public const int Burst = 5;

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Dictionary<(string Category, int Id), Kind> _kinds = [];
    private bool _disposed;

    /// <summary>True when the entry should be written; false when it was counted instead.</summary>
    public bool Admit(string category, EventId eventId, LogLevel level)
    {
        if (neverSummarised.Contains(eventId.Id))
        {
            return true;
        }

        lock (_kinds)
        {
            if (!_kinds.TryGetValue((category, eventId.Id), out var kind))
            {
                kind = new Kind(eventId.Name ?? $"{category}[{eventId.Id}]", level) { WindowStart = time.GetTimestamp() };
                _kinds.Add((category, eventId.Id), kind);
            }

            var now = time.GetTimestamp();
            if (kind.Timer is null && time.GetElapsedTime(kind.WindowStart, now) >= Interval)
            {
                kind.WindowStart = now;
                kind.Written = 0;
            }

            if (kind.Written < (level >= LogLevel.Warning ? 1 : Burst) || _disposed)
            {
                kind.Written++;
                return true;
            }

            // Only a kind that floods gets a timer: it says the count when its interval ends.
            kind.Counted++;
            kind.Timer ??= time.CreateTimer(_ => EndInterval(kind), null, Interval - time.GetElapsedTime(kind.WindowStart, now), Timeout.InfiniteTimeSpan);
            return false;
        }
    }

    public void Dispose()
    {
        lock (_kinds)
        {
            _disposed = true;
            foreach (var kind in _kinds.Values)
            {
                kind.Timer?.Dispose();
                Say(kind);
            }
        }
    }

    private void EndInterval(Kind kind)
    {
        lock (_kinds)
        {
            kind.Timer?.Dispose();
            kind.Timer = null;
            Say(kind);
            kind.Written = 0;
            kind.WindowStart = time.GetTimestamp();
        }
    }

    private void Say(Kind kind)
    {
        if (kind.Counted > 0)
        {
            writeLine(OneLineLogFormat.Format(kind.Level, $"{kind.Name}: {kind.Counted} more like the above in the last {Interval.TotalSeconds:0.#}s, not shown", null)!);
            kind.Counted = 0;
        }
    }

    private sealed class Kind(string name, LogLevel level)
    {
        public string Name { get; } = name;

        public LogLevel Level { get; } = level;

        public long WindowStart { get; set; }

        public int Written { get; set; }

        public int Counted { get; set; }

        public ITimer? Timer { get; set; }
    }
}
