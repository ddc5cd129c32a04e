using System.Collections.Concurrent;
using System.Net;

using KestrelOneShot.Configuration;
using KestrelOneShot.Diagnosis;
using KestrelOneShot.Expectations;
using KestrelOneShot.ProxyProtocol;
using KestrelOneShot.Tls;

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Run;

/// <summary>How a run ended; each maps to one exit code.</summary>
internal enum RunOutcome
{
    /// <summary>Still waiting for the shot; a stop in this state is unexpected.</summary>
    Waiting,
    Served,
    WaitTimedOut,
    Interrupted,
    Terminated,
}

/// <summary>One served message, raw or an HTTP exchange, as the report tells it.</summary>
/// <param name="Text">The message as printed, escaped, without the stdout prefix.</param>
/// <param name="Raw">The captured bytes.</param>
/// <param name="Expectations">What each <c>--expect-…</c> switch made of it; empty without any.</param>
/// <param name="Warning">What looked wrong about it though it was served (a PROXY header in the message), if anything.</param>
/// <param name="Http">The request, when the endpoint speaks HTTP.</param>
internal sealed record ServedMessage(
    string Text, byte[] Raw, long Bytes, bool Capped, EndPoint? Local, EndPoint? Remote, ProxyHeader? Proxy, TlsFacts? Tls, IReadOnlyList<ExpectationResult> Expectations, string? Warning, HttpRequestFacts? Http = null);

/// <summary>
/// The run's single source of truth: which connections get a shot (exactly <c>Count</c>, atomically,
/// across every listener and connection: the handler is shared by the 127.0.0.1 and ::1 listeners,
/// and Kestrel keeps serving accepted connections while it stops), how the run ended (the first of
/// "all served", "wait timed out" or "signalled" wins), and what the report needs.
/// </summary>
internal sealed class OneShotRun(IHostApplicationLifetime lifetime, IOptions<OneShotOptions> options, TimeProvider time)
{
    private readonly int _count = options.Value.Count;
    private readonly ConcurrentQueue<ServedMessage> _served = new();
    private int _outcome = (int)RunOutcome.Waiting;
    private int _taken;
    private int _finished;
    private int _unmet;

    /// <summary>True when a report was asked for: only then is each served message kept.</summary>
    public bool KeepsServedMessages { get; } = options.Value.ReportPath is not null;

    public RunOutcome Outcome => (RunOutcome)Volatile.Read(ref _outcome);

    public int ExitCode => Outcome switch
    {
        RunOutcome.Served => Volatile.Read(ref _unmet) > 0 ? ExitCodes.NotAsExpected : ExitCodes.Served,
        RunOutcome.WaitTimedOut => ExitCodes.WaitTimedOut,
        RunOutcome.Interrupted => ExitCodes.Interrupted,
        RunOutcome.Terminated => ExitCodes.Terminated,
        _ => ExitCodes.UnexpectedFailure,
    };

    /// <summary>Every connection turned away or that was a probe, bounded.</summary>
    public RejectionLog Rejections { get; } = new();

    public IReadOnlyList<ServedMessage> Served => [.. _served];

    /// <summary>The bound endpoints, as the ready line names them.</summary>
    public IReadOnlyList<string> Endpoints { get; private set; } = [];

    /// <summary>When the listeners were bound; null before.</summary>
    public long? ReadyTimestamp { get; private set; }

    /// <summary>When the last shot was answered; null before.</summary>
    public long? ServedTimestamp { get; private set; }

    /// <summary>
    /// Claims a shot for the calling connection. True for exactly <c>Count</c> callers while the run
    /// waits; each then owns its answer and calls <see cref="ShotServed"/> when done.
    /// </summary>
    public bool TryTakeShot()
    {
        if (Outcome != RunOutcome.Waiting)
        {
            return false;
        }

        var taken = Interlocked.Increment(ref _taken);
        // The last shot ends the wait, unless a timeout or a signal ended it first.
        return taken < _count || (taken == _count && TryEnd(RunOutcome.Served));
    }

    /// <summary>
    /// A shot's answer is done; the host stops once every shot's is. One that did not meet the
    /// expectations makes the run end with <see cref="ExitCodes.NotAsExpected"/>.
    /// </summary>
    public void ShotServed(ServedMessage? message, bool metExpectations = true)
    {
        if (!metExpectations)
        {
            Interlocked.Increment(ref _unmet);
        }

        if (message is not null)
        {
            _served.Enqueue(message);
        }

        if (Interlocked.Increment(ref _finished) == _count)
        {
            ServedTimestamp = time.GetTimestamp();
            Stop();
        }
    }

    public void MarkReady(IReadOnlyList<string> endpoints)
    {
        Endpoints = endpoints;
        ReadyTimestamp = time.GetTimestamp();
    }

    /// <summary>Ends the run with <paramref name="outcome"/> unless it already ended, and stops the host.</summary>
    public bool TryEndAndStop(RunOutcome outcome)
    {
        if (!TryEnd(outcome))
        {
            return false;
        }

        Stop();
        return true;
    }

    private void Stop() => lifetime.StopApplication();

    private bool TryEnd(RunOutcome outcome) =>
        Interlocked.CompareExchange(ref _outcome, (int)outcome, (int)RunOutcome.Waiting) == (int)RunOutcome.Waiting;
}
