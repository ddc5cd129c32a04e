using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;

namespace KestrelOneShot.Hosting;

/// <summary>
/// Runs Kestrel as a plain hosted service. Every endpoint ends in the connection handler, so the
/// HTTP layer that the web host would build around the server (request pipeline, HTTP context
/// factory, host filtering) is never used, and its start-up cost is saved (docs/performance.md).
/// </summary>
internal sealed class KestrelServerService(IServer server) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => server.StartAsync(NoHttpApplication.Instance, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);

    // Kestrel asks for an HTTP application; no endpoint of ours speaks HTTP, so none is ever called.
    private sealed class NoHttpApplication : IHttpApplication<NoHttpApplication>
    {
        public static NoHttpApplication Instance { get; } = new();

        public NoHttpApplication CreateContext(IFeatureCollection contextFeatures) =>
            throw new InvalidOperationException("KestrelOneShot serves raw TCP: no endpoint speaks HTTP.");

        public Task ProcessRequestAsync(NoHttpApplication context) => Task.CompletedTask;

        public void DisposeContext(NoHttpApplication context, Exception? exception)
        {
        }
    }
}
