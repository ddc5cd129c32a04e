using KestrelOneShot.Output;

namespace KestrelOneShot.Testing.Hosting;

/// <summary>How an in-memory run ended: what the program would have exited with and written.</summary>
/// <param name="ExitCode">The exit code the program would have returned (README, "Exit codes").</param>
/// <param name="Stdout">Everything written to stdout: the message line, or nothing.</param>
/// <param name="Errors">The one-line errors the program writes to stderr for a failed run.</param>
/// <param name="Logs">Every log line, as the program writes them to stderr.</param>
public sealed record OneShotRunResult(int ExitCode, string Stdout, IReadOnlyList<string> Errors, IReadOnlyList<string> Logs)
{
    /// <summary>The served message as printed (escaped, without the prefix), or null when nothing was served.</summary>
    public string? Message =>
        Stdout.StartsWith(MessageStdout.Prefix, StringComparison.Ordinal) ? Stdout[MessageStdout.Prefix.Length..].TrimEnd('\n') : null;
}
