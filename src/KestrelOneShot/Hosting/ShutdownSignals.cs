using System.Runtime.InteropServices;

using KestrelOneShot.Run;

using Microsoft.Extensions.Hosting;

namespace KestrelOneShot.Hosting;

/// <summary>
/// Ends the run on SIGINT or SIGTERM with that signal's outcome (exit 130 and 143) and stops the
/// host gracefully, in place of the console lifetime's own handling, which would exit 0. A shot
/// being served when the signal comes still finishes, and the run then counts as served.
/// </summary>
internal sealed class ShutdownSignals(OneShotRun run) : IHostedService, IDisposable
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
        context.Cancel = true; // Stop gracefully, through the host, rather than be terminated.
        run.TryEndAndStop(outcome);
    }
}
