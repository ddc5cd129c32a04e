using Microsoft.Extensions.Hosting;

namespace KestrelOneShot.Hosting;

/// <summary>
/// What <see cref="OneShotHost.RunAsync(string[], OneShotHostSetup, CancellationToken)"/> runs
/// against: the program uses the console as it is; a test host swaps in its own writers, transport
/// and logging, and still runs the same composition root and the same exit-code mapping.
/// </summary>
public sealed class OneShotHostSetup
{
    public static OneShotHostSetup Console { get; } = new();

    /// <summary>Where the message line (and <c>--help</c>) goes.</summary>
    public TextWriter Out { get; init; } = System.Console.Out;

    /// <summary>Where the one-line errors of a failed run go (logs go through logging).</summary>
    public TextWriter Error { get; init; } = System.Console.Error;

    /// <summary>Runs after the product's own registrations, so it may replace any of them.</summary>
    public Action<HostApplicationBuilder>? ConfigureBuilder { get; init; }

    /// <summary>Sees the built host before it starts (its services, its lifetime).</summary>
    public Action<IHost>? Built { get; init; }
}
