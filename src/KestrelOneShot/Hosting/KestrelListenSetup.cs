using System.Net;

using KestrelOneShot.ConnectionHandling;
using KestrelOneShot.ProxyProtocol;

using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Hosting;

/// <summary>
/// Puts the one-shot connection handler on raw TCP endpoints chosen by <c>OneShot:Address</c> and
/// <c>OneShot:Port</c>. Only the endpoints change between addresses; the connection pipeline is one.
/// </summary>
public sealed partial class KestrelListenSetup(IOptions<OneShotOptions> options, IServiceProvider services, ILogger<KestrelListenSetup> logger) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        // The web host's Kestrel setup would do this; connection handlers and middleware come from here.
        kestrel.ApplicationServices = services;
        var settings = options.Value;
        if (settings.ProxyProtocol == ProxyProtocolMode.Optional)
        {
            LogOptionalProxyProtocol(logger);
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
                LogEveryInterface(logger);
                kestrel.ListenAnyIP(settings.Port, Pipeline);
                break;
            default:
                kestrel.Listen(IPAddress.Parse(settings.Address), settings.Port, Pipeline);
                break;
        }
    }

    private void Pipeline(ListenOptions listen)
    {
        if (options.Value.ProxyProtocol != ProxyProtocolMode.Off)
        {
            var proxyProtocol = listen.ApplicationServices.GetRequiredService<ProxyProtocolMiddleware>();
            listen.Use(next => connection => proxyProtocol.OnConnectionAsync(connection, next));
        }

        listen.UseConnectionHandler<OneShotConnectionHandler>();
    }

    [LoggerMessage(2, LogLevel.Warning, "PROXY protocol is optional: any client can claim any address by sending a header")]
    private static partial void LogOptionalProxyProtocol(ILogger logger);

    [LoggerMessage(1, LogLevel.Warning, "Listening on every interface: any host that can reach this machine can take the shot")]
    private static partial void LogEveryInterface(ILogger logger);
}
