using KestrelOneShot.Output;

using Microsoft.Extensions.Hosting;

namespace KestrelOneShot.Hosting;

/// <summary>
/// What <see cref="OneShotHost.RunAsync(string[], OneShotHostSetup, CancellationToken)"/> runs
/// against: the program uses the process's stdout and stderr; a test host swaps in its own writers,
/// log sink and transport, and still runs the same composition root and the same exit-code mapping.
/// </summary>
public sealed class OneShotHostSetup
{
    /// <summary>The process's own streams.</summary>
    public static OneShotHostSetup Console => new() { Out = StandardStreams.OpenStdout(), Error = StandardStreams.OpenStderr() };

    /// <summary>Where the message line (and <c>--help</c>) goes.</summary>
    public TextWriter Out { get; init; } = System.Console.Out;

    /// <summary>Where log lines and the one-line errors of a failed run go.</summary>
    public TextWriter Error { get; init; } = System.Console.Error;

    /// <summary>Where log lines go instead of <see cref="Error"/>, if set (called at once, never blocks the caller's writer).</summary>
    public Action<string>? Logs { get; init; }

    /// <summary>
    /// Runs after the product's own registrations, so it may replace any of them. The host has no
    /// start-up validator (<c>ValidateOnStart</c> registrations do not run; see <c>CreateBuilder</c>):
    /// options that must fail the start are read before it.
    /// </summary>
    public Action<HostApplicationBuilder>? ConfigureBuilder { get; init; }

    /// <summary>Sees the built host before it starts (its services, its lifetime).</summary>
    public Action<IHost>? Built { get; init; }
}
