using System.Runtime.InteropServices;

using Microsoft.Extensions.Hosting;

namespace KestrelOneShot.Hosting;

/// <summary>
/// Records SIGINT and SIGTERM as the run's outcome (exit 130 and 143) before anything was served.
/// The host's console lifetime still performs the graceful stop; this only remembers why.
/// </summary>
public sealed class ShutdownSignals(OneShotRun run) : IHostedService, IDisposable
{
    private PosixSignalRegistration? _interrupt;
    private PosixSignalRegistration? _terminate;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => OnSignal(context, RunOutcome.Interrupted));
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => OnSignal(context, RunOutcome.Terminated));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _interrupt?.Dispose();
        _terminate?.Dispose();
    }

    private void OnSignal(PosixSignalContext context, RunOutcome outcome)
    {
        // Graceful: a shot being served finishes and the run still counts as served.
        context.Cancel = true;
        run.TryEndAndStop(outcome);
    }
}
