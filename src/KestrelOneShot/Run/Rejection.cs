using System.Net;

using KestrelOneShot.Diagnosis;

namespace KestrelOneShot.Run;

/// <summary>A connection that was turned away or was a probe, as the report tells it.</summary>
/// <param name="Remote">The connection's own peer (the proxy, when one is in front).</param>
/// <param name="OriginalClient">Who the PROXY header said the client was, when one was read.</param>
/// <param name="Timestamp">When the pipeline was done with it.</param>
internal sealed record Rejection(
    ConnectionVerdict Verdict,
    ConnectionStage Stage,
    string Reason,
    FirstBytes Began,
    EndPoint? Local,
    EndPoint? Remote,
    EndPoint? OriginalClient,
    long Timestamp)
{
    /// <summary>A health check or a port probe; anything else sent something and was refused.</summary>
    public bool IsHealthCheck => Verdict is ConnectionVerdict.HealthCheck or ConnectionVerdict.Undecided;

    /// <summary>The one vocabulary of the report, the summary and the log: <c>health-check</c>, <c>latecomer</c> or <c>rejected</c>.</summary>
    public string Kind => IsHealthCheck ? "health-check" : Verdict == ConnectionVerdict.Latecomer ? "latecomer" : "rejected";
}

/// <summary>
/// Every rejection of a run, bounded: the first <see cref="MaxEntries"/> kept whole for the report, the
/// rest only counted, by what they began with, so that a flood of bad connections grows neither the
/// report nor the memory.
/// </summary>
internal sealed class RejectionLog
{
    public const int MaxEntries = 100;

    private readonly List<Rejection> _entries = [];

    // What the summary line names, in the order first seen; the labels are a small fixed set.
    private readonly List<(string Label, int Count)> _turnedAway = [];
    private int _count;
    private int _healthChecks;

    public int Count => Volatile.Read(ref _count);

    public int HealthChecks => Volatile.Read(ref _healthChecks);

    public IReadOnlyList<Rejection> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public void Record(Rejection rejection)
    {
        lock (_entries)
        {
            _count++;
            if (_entries.Count < MaxEntries)
            {
                _entries.Add(rejection);
            }

            if (rejection.IsHealthCheck)
            {
                _healthChecks++;
                return;
            }

            var label = rejection.Began.Label;
            var index = _turnedAway.FindIndex(group => group.Label == label);
            if (index < 0)
            {
                _turnedAway.Add((label, 1));
            }
            else
            {
                _turnedAway[index] = (label, _turnedAway[index].Count + 1);
            }
        }
    }

    /// <summary>
    /// What arrived, for the last warning of a run that did not serve everything: "3 were turned
    /// away: 1 TLS ClientHello, 2 HTTP/1.1 requests, and 1 health check came"; empty when nothing came.
    /// </summary>
    public string Summary()
    {
        lock (_entries)
        {
            var turnedAway = _count - _healthChecks;
            var summary = turnedAway > 0
                ? $"{turnedAway} {(turnedAway == 1 ? "was" : "were")} turned away: {string.Join(", ", _turnedAway.Select(g => Counted(g.Count, g.Label)))}"
                : "";
            if (_healthChecks > 0)
            {
                summary += $"{(summary.Length > 0 ? ", and " : "")}{Counted(_healthChecks, "health check")} came";
            }

            return summary;
        }
    }

    private static string Counted(int count, string label) => count == 1 ? $"1 {label}" : $"{count} {label}s";
}
