using KestrelOneShot.Configuration;
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
            HostingLog.WaitTimedOut(logger, Duration.Format(timeout));
        }
    }
}
