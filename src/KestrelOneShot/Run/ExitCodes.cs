namespace KestrelOneShot.Run;

/// <summary>The process exit codes of the contract (README, "Exit codes").</summary>
internal static class ExitCodes
{
    public const int Served = 0;
    public const int UnexpectedFailure = 1;
    public const int InvalidConfiguration = 2;
    public const int CannotListen = 3;
    public const int WaitTimedOut = 4;
    public const int NotAsExpected = 5;

    // 128 + signal number, as shells report a process killed by that signal.
    public const int Interrupted = 130;
    public const int Terminated = 143;
}
