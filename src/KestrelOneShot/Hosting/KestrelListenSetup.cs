using System.Net;

using KestrelOneShot.Configuration;
using KestrelOneShot.ConnectionHandling;
using KestrelOneShot.ProxyProtocol;
using KestrelOneShot.Run;
using KestrelOneShot.Tls;

using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Hosting;

/// <summary>
/// Declares the endpoints chosen by <c>OneShot:Address</c> and <c>OneShot:Port</c>, each with the
/// one connection pipeline.
/// </summary>
internal sealed class KestrelListenSetup(
    IOptions<OneShotOptions> options,
    OneShotRun run,
    IServiceProvider services,
    ILogger<KestrelListenSetup> logger) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        // The web host's Kestrel setup would do this; connection handlers and middleware come from here.
        kestrel.ApplicationServices = services;
        var settings = options.Value;
        if (settings.ProxyProtocol == ProxyProtocolMode.Optional)
        {
            HostingLog.OptionalProxyProtocol(logger);
        }

        switch (settings.Address.ToLowerInvariant())
        {
            case OneShotOptions.LocalhostAddress:
                // What ListenLocalhost does, one listener per loopback address, so that Kestrel
                // reports each bound endpoint (ListenLocalhost reports "localhost:port" only, and
                // refuses port 0: here both loopbacks share one free port).
                var port = settings.Port == 0 ? LoopbackPort.FindFree() : settings.Port;
                foreach (var loopback in LoopbackPort.Addresses)
                {
                    kestrel.Listen(loopback, port, Pipeline);
                }

                break;
            case OneShotOptions.AnyAddress:
                HostingLog.EveryInterface(logger);
                kestrel.ListenAnyIP(settings.Port, Pipeline);
                break;
            default:
                kestrel.Listen(IPAddress.Parse(settings.Address), settings.Port, Pipeline);
                break;
        }
    }

    /// <summary>Every endpoint's connection pipeline, in the order the bytes meet it.</summary>
    private void Pipeline(ListenOptions listen)
    {
        var settings = options.Value;
        listen.UseRejectionRecording(run, services.GetRequiredService<TimeProvider>())
            .UseProxyProtocol(new ProxyProtocolOptions { Mode = settings.ProxyProtocol, HeaderTimeout = settings.ReadTimeout })
            .UseTlsWhen(settings.UsesTls, () => services.GetRequiredService<TlsEndpointSetup>().Options)
            .UseConnectionHandler<OneShotConnectionHandler>();
    }
}
