using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace KestrelOneShot.Run;

internal static class ListenOptionsRejectionRecordingExtensions
{
    /// <summary>Records the endpoint's rejections and probes in <paramref name="run"/>; goes first, ahead of every middleware that can turn one away.</summary>
    public static ListenOptions UseRejectionRecording(this ListenOptions listenOptions, OneShotRun run, TimeProvider time)
    {
        listenOptions.Use(next => new RejectionRecordingMiddleware(next, run, time).OnConnectionAsync);
        return listenOptions;
    }
}
