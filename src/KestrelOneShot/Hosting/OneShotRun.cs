using Microsoft.Extensions.Hosting;

namespace KestrelOneShot.Hosting;

/// <summary>How a run ended; each maps to one exit code.</summary>
public enum RunOutcome
{
    /// <summary>Still waiting for the shot; a stop in this state is unexpected.</summary>
    Waiting,
    Served,
    WaitTimedOut,
    Interrupted,
    Terminated,
}

/// <summary>
/// The run's single source of truth: the first of "served", "wait timed out" or "signalled" wins,
/// atomically, across every listener and connection (the handler instance is shared by the
/// 127.0.0.1 and ::1 listeners, and Kestrel keeps serving accepted connections while it stops).
/// </summary>
public sealed class OneShotRun(IHostApplicationLifetime lifetime)
{
    private int _outcome = (int)RunOutcome.Waiting;

    public RunOutcome Outcome => (RunOutcome)Volatile.Read(ref _outcome);

    public int ExitCode => Outcome switch
    {
        RunOutcome.Served => ExitCodes.Served,
        RunOutcome.WaitTimedOut => ExitCodes.WaitTimedOut,
        RunOutcome.Interrupted => ExitCodes.Interrupted,
        RunOutcome.Terminated => ExitCodes.Terminated,
        _ => ExitCodes.UnexpectedFailure,
    };

    /// <summary>
    /// Claims the shot for the calling connection. True for exactly one caller; the caller then owns
    /// the answer and calls <see cref="Stop"/> when it is done.
    /// </summary>
    public bool TryTakeShot() => TryEnd(RunOutcome.Served);

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

    public void Stop() => lifetime.StopApplication();

    private bool TryEnd(RunOutcome outcome) =>
        Interlocked.CompareExchange(ref _outcome, (int)outcome, (int)RunOutcome.Waiting) == (int)RunOutcome.Waiting;
}
