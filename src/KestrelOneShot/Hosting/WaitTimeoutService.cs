using KestrelOneShot.Configuration;
using KestrelOneShot.Connections;
using KestrelOneShot.Run;

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Hosting;

/// <summary>
/// Ends the run with exit 4 when not every shot was served within <c>OneShot:WaitTimeout</c> of the
/// listeners being ready: a timer started when the host has started. Counting from the host's start
/// instead, a short timeout could stop the host while Kestrel was still binding, and the start would
/// fail (exit 1) rather than time out. A timer, not a <c>BackgroundService</c>: .NET 10 runs a
/// background service's work on the thread pool, where it can meet a host whose start already failed.
/// </summary>
internal sealed class WaitTimeoutService(
    OneShotRun run,
    IHostApplicationLifetime lifetime,
    IOptions<OneShotOptions> options,
    TimeProvider time,
    ILogger<WaitTimeoutService> logger) : IHostedService, IDisposable
{
    private readonly Lock _gate = new();
    private CancellationTokenRegistration _started;
    private ITimer? _timer;
    private bool _stopped;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.WaitTimeout is { } timeout && timeout > TimeSpan.Zero)
        {
            _started = lifetime.ApplicationStarted.Register(() => Arm(timeout));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
            _timer?.Dispose();
        }

        _started.Dispose();
    }

    private void Arm(TimeSpan timeout)
    {
        lock (_gate)
        {
            if (!_stopped)
            {
                _timer = time.CreateTimer(_ => Expire(timeout), null, timeout, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Expire(TimeSpan timeout)
    {
        if (run.TryEndAndStop(RunOutcome.WaitTimedOut))
        {
            HostingLog.WaitTimedOut(logger, Duration.Format(timeout), Arrived());
        }
    }

    /// <summary>"; 3 were turned away: 1 TLS ClientHello, … (see the report)", or nothing when nothing came.</summary>
    private string Arrived() => run.Rejections.Summary() is { Length: > 0 } summary
        ? $"; {summary} ({(options.Value.ReportPath is null ? "--report <file> records each" : "see the report")})"
        : "";
}
