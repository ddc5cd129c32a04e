using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Hosting;

/// <summary>Ends the run with exit 4 when nothing was served within <c>OneShot:WaitTimeout</c>.</summary>
public sealed partial class WaitTimeoutService(
    OneShotRun run,
    IOptions<OneShotOptions> options,
    TimeProvider time,
    ILogger<WaitTimeoutService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var text = options.Value.WaitTimeout;
        var timeout = text is null ? TimeSpan.Zero : Duration.Parse(text);
        if (timeout <= TimeSpan.Zero)
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
            LogWaitTimedOut(logger, text!);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "No connection was served within {WaitTimeout}; stopping (exit 4)")]
    private static partial void LogWaitTimedOut(ILogger logger, string waitTimeout);
}
