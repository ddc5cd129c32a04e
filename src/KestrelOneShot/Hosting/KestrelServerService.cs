using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;

namespace KestrelOneShot.Hosting;

/// <summary>
/// Runs Kestrel as a plain hosted service with the HTTP application from the container
/// (<c>OneShotHttpApplication</c>, straight on Kestrel's request features): the web host's request
/// pipeline, HTTP context factory and host filtering are never built, and their start-up cost is
/// saved (docs/performance.md). A TCP endpoint ends in the connection handler and never reaches it.
/// </summary>
internal sealed class KestrelServerService(IServer server, IHttpApplication<IFeatureCollection> application) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => server.StartAsync(application, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);
}
