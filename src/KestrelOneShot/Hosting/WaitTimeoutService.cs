using KestrelOneShot.Configuration;
using KestrelOneShot.Connections;
using KestrelOneShot.Run;

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Hosting;

/// <summary>
/// Ends the run with exit 4 when not every shot was served within <c>OneShot:WaitTimeout</c> of the
/// listeners being ready. Counting from the host's start instead, a short timeout could stop the
/// host while Kestrel was still binding, and the start would fail (exit 1) rather than time out.
/// </summary>
internal sealed class WaitTimeoutService(
    OneShotRun run,
    IHostApplicationLifetime lifetime,
    IOptions<OneShotOptions> options,
    TimeProvider time,
    ILogger<WaitTimeoutService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.WaitTimeout is not { } timeout || timeout <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            {
                await started.Task.WaitAsync(stoppingToken);
            }

            await Task.Delay(timeout, time, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

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
