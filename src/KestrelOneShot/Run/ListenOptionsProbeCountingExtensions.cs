using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace KestrelOneShot.Run;

internal static class ListenOptionsProbeCountingExtensions
{
    /// <summary>Counts the endpoint's probes in <paramref name="run"/>; goes first, ahead of every middleware that can make one.</summary>
    public static ListenOptions UseProbeCounting(this ListenOptions listenOptions, OneShotRun run)
    {
        listenOptions.Use(next => new ProbeCountingMiddleware(next, run).OnConnectionAsync);
        return listenOptions;
    }
}
