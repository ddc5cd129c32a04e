using KestrelOneShot.Configuration;
using KestrelOneShot.Connections;
using KestrelOneShot.Run;

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Hosting;

/// <summary>Ends the run with exit 4 when not every shot was served within <c>OneShot:WaitTimeout</c>.</summary>
internal sealed class WaitTimeoutService(
    OneShotRun run,
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
